//! Virtual environments, derived statically from `pyvenv.cfg`.

use std::path::{Path, PathBuf};

use super::host::HostEnv;
use super::pyvenv::PyvenvConfig;
use super::site::abspath;
use super::{EnvironmentError, InterpreterFlags, SitePlan};

/// A virtual environment found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualEnv {
    /// The environment's prefix (the directory holding `pyvenv.cfg`'s `bin`).
    pub root: PathBuf,
    /// The `pyvenv.cfg` that was read.
    pub config_path: PathBuf,
    /// Its parsed content.
    pub config: PyvenvConfig,
    /// The environment's interpreter: the one given, else `bin/python3` or
    /// `bin/python` when present.
    pub interpreter: Option<PathBuf>,
}

fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

impl VirtualEnv {
    /// Finds the virtual environment that `path` (a venv directory or an
    /// interpreter) belongs to, as `site.venv()` does for an interpreter:
    /// `pyvenv.cfg` beside the executable, else one directory up; the path
    /// is made absolute but symlinks are *not* followed (a symlink to a
    /// venv's python placed elsewhere runs the base interpreter, not the venv).
    ///
    /// `Ok(None)` when `path` exists but is not part of a virtual environment.
    pub fn find(path: &Path, cwd: &Path) -> Result<Option<VirtualEnv>, EnvironmentError> {
        let path = abspath(cwd, path);
        let meta = std::fs::metadata(&path).map_err(|source| EnvironmentError::NotFound {
            path: path.clone(),
            source,
        })?;
        let (root, config_path, interpreter) = if meta.is_dir() {
            let cfg = path.join("pyvenv.cfg");
            if !is_file(&cfg) {
                return Ok(None);
            }
            let interpreter = ["bin/python3", "bin/python"]
                .iter()
                .map(|n| path.join(n))
                .find(|p| is_file(p));
            (path, cfg, interpreter)
        } else {
            let exe_dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
            let site_prefix = exe_dir.parent().unwrap_or(Path::new("/")).to_path_buf();
            let Some(cfg) = [exe_dir.join("pyvenv.cfg"), site_prefix.join("pyvenv.cfg")]
                .into_iter()
                .find(|c| is_file(c))
            else {
                return Ok(None);
            };
            (site_prefix, cfg, Some(path))
        };
        let bytes = std::fs::read(&config_path).map_err(|source| EnvironmentError::ReadConfig {
            path: config_path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| EnvironmentError::InvalidConfig {
            path: config_path.clone(),
            reason: "not valid UTF-8".into(),
        })?;
        Ok(Some(VirtualEnv {
            root,
            config: PyvenvConfig::parse(&text),
            config_path,
            interpreter,
        }))
    }

    /// The interpreter's `(major, minor)`: from `pyvenv.cfg`, else from the
    /// single `lib/pythonX.Y` directory of the environment.
    pub fn python_version(&self) -> Result<(u32, u32), EnvironmentError> {
        if let Some(v) = self.config.python_version() {
            return Ok(v);
        }
        let mut found: Vec<(u32, u32)> = std::fs::read_dir(self.root.join("lib"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let name = name.to_str()?;
                super::pyvenv::parse_major_minor(name.strip_prefix("python")?)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [one] => Ok(*one),
            _ => Err(EnvironmentError::UnknownVersion {
                path: self.config_path.clone(),
            }),
        }
    }

    /// The base interpreter's directory (`home`), made absolute.
    pub fn home(&self, cwd: &Path) -> Option<PathBuf> {
        self.config
            .home
            .as_deref()
            .filter(|h| !h.is_empty())
            .map(|h| abspath(cwd, Path::new(h)))
    }
}

/// The standard-library layout of a base installation, found statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StaticBase {
    /// `sys.base_prefix`, when the landmark was found.
    pub prefix: Option<PathBuf>,
    /// `sys.platlibdir` guess (`lib` or `lib64`).
    pub platlibdir: &'static str,
    /// Debian's patched `site.py` (and its derivatives'): recognised by
    /// `<prefix>/lib/python3/dist-packages`.
    pub debian: bool,
}

/// Finds the base prefix the way `getpath` does: from `home` upwards, the
/// first directory holding `<platlibdir>/pythonX.Y/os.py` (or `os.pyc`).
pub(crate) fn static_base(home: Option<&Path>, version: (u32, u32)) -> StaticBase {
    let sub = format!("python{}.{}", version.0, version.1);
    let mut dir = home;
    while let Some(d) = dir {
        for platlibdir in ["lib64", "lib"] {
            let stdlib = d.join(platlibdir).join(&sub);
            if ["os.py", "os.pyc"].iter().any(|l| is_file(&stdlib.join(l))) {
                if platlibdir == "lib64" {
                    // A lib64 that is the same directory as lib (a symlink)
                    // says nothing about platlibdir.
                    let same = match (
                        std::fs::canonicalize(&stdlib),
                        std::fs::canonicalize(d.join("lib").join(&sub)),
                    ) {
                        (Ok(a), Ok(b)) => a == b,
                        _ => false,
                    };
                    if same {
                        continue;
                    }
                }
                return StaticBase {
                    prefix: Some(d.to_path_buf()),
                    platlibdir,
                    debian: d.join("lib/python3/dist-packages").is_dir(),
                };
            }
        }
        dir = d.parent();
    }
    StaticBase {
        prefix: None,
        platlibdir: "lib",
        debian: false,
    }
}

/// `site.getsitepackages([prefix])` on POSIX, as seen from inside a virtual
/// environment: `<platlibdir>` then `lib`. With Debian's patch (CPython as
/// packaged by Debian and Ubuntu): `lib/pythonX.Y/site-packages` (venvs
/// only), `local/lib/pythonX.Y/dist-packages`, `lib/python3/dist-packages`,
/// then `<platlibdir>` and `lib` with `pythonX.Y/dist-packages`.
pub(crate) fn site_packages_of(
    prefix: &Path,
    base: &StaticBase,
    version: (u32, u32),
) -> Vec<PathBuf> {
    let sub = format!("python{}.{}", version.0, version.1);
    let mut libdirs = vec![base.platlibdir];
    if base.platlibdir != "lib" {
        libdirs.push("lib");
    }
    if base.debian {
        let mut dirs = vec![
            prefix.join("lib").join(&sub).join("site-packages"),
            prefix.join("local/lib").join(&sub).join("dist-packages"),
            prefix.join("lib/python3/dist-packages"),
        ];
        dirs.extend(
            libdirs
                .into_iter()
                .map(|l| prefix.join(l).join(&sub).join("dist-packages")),
        );
        return dirs;
    }
    libdirs
        .into_iter()
        .map(|l| prefix.join(l).join(&sub).join("site-packages"))
        .collect()
}

/// The standard-library entries `getpath` puts on `sys.path`.
pub(crate) fn stdlib_of(prefix: &Path, platlibdir: &str, version: (u32, u32)) -> Vec<PathBuf> {
    let lib = prefix.join(platlibdir);
    let sub = lib.join(format!("python{}.{}", version.0, version.1));
    vec![
        lib.join(format!("python{}{}.zip", version.0, version.1)),
        sub.clone(),
        sub.join("lib-dynload"),
    ]
}

/// Whether `site.py` would enable the user site, and where it is, derived
/// without asking the interpreter: `PYTHONNOUSERSITE` or `-s` disable it, so
/// does a uid/gid that differs from its effective one; the user base is
/// `PYTHONUSERBASE` or `~/.local`.
pub(crate) fn static_user_site(
    host: &HostEnv,
    flags: &InterpreterFlags,
    version: (u32, u32),
) -> Option<PathBuf> {
    let ignore_env = flags.ignore_env || flags.isolated;
    if flags.no_user_site || flags.isolated {
        return None;
    }
    if !ignore_env && host.var_nonempty("PYTHONNOUSERSITE").is_some() {
        return None;
    }
    if nix::unistd::getuid() != nix::unistd::geteuid()
        || nix::unistd::getgid() != nix::unistd::getegid()
    {
        return None;
    }
    let base = match host.var_nonempty("PYTHONUSERBASE").filter(|_| !ignore_env) {
        Some(b) => PathBuf::from(b),
        None => host.expand_home(".local")?,
    };
    Some(user_site_of(&base, version))
}

/// `site._get_path(userbase)` on POSIX.
pub(crate) fn user_site_of(user_base: &Path, version: (u32, u32)) -> PathBuf {
    user_base
        .join("lib")
        .join(format!("python{}.{}", version.0, version.1))
        .join("site-packages")
}

/// The static plan for a virtual environment. With system site-packages, the
/// base part is derived statically too (`base` overrides it when the base
/// interpreter's own answer is known).
pub(crate) fn venv_plan(
    venv: &VirtualEnv,
    host: &HostEnv,
    flags: &InterpreterFlags,
    notes: &mut Vec<String>,
) -> Result<SitePlan, EnvironmentError> {
    let version = venv.python_version()?;
    let home = venv.home(host.cwd());
    let mut base = static_base(home.as_deref(), version);
    // PYTHONHOME (`prefix[:exec_prefix]`) replaces the search from `home`.
    let python_home = host
        .var_nonempty("PYTHONHOME")
        .filter(|_| !(flags.ignore_env || flags.isolated))
        .map(|v| {
            let v = v.to_string_lossy();
            let (p, e) = v.split_once(':').unwrap_or((&v, &v));
            (
                abspath(host.cwd(), Path::new(p)),
                abspath(host.cwd(), Path::new(e)),
            )
        });
    if let Some((prefix, _)) = &python_home {
        let found = static_base(Some(prefix), version);
        base = StaticBase {
            prefix: Some(prefix.clone()),
            platlibdir: found.platlibdir,
            debian: prefix.join("lib/python3/dist-packages").is_dir(),
        };
        notes.push(format!(
            "PYTHONHOME={} used as the base prefix",
            prefix.display()
        ));
    }
    let stdlib = match &base.prefix {
        Some(prefix) => {
            let mut entries = stdlib_of(prefix, base.platlibdir, version);
            if let (Some((_, exec_prefix)), Some(last)) = (&python_home, entries.last_mut()) {
                *last = stdlib_of(exec_prefix, base.platlibdir, version)[2].clone();
            }
            entries
        }
        None => {
            notes.push(format!(
                "standard library of the base interpreter not found from home = {}",
                home.as_deref()
                    .map_or_else(|| "(missing)".into(), |h| h.display().to_string())
            ));
            Vec::new()
        }
    };
    let venv_site = site_packages_of(&venv.root, &base, version);
    let mut plan = SitePlan {
        version,
        stdlib,
        first_site_dirs: venv_site,
        user_site: None,
        site_dirs: Vec::new(),
    };
    if venv.config.include_system_site_packages {
        plan.user_site = static_user_site(host, flags, version);
        if let Some(prefix) = &base.prefix {
            plan.site_dirs = site_packages_of(prefix, &base, version);
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn find_from_dir_and_interpreter() {
        let tmp = tempfile::tempdir().unwrap();
        let v = tmp.path().join("v");
        write(&v.join("pyvenv.cfg"), "home = /usr/bin\nversion = 3.12.1\n");
        write(&v.join("bin/python3"), "");
        let found = VirtualEnv::find(&v, tmp.path()).unwrap().unwrap();
        assert_eq!(found.root, v);
        assert_eq!(found.interpreter, Some(v.join("bin/python3")));
        let found = VirtualEnv::find(Path::new("v/bin/python3"), tmp.path())
            .unwrap()
            .unwrap();
        assert_eq!(found.root, v);
        // Not a venv: a plain directory, or a file outside any venv.
        write(&tmp.path().join("plain/bin/python3"), "");
        assert!(VirtualEnv::find(&tmp.path().join("plain"), tmp.path())
            .unwrap()
            .is_none());
        assert!(
            VirtualEnv::find(&tmp.path().join("plain/bin/python3"), tmp.path())
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            VirtualEnv::find(&tmp.path().join("nope"), tmp.path()),
            Err(EnvironmentError::NotFound { .. })
        ));
    }

    #[test]
    fn version_from_lib_dir() {
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("pyvenv.cfg"), "home = /usr/bin\n");
        std::fs::create_dir_all(tmp.path().join("lib/python3.11/site-packages")).unwrap();
        let v = VirtualEnv::find(tmp.path(), tmp.path()).unwrap().unwrap();
        assert_eq!(v.python_version().unwrap(), (3, 11));
        std::fs::create_dir_all(tmp.path().join("lib/python3.12")).unwrap();
        assert!(matches!(
            v.python_version(),
            Err(EnvironmentError::UnknownVersion { .. })
        ));
    }

    #[test]
    fn base_landmark_and_lib64() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        write(&p.join("lib/python3.12/os.py"), "");
        std::fs::create_dir_all(p.join("bin")).unwrap();
        let b = static_base(Some(&p.join("bin")), (3, 12));
        assert_eq!(b.prefix.as_deref(), Some(p));
        assert_eq!(b.platlibdir, "lib");
        std::os::unix::fs::symlink("lib", p.join("lib64")).unwrap();
        assert_eq!(static_base(Some(&p.join("bin")), (3, 12)).platlibdir, "lib");
        let q = p.join("fedora");
        write(&q.join("lib64/python3.12/os.py"), "");
        std::fs::create_dir_all(q.join("bin")).unwrap();
        let b = static_base(Some(&q.join("bin")), (3, 12));
        assert_eq!(b.platlibdir, "lib64");
        assert_eq!(
            site_packages_of(&q, &b, (3, 12)),
            vec![
                q.join("lib64/python3.12/site-packages"),
                q.join("lib/python3.12/site-packages")
            ]
        );
        assert_eq!(static_base(Some(&p.join("none")), (3, 9)).prefix, None);
    }

    #[test]
    fn debian_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let usr = tmp.path().join("usr");
        write(&usr.join("lib/python3.11/os.py"), "");
        std::fs::create_dir_all(usr.join("lib/python3/dist-packages")).unwrap();
        std::fs::create_dir_all(usr.join("bin")).unwrap();
        let b = static_base(Some(&usr.join("bin")), (3, 11));
        assert!(b.debian);
        assert_eq!(
            site_packages_of(&usr, &b, (3, 11)),
            vec![
                usr.join("lib/python3.11/site-packages"),
                usr.join("local/lib/python3.11/dist-packages"),
                usr.join("lib/python3/dist-packages"),
                usr.join("lib/python3.11/dist-packages"),
            ]
        );
    }
}
