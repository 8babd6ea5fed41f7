//! Passwd home directories (`pw_dir`), found as Python's `pwd` module finds
//! them: through the system C library's name service switch (NSS).
//!
//! Python's `os.path.expanduser` asks `pwd.getpwuid(os.getuid())` when
//! `HOME` is unset and `pwd.getpwnam(name)` for `~name`; both call glibc's
//! `getpwuid_r`/`getpwnam_r`, which consult `/etc/nsswitch.conf` and load the
//! configured modules (`files` is built in; `systemd`, `sss`, `ldap` are
//! shared libraries). In a dynamically linked process (the Python
//! extension, a dynamically linked `setup-stamp`) the library makes the same
//! calls, through `nix`.
//!
//! A statically linked `setup-stamp` (what the command's build links by
//! default, to start faster) carries its own copy of the C library: it
//! could only load the system's shared NSS modules if they came from the
//! very glibc version it was built with, and with musl it has no NSS at
//! all. So a statically linked process asks the system's own `getent
//! passwd` (a dynamically linked program of the system's C library, the
//! same look-up Python makes) and reads `pw_dir` from its answer; only when
//! `getent` cannot answer (not installed, killed, unreadable output) does it
//! fall back to its own C library's look-up. This costs a process start, but
//! only on the rare paths that need a passwd entry (`HOME` unset or not
//! absolute, `~name`): the common path never reads passwd.
//!
//! Whether the process is statically linked is read from the kernel's
//! auxiliary vector (`AT_BASE`, the program interpreter's load address, is
//! 0 without one), once, when a look-up is first needed.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A passwd entry, as Python's `pwd.struct_passwd` shows it (without the
/// password and gecos fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Passwd {
    /// `pw_name`.
    pub name: Vec<u8>,
    /// `pw_uid`.
    pub uid: u32,
    /// `pw_gid`.
    pub gid: u32,
    /// `pw_dir`.
    pub dir: OsString,
    /// `pw_shell`.
    pub shell: OsString,
}

/// The passwd home of `uid` (`getpwuid`), or `None` when it has no entry.
pub(crate) fn home_of_uid(uid: u32) -> Option<OsString> {
    entry_of_uid(uid).map(|entry| entry.dir)
}

/// The passwd home of the user `name` (`getpwnam`), or `None` when unknown.
///
/// Names that are not UTF-8 or hold a NUL are treated as unknown users
/// (Python would look the raw bytes up).
pub(crate) fn home_of_name(name: &OsStr) -> Option<OsString> {
    entry_of_name(name).map(|entry| entry.dir)
}

/// `getpwuid(uid)`, as Python's `pwd` module would answer it.
pub(crate) fn entry_of_uid(uid: u32) -> Option<Passwd> {
    if statically_linked() {
        match getent(uid.to_string().as_bytes()) {
            Answer::Found(entry) if entry.uid == uid => return Some(entry),
            Answer::NotFound => return None,
            _ => {}
        }
    }
    in_process(nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)))
}

/// `getpwnam(name)`, as Python's `pwd` module would answer it (names that
/// are not UTF-8 or hold a NUL: no entry).
pub(crate) fn entry_of_name(name: &OsStr) -> Option<Passwd> {
    let text = std::str::from_utf8(name.as_bytes()).ok()?;
    if text.contains('\0') {
        return None;
    }
    if statically_linked() {
        match getent(name.as_bytes()) {
            // `getent passwd 123` looks up the uid 123, not the name "123":
            // an entry whose name differs is not an answer for the name.
            Answer::Found(entry) if entry.name == name.as_bytes() => return Some(entry),
            Answer::NotFound if !is_number(name.as_bytes()) => return None,
            _ => {}
        }
    }
    in_process(nix::unistd::User::from_name(text))
}

