//! The one place this crate touches the core library.
//!
//! Every call into `setup_stamp` goes through a function here, so a change of
//! the core's API is a change of one line in this file. Entry points the core
//! does not offer yet are marked `PENDING(core)` with the signature this
//! module expects; until they land they delegate to the nearest existing
//! call or stop with a clear message.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use setup_stamp::pyjson::{JsonError, PyString};
use setup_stamp::stamp::{self, StampFormatError, StampWriteError};
use setup_stamp::verdict::{InstalledPackage, Report, SetupVerdict};
use setup_stamp::version::{self, VersionError};
use setup_stamp::{Ecosystem, Error, SetupStamp};

/// The reference ecosystem's namespace.
pub const TEROK_NAMESPACE: &str = "terok";
/// The reference ecosystem's tracked packages, in order.
pub const TEROK_TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];
/// The reference ecosystem's stamp file name.
pub const TEROK_FILE_NAME: &str = "setup.stamp";

/// The reference ecosystem (`terok`, its five packages, `setup.stamp`).
///
/// PENDING(core): `Ecosystem::terok() -> Ecosystem`; built from the public
/// fields until then.
pub fn terok_ecosystem() -> Ecosystem {
    Ecosystem {
        namespace: TEROK_NAMESPACE.to_owned(),
        tracked_packages: TEROK_TRACKED.iter().map(|s| (*s).to_owned()).collect(),
        file_name: TEROK_FILE_NAME.to_owned(),
    }
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

/// `SetupStamp::check`.
pub fn check(stamp: &SetupStamp) -> Result<Report, Error> {
    stamp.check()
}

/// The report with installed versions supplied by the caller instead of
/// read from the search path (a monkeypatched `installed_versions`).
///
/// PENDING(core): `SetupStamp::check_with(&self, installed: &[InstalledPackage])
/// -> Result<Report, Error>`; it must not consult `installed` before the stamp
/// was read successfully (the reference calls `installed_versions()` only
/// then). Until it exists this stops with a message.
pub fn check_with(_stamp: &SetupStamp, _installed: &[InstalledPackage]) -> Result<Report, Pending> {
    Err(Pending("SetupStamp::check_with"))
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

/// A core entry point this crate needs that the core does not offer yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending(pub &'static str);

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "setup_stamp core entry point {} is not available in this build",
            self.0
        )
    }
}

impl std::error::Error for Pending {}

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
    /// `TypeError` (an installed distribution without a `Version`).
    Type,
    /// `KeyError` (`~user` for an unknown user).
    Key,
    /// `RuntimeError` (no home directory, a symlink loop).
    Runtime,
}

/// Classifies a core error and gives its message.
///
/// PENDING(core): `ecosystem::Error` is a placeholder; map its variants here
/// once it has them (I/O errors with errno and path → `Os`; over-long
/// version numbers → `Value`; a missing `Version` → `Type`; unknown
/// `~user` → `Key`; home lookup failure and symlink loops → `Runtime`).
pub fn classify(err: &Error) -> (ErrorClass, String) {
    match err {
        Error::Placeholder => (ErrorClass::Runtime, format!("{err:?}")),
    }
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

    #[test]
    fn pending_names_the_entry_point() {
        let msg = Pending("SetupStamp::check_with").to_string();
        assert!(msg.contains("SetupStamp::check_with"));
    }
}
