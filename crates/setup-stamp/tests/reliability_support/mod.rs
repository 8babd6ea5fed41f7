//! Shared helpers of the `reliability_*` tests: locating and running the
//! helper processes (`examples/stamp_writer.rs`, `examples/stamp_reader.rs`),
//! recognising the stamps they write, and a small seeded random source.
#![allow(dead_code)] // each test file uses a different subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use setup_stamp::stamp::render_stamp;
use setup_stamp::verdict::InstalledPackage;

/// The tracked packages of the reference configuration (as the writer uses).
pub const TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// The bytes of write `seq` by writer `writer` (as `stamp_writer` renders it).
pub fn stamp_body(writer: u64, seq: u64) -> String {
    let packages: Vec<InstalledPackage> = TRACKED
        .iter()
        .map(|name| InstalledPackage {
            name: (*name).to_owned(),
            version: Some(format!("{writer}.{seq}.0")),
        })
        .collect();
    render_stamp("2026-01-01T00:00:00+00:00", &packages)
}

/// Which complete write `bytes` are, if they are exactly one.
pub fn identify(bytes: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let start = text.find("\"terok\": \"")? + "\"terok\": \"".len();
    let version = &text[start..start + text[start..].find('"')?];
    let mut parts = version.split('.');
    let writer = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    (stamp_body(writer, seq).as_bytes() == bytes).then_some((writer, seq))
}

/// The directory holding this test binary's sibling build products
/// (`target/<profile>`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps")
        .to_owned()
}

/// Path of a helper example binary, freshly built: `cargo test --test NAME`
/// does not build examples, so a stale binary could be lying around. The
/// build is a no-op when they are up to date (once per test process).
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "--examples", "--manifest-path"])
            .arg(&manifest);
        // Build into the same profile directory as this test binary.
        if profile_dir().file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build --examples");
        assert!(status.success(), "building the examples failed");
    });
    let path = profile_dir().join("examples").join(name);
    assert!(path.exists(), "{} missing", path.display());
    path
}

/// Names in `dir` other than those in `keep`, sorted.
pub fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

/// A writer's position as read from its `--status` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// The write number the phase is about.
    pub seq: u64,
    /// Phase code (see `examples/stamp_writer.rs`): 0 idle, 1 started,
    /// 2–11 the write events in order, 13 done.
    pub phase: u8,
}

/// Phase codes of `stamp_writer`.
pub mod phase {
    /// Before the first write.
    pub const IDLE: u8 = 0;
    /// The write call was entered.
    pub const STARTED: u8 = 1;
    /// The data file exists (created).
    pub const TEMP_CREATED: u8 = 4;
    /// The data was written.
    pub const DATA_WRITTEN: u8 = 6;
    /// The data file was synced.
    pub const FILE_SYNCED: u8 = 7;
    /// The temporary has its name.
    pub const TEMP_NAMED: u8 = 8;
    /// Renamed over the stamp.
    pub const RENAMED: u8 = 9;
    /// The write call returned success.
    pub const DONE: u8 = 13;
}

/// Reads a `stamp_writer --status` file.
pub fn read_status(path: &Path) -> Option<Status> {
    let text = fs::read_to_string(path).ok()?;
    let mut fields = text.split_whitespace();
    Some(Status {
        seq: fields.next()?.parse().ok()?,
        phase: fields.next()?.parse().ok()?,
    })
}

/// A small xorshift generator: the tests' randomness, reproducible by seed
/// (`RELIABILITY_SEED`, printed by each test).
pub struct Rng(u64);

impl Rng {
    /// Seeded from `RELIABILITY_SEED` or the clock.
    pub fn from_env() -> Rng {
        let seed = std::env::var("RELIABILITY_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        eprintln!("RELIABILITY_SEED={seed}");
        Rng(seed)
    }

    /// The next pseudo-random number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform-ish in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A number from the environment variable `name`, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether this process is root.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A temporary directory mode 0755 for tests that hand it to `nobody`.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Path of the `setup-stamp` CLI binary, freshly built into this test's
/// profile directory (once per test process; a no-op when up to date).
pub fn cli() -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "setup-stamp-cli",
            "--manifest-path",
        ])
        .arg(&manifest);
        if profile_dir().file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build -p setup-stamp-cli");
        assert!(status.success(), "building the CLI failed");
    });
    let path = profile_dir().join("setup-stamp");
    assert!(path.exists(), "{} missing", path.display());
    path
}

/// Creates a search-path directory at `dir` in which each tracked package
/// is installed at `version` (a `.dist-info` directory with `METADATA`).
pub fn site(dir: &Path, version: &str) {
    for name in TRACKED {
        let info = dir.join(format!("{}-{version}.dist-info", name.replace('-', "_")));
        fs::create_dir_all(&info).expect("mkdir dist-info");
        fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .expect("write METADATA");
    }
}

/// A `setup-stamp` command with the stamp relocated to `root`
/// (`TEROK_ROOT`) and distributions searched in `sys_path` only.
pub fn cli_command(root: &Path, sys_path: &Path) -> Command {
    let mut cmd = Command::new(cli());
    cmd.env("TEROK_ROOT", root)
        .env_remove("TEROK_CONFIG_FILE")
        .arg("--sys-path")
        .arg(sys_path);
    cmd
}

/// The `"verdict"` of `setup-stamp check --json` output, if any. Read
/// with pyjson: the report may carry lone surrogate escapes (`"\ud800"`)
/// from a stamp, which stricter JSON parsers refuse.
pub fn json_verdict(stdout: &[u8]) -> Option<String> {
    use setup_stamp::pyjson::{loads, Value};
    let Value::Object(entries) = loads(stdout).ok()? else {
        return None;
    };
    entries.iter().find_map(|(k, v)| match v {
        Value::Str(s) if k.as_str() == Some("verdict") => s.as_str().map(str::to_owned),
        _ => None,
    })
}

/// The installed version each package has in a stamp's bytes, if the bytes
/// are a valid stamp whose packages all carry one and the same version.
pub fn uniform_version(bytes: &[u8]) -> Option<String> {
    let stamp = setup_stamp::stamp::parse_stamp(bytes).ok()?;
    let mut versions = stamp.packages.iter().map(|(_, v)| v.to_string_lossy());
    let first = versions.next()?;
    (versions.all(|v| v == first) && stamp.packages.len() == TRACKED.len()).then_some(first)
}
