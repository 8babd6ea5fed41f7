//! The five verdicts and the comparison of a stamp with the installed versions.
//!
//! Pure logic: no filesystem access. [`compare`] reproduces the reference's
//! `_compare` loop verdict for verdict, and additionally reports how every
//! package changed.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::pyjson::PyString;
use crate::version::{self, VersionError};

/// Result of comparing the setup stamp with what is installed.
///
/// Serialised (serde, [`Display`](fmt::Display), [`FromStr`]) as the
/// reference enum's values: `ok`, `first_run`, `stale_after_update`,
/// `stale_after_downgrade`, `stamp_corrupt`.
///
/// How frontends react (and terok's CLI exit codes):
///
/// | verdict                 | frontend                          | blocking | exit |
/// |-------------------------|-----------------------------------|----------|------|
/// | `ok`                    | nothing                           | no       | 0    |
/// | `first_run`             | blocking modal: run setup         | yes      | 3    |
/// | `stale_after_update`    | non-blocking banner               | no       | 3    |
/// | `stale_after_downgrade` | hard stop until the user overrides| yes      | 4    |
/// | `stamp_corrupt`         | treated as `first_run`            | yes      | 3    |
///
/// ```
/// use setup_stamp::SetupVerdict;
/// let v: SetupVerdict = "stale_after_update".parse().unwrap();
/// assert_eq!(v, SetupVerdict::StaleAfterUpdate);
/// assert_eq!(v.to_string(), "stale_after_update");
/// assert!(!v.is_blocking());
/// assert_eq!(v.exit_code(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupVerdict {
    /// `ok`: the stamp matches every installed package version.
    Ok,
    /// `first_run`: no stamp on disk; setup has never run (or state was wiped).
    FirstRun,
    /// `stale_after_update`: an installed package is newer than stamped.
    StaleAfterUpdate,
    /// `stale_after_downgrade`: an installed package is older than stamped,
    /// or a stamped package is no longer installed.
    StaleAfterDowngrade,
    /// `stamp_corrupt`: something is at the stamp path but cannot be read as
    /// a stamp.
    StampCorrupt,
}

impl SetupVerdict {
    /// Every verdict, in the reference enum's declaration order.
    pub const ALL: [SetupVerdict; 5] = [
        SetupVerdict::Ok,
        SetupVerdict::FirstRun,
        SetupVerdict::StaleAfterUpdate,
        SetupVerdict::StaleAfterDowngrade,
        SetupVerdict::StampCorrupt,
    ];

    /// The reference enum's value (`ok`, `first_run`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            SetupVerdict::Ok => "ok",
            SetupVerdict::FirstRun => "first_run",
            SetupVerdict::StaleAfterUpdate => "stale_after_update",
            SetupVerdict::StaleAfterDowngrade => "stale_after_downgrade",
            SetupVerdict::StampCorrupt => "stamp_corrupt",
        }
    }

    /// Whether a frontend must stop the user before going on: `first_run`
    /// (blocking modal), `stamp_corrupt` (treated as `first_run`) and
    /// `stale_after_downgrade` (hard stop until an explicit override).
    /// `ok` shows nothing and `stale_after_update` only a banner.
    pub const fn is_blocking(self) -> bool {
        match self {
            SetupVerdict::FirstRun
            | SetupVerdict::StampCorrupt
            | SetupVerdict::StaleAfterDowngrade => true,
            SetupVerdict::Ok | SetupVerdict::StaleAfterUpdate => false,
        }
    }

    /// terok's CLI exit code: 0 `ok`; 3 `first_run`, `stale_after_update`,
    /// `stamp_corrupt` (fix: run setup); 4 `stale_after_downgrade`.
    pub const fn exit_code(self) -> u8 {
        match self {
            SetupVerdict::Ok => 0,
            SetupVerdict::FirstRun
            | SetupVerdict::StaleAfterUpdate
            | SetupVerdict::StampCorrupt => 3,
            SetupVerdict::StaleAfterDowngrade => 4,
        }
    }
}

impl fmt::Display for SetupVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the five verdict values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVerdictError {
    /// The rejected text.
    pub input: String,
}

