//! The binary's shared-library dependencies: GCC's unwinder is linked in
//! statically (see the `setup-stamp-build` crate), so starting
//! `setup-stamp` does not load `libgcc_s.so.1`; and the C library too, so
//! that it loads nothing at all (a static PIE, no program interpreter).

#![cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]

use std::path::Path;

/// Little-endian integer of `N` bytes at `at`.
fn le(bytes: &[u8], at: usize, n: usize) -> u64 {
    bytes[at..at + n]
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// The `DT_NEEDED` entries of a 64-bit little-endian ELF file.
fn needed_libraries(path: &Path) -> Vec<String> {
    let elf = std::fs::read(path).expect("read the binary");
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!((elf[4], elf[5]), (2, 1), "not 64-bit little-endian");
    let (phoff, phentsize, phnum) = (
        le(&elf, 0x20, 8) as usize,
        le(&elf, 0x36, 2) as usize,
        le(&elf, 0x38, 2) as usize,
    );
    let headers: Vec<(u64, u64, u64, u64)> = (0..phnum)
        .map(|i| {
            let h = phoff + i * phentsize;
            // (type, file offset, virtual address, file size)
            (
                le(&elf, h, 4),
                le(&elf, h + 8, 8),
                le(&elf, h + 16, 8),
                le(&elf, h + 32, 8),
            )
        })
        .collect();
    let to_offset = |vaddr: u64| {
        headers
            .iter()
            .find(|&&(kind, _, start, size)| kind == 1 && (start..start + size).contains(&vaddr))
            .map(|&(_, offset, start, _)| (vaddr - start + offset) as usize)
            .expect("address inside a PT_LOAD segment")
    };
    let &(_, dynamic, _, dynamic_size) = headers
        .iter()
        .find(|h| h.0 == 2)
        .expect("a PT_DYNAMIC segment (dynamically linked or a static PIE)");
    let entries: Vec<(u64, u64)> = (0..dynamic_size as usize / 16)
        .map(|i| {
            let at = dynamic as usize + i * 16;
            (le(&elf, at, 8), le(&elf, at + 8, 8))
        })
        .take_while(|&(tag, _)| tag != 0)
        .collect();
    let strtab = entries
        .iter()
        .find(|e| e.0 == 5)
        .map(|e| to_offset(e.1))
        .expect("DT_STRTAB");
    entries
        .iter()
        .filter(|e| e.0 == 1)
        .map(|&(_, name)| {
            let start = strtab + name as usize;
            let end = start + elf[start..].iter().position(|&b| b == 0).expect("NUL");
            String::from_utf8_lossy(&elf[start..end]).into_owned()
        })
        .collect()
}

/// Whether the ELF file names a program interpreter (`PT_INTERP`).
fn has_interpreter(path: &Path) -> bool {
    let elf = std::fs::read(path).expect("read the binary");
    let (phoff, phentsize, phnum) = (
        le(&elf, 0x20, 8) as usize,
        le(&elf, 0x36, 2) as usize,
        le(&elf, 0x38, 2) as usize,
    );
    (0..phnum).any(|i| le(&elf, phoff + i * phentsize, 4) == 3)
}

#[test]
fn the_binary_is_a_static_pie() {
    let binary = Path::new(env!("CARGO_BIN_EXE_setup-stamp"));
    if env!("SETUP_STAMP_LIBC") != "static" {
        // The build script could not arrange it (it said why in a cargo
        // warning) or was asked not to (SETUP_STAMP_DYNAMIC_LIBC).
        assert!(has_interpreter(binary));
        return;
    }
    assert!(!has_interpreter(binary), "a program interpreter is named");
    // A static PIE keeps a dynamic section (it relocates itself) that
    // needs no shared library.
    let needed = needed_libraries(binary);
    assert!(needed.is_empty(), "{needed:?}");
    let elf = std::fs::read(binary).expect("read the binary");
    assert_eq!(le(&elf, 0x10, 2), 3, "ET_DYN: position-independent");
}

#[test]
fn the_binary_does_not_need_libgcc_s() {
    if env!("SETUP_STAMP_LIBC") == "static" {
        // Nothing is needed at all (the test above).
        return;
    }
    if env!("SETUP_STAMP_UNWINDER") != "static" {
        // Asked not to (SETUP_STAMP_DYNAMIC_LIBGCC), or the build script
        // could not arrange it (it said why in a cargo warning).
        return if std::env::var_os("SETUP_STAMP_DYNAMIC_LIBGCC").is_some() {
            setup_stamp_test_support::optional("built with the dynamic libgcc_s on request")
        } else {
            setup_stamp_test_support::required("libgcc_eh.a (gcc), to link the unwinder statically")
        };
    }
    let needed = needed_libraries(Path::new(env!("CARGO_BIN_EXE_setup-stamp")));
    assert!(
        needed.iter().any(|lib| lib.starts_with("libc.so")),
        "the reader found the dependencies: {needed:?}"
    );
    assert!(
        !needed.iter().any(|lib| lib.starts_with("libgcc_s")),
        "{needed:?}"
    );
}
