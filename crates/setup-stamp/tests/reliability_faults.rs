//! Faults: a full disk, no free inodes, a read-only filesystem, a parent
//! path that is a file or a device, and a directory the user may not write
//! or search. Each write fails with an error that names the path and the
//! cause, the writer process exits 1, the previous stamp is untouched and no
//! temporary file is left behind; once the fault is gone a write succeeds.
//!
//! The filesystem faults use a small tmpfs mounted in a temporary directory,
//! which needs root: without it (or if `mount` fails) the skip is recorded,
//! and under CI it is a failure. The permission cases run the writer as
//! `nobody` through `setpriv`. The fault injection through the write hook (a failure at every
//! step) is in `stamp_file.rs`.

mod reliability_support;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::errno::Errno;
use reliability_support::{example, is_root, leftovers, stamp_body};
use setup_stamp::stamp::{
    read_stamp_file, remove_stamp_file, write_stamp_file, write_stamp_file_with, StampRead,
    WriteOptions, WriteStep,
};
use setup_stamp_test_support::required;

/// A tmpfs mounted for the duration of a test, unmounted on drop.
struct Tmpfs {
    point: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs with `options`; `None` (the skip recorded) if
    /// impossible.
    #[track_caller]
    fn mount(options: &str) -> Option<Tmpfs> {
        if !is_root() {
            required("root, to mount a tmpfs");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let point = dir.path().join("fs");
        fs::create_dir(&point).expect("mkdir");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "setup-stamp-test"])
            .arg(&point)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { point, _dir: dir }),
            Ok(o) => {
                required(format!(
                    "mounting a tmpfs (CAP_SYS_ADMIN): mount -t tmpfs -o {options} failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
                None
            }
            Err(e) => {
                required(format!("mount(8): cannot run it: {e}"));
                None
            }
        }
    }

    /// Remounts with `options`, retrying for a while: a read-only remount
    /// fails with "mount point is busy" while any process holds a file on
    /// the tmpfs open for writing, which includes a child that another test
    /// thread forked during a write here and that has not reached `exec`
    /// (and so closed its close-on-exec copies) yet on a loaded machine.
    fn remount(&self, options: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            let out = Command::new("mount")
                .args(["-o", &format!("remount,{options}")])
                .arg(&self.point)
                .output()
                .expect("run mount");
            if out.status.success() {
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("remount {options}: {last}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.point)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.point).status();
        }
    }
}

/// Runs `stamp_writer` for one write of writer 1 to `path`, optionally as
/// `nobody`.
fn writer_process(path: &Path, as_nobody: bool) -> Output {
    let exe = example("stamp_writer");
    let mut cmd = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.arg(path).args(["1", "1"]).output().expect("run writer")
}

/// Asserts the writer failed with exit status 1 and a message naming
/// `named` and containing `cause`.
fn assert_failed_naming(out: &Output, named: &Path, cause: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(out.status.code(), Some(1), "exit status; stderr: {stderr}");
    assert!(
        stderr.contains(&*named.to_string_lossy()),
        "does not name {}: {stderr}",
        named.display()
    );
    assert!(stderr.contains(cause), "does not say {cause:?}: {stderr}");
    stderr
}

const OLD: &[u8] = br#"{"version": 1, "packages": {"terok": "0.5.0"}}"#;

fn fill_disk(dir: &Path) -> usize {
    let mut filler = fs::File::create(dir.join("filler")).expect("filler");
    let chunk = vec![b'x'; 4096];
    let mut written = 0;
    loop {
        match filler.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(e) if e.raw_os_error() == Some(Errno::ENOSPC as i32) => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    written
}

#[test]
fn full_disk_fails_clearly_and_keeps_the_previous_stamp() {
    let Some(fs) = Tmpfs::mount("size=64k,mode=0755") else {
        return;
    };
    let dir = fs.point.join("state");
    let path = dir.join("setup.stamp");
    write_stamp_file(&path, OLD).expect("first write");
    let filled = fill_disk(&fs.point);
    assert!(filled > 0);

    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: None,
        };
        let err = write_stamp_file_with(&path, stamp_body(1, 0).as_bytes(), &options)
            .expect_err("a write to a full disk succeeded");
        assert_eq!(err.errno, Errno::ENOSPC, "{err}");
        assert_eq!(err.step, WriteStep::Write, "{err}");
        let text = err.to_string();
        assert!(text.contains(&*path.to_string_lossy()), "{text}");
        assert!(text.contains("No space left on device"), "{text}");
        assert_eq!(fs::read(&path).expect("stamp"), OLD);
        assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());
    }
    let out = writer_process(&path, false);
    let message = assert_failed_naming(&out, &path, "No space left on device");
    println!("full disk: {message}");
    assert_eq!(fs::read(&path).expect("stamp"), OLD);
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());

    // Space again: the next write succeeds.
    fs::remove_file(fs.point.join("filler")).expect("free space");
    assert!(writer_process(&path, false).status.success());
    assert_eq!(fs::read(&path).expect("stamp"), stamp_body(1, 0).as_bytes());
}

