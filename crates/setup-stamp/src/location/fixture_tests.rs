//! Checks every row of `tests/fixtures/location.json`, generated from the reference
//! libraries by `scripts/gen_location_fixture.py`.

use super::config::{read_layer, root_from_layers};
use super::yaml::load;
use super::*;
use serde_json::Value as Json;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

/// Rows whose text we knowingly answer differently (listed in the `yaml` module docs):
/// a recursive alias, surrogate escapes (a Rust string cannot hold them), and a few
/// NEL / CR corners (a NEL inside a block scalar followed by spaces or a comment
/// under `|+`, or after an indentation indicator; a CR before `:` in a flow
/// mapping).
const KNOWN_DIFFERENCES: &[&str] = &[
    "k: |+\n  x\u{85}   \n\n",
    "k: |+\n  x\u{85}# c\n\n",
    "k: |2\u{85}   x\n",
    "a: {b\r: 1}\n",
    "a: &x [*x]\n",
    "a: \"\\ud800\"\n",
    "a: \"\\ud83d\\ude00\"\n",
];

/// The committed fixture, or the file named by `LOCATION_FIXTURE` (for ad-hoc
/// differential runs with generated documents).
fn fixture() -> Json {
    let path = match std::env::var_os("LOCATION_FIXTURE") {
        Some(p) => std::path::PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/location.json"),
    };
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn rows<'a>(fx: &'a Json, kind: &str) -> Vec<&'a Json> {
    fx["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["kind"] == kind)
        .collect()
}

fn report(mismatches: &[String], total: usize) {
    for m in mismatches {
        eprintln!("{m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {total} rows differ",
        mismatches.len()
    );
}

fn check_yaml_rows(fx: &Json) {
    let rows = rows(fx, "yaml");
    let mut bad = Vec::new();
    for row in &rows {
        let text = row["text"].as_str().expect("text");
        let got = load(text);
        let ok = match (&got, row.get("str"), row.get("str_error")) {
            (Ok(v), Some(Json::String(s)), _) => v.py_str().as_deref() == Some(s.as_str()),
            (Ok(v), None, Some(_)) => v.py_str().is_none(),
            (Err(_), None, None) => true,
            _ => false,
        };
        if KNOWN_DIFFERENCES.contains(&text) {
            // A listed difference must still be one.
            if ok {
                bad.push(format!(
                    "yaml {text:?}: listed in KNOWN_DIFFERENCES but agrees now; remove it"
                ));
            }
            continue;
        }
        if !ok {
            let got = match &got {
                Ok(v) => format!("{:?}", v.py_str()),
                Err(e) => format!("error {e}"),
            };
            bad.push(format!(
                "yaml {text:?}: python {}, ours {got}",
                row.get("str")
                    .or(row.get("error"))
                    .or(row.get("str_error"))
                    .unwrap_or(&Json::Null)
            ));
        }
    }
    report(&bad, rows.len());
}

#[test]
fn yaml_rows() {
    check_yaml_rows(&fixture());
}

/// Every listed difference is a row of one of the YAML fixtures (where
/// [`check_yaml_rows`] proves it still differs).
#[test]
fn known_differences_are_fixture_rows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut texts = Vec::new();
    for fx in [
        fixture(),
        load_json(&dir.join("location_yaml_random.json")),
        load_json(&dir.join("location_nel.json")),
    ] {
        for row in rows(&fx, "yaml") {
            texts.push(row["text"].as_str().expect("text").to_owned());
        }
    }
    for known in KNOWN_DIFFERENCES {
        assert!(
            texts.iter().any(|t| t == known),
            "{known:?} is in no fixture: the difference is not checked"
        );
    }
}

fn load_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

#[test]
fn random_yaml_rows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/location_yaml_random.json");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    check_yaml_rows(&serde_json::from_str(&text).expect("fixture is JSON"));
}

/// Documents holding NEL, CR, LINE SEPARATOR and PARAGRAPH SEPARATOR in every
/// context (`scripts/gen_location_nel.py`).
#[test]
fn line_break_yaml_rows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/location_nel.json");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    check_yaml_rows(&serde_json::from_str(&text).expect("fixture is JSON"));
}

