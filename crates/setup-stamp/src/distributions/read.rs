//! Reading a matched distribution's version, as `PathDistribution.read_text`
//! and `metadata['Version']` do (CPython 3.12): the first non-empty of
//! `METADATA`, `PKG-INFO` and the entry itself, on disk or in a zip archive.
//!
//! A file is read to its end in fixed-size chunks, because Python decodes the
//! whole file and raises on invalid UTF-8 anywhere; only its header block is
//! kept.

use std::cell::RefCell;
use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::fcntl::OFlag;

use super::archive::ZipSource;
use super::metadata::{version_from_metadata, HeaderEnd};
use super::search::Location;
use super::DistributionError;

/// The outcome of `PathDistribution.read_text(filename)`, as far as
/// `metadata['Version']` needs it.
enum Text {
    /// Suppressed error (missing, directory, permission…) or empty file:
    /// Python's `or` chain moves on.
    Skip,
    /// Non-empty text: the `Version` header of its header block, if any.
    Version(Option<String>),
}

/// Whether Python's `read_text` suppresses this error
/// (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError).
fn suppressed(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound
            | io::ErrorKind::IsADirectory
            | io::ErrorKind::NotADirectory
            | io::ErrorKind::PermissionDenied
    )
}

/// Read size per `read` call.
const CHUNK: usize = 16 * 1024;
/// Safety stop for non-regular files (e.g. a character device), which the
/// reference would read forever.
const NON_REGULAR_LIMIT: u64 = 64 * 1024 * 1024;

/// How much of a stream to read: where it ends, if known, and where to give up.
#[derive(Clone, Copy, Default)]
struct ReadBounds {
    /// The size `fstat` reported for a regular file. A short read that brings
    /// the total to exactly this size is taken as end of file (a regular file
    /// yields all it holds up to the space offered), which saves the final
    /// empty read; a file still growing reads on. Racing a writer gives a
    /// timing-dependent answer either way.
    size: Option<u64>,
    /// Give up past this many bytes (non-regular files).
    limit: Option<u64>,
}

/// Read a metadata stream: validate all of it as UTF-8 (Python decodes the
/// whole file and raises on any invalid byte) and take the `Version` header
/// from its header block.
fn read_headers(reader: impl Read, bounds: ReadBounds) -> Result<Text, ReadFailure> {
    READ_BUFFERS.with(|cell| {
        let mut fresh = (Vec::new(), Vec::new());
        let mut kept = cell.try_borrow_mut();
        // Only a reader that re-entered this function would find them taken.
        let (chunk, head) = match kept.as_deref_mut() {
            Ok(buffers) => buffers,
            Err(_) => &mut fresh,
        };
        chunk.resize(CHUNK + 4, 0);
        let read = read_header_block(reader, bounds, chunk, head);
        let text = match read {
            Ok(true) => Ok(Text::Version(version_from_metadata(header_text(head)))),
            Ok(false) => Ok(Text::Skip),
            Err(failure) => Err(failure),
        };
        // A hostile file with a huge header block must not stay allocated.
        if head.capacity() > KEPT_HEADER_CAPACITY {
            *head = Vec::new();
        }
        text
    })
}

thread_local! {
    /// The read buffer and the header bytes, kept between files: a check
    /// reads five, and fresh buffers for each (16 KiB zeroed, plus the header
    /// copies) were a measurable share of its time.
    static READ_BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The most header-buffer capacity kept between files; real header blocks
/// are a few KiB.
const KEPT_HEADER_CAPACITY: usize = 4 * CHUNK;

/// `head` as text. It may end inside a character only if the header block
/// ended earlier, so cutting at the last valid boundary changes nothing.
fn header_text(head: &[u8]) -> &str {
    match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// Reads the whole stream through `chunk` (`CHUNK + 4` bytes), validating it
/// as UTF-8, and leaves in `head` the bytes read until the header block was
/// complete. `Ok(false)` for an empty stream.
fn read_header_block(
    mut reader: impl Read,
    bounds: ReadBounds,
    buf: &mut [u8],
    head: &mut Vec<u8>,
) -> Result<bool, ReadFailure> {
    let ReadBounds { size, limit } = bounds;
    let mut carry = 0usize; // incomplete UTF-8 sequence kept at buf[..carry]
    head.clear();
    let mut end = HeaderEnd::default();
    let mut header_done = false;
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf[carry..carry + CHUNK]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadFailure::Io(e)),
        };
        let at_end = n == 0 || (n < CHUNK && size == Some(total + n as u64));
        if n == 0 {
            if carry > 0 {
                return Err(ReadFailure::Utf8 {
                    offset: total - carry as u64,
                });
            }
            break;
        }
        if !header_done {
            head.extend_from_slice(&buf[carry..carry + n]);
            header_done = end.feed(head, false);
        }
        total += n as u64;
        if limit.is_some_and(|l| total > l) {
            return Err(ReadFailure::TooLarge);
        }
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(e) => {
                return Err(ReadFailure::Utf8 {
                    offset: total - (filled - e.valid_up_to()) as u64,
                });
            }
        }
        if at_end {
            if carry > 0 {
                return Err(ReadFailure::Utf8 {
                    offset: total - carry as u64,
                });
            }
            break;
        }
    }
    Ok(total > 0)
}

