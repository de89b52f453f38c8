//! JSON configuration files: one loader and one set of value checks for every configuration
//! (BlenderBot-Small, BERT, generation, and the facade's training configuration).
//!
//! A configuration implements [JsonConfig] (serde; unknown keys are ignored, so an HF
//! `config.json` or `generation_config.json` loads straight in) and [load_json_config] reads and
//! checks it. Every error names the file, and a parse error its line and column, a rejected value
//! its field:
//!
//! ```
//! use esc_models::json_config::{InvalidField, JsonConfig, check_positive, load_json_config};
//!
//! #[derive(serde::Deserialize)]
//! struct Sizes {
//!     d_model: usize,
//! }
//!
//! impl JsonConfig for Sizes {
//!     fn check(&self) -> Result<(), InvalidField> {
//!         check_positive(&[("d_model", self.d_model)])
//!     }
//! }
//!
//! let path = std::env::temp_dir().join(format!("sizes-{}.json", std::process::id()));
//! std::fs::write(&path, r#"{"d_model": 0, "some_other_key": true}"#).unwrap();
//! let err = load_json_config::<Sizes>(&path).err().unwrap().to_string();
//! assert!(err.contains("sizes-") && err.contains("field `d_model`: expected a positive integer, found 0"));
//! # std::fs::remove_file(&path).unwrap();
//! ```

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::Error;

/// One impossible configuration value: the field and what was expected (with what was found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: expected {expected}")]
pub struct InvalidField {
    /// The offending field (its JSON key).
    pub field: &'static str,
    /// What was expected and what was found, e.g. `a positive integer, found 0`.
    pub expected: String,
}

impl InvalidField {
    /// The field `field` should have been `expected`.
    pub fn new(field: &'static str, expected: impl Into<String>) -> Self {
        Self {
            field,
            expected: expected.into(),
        }
    }
}

impl From<InvalidField> for Error {
    fn from(e: InvalidField) -> Self {
        Error::InvalidConfig {
            path: None,
            field: e.field,
            expected: e.expected,
        }
    }
}

/// A configuration read from JSON and checked after parsing.
pub trait JsonConfig: DeserializeOwned {
    /// Checks the values: the first impossible one, naming its field.
    ///
    /// # Errors
    /// [InvalidField] for the first value that cannot work.
    fn check(&self) -> Result<(), InvalidField>;
}

/// Reads a JSON file into `T` and checks it with [JsonConfig::check].
///
/// # Errors
/// All name the file: [Error::Io] if it cannot be read, [Error::ConfigParse] (with line and
/// column) if it is not valid JSON of the right types, [Error::InvalidConfig] (with the field)
/// if a value is impossible.
pub fn load_json_config<T: JsonConfig>(path: impl AsRef<Path>) -> Result<T, Error> {
    let path = path.as_ref();
    parse_json_config_at(&read_bytes(path)?, path, Some(path))
}

/// Parses JSON held in memory into `T` and checks it, as [load_json_config] reads a file.
/// A parse error names the source `<json>`.
///
/// ```
/// use esc_models::GenerationConfig;
/// let config: GenerationConfig = esc_models::json_config::parse_json_config(r#"{"num_beams": 4}"#)?;
/// assert_eq!(config.num_beams, 4);
/// let err = esc_models::json_config::parse_json_config::<GenerationConfig>(r#"{"num_beams": 0}"#);
/// assert!(err.unwrap_err().to_string().contains("num_beams"));
/// # Ok::<(), esc_models::Error>(())
/// ```
///
/// # Errors
/// [Error::ConfigParse] (with line and column) if it is not valid JSON of the right types,
/// [Error::InvalidConfig] (with the field) if a value is impossible.
pub fn parse_json_config<T: JsonConfig>(json: impl AsRef<[u8]>) -> Result<T, Error> {
    parse_json_config_at(json.as_ref(), Path::new("<json>"), None)
}

fn parse_json_config_at<T: JsonConfig>(
    bytes: &[u8],
    source: &Path,
    file: Option<&Path>,
) -> Result<T, Error> {
    let config: T = parse_json(bytes, source)?;
    config.check().map_err(|e| Error::InvalidConfig {
        path: file.map(Path::to_path_buf),
        field: e.field,
        expected: e.expected,
    })?;
    Ok(config)
}

