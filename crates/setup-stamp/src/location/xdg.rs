//! `platformdirs` 4.14 on Linux: `user_data_dir(name)` and `user_config_dir(name)`.
//!
//! Version-sensitive: 4.14 ignores a relative `XDG_*` value and a relative `HOME`
//! (older releases used them verbatim after `strip()`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use super::host::Host;
use super::pathlib::posix_join;

/// Which platformdirs directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XdgKind {
    /// `user_data_dir`: `$XDG_DATA_HOME` or `~/.local/share`.
    Data,
    /// `user_config_dir`: `$XDG_CONFIG_HOME` or `~/.config`.
    Config,
}

impl XdgKind {
    /// The environment variable consulted first.
    pub fn env_var(self) -> &'static str {
        match self {
            XdgKind::Data => "XDG_DATA_HOME",
            XdgKind::Config => "XDG_CONFIG_HOME",
        }
    }

    fn home_suffix(self) -> &'static [u8] {
        match self {
            XdgKind::Data => b"/.local/share",
            XdgKind::Config => b"/.config",
        }
    }
}

/// platformdirs found no absolute home (`RuntimeError: could not determine the home
/// directory`): `HOME` is unset or relative and the real uid's passwd home is missing
/// or relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoHomeError {
    /// The variable that was not usable either.
    pub var: &'static str,
    /// The passwd home that was found but is relative, if any.
    pub passwd_home: Option<OsString>,
}

/// The directory string platformdirs returns (`os.path.join(base, appname)`, not
/// normalised). Reads passwd only when `HOME` is unusable.
///
/// ```
/// use setup_stamp::location::{MapHost, xdg::{user_dir, XdgKind}};
/// let host = MapHost::new(1000).env("HOME", "/h").env("XDG_DATA_HOME", "/d ");
/// assert_eq!(user_dir(XdgKind::Data, "terok", &host).unwrap(), b"/d /terok".to_vec());
/// ```
pub fn user_dir(kind: XdgKind, appname: &str, host: &dyn Host) -> Result<Vec<u8>, NoHomeError> {
    if let Some(value) = host.var_os(kind.env_var()) {
        let value = value.into_vec();
        if value.starts_with(b"/") {
            return Ok(posix_join(&value, appname.as_bytes()));
        }
    }
    let home = match host.var_os("HOME").map(OsString::into_vec) {
        Some(home) if home.starts_with(b"/") => home,
        _ => match host.home_of_uid(host.real_uid()) {
            Some(home) => home.into_vec(),
            None => {
                return Err(NoHomeError {
                    var: kind.env_var(),
                    passwd_home: None,
                })
            }
        },
    };
    let mut end = home.len();
    while end > 0 && home[end - 1] == b'/' {
        end -= 1;
    }
    let mut base = home[..end].to_vec();
    base.extend_from_slice(kind.home_suffix());
    if !base.starts_with(b"/") {
        return Err(NoHomeError {
            var: kind.env_var(),
            passwd_home: Some(OsString::from_vec(home)),
        });
    }
    Ok(posix_join(&base, appname.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::host::MapHost;

    fn data(host: &MapHost) -> Result<String, NoHomeError> {
        user_dir(XdgKind::Data, "terok", host).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn xdg_rules() {
        let base = MapHost::new(1).env("HOME", "/h/").user("u", 1, "/pw");
        assert_eq!(data(&base).unwrap(), "/h/.local/share/terok");
        for ignored in ["", " ", "rel", " /d"] {
            assert_eq!(
                data(&base.clone().env("XDG_DATA_HOME", ignored)).unwrap(),
                "/h/.local/share/terok"
            );
        }
        assert_eq!(
            data(&base.clone().env("XDG_DATA_HOME", "/d/")).unwrap(),
            "/d/terok"
        );
        assert_eq!(
            data(&base.clone().env("HOME", "rel")).unwrap(),
            "/pw/.local/share/terok"
        );
        assert!(data(&MapHost::new(1)).is_err());
        assert_eq!(
            data(&MapHost::new(1).user("u", 1, "")).unwrap(),
            "/.local/share/terok"
        );
        assert!(data(&MapHost::new(1).user("u", 1, "rel")).is_err());
        assert_eq!(
            user_dir(XdgKind::Config, "foo-bar", &base).unwrap(),
            b"/h/.config/foo-bar".to_vec()
        );
    }
}
