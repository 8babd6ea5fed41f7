//! The stamp on disk: what reading classifies as missing / corrupt / valid,
//! and that writing is atomic, durable, leaves nothing behind and never
//! follows planted files.
//!
//! Permission cases (mode 000, read-only directory, unsearchable parent) are
//! only meaningful without root's override: run as root, the test re-runs
//! itself as `nobody` through `setpriv` (skipping with a note when that is
//! not possible).

use std::cell::RefCell;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use setup_stamp::safe_file::ReadFailure;
use setup_stamp::stamp::{
    read_stamp_file, remove_stamp_file, write_stamp_file, write_stamp_file_with, CorruptReason,
    FileKind, StampFormatError, StampRead, StampReadError, WriteEvent, WriteOptions, WriteStep,
    MAX_STAMP_BYTES,
};

const GOOD: &[u8] = br#"{"version": 1, "packages": {"terok": "0.6.0"}}"#;

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn corrupt_kind(read: StampRead) -> Option<FileKind> {
    match read {
        StampRead::Corrupt(CorruptReason::Unreadable(ReadFailure::NotRegularFile { kind })) => {
            Some(kind)
        }
        _ => None,
    }
}

/// Runs `f` on another thread and fails if it does not finish in time.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("operation blocked or took too long")
}

/// Names in `dir` other than `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

fn current_umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("Umask:"))
        .expect("Umask line");
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).expect("octal")
}

// ---------------------------------------------------------------- reading

#[test]
fn missing_dangling_loop_and_file_parent_are_missing() {
    let d = tempdir();
    let p = d.path();
    assert_eq!(
        read_stamp_file(&p.join("setup.stamp")).unwrap(),
        StampRead::Missing
    );

    symlink(p.join("nowhere"), p.join("dangling")).unwrap();
    assert_eq!(
        read_stamp_file(&p.join("dangling")).unwrap(),
        StampRead::Missing
    );

    symlink(p.join("loop-b"), p.join("loop-a")).unwrap();
    symlink(p.join("loop-a"), p.join("loop-b")).unwrap();
    assert_eq!(
        read_stamp_file(&p.join("loop-a")).unwrap(),
        StampRead::Missing
    );

    fs::write(p.join("file"), b"x").unwrap();
    assert_eq!(
        read_stamp_file(&p.join("file").join("setup.stamp")).unwrap(),
        StampRead::Missing
    );

    // Python's Path.exists() is False for a path with an embedded NUL.
    use std::os::unix::ffi::OsStrExt;
    let nul = p.join(std::ffi::OsStr::from_bytes(b"a\0b"));
    assert_eq!(read_stamp_file(&nul).unwrap(), StampRead::Missing);
}

#[test]
fn other_stat_errors_are_errors_naming_the_path() {
    let d = tempdir();
    let long = d.path().join("x".repeat(300)).join("setup.stamp");
    let err = read_stamp_file(&long).unwrap_err();
    assert_eq!(
        err,
        StampReadError::Stat {
            path: long.clone(),
            errno: Errno::ENAMETOOLONG
        }
    );
    assert!(err.to_string().contains(&*long.to_string_lossy()));
    assert!(err
        .to_string()
        .ends_with("ENAMETOOLONG: File name too long"));
}

