//! Resolution tests with scripted hosts and temporary config files.

use super::*;
use std::path::Path;

fn stamp(host: &MapHost) -> String {
    match stamp_path("terok", "setup.stamp", host) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn root_env_rules() {
    let base = MapHost::new(1000).env("HOME", "/home/u");
    for (value, expected) in [
        (".", "setup.stamp"),
        (" ", " /setup.stamp"),
        ("//x", "//x/setup.stamp"),
        ("///x/../y/", "/x/../y/setup.stamp"),
        ("~", "/home/u/setup.stamp"),
        ("~/a", "/home/u/a/setup.stamp"),
    ] {
        assert_eq!(
            stamp(&base.clone().env("TEROK_ROOT", value)),
            expected,
            "{value:?}"
        );
    }
    assert!(stamp(&base.clone().env("TEROK_ROOT", "~nobody-here")).starts_with("error"));
    // An empty value is ignored.
    assert_eq!(
        stamp(
            &base
                .clone()
                .env("TEROK_ROOT", "")
                .env("TEROK_CONFIG_FILE", "/nonexistent")
        ),
        "/home/u/.local/share/terok/setup.stamp"
    );
}

#[test]
fn defaults() {
    let user = MapHost::new(1000)
        .env("HOME", "/home/u")
        .env("TEROK_CONFIG_FILE", "/nonexistent/config.yml");
    assert_eq!(stamp(&user), "/home/u/.local/share/terok/setup.stamp");
    let mut root = MapHost::new(0).env("TEROK_CONFIG_FILE", "/nonexistent/config.yml");
    assert_eq!(stamp(&root), "/var/lib/terok/setup.stamp");
    root.uid_map = Some(b"0 1000 1\n".to_vec());
    assert!(
        stamp(&root).starts_with("error"),
        "userns root without home"
    );
    let root = root.env("XDG_DATA_HOME", "/d");
    assert_eq!(stamp(&root), "/d/terok/setup.stamp");
    let dir = resolve_state_dir("foo-bar", &MapHost::new(0).env("FOO_BAR_ROOT", "/s")).unwrap();
    assert_eq!(dir.path, Path::new("/s"));
    assert_eq!(
        dir.rule,
        Rule::RootEnv {
            var: "FOO_BAR_ROOT".into(),
            value: "/s".into()
        }
    );
}

#[test]
fn config_root() {
    let dir = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(dir.path()).unwrap();
    let cfg = d.join("config.yml");
    std::fs::create_dir(d.join("real")).unwrap();
    std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
    let host = MapHost::new(1000)
        .env("HOME", d.as_os_str().to_owned())
        .env("TEROK_CONFIG_FILE", cfg.as_os_str().to_owned());
    std::fs::write(&cfg, "paths:\n  root: ~/link/../state\n").unwrap();
    let got = resolve_state_dir("terok", &host).unwrap();
    assert_eq!(got.path, d.join("state"));
    assert!(matches!(got.rule, Rule::ConfigFile { ref value, .. } if value == "~/link/../state"));
    std::fs::write(&cfg, "paths:\n  root: [unclosed\n").unwrap();
    let got = resolve_state_dir("terok", &host).unwrap();
    assert_eq!(got.rule, Rule::UserDefault);
    assert!(got.config_error.is_some());
    std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
    std::fs::write(&cfg, format!("paths:\n  root: {}/loop/x\n", d.display())).unwrap();
    assert!(matches!(
        resolve_state_dir("terok", &host),
        Err(LocationError::SymlinkLoop { .. })
    ));
    // A relative root is taken from the host's current directory.
    std::fs::write(&cfg, "paths:\n  root: rel/x\n").unwrap();
    let host = MapHost {
        cwd: Some(PathBuf::from("/nonexistent-cwd")),
        ..host
    };
    assert_eq!(
        resolve_state_dir("terok", &host).unwrap().path,
        Path::new("/nonexistent-cwd/rel/x")
    );
}

#[test]
fn broken_user_layer_drops_everything() {
    let dir = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(d.join("cfg/terok")).unwrap();
    std::fs::write(d.join("cfg/terok/config.yml"), "a: 1\na: 2\n").unwrap();
    let host = MapHost::new(1000)
        .env("HOME", "/home/u")
        .env("XDG_CONFIG_HOME", d.join("cfg").into_os_string());
    let got = resolve_state_dir("terok", &host).unwrap();
    assert_eq!(got.rule, Rule::UserDefault);
    assert!(matches!(got.config_error, Some(ConfigError::Yaml { .. })));
    assert_eq!(got.config_files.len(), 2);
}

/// Run under `strace -f` to see the system calls of one resolution between the two
/// marker `stat`s (ignored by default).
#[test]
#[ignore]
fn syscall_probe() {
    let _ = std::fs::metadata("/location-probe-begin");
    let got = stamp_path("terok", "setup.stamp", &SystemHost);
    let _ = std::fs::metadata("/location-probe-end");
    eprintln!("{got:?}");
}

#[test]
fn messages_read_well() {
    let host = MapHost::new(1000).env("TEROK_ROOT", "~ghost/x");
    let err = resolve_state_dir("terok", &host).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot expand TEROK_ROOT ~ghost/x: unknown user \"ghost\""
    );
    let err = resolve_state_dir(
        "terok",
        &MapHost::new(1000).env("TEROK_CONFIG_FILE", "/nonexistent"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot determine the user data directory: XDG_DATA_HOME and HOME are not absolute \
         paths and the user has no passwd entry"
    );
    let ok = resolve_state_dir("terok", &MapHost::new(1000).env("TEROK_ROOT", "/s")).unwrap();
    assert_eq!(ok.rule.to_string(), "set by TEROK_ROOT=\"/s\"");
}
