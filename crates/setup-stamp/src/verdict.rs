//! The five verdicts and the comparison of a stamp with the installed versions.
//!
//! Pure logic: no filesystem access.

use crate::pyjson::PyString;

/// Result of comparing the setup stamp with what is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupVerdict {
    /// `ok`
    Ok,
    /// `first_run`
    FirstRun,
    /// `stale_after_update`
    StaleAfterUpdate,
    /// `stale_after_downgrade`
    StaleAfterDowngrade,
    /// `stamp_corrupt`
    StampCorrupt,
}

/// How one tracked package differs between the stamp and the install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageChange {
    /// Same version.
    Same,
    /// Installed newer than stamped.
    Upgraded,
    /// Installed older than stamped.
    Downgraded,
    /// Stamped but not installed.
    NotInstalled,
    /// Installed but not stamped.
    NotStamped,
    /// Could not be compared (no installed `Version`, or a version Python refuses).
    Unknown,
}

/// One installed distribution as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    /// The tracked name, as queried (e.g. `terok-sandbox`).
    pub name: String,
    /// The `Version` header, or `None` when the metadata has none.
    pub version: Option<String>,
}

/// One package line of a [`Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageStatus {
    /// Package name (stamp key or tracked name).
    pub package: PyString,
    /// Version in the stamp, if stamped.
    pub stamped: Option<PyString>,
    /// Installed version, if installed (`Some(None)`: installed without a `Version`).
    pub installed: Option<Option<String>>,
    /// The kind of change.
    pub change: PackageChange,
}

/// The verdict plus what changed, per package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The verdict, exactly the reference's.
    pub verdict: SetupVerdict,
    /// Stamped packages in file order, then installed-but-unstamped ones in tracked order.
    pub packages: Vec<PackageStatus>,
}

/// The comparison could not reach a verdict (the reference raises).
#[derive(Debug)]
pub enum CompareError {
    /// placeholder
    Placeholder,
}

/// Compares stamped packages (file order) with installed ones (tracked order).
pub fn compare(
    _stamped: &[(PyString, PyString)],
    _installed: &[InstalledPackage],
) -> Result<Report, CompareError> {
    todo!()
}
