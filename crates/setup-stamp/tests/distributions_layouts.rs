//! Readable layout tests for `find_distributions`; the exhaustive comparison
//! with CPython 3.12 lives in `distributions_differential.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use setup_stamp::distributions::{find_distributions, DistributionError};

fn write(path: &Path, data: &[u8]) {
    fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
    fs::write(path, data).expect("write");
}

fn version(search: &[PathBuf], name: &str) -> Option<String> {
    find_distributions(search, &[name]).expect("lookup")[0]
        .as_ref()
        .and_then(|d| d.version.clone())
}

#[test]
fn first_entry_wins_and_the_directory_name_is_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    write(
        &a.join("terok_sandbox-9.9.dist-info/METADATA"),
        b"Name: nope\nVersion: 2.0\n",
    );
    write(
        &b.join("terok_sandbox-1.0.dist-info/METADATA"),
        b"Version: 1.0\n",
    );
    let path = [tmp.path().join("missing"), a.clone(), b.clone()];
    assert_eq!(version(&path, "terok-sandbox").as_deref(), Some("2.0"));
    assert_eq!(version(&path, "Terok.Sandbox").as_deref(), Some("2.0"));
    let path = [b, a];
    assert_eq!(version(&path, "terok_sandbox").as_deref(), Some("1.0"));
}

#[test]
fn the_sandbox_trap_files_under_terok() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        &tmp.path().join("terok-sandbox-1.4.dist-info/METADATA"),
        b"Version: 1.4\n",
    );
    let path = [tmp.path().to_owned()];
    let found = find_distributions(&path, &["terok", "terok-sandbox"]).expect("lookup");
    assert_eq!(
        found[0].as_ref().and_then(|d| d.version.as_deref()),
        Some("1.4")
    );
    assert!(found[1].is_none());
}

#[test]
fn metadata_falls_back_to_pkg_info_and_none() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("terok.dist-info/METADATA"), b"");
    write(
        &tmp.path().join("terok.dist-info/PKG-INFO"),
        b"version:2.2 \r\n",
    );
    fs::create_dir_all(tmp.path().join("terok_shield.dist-info")).expect("mkdir");
    write(
        &tmp.path().join("terok_executor.dist-info/METADATA"),
        b"Name: x\n\nVersion: 1\n",
    );
    let path = [tmp.path().to_owned()];
    let found =
        find_distributions(&path, &["terok", "terok-shield", "terok-executor"]).expect("lookup");
    assert_eq!(
        found[0].as_ref().and_then(|d| d.version.as_deref()),
        Some("2.2 ")
    );
    // Found, but without a version: Python's version() returns None.
    assert_eq!(found[1].as_ref().map(|d| d.version.clone()), Some(None));
    assert_eq!(found[2].as_ref().map(|d| d.version.clone()), Some(None));
}

#[test]
fn eggs_match_by_their_own_name_and_only_without_a_trailing_slash() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let egg = tmp.path().join("terok_shield-0.3-py3.12.egg");
    write(&egg.join("EGG-INFO/PKG-INFO"), b"Version: 0.3\n");
    assert_eq!(
        version(std::slice::from_ref(&egg), "terok-shield").as_deref(),
        Some("0.3")
    );
    // Legacy normalisation: dots are not folded for eggs.
    assert_eq!(version(std::slice::from_ref(&egg), "terok.shield"), None);
    let mut slashed = egg.into_os_string();
    slashed.push("/");
    assert_eq!(version(&[PathBuf::from(slashed)], "terok-shield"), None);
}

#[test]
fn invalid_utf8_anywhere_in_the_chosen_file_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut data = b"Version: 1.0\n\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 100_000));
    data.push(0xff);
    write(&tmp.path().join("terok.dist-info/METADATA"), &data);
    let err = find_distributions(&[tmp.path().to_owned()], &["terok"]).expect_err("invalid UTF-8");
    assert!(
        matches!(
            err,
            DistributionError::InvalidUtf8 {
                offset: 100_014,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("invalid UTF-8 at byte 100014"),
        "{err}"
    );
}

#[test]
fn an_empty_name_is_an_error_in_name_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("terok.dist-info/METADATA"), b"\xff");
    let path = [tmp.path().to_owned()];
    assert!(matches!(
        find_distributions(&path, &[""]),
        Err(DistributionError::EmptyName)
    ));
    assert!(matches!(
        find_distributions(&path, &["terok", ""]),
        Err(DistributionError::InvalidUtf8 { .. })
    ));
    assert!(matches!(
        find_distributions(&path, &["", "terok"]),
        Err(DistributionError::EmptyName)
    ));
}

#[test]
fn a_fifo_does_not_block() {
    // The reference would block opening this FIFO; we read it as empty and
    // move on to PKG-INFO.
    let tmp = tempfile::tempdir().expect("tempdir");
    let info = tmp.path().join("terok.dist-info");
    write(&info.join("PKG-INFO"), b"Version: 3\n");
    nix::unistd::mkfifo(&info.join("METADATA"), nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    assert_eq!(
        version(&[tmp.path().to_owned()], "terok").as_deref(),
        Some("3")
    );
}

#[test]
fn dev_null_metadata_is_empty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let info = tmp.path().join("terok.dist-info");
    write(&info.join("PKG-INFO"), b"Version: 4\n");
    std::os::unix::fs::symlink("/dev/null", info.join("METADATA")).expect("symlink");
    assert_eq!(
        version(&[tmp.path().to_owned()], "terok").as_deref(),
        Some("4")
    );
}

#[test]
fn a_fifo_on_the_search_path_is_skipped_without_blocking() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    write(&site.join("terok.dist-info/METADATA"), b"Version: 1\n");
    let fifo = tmp.path().join("trap.whl");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let found = find_distributions(&[fifo, site], &["terok"]).expect("lookup");
    assert_eq!(
        found[0].as_ref().and_then(|d| d.version.as_deref()),
        Some("1")
    );
}

#[test]
fn directories_after_the_last_needed_one_are_not_listed() {
    // Every name is found in the first entry; the second is a FIFO named like
    // a zip, which would block if it were opened.
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    write(&site.join("terok.dist-info/METADATA"), b"Version: 1\n");
    let fifo = tmp.path().join("trap.whl");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let found = find_distributions(&[site, fifo], &["terok"]).expect("lookup");
    assert!(found[0].is_some());
}
