//! BlenderBot-Small (Roller et al., 2021), logit-exact with transformers 4.57.1
//! `models/blenderbot_small/modeling_blenderbot_small.py`. Struct fields carry the HF names, so HF
//! checkpoints load without key remapping (see [weights]).

pub mod attention;
pub mod config;
pub mod decoder;
pub mod encoder;
#[cfg(feature = "flex")]
mod flex_attention;
pub mod model;
mod sublayer;
pub mod weights;

pub use attention::{Attention, KeyValue};
pub use config::BlenderbotSmallConfig;
pub use decoder::{Decoder, DecoderCache, DecoderLayer, DecoderLayerCache};
pub use encoder::{Encoder, EncoderLayer};
pub use model::{BlenderbotSmallForConditionalGeneration, BlenderbotSmallModel, Seq2SeqOutput};