fn in_process(user: nix::Result<Option<nix::unistd::User>>) -> Option<Passwd> {
    match user {
        Ok(Some(user)) => Some(Passwd {
            name: user.name.into_bytes(),
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
            dir: user.dir.into_os_string(),
            shell: user.shell.into_os_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
fn in_process_uid(uid: u32) -> Option<OsString> {
    in_process(nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))).map(|e| e.dir)
}

#[cfg(test)]
fn in_process_name(name: &str) -> Option<OsString> {
    in_process(nix::unistd::User::from_name(name)).map(|e| e.dir)
}

/// Does this process run without a program interpreter (statically linked)?
fn statically_linked() -> bool {
    static STATIC: OnceLock<bool> = OnceLock::new();
    *STATIC.get_or_init(|| match std::fs::read("/proc/self/auxv") {
        Ok(auxv) => interpreter_base(&auxv) == Some(0),
        Err(_) => cfg!(target_feature = "crt-static"),
    })
}

/// `AT_BASE` from an auxiliary vector (native-endian `(type, value)` pairs
/// of machine words, ending with `AT_NULL`).
fn interpreter_base(auxv: &[u8]) -> Option<u64> {
    const AT_NULL: u64 = 0;
    const AT_BASE: u64 = 7;
    const WORD: usize = std::mem::size_of::<usize>();
    let word = |bytes: &[u8]| -> Option<u64> {
        let mut buf = [0u8; WORD];
        buf.copy_from_slice(bytes.get(..WORD)?);
        Some(usize::from_ne_bytes(buf) as u64)
    };
    for pair in auxv.chunks_exact(2 * WORD) {
        match word(pair)? {
            AT_NULL => return None,
            AT_BASE => return word(&pair[WORD..]),
            _ => {}
        }
    }
    None
}

/// What `getent passwd KEY` said.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Found(Passwd),
    /// Exit status 2: the database has no such key.
    NotFound,
    /// No `getent`, or an answer that cannot be read: ask the C library.
    Unknown,
}

/// Where the system keeps `getent` (glibc's `libc-bin`, musl-utils); a
/// fixed list, so that `PATH` does not choose the program.
const GETENT: &[&str] = &["/usr/bin/getent", "/bin/getent"];

fn getent(key: &[u8]) -> Answer {
    let Some(program) = GETENT
        .iter()
        .find(|path| std::path::Path::new(path).is_file())
    else {
        return Answer::Unknown;
    };
    let output = Command::new(program)
        .arg("passwd")
        .arg("--")
        .arg(OsStr::from_bytes(key))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(output) => answer(output.status.code(), &output.stdout),
        Err(_) => Answer::Unknown,
    }
}

/// Reads `getent`'s exit status and output: one line
/// `name:password:uid:gid:gecos:dir:shell` (glibc's `putpwent` refuses
/// fields holding `:` or a newline, so the fields split cleanly).
fn answer(code: Option<i32>, stdout: &[u8]) -> Answer {
    match code {
        Some(0) => {}
        Some(2) => return Answer::NotFound,
        _ => return Answer::Unknown,
    }
    let Some(line) = stdout.strip_suffix(b"\n") else {
        return Answer::Unknown;
    };
    if line.contains(&b'\n') {
        return Answer::Unknown;
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == b':').collect();
    if fields.len() != 7 {
        return Answer::Unknown;
    }
    let number = |field: &[u8]| std::str::from_utf8(field).ok()?.parse::<u32>().ok();
    let (Some(uid), Some(gid)) = (number(fields[2]), number(fields[3])) else {
        return Answer::Unknown;
    };
    Answer::Found(Passwd {
        name: fields[0].to_vec(),
        uid,
        gid,
        dir: OsString::from_vec(fields[5].to_vec()),
        shell: OsString::from_vec(fields[6].to_vec()),
    })
}

