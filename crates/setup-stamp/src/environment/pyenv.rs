//! pyenv shims, followed by pyenv's own rules without running them.
//!
//! A pyenv shim is a bash script that runs `pyenv exec <program>`, which
//! picks the Python version from `PYENV_VERSION`, else the nearest
//! `.python-version` file (from `PYENV_DIR`, then the current directory,
//! upwards), else `$PYENV_ROOT/version`, else `system`. When that choice can
//! be made statically (an installed version named exactly, or `system`), the
//! shim is followed here; otherwise (version prefixes, unknown hooks) the
//! caller asks the shim itself.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::host::HostEnv;
use super::pathsearch::{is_executable_file, which};

/// A pyenv shim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyenvShim {
    /// `PYENV_ROOT` as the shim exports it.
    pub root: PathBuf,
    /// The program name the shim runs (its own file name, as invoked).
    pub program: OsString,
}

/// Where a shim leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShimTarget {
    /// The command pyenv would run.
    Resolved {
        /// Its path.
        target: PathBuf,
        /// The pyenv version that provided it (`system` for the system one).
        version: String,
        /// What set the version (`PYENV_VERSION` or a version file).
        origin: String,
    },
    /// Cannot be decided without running pyenv.
    Unresolved(String),
}

/// Recognises a pyenv shim from the start of the file at `path` (as invoked).
pub(crate) fn detect(path: &Path, head: &[u8]) -> Option<PyenvShim> {
    if !head.starts_with(b"#!") {
        return None;
    }
    let text = String::from_utf8_lossy(head);
    if !text.contains("/libexec/pyenv\" exec \"$program\"") {
        return None;
    }
    let root = text.lines().find_map(|l| {
        let v = l.trim().strip_prefix("export PYENV_ROOT=\"")?;
        v.strip_suffix('"').map(PathBuf::from)
    })?;
    Some(PyenvShim {
        root,
        program: path.file_name()?.to_os_string(),
    })
}

/// `pyenv version-file-read`: the first word of each non-empty,
/// non-comment line, joined by `:`; `None` when the file is missing, empty
/// or has no words. Versions naming a path (`..`, `/`) are not followed.
fn read_version_file(path: &Path) -> Result<Option<String>, String> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut versions = Vec::new();
    for line in text.split('\n') {
        let Some(word) = line
            .split([' ', '\t', '\r'])
            .find(|w| !w.is_empty())
            .map(|w| w.chars().take(1024).collect::<String>())
        else {
            continue;
        };
        if word.starts_with('#') {
            continue;
        }
        if word == ".." || word.contains('/') {
            return Err(format!(
                "version `{word}` in {} names a path",
                path.display()
            ));
        }
        versions.push(word);
    }
    Ok((!versions.is_empty()).then(|| versions.join(":")))
}

/// `pyenv version-file`: the nearest `.python-version` from `start` upwards.
fn find_local_version_file(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let f = d.join(".python-version");
        if std::fs::metadata(&f).is_ok_and(|m| m.is_file()) {
            return Some(f);
        }
        dir = d.parent();
    }
    None
}

/// Hook scripts that may change which command pyenv picks. The hooks of
/// pyenv-virtualenv only act when no command was found, which this module
/// never accepts, so they are harmless here.
fn unknown_hooks(shim: &PyenvShim, host: &HostEnv) -> Option<PathBuf> {
    const HARMLESS: [&str; 3] = [
        "conda.bash",
        "python-config.bash",
        "system-site-packages.bash",
    ];
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(p) = host.var_nonempty("PYENV_HOOK_PATH") {
        dirs.extend(
            p.as_bytes()
                .split(|b| *b == b':')
                .filter(|d| !d.is_empty())
                .map(|d| PathBuf::from(OsStr::from_bytes(d))),
        );
    }
    dirs.push(shim.root.join("pyenv.d"));
    for d in [
        "/usr/etc/pyenv.d",
        "/usr/local/etc/pyenv.d",
        "/etc/pyenv.d",
        "/usr/lib/pyenv/hooks",
    ] {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(plugins) = std::fs::read_dir(shim.root.join("plugins")) {
        dirs.extend(
            plugins
                .filter_map(Result::ok)
                .map(|e| e.path().join("etc/pyenv.d")),
        );
    }
    for d in dirs {
        for kind in ["which", "version-name"] {
            let Ok(entries) = std::fs::read_dir(d.join(kind)) else {
                continue;
            };
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".bash") && !(kind == "which" && HARMLESS.contains(&&*name)) {
                    return Some(e.path());
                }
            }
        }
    }
    None
}

