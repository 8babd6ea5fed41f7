//! The configurable ecosystem and the reference operations over it.
//!
//! [`SetupStamp`] binds an [`Ecosystem`] (which packages, which names) to a
//! distribution search path and performs the reference module's operations:
//! [`stamp_path`](SetupStamp::stamp_path),
//! [`needs_setup`](SetupStamp::needs_setup),
//! [`write_stamp`](SetupStamp::write_stamp),
//! [`clear_stamp`](SetupStamp::clear_stamp),
//! [`installed_versions`](SetupStamp::installed_versions), plus
//! [`check`](SetupStamp::check), which also reports what changed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::distributions::{self, DistributionError, FoundDistribution};
use crate::location::{self, LocationError, SystemHost};
use crate::stamp::{
    self, StampClearError, StampContents, StampRead, StampReadError, StampWriteError,
};
use crate::verdict::{
    self, CompareError, InstalledPackage, PackageChange, PackageStatus, Report, SetupVerdict,
};

/// The reference namespace.
pub const TEROK_NAMESPACE: &str = "terok";

/// The reference's tracked packages, in order.
pub const TEROK_TRACKED_PACKAGES: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// The reference's stamp file name.
pub const STAMP_FILE_NAME: &str = "setup.stamp";

/// The packages and names one ecosystem's stamp is about.
///
/// [`Ecosystem::terok`] (also the [`Default`]) is the reference configuration;
/// other ecosystems choose their own namespace and tracked packages.
///
/// ```
/// use setup_stamp::Ecosystem;
///
/// let terok = Ecosystem::terok();
/// assert_eq!(terok.namespace, "terok");
/// assert_eq!(terok.tracked_packages.len(), 5);
///
/// let mine = Ecosystem::new("acme").with_tracked_packages(["acme-cli", "acme-core"]);
/// assert_eq!(mine.file_name, "setup.stamp");
/// assert_eq!(mine.tracked_packages, ["acme-cli", "acme-core"]);
/// ```
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

impl Ecosystem {
    /// The reference configuration: namespace `terok`, the five terok
    /// packages, file `setup.stamp`.
    pub fn terok() -> Self {
        Ecosystem {
            namespace: TEROK_NAMESPACE.to_owned(),
            tracked_packages: TEROK_TRACKED_PACKAGES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            file_name: STAMP_FILE_NAME.to_owned(),
        }
    }

    /// An ecosystem with the given namespace, no tracked packages yet, and
    /// the default file name.
    pub fn new(namespace: impl Into<String>) -> Self {
        Ecosystem {
            namespace: namespace.into(),
            tracked_packages: Vec::new(),
            file_name: STAMP_FILE_NAME.to_owned(),
        }
    }

    /// Replaces the tracked packages.
    pub fn with_tracked_packages<I, S>(mut self, packages: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tracked_packages = packages.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the stamp file name.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = file_name.into();
        self
    }
}

impl Default for Ecosystem {
    fn default() -> Self {
        Ecosystem::terok()
    }
}

/// The reference operations, bound to an ecosystem and a search path.
///
/// ```no_run
/// use setup_stamp::{SetupStamp, SetupVerdict};
///
/// let stamp = SetupStamp::terok().with_search_path(["/opt/venv/lib/python3.12/site-packages"]);
/// match stamp.needs_setup()? {
///     SetupVerdict::Ok => {}
///     verdict => eprintln!("setup needed: {verdict}"),
/// }
/// # Ok::<(), setup_stamp::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SetupStamp {
    /// Which ecosystem.
    pub ecosystem: Ecosystem,
    /// Where distributions are looked up (the equivalent of `sys.path`), in order.
    pub search_path: Vec<PathBuf>,
}

impl SetupStamp {
    /// The reference configuration with an empty search path.
    pub fn terok() -> Self {
        SetupStamp::new(Ecosystem::terok())
    }

