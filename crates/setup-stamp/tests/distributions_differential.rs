//! Differential tests of `distributions::find_distributions` against
//! `importlib.metadata.version()` of CPython 3.12.
//!
//! - `fixture_cases`: layouts and answers recorded by
//!   `scripts/distributions_oracle.py generate` (regenerate with
//!   `python3.12 -I -S scripts/distributions_oracle.py generate --seed 1 --count 300
//!   --out crates/setup-stamp/tests/fixtures/distributions_cases.json`). These
//!   layouts have no two candidates for one name in one directory, so they can
//!   be rebuilt anywhere.
//! - `live_python_same_directory`: asks CPython 3.12 live on layouts that do
//!   have same-directory duplicates (whose answer depends on readdir order),
//!   evaluating both sides on the very same directories. The interpreter is
//!   `setup_stamp_test_support::cpython(12)` (`SETUP_STAMP_PY312` names it);
//!   without one the skip is recorded, and under CI it is a failure.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use setup_stamp::distributions::{find_distributions, DistributionError, FoundDistribution};

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("fixture data is latin-1"))
        .collect()
}

fn apply_ops(root: &Path, ops: &[Value]) {
    for op in ops {
        let op = op.as_array().expect("op is an array");
        let kind = op[0].as_str().expect("op kind");
        let path = root.join(op[1].as_str().expect("op path"));
        match kind {
            "dir" => fs::create_dir_all(&path).expect("create dir"),
            "file" => {
                fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
                fs::write(&path, latin1(op[2].as_str().expect("data"))).expect("write file");
            }
            "symlink" => {
                fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
                std::os::unix::fs::symlink(op[2].as_str().expect("target"), &path)
                    .expect("symlink");
            }
            "file_parts" => {
                fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
                let mut data = Vec::new();
                for part in op[2].as_array().expect("parts") {
                    let count = usize::try_from(part[1].as_u64().expect("count")).expect("small");
                    data.extend(latin1(part[0].as_str().expect("part")).repeat(count));
                }
                fs::write(&path, data).expect("write file");
            }
            "dir_b" | "file_b" => {
                let raw = root.join(OsStr::from_bytes(&latin1(op[1].as_str().expect("op path"))));
                if kind == "dir_b" {
                    fs::create_dir_all(&raw).expect("create dir");
                } else {
                    fs::write(&raw, latin1(op[2].as_str().expect("data"))).expect("write file");
                }
            }
            other => panic!("unknown op {other}"),
        }
    }
}

/// What Python said for one name.
#[derive(Debug, PartialEq)]
enum Expected {
    NotFound,
    Error(&'static str),
    Found {
        entry: usize,
        child: String,
        version: Option<String>,
    },
}

fn error_kind(python_type: &str) -> &'static str {
    match python_type {
        "UnicodeDecodeError" => "InvalidUtf8",
        "ValueError" => "EmptyName",
        "OSError" => "Read",
        "BadZipFile" | "RuntimeError" | "NotImplementedError" | "EOFError" | "zlib.error" => "Zip",
        other => panic!("unexpected Python exception {other}"),
    }
}

fn expected(v: &Value) -> Expected {
    if v.is_null() {
        return Expected::NotFound;
    }
    if let Some(e) = v.get("error") {
        return Expected::Error(error_kind(e.as_str().expect("error type")));
    }
    Expected::Found {
        entry: usize::try_from(v["entry"].as_u64().expect("entry")).expect("small"),
        child: v["child"].as_str().expect("child").to_owned(),
        version: v["version"].as_str().map(str::to_owned),
    }
}

fn actual_error(e: &DistributionError) -> &'static str {
    match e {
        DistributionError::EmptyName => "EmptyName",
        DistributionError::InvalidUtf8 { .. } => "InvalidUtf8",
        DistributionError::Read { .. } => "Read",
        DistributionError::Zip { .. } => "Zip",
    }
}

