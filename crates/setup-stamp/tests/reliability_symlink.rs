//! Symlink safety: nothing planted in the stamp's directory can redirect a
//! write. Temporary names are unique and unpredictable (64 random bits),
//! temporaries are created exclusively (`O_TMPFILE`, or `O_CREAT | O_EXCL |
//! O_NOFOLLOW`) and never opened through a symlink, and the reference's
//! fixed `setup.stamp.tmp` is never touched.
//!
//! `stamp_file.rs` checks single planted symlinks, FIFOs and stale files at
//! guessed names; this file checks the randomness of the names and an
//! attacker racing the writer, replacing every temporary it can see with a
//! symlink to a victim file.

mod reliability_support;

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reliability_support::stamp_body;
use setup_stamp::stamp::{write_stamp_file_with, WriteEvent, WriteOptions};

#[test]
fn temporary_names_are_unique_and_unpredictable() {
    let d = tempfile::tempdir().expect("tempdir");
    let path = d.path().join("setup.stamp");
    let names = RefCell::new(Vec::new());
    let hook = |e: &WriteEvent| {
        if let WriteEvent::TempNamed(name) = e {
            names.borrow_mut().push(name.as_bytes().to_vec());
        }
        Ok(())
    };
    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: Some(&hook),
        };
        for seq in 0..1000 {
            write_stamp_file_with(&path, stamp_body(0, seq).as_bytes(), &options).expect("write");
        }
    }
    let names = names.into_inner();
    assert_eq!(names.len(), 2000);
    let distinct: HashSet<&Vec<u8>> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "a temporary name repeated");
    // `.setup.stamp.` + 16 lower-case hex digits + `.tmp`, and every digit
    // position takes (nearly) all 16 values: no counter, no timestamp.
    let prefix = b".setup.stamp.";
    let mut seen = [[false; 16]; 16];
    for name in &names {
        assert!(name.starts_with(prefix) && name.ends_with(b".tmp"));
        let digits = &name[prefix.len()..name.len() - 4];
        assert_eq!(digits.len(), 16, "{}", String::from_utf8_lossy(name));
        for (i, d) in digits.iter().enumerate() {
            let v = (*d as char).to_digit(16).expect("hex digit") as usize;
            assert!(!d.is_ascii_uppercase());
            seen[i][v] = true;
        }
    }
    for (i, values) in seen.iter().enumerate() {
        let count = values.iter().filter(|&&s| s).count();
        assert!(count >= 15, "digit {i} took only {count} values");
    }
}

#[test]
fn an_attacker_racing_the_writer_cannot_redirect_a_write() {
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().join("state");
    fs::create_dir(&dir).expect("mkdir");
    let outside = d.path().join("outside");
    fs::create_dir(&outside).expect("mkdir");
    let victim = outside.join("victim");
    fs::write(&victim, b"precious").expect("victim");
    // The reference's fixed temporary name, pointing at the victim.
    symlink(&victim, dir.join("setup.stamp.tmp")).expect("plant");

    let stop = Arc::new(AtomicBool::new(false));
    let attacker = {
        let (dir, victim, stop) = (dir.clone(), victim.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut swapped = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let Ok(entries) = fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    if name.as_bytes().starts_with(b".setup.stamp.")
                        && entry.file_type().is_ok_and(|t| t.is_file())
                    {
                        let p = dir.join(&name);
                        if fs::remove_file(&p).is_ok() && symlink(&victim, &p).is_ok() {
                            swapped += 1;
                        }
                    }
                }
            }
            swapped
        })
    };

    let path = dir.join("setup.stamp");
    let (mut ok, mut failed) = (0u64, 0u64);
    for anonymous in [true, false] {
        let options = WriteOptions {
            anonymous_temp: anonymous,
            file_mode: 0o666,
            hook: None,
        };
        for seq in 0..150 {
            match write_stamp_file_with(&path, stamp_body(1, seq).as_bytes(), &options) {
                Ok(()) => ok += 1,
                // Someone with write access to the directory can make a
                // write fail; that is all they can do.
                Err(_) => failed += 1,
            }
            assert_eq!(fs::read(&victim).expect("victim"), b"precious");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swapped = attacker.join().expect("attacker");
    println!(
        "symlink race: writes ok={ok} failed={failed} temporaries swapped for symlinks={swapped}"
    );
    assert_eq!(fs::read(&victim).expect("victim"), b"precious");
    assert_eq!(
        fs::read_dir(&outside).expect("outside").count(),
        1,
        "a file appeared outside the stamp directory"
    );
    assert!(fs::symlink_metadata(dir.join("setup.stamp.tmp"))
        .expect("planted link")
        .file_type()
        .is_symlink());
    assert!(ok > 0);
}
