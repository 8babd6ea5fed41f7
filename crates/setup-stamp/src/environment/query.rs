//! Asking an interpreter, once, what cannot be derived statically.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::host::HostEnv;
use super::InterpreterFlags;

/// What an interpreter reports about itself that stays the same while the
/// interpreter file (and the variables of the cache key) stay the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpreterInfo {
    /// `sys.executable` (empty when Python could not tell).
    pub executable: PathBuf,
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// `sys.base_prefix`.
    pub base_prefix: PathBuf,
    /// `(major, minor, micro)` of `sys.version_info`.
    pub version: (u32, u32, u32),
    /// `sys.platlibdir` (`lib` before Python 3.9).
    pub platlibdir: String,
    /// `sys.path` before `site` runs, without the script directory and
    /// without `PYTHONPATH`: the standard-library entries.
    pub stdlib: Vec<PathBuf>,
    /// `site.getsitepackages()`: the global site directories it considers
    /// (distribution patches included, e.g. Debian's `dist-packages`).
    pub site_dirs: Vec<PathBuf>,
    /// Whether `site` enables the user site directory.
    pub user_site_enabled: bool,
    /// `site.getuserbase()`.
    pub user_base: Option<PathBuf>,
    /// `site.getusersitepackages()`.
    pub user_site: Option<PathBuf>,
}

/// The program given to the interpreter (`-S -c`): works from Python 3.6 on.
/// Paths are written byte by byte, printable ASCII as is and every other
/// byte (and `%`) as `%XX`, so any file name survives.
pub(crate) const QUERY_SCRIPT: &str = r#"import sys, os
def e(p):
    if p is None:
        return '-'
    return ''.join(chr(c) if 0x21 <= c <= 0x7e and c != 0x25 else '%%%02X' % c for c in os.fsencode(p))
import site
out = []
w = out.append
w('executable ' + e(sys.executable or ''))
w('prefix ' + e(sys.prefix))
w('base_prefix ' + e(getattr(sys, 'base_prefix', sys.prefix)))
w('version %d %d %d' % tuple(sys.version_info[:3]))
w('platlibdir ' + e(getattr(sys, 'platlibdir', 'lib')))
p = list(sys.path)
if p and p[0] == '' and not (getattr(sys.flags, 'safe_path', 0) or sys.flags.isolated):
    p = p[1:]
for x in p:
    w('path ' + e(x))
for x in site.getsitepackages():
    w('site ' + e(x))
enabled = site.check_enableusersite()
base = site.getuserbase()
user = site.getusersitepackages()
if site.ENABLE_USER_SITE is False:
    enabled = False
w('user_site_enabled ' + ('1' if enabled else '0'))
w('user_base ' + e(base))
w('user_site ' + e(user))
w('end')
sys.stdout.write('\n'.join(out) + '\n')
"#;

