//! star-core