#[test]
fn non_regular_files_are_corrupt_and_never_block() {
    let d = tempdir();
    let p = d.path().to_owned();
    fs::create_dir(p.join("dir")).unwrap();
    nix::unistd::mkfifo(
        &p.join("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let _listener = UnixListener::bind(p.join("socket")).unwrap();
    symlink("/dev/null", p.join("devnull")).unwrap();
    symlink(p.join("fifo"), p.join("fifo-link")).unwrap();

    let cases = [
        ("dir", FileKind::Directory),
        ("fifo", FileKind::Fifo),
        ("fifo-link", FileKind::Fifo),
        ("socket", FileKind::Socket),
        ("devnull", FileKind::CharDevice),
    ];
    for (name, kind) in cases {
        let path = p.join(name);
        let read = within(10, move || read_stamp_file(&path).unwrap());
        assert_eq!(corrupt_kind(read), Some(kind), "{name}");
    }
}

#[test]
fn huge_sparse_file_is_too_large_without_reading_it() {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    let f = fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap();
    let start = Instant::now();
    let read = read_stamp_file(&path).unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(
        read,
        StampRead::Corrupt(CorruptReason::Unreadable(ReadFailure::TooLarge {
            size: 1 << 30
        }))
    );

    // Exactly at the limit is still read (and then fails to parse).
    f.set_len(MAX_STAMP_BYTES).unwrap();
    assert!(matches!(
        read_stamp_file(&path).unwrap(),
        StampRead::Corrupt(CorruptReason::Format(StampFormatError::Json(_)))
    ));
    f.set_len(MAX_STAMP_BYTES + 1).unwrap();
    assert!(matches!(
        read_stamp_file(&path).unwrap(),
        StampRead::Corrupt(CorruptReason::Unreadable(ReadFailure::TooLarge { .. }))
    ));
}

#[test]
fn contents_are_parsed() {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    for (bytes, corrupt) in [
        (&b"\xff\xfe{}"[..], true),
        (b"", true),
        (b"  \n", true),
        (b"\xef\xbb\xbf{}", true),
        (br#"{"version": 1, "packages": []}"#, true),
        (br#"{"version": "1", "packages": {}}"#, true),
        (GOOD, false),
    ] {
        fs::write(&path, bytes).unwrap();
        let read = read_stamp_file(&path).unwrap();
        assert_eq!(
            matches!(read, StampRead::Corrupt(CorruptReason::Format(_))),
            corrupt,
            "{bytes:?}: {read:?}"
        );
    }
    let StampRead::Valid(contents) = read_stamp_file(&path).unwrap() else {
        panic!("valid stamp not valid");
    };
    assert_eq!(contents.packages[0].0.to_string(), "terok");
    assert_eq!(contents.packages[0].1.to_string(), "0.6.0");

    // Through a symlink, as Python's stat/open follow it.
    symlink(&path, d.path().join("link")).unwrap();
    assert!(matches!(
        read_stamp_file(&d.path().join("link")).unwrap(),
        StampRead::Valid(_)
    ));
}

// ------------------------------------------------- running as an unprivileged user

const CHILD_ENV: &str = "SETUP_STAMP_TEST_CHILD_DIR";

/// Re-runs the test `name` as `nobody` with `dir` handed over, when root.
/// Returns false when not root (the caller then runs the body directly);
/// when `setpriv` cannot run, the skip is recorded (a failure under CI).
fn run_unprivileged(name: &str, dir: &Path) -> bool {
    if !nix::unistd::geteuid().is_root() {
        return false; // caller runs the body directly
    }
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .status();
    match status {
        Ok(s) => assert!(s.success(), "{name} failed as nobody"),
        Err(e) => setup_stamp_test_support::required(format!("setpriv (util-linux): {e}")),
    }
    true
}

/// The directory handed to a child run, if this is one.
fn child_dir() -> Option<PathBuf> {
    std::env::var_os(CHILD_ENV).map(PathBuf::from)
}

/// Sets up `dir` for a permission case, as root or as the user.
fn shared_dir() -> tempfile::TempDir {
    let d = tempdir();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o777)).unwrap();
    d
}

fn unreadable_body(dir: &Path) {
    let path = dir.join("setup.stamp");
    assert!(matches!(
        read_stamp_file(&path).unwrap(),
        StampRead::Corrupt(CorruptReason::Unreadable(ReadFailure::OpenFailed {
            errno: Errno::EACCES
        }))
    ));
    // A parent that cannot be searched is an error, not a verdict.
    let hidden = dir.join("locked").join("setup.stamp");
    assert_eq!(
        read_stamp_file(&hidden).unwrap_err(),
        StampReadError::Stat {
            path: hidden.clone(),
            errno: Errno::EACCES
        }
    );
}

#[test]
fn mode_000_file_is_corrupt_and_unsearchable_parent_is_error() {
    if let Some(dir) = child_dir() {
        return unreadable_body(&dir);
    }
    let d = shared_dir();
    let path = d.path().join("setup.stamp");
    fs::write(&path, GOOD).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    let locked = d.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if !run_unprivileged(
        "mode_000_file_is_corrupt_and_unsearchable_parent_is_error",
        d.path(),
    ) {
        unreadable_body(d.path());
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).unwrap();
}

fn readonly_dir_body(dir: &Path) {
    let stamp_dir = dir.join("ro");
    let path = stamp_dir.join("setup.stamp");
    let err = write_stamp_file(&path, b"new").unwrap_err();
    assert_eq!(err.errno, Errno::EACCES);
    assert_eq!(err.step, WriteStep::CreateTemporary);
    assert!(
        err.to_string().contains(&*stamp_dir.to_string_lossy()),
        "{err}"
    );
    assert_eq!(fs::read(&path).unwrap(), GOOD);
    assert_eq!(
        leftovers(&stamp_dir, &["setup.stamp"]),
        Vec::<String>::new()
    );
    // Clearing fails too, and says why.
    let err = remove_stamp_file(&path).unwrap_err();
    assert_eq!(err.errno, Errno::EACCES);
    assert!(err.to_string().contains(&*path.to_string_lossy()));

    // Unprivileged, the anonymous temporary is still linked (through /proc).
    let rw = dir.join("rw").join("setup.stamp");
    let events = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        events.borrow_mut().push(e.clone());
        Ok(())
    };
    let options = WriteOptions {
        hook: Some(&hook),
        ..WriteOptions::default()
    };
    write_stamp_file_with(&rw, GOOD, &options).unwrap();
    assert!(events
        .borrow()
        .contains(&WriteEvent::TempCreated { anonymous: true }));
    assert!(matches!(read_stamp_file(&rw).unwrap(), StampRead::Valid(_)));
}

#[test]
fn read_only_directory_write_fails_naming_the_path_and_keeps_the_stamp() {
    if let Some(dir) = child_dir() {
        return readonly_dir_body(&dir);
    }
    let d = shared_dir();
    let ro = d.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::write(ro.join("setup.stamp"), GOOD).unwrap();
    fs::set_permissions(ro.join("setup.stamp"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    if !run_unprivileged(
        "read_only_directory_write_fails_naming_the_path_and_keeps_the_stamp",
        d.path(),
    ) {
        readonly_dir_body(d.path());
    }
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------- writing

#[test]
fn write_round_trip_creates_parents_and_leaves_no_temporary() {
    let d = tempdir();
    let dir = d.path().join("a/b/c");
    let path = dir.join("setup.stamp");
    write_stamp_file(&path, GOOD).unwrap();
    assert!(matches!(
        read_stamp_file(&path).unwrap(),
        StampRead::Valid(_)
    ));
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());

    let umask = current_umask();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&path), 0o666 & !umask);
    assert_eq!(mode(&dir), 0o777 & !umask);
    assert_eq!(mode(&d.path().join("a")), 0o777 & !umask);

    // Replacing keeps exactly one file.
    write_stamp_file(&path, b"second").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"second");
    assert_eq!(leftovers(&dir, &["setup.stamp"]), Vec::<String>::new());
}