fn actual(paths: &[PathBuf], found: Option<&FoundDistribution>) -> Expected {
    match found {
        None => Expected::NotFound,
        Some(d) => Expected::Found {
            entry: paths
                .iter()
                .position(|p| *p == d.search_entry)
                .expect("search entry is on the path"),
            child: d
                .metadata_dir
                .file_name()
                .expect("metadata dir has a name")
                .as_bytes()
                .iter()
                .map(|&b| char::from(b))
                .collect(),
            version: d.version.clone(),
        },
    }
}

/// Compare one case evaluated in `root`; returns mismatch descriptions.
fn check_case(index: usize, root: &Path, case: &Value) -> Vec<String> {
    let paths: Vec<PathBuf> = case["search_path"]
        .as_array()
        .expect("search_path")
        .iter()
        .map(|p| root.join(p.as_str().expect("path")))
        .collect();
    let names: Vec<&str> = case["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("name"))
        .collect();
    let want: Vec<Expected> = case["expected"]
        .as_array()
        .expect("expected")
        .iter()
        .map(expected)
        .collect();
    let mut mismatches = Vec::new();

    // One name at a time: exactly `version(name)`.
    for (name, want) in names.iter().zip(&want) {
        let got = match find_distributions(&paths, &[name]) {
            Ok(found) => actual(&paths, found[0].as_ref()),
            Err(e) => Expected::Error(actual_error(&e)),
        };
        if got != *want {
            mismatches.push(format!(
                "case {index} name {name:?}: python {want:?}, rust {got:?}"
            ));
        }
    }

    // All names at once: the first error in name order, else every answer.
    let first_error = want.iter().find_map(|w| match w {
        Expected::Error(k) => Some(*k),
        _ => None,
    });
    match (find_distributions(&paths, &names), first_error) {
        (Err(e), Some(k)) if actual_error(&e) == k => {}
        (Ok(found), None) => {
            for ((name, want), got) in names.iter().zip(&want).zip(&found) {
                let got = actual(&paths, got.as_ref());
                if got != *want {
                    mismatches.push(format!(
                        "case {index} batch name {name:?}: python {want:?}, rust {got:?}"
                    ));
                }
            }
        }
        (got, k) => mismatches.push(format!(
            "case {index} batch: python error {k:?}, rust {got:?}"
        )),
    }
    mismatches
}

fn report(mismatches: &[String], cases: usize) {
    for m in mismatches.iter().take(40) {
        eprintln!("{m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches over {cases} cases",
        mismatches.len()
    );
}

#[test]
fn fixture_cases() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/distributions_cases.json");
    let doc: Value = serde_json::from_str(&fs::read_to_string(fixture).expect("read fixture"))
        .expect("parse fixture");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 100);
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut mismatches = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let root = tmp.path().join(i.to_string());
        fs::create_dir(&root).expect("case dir");
        apply_ops(&root, case["ops"].as_array().expect("ops"));
        mismatches.extend(check_case(i, &root, case));
    }
    report(&mismatches, cases.len());
}

#[test]
fn live_python_same_directory() {
    let Some(python) = setup_stamp_test_support::cpython(12) else {
        return setup_stamp_test_support::required(setup_stamp_test_support::cpython_missing(12));
    };
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/distributions_oracle.py");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut total = 0;
    let mut mismatches = Vec::new();
    for seed in [11, 12] {
        let root = tmp.path().join(seed.to_string());
        fs::create_dir(&root).expect("seed dir");
        let out = Command::new(python)
            .arg("-I")
            .arg("-S")
            .arg(&script)
            .args([
                "live",
                "--seed",
                &seed.to_string(),
                "--count",
                "120",
                "--root",
            ])
            .arg(&root)
            .output()
            .expect("run the oracle");
        assert!(
            out.status.success(),
            "oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("oracle output");
        assert_eq!(
            doc["python"].as_str().map(|v| v.starts_with("3.12.")),
            Some(true)
        );
        let cases = doc["cases"].as_array().expect("cases");
        for (i, case) in cases.iter().enumerate() {
            mismatches.extend(check_case(i, &root.join(i.to_string()), case));
        }
        total += cases.len();
    }
    report(&mismatches, total);
}
