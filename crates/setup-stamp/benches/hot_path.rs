//! Benchmarks of the hot path: `needs_setup` over site-packages of growing
//! size and search paths of growing length, reading the stamp, comparing
//! versions, and resolving the stamp path.
//!
//! `cargo bench -p setup-stamp --bench hot_path` measures them;
//! `cargo bench -p setup-stamp --bench hot_path -- --test` runs each once
//! (CI does that so they cannot rot). Figures, method and the cost model:
//! BENCHMARKS.md.
//!
//! `needs_setup` is measured twice: repeated calls on one handle, which find
//! each directory's listing cached while the directory is unchanged, and
//! `needs_setup_cold`, where every call lists afresh as the one call of a
//! `setup-stamp check` process does. Next to them, two floors made of plain
//! `std::fs` calls and no parsing: `list_dirs` lists the same search path (the only
//! work that grows with the number of installed distributions), and
//! `io_floor` performs every system call the check cannot avoid (read the
//! stamp, list the search path, read the five METADATA files).
//!
//! `BENCH_CLOCK=cpu` measures the benchmarking thread's CPU time (user and
//! system, `CLOCK_THREAD_CPUTIME_ID`) instead of wall time: on a shared,
//! busy machine wall time also counts the time spent waiting for a CPU.
//!
//! The generated environments are kept under Cargo's target tmp directory
//! (`target/tmp/setup-stamp-bench`) and reused by later runs: creating the
//! largest takes seconds on a slow disk, the benchmarks themselves do not.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion};
use nix::time::{clock_gettime, ClockId};
use setup_stamp::verdict::InstalledPackage;
use setup_stamp::version::compare_versions;
use setup_stamp::{stamp, SetupStamp, SetupVerdict};

/// The tracked packages and their installed versions.
const TRACKED: [(&str, &str); 5] = [
    ("terok", "0.7.2"),
    ("terok-executor", "0.3.1"),
    ("terok-sandbox", "0.6.0"),
    ("terok-shield", "0.2.4"),
    ("terok-clearance", "0.1.9"),
];

/// Bumped whenever the generated layout changes, so stale caches are not reused.
const LAYOUT: &str = "v3";

/// How many spellings (symbolic links) of each search-path directory the
/// environments carry: more than the library's listing cache keeps, so that
/// cycling through them makes every call list its directories afresh.
const SPELLINGS: usize = 256;

/// Where generated environments live between runs.
fn cache_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("setup-stamp-bench")
}

/// One installed distribution as pip leaves it: the import package's
/// directory next to `<name>-<version>.dist-info/METADATA`.
fn write_dist(site: &Path, name: &str, version: &str) {
    let module = name.replace('-', "_");
    fs::create_dir_all(site.join(&module)).expect("create package dir");
    let info = site.join(format!("{module}-{version}.dist-info"));
    fs::create_dir_all(&info).expect("create dist-info");
    fs::write(
        info.join("METADATA"),
        format!(
            "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: benchmark filler\n\
             Requires-Python: >=3.12\n\nA long description that nobody reads.\n"
        ),
    )
    .expect("write METADATA");
}

/// A search path of `entries` directories holding `distributions`
/// distributions in all: fillers spread round-robin, the tracked five in
/// the last entry (so every entry is listed). Reused when already complete.
///
/// Returns the search path followed by [`SPELLINGS`] other spellings of it
/// (`alias<k>-site<i>`, symbolic links to `site<i>`).
fn environment(distributions: usize, entries: usize) -> Vec<Vec<PathBuf>> {
    let root = cache_root().join(format!("{LAYOUT}-{distributions}-{entries}"));
    let spelled = |prefix: &str| -> Vec<PathBuf> {
        (0..entries)
            .map(|i| root.join(format!("{prefix}site{i}")))
            .collect()
    };
    let mut paths = vec![spelled("")];
    paths.extend((0..SPELLINGS).map(|k| spelled(&format!("alias{k}-"))));
    let complete = root.join("complete");
    if complete.exists() {
        return paths;
    }
    if root.exists() {
        fs::remove_dir_all(&root).expect("remove partial environment");
    }
    let dirs = &paths[0];
    for dir in dirs {
        fs::create_dir_all(dir).expect("create site dir");
    }
    for i in 0..distributions.saturating_sub(TRACKED.len()) {
        write_dist(&dirs[i % entries], &format!("filler-package-{i}"), "1.0.0");
    }
    for (name, version) in TRACKED {
        write_dist(&dirs[entries - 1], name, version);
    }
    for alias in &paths[1..] {
        for (link, dir) in alias.iter().zip(dirs) {
            std::os::unix::fs::symlink(dir, link).expect("create alias");
        }
    }
    fs::write(&complete, b"").expect("mark environment complete");
    paths
}

