//! The layered `config.yml` and its `paths` section (terok_util's `ConfigStack`).
//!
//! Files: `<NS>_CONFIG_FILE` alone when set; else `/etc/<ns>/config.yml` and, unless
//! real root, `<user config dir>/<ns>/config.yml`. A missing path or one that is not a
//! regular file is an empty layer. Any error in any layer makes the whole `paths`
//! section empty (the reference catches every exception there).

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::host::Host;
use super::pathlib::{expanduser, py_isspace, ExpandError, PurePath};
use super::root::UidMapNotAscii;
use super::value::{dict_get, dict_set, Value};
use super::xdg::{user_dir, NoHomeError, XdgKind};
use super::yaml::{load, YamlError};

/// Which layer a config file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `<NS>_CONFIG_FILE`: the only file.
    Override,
    /// `/etc/<ns>/config.yml`.
    System,
    /// `<user config dir>/<ns>/config.yml`.
    User,
}

/// One config file location, lowest priority first in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The layer.
    pub scope: Scope,
    /// The path as the reference builds it (may be relative for the override).
    pub path: PathBuf,
}

/// Why the config section was discarded.
#[derive(Debug)]
pub enum ConfigError {
    /// `~` in `<NS>_CONFIG_FILE` could not be expanded.
    Expand {
        /// The variable's value.
        value: OsString,
        /// The cause.
        cause: ExpandError,
    },
    /// No home directory for the user config file.
    NoHome(NoHomeError),
    /// `/proc/self/uid_map` is not ASCII.
    UidMap,
    /// `stat` of the file failed with something other than ENOENT/ENOTDIR/ELOOP.
    Stat {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Reading the file failed.
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The file is not valid UTF-8.
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The file is not a YAML document the safe loader accepts.
    Yaml {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: YamlError,
    },
    /// The top level is not a mapping.
    NotMapping {
        /// The file.
        path: PathBuf,
        /// Python type name of the top level.
        found: &'static str,
    },
    /// `str()` of a `paths` value failed (an integer of more than 4300 digits).
    ValueText {
        /// The key's `str()` if it has one.
        key: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Expand { value, cause } => write!(
                f,
                "cannot expand {:?}: {}",
                Path::new(value).display(),
                expand_message(cause)
            ),
            ConfigError::NoHome(e) => write!(
                f,
                "no home directory for the user config file: {}",
                no_home_message(e)
            ),
            ConfigError::UidMap => f.write_str("/proc/self/uid_map is not ASCII"),
            ConfigError::Stat { path, source } => {
                write!(f, "cannot stat {}: {source}", path.display())
            }
            ConfigError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::NotUtf8 { path, offset } => {
                write!(f, "{} is not UTF-8 (byte {offset})", path.display())
            }
            ConfigError::Yaml { path, source } => write!(f, "{}: {source}", path.display()),
            ConfigError::NotMapping { path, found } => write!(
                f,
                "{}: top-level value must be a mapping, got {found}",
                path.display()
            ),
            ConfigError::ValueText { key } => {
                write!(f, "paths.{key}: integer too large to convert to text")
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Stat { source, .. } | ConfigError::Read { source, .. } => Some(source),
            ConfigError::Yaml { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub(crate) fn expand_message(e: &ExpandError) -> String {
    match e {
        ExpandError::NoHome => {
            "could not determine home directory (HOME unset, no passwd entry)".to_owned()
        }
        ExpandError::UnknownUser(name) => {
            format!("unknown user {:?}", name.to_string_lossy())
        }
        ExpandError::HomeStartsWithTilde(home) => {
            format!(
                "home directory {:?} starts with '~'",
                home.to_string_lossy()
            )
        }
        ExpandError::NulInName(name) => {
            format!("user name {:?} contains a NUL byte", name.to_string_lossy())
        }
    }
}

pub(crate) fn no_home_message(e: &NoHomeError) -> String {
    match &e.passwd_home {
        None => format!(
            "{} and HOME are not absolute paths and the user has no passwd entry",
            e.var
        ),
        Some(home) => format!(
            "{} and HOME are not absolute paths and the passwd home {:?} is relative",
            e.var,
            home.to_string_lossy()
        ),
    }
}

/// The upper-case variable prefix of a namespace: `foo-bar` → `FOO_BAR`.
pub fn env_prefix(namespace: &str) -> String {
    namespace
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The config files to read, lowest priority first (`config_file_paths()`).
/// `real_root` is asked only when no override is set.
pub fn config_files(
    namespace: &str,
    host: &dyn Host,
    real_root: &mut dyn FnMut() -> Result<bool, UidMapNotAscii>,
) -> Result<Vec<ConfigFile>, ConfigError> {
    let var = format!("{}_CONFIG_FILE", env_prefix(namespace));
    if let Some(value) = host.var_os(&var).filter(|v| !v.is_empty()) {
        let parsed = PurePath::parse(value.as_bytes());
        let path = expanduser(&parsed, host).map_err(|cause| ConfigError::Expand {
            value: value.clone(),
            cause,
        })?;
        return Ok(vec![ConfigFile {
            scope: Scope::Override,
            path: path.to_path_buf(),
        }]);
    }
    let mut files = vec![ConfigFile {
        scope: Scope::System,
        path: PurePath::parse(format!("/etc/{namespace}/config.yml").as_bytes()).to_path_buf(),
    }];
    if !real_root().map_err(|_| ConfigError::UidMap)? {
        let dir = user_dir(XdgKind::Config, namespace, host).map_err(ConfigError::NoHome)?;
        let path = PurePath::parse(&dir).join(b"config.yml");
        files.push(ConfigFile {
            scope: Scope::User,
            path: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// Parses one file's text into its layer (`load_yaml_scope` after reading).
pub fn parse_layer(path: &Path, bytes: &[u8]) -> Result<Vec<(Value, Value)>, ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ConfigError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.valid_up_to(),
    })?;
    // Python's text mode: universal newlines.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.chars().all(py_isspace) {
        return Ok(Vec::new());
    }
    let data = load(&text).map_err(|source| ConfigError::Yaml {
        path: path.to_path_buf(),
        source,
    })?;
    match data {
        Value::None => Ok(Vec::new()),
        Value::Dict(pairs) | Value::OrderedDict(pairs) => Ok(pairs),
        other => Err(ConfigError::NotMapping {
            path: path.to_path_buf(),
            found: other.type_name(),
        }),
    }
}

/// Reads one layer: a missing path (ENOENT, ENOTDIR, ELOOP) or a non-regular file is
/// empty; other `stat`/read errors fail.
pub fn read_layer(path: &Path) -> Result<Vec<(Value, Value)>, ConfigError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return match e.raw_os_error() {
                Some(
                    nix::libc::ENOENT | nix::libc::ENOTDIR | nix::libc::ELOOP | nix::libc::EBADF,
                ) => Ok(Vec::new()),
                _ => Err(ConfigError::Stat {
                    path: path.to_path_buf(),
                    source: e,
                }),
            }
        }
    };
    if !meta.is_file() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_layer(path, &bytes)
}

fn is_dict(v: &Value) -> bool {
    matches!(v, Value::Dict(_) | Value::OrderedDict(_))
}

fn pairs_of(v: &Value) -> &[(Value, Value)] {
    match v {
        Value::Dict(p) | Value::OrderedDict(p) => p,
        _ => &[],
    }
}

fn is_inherit(v: &Value) -> bool {
    matches!(v, Value::Str(s) if s == "_inherit")
}

fn inherit_true(pairs: &[(Value, Value)]) -> bool {
    matches!(
        dict_get(pairs, &Value::Str("_inherit".to_owned())),
        Some(Value::Bool(true))
    )
}

fn strip_inherit(pairs: &[(Value, Value)]) -> Vec<(Value, Value)> {
    pairs
        .iter()
        .filter(|(k, _)| !is_inherit(k))
        .cloned()
        .collect()
}

/// terok_util's `deep_merge(base, override)`.
///
/// Key order: the base's keys, then the override's new keys (Python iterates a set
/// here, whose order follows string hashes and varies between runs).
pub fn deep_merge(base: &[(Value, Value)], over: &[(Value, Value)]) -> Vec<(Value, Value)> {
    let mut keys: Vec<&Value> = base.iter().map(|(k, _)| k).collect();
    for (k, _) in over {
        if dict_get(base, k).is_none() {
            keys.push(k);
        }
    }
    let mut merged = Vec::new();
    for key in keys {
        let Some(ov) = dict_get(over, key) else {
            if let Some(bv) = dict_get(base, key) {
                dict_set(&mut merged, key.clone(), bv.clone());
            }
            continue;
        };
        if matches!(ov, Value::None) {
            continue;
        }
        let bv = dict_get(base, key);
        if is_inherit(ov) {
            if let Some(bv) = bv {
                dict_set(&mut merged, key.clone(), bv.clone());
            }
            continue;
        }
        let value = match (ov, bv) {
            (ov, Some(bv)) if is_dict(ov) && is_dict(bv) => {
                let (bp, op) = (pairs_of(bv), pairs_of(ov));
                if inherit_true(op) {
                    Value::Dict(deep_merge(bp, &strip_inherit(op)))
                } else {
                    Value::Dict(deep_merge(bp, op))
                }
            }
            (Value::List(ol), Some(Value::List(bl))) => {
                if ol.iter().any(is_inherit) {
                    let mut out = Vec::new();
                    for item in ol {
                        if is_inherit(item) {
                            out.extend(bl.iter().cloned());
                        } else {
                            out.push(item.clone());
                        }
                    }
                    Value::List(out)
                } else {
                    Value::List(ol.clone())
                }
            }
            (ov, _) if is_dict(ov) && inherit_true(pairs_of(ov)) => {
                Value::Dict(strip_inherit(pairs_of(ov)))
            }
            (ov, _) => ov.clone(),
        };
        dict_set(&mut merged, key.clone(), value);
    }
    merged
}

/// `ConfigStack.resolve_section("paths")` then `{k: str(v) … if v is not None}`:
/// the `paths` section as text values.
pub fn paths_section(layers: &[Vec<(Value, Value)>]) -> Result<Vec<(Value, String)>, ConfigError> {
    let paths = Value::Str("paths".to_owned());
    let mut wrapper: Vec<(Value, Value)> = Vec::new();
    for layer in layers {
        if let Some(v) = dict_get(layer, &paths) {
            wrapper = deep_merge(&wrapper, &[(paths.clone(), v.clone())]);
        }
    }
    let section = dict_get(&wrapper, &paths).map(pairs_of).unwrap_or(&[]);
    let mut out = Vec::new();
    for (k, v) in section {
        if matches!(v, Value::None) {
            continue;
        }
        let text = v.py_str().ok_or_else(|| ConfigError::ValueText {
            key: k.py_str().unwrap_or_default(),
        })?;
        out.push((k.clone(), text));
    }
    Ok(out)
}

/// `paths.root` as text from already parsed layers (`None` when absent).
pub fn root_from_layers(layers: &[Vec<(Value, Value)>]) -> Result<Option<String>, ConfigError> {
    let section = paths_section(layers)?;
    let root = Value::Str("root".to_owned());
    Ok(section
        .into_iter()
        .find(|(k, _)| k.py_eq(&root))
        .map(|(_, v)| v))
}

/// What reading the config produced.
#[derive(Debug)]
pub struct ConfigOutcome {
    /// The files consulted, lowest priority first (empty when listing them failed).
    pub files: Vec<ConfigFile>,
    /// The highest-priority file whose top level has a `paths` key.
    pub paths_file: Option<PathBuf>,
    /// `str(paths.root)`, or why the whole section was discarded.
    pub root: Result<Option<String>, ConfigError>,
}

/// Reads the layered config and extracts `str(paths.root)`.
pub fn read_paths_root(
    namespace: &str,
    host: &dyn Host,
    real_root: &mut dyn FnMut() -> Result<bool, UidMapNotAscii>,
) -> ConfigOutcome {
    let files = match config_files(namespace, host, real_root) {
        Ok(f) => f,
        Err(e) => {
            return ConfigOutcome {
                files: Vec::new(),
                paths_file: None,
                root: Err(e),
            }
        }
    };
    let mut layers = Vec::new();
    let mut paths_file = None;
    for file in &files {
        // A relative override is relative to the (host's) current directory; when that
        // is unknown the relative look-up of the reference fails with ENOENT.
        let actual = if file.path.is_relative() {
            match host.current_dir() {
                Ok(cwd) => cwd.join(&file.path),
                Err(_) => {
                    layers.push(Vec::new());
                    continue;
                }
            }
        } else {
            file.path.clone()
        };
        match read_layer(&actual) {
            Ok(layer) => {
                if dict_get(&layer, &Value::Str("paths".to_owned())).is_some() {
                    paths_file = Some(file.path.clone());
                }
                layers.push(layer);
            }
            Err(e) => {
                return ConfigOutcome {
                    files,
                    paths_file: None,
                    root: Err(e),
                }
            }
        }
    }
    let root = root_from_layers(&layers);
    ConfigOutcome {
        files,
        paths_file,
        root,
    }
}

/// Raw bytes of a config value for path handling.
pub(crate) fn text_bytes(text: &str) -> Vec<u8> {
    OsString::from(text).into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::yaml::load;

    fn layer(text: &str) -> Vec<(Value, Value)> {
        match load(text).unwrap() {
            Value::Dict(p) => p,
            Value::None => Vec::new(),
            other => panic!("{other:?}"),
        }
    }

    fn root(texts: &[&str]) -> Option<String> {
        let layers: Vec<_> = texts.iter().map(|t| layer(t)).collect();
        root_from_layers(&layers).unwrap()
    }

    #[test]
    fn merge_rules() {
        assert_eq!(
            root(&["paths: {root: /a}", "paths: {root: /b}"]).as_deref(),
            Some("/b")
        );
        assert_eq!(root(&["paths: {root: /a}", "paths: {root: null}"]), None);
        assert_eq!(
            root(&["paths: {root: /a}", "paths: {root: _inherit}"]).as_deref(),
            Some("/a")
        );
        assert_eq!(
            root(&["paths: {root: /a}", "paths: _inherit"]).as_deref(),
            Some("/a")
        );
        assert_eq!(root(&["paths: {root: /a}", "paths: null"]), None);
        assert_eq!(root(&["paths: {root: /a}", "paths: 5"]), None);
        assert_eq!(
            root(&["paths: {root: /a}", "other: 1"]).as_deref(),
            Some("/a")
        );
        assert_eq!(
            root(&["paths: {root: [1, 2]}", "paths: {root: [0, _inherit, 3]}"]).as_deref(),
            Some("[0, 1, 2, 3]")
        );
        assert_eq!(
            root(&["paths: 1", "paths: {_inherit: true, root: /c}"]).as_deref(),
            Some("/c")
        );
        assert_eq!(root(&["paths: {root: 1e3}"]).as_deref(), Some("1000.0"));
    }

    #[test]
    fn deep_values_stay_on_the_stack() {
        let mut text = String::from("paths:\n  root:\n");
        for i in 0..480 {
            text.push_str(&" ".repeat(4 + i));
            text.push_str("k:\n");
        }
        let layer = parse_layer(Path::new("deep.yml"), text.as_bytes()).unwrap();
        let twice = [layer.clone(), layer];
        let root = root_from_layers(&twice).unwrap().unwrap();
        assert!(root.starts_with("{'k': {'k': {"));
    }

    #[test]
    fn env_names() {
        assert_eq!(env_prefix("terok"), "TEROK");
        assert_eq!(env_prefix("foo-bar"), "FOO_BAR");
    }

    #[test]
    fn layers_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.yml");
        assert!(read_layer(&p).unwrap().is_empty());
        assert!(read_layer(dir.path()).unwrap().is_empty());
        std::fs::write(&p, "paths:\r\n  root: /x\r\n").unwrap();
        assert_eq!(read_layer(&p).unwrap().len(), 1);
        std::fs::write(&p, b"a: \xff\n").unwrap();
        assert!(matches!(read_layer(&p), Err(ConfigError::NotUtf8 { .. })));
        std::fs::write(&p, "- a\n").unwrap();
        assert!(matches!(
            read_layer(&p),
            Err(ConfigError::NotMapping { .. })
        ));
        std::fs::write(&p, " \u{a0}\n").unwrap();
        assert!(read_layer(&p).unwrap().is_empty());
        assert!(read_layer(&p.join("sub")).unwrap().is_empty());
    }
}
