//! The values the recorder hands over and the cache keeps: bytes from the
//! system (paths, names, variables), sha256 digests, and directory listings.
//! Each serializes to the recorder's JSON and is compared as bytes.

use serde::{Deserialize, Serialize};

/// Bytes that came from the system (paths, names, values): JSON text when
/// they are UTF-8, else `{"hex": "…"}`.
///
/// ```
/// use setup_stamp::startup::Bytes;
/// let text: Bytes = serde_json::from_str("\"/etc\"").unwrap();
/// let raw: Bytes = serde_json::from_str(r#"{"hex": "2fff"}"#).unwrap();
/// assert_eq!(text.as_bytes(), b"/etc");
/// assert_eq!(raw.as_bytes(), b"/\xff");
/// assert_eq!(serde_json::to_string(&raw).unwrap(), r#"{"hex":"2fff"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// As an OS path.
    pub fn as_path(&self) -> &std::path::Path {
        use std::os::unix::ffi::OsStrExt;
        std::path::Path::new(std::ffi::OsStr::from_bytes(&self.0))
    }

    /// For messages: lossy text.
    pub fn display(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        Bytes(bytes.to_vec())
    }
}

impl From<&str> for Bytes {
    fn from(text: &str) -> Self {
        Bytes(text.as_bytes().to_vec())
    }
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => {
                let hex = crate::hex::encode(&self.0);
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("hex", &hex)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or {\"hex\": …}")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Bytes, E> {
                Ok(Bytes(text.as_bytes().to_vec()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Bytes, A::Error> {
                let mut hex: Option<String> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key != "hex" || hex.is_some() {
                        return Err(serde::de::Error::custom("expected only \"hex\""));
                    }
                    hex = Some(map.next_value()?);
                }
                let hex = hex.ok_or_else(|| serde::de::Error::custom("missing \"hex\""))?;
                decode_hex(&hex)
                    .map(Bytes)
                    .map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    crate::hex::decode(hex).ok_or_else(|| format!("bad hex {hex:?}"))
}

/// A sha256 digest; lower-case hex in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The sha256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        use sha2::Digest as _;
        Digest(sha2::Sha256::digest(bytes).into())
    }
}

impl TryFrom<String> for Digest {
    type Error = String;
    fn try_from(hex: String) -> Result<Self, String> {
        let bytes = decode_hex(&hex)?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(Digest)
            .map_err(|_| format!("not a sha256: {hex:?}"))
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        crate::hex::encode(&d.0)
    }
}

/// A directory entry's type as `os.scandir` reports it (without following
/// a symbolic link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryType {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// Anything else.
    Other,
}

impl EntryType {
    /// Its one-byte code in a [`Listing`].
    pub fn code(self) -> u8 {
        match self {
            EntryType::Dir => b'd',
            EntryType::File => b'f',
            EntryType::Symlink => b'l',
            EntryType::Other => b'o',
        }
    }

    /// The type of a code.
    pub fn from_code(code: u8) -> Option<EntryType> {
        Some(match code {
            b'd' => EntryType::Dir,
            b'f' => EntryType::File,
            b'l' => EntryType::Symlink,
            b'o' => EntryType::Other,
            _ => return None,
        })
    }
}

/// A directory's entries in system order, packed into one buffer (a
/// listing is compared as a whole, and one allocation per listing keeps
/// the hot path's decoding cheap): each entry is its type code (or none,
/// for `os.listdir`, which sees names only), its name, and a NUL (which no
/// name can contain). In JSON an array of names, or of `[name, type]`.
///
/// ```
/// use setup_stamp::startup::{Bytes, EntryType, Listing};
/// let typed = Listing::typed([(&b"a"[..], EntryType::Dir), (&b"b"[..], EntryType::File)]);
/// assert_eq!(typed.as_bytes(), b"da\0fb\0");
/// assert_eq!(typed.names(), Listing::names_only([&b"a"[..], &b"b"[..]]));
/// assert_eq!(typed.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    packed: Vec<u8>,
    typed: bool,
}

impl Listing {
    /// Names and types.
    pub fn typed<'a>(entries: impl IntoIterator<Item = (&'a [u8], EntryType)>) -> Listing {
        let mut packed = Vec::new();
        for (name, kind) in entries {
            packed.push(kind.code());
            packed.extend_from_slice(name);
            packed.push(0);
        }
        Listing {
            packed,
            typed: true,
        }
    }

    /// Names only.
    pub fn names_only<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Listing {
        let mut packed = Vec::new();
        for name in names {
            packed.extend_from_slice(name);
            packed.push(0);
        }
        Listing {
            packed,
            typed: false,
        }
    }

    /// From its packed form (as [`as_bytes`](Self::as_bytes) gives it);
    /// `None` if it is not one.
    pub fn from_packed(packed: Vec<u8>, typed: bool) -> Option<Listing> {
        let valid = packed.is_empty()
            || (packed.last() == Some(&0)
                && (!typed
                    || packed
                        .split(|b| *b == 0)
                        .filter(|e| !e.is_empty())
                        .all(|e| EntryType::from_code(e[0]).is_some())));
        valid.then_some(Listing { packed, typed })
    }

    /// The packed form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.packed
    }

    /// Whether entry types are included.
    pub fn is_typed(&self) -> bool {
        self.typed
    }

    /// The same entries without their types.
    pub fn names(&self) -> Listing {
        if !self.typed {
            return self.clone();
        }
        Listing::names_only(self.entries().map(|(name, _)| name))
    }

    /// The entries: name and (if typed) type.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], Option<EntryType>)> {
        let typed = self.typed;
        self.packed
            .split(|b| *b == 0)
            .take(self.packed.iter().filter(|b| **b == 0).count())
            .map(move |entry| match (typed, entry.split_first()) {
                (true, Some((code, name))) => (name, EntryType::from_code(*code)),
                _ => (entry, None),
            })
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.packed.iter().filter(|b| **b == 0).count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ListingRepr {
    Typed(Vec<(Bytes, EntryType)>),
    Names(Vec<Bytes>),
}

impl<'de> Deserialize<'de> for Listing {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let reject_nul = |name: &Bytes| {
            if name.0.contains(&0) {
                Err(serde::de::Error::custom("a name with a NUL byte"))
            } else {
                Ok(())
            }
        };
        match ListingRepr::deserialize(deserializer)? {
            ListingRepr::Typed(entries) => {
                entries.iter().try_for_each(|(n, _)| reject_nul(n))?;
                Ok(Listing::typed(
                    entries.iter().map(|(n, t)| (n.as_bytes(), *t)),
                ))
            }
            ListingRepr::Names(names) => {
                names.iter().try_for_each(reject_nul)?;
                Ok(Listing::names_only(names.iter().map(Bytes::as_bytes)))
            }
        }
    }
}

impl Serialize for Listing {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for (name, kind) in self.entries() {
            let name = Bytes(name.to_vec());
            match kind {
                Some(kind) => seq.serialize_element(&(name, kind))?,
                None => seq.serialize_element(&name)?,
            }
        }
        seq.end()
    }
}