#[test]
fn dot_components_in_the_path_are_fine() {
    let d = tempdir();
    let path = d.path().join("./sub/../setup.stamp");
    fs::create_dir(d.path().join("sub")).unwrap();
    write_stamp_file(&path, GOOD).unwrap();
    assert_eq!(fs::read(d.path().join("setup.stamp")).unwrap(), GOOD);
}

const CWD_ENV: &str = "SETUP_STAMP_TEST_CHILD_CWD";

#[test]
fn bare_file_name_writes_into_the_current_directory() {
    if std::env::var_os(CWD_ENV).is_some() {
        // Child: the current directory is a fresh temporary directory.
        let path = Path::new("setup.stamp");
        write_stamp_file(path, GOOD).unwrap();
        assert!(matches!(
            read_stamp_file(path).unwrap(),
            StampRead::Valid(_)
        ));
        assert_eq!(remove_stamp_file(path), Ok(true));
        write_stamp_file(Path::new("new/setup.stamp"), GOOD).unwrap();
        return;
    }
    let d = tempdir();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "bare_file_name_writes_into_the_current_directory",
            "--test-threads=1",
        ])
        .env(CWD_ENV, "1")
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(fs::read(d.path().join("new/setup.stamp")).unwrap(), GOOD);
    assert_eq!(leftovers(d.path(), &["new"]), Vec::<String>::new());
}