impl fmt::Display for ParseVerdictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown setup verdict {:?} (expected one of ",
            self.input
        )?;
        for (i, v) in SetupVerdict::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{v}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ParseVerdictError {}

impl FromStr for SetupVerdict {
    type Err = ParseVerdictError;

    /// Parses the exact value (case-sensitive, like the reference's
    /// `SetupVerdict("ok")`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SetupVerdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| ParseVerdictError {
                input: s.to_owned(),
            })
    }
}

/// How one tracked package differs between the stamp and the install.
///
/// Serialised as `same`, `upgraded`, `downgraded`, `not_installed`,
/// `not_stamped`, `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl PackageChange {
    /// The serialised name (`same`, `not_installed`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            PackageChange::Same => "same",
            PackageChange::Upgraded => "upgraded",
            PackageChange::Downgraded => "downgraded",
            PackageChange::NotInstalled => "not_installed",
            PackageChange::NotStamped => "not_stamped",
            PackageChange::Unknown => "unknown",
        }
    }
}

impl fmt::Display for PackageChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareError {
    /// The installed distribution's metadata has no `Version`: Python
    /// compares `None` with the stamped string and raises `TypeError`.
    MissingInstalledVersion {
        /// The package name.
        package: PyString,
        /// Its stamped version.
        stamped: PyString,
    },
    /// One of the two versions makes Python's `Version()` raise `ValueError`.
    Version {
        /// The package name.
        package: PyString,
        /// The refused version.
        source: VersionError,
    },
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::MissingInstalledVersion { package, stamped } => write!(
                f,
                "cannot compare package {:?}: its installed metadata has no Version \
                 (stamped version {:?})",
                package.to_string_lossy(),
                stamped.to_string_lossy()
            ),
            CompareError::Version { package, source } => write!(
                f,
                "cannot compare package {:?}: {source}",
                package.to_string_lossy()
            ),
        }
    }
}

impl std::error::Error for CompareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CompareError::MissingInstalledVersion { .. } => None,
            CompareError::Version { source, .. } => Some(source),
        }
    }
}

/// What comparing one stamped package gives, before the loop decides.
enum Outcome<'a> {
    /// Not among the installed names.
    NotInstalled,
    /// Installed without a `Version`.
    NoVersion,
    /// `compare_versions(installed, stamped)`.
    Compared(&'a InstalledPackage, Result<Ordering, VersionError>),
}

/// The installed packages as the reference's `dict` holds them: a name
/// given twice keeps its first position and its last version.
fn installed_dict(installed: &[InstalledPackage]) -> Vec<&InstalledPackage> {
    let mut out: Vec<&InstalledPackage> = Vec::with_capacity(installed.len());
    for pkg in installed {
        match out.iter_mut().find(|p| p.name == pkg.name) {
            Some(slot) => *slot = pkg,
            None => out.push(pkg),
        }
    }
    out
}