/// Why reading one metadata file failed (not suppressed).
enum ReadFailure {
    /// The read failed.
    Io(io::Error),
    /// Invalid UTF-8 at this byte offset.
    Utf8 { offset: u64 },
    /// Past [`ReadBounds::limit`].
    TooLarge,
}

/// `read_text` on disk: open without blocking (a FIFO must not hang us),
/// refuse to follow nothing special — symlinks are followed like `open()`.
fn read_fs(path: &Path) -> Result<Text, DistributionError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
    {
        Ok(f) => f,
        Err(e) if suppressed(&e) => return Ok(Text::Skip),
        Err(e) => {
            return Err(DistributionError::Read {
                path: path.to_owned(),
                source: e,
            })
        }
    };
    let bounds = match file.metadata() {
        Ok(m) if m.is_dir() => return Ok(Text::Skip),
        Ok(m) if m.is_file() => ReadBounds {
            size: Some(m.len()),
            limit: None,
        },
        Ok(_) => ReadBounds {
            size: None,
            limit: Some(NON_REGULAR_LIMIT),
        },
        Err(e) if suppressed(&e) => return Ok(Text::Skip),
        Err(e) => {
            return Err(DistributionError::Read {
                path: path.to_owned(),
                source: e,
            })
        }
    };
    match read_headers(file, bounds) {
        Ok(t) => Ok(t),
        Err(ReadFailure::Io(e)) if suppressed(&e) => Ok(Text::Skip),
        Err(ReadFailure::Io(e)) => Err(DistributionError::Read {
            path: path.to_owned(),
            source: e,
        }),
        Err(ReadFailure::Utf8 { offset }) => Err(DistributionError::InvalidUtf8 {
            path: path.to_owned(),
            offset,
        }),
        Err(ReadFailure::TooLarge) => Err(DistributionError::Read {
            path: path.to_owned(),
            source: io::Error::other("not a regular file and larger than 64 MiB"),
        }),
    }
}

/// `read_text` inside a zip (`zipfile.Path`): only an exact member name is
/// read; a missing member or a directory is skipped, and `read_text('')`
/// always names a directory there.
fn read_zip(
    zip: &mut ZipSource,
    archive_path: &Path,
    child: &str,
    filename: &str,
) -> Result<Text, DistributionError> {
    if filename.is_empty() {
        return Ok(Text::Skip);
    }
    let member = format!("{child}/{filename}");
    // `ZipFile.getinfo`: the last entry of that name.
    let Some(index) = zip.names.iter().rposition(|n| *n == member) else {
        return Ok(Text::Skip);
    };
    let zip_err = |source: zip::result::ZipError| DistributionError::Zip {
        archive: archive_path.to_owned(),
        member: member.clone(),
        source,
    };
    let file = zip.archive.by_index(index).map_err(zip_err)?;
    match read_headers(file, ReadBounds::default()) {
        Ok(t) => Ok(t),
        Err(ReadFailure::Io(e)) => Err(zip_err(zip::result::ZipError::Io(e))),
        Err(ReadFailure::Utf8 { offset }) => Err(DistributionError::InvalidUtf8 {
            path: archive_path.join(&member),
            offset,
        }),
        Err(ReadFailure::TooLarge) => Ok(Text::Skip), // no limit is passed for members
    }
}