    /// The given ecosystem with an empty search path.
    pub fn new(ecosystem: Ecosystem) -> Self {
        SetupStamp {
            ecosystem,
            search_path: Vec::new(),
        }
    }

    /// Replaces the search path (ordered, like `sys.path`).
    pub fn with_search_path<I, P>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.search_path = entries.into_iter().map(Into::into).collect();
        self
    }

    /// Where the stamp lives (reference: `stamp_path()`).
    pub fn stamp_path(&self) -> Result<PathBuf, Error> {
        Ok(location::stamp_path(
            &self.ecosystem.namespace,
            &self.ecosystem.file_name,
            &SystemHost,
        )?)
    }

    /// Each tracked package's distribution on the search path, in tracked
    /// order (`None` where it is not installed).
    pub fn find_distributions(&self) -> Result<Vec<Option<FoundDistribution>>, Error> {
        let names: Vec<&str> = self
            .ecosystem
            .tracked_packages
            .iter()
            .map(String::as_str)
            .collect();
        Ok(distributions::find_distributions(
            &self.search_path,
            &names,
        )?)
    }

    /// Installed tracked packages, in tracked order; packages that are not
    /// installed are left out (reference: `installed_versions()`).
    pub fn installed_versions(&self) -> Result<Vec<InstalledPackage>, Error> {
        Ok(self
            .find_distributions()?
            .into_iter()
            .flatten()
            .map(|found| InstalledPackage {
                name: found.name,
                version: found.version,
            })
            .collect())
    }

    /// The verdict alone, doing no more work than the reference
    /// (reference: `needs_setup()`).
    pub fn needs_setup(&self) -> Result<SetupVerdict, Error> {
        let path = self.stamp_path()?;
        match stamp::read_stamp_file(&path).map_err(Error::from)? {
            StampRead::Missing => Ok(SetupVerdict::FirstRun),
            StampRead::Corrupt(_) => Ok(SetupVerdict::StampCorrupt),
            StampRead::Valid(contents) => {
                let installed = self.installed_versions()?;
                Ok(verdict::compare(&contents.packages, &installed)?.verdict)
            }
        }
    }

    /// The verdict plus what changed, per package.
    pub fn check(&self) -> Result<Check, Error> {
        self.check_inner(None)
    }

    /// Like [`check`](Self::check), with the installed versions supplied by
    /// the caller instead of read from the search path.
    pub fn check_with_installed(&self, installed: &[InstalledPackage]) -> Result<Check, Error> {
        self.check_inner(Some(installed))
    }

    fn check_inner(&self, given: Option<&[InstalledPackage]>) -> Result<Check, Error> {
        let stamp_path = self.stamp_path()?;
        let read = stamp::read_stamp_file(&stamp_path)?;
        let lookup = || -> Result<Vec<InstalledPackage>, Error> {
            match given {
                Some(installed) => Ok(installed.to_vec()),
                None => self.installed_versions(),
            }
        };
        let (report, stamp) = match read {
            StampRead::Valid(contents) => {
                let installed = lookup()?;
                let report = verdict::compare(&contents.packages, &installed)?;
                (report, StampState::Valid(contents))
            }
            StampRead::Missing => (
                unstamped_report(SetupVerdict::FirstRun, lookup().ok()),
                StampState::Missing,
            ),
            StampRead::Corrupt(reason) => (
                unstamped_report(SetupVerdict::StampCorrupt, lookup().ok()),
                StampState::Corrupt(reason.to_string()),
            ),
        };
        Ok(Check {
            stamp_path,
            stamp,
            report,
        })
    }

    /// Writes the stamp for the current install and returns its path
    /// (reference: `write_stamp()`).
    pub fn write_stamp(&self) -> Result<PathBuf, Error> {
        let installed = self.installed_versions()?;
        self.write_stamp_with_installed(&installed)
    }

    /// Like [`write_stamp`](Self::write_stamp), with the installed versions
    /// supplied by the caller.
    pub fn write_stamp_with_installed(
        &self,
        installed: &[InstalledPackage],
    ) -> Result<PathBuf, Error> {
        let path = self.stamp_path()?;
        let completed_at = stamp::format_completed_at(SystemTime::now());
        let bytes = stamp::render_stamp(&completed_at, installed);
        stamp::write_stamp_file(&path, bytes.as_bytes())?;
        Ok(path)
    }

    /// Removes the stamp; `true` if a file was removed, `false` if there was
    /// none (reference: `clear_stamp()`).
    pub fn clear_stamp(&self) -> Result<bool, Error> {
        let path = self.stamp_path()?;
        Ok(stamp::remove_stamp_file(&path)?)
    }

    /// Reads and parses a stamp file (reference: `read_stamp(path)`).
    pub fn read_stamp(path: &Path) -> Result<StampRead, Error> {
        Ok(stamp::read_stamp_file(path)?)
    }
}

