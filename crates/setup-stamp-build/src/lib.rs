//! Build-script support: link GCC's unwinder statically on `*-linux-gnu`.
//!
//! Rust's standard library refers to `_Unwind_*` (backtraces, landing pads),
//! and on `*-linux-gnu` rustc satisfies them with `-lgcc_s`, so every start
//! of the `setup-stamp` binary and every import of the Python extension would
//! also load `libgcc_s.so.1`. Loading it is a large share of what either
//! costs: the library's constructor runs `cpuid` a dozen times (each one a
//! trap to the hypervisor on a virtual machine) on top of mapping and symbol
//! binding. Measured on a 2-core VM (BENCHMARKS.md): the extension's native
//! module loads in 0.15–0.20 ms instead of 0.32–0.37 ms, and a whole
//! `setup-stamp check` process takes 1.02 ms instead of 1.13 ms.
//!
//! [`link_unwinder_statically`] puts a one-line linker script named
//! `libgcc_s.so` first on the library search path; it stands for
//! `libgcc_eh.a`, the static unwinder that `gcc -static-libgcc` links into
//! programs and shared libraries. Release builds use `panic = "abort"`, so
//! the unwinder serves backtraces; test builds unwind as usual.
//!
//! Nothing changes when the toolchain has no `libgcc_eh.a` (the C compiler is
//! asked for its path), for other targets or `crt-static` builds, or when
//! `SETUP_STAMP_DYNAMIC_LIBGCC` is set in the environment.
//!
//! ```no_run
//! // The whole of a crate's `build.rs` is this call, in `fn main`:
//! setup_stamp_build::link_unwinder_statically();
//! ```

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Arrange for the crate being built to link `libgcc_eh.a` instead of
/// `libgcc_s.so.1`; call it from `build.rs`. Prints cargo directives only.
///
/// The crate's code (tests included) sees the outcome in the compile-time
/// variable `SETUP_STAMP_UNWINDER`: `static` when arranged, `dynamic` when
/// not (with a cargo warning saying why, where it is unexpected).
pub fn link_unwinder_statically() {
    println!("cargo:rerun-if-env-changed=SETUP_STAMP_DYNAMIC_LIBGCC");
    println!("cargo:rerun-if-env-changed=CC");
    let arranged = arrange();
    println!(
        "cargo:rustc-env=SETUP_STAMP_UNWINDER={}",
        if arranged { "static" } else { "dynamic" }
    );
}

/// Writes the linker script and adds its directory to the search path;
/// whether it did.
fn arrange() -> bool {
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let static_crt = env::var("CARGO_CFG_TARGET_FEATURE")
        .unwrap_or_default()
        .split(',')
        .any(|feature| feature == "crt-static");
    if target_os != "linux"
        || target_env != "gnu"
        || static_crt
        || env::var_os("SETUP_STAMP_DYNAMIC_LIBGCC").is_some()
    {
        return false;
    }
    let Some(unwinder) = static_unwinder() else {
        println!("cargo:warning=libgcc_eh.a not found; linking libgcc_s.so.1 dynamically");
        return false;
    };
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let dir = out_dir.join("static-libgcc");
    let Some(script) = linker_script(&unwinder) else {
        println!("cargo:warning=cannot quote {unwinder:?} in a linker script; linking libgcc_s.so.1 dynamically");
        return false;
    };
    if fs::create_dir_all(&dir).is_err() || fs::write(dir.join("libgcc_s.so"), script).is_err() {
        println!("cargo:warning=could not write the libgcc_s linker script; linking libgcc_s.so.1 dynamically");
        return false;
    }
    println!("cargo:rustc-link-search=native={}", dir.display());
    true
}

/// The absolute path of `libgcc_eh.a` as the C compiler (the linker driver)
/// reports it, if it exists.
fn static_unwinder() -> Option<PathBuf> {
    let compiler = env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let output = Command::new(compiler)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let printed = String::from_utf8(output.stdout).ok()?;
    let path = Path::new(printed.trim());
    // An unknown file name is printed back unchanged (not absolute).
    (path.is_absolute() && path.is_file()).then(|| path.to_path_buf())
}

/// The linker script that stands for `archive`: `INPUT("<archive>")`, or
/// `None` when the path cannot be written there (not UTF-8, or holding a
/// double quote or a newline, which the script syntax cannot escape).
fn linker_script(archive: &Path) -> Option<String> {
    let text = archive.to_str()?;
    if text.contains(['"', '\n', '\r']) {
        return None;
    }
    Some(format!("INPUT(\"{text}\")\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linker_script_quotes_the_archive() {
        assert_eq!(
            linker_script(Path::new("/usr/lib/gcc/x86_64-linux-gnu/12/libgcc_eh.a")).as_deref(),
            Some("INPUT(\"/usr/lib/gcc/x86_64-linux-gnu/12/libgcc_eh.a\")\n")
        );
        assert_eq!(
            linker_script(Path::new("/opt/my gcc (x)/libgcc_eh.a")).as_deref(),
            Some("INPUT(\"/opt/my gcc (x)/libgcc_eh.a\")\n")
        );
        assert_eq!(linker_script(Path::new("/odd\"dir/libgcc_eh.a")), None);
        assert_eq!(linker_script(Path::new("/odd\ndir/libgcc_eh.a")), None);
    }
}
