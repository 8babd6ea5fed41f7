//! The one place this crate touches the core library.
//!
//! Every call into `setup_stamp` goes through a function here, so a change of
//! the core's API is a change of one line in this file. It also decides which
//! Python exception each core error becomes ([`classify`]).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use setup_stamp::distributions::DistributionError;
use setup_stamp::location::pathlib::ExpandError;
use setup_stamp::location::LocationError;
use setup_stamp::pyjson::{JsonError, PyString};
use setup_stamp::stamp::StampReadError;
use setup_stamp::stamp::{self, StampFormatError, StampWriteError};
use setup_stamp::verdict::CompareError;
use setup_stamp::verdict::{InstalledPackage, Report, SetupVerdict};
use setup_stamp::version::{self, VersionError};
use setup_stamp::{Ecosystem, Error, SetupStamp};

/// The reference ecosystem's namespace.
pub const TEROK_NAMESPACE: &str = setup_stamp::TEROK_NAMESPACE;
/// The reference ecosystem's tracked packages, in order.
pub const TEROK_TRACKED: [&str; 5] = setup_stamp::TEROK_TRACKED_PACKAGES;
/// The reference ecosystem's stamp file name.
pub const TEROK_FILE_NAME: &str = setup_stamp::STAMP_FILE_NAME;

/// The reference ecosystem (`terok`, its five packages, `setup.stamp`).
pub fn terok_ecosystem() -> Ecosystem {
    Ecosystem::terok()
}

/// An ecosystem from its three parts.
pub fn ecosystem(namespace: String, tracked_packages: Vec<String>, file_name: String) -> Ecosystem {
    Ecosystem {
        namespace,
        tracked_packages,
        file_name,
    }
}

/// The operations bound to `ecosystem` and `search_path`.
pub fn setup_stamp(ecosystem: Ecosystem, search_path: Vec<PathBuf>) -> SetupStamp {
    SetupStamp {
        ecosystem,
        search_path,
    }
}

/// `SetupStamp::stamp_path`.
pub fn stamp_path(stamp: &SetupStamp) -> Result<PathBuf, Error> {
    stamp.stamp_path()
}

/// `SetupStamp::needs_setup`.
pub fn needs_setup(stamp: &SetupStamp) -> Result<SetupVerdict, Error> {
    stamp.needs_setup()
}

/// `SetupStamp::check`, the report part.
pub fn check(stamp: &SetupStamp) -> Result<Report, Error> {
    stamp.check().map(|check| check.report)
}

/// The report with installed versions supplied by the caller instead of
/// read from the search path (a monkeypatched `installed_versions`).
pub fn check_with(stamp: &SetupStamp, installed: &[InstalledPackage]) -> Result<Report, Error> {
    stamp
        .check_with_installed(installed)
        .map(|check| check.report)
}

/// `SetupStamp::write_stamp`.
pub fn write_stamp(stamp: &SetupStamp) -> Result<PathBuf, Error> {
    stamp.write_stamp()
}

/// Writes a stamp recording `installed` at `path` (caller-supplied path and
/// versions: a monkeypatched `stamp_path` or `installed_versions`), with the
/// same bytes and crash-safe replacement as [`write_stamp`], timestamped now.
pub fn write_stamp_file(
    path: &Path,
    installed: &[InstalledPackage],
) -> Result<(), StampWriteError> {
    let completed_at = stamp::format_completed_at(SystemTime::now());
    let text = stamp::render_stamp(&completed_at, installed);
    stamp::write_stamp_file(path, text.as_bytes())
}

/// `SetupStamp::clear_stamp`.
pub fn clear_stamp(stamp: &SetupStamp) -> Result<bool, Error> {
    stamp.clear_stamp()
}

/// `SetupStamp::installed_versions`.
pub fn installed_versions(stamp: &SetupStamp) -> Result<Vec<InstalledPackage>, Error> {
    stamp.installed_versions()
}

/// `version::compare_versions`.
pub fn compare_versions(a: &str, b: &str) -> Result<Ordering, VersionError> {
    version::compare_versions(a, b)
}

