//! The process entry point on `*-linux-gnu`: the C library calls `main`
//! here directly, without the Rust runtime's start-up (`#![no_main]`).
//!
//! Why: on the machine of BENCHMARKS.md the runtime's start-up and exit cost
//! about 0.1 ms per process (a `fn main() {}` built statically takes 0.95 ms
//! where the same without the runtime takes 0.83 ms and `/bin/true` 0.97
//! ms): most of it is finding the main thread's stack for the stack-overflow
//! handler, which glibc answers by reading and parsing `/proc/self/maps`,
//! then an alternate signal stack mapped and unmapped again. For a command
//! that shell prompts and `ExecCondition=` run at every start, that is a
//! tenth of what a process costs here.
//!
//! What the runtime's start does, and what this entry does instead:
//!
//! - standard descriptors 0–2 that are closed are opened on `/dev/null`
//!   (read-write, inherited by children), so that no file the command
//!   opens can become its standard output: **kept**, the same way;
//! - `SIGPIPE` is ignored, so that writing to a closed pipe fails with
//!   `EPIPE` (which the command's output ignores, keeping the verdict's exit
//!   code) instead of killing the process: **kept**; children still start
//!   with the default action (`std::process::Command` resets it);
//! - the main thread's stack guard and `SIGSEGV`/`SIGBUS` handler, which
//!   turn a stack overflow into a message and an abort: **dropped**; a
//!   stack overflow (no input reaches one: every recursive parser here is
//!   depth-limited) would end the process with `SIGSEGV` instead;
//! - the main thread's name (`main` in a panic message): dropped; a panic
//!   still prints its message and ends the process with status 101 (or
//!   aborts, with `panic = "abort"` in release builds), as before;
//! - at exit, standard output is flushed: **kept**.
//!
//! The arguments are there regardless: glibc passes them to the standard
//! library's initialiser before `main` (which is why this entry is used on
//! `*-linux-gnu` only). Test builds keep the ordinary entry.

use std::ffi::{c_char, c_int};
use std::io::Write;
use std::os::fd::{AsFd, IntoRawFd};

use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::sys::signal::{signal, SigHandler, Signal};

/// Called by the C library's start-up code as `main(argc, argv)`.
// SAFETY (of the attribute): this crate defines no other `main` symbol
// under `#![no_main]`, and the signature is the one the C library calls.
#[export_name = "main"]
extern "C" fn c_main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    standard_descriptors();
    // SAFETY: SIG_IGN runs no code in the handler's context, and nothing
    // else in the process installs signal handlers.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigIgn) };
    let code = std::panic::catch_unwind(crate::status).unwrap_or(101);
    let _ = std::io::stdout().flush();
    c_int::from(code)
}

/// Opens `/dev/null` for each closed standard descriptor, lowest first (so
/// that each open lands on the descriptor it replaces), as the Rust
/// runtime does; aborts when it cannot.
fn standard_descriptors() {
    let closed = |fd: std::os::fd::BorrowedFd<'_>| {
        matches!(fcntl(fd, FcntlArg::F_GETFD), Err(nix::errno::Errno::EBADF))
    };
    let missing = [
        closed(std::io::stdin().as_fd()),
        closed(std::io::stdout().as_fd()),
        closed(std::io::stderr().as_fd()),
    ];
    for _ in missing.iter().filter(|&&closed| closed) {
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null");
        let Ok(null) = null else {
            std::process::abort();
        };
        // Inherited by children, like the descriptor it stands for.
        if fcntl(&null, FcntlArg::F_SETFD(FdFlag::empty())).is_err() {
            std::process::abort();
        }
        let _ = null.into_raw_fd();
    }
}
