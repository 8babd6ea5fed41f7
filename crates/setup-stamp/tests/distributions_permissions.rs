//! Permission errors, compared with CPython 3.12 as an unprivileged user.
//!
//! `read_text` suppresses `PermissionError` and `os.listdir` failures are
//! silent, so unreadable metadata files, unlistable directories and
//! unreadable zip files are skipped. Root bypasses permission checks, so the
//! comparison runs both sides as uid/gid 65534: CPython is started as root
//! and drops privileges itself after importing everything (the pyenv
//! interpreter under `/root` is not readable by other users), and this test
//! binary re-runs itself under `setpriv`. When not run as root or when
//! `setpriv` or CPython 3.12 is missing the skip is recorded
//! (`setup_stamp_test_support::required`: a failure under CI).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use setup_stamp::distributions::find_distributions;
use setup_stamp_test_support::{cpython, cpython_missing, required};

const CHILD_ENV: &str = "SETUP_STAMP_DISTRIBUTIONS_PERMISSIONS_CHILD";
const NAMES: [&str; 5] = [
    "terok",
    "terok-shield",
    "terok-executor",
    "terok-clearance",
    "terok-sandbox",
];
const UID: &str = "65534";

const PYTHON: &str = r#"
import email, json, os, sys, textwrap, warnings, zipfile
import importlib.metadata as md
warnings.simplefilter("ignore")
email.message_from_string("A: b\n")
textwrap.dedent("x")
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
names = sys.argv[1].split(",")
sys.path[:] = sys.argv[2:]
for n in names:
    try:
        d = md.distribution(n)
    except md.PackageNotFoundError:
        print("ROW", json.dumps([n, "not-found", None]))
        continue
    try:
        print("ROW", json.dumps([n, "found", d.version]))
    except Exception as e:
        print("ROW", json.dumps([n, "error", type(e).__name__]))
"#;

fn search_path(root: &Path) -> Vec<PathBuf> {
    ["site", "site2", "site3", "site4/p.whl", "site5"]
        .iter()
        .map(|p| root.join(p))
        .collect()
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn write(path: &Path, data: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, data).expect("write");
}

/// A layout where every lookup meets a permission error somewhere.
fn build(root: &Path) {
    chmod(root, 0o755);
    // Unreadable METADATA: PKG-INFO is used.
    write(&root.join("site/terok.dist-info/METADATA"), "Version: 1\n");
    write(&root.join("site/terok.dist-info/PKG-INFO"), "Version: 2\n");
    chmod(&root.join("site/terok.dist-info/METADATA"), 0o000);
    // Unreadable .dist-info directory: found, no version.
    write(
        &root.join("site/terok_shield.dist-info/METADATA"),
        "Version: 3\n",
    );
    chmod(&root.join("site/terok_shield.dist-info"), 0o000);
    // Unlistable directories: skipped.
    write(
        &root.join("site2/terok_executor.dist-info/METADATA"),
        "Version: 4\n",
    );
    chmod(&root.join("site2"), 0o000);
    write(
        &root.join("site3/terok_clearance.dist-info/METADATA"),
        "Version: 5\n",
    );
    chmod(&root.join("site3"), 0o111);
    // Unreadable zip: skipped.
    let zip_path = root.join("site4/p.whl");
    fs::create_dir_all(root.join("site4")).expect("mkdir");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).expect("create zip"));
    zip.start_file(
        "terok_sandbox-1.0.dist-info/METADATA",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip member");
    std::io::Write::write_all(&mut zip, b"Version: 6\n").expect("zip data");
    zip.finish().expect("finish zip");
    chmod(&zip_path, 0o000);
    // Readable fallbacks further down the path.
    write(
        &root.join("site5/terok_executor.dist-info/METADATA"),
        "Version: 7\n",
    );
    write(
        &root.join("site5/terok_sandbox.dist-info/METADATA"),
        "Version: 8\n",
    );
    for dir in ["site", "site4", "site5"] {
        chmod(&root.join(dir), 0o755);
    }
}

fn rust_lines(root: &Path) -> Vec<String> {
    let found = find_distributions(&search_path(root), &NAMES).expect("lookup");
    NAMES
        .iter()
        .zip(found)
        .map(|(n, f)| {
            let row = match f {
                Some(d) => serde_json::json!([n, "found", d.version]),
                None => serde_json::json!([n, "not-found", null]),
            };
            row.to_string()
        })
        .collect()
}

fn parse(lines: &str) -> Vec<Value> {
    lines
        .lines()
        .filter_map(|l| l.find("ROW ").map(|i| &l[i + 4..]))
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect()
}

#[test]
fn permission_errors_are_suppressed_like_python() {
    if let Some(root) = std::env::var_os(CHILD_ENV) {
        // The unprivileged re-run: print our answers.
        for line in rust_lines(Path::new(&root)) {
            println!("\nROW {line}");
        }
        return;
    }
    if !nix::unistd::geteuid().is_root() {
        return required("root, to compare as uid 65534 what root would bypass");
    }
    let Some(python) = cpython(12) else {
        return required(cpython_missing(12));
    };
    let setpriv_ok = Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !setpriv_ok {
        return required("setpriv (util-linux)");
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    build(tmp.path());

    let out = Command::new(python)
        .args(["-I", "-S", "-c", PYTHON, &NAMES.join(",")])
        .args(search_path(tmp.path()))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = parse(&String::from_utf8_lossy(&out.stdout));

    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={UID}"),
            &format!("--regid={UID}"),
            "--clear-groups",
        ])
        .arg(exe)
        .args([
            "--exact",
            "permission_errors_are_suppressed_like_python",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, tmp.path())
        .output()
        .expect("run unprivileged");
    let got = parse(&String::from_utf8_lossy(&out.stdout));

    // Let the temporary directory be removed.
    for dir in ["site/terok_shield.dist-info", "site2", "site3"] {
        chmod(&tmp.path().join(dir), 0o755);
    }

    assert_eq!(want.len(), NAMES.len(), "python answered every name");
    assert_eq!(got, want);
    // The expected answers, for the record.
    let versions: Vec<&Value> = want.iter().map(|row| &row[2]).collect();
    assert_eq!(
        versions,
        [
            &Value::from("2"),
            &Value::Null,
            &Value::from("7"),
            &Value::Null,
            &Value::from("8")
        ]
    );
}