/// The report for a missing or corrupt stamp: every installed package is
/// "not stamped". The installed versions are informative only here; a
/// lookup failure does not change the verdict (the reference never looks).
fn unstamped_report(verdict: SetupVerdict, installed: Option<Vec<InstalledPackage>>) -> Report {
    let packages = installed
        .unwrap_or_default()
        .into_iter()
        .map(|package| PackageStatus {
            package: package.name.as_str().into(),
            stamped: None,
            installed: Some(package.version),
            change: PackageChange::NotStamped,
        })
        .collect();
    Report { verdict, packages }
}

/// What [`SetupStamp::check`] found: the stamp's location and state, and the report.
#[derive(Debug, Clone)]
pub struct Check {
    /// Where the stamp lives.
    pub stamp_path: PathBuf,
    /// What was found there.
    pub stamp: StampState,
    /// The verdict and per-package changes.
    pub report: Report,
}

/// The state of the stamp file as [`SetupStamp::check`] found it.
#[derive(Debug, Clone)]
pub enum StampState {
    /// No stamp.
    Missing,
    /// A stamp that cannot be used, with the reason.
    Corrupt(String),
    /// A readable stamp.
    Valid(StampContents),
}

/// Anything that stops an operation from giving an answer.
#[derive(Debug)]
pub enum Error {
    /// The stamp's location could not be determined.
    Location(LocationError),
    /// The stamp could not be examined (e.g. permission denied on a parent).
    Read(StampReadError),
    /// The installed distributions could not be read.
    Distributions(DistributionError),
    /// The versions could not be compared.
    Compare(CompareError),
    /// The stamp could not be written.
    Write(StampWriteError),
    /// The stamp could not be removed.
    Clear(StampClearError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Location(e) => write!(f, "cannot locate the setup stamp: {e}"),
            Error::Read(e) => write!(f, "cannot read the setup stamp: {e}"),
            Error::Distributions(e) => write!(f, "cannot read installed distributions: {e}"),
            Error::Compare(e) => write!(f, "cannot compare versions: {e}"),
            Error::Write(e) => write!(f, "cannot write the setup stamp: {e}"),
            Error::Clear(e) => write!(f, "cannot remove the setup stamp: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Location(e) => Some(e),
            Error::Read(e) => Some(e),
            Error::Distributions(e) => Some(e),
            Error::Compare(e) => Some(e),
            Error::Write(e) => Some(e),
            Error::Clear(e) => Some(e),
        }
    }
}

macro_rules! error_from {
    ($($source:ty => $variant:ident),* $(,)?) => {
        $(impl From<$source> for Error {
            fn from(e: $source) -> Self {
                Error::$variant(e)
            }
        })*
    };
}

error_from! {
    LocationError => Location,
    StampReadError => Read,
    DistributionError => Distributions,
    CompareError => Compare,
    StampWriteError => Write,
    StampClearError => Clear,
}
