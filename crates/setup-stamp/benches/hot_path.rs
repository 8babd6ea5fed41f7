//! Benchmarks of the hot path: `needs_setup` over site-packages of growing
//! size and search paths of growing length, reading the stamp, comparing
//! versions, and resolving the stamp path.
//!
//! `cargo bench -p setup-stamp` runs them; `cargo bench -p setup-stamp -- --test`
//! runs each once (CI does that so they cannot rot). Figures and method:
//! BENCHMARKS.md.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use setup_stamp::version::compare_versions;
use setup_stamp::{stamp, SetupStamp, SetupVerdict};

const TRACKED: [(&str, &str); 5] = [
    ("terok", "0.7.2"),
    ("terok-executor", "0.3.1"),
    ("terok-sandbox", "0.6.0"),
    ("terok-shield", "0.2.4"),
    ("terok-clearance", "0.1.9"),
];

/// Writes one `.dist-info` directory with a small METADATA file.
fn write_dist(site: &Path, name: &str, version: &str) {
    let dir = site.join(format!("{}-{version}.dist-info", name.replace('-', "_")));
    fs::create_dir_all(&dir).expect("create dist-info");
    fs::write(
        dir.join("METADATA"),
        format!(
            "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: bench\n\nbody\n"
        ),
    )
    .expect("write METADATA");
}

/// A search path of `entries` directories holding `distributions` filler
/// distributions in all, with the tracked ones in the last entry.
fn environment(root: &Path, distributions: usize, entries: usize) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (0..entries)
        .map(|i| root.join(format!("site{i}")))
        .collect();
    for dir in &dirs {
        fs::create_dir_all(dir).expect("create site dir");
    }
    for i in 0..distributions.saturating_sub(TRACKED.len()) {
        write_dist(&dirs[i % entries], &format!("filler-package-{i}"), "1.0.0");
    }
    for (name, version) in TRACKED {
        write_dist(&dirs[entries - 1], name, version);
    }
    dirs
}

fn bench_needs_setup(c: &mut Criterion) {
    let mut group = c.benchmark_group("needs_setup");
    for (distributions, entries) in [(50, 1), (1_000, 1), (10_000, 1), (50, 5), (1_000, 5)] {
        let root = tempfile::tempdir().expect("tempdir");
        let search_path = environment(root.path(), distributions, entries);
        let state = root.path().join("state");
        std::env::set_var("TEROK_ROOT", &state);
        let setup = SetupStamp::terok().with_search_path(search_path);
        setup.write_stamp().expect("write stamp");
        assert_eq!(setup.needs_setup().expect("check"), SetupVerdict::Ok);
        group.bench_with_input(
            BenchmarkId::new(format!("{entries}-entries"), distributions),
            &setup,
            |b, setup| b.iter(|| black_box(setup.needs_setup())),
        );
    }
    group.finish();
}

fn bench_read_stamp(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("tempdir");
    let path = root.path().join("setup.stamp");
    let packages: Vec<_> = TRACKED
        .iter()
        .map(|(name, version)| setup_stamp::verdict::InstalledPackage {
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

fn bench_compare(c: &mut Criterion) {
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

fn bench_stamp_path(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("tempdir");
    std::env::remove_var("TEROK_ROOT");
    std::env::set_var("HOME", root.path());
    std::env::set_var("XDG_DATA_HOME", root.path().join("data"));
    std::env::set_var("XDG_CONFIG_HOME", root.path().join("config"));
    let config = root.path().join("config.yml");
    fs::write(
        &config,
        "paths:\n  root: ~/relocated/terok\nother:\n  key: [1, 2, 3]\n",
    )
    .expect("write config");
    let setup = SetupStamp::terok();

    std::env::set_var("TEROK_CONFIG_FILE", root.path().join("absent.yml"));
    c.bench_function("stamp_path/no_config", |b| {
        b.iter(|| black_box(setup.stamp_path()))
    });
    std::env::set_var("TEROK_CONFIG_FILE", &config);
    c.bench_function("stamp_path/config_yml", |b| {
        b.iter(|| black_box(setup.stamp_path()))
    });
    std::env::set_var("TEROK_ROOT", root.path().join("state"));
    c.bench_function("stamp_path/terok_root", |b| {
        b.iter(|| black_box(setup.stamp_path()))
    });
}

criterion_group!(
    benches,
    bench_needs_setup,
    bench_read_stamp,
    bench_compare,
    bench_stamp_path
);
criterion_main!(benches);