/// Encodes bytes as the query script does.
pub(crate) fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x21..=0x7e).contains(&b) && b != b'%' {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Decodes [`escape`]; `-` is `None`.
pub(crate) fn unescape(s: &str) -> Option<Option<PathBuf>> {
    if s == "-" {
        return Some(None);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(Some(PathBuf::from(OsString::from_vec(out))))
}

fn esc_path(p: &Path) -> String {
    escape(p.as_os_str().as_bytes())
}

impl InterpreterInfo {
    /// The text form (also the body of a cache file), ending with `end`.
    pub(crate) fn to_lines(&self) -> String {
        let mut out = String::new();
        let mut w = |k: &str, v: String| {
            out.push_str(k);
            out.push(' ');
            out.push_str(&v);
            out.push('\n');
        };
        w("executable", esc_path(&self.executable));
        w("prefix", esc_path(&self.prefix));
        w("base_prefix", esc_path(&self.base_prefix));
        let (a, b, c) = self.version;
        w("version", format!("{a} {b} {c}"));
        w("platlibdir", escape(self.platlibdir.as_bytes()));
        for p in &self.stdlib {
            w("path", esc_path(p));
        }
        for p in &self.site_dirs {
            w("site", esc_path(p));
        }
        w(
            "user_site_enabled",
            if self.user_site_enabled { "1" } else { "0" }.into(),
        );
        let opt = |p: &Option<PathBuf>| p.as_deref().map_or_else(|| "-".into(), esc_path);
        w("user_base", opt(&self.user_base));
        w("user_site", opt(&self.user_site));
        out.push_str("end\n");
        out
    }

    /// Parses the text form; lines before it that the caller consumed are
    /// not included. Unknown keys are an error (the format is ours).
    pub(crate) fn from_lines<'a>(
        lines: impl Iterator<Item = &'a str>,
    ) -> Result<InterpreterInfo, String> {
        let mut executable = None;
        let mut prefix = None;
        let mut base_prefix = None;
        let mut version = None;
        let mut platlibdir = None;
        let mut stdlib = Vec::new();
        let mut site_dirs = Vec::new();
        let mut user_site_enabled = None;
        let mut user_base = None;
        let mut user_site = None;
        let mut ended = false;
        for line in lines {
            if line == "end" {
                ended = true;
                break;
            }
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let path = || -> Result<Option<PathBuf>, String> {
                unescape(value).ok_or_else(|| format!("bad value in `{line}`"))
            };
            let required = || -> Result<PathBuf, String> {
                path()?.ok_or_else(|| format!("missing value in `{line}`"))
            };
            match key {
                "executable" => executable = Some(required()?),
                "prefix" => prefix = Some(required()?),
                "base_prefix" => base_prefix = Some(required()?),
                "version" => {
                    let n: Vec<u32> = value
                        .split(' ')
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|_| format!("bad version `{value}`"))?;
                    match n.as_slice() {
                        [a, b, c] => version = Some((*a, *b, *c)),
                        _ => return Err(format!("bad version `{value}`")),
                    }
                }
                "platlibdir" => platlibdir = Some(required()?.to_string_lossy().into_owned()),
                "path" => stdlib.push(required()?),
                "site" => site_dirs.push(required()?),
                "user_site_enabled" => user_site_enabled = Some(value == "1"),
                "user_base" => user_base = Some(path()?),
                "user_site" => user_site = Some(path()?),
                _ => return Err(format!("unexpected line `{line}`")),
            }
        }
        if !ended {
            return Err("incomplete answer (no `end` line)".into());
        }
        let missing = |what: &str| format!("no `{what}` line");
        Ok(InterpreterInfo {
            executable: executable.ok_or_else(|| missing("executable"))?,
            prefix: prefix.ok_or_else(|| missing("prefix"))?,
            base_prefix: base_prefix.ok_or_else(|| missing("base_prefix"))?,
            version: version.ok_or_else(|| missing("version"))?,
            platlibdir: platlibdir.ok_or_else(|| missing("platlibdir"))?,
            stdlib,
            site_dirs,
            user_site_enabled: user_site_enabled.ok_or_else(|| missing("user_site_enabled"))?,
            user_base: user_base.ok_or_else(|| missing("user_base"))?,
            user_site: user_site.ok_or_else(|| missing("user_site"))?,
        })
    }
}

/// Why asking an interpreter failed.
#[derive(Debug)]
pub enum QueryFailure {
    /// It could not be started (missing, not executable, bad format).
    Spawn(std::io::Error),
    /// It did not answer in time and was killed.
    Timeout(Duration),
    /// It exited unsuccessfully.
    Exit {
        /// Exit status as text.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// It answered something that is not the expected report.
    BadAnswer(String),
}

impl std::fmt::Display for QueryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryFailure::Spawn(e) => write!(f, "cannot start it: {e}"),
            QueryFailure::Timeout(d) => {
                write!(f, "no answer within {:.1} s (killed)", d.as_secs_f64())
            }
            QueryFailure::Exit { status, stderr } if stderr.is_empty() => {
                write!(f, "it failed ({status})")
            }
            QueryFailure::Exit { status, stderr } => write!(f, "it failed ({status}): {stderr}"),
            QueryFailure::BadAnswer(why) => write!(f, "unexpected answer: {why}"),
        }
    }
}

/// The interpreter options passed to the query so that it sees what a
/// script run with `flags` sees.
pub(crate) fn query_args(flags: &InterpreterFlags) -> Vec<&'static str> {
    let mut args = vec!["-S"];
    if flags.isolated {
        args.push("-I");
    }
    if flags.ignore_env {
        args.push("-E");
    }
    if flags.no_user_site {
        args.push("-s");
    }
    args
}