#[test]
fn no_free_inodes_fails_clearly_and_keeps_the_previous_stamp() {
    let Some(fs) = Tmpfs::mount("size=1m,nr_inodes=16,mode=0755") else {
        return;
    };
    let dir = fs.point.join("state");
    let path = dir.join("setup.stamp");
    write_stamp_file(&path, OLD).expect("first write");
    let mut n = 0;
    while fs::File::create(fs.point.join(format!("f{n}"))).is_ok() {
        n += 1;
    }
    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: None,
        };
        let err = write_stamp_file_with(&path, b"{}", &options)
            .expect_err("a write without inodes succeeded");
        assert_eq!(
            (err.step, err.errno),
            (WriteStep::CreateTemporary, Errno::ENOSPC),
            "{err}"
        );
        assert!(err.to_string().contains(&*dir.to_string_lossy()), "{err}");
        assert_eq!(fs::read(&path).expect("stamp"), OLD);
    }
    let out = writer_process(&path, false);
    let message = assert_failed_naming(&out, &dir, "No space left on device");
    println!("no inodes: {message}");
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());
}

#[test]
fn read_only_filesystem_fails_clearly_and_keeps_the_previous_stamp() {
    let Some(fs) = Tmpfs::mount("size=1m,mode=0755") else {
        return;
    };
    let dir = fs.point.join("state");
    let path = dir.join("setup.stamp");
    write_stamp_file(&path, OLD).expect("first write");
    fs.remount("ro");

    let err = write_stamp_file(&path, b"{}").expect_err("wrote to a read-only fs");
    assert_eq!(
        (err.step, err.errno),
        (WriteStep::CreateTemporary, Errno::EROFS),
        "{err}"
    );
    let out = writer_process(&path, false);
    let message = assert_failed_naming(&out, &dir, "Read-only file system");
    println!("read-only filesystem: {message}");
    // A directory that would have to be created.
    let deeper = fs.point.join("new").join("setup.stamp");
    let out = writer_process(&deeper, false);
    assert_failed_naming(&out, &fs.point.join("new"), "Read-only file system");
    // Clearing fails too, and says why.
    let err = remove_stamp_file(&path).expect_err("removed from a read-only fs");
    assert_eq!(err.errno, Errno::EROFS);
    assert!(matches!(read_stamp_file(&path), Ok(StampRead::Valid(_))));
    assert_eq!(fs::read(&path).expect("stamp"), OLD);

    fs.remount("rw");
    assert!(writer_process(&path, false).status.success());
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());
}

#[test]
fn parent_that_is_a_file_or_a_device_fails_clearly() {
    let d = tempfile::tempdir().expect("tempdir");
    let file = d.path().join("file");
    fs::write(&file, b"not a directory").expect("write");
    let out = writer_process(&file.join("setup.stamp"), false);
    let message = assert_failed_naming(&out, &file, "File exists");
    println!("parent is a file: {message}");
    let out = writer_process(&file.join("sub").join("setup.stamp"), false);
    assert_failed_naming(&out, &file.join("sub"), "Not a directory");
    assert_eq!(fs::read(&file).expect("file"), b"not a directory");

    // `TEROK_ROOT=/dev/full`: the stamp would live under a device.
    let out = writer_process(Path::new("/dev/full/setup.stamp"), false);
    let message = assert_failed_naming(&out, Path::new("/dev/full"), "File exists");
    println!("parent is /dev/full: {message}");
}

#[test]
fn unprivileged_user_gets_clear_permission_errors() {
    if !is_root() {
        return required("root, to prepare directories for nobody");
    }
    let d = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    // A stamp directory owned by root: nobody may read but not write.
    let dir = d.path().join("state");
    let path = dir.join("setup.stamp");
    write_stamp_file(&path, OLD).expect("first write");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = writer_process(&path, true);
    if out.status.code() == Some(127) || out.status.code() == Some(126) {
        return required(format!(
            "running the writer as nobody through setpriv (exit {:?})",
            out.status.code()
        ));
    }
    let message = assert_failed_naming(&out, &dir, "Permission denied");
    println!("unwritable directory (nobody): {message}");
    assert_eq!(fs::read(&path).expect("stamp"), OLD);
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());

    // A parent nobody may not search: the missing directory cannot be made.
    let locked = d.path().join("locked");
    fs::create_dir(&locked).expect("mkdir");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).expect("chmod");
    let target = locked.join("state").join("setup.stamp");
    let out = writer_process(&target, true);
    let message = assert_failed_naming(&out, &locked.join("state"), "Permission denied");
    println!("unsearchable parent (nobody): {message}");
    assert!(!locked.join("state").exists());
}