/// Follows a shim as `pyenv exec` would, for the host's variables and
/// current directory.
pub(crate) fn resolve(shim: &PyenvShim, host: &HostEnv) -> ShimTarget {
    if let Some(hook) = unknown_hooks(shim, host) {
        return ShimTarget::Unresolved(format!(
            "pyenv hook {} may change the choice",
            hook.display()
        ));
    }
    let (spec, origin) = match host.var_nonempty("PYENV_VERSION") {
        Some(v) => (v.to_string_lossy().into_owned(), "PYENV_VERSION".to_owned()),
        None => {
            let pyenv_dir = host
                .var_nonempty("PYENV_DIR")
                .map(|d| host.cwd().join(d))
                .unwrap_or_else(|| host.cwd().to_path_buf());
            let file = find_local_version_file(&pyenv_dir)
                .or_else(|| {
                    (pyenv_dir != host.cwd())
                        .then(|| find_local_version_file(host.cwd()))
                        .flatten()
                })
                .unwrap_or_else(|| shim.root.join("version"));
            match read_version_file(&file) {
                Ok(Some(v)) => (v, file.display().to_string()),
                Ok(None) => ("system".to_owned(), file.display().to_string()),
                Err(e) => return ShimTarget::Unresolved(e),
            }
        }
    };
    let mut versions: Vec<String> = Vec::new();
    for v in spec.split(':').filter(|v| !v.is_empty()) {
        let installed = |name: &str| shim.root.join("versions").join(name).is_dir();
        if v == "system" || installed(v) {
            versions.push(v.to_owned());
        } else if let Some(stripped) = v.strip_prefix("python-").filter(|s| installed(s)) {
            versions.push(stripped.to_owned());
        } else {
            return ShimTarget::Unresolved(format!(
                "pyenv version `{v}` (set by {origin}) is not an installed version name"
            ));
        }
    }
    if versions.is_empty() {
        versions.push("system".to_owned());
    }
    versions.push("system".to_owned());
    for v in &versions {
        let candidate = if v == "system" {
            which(&shim.program, host, &[shim.root.join("shims")])
        } else {
            Some(
                shim.root
                    .join("versions")
                    .join(v)
                    .join("bin")
                    .join(&shim.program),
            )
        };
        if let Some(c) = candidate.filter(|c| is_executable_file(c)) {
            return ShimTarget::Resolved {
                target: c,
                version: v.clone(),
                origin,
            };
        }
    }
    ShimTarget::Unresolved(format!(
        "pyenv finds no `{}` for version {spec} (set by {origin})",
        shim.program.to_string_lossy()
    ))
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

    fn shim_text(root: &Path) -> String {
        format!(
            "#!/usr/bin/env bash\nset -e\n[ -n \"$PYENV_DEBUG\" ] && set -x\n\nprogram=\"${{0##*/}}\"\n\nexport PYENV_ROOT=\"{}\"\nexec \"{}/libexec/pyenv\" exec \"$program\" \"$@\"\n",
            root.display(),
            root.display()
        )
    }

    #[test]
    fn detect_real_shape() {
        let root = Path::new("/r/.pyenv");
        let s = detect(
            Path::new("/r/.pyenv/shims/python3"),
            shim_text(root).as_bytes(),
        )
        .unwrap();
        assert_eq!(s.root, root);
        assert_eq!(s.program, "python3");
        assert!(detect(Path::new("/x"), b"#!/bin/sh\nexec python3 \"$@\"\n").is_none());
    }

    #[test]
    fn version_selection() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("pyenv");
        exe(&root.join("versions/3.11.7/bin/python3"));
        exe(&root.join("versions/3.12.1/bin/python3"));
        std::fs::create_dir_all(root.join("versions/3.13.0/bin")).unwrap();
        exe(&tmp.path().join("sysbin/python3"));
        std::fs::write(root.join("version"), "# comment\n\n3.11.7 extra\n3.12.1\n").unwrap();
        let shim = PyenvShim {
            root: root.clone(),
            program: "python3".into(),
        };
        let work = tmp.path().join("work/sub");
        std::fs::create_dir_all(&work).unwrap();
        let host = HostEnv::empty(&work).with_var(
            "PATH",
            format!(
                "{}:{}",
                root.join("shims").display(),
                tmp.path().join("sysbin").display()
            ),
        );
        let target = |h: &HostEnv| match resolve(&shim, h) {
            ShimTarget::Resolved { target, .. } => Ok(target),
            ShimTarget::Unresolved(r) => Err(r),
        };
        assert_eq!(
            target(&host).unwrap(),
            root.join("versions/3.11.7/bin/python3")
        );
        // A local .python-version above the current directory wins.
        std::fs::write(tmp.path().join("work/.python-version"), "python-3.12.1\n").unwrap();
        assert_eq!(
            target(&host).unwrap(),
            root.join("versions/3.12.1/bin/python3")
        );
        // PYENV_VERSION wins over files; an installed version without the
        // command falls through to the next, then to system.
        let h = host.clone().with_var("PYENV_VERSION", "3.13.0:3.11.7");
        assert_eq!(
            target(&h).unwrap(),
            root.join("versions/3.11.7/bin/python3")
        );
        let h = host.clone().with_var("PYENV_VERSION", "3.13.0");
        assert_eq!(target(&h).unwrap(), tmp.path().join("sysbin/python3"));
        let h = host.clone().with_var("PYENV_VERSION", "system");
        assert_eq!(target(&h).unwrap(), tmp.path().join("sysbin/python3"));
        // Prefixes need pyenv's own resolution.
        let h = host.clone().with_var("PYENV_VERSION", "3.12");
        assert!(target(&h).is_err());
        // A version naming a path is not followed.
        std::fs::write(tmp.path().join("work/.python-version"), "../x\n").unwrap();
        assert!(target(&host).is_err());
        // Empty local file: falls back to... pyenv reads it as "no version":
        // system.
        std::fs::write(tmp.path().join("work/.python-version"), "\n").unwrap();
        assert_eq!(target(&host).unwrap(), tmp.path().join("sysbin/python3"));
    }

    #[test]
    fn unknown_hook_blocks_static_resolution() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("pyenv");
        exe(&root.join("versions/3.11.7/bin/python3"));
        std::fs::write(root.join("version"), "3.11.7\n").unwrap();
        let shim = PyenvShim {
            root: root.clone(),
            program: "python3".into(),
        };
        let host = HostEnv::empty(tmp.path());
        assert!(matches!(resolve(&shim, &host), ShimTarget::Resolved { .. }));
        std::fs::create_dir_all(root.join("plugins/p/etc/pyenv.d/which")).unwrap();
        std::fs::write(
            root.join("plugins/p/etc/pyenv.d/which/system-site-packages.bash"),
            "",
        )
        .unwrap();
        assert!(matches!(resolve(&shim, &host), ShimTarget::Resolved { .. }));
        std::fs::write(root.join("plugins/p/etc/pyenv.d/which/other.bash"), "").unwrap();
        assert!(matches!(resolve(&shim, &host), ShimTarget::Unresolved(_)));
    }
}