/// `PathDistribution.metadata['Version']` for a matched location: the first
/// non-empty of `METADATA`, `PKG-INFO` and the entry itself.
pub(crate) fn read_version(
    location: &Location,
    archive: Option<(&mut ZipSource, &Path)>,
) -> Result<Option<String>, DistributionError> {
    const FILES: [&str; 3] = ["METADATA", "PKG-INFO", ""];
    match (location, archive) {
        (Location::Fs(dir), _) => {
            for filename in FILES {
                let path = if filename.is_empty() {
                    dir.clone()
                } else {
                    dir.join(filename)
                };
                if let Text::Version(version) = read_fs(&path)? {
                    return Ok(version);
                }
            }
            Ok(None)
        }
        (Location::Zip { child, .. }, Some((archive, archive_path))) => {
            for filename in FILES {
                if let Text::Version(version) = read_zip(archive, archive_path, child, filename)? {
                    return Ok(version);
                }
            }
            Ok(None)
        }
        (Location::Zip { .. }, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(data: &[u8], size: Option<u64>) -> Result<Option<String>, u64> {
        let bounds = ReadBounds { size, limit: None };
        let (mut chunk, mut head) = (vec![0u8; CHUNK + 4], Vec::new());
        match read_header_block(data, bounds, &mut chunk, &mut head) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(header_text(&head).to_owned())),
            Err(ReadFailure::Utf8 { offset }) => Err(offset),
            Err(_) => Err(u64::MAX),
        }
    }

    #[test]
    fn read_headers_finds_the_version_and_reuses_its_buffers() {
        let version = |data: &[u8]| match read_headers(data, ReadBounds::default()) {
            Ok(Text::Version(v)) => Some(v),
            _ => None,
        };
        assert_eq!(version(b""), None);
        assert_eq!(
            version(b"Name: a\nVersion: 1.0\n\nVersion: 2"),
            Some(Some("1.0".into()))
        );
        // A second file must not see the first one's bytes.
        assert_eq!(version(b"Name: b\n"), Some(None));
        assert_eq!(version(b"Version: 3\n"), Some(Some("3".into())));
        let kept = || READ_BUFFERS.with(|cell| cell.borrow().1.capacity());
        assert!(kept() <= KEPT_HEADER_CAPACITY);
        // A header block of 1 MiB is read whole, but not kept afterwards,
        // whether the read succeeds or fails.
        let mut huge = b"Version: 4\nX: ".to_vec();
        huge.resize(1 << 20, b'x');
        assert_eq!(version(&huge), Some(Some("4".into())));
        assert!(kept() <= KEPT_HEADER_CAPACITY, "{}", kept());
        huge.push(0xff);
        assert!(read_headers(huge.as_slice(), ReadBounds::default()).is_err());
        assert!(kept() <= KEPT_HEADER_CAPACITY, "{}", kept());
    }

    /// The answer with no size known; the same answer must come with the
    /// true size and with stale sizes (a file that grew after `fstat`).
    fn headers(data: &[u8]) -> Result<Option<String>, u64> {
        let unknown = headers_with(data, None);
        let len = data.len() as u64;
        for size in [0, len / 2, len.saturating_sub(1), len, len + 1] {
            assert_eq!(headers_with(data, Some(size)), unknown, "size {size}");
        }
        unknown
    }

    /// A reader that counts its `read` calls.
    struct Counting<'a> {
        data: &'a [u8],
        reads: usize,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.data.read(buf)
        }
    }

    #[test]
    fn a_short_read_at_the_known_size_ends_the_file() {
        let data = b"Version: 1\n\nbody".repeat(100);
        let count = |size| {
            let mut reader = Counting {
                data: &data,
                reads: 0,
            };
            let bounds = ReadBounds { size, limit: None };
            assert!(matches!(
                read_headers(&mut reader, bounds),
                Ok(Text::Version(_))
            ));
            reader.reads
        };
        assert_eq!(count(Some(data.len() as u64)), 1);
        assert_eq!(count(None), 2);
        assert_eq!(count(Some(3)), 2); // grew after fstat: read on to EOF
        let exact_chunk = vec![b'a'; CHUNK];
        let mut reader = Counting {
            data: &exact_chunk,
            reads: 0,
        };
        let bounds = ReadBounds {
            size: Some(CHUNK as u64),
            limit: None,
        };
        assert!(read_headers(&mut reader, bounds).is_ok());
        assert_eq!(reader.reads, 2); // a full read is not a short one
    }

    #[test]
    fn read_headers_validates_everything_keeps_headers() {
        assert_eq!(headers(b""), Ok(None));
        assert_eq!(headers(b"\n"), Ok(Some("\n".into())));
        assert_eq!(headers(b"Version: 1\n\nbody \xff"), Err(17));
        assert_eq!(headers(b"Version: 1\n\nbody \xe2\x82"), Err(17));
        let mut big = b"Version: 1\n\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 * CHUNK));
        big.extend("é€😀".as_bytes());
        let text = headers(&big).ok().flatten().unwrap_or_default();
        assert!(text.starts_with("Version: 1\n\n"));
        assert!(text.len() <= CHUNK);
        big.push(0xc3);
        assert_eq!(headers(&big), Err(big.len() as u64 - 1));
    }

    #[test]
    fn multibyte_across_chunks() {
        for pad in 0..4 {
            let mut data = b"Version: 1\n".to_vec();
            data.extend(std::iter::repeat_n(b' ', CHUNK - 11 - pad));
            data.extend("😀😀".as_bytes());
            assert!(headers(&data).is_ok(), "pad {pad}");
        }
    }

    #[test]
    fn suppressed_errors_are_pythons() {
        for (errno, expected) in [
            (nix::libc::ENOENT, true),
            (nix::libc::EISDIR, true),
            (nix::libc::ENOTDIR, true),
            (nix::libc::EACCES, true),
            (nix::libc::EPERM, true),
            (nix::libc::ELOOP, false),
            (nix::libc::ENAMETOOLONG, false),
            (nix::libc::EIO, false),
            (nix::libc::ENXIO, false),
        ] {
            assert_eq!(
                suppressed(&io::Error::from_raw_os_error(errno)),
                expected,
                "errno {errno}"
            );
        }
    }
}