/// Runs `interpreter -S -c QUERY_SCRIPT` with the host's variables (minus
/// `PYTHONPATH`) and current directory, waiting at most `timeout`; a child
/// still running then is killed.
pub(crate) fn run_query(
    interpreter: &Path,
    host: &HostEnv,
    flags: &InterpreterFlags,
    timeout: Duration,
) -> Result<InterpreterInfo, QueryFailure> {
    let mut cmd = Command::new(interpreter);
    cmd.args(query_args(flags))
        .arg("-c")
        .arg(QUERY_SCRIPT)
        .env_clear()
        .envs(
            host.vars
                .iter()
                .filter(|(k, _)| k.as_os_str() != "PYTHONPATH"),
        );
    if host.cwd().is_dir() {
        cmd.current_dir(host.cwd());
    }
    let done = match crate::child::run_bounded(cmd, timeout, 1 << 20) {
        Ok(done) => done,
        Err(crate::child::RunError::Spawn(e)) => return Err(QueryFailure::Spawn(e)),
        Err(crate::child::RunError::Timeout(t)) => return Err(QueryFailure::Timeout(t)),
    };
    if !done.status.success() {
        return Err(QueryFailure::Exit {
            status: done.status.to_string(),
            stderr: crate::child::last_lines(&done.stderr, 3),
        });
    }
    let stdout = done.stdout;
    let text = String::from_utf8(stdout)
        .map_err(|_| QueryFailure::BadAnswer("output is not UTF-8".into()))?;
    InterpreterInfo::from_lines(text.lines()).map_err(QueryFailure::BadAnswer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn sample() -> InterpreterInfo {
        InterpreterInfo {
            executable: PathBuf::from("/usr/bin/python3.12"),
            prefix: PathBuf::from("/usr"),
            base_prefix: PathBuf::from("/usr"),
            version: (3, 12, 1),
            platlibdir: "lib".into(),
            stdlib: vec![
                PathBuf::from("/usr/lib/python312.zip"),
                PathBuf::from("/usr/lib/python3.12"),
            ],
            site_dirs: vec![PathBuf::from("/usr/lib/python3/dist-packages")],
            user_site_enabled: true,
            user_base: Some(PathBuf::from("/home/u/.local")),
            user_site: None,
        }
    }

    #[test]
    fn escape_roundtrip() {
        for b in [&b"/plain/path"[..], b"/with space/%/\xff\n", b"", b"-x"] {
            let e = escape(b);
            assert!(!e.contains(' ') && !e.contains('\n'));
            let back = unescape(&e).unwrap().unwrap();
            assert_eq!(back.as_os_str().as_bytes(), b);
        }
        assert_eq!(unescape("-").unwrap(), None);
        assert_eq!(unescape("%4"), None);
        assert_eq!(unescape("%zz"), None);
    }

    #[test]
    fn lines_roundtrip() {
        let info = sample();
        let text = info.to_lines();
        assert_eq!(InterpreterInfo::from_lines(text.lines()).unwrap(), info);
    }

    #[test]
    fn bad_answers() {
        let text = sample().to_lines();
        let no_end = text.replace("end\n", "");
        assert!(InterpreterInfo::from_lines(no_end.lines()).is_err());
        let junk = text.replace("version 3 12 1", "version 3 x 1");
        assert!(InterpreterInfo::from_lines(junk.lines()).is_err());
        let unknown = format!("what is this\n{text}");
        assert!(InterpreterInfo::from_lines(unknown.lines()).is_err());
        let missing = text.replace("prefix /usr\n", "");
        assert!(InterpreterInfo::from_lines(missing.lines()).is_err());
    }

    #[test]
    fn timeout_and_failures() {
        let tmp = tempfile::tempdir().unwrap();
        let host = HostEnv::empty(tmp.path()).with_var("PATH", "/usr/bin:/bin");
        let flags = InterpreterFlags::default();
        // A "python" that hangs.
        let hang = tmp.path().join("hang");
        std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t = Instant::now();
        let r = run_query(&hang, &host, &flags, Duration::from_millis(300));
        assert!(matches!(r, Err(QueryFailure::Timeout(_))), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(5));
        // One that fails.
        let fail = tmp.path().join("fail");
        std::fs::write(&fail, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
        std::fs::set_permissions(&fail, std::fs::Permissions::from_mode(0o755)).unwrap();
        let r = run_query(&fail, &host, &flags, Duration::from_secs(2));
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("broken") && msg.contains('3'), "{msg}");
        // One that says nonsense.
        let talk = tmp.path().join("talk");
        std::fs::write(&talk, "#!/bin/sh\necho hello\n").unwrap();
        std::fs::set_permissions(&talk, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(
            run_query(&talk, &host, &flags, Duration::from_secs(2)),
            Err(QueryFailure::BadAnswer(_))
        ));
        // One that does not exist.
        assert!(matches!(
            run_query(
                &tmp.path().join("none"),
                &host,
                &flags,
                Duration::from_secs(2)
            ),
            Err(QueryFailure::Spawn(_))
        ));
    }
}