/// Reads a JSON file into `T` without checking the values.
///
/// # Errors
/// [Error::Io] or [Error::ConfigParse] (with line and column), both naming the file.
pub fn read_json<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T, Error> {
    let path = path.as_ref();
    parse_json(&read_bytes(path)?, path)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// `bytes` as JSON (serde_json reports invalid UTF-8 with its line and column).
fn parse_json<T: DeserializeOwned>(bytes: &[u8], source: &Path) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|source_error| Error::ConfigParse {
        path: source.to_path_buf(),
        source: source_error,
    })
}

/// Pairs fields of a configuration with their names for the checks of this module:
/// `config_fields!(self; a, b)` is `[("a", self.a), ("b", self.b)]`, so the name an error
/// reports is always the field's own (its JSON key).
///
/// ```
/// use esc_models::config_fields;
/// use esc_models::json_config::check_positive;
///
/// struct Sizes {
///     d_model: usize,
///     n_layers: usize,
/// }
/// let sizes = Sizes { d_model: 16, n_layers: 0 };
/// let err = check_positive(&config_fields!(sizes; d_model, n_layers)).unwrap_err();
/// assert_eq!(err.field, "n_layers");
/// ```
#[macro_export]
macro_rules! config_fields {
    ($config:expr; $($field:ident),+ $(,)?) => {
        [$((stringify!($field), $config.$field)),+]
    };
}

/// Every size is at least 1.
///
/// # Errors
/// [InvalidField] `a positive integer, found 0` for the first zero.
pub fn check_positive(fields: &[(&'static str, usize)]) -> Result<(), InvalidField> {
    match fields.iter().find(|(_, v)| *v == 0) {
        Some((field, _)) => Err(InvalidField::new(field, "a positive integer, found 0")),
        None => Ok(()),
    }
}

/// Every number is finite and above 0 (a learning rate, a temperature, an epsilon).
///
/// # Errors
/// [InvalidField] `a positive number, found {value}` for the first other value.
pub fn check_positive_numbers(fields: &[(&'static str, f64)]) -> Result<(), InvalidField> {
    match fields.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
        Some((field, v)) => Err(InvalidField::new(
            field,
            format!("a positive number, found {v}"),
        )),
        None => Ok(()),
    }
}

/// Every dropout probability is in `[0, 1)`.
///
/// # Errors
/// [InvalidField] `a probability in [0, 1), found {p}` for the first other value.
pub fn check_dropouts(fields: &[(&'static str, f64)]) -> Result<(), InvalidField> {
    match fields.iter().find(|(_, p)| !(0.0..1.0).contains(p)) {
        Some((field, p)) => Err(InvalidField::new(
            field,
            format!("a probability in [0, 1), found {p}"),
        )),
        None => Ok(()),
    }
}

/// Every token id (`u32`, or `Option<u32>` where `None` is not checked) is below `vocab_size`
/// (a row of the embedding). `what` names the vocabulary in the message, e.g. `vocab_size` or
/// `the model's vocab_size`.
///
/// # Errors
/// [InvalidField] `an id below {what} {vocab_size}, found {id}` for the first other id.
pub fn check_ids_below<I: Into<Option<u32>> + Copy>(
    what: &str,
    vocab_size: usize,
    fields: &[(&'static str, I)],
) -> Result<(), InvalidField> {
    for &(field, id) in fields {
        if let Some(id) = id.into()
            && id as usize >= vocab_size
        {
            return Err(InvalidField::new(
                field,
                format!("an id below {what} {vocab_size}, found {id}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_the_first_bad_field() {
        assert_eq!(
            check_positive(&[("a", 1), ("b", 0), ("c", 0)])
                .unwrap_err()
                .field,
            "b"
        );
        assert!(check_positive(&[("a", 1)]).is_ok());
        let e = check_positive_numbers(&[("lr", f64::NAN)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `lr`: expected a positive number, found NaN"
        );
        assert_eq!(
            check_dropouts(&[("p", 0.0), ("q", 1.0)]).unwrap_err().field,
            "q"
        );
        let e = check_ids_below("vocab_size", 10, &[("pad", None), ("eos", Some(10))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `eos`: expected an id below vocab_size 10, found 10"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        #[derive(serde::Deserialize)]
        struct Empty {}
        impl JsonConfig for Empty {
            fn check(&self) -> Result<(), InvalidField> {
                Ok(())
            }
        }
        let err = load_json_config::<Empty>("/nonexistent/x.json")
            .err()
            .unwrap();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/x.json"));
    }
}
