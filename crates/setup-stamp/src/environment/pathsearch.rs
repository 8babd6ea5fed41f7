//! Command lookup on `PATH`, as a POSIX shell does it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::host::HostEnv;

/// The search list used when `PATH` is unset (glibc's `confstr(_CS_PATH)`).
const DEFAULT_PATH: &str = "/bin:/usr/bin";

/// Whether `path` is a regular file (after symlinks) that this process may
/// execute.
pub(crate) fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && nix::unistd::access(path, nix::unistd::AccessFlags::X_OK).is_ok()
}

/// Resolves a command name as the shell does: a name containing `/` is used
/// as is (relative to the current directory); otherwise each `PATH`
/// component is tried in order (an empty component is the current
/// directory), and the first executable regular file wins. `skip` lists
/// directories left out (pyenv's lookup of the system command skips its own
/// shims directory).
pub fn which(name: &OsStr, host: &HostEnv, skip: &[PathBuf]) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    if name.as_bytes().contains(&b'/') {
        let p = host.cwd().join(name);
        return is_executable_file(&p).then_some(p);
    }
    let path_var = host
        .var("PATH")
        .unwrap_or(OsStr::new(DEFAULT_PATH))
        .as_bytes();
    for dir in path_var.split(|b| *b == b':') {
        let dir = if dir.is_empty() {
            host.cwd().to_path_buf()
        } else {
            host.cwd().join(OsStr::from_bytes(dir))
        };
        if skip.contains(&dir) {
            continue;
        }
        let candidate = dir.join(name);
        if is_executable_file(&candidate) {
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn order_and_permissions() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        std::fs::create_dir_all(t.join("a/terok")).unwrap(); // a directory: skipped
        std::fs::create_dir_all(t.join("b")).unwrap();
        std::fs::write(t.join("b/terok"), "").unwrap(); // not executable (as non-root)
        exe(&t.join("c/terok"));
        exe(&t.join("d/terok"));
        let host = HostEnv::empty(t).with_var(
            "PATH",
            format!(
                "{}:{}:c:{}",
                t.join("a").display(),
                t.join("b").display(),
                t.join("d").display()
            ),
        );
        let found = which(OsStr::new("terok"), &host, &[]).unwrap();
        // access(X_OK) needs an execute bit, even for root.
        assert_eq!(found, t.join("c/terok"));
        assert_eq!(
            which(OsStr::new("terok"), &host, &[t.join("c")]).unwrap(),
            t.join("d/terok")
        );
        assert!(which(OsStr::new("nope"), &host, &[]).is_none());
        // Empty component: the current directory.
        exe(&t.join("here"));
        let host = HostEnv::empty(t).with_var("PATH", ":/nonexistent");
        assert_eq!(
            which(OsStr::new("here"), &host, &[]).unwrap(),
            t.join("here")
        );
        assert_eq!(
            which(OsStr::new("./here"), &host, &[]).unwrap(),
            t.join("./here")
        );
    }
}
