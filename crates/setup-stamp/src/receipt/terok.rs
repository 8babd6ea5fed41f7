//! terok's receipt owners, as released in terok 0.9, terok-executor 0.5,
//! terok-sandbox 0.6 and terok-shield 0.9, parents first: each composes
//! the checks of the ones after it (terok's `check_setup()` is the whole
//! closure). Where each keeps its receipt and what it records is terok's
//! own code's business: [`startup`](crate::startup) runs that code and
//! reports what it read.

use std::fmt;

/// A terok package that keeps a setup receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerokOwner {
    /// `terok`.
    Terok,
    /// `terok-executor`.
    Executor,
    /// `terok-sandbox`.
    Sandbox,
    /// `terok-shield`.
    Shield,
}

impl TerokOwner {
    /// The owners, parents first.
    pub const ALL: [TerokOwner; 4] = [
        TerokOwner::Terok,
        TerokOwner::Executor,
        TerokOwner::Sandbox,
        TerokOwner::Shield,
    ];

    /// The distribution (and owner) name.
    pub fn name(self) -> &'static str {
        match self {
            TerokOwner::Terok => "terok",
            TerokOwner::Executor => "terok-executor",
            TerokOwner::Sandbox => "terok-sandbox",
            TerokOwner::Shield => "terok-shield",
        }
    }
}

impl fmt::Display for TerokOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sha256 of `bytes`, as lower-case hex (`hashlib.sha256(...).hexdigest()`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::hex::encode(&Sha256::digest(bytes))
}
