//! Fixtures shared by the unit tests of the environment modules.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes `text` to `path` (creating its directory) as an executable file.
pub(super) fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// An executable shell script at `path` that does nothing.
pub(super) fn exe(path: &Path) {
    write_exe(path, "#!/bin/sh\n");
}
