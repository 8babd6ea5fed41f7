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
//! Nothing changes when the toolchain has no `libgcc_eh.a` (the target's C
//! compiler is asked for its path, found as the `cc` crate finds it), when
//! cross-compiling with no C compiler named for the target (the host's
//! archive would be of the wrong architecture), for other targets or
//! `crt-static` builds, or when `SETUP_STAMP_DYNAMIC_LIBGCC` is set in the
//! environment.
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
    println!("cargo:rerun-if-env-changed=TARGET_CC");
    if let Ok(target) = env::var("TARGET") {
        println!("cargo:rerun-if-env-changed=CC_{target}");
        println!("cargo:rerun-if-env-changed=CC_{}", target.replace('-', "_"));
    }
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
    let Some(compiler) = target_compiler(|name| env::var(name).ok()) else {
        println!("cargo:warning=no C compiler named for the target (CC_<target>, TARGET_CC or CC); linking libgcc_s.so.1 dynamically");
        return false;
    };
    let Some(unwinder) = static_unwinder(&compiler) else {
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

/// The C compiler for the target, looked up as the `cc` crate does:
/// `CC_<target>`, `CC_<target with underscores>`, `TARGET_CC`, `CC`; else
/// `cc` when building for the host, and `None` when cross-compiling.
fn target_compiler(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let target = var("TARGET").unwrap_or_default();
    let names = [
        format!("CC_{target}"),
        format!("CC_{}", target.replace('-', "_")),
        "TARGET_CC".to_owned(),
        "CC".to_owned(),
    ];
    if let Some(compiler) = names
        .iter()
        .find_map(|name| var(name).filter(|value| !value.is_empty()))
    {
        return Some(compiler);
    }
    (var("HOST") == Some(target)).then(|| "cc".to_owned())
}

/// The absolute path of `libgcc_eh.a` as `compiler` (the linker driver)
/// reports it, if it exists.
fn static_unwinder(compiler: &str) -> Option<PathBuf> {
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

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn the_target_compiler_is_found_as_cc_finds_it() {
        let native = [
            ("TARGET", "x86_64-unknown-linux-gnu"),
            ("HOST", "x86_64-unknown-linux-gnu"),
        ];
        assert_eq!(target_compiler(lookup(&native)).as_deref(), Some("cc"));
        let with_cc = [native[0], native[1], ("CC", "gcc-12")];
        assert_eq!(target_compiler(lookup(&with_cc)).as_deref(), Some("gcc-12"));
        let cross = [
            ("TARGET", "aarch64-unknown-linux-gnu"),
            ("HOST", "x86_64-unknown-linux-gnu"),
        ];
        assert_eq!(target_compiler(lookup(&cross)), None);
        let cross_named = [
            cross[0],
            cross[1],
            ("TARGET_CC", "aarch64-linux-gnu-gcc"),
            ("CC", "gcc"),
        ];
        assert_eq!(
            target_compiler(lookup(&cross_named)).as_deref(),
            Some("aarch64-linux-gnu-gcc")
        );
        let cross_underscores = [
            cross[0],
            cross[1],
            ("CC_aarch64_unknown_linux_gnu", "a-gcc"),
            ("TARGET_CC", "t-gcc"),
        ];
        assert_eq!(
            target_compiler(lookup(&cross_underscores)).as_deref(),
            Some("a-gcc")
        );
        let cross_dashes = [
            cross[0],
            cross[1],
            ("CC_aarch64-unknown-linux-gnu", "d-gcc"),
            ("CC_aarch64_unknown_linux_gnu", "a-gcc"),
        ];
        assert_eq!(
            target_compiler(lookup(&cross_dashes)).as_deref(),
            Some("d-gcc")
        );
        let empty = [native[0], native[1], ("TARGET_CC", ""), ("CC", "")];
        assert_eq!(target_compiler(lookup(&empty)).as_deref(), Some("cc"));
    }

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
