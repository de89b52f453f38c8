//! Speaker roles of the encoder input tokens (Emstremo-style role embeddings).
//!
//! The Emstremo reference adds a learned role embedding (`[SEK]` seeker / `[SPT]` supporter) to
//! every encoder input embedding. [`EscExample::input_roles`](crate::EscExample::input_roles)
//! holds one role id per input id: a turn's tokens, and the `</s>` that closes the turn, take
//! the turn's speaker; the strategy token of a past supporter turn (`InputLayout::Zcj`) is the
//! supporter's. The reference's input has nothing but turns; the parts it lacks (KEMI knowledge,
//! the optional situation) get a third role of their own, and padding gets [`ROLE_PAD`].

/// Role of padding positions (the batcher's pad value).
pub const ROLE_PAD: u32 = 0;
/// Role of the help seeker's tokens.
pub const ROLE_SEEKER: u32 = 1;
/// Role of the supporter's tokens.
pub const ROLE_SUPPORTER: u32 = 2;
/// Role of the tokens no speaker said: knowledge segments and the situation.
pub const ROLE_KNOWLEDGE: u32 = 3;
/// Number of role ids (the rows of a role embedding table).
pub const N_ROLES: usize = 4;
