//! setup-stamp: a cheap "did the user run setup?" check.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod distributions;
pub mod environment;
pub mod location;
pub mod pyjson;
pub mod stamp;
pub mod verdict;
pub mod version;

pub use verdict::SetupVerdict;

mod ecosystem;
pub use ecosystem::{Ecosystem, Error, SetupStamp};