/// Compares stamped packages (file order) with installed ones (tracked order).
///
/// The verdict is the reference's loop: for each stamped package in order,
/// a name not among the installed (exact, case-sensitive) or an installed
/// version older than the stamped one returns `stale_after_downgrade` at
/// once; a newer one is remembered; afterwards `stale_after_update` if one
/// was newer, else `ok`. Versions compare with
/// [`compare_versions`](crate::version::compare_versions)`(installed, stamped)`.
///
/// The report lists every stamped package with its own change, then the
/// installed packages the stamp does not list ([`PackageChange::NotStamped`];
/// they never affect the verdict). A package the loop never reached that
/// cannot be compared is [`PackageChange::Unknown`], not an error.
///
/// Stamp keys are expected to be distinct (as in a decoded JSON object).
///
/// # Errors
/// Where the reference raises, and only if the loop reaches the package
/// before returning a downgrade: an installed package without a version
/// ([`CompareError::MissingInstalledVersion`]) or a version beyond Python's
/// integer digit limit ([`CompareError::Version`]).
///
/// ```
/// use setup_stamp::pyjson::PyString;
/// use setup_stamp::verdict::{compare, InstalledPackage, PackageChange};
/// use setup_stamp::SetupVerdict;
///
/// let stamped = [(PyString::from("terok-sandbox"), PyString::from("0.6"))];
/// let installed = [
///     InstalledPackage { name: "terok".into(), version: Some("1.0".into()) },
///     InstalledPackage { name: "terok-sandbox".into(), version: Some("0.6.0".into()) },
/// ];
/// let report = compare(&stamped, &installed).unwrap();
/// assert_eq!(report.verdict, SetupVerdict::Ok);
/// assert_eq!(report.packages[0].change, PackageChange::Same);
/// assert_eq!(report.packages[1].change, PackageChange::NotStamped);
///
/// // "x" is not a version: '0' < 'x', so the install looks older.
/// let stamped = [(PyString::from("terok-sandbox"), PyString::from("x"))];
/// assert_eq!(compare(&stamped, &installed).unwrap().verdict, SetupVerdict::StaleAfterDowngrade);
/// ```
pub fn compare(
    stamped: &[(PyString, PyString)],
    installed: &[InstalledPackage],
) -> Result<Report, CompareError> {
    let installed = installed_dict(installed);
    let outcomes: Vec<Outcome<'_>> = stamped
        .iter()
        .map(|(name, stamp_ver)| {
            match installed
                .iter()
                .find(|p| p.name.as_bytes() == name.as_wtf8())
            {
                None => Outcome::NotInstalled,
                Some(pkg) => match &pkg.version {
                    None => Outcome::NoVersion,
                    Some(v) => Outcome::Compared(
                        pkg,
                        version::compare_wtf8(v.as_bytes(), stamp_ver.as_wtf8()),
                    ),
                },
            }
        })
        .collect();

    let verdict = loop_verdict(stamped, &outcomes)?;

    let mut packages: Vec<PackageStatus> = stamped
        .iter()
        .zip(&outcomes)
        .map(|((name, stamp_ver), outcome)| {
            let (installed, change) = match outcome {
                Outcome::NotInstalled => (None, PackageChange::NotInstalled),
                Outcome::NoVersion => (Some(None), PackageChange::Unknown),
                Outcome::Compared(pkg, order) => (
                    Some(pkg.version.clone()),
                    match order {
                        Ok(Ordering::Less) => PackageChange::Downgraded,
                        Ok(Ordering::Equal) => PackageChange::Same,
                        Ok(Ordering::Greater) => PackageChange::Upgraded,
                        Err(_) => PackageChange::Unknown,
                    },
                ),
            };
            PackageStatus {
                package: name.clone(),
                stamped: Some(stamp_ver.clone()),
                installed,
                change,
            }
        })
        .collect();
    packages.extend(
        installed
            .iter()
            .filter(|p| {
                !stamped
                    .iter()
                    .any(|(n, _)| n.as_wtf8() == p.name.as_bytes())
            })
            .map(|p| PackageStatus {
                package: PyString::from(p.name.as_str()),
                stamped: None,
                installed: Some(p.version.clone()),
                change: PackageChange::NotStamped,
            }),
    );
    Ok(Report { verdict, packages })
}

/// The reference's loop over the per-package outcomes, in stamp order.
fn loop_verdict(
    stamped: &[(PyString, PyString)],
    outcomes: &[Outcome<'_>],
) -> Result<SetupVerdict, CompareError> {
    let mut saw_update = false;
    for ((name, stamp_ver), outcome) in stamped.iter().zip(outcomes) {
        match outcome {
            Outcome::NotInstalled => return Ok(SetupVerdict::StaleAfterDowngrade),
            Outcome::NoVersion => {
                return Err(CompareError::MissingInstalledVersion {
                    package: name.clone(),
                    stamped: stamp_ver.clone(),
                })
            }
            Outcome::Compared(_, Err(e)) => {
                return Err(CompareError::Version {
                    package: name.clone(),
                    source: e.clone(),
                })
            }
            Outcome::Compared(_, Ok(Ordering::Less)) => {
                return Ok(SetupVerdict::StaleAfterDowngrade)
            }
            Outcome::Compared(_, Ok(Ordering::Greater)) => saw_update = true,
            Outcome::Compared(_, Ok(Ordering::Equal)) => {}
        }
    }
    Ok(if saw_update {
        SetupVerdict::StaleAfterUpdate
    } else {
        SetupVerdict::Ok
    })
}

#[cfg(test)]
mod tests;