/// Why a stamp's bytes are not a stamp, in the terms the Python layer needs
/// to raise the reference's exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampFailure {
    /// Not strict UTF-8 (`UnicodeDecodeError`, which the Python layer
    /// raises by decoding the bytes itself).
    NotUtf8,
    /// A `json.loads` grammar error (a UTF-8 BOM included): message in
    /// `json`'s words, 1-based line and column (column counted in code
    /// points, as Python's `colno`).
    Json {
        /// `json`'s message, e.g. `Expecting value`.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Nested deeper than the parser's limit (Python: `RecursionError`).
    TooDeep,
    /// A plain `ValueError` with this message: a shape or schema error
    /// (`stamp root is not an object: list`, ...) or an integer literal
    /// beyond Python's 4,300-digit limit.
    Shape(String),
}

/// The `packages` mapping of a stamp: keys and `str()` of the values, in file
/// order, duplicate keys resolved.
pub type StampPackages = Vec<(PyString, PyString)>;

/// Parses a stamp's bytes like the reference's `read_stamp` (after reading
/// the file), sorting failures by the exception the reference raises.
pub fn parse_stamp(bytes: &[u8]) -> Result<StampPackages, StampFailure> {
    match stamp::parse_stamp(bytes) {
        Ok(contents) => Ok(contents.packages),
        Err(StampFormatError::Json(JsonError::NotUtf8 { .. })) => Err(StampFailure::NotUtf8),
        Err(StampFormatError::Json(JsonError::Syntax {
            message,
            line,
            column,
        })) => {
            // An integer literal beyond Python's digit limit: `int()` raises
            // a plain ValueError inside json.loads, not JSONDecodeError.
            if message.starts_with(INT_LIMIT_PREFIX) {
                Err(StampFailure::Shape(int_limit_message(message)))
            } else {
                Err(StampFailure::Json {
                    message,
                    line,
                    column,
                })
            }
        }
        Err(StampFormatError::Json(JsonError::TooDeep)) => Err(StampFailure::TooDeep),
        Err(other) => Err(StampFailure::Shape(other.to_string())),
    }
}

/// How Python's integer-digit-limit `ValueError` message starts.
const INT_LIMIT_PREFIX: &str = "Exceeds the limit (";
/// How it ends (CPython 3.12 `Objects/longobject.c`).
const INT_LIMIT_SUFFIX: &str = "; use sys.set_int_max_str_digits() to increase the limit";

/// Python's full digit-limit message (the parser may give it without the
/// advice at the end).
fn int_limit_message(mut message: String) -> String {
    if !message.ends_with(INT_LIMIT_SUFFIX) {
        message.push_str(INT_LIMIT_SUFFIX);
    }
    message
}

/// Reads a whole file the way Python's `open(path).read()` does: a plain
/// blocking open, so a FIFO blocks exactly as in the reference's `read_stamp`.
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// What Python exception a core [`Error`] becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorClass {
    /// `OSError` (the errno picks the subclass), with the path concerned.
    Os {
        /// The `errno`.
        errno: i32,
        /// The path, when the error has one.
        filename: Option<PathBuf>,
    },
    /// `ValueError` (e.g. a version number of more than 4,300 digits).
    Value,
    /// `UnicodeDecodeError` for the (metadata) file at `path`; the binding
    /// re-decodes the file to raise exactly Python's exception.
    UnicodeDecode {
        /// The file that is not UTF-8.
        path: PathBuf,
    },
    /// `TypeError` (an installed distribution without a `Version`).
    Type,
    /// `KeyError` (`~user` for an unknown user).
    Key,
    /// `RuntimeError` (no home directory, a symlink loop).
    Runtime,
}

/// The Python exception the reference raises where the core gives `err`,
/// and its message.
pub fn classify(err: &Error) -> (ErrorClass, String) {
    let message = err.to_string();
    let class = match err {
        Error::Location(e) => return classify_location(e),
        Error::Read(StampReadError::Stat { path, errno }) => os(*errno as i32, path),
        Error::Distributions(e) => match e {
            DistributionError::Read { path, source } => match source.raw_os_error() {
                Some(errno) => ErrorClass::Os {
                    errno,
                    filename: Some(path.clone()),
                },
                None => ErrorClass::Runtime,
            },
            DistributionError::InvalidUtf8 { path, .. } => {
                ErrorClass::UnicodeDecode { path: path.clone() }
            }
            // "A distribution name is required."
            DistributionError::EmptyName => ErrorClass::Value,
            // zipfile's BadZipFile, zlib.error, NotImplementedError: no
            // common base but Exception.
            _ => ErrorClass::Runtime,
        },
        Error::Compare(CompareError::MissingInstalledVersion { .. }) => {
            // packaging's Version(None).
            return (
                ErrorClass::Type,
                "expected string or bytes-like object, got 'NoneType'".to_owned(),
            );
        }
        Error::Compare(CompareError::Version { source, .. }) => {
            return (ErrorClass::Value, version_error_message(source));
        }
        Error::Write(e) => os(e.errno as i32, &e.path),
        Error::Clear(e) => os(e.errno as i32, &e.path),
    };
    (class, message)
}