#[test]
fn concurrent_writers_never_disturb_each_other() {
    for anonymous in [true, false] {
        let d = tempdir();
        let path = d.path().join("setup.stamp");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let body = format!("writer {i}");
                    let options = WriteOptions {
                        anonymous_temp: anonymous,
                        file_mode: 0o666,
                        hook: None,
                    };
                    for _ in 0..25 {
                        write_stamp_file_with(&path, body.as_bytes(), &options).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let last = String::from_utf8(fs::read(&path).unwrap()).unwrap();
        assert!(last.starts_with("writer "), "{last}");
        assert_eq!(leftovers(d.path(), &["setup.stamp"]), Vec::<String>::new());
    }
}

#[test]
fn fallback_named_temporary_round_trip() {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    let events = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        events.borrow_mut().push(e.clone());
        Ok(())
    };
    let options = WriteOptions {
        anonymous_temp: false,
        file_mode: 0o666,
        hook: Some(&hook),
    };
    write_stamp_file_with(&path, GOOD, &options).unwrap();
    assert_eq!(fs::read(&path).unwrap(), GOOD);
    assert_eq!(leftovers(d.path(), &["setup.stamp"]), Vec::<String>::new());
    assert!(events
        .borrow()
        .contains(&WriteEvent::TempCreated { anonymous: false }));
}

/// The steps of a successful write, in order, with the temporary's name
/// replaced by `TempNamed("")`.
fn recorded_steps(anonymous: bool) -> Vec<WriteEvent> {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    let events = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        let e = match e {
            WriteEvent::TempNamed(name) => {
                let name = name.to_string_lossy();
                assert!(name.starts_with(".setup.stamp.") && name.ends_with(".tmp"));
                WriteEvent::TempNamed("".into())
            }
            other => other.clone(),
        };
        events.borrow_mut().push(e);
        Ok(())
    };
    let options = WriteOptions {
        anonymous_temp: anonymous,
        file_mode: 0o666,
        hook: Some(&hook),
    };
    write_stamp_file_with(&path, GOOD, &options).unwrap();
    events.into_inner()
}

#[test]
fn file_and_directory_are_synced_before_success() {
    for anonymous in [true, false] {
        let steps = recorded_steps(anonymous);
        assert_eq!(
            steps,
            [
                WriteEvent::TempCreated { anonymous },
                WriteEvent::TempLocked,
                WriteEvent::DataWritten,
                WriteEvent::FileSynced,
                WriteEvent::TempNamed("".into()),
                WriteEvent::Renamed,
                WriteEvent::DirectorySynced,
            ],
            "anonymous={anonymous}"
        );
    }
}

