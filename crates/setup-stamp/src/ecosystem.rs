//! The configurable ecosystem and the reference operations over it.

use std::path::PathBuf;

use crate::verdict::{InstalledPackage, Report, SetupVerdict};

/// The packages and names one ecosystem's stamp is about.
///
/// [`Ecosystem::terok`] is the reference configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecosystem {
    /// Namespace (`terok`): names the state and config directories and the
    /// environment variables (`TEROK_ROOT`, `TEROK_CONFIG_FILE`).
    pub namespace: String,
    /// Tracked distribution names, in order.
    pub tracked_packages: Vec<String>,
    /// Stamp file name (`setup.stamp`).
    pub file_name: String,
}

/// The reference operations, bound to an ecosystem and a search path.
#[derive(Debug, Clone)]
pub struct SetupStamp {
    /// Which ecosystem.
    pub ecosystem: Ecosystem,
    /// Where distributions are looked up (the equivalent of `sys.path`), in order.
    pub search_path: Vec<PathBuf>,
}

/// Anything that stops an operation from giving an answer.
#[derive(Debug)]
pub enum Error {
    /// placeholder
    Placeholder,
}

impl SetupStamp {
    /// Where the stamp lives.
    pub fn stamp_path(&self) -> Result<PathBuf, Error> {
        todo!()
    }
    /// Installed tracked packages, in tracked order (only found ones).
    pub fn installed_versions(&self) -> Result<Vec<InstalledPackage>, Error> {
        todo!()
    }
    /// The verdict and the per-package report.
    pub fn check(&self) -> Result<Report, Error> {
        todo!()
    }
    /// The verdict alone.
    pub fn needs_setup(&self) -> Result<SetupVerdict, Error> {
        todo!()
    }
    /// Writes the stamp for the current install; returns its path.
    pub fn write_stamp(&self) -> Result<PathBuf, Error> {
        todo!()
    }
    /// Removes the stamp; `true` if a file was removed.
    pub fn clear_stamp(&self) -> Result<bool, Error> {
        todo!()
    }
}
