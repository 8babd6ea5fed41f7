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
//!
//! [`link_libc_statically`] goes further for the crate's binaries: it links
//! the C library itself in (a static PIE, no program interpreter), so that
//! starting the command maps nothing but the binary; see its documentation.

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

/// The C libraries rustc links a `*-linux-gnu` binary with (besides
/// `gcc_s`, which [`link_unwinder_statically`] covers).
const GLIBC_LIBRARIES: &[&str] = &["c", "m", "pthread", "dl", "rt", "util"];

/// Link the crate's binaries (not its tests or libraries) statically with
/// the C library, as a static PIE; call it from `build.rs`, after
/// [`link_unwinder_statically`]. Prints cargo directives only.
///
/// Why: a dynamically linked `setup-stamp` spends a third of its start-up
/// in the dynamic loader (mapping `libc.so.6`, applying relocations, binding
/// symbols) before `main`; a static binary maps only itself
/// (BENCHMARKS.md, start-up). rustc can do this itself with `-C
/// target-feature=+crt-static`, but that flag cannot be given to one crate:
/// set for the workspace, it also reaches the proc-macro crates (which
/// cannot be built that way) and the Python extension (a shared library).
///
/// How: rustc links a `*-linux-gnu` binary with `-lgcc_s -lutil -lrt
/// -lpthread -lm -ldl -lc` and `-pie`. This writes, for each of those, a
/// one-line linker script `lib<name>.so` that stands for the static archive
/// (`INPUT("…/libc.a" …)`; the C library's script also brings in
/// `libgcc.a` and `libgcc_eh.a`, as rustc does for `crt-static`), puts
/// their directory first on the binaries' library search path and adds
/// `-static-pie`, so the linker takes the archives and writes a
/// self-relocating executable without a program interpreter. The code is
/// the same that `crt-static` links (the standard library is compiled once
/// for both): only the link differs.
///
/// What it changes at run time: nothing for the program but its start-up,
/// except the passwd look-ups (glibc's NSS can load the system's shared
/// modules into a static program only when they come from the very glibc
/// version it was linked with). The library therefore looks passwd entries
/// up through the system's `getent` when it runs statically linked (its
/// `passwd` module).
///
/// Nothing changes (the binary stays dynamic, with a cargo warning where it
/// is unexpected) for other targets or `crt-static` builds, when an archive
/// or `rcrt1.o` is missing (`libc6-dev` provides them on Debian), or when
/// `SETUP_STAMP_DYNAMIC_LIBC` is set in the environment. The crate's code
/// sees the outcome in the compile-time variable `SETUP_STAMP_LIBC`:
/// `static` or `dynamic`.
pub fn link_libc_statically() {
    println!("cargo:rerun-if-env-changed=SETUP_STAMP_DYNAMIC_LIBC");
    let arranged = arrange_libc();
    println!(
        "cargo:rustc-env=SETUP_STAMP_LIBC={}",
        if arranged { "static" } else { "dynamic" }
    );
}

/// Writes the C library's linker scripts and the binaries' link arguments;
/// whether it did.
fn arrange_libc() -> bool {
    if !gnu_linux_dynamic() || env::var_os("SETUP_STAMP_DYNAMIC_LIBC").is_some() {
        return false;
    }
    let Some(compiler) = target_compiler(|name| env::var(name).ok()) else {
        println!("cargo:warning=no C compiler named for the target (CC_<target>, TARGET_CC or CC); linking the C library dynamically");
        return false;
    };
    let file = |name: &str| {
        let found = compiler_file(&compiler, name);
        if found.is_none() {
            println!("cargo:warning={name} not found; linking the C library dynamically");
        }
        found
    };
    // The static PIE's start-up file: without it `-static-pie` cannot link.
    if file("rcrt1.o").is_none() {
        return false;
    }
    let (Some(libgcc), Some(libgcc_eh)) = (file("libgcc.a"), file("libgcc_eh.a")) else {
        return false;
    };
    let mut scripts = Vec::new();
    for name in GLIBC_LIBRARIES {
        let Some(archive) = file(&format!("lib{name}.a")) else {
            return false;
        };
        let mut inputs = vec![archive];
        if *name == "c" {
            inputs.extend([libgcc.clone(), libgcc_eh.clone()]);
        }
        scripts.push((format!("lib{name}.so"), inputs));
    }
    scripts.push(("libgcc_s.so".to_owned(), vec![libgcc_eh.clone()]));
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let dir = out_dir.join("static-libc");
    if fs::create_dir_all(&dir).is_err() {
        println!("cargo:warning=could not create {dir:?}; linking the C library dynamically");
        return false;
    }
    for (name, inputs) in &scripts {
        let Some(script) = linker_script_of(inputs) else {
            println!("cargo:warning=cannot quote {inputs:?} in a linker script; linking the C library dynamically");
            return false;
        };
        if fs::write(dir.join(name), script).is_err() {
            println!("cargo:warning=could not write {name}; linking the C library dynamically");
            return false;
        }
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    println!("cargo:rustc-link-arg-bins=-static-pie");
    true
}

/// A `*-linux-gnu` target whose C library is linked dynamically (not
/// `crt-static`).
fn gnu_linux_dynamic() -> bool {
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let static_crt = env::var("CARGO_CFG_TARGET_FEATURE")
        .unwrap_or_default()
        .split(',')
        .any(|feature| feature == "crt-static");
    target_os == "linux" && target_env == "gnu" && !static_crt
}

/// Writes the linker script and adds its directory to the search path;
/// whether it did.
fn arrange() -> bool {
    if !gnu_linux_dynamic() || env::var_os("SETUP_STAMP_DYNAMIC_LIBGCC").is_some() {
        return false;
    }
    let Some(compiler) = target_compiler(|name| env::var(name).ok()) else {
        println!("cargo:warning=no C compiler named for the target (CC_<target>, TARGET_CC or CC); linking libgcc_s.so.1 dynamically");
        return false;
    };
    let Some(unwinder) = compiler_file(&compiler, "libgcc_eh.a") else {
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

/// The absolute path of a file of the toolchain (`libgcc_eh.a`, `libc.a`,
/// `rcrt1.o`) as `compiler` (the target's linker driver) reports it, if it
/// exists.
fn compiler_file(compiler: &str, name: &str) -> Option<PathBuf> {
    let output = Command::new(compiler)
        .arg(format!("-print-file-name={name}"))
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
    linker_script_of(&[archive.to_path_buf()])
}

/// `INPUT("<a>" "<b>" …)` for several files; `None` as for [`linker_script`].
fn linker_script_of(files: &[PathBuf]) -> Option<String> {
    let mut quoted = Vec::with_capacity(files.len());
    for file in files {
        let text = file.to_str()?;
        if text.contains(['"', '\n', '\r']) {
            return None;
        }
        quoted.push(format!("\"{text}\""));
    }
    Some(format!("INPUT({})\n", quoted.join(" ")))
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

    #[test]
    fn linker_scripts_list_several_archives() {
        assert_eq!(
            linker_script_of(&[PathBuf::from("/l/libc.a"), PathBuf::from("/g/libgcc.a")])
                .as_deref(),
            Some("INPUT(\"/l/libc.a\" \"/g/libgcc.a\")\n")
        );
        assert_eq!(
            linker_script_of(&[PathBuf::from("/l/libc.a"), PathBuf::from("/\"")]),
            None
        );
    }
}