/// `OSError` for `errno` about `path`.
fn os(errno: i32, path: &Path) -> ErrorClass {
    ErrorClass::Os {
        errno,
        filename: Some(path.to_path_buf()),
    }
}

/// Location errors: pathlib's `expanduser` and `resolve` raise
/// `RuntimeError`; a NUL in a path is a `ValueError`; I/O errors are
/// `OSError`s.
fn classify_location(err: &LocationError) -> (ErrorClass, String) {
    let message = err.to_string();
    let class = match err {
        LocationError::Expand { cause, .. } => match cause {
            ExpandError::NulInName(_) => {
                return (ErrorClass::Value, "embedded null character".to_owned())
            }
            _ => {
                return (
                    ErrorClass::Runtime,
                    "Could not determine home directory.".to_owned(),
                )
            }
        },
        LocationError::NulInPath { .. } => {
            return (ErrorClass::Value, "embedded null byte".to_owned())
        }
        LocationError::ReadLink { path, source } => match source.raw_os_error() {
            Some(errno) => ErrorClass::Os {
                errno,
                filename: Some(path.clone()),
            },
            None => ErrorClass::Runtime,
        },
        LocationError::CurrentDir { source } => match source.raw_os_error() {
            Some(errno) => ErrorClass::Os {
                errno,
                filename: None,
            },
            None => ErrorClass::Runtime,
        },
        // /proc/self/uid_map not ASCII: UnicodeDecodeError.
        LocationError::UidMap => ErrorClass::Value,
        _ => ErrorClass::Runtime,
    };
    (class, message)
}

/// The message of the `ValueError` Python raises in place of a
/// [`VersionError`] (`int()` refusing a numeric component).
pub fn version_error_message(err: &VersionError) -> String {
    match err {
        VersionError::DigitLimit { digits, .. } => int_limit_message(format!(
            "{INT_LIMIT_PREFIX}4300 digits) for integer string conversion: value has {digits} digits"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terok_ecosystem_is_the_reference_configuration() {
        let eco = terok_ecosystem();
        assert_eq!(eco.namespace, "terok");
        assert_eq!(
            eco.tracked_packages,
            vec![
                "terok",
                "terok-executor",
                "terok-sandbox",
                "terok-shield",
                "terok-clearance"
            ]
        );
        assert_eq!(eco.file_name, "setup.stamp");
    }

    #[test]
    fn digit_limit_is_a_value_error_with_pythons_text() {
        let mut doc = b"{\"version\": 1, \"packages\": {\"t\": ".to_vec();
        doc.extend(std::iter::repeat_n(b'1', 4301));
        doc.extend_from_slice(b"}}");
        assert_eq!(
            parse_stamp(&doc),
            Err(StampFailure::Shape(
                "Exceeds the limit (4300 digits) for integer string conversion: value has \
                 4301 digits; use sys.set_int_max_str_digits() to increase the limit"
                    .to_owned()
            ))
        );
    }

    #[test]
    fn parse_failures_are_sorted_by_python_exception() {
        assert_eq!(parse_stamp(b"\xff"), Err(StampFailure::NotUtf8));
        assert_eq!(
            parse_stamp(b"[1]"),
            Err(StampFailure::Shape(
                "stamp root is not an object: list".to_owned()
            ))
        );
        assert!(matches!(
            parse_stamp(b"\xef\xbb\xbf{}"),
            Err(StampFailure::Json {
                line: 1,
                column: 1,
                ..
            })
        ));
        let deep = [vec![b'['; 20_000], vec![b']'; 20_000]].concat();
        assert_eq!(parse_stamp(&deep), Err(StampFailure::TooDeep));
    }
}