/// Lists every directory of the search path, counting entries.
fn list_dirs(search_path: &[PathBuf]) -> usize {
    search_path
        .iter()
        .filter_map(|dir| fs::read_dir(dir).ok())
        .map(|listing| listing.count())
        .sum()
}

/// The unavoidable I/O of a happy-path check, with no parsing: read the
/// stamp, list the search path, read the tracked METADATA files.
struct IoFloor {
    stamp: PathBuf,
    search_path: Vec<PathBuf>,
    metadata: Vec<PathBuf>,
}

impl IoFloor {
    fn new(stamp: PathBuf, search_path: Vec<PathBuf>) -> Self {
        let last = search_path.last().expect("non-empty search path").clone();
        let metadata = TRACKED
            .iter()
            .map(|(name, version)| {
                last.join(format!("{}-{version}.dist-info", name.replace('-', "_")))
                    .join("METADATA")
            })
            .collect();
        IoFloor {
            stamp,
            search_path,
            metadata,
        }
    }

    fn run(&self) -> usize {
        let mut bytes = fs::read(&self.stamp).map_or(0, |b| b.len());
        bytes += list_dirs(&self.search_path);
        for path in &self.metadata {
            bytes += fs::read(path).map_or(0, |b| b.len());
        }
        bytes
    }
}

/// One group per environment, `<entries>-entries/<distributions>`:
///
/// * `needs_setup`: repeated calls on one handle. The library keeps each
///   directory's listing while the directory is unchanged (as
///   `importlib.metadata` does), so these calls `stat` the directories
///   instead of listing them: the cost of a check in a long-lived process.
/// * `needs_setup_cold`: every call lists its directories afresh, as the
///   single call of a `setup-stamp check` process does (each call uses
///   another spelling of the search path, and the listing cache is keyed
///   by path).
/// * `io_floor` and `list_dirs`: the floors, always listing.
///
/// They run one after the other so that machine noise drifts over all alike.
fn bench_needs_setup<M: Measurement + 'static>(c: &mut Criterion<M>) {
    let state = tempfile::tempdir().expect("tempdir");
    std::env::set_var("TEROK_ROOT", state.path());
    for entries in [1, 5] {
        for distributions in [50, 1_000, 10_000] {
            let paths = environment(distributions, entries);
            let search_path = paths[0].clone();
            let setup = SetupStamp::terok().with_search_path(search_path.clone());
            let stamp = setup.write_stamp().expect("write stamp");
            assert_eq!(setup.needs_setup().expect("check"), SetupVerdict::Ok);
            let cold: Vec<SetupStamp> = paths[1..]
                .iter()
                .map(|path| SetupStamp::terok().with_search_path(path.clone()))
                .collect();
            assert_eq!(cold[0].needs_setup().expect("check"), SetupVerdict::Ok);
            let io = IoFloor::new(stamp, search_path.clone());
            assert!(io.run() > 0);

            let mut group = c.benchmark_group(format!("{entries}-entries"));
            if distributions >= 10_000 {
                // Milliseconds per call: fewer, longer samples.
                group
                    .sample_size(20)
                    .measurement_time(Duration::from_secs(4));
            }
            group.bench_with_input(
                BenchmarkId::new("needs_setup", distributions),
                &setup,
                |b, setup| b.iter(|| black_box(setup.needs_setup())),
            );
            // The turn survives criterion's repeated calls of the routine:
            // restarting at the first spelling for every sample would let
            // short samples find their listings still cached.
            let mut turn = 0;
            group.bench_with_input(
                BenchmarkId::new("needs_setup_cold", distributions),
                &cold,
                |b, cold| {
                    b.iter(|| {
                        turn = (turn + 1) % cold.len();
                        black_box(cold[turn].needs_setup())
                    })
                },
            );
            group.bench_with_input(BenchmarkId::new("io_floor", distributions), &io, |b, io| {
                b.iter(|| black_box(io.run()))
            });
            group.bench_with_input(
                BenchmarkId::new("list_dirs", distributions),
                &search_path,
                |b, path| b.iter(|| black_box(list_dirs(path))),
            );
            group.finish();
        }
    }
    std::env::remove_var("TEROK_ROOT");
}

fn bench_read_stamp<M: Measurement + 'static>(c: &mut Criterion<M>) {
    let root = tempfile::tempdir().expect("tempdir");
    let path = root.path().join("setup.stamp");
    let packages: Vec<_> = TRACKED
        .iter()
        .map(|(name, version)| InstalledPackage {
            name: (*name).to_owned(),
            version: Some((*version).to_owned()),
        })
        .collect();
    let text = stamp::render_stamp("2026-11-25T16:47:05+00:00", &packages);
    fs::write(&path, &text).expect("write stamp");
    c.bench_function("read_stamp_file", |b| {
        b.iter(|| black_box(stamp::read_stamp_file(black_box(&path))))
    });
    c.bench_function("parse_stamp", |b| {
        b.iter(|| black_box(stamp::parse_stamp(black_box(text.as_bytes()))))
    });
}