#[test]
fn created_directories_are_synced_in_their_parents() {
    let d = tempdir();
    let path = d.path().join("x/y/setup.stamp");
    let events = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        events.borrow_mut().push(e.clone());
        Ok(())
    };
    let options = WriteOptions {
        hook: Some(&hook),
        ..WriteOptions::default()
    };
    write_stamp_file_with(&path, GOOD, &options).unwrap();
    let events = events.into_inner();
    let synced: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            WriteEvent::CreatedDirectorySynced(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(synced, [d.path().join("x"), d.path().to_owned()]);
    assert_eq!(events[0], WriteEvent::DirectoryCreated(d.path().join("x")));
    assert_eq!(
        events[1],
        WriteEvent::DirectoryCreated(d.path().join("x/y"))
    );
}

#[test]
fn a_failure_at_any_step_keeps_the_old_stamp_and_no_temporary() {
    for anonymous in [true, false] {
        let steps = recorded_steps(anonymous);
        for (i, fail_at) in steps.iter().enumerate() {
            let d = tempdir();
            let path = d.path().join("setup.stamp");
            fs::write(&path, b"old").unwrap();
            let hook = |e: &WriteEvent| {
                let e = match e {
                    WriteEvent::TempNamed(_) => WriteEvent::TempNamed("".into()),
                    other => other.clone(),
                };
                if e == *fail_at {
                    Err(Errno::EIO)
                } else {
                    Ok(())
                }
            };
            let options = WriteOptions {
                anonymous_temp: anonymous,
                file_mode: 0o666,
                hook: Some(&hook),
            };
            let err = write_stamp_file_with(&path, b"new", &options).unwrap_err();
            assert_eq!(err.errno, Errno::EIO);
            let replaced = i
                >= steps
                    .iter()
                    .position(|e| *e == WriteEvent::Renamed)
                    .unwrap();
            if replaced {
                assert_eq!(err.step, WriteStep::SyncDirectory, "{fail_at:?}");
                assert_eq!(fs::read(&path).unwrap(), b"new");
            } else {
                assert_ne!(err.step, WriteStep::SyncDirectory, "{fail_at:?}");
                assert_eq!(fs::read(&path).unwrap(), b"old", "{fail_at:?}");
            }
            assert_eq!(
                leftovers(d.path(), &["setup.stamp"]),
                Vec::<String>::new(),
                "{fail_at:?} anonymous={anonymous}"
            );
        }
    }
}

#[test]
fn planted_reference_temp_symlink_is_never_touched() {
    let d = tempdir();
    let victim = d.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    let path = d.path().join("setup.stamp");
    symlink(&victim, d.path().join("setup.stamp.tmp")).unwrap();
    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: None,
        };
        write_stamp_file_with(&path, GOOD, &options).unwrap();
    }
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(fs::symlink_metadata(d.path().join("setup.stamp.tmp"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(&path).unwrap(), GOOD);
}

#[test]
fn planted_files_at_our_temporary_names_are_not_followed_and_do_not_block() {
    let d = tempdir();
    let p = d.path().to_owned();
    let victim = p.join("victim");
    fs::write(&victim, b"precious").unwrap();
    let link = p.join(".setup.stamp.0123456789abcdef.tmp");
    symlink(&victim, &link).unwrap();
    let fifo = p.join(".setup.stamp.fedcba9876543210.tmp");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let path = p.join("setup.stamp");
    within(10, move || write_stamp_file(&path, GOOD).unwrap());
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(&fifo).is_ok());
    assert_eq!(fs::read(p.join("setup.stamp")).unwrap(), GOOD);
}