fn is_number(key: &[u8]) -> bool {
    !key.is_empty() && key.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, uid: u32, home: &str, shell: &str) -> Answer {
        Answer::Found(Passwd {
            name: name.as_bytes().to_vec(),
            uid,
            gid: uid,
            dir: OsString::from(home),
            shell: OsString::from(shell),
        })
    }

    #[test]
    fn getent_answers_are_read() {
        assert_eq!(
            answer(Some(0), b"me:x:1000:1000:Me,,,:/home/me:/bin/bash\n"),
            entry("me", 1000, "/home/me", "/bin/bash")
        );
        assert_eq!(
            answer(Some(0), b"svc:*:61234:61234:::/usr/sbin/nologin\n"),
            entry("svc", 61234, "", "/usr/sbin/nologin")
        );
        assert_eq!(answer(Some(2), b""), Answer::NotFound);
        // Anything else is not an answer: ask the C library instead.
        assert_eq!(answer(Some(1), b""), Answer::Unknown);
        assert_eq!(answer(None, b""), Answer::Unknown);
        assert_eq!(answer(Some(0), b""), Answer::Unknown);
        assert_eq!(
            answer(Some(0), b"me:x:1000:1000::/home/me:/bin/sh"),
            Answer::Unknown
        );
        assert_eq!(
            answer(Some(0), b"a:x:1:1::/a:/bin/sh\nb:x:1:1::/b:/bin/sh\n"),
            Answer::Unknown
        );
        assert_eq!(
            answer(Some(0), b"me:x:1000:1000:a:b:/home/me:/bin/sh\n"),
            Answer::Unknown
        );
    }

    #[test]
    fn non_utf8_homes_are_kept_as_bytes() {
        let Answer::Found(found) = answer(Some(0), b"u:x:5:5::/home/\xff:/bin/sh\n") else {
            panic!("not found");
        };
        assert_eq!(found.dir.as_bytes(), b"/home/\xff");
    }

    #[test]
    fn the_interpreter_base_is_read_from_the_auxiliary_vector() {
        let vector = |pairs: &[(usize, usize)]| -> Vec<u8> {
            pairs
                .iter()
                .flat_map(|&(k, v)| [k.to_ne_bytes(), v.to_ne_bytes()].concat())
                .collect()
        };
        assert_eq!(
            interpreter_base(&vector(&[(6, 4096), (7, 0x7f00), (0, 0)])),
            Some(0x7f00)
        );
        assert_eq!(
            interpreter_base(&vector(&[(6, 4096), (7, 0), (0, 0)])),
            Some(0)
        );
        assert_eq!(
            interpreter_base(&vector(&[(6, 4096), (0, 0), (7, 1)])),
            None
        );
        assert_eq!(interpreter_base(&[]), None);
    }

    #[test]
    fn this_test_process_knows_how_it_is_linked() {
        // Test binaries are linked dynamically (only the command's binary is
        // linked statically), unless the whole build is static.
        assert_eq!(statically_linked(), cfg!(target_feature = "crt-static"));
    }

    #[test]
    fn both_routes_agree_on_this_machine() {
        if !GETENT
            .iter()
            .any(|path| std::path::Path::new(path).is_file())
        {
            return;
        }
        // getent and the C library read the same databases here.
        let uid = nix::unistd::getuid().as_raw();
        if let Answer::Found(found) = getent(uid.to_string().as_bytes()) {
            assert_eq!(Some(found.dir.clone()), in_process_uid(uid));
            let whole = in_process(nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)));
            assert_eq!(Some(found), whole);
        }
        if let Answer::Found(found) = getent(b"root") {
            assert_eq!(Some(found.dir), in_process_name("root"));
        }
        assert_eq!(getent(b"no-such-user-for-setup-stamp"), Answer::NotFound);
    }

    #[test]
    fn numbers_are_told_from_names() {
        assert!(is_number(b"123"));
        assert!(!is_number(b""));
        assert!(!is_number(b"1a"));
        assert!(!is_number(b"-1"));
    }
}