/// One ready terok-sandbox receipt: the file read, parsed and compared
/// (`SetupReceipt::check`), and the parse and comparison alone.
fn bench_receipt<M: Measurement + 'static>(c: &mut Criterion<M>) {
    use setup_stamp::receipt::{compare_receipt, SetupReceipt, SetupStatus, Stored};
    let root = tempfile::tempdir().expect("tempdir");
    let python = r#"["/venv/bin/python3.12", "3.12.1 (main, Jan 5 2024) [GCC 12.2.0]", [2049, 1234567, 17600, 1700000000123456789]]"#;
    let receipt = SetupReceipt::new(root.path().join("setup.json"), "terok-sandbox", "0.6.0")
        .with_input("python", python)
        .with_input(
            "credentials",
            "/home/u/.local/share/terok/vault/credentials.db",
        )
        .with_input("host_tools", "6b".repeat(32));
    receipt.write().expect("write receipt");
    assert_eq!(receipt.check().expect("check").status, SetupStatus::Ready);
    let text = receipt.rendered();
    let mut group = c.benchmark_group("receipt");
    group.bench_function("check", |b| b.iter(|| black_box(receipt.check())));
    group.bench_function("compare", |b| {
        b.iter(|| {
            black_box(compare_receipt(
                Stored::Bytes(black_box(text.as_bytes())),
                "terok-sandbox",
                "0.6.0",
                &receipt.inputs,
            ))
        })
    });
    group.finish();
}

fn bench_compare<M: Measurement + 'static>(c: &mut Criterion<M>) {
    let mut group = c.benchmark_group("compare_versions");
    for (a, b) in [
        ("0.6.0", "0.6.0"),
        ("1.0.post1", "1.0rc2"),
        ("1!2.0.dev3+local.7", "1!2.0.dev3+local.8"),
        ("1.99999999999999999999", "1.99999999999999999998"),
        ("not a version", "0.6.0"),
    ] {
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{a} vs {b}")),
            &(a, b),
            |bench, (a, b)| bench.iter(|| black_box(compare_versions(black_box(a), black_box(b)))),
        );
    }
    group.finish();
}

fn bench_stamp_path<M: Measurement + 'static>(c: &mut Criterion<M>) {
    let root = tempfile::tempdir().expect("tempdir");
    let home = root.path().join("home");
    fs::create_dir_all(&home).expect("create home");
    std::env::remove_var("TEROK_ROOT");
    std::env::remove_var("TEROK_CONFIG_FILE");
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_DATA_HOME", root.path().join("data"));
    std::env::set_var("XDG_CONFIG_HOME", root.path().join("config"));
    let config = root.path().join("config.yml");
    fs::write(
        &config,
        "paths:\n  root: ~/relocated/terok\nother:\n  key: [1, 2, 3]\n",
    )
    .expect("write config");
    let setup = SetupStamp::terok();
    let mut group = c.benchmark_group("stamp_path");

    // No TEROK_ROOT, no config file anywhere: the platform default.
    group.bench_function("defaults", |b| b.iter(|| black_box(setup.stamp_path())));
    // paths.root from a config.yml (parsed every call, as the reference does).
    std::env::set_var("TEROK_CONFIG_FILE", &config);
    group.bench_function("config_yml", |b| b.iter(|| black_box(setup.stamp_path())));
    // TEROK_ROOT: no file is read.
    std::env::set_var("TEROK_ROOT", root.path().join("state"));
    group.bench_function("terok_root", |b| b.iter(|| black_box(setup.stamp_path())));
    group.finish();
    std::env::remove_var("TEROK_ROOT");
    std::env::remove_var("TEROK_CONFIG_FILE");
}

/// The calling thread's CPU time, user and system (`CLOCK_THREAD_CPUTIME_ID`).
struct ThreadCpuTime;

impl ThreadCpuTime {
    fn now() -> Duration {
        // The clock exists on every Linux; reading it cannot fail there.
        clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        Self::now()
    }

    fn end(&self, start: Duration) -> Duration {
        Self::now().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like wall time.
        WallTime.formatter()
    }
}

fn run<M: Measurement + 'static>(mut c: Criterion<M>) {
    c = c
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_needs_setup(&mut c);
    bench_read_stamp(&mut c);
    bench_compare(&mut c);
    bench_stamp_path(&mut c);
    bench_receipt(&mut c);
    c.final_summary();
}

fn main() {
    if std::env::var_os("BENCH_CLOCK").is_some_and(|clock| clock == "cpu") {
        run(Criterion::default().with_measurement(ThreadCpuTime));
    } else {
        run(Criterion::default());
    }
}