#[test]
fn stale_temporaries_are_removed_unless_a_live_writer_holds_them() {
    use nix::fcntl::{Flock, FlockArg};
    let d = tempdir();
    let stale = d.path().join(".setup.stamp.00000000000000aa.tmp");
    let live = d.path().join(".setup.stamp.00000000000000bb.tmp");
    let foreign = d.path().join(".other.00000000000000cc.tmp");
    fs::write(&stale, b"half").unwrap();
    fs::write(&live, b"busy").unwrap();
    fs::write(&foreign, b"not ours").unwrap();
    let held = Flock::lock(fs::File::open(&live).unwrap(), FlockArg::LockExclusive).unwrap();

    let events = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        events.borrow_mut().push(e.clone());
        Ok(())
    };
    let options = WriteOptions {
        hook: Some(&hook),
        ..WriteOptions::default()
    };
    write_stamp_file_with(&d.path().join("setup.stamp"), GOOD, &options).unwrap();
    assert!(!stale.exists());
    assert!(live.exists());
    assert!(foreign.exists());
    assert!(events
        .borrow()
        .contains(&WriteEvent::StaleRemoved(stale.file_name().unwrap().into())));
    drop(held);
}

#[test]
fn directory_at_stamp_path_is_an_error() {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    fs::create_dir(&path).unwrap();
    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: None,
        };
        let err = write_stamp_file_with(&path, GOOD, &options).unwrap_err();
        assert_eq!(err.step, WriteStep::Replace);
        assert_eq!(err.errno, Errno::EISDIR);
        assert_eq!(
            err.to_string(),
            format!("cannot replace {}: EISDIR: Is a directory", path.display())
        );
        assert!(path.is_dir());
        assert_eq!(leftovers(d.path(), &["setup.stamp"]), Vec::<String>::new());
    }
}

#[test]
fn parent_path_that_is_a_file_is_an_error() {
    let d = tempdir();
    fs::write(d.path().join("file"), b"x").unwrap();
    let direct = d.path().join("file").join("setup.stamp");
    let err = write_stamp_file(&direct, GOOD).unwrap_err();
    assert_eq!(err.step, WriteStep::CreateDirectory);
    assert_eq!(err.errno, Errno::EEXIST);
    assert_eq!(err.path, d.path().join("file"));
    let deeper = d.path().join("file").join("sub").join("setup.stamp");
    let err = write_stamp_file(&deeper, GOOD).unwrap_err();
    assert_eq!(err.step, WriteStep::CreateDirectory);
    assert_eq!(err.errno, Errno::ENOTDIR);
    assert!(err.to_string().starts_with("cannot create directory "));
}

#[test]
fn symlinked_stamp_is_replaced_not_written_through() {
    // Like the reference's Path.replace: the link itself is replaced.
    let d = tempdir();
    let target = d.path().join("target");
    fs::write(&target, b"old").unwrap();
    let path = d.path().join("setup.stamp");
    symlink(&target, &path).unwrap();
    write_stamp_file(&path, GOOD).unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"old");
    assert!(!fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn path_without_file_name_is_an_error() {
    let err = write_stamp_file(Path::new("/"), GOOD).unwrap_err();
    assert_eq!(err.step, WriteStep::NoFileName);
}

// ---------------------------------------------------------------- removing

#[test]
fn remove_reports_whether_a_file_was_removed() {
    let d = tempdir();
    let path = d.path().join("setup.stamp");
    assert_eq!(remove_stamp_file(&path), Ok(false));
    fs::write(&path, GOOD).unwrap();
    assert_eq!(remove_stamp_file(&path), Ok(true));
    assert!(!path.exists());
    assert_eq!(remove_stamp_file(&path), Ok(false));

    fs::create_dir(&path).unwrap();
    let err = remove_stamp_file(&path).unwrap_err();
    assert_eq!(err.errno, Errno::EISDIR);
    assert!(err.to_string().contains("EISDIR"));

    fs::write(d.path().join("file"), b"x").unwrap();
    let err = remove_stamp_file(&d.path().join("file/setup.stamp")).unwrap_err();
    assert_eq!(err.errno, Errno::ENOTDIR);

    // A dangling symlink is a file to unlink.
    let link = d.path().join("link");
    symlink(d.path().join("nowhere"), &link).unwrap();
    assert_eq!(remove_stamp_file(&link), Ok(true));
}
