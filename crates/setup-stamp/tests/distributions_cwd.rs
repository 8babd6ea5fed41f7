//! The empty search-path entry means the current directory, as `''` on
//! `sys.path` does. This file holds a single test because it changes the
//! process's working directory.

use std::fs;
use std::path::{Path, PathBuf};

use setup_stamp::distributions::find_distributions;

#[test]
fn empty_entry_is_the_current_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let info = tmp.path().join("Terok-0.1.dist-info");
    fs::create_dir(&info).expect("create dist-info");
    fs::write(info.join("METADATA"), "Version: 1.5\n").expect("write METADATA");
    std::env::set_current_dir(tmp.path()).expect("chdir");

    let found = find_distributions(&[PathBuf::new()], &["terok", "terok-shield"]).expect("lookup");
    let terok = found[0]
        .as_ref()
        .expect("terok is found in the current directory");
    assert_eq!(terok.version.as_deref(), Some("1.5"));
    // Relative, like Python's `PosixPath('Terok-0.1.dist-info')`.
    assert_eq!(terok.metadata_dir, Path::new("Terok-0.1.dist-info"));
    assert_eq!(terok.search_entry, Path::new(""));
    assert!(found[1].is_none());
}
