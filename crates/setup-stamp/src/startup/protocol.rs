//! Which setup protocol an install uses: terok's aggregate stamp
//! (terok-sandbox 0.4–0.5, `terok_sandbox.setup_stamp`) or per-owner setup
//! receipts (terok-util 0.4 with `terok_util.setup`, terok 0.9 and later).
//!
//! Decided from what is importable, the way Python would import it:
//!
//! 1. terok-sandbox's package (the first search-path entry holding
//!    `terok_sandbox/__init__.py`) has a `setup_stamp` module → the stamp;
//! 2. else terok-util's package has a `setup` module and one of the
//!    receipt owners is installed → receipts, answered by the top-most
//!    owner: `terok`, else `terok-executor`, else `terok-sandbox`, else
//!    `terok-shield` (each composes the checks of the ones after it);
//! 3. else the stamp (nothing of the receipt era is there).

use std::path::{Path, PathBuf};

use crate::receipt::TerokOwner;

/// The protocol of an install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The aggregate setup stamp.
    Stamp,
    /// Per-owner setup receipts; the verdict is this owner's `check_setup()`.
    Receipts {
        /// The top-most installed owner.
        owner: TerokOwner,
    },
}

impl Protocol {
    /// `"stamp"` or `"receipts"`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Stamp => "stamp",
            Protocol::Receipts { .. } => "receipts",
        }
    }
}

/// The directory of top-level package `name` as `import name` would find
/// it on `search_path` (the first entry holding `name/__init__.py`).
pub fn package_dir(search_path: &[PathBuf], name: &str) -> Option<PathBuf> {
    search_path
        .iter()
        .map(|entry| {
            if entry.as_os_str().is_empty() {
                Path::new(".").join(name)
            } else {
                entry.join(name)
            }
        })
        .find(|dir| dir.join("__init__.py").is_file())
}

/// Whether `package` has a submodule `module` (`module.py` or a package).
fn has_module(package: &Path, module: &str) -> bool {
    package.join(format!("{module}.py")).is_file()
        || package.join(module).join("__init__.py").is_file()
}

/// The protocol of the install on `search_path`, given which receipt owners
/// have an installed distribution (`installed(owner)`).
///
/// ```
/// use setup_stamp::startup::{detect_protocol, Protocol};
/// let site = tempfile::tempdir()?;
/// std::fs::create_dir_all(site.path().join("terok_util"))?;
/// std::fs::write(site.path().join("terok_util/__init__.py"), "")?;
/// std::fs::write(site.path().join("terok_util/setup.py"), "")?;
/// let path = [site.path().to_path_buf()];
/// let only_sandbox = |o: setup_stamp::receipt::TerokOwner| o.name() == "terok-sandbox";
/// assert_eq!(detect_protocol(&path, only_sandbox).name(), "receipts");
/// assert_eq!(detect_protocol(&path, |_| false), Protocol::Stamp);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn detect_protocol(
    search_path: &[PathBuf],
    mut installed: impl FnMut(TerokOwner) -> bool,
) -> Protocol {
    if package_dir(search_path, "terok_sandbox").is_some_and(|dir| has_module(&dir, "setup_stamp"))
    {
        return Protocol::Stamp;
    }
    if !package_dir(search_path, "terok_util").is_some_and(|dir| has_module(&dir, "setup")) {
        return Protocol::Stamp;
    }
    TerokOwner::ALL
        .into_iter()
        .find(|owner| installed(*owner))
        .map_or(Protocol::Stamp, |owner| Protocol::Receipts { owner })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn stamp_era_sandbox_wins() {
        let site = tempfile::tempdir().unwrap();
        touch(site.path(), "terok_sandbox/__init__.py");
        touch(site.path(), "terok_sandbox/setup_stamp.py");
        touch(site.path(), "terok_util/__init__.py");
        touch(site.path(), "terok_util/setup.py");
        let path = [site.path().to_path_buf()];
        assert_eq!(detect_protocol(&path, |_| true), Protocol::Stamp);
    }

    #[test]
    fn the_top_most_owner_answers() {
        let site = tempfile::tempdir().unwrap();
        touch(site.path(), "terok_sandbox/__init__.py");
        touch(site.path(), "terok_util/__init__.py");
        touch(site.path(), "terok_util/setup/__init__.py");
        let path = [site.path().to_path_buf()];
        let pick = |names: &'static [&'static str]| {
            detect_protocol(&path, move |o: TerokOwner| names.contains(&o.name()))
        };
        assert_eq!(
            pick(&["terok-shield", "terok-executor"]),
            Protocol::Receipts {
                owner: TerokOwner::Executor
            }
        );
        assert_eq!(
            pick(&["terok-shield"]),
            Protocol::Receipts {
                owner: TerokOwner::Shield
            }
        );
        assert_eq!(pick(&[]), Protocol::Stamp);
    }

    #[test]
    fn the_first_entry_on_the_path_is_the_one_imported() {
        let old = tempfile::tempdir().unwrap();
        let new = tempfile::tempdir().unwrap();
        touch(old.path(), "terok_util/__init__.py");
        touch(new.path(), "terok_util/__init__.py");
        touch(new.path(), "terok_util/setup.py");
        let shadowed = [old.path().to_path_buf(), new.path().to_path_buf()];
        assert_eq!(detect_protocol(&shadowed, |_| true), Protocol::Stamp);
        let found = [new.path().to_path_buf(), old.path().to_path_buf()];
        assert_eq!(detect_protocol(&found, |_| true).name(), "receipts");
    }
}