#[test]
fn layer_rows() {
    let fx = fixture();
    let rows = rows(&fx, "layers");
    let mut bad = Vec::new();
    for row in &rows {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut layers = Vec::new();
        let mut failed = false;
        for (i, layer) in row["layers"].as_array().expect("layers").iter().enumerate() {
            let path = dir.path().join(format!("layer{i}.yml"));
            let bytes = match layer {
                Json::Null => None,
                Json::String(s) => Some(s.as_bytes().to_vec()),
                other => {
                    let hex = other["hex"].as_str().expect("hex");
                    Some(
                        (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                            .collect(),
                    )
                }
            };
            if let Some(bytes) = bytes {
                std::fs::write(&path, bytes).expect("write layer");
            }
            match read_layer(&path) {
                Ok(l) => layers.push(l),
                Err(_) => failed = true,
            }
        }
        let got = if failed {
            None
        } else {
            root_from_layers(&layers).ok().flatten()
        };
        let want = row["root"].as_str().map(str::to_owned);
        if got != want {
            bad.push(format!(
                "layers {}: python {want:?}, ours {got:?}",
                row["layers"]
            ));
        }
    }
    report(&bad, rows.len());
}

fn make_tree(fx: &Json, d: &Path) {
    for entry in fx["meta"]["tree"].as_array().expect("tree") {
        let kind = entry[0].as_str().expect("kind");
        let path = d.join(entry[1].as_str().expect("path"));
        match kind {
            "dir" => std::fs::create_dir_all(&path).expect("mkdir"),
            "file" => std::fs::write(&path, "").expect("file"),
            "fifo" => nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("fifo"),
            _ => {
                let target = entry[2]
                    .as_str()
                    .expect("target")
                    .replace("$D", &d.to_string_lossy());
                std::os::unix::fs::symlink(target, &path).expect("symlink");
            }
        }
    }
}

#[test]
fn resolve_rows() {
    let fx = fixture();
    let rows = rows(&fx, "resolve");
    let meta = &fx["meta"];
    let mut bad = Vec::new();
    for row in &rows {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = std::fs::canonicalize(dir.path()).expect("canonical");
        let ds = d.to_string_lossy().into_owned();
        make_tree(&fx, &d);
        if let Some(files) = row["files"].as_object() {
            for (rel, content) in files {
                let p = d.join(rel);
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                let content = content.as_str().expect("content").replace("$D", &ds);
                std::fs::write(&p, content).expect("write");
            }
        }
        let uid = meta["uid"].as_u64().expect("uid") as u32;
        let mut host = MapHost::new(uid);
        host.euid = row["euid"].as_u64().expect("euid") as u32;
        host.cwd = Some(d.clone());
        host.homes_by_uid
            .insert(uid, meta["uid_home"].as_str().expect("uid_home").into());
        for (name, home) in meta["passwd"].as_object().expect("passwd") {
            host.homes_by_name
                .insert(name.into(), home.as_str().expect("home").into());
        }
        for (k, v) in row["env"].as_object().expect("env") {
            host.env.insert(
                k.clone(),
                v.as_str().expect("value").replace("$D", &ds).into(),
            );
        }
        let namespace = row["namespace"].as_str().unwrap_or("terok");
        let got = match stamp_path(namespace, "setup.stamp", &host) {
            Ok(p) => {
                let s = String::from_utf8(p.into_os_string().into_vec()).expect("utf8");
                Some(s.replace(&ds, "$D"))
            }
            Err(_) => None,
        };
        let want = row["path"].as_str().map(str::to_owned);
        if got != want {
            bad.push(format!(
                "resolve env={} files={}: python {:?}, ours {got:?}",
                row["env"],
                row["files"],
                want.as_deref()
                    .unwrap_or(row["error"].as_str().unwrap_or("?"))
            ));
        }
    }
    report(&bad, rows.len());
}
