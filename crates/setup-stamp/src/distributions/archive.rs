//! Zip archives on the search path (wheels, zipped eggs), opened as CPython
//! 3.12's `zipfile` opens them, with the member names it would see.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::fcntl::OFlag;
use zip::ZipArchive;

/// A zip archive on the search path with its member names as Python's
/// `zipfile` decodes them (by central-directory index).
#[derive(Debug)]
pub(crate) struct ZipSource {
    /// The open archive.
    pub(super) archive: ZipArchive<File>,
    /// The member names, by central-directory index.
    pub(super) names: Vec<String>,
}

impl ZipSource {
    /// Open `path` as a zip archive; `None` when it is not a regular file or
    /// not an archive Python could open.
    pub(super) fn open(path: &Path) -> Option<ZipSource> {
        // Opened without blocking, and only regular files are read: a FIFO on
        // the search path would block the reference, and no FIFO or device is a
        // zip archive it could read.
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(OFlag::O_NONBLOCK.bits())
            .open(path)
            .ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let archive = ZipArchive::new(file).ok()?;
        let names = (0..archive.len())
            .map(|i| python_member_name(&archive.by_index_data(i).ok()?))
            .collect::<Option<Vec<String>>>()?;
        Some(ZipSource { archive, names })
    }
}

/// CP 437 for bytes 0x80..=0xFF (0x00..=0x7F are ASCII), as Python's codec.
const CP437_HIGH: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}',
    '\u{00EA}', '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}',
    '\u{00C9}', '\u{00E6}', '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}',
    '\u{00FF}', '\u{00D6}', '\u{00DC}', '\u{00A2}', '\u{00A3}', '\u{00A5}', '\u{20A7}', '\u{0192}',
    '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}', '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}',
    '\u{00BF}', '\u{2310}', '\u{00AC}', '\u{00BD}', '\u{00BC}', '\u{00A1}', '\u{00AB}', '\u{00BB}',
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}', '\u{2556}',
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{255C}', '\u{255B}', '\u{2510}',
    '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{255E}', '\u{255F}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{2567}',
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}', '\u{256B}',
    '\u{256A}', '\u{2518}', '\u{250C}', '\u{2588}', '\u{2584}', '\u{258C}', '\u{2590}', '\u{2580}',
    '\u{03B1}', '\u{00DF}', '\u{0393}', '\u{03C0}', '\u{03A3}', '\u{03C3}', '\u{00B5}', '\u{03C4}',
    '\u{03A6}', '\u{0398}', '\u{03A9}', '\u{03B4}', '\u{221E}', '\u{03C6}', '\u{03B5}', '\u{2229}',
    '\u{2261}', '\u{00B1}', '\u{2265}', '\u{2264}', '\u{2320}', '\u{2321}', '\u{00F7}', '\u{2248}',
    '\u{00B0}', '\u{2219}', '\u{00B7}', '\u{221A}', '\u{207F}', '\u{00B2}', '\u{25A0}', '\u{00A0}',
];

/// `raw` decoded as CP 437.
fn cp437(raw: &[u8]) -> String {
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH[usize::from(b - 0x80)]
            }
        })
        .collect()
}

/// `zipfile._sanitize_filename` on POSIX: cut at the first NUL.
fn sanitize(mut name: String) -> String {
    if let Some(nul) = name.find('\0') {
        name.truncate(nul);
    }
    name
}

/// A member's name as CPython 3.12's `zipfile` reads it: UTF-8 when the
/// entry's flag bit 11 says so, CP 437 otherwise, cut at a NUL. `None` when
/// Python fails to open the whole archive (a flagged name that is not UTF-8).
///
/// Not reproduced: Python also lets an Info-ZIP Unicode Path extra field
/// (0x7075) whose CRC matches rename the member; the `zip` crate does not
/// expose central-directory extra fields.
fn python_member_name(entry: &zip::read::ZipFileEntry<'_>) -> Option<String> {
    let raw = entry.name_raw();
    let name = if entry.flags().as_u16() & 0x0800 != 0 {
        std::str::from_utf8(raw).ok()?.to_owned()
    } else {
        cp437(raw)
    };
    Some(sanitize(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_matches_python() {
        assert_eq!(
            cp437(b"abc/\x80\x9e\xe4\xff"),
            "abc/\u{c7}\u{20a7}\u{3a3}\u{a0}"
        );
        assert_eq!(sanitize("a\0b".to_owned()), "a");
    }
}
