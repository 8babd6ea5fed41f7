//! Link GCC's unwinder into the extension statically on `*-linux-gnu`.
//!
//! Rust's standard library refers to `_Unwind_*` (backtraces, landing pads),
//! and on `*-linux-gnu` rustc satisfies them with `-lgcc_s`, so loading the
//! extension would also load `libgcc_s.so.1`. Python itself does not load
//! that library, and loading it is the largest single cost of
//! `import setup_stamp` after the stdlib's `enum`: its constructor runs
//! `cpuid` a dozen times (each one a trap to the hypervisor on a virtual
//! machine) on top of the mapping and symbol binding. Measured on a 2-core
//! VM: loading `_native` takes 0.32 ms with `libgcc_s` and 0.15 ms without
//! (BENCHMARKS.md, "Import time").
//!
//! This script puts a one-line linker script named `libgcc_s.so` first on the
//! library search path; it stands for `libgcc_eh.a`, the static unwinder that
//! `gcc -static-libgcc` links into shared libraries. The extension is built
//! with `panic = "abort"`, so the unwinder only ever serves backtraces.
//!
//! Nothing changes when the toolchain has no `libgcc_eh.a` (the C compiler is
//! asked for its path), on other targets, or when
//! `SETUP_STAMP_DYNAMIC_LIBGCC` is set in the environment.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SETUP_STAMP_DYNAMIC_LIBGCC");
    println!("cargo:rerun-if-env-changed=CC");

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
        return;
    }
    let Some(unwinder) = static_unwinder() else {
        println!(
            "cargo:warning=libgcc_eh.a not found; the extension will load libgcc_s.so.1 at import"
        );
        return;
    };
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    let dir = out_dir.join("static-libgcc");
    let script = format!("INPUT({})\n", unwinder.display());
    if fs::create_dir_all(&dir).is_err() || fs::write(dir.join("libgcc_s.so"), script).is_err() {
        println!("cargo:warning=could not write the libgcc_s linker script; linking libgcc_s.so.1");
        return;
    }
    println!("cargo:rustc-link-search=native={}", dir.display());
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
    (path.is_absolute() && path.is_file() && !printed.contains(')')).then(|| path.to_path_buf())
}
