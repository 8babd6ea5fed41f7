//! Discovery against real layouts built with the machine's Python: test
//! distributions are built offline (`fixtures/environment/make_wheel.py`)
//! and installed with pip; each console script prints the `sys.path` it
//! sees and the versions `importlib.metadata` reports, and the search path
//! found by discovery must equal that `sys.path`.
//!
//! Needs CPython 3.12 (found by `setup_stamp_test_support::cpython`; the pyenv
//! shim test needs both 3.12 and 3.11 under one pyenv root, the no-process
//! test strace, the Debian test Debian's `/usr/bin/python3`). Without them
//! the skip is recorded, and under CI it is a failure.

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use setup_stamp::environment::{
    discover_in, CacheStatus, DiscoveryOptions, DiscoveryRequest, DiscoveryRule, Environment,
    EnvironmentError, HostEnv, QueryFailure,
};

use setup_stamp_test_support::{optional, pyenv, required, PYENV_MISSING};
use support::{have_python, host_command, make_venv, py312, stdout_of};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/environment")
        .join(name)
}

/// A scratch area: a home directory, a cache, a wheel house.
struct Lab {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

#[derive(Debug, serde::Deserialize)]
struct Seen {
    path: Vec<PathBuf>,
    versions: std::collections::BTreeMap<String, Option<String>>,
}

impl Lab {
    fn new() -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["home", "cache", "wheels", "work", "bin"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Lab { _tmp: tmp, root }
    }

    /// A new area, or `None` when pyenv's CPython 3.12 is absent.
    fn with_python() -> Option<Lab> {
        have_python().then(Lab::new)
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A host with only the variables the tests control.
    fn host(&self, path: &str) -> HostEnv {
        HostEnv::empty(self.p("work"))
            .with_var("HOME", self.p("home"))
            .with_var("XDG_CACHE_HOME", self.p("cache"))
            .with_var("PATH", path)
    }

    /// A generous timeout: the machine may be busy.
    fn options(&self) -> DiscoveryOptions {
        DiscoveryOptions {
            timeout: Duration::from_secs(20),
            ..DiscoveryOptions::default()
        }
    }

    fn wheel(&self, name: &str, version: &str, scripts: &[&str]) -> PathBuf {
        let out = stdout_of(
            Command::new(py312())
                .arg(fixture("make_wheel.py"))
                .arg(self.p("wheels"))
                .args([name, version])
                .args(scripts),
        );
        PathBuf::from(String::from_utf8(out).unwrap().trim())
    }

    fn venv(&self, rel: &str, system_site: bool) -> PathBuf {
        let dir = self.p(rel);
        make_venv(&dir, system_site);
        dir
    }

    /// A virtual environment at `rel` with `wheels` installed.
    fn venv_with(&self, rel: &str, system_site: bool, wheels: &[PathBuf]) -> PathBuf {
        let venv = self.venv(rel, system_site);
        let mut args: Vec<OsString> = vec![
            "--python".into(),
            venv.join("bin/python").into(),
            "install".into(),
        ];
        args.extend(wheels.iter().map(|w| w.clone().into()));
        self.pip(args);
        venv
    }

    /// Discovery with the default request and [`Lab::options`].
    fn discover(&self, host: &HostEnv) -> Environment {
        discover_in(&DiscoveryRequest::default(), host, &self.options()).unwrap()
    }

    /// `pip install` with the base interpreter (`--python` selects a venv).
    fn pip(&self, args: Vec<OsString>) {
        stdout_of(
            Command::new(py312())
                .args(["-m", "pip"])
                .args(args)
                .args([
                    "--no-index",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-q",
                ])
                .env("HOME", self.p("home"))
                .env("PIP_NO_CACHE_DIR", "1")
                .env_remove("PYTHONPATH")
                .env_remove("VIRTUAL_ENV")
                .env_remove("PYTHONUSERBASE"),
        );
    }

    /// Runs `command` through the shell with exactly the host's variables.
    fn run(&self, host: &HostEnv, command: &str) -> Seen {
        let out = stdout_of(host_command("/bin/sh", host).args(["-c", &format!("exec {command}")]));
        serde_json::from_slice(&out).unwrap()
    }
}

/// Asserts the versions a console script saw, name by name.
fn assert_versions(seen: &Seen, expected: &[(&str, &str)]) {
    for (name, version) in expected {
        assert_eq!(seen.versions[*name].as_deref(), Some(*version), "{name}");
    }
}

#[test]
fn pipx_style_console_script_and_editable_install() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    // pipx: the venv lives elsewhere, its console script is linked into a
    // bin directory on PATH.
    let venv = lab.venv_with(
        "pipx/venvs/terok",
        false,
        &[
            lab.wheel("terok", "1.2.0", &["terok"]),
            lab.wheel("terok-shield", "0.3", &[]),
        ],
    );
    // An editable install (PEP 660) built by an in-tree backend.
    let proj = lab.p("proj");
    std::fs::create_dir_all(proj.join("src")).unwrap();
    std::fs::copy(fixture("make_wheel.py"), proj.join("backend.py")).unwrap();
    std::fs::write(proj.join("project.txt"), "terok-sandbox 0.9.dev1\n").unwrap();
    std::fs::write(
        proj.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n[project]\nname = \"terok-sandbox\"\nversion = \"0.9.dev1\"\n",
    )
    .unwrap();
    lab.pip(vec![
        "--python".into(),
        venv.join("bin/python").into(),
        "install".into(),
        "--no-build-isolation".into(),
        "-e".into(),
        proj.clone().into(),
    ]);
    // An .egg-info install next to them.
    let egg = venv.join("lib/python3.12/site-packages/terok_clearance-0.5.egg-info");
    std::fs::create_dir_all(&egg).unwrap();
    std::fs::write(
        egg.join("PKG-INFO"),
        "Metadata-Version: 1.0\nName: terok-clearance\nVersion: 0.5\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(venv.join("bin/terok"), lab.p("bin/terok")).unwrap();

    let host = lab.host(&format!("{}:/usr/bin:/bin", lab.p("bin").display()));
    let sp = lab.discover(&host);
    let seen = lab.run(&host, "terok");
    assert_eq!(sp.search_path, seen.path, "{sp}");
    assert_eq!(
        sp.rule,
        DiscoveryRule::ConsoleScript {
            name: "terok".into(),
            script: lab.p("bin/terok")
        }
    );
    assert_eq!(sp.cache, CacheStatus::NotNeeded);
    assert_eq!(sp.search_path[0], venv.join("bin"));
    assert!(sp.search_path.contains(&proj.join("src")));
    assert_versions(
        &seen,
        &[
            ("terok", "1.2.0"),
            ("terok-sandbox", "0.9.dev1"),
            ("terok-clearance", "0.5"),
            ("terok-shield", "0.3"),
        ],
    );
}

#[test]
fn env_shebang_system_site_user_site_and_pythonpath() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let venv = lab.venv_with(
        "venv",
        true,
        &[lab.wheel("terok-executor", "2.0", &["terok-executor"])],
    );
    // A user-site install visible through --system-site-packages.
    lab.pip(vec![
        "install".into(),
        "--user".into(),
        lab.wheel("terok-shield", "1.0", &[]).into(),
    ]);
    // pip install --target, made visible with PYTHONPATH.
    let target = lab.p("target");
    lab.pip(vec![
        "install".into(),
        "--target".into(),
        target.clone().into(),
        lab.wheel("terok-sandbox", "3.1", &[]).into(),
    ]);
    // A .pth file in the user site adding a directory.
    let user_site = lab.p("home/.local/lib/python3.12/site-packages");
    std::fs::create_dir_all(lab.p("extra")).unwrap();
    std::fs::write(
        user_site.join("zz-extra.pth"),
        format!("{}\n", lab.p("extra").display()),
    )
    .unwrap();
    // A console script launched through `env python3`.
    let script = lab.p("bin/terok-executor");
    std::fs::write(
        &script,
        "#!/usr/bin/env python3\nimport sys\nfrom terok_executor import main\nsys.exit(main())\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    let host = lab
        .host(&format!(
            "{}:{}:/usr/bin:/bin",
            lab.p("bin").display(),
            venv.join("bin").display()
        ))
        .with_var("PYTHONPATH", &target);
    let sp = lab.discover(&host);
    let seen = lab.run(&host, "terok-executor");
    assert_eq!(sp.search_path, seen.path, "{sp}");
    assert_eq!(
        sp.interpreter.as_deref(),
        Some(venv.join("bin/python3").as_path())
    );
    assert_eq!(sp.search_path[0], lab.p("bin"));
    assert_eq!(sp.search_path[1], target);
    assert!(sp.search_path.contains(&lab.p("extra")));
    assert_versions(
        &seen,
        &[
            ("terok-executor", "2.0"),
            ("terok-shield", "1.0"),
            ("terok-sandbox", "3.1"),
        ],
    );
}

#[test]
fn virtual_env_variable_with_pythonpath() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let venv = lab.venv_with(
        "venv",
        false,
        &[lab.wheel("terok-clearance", "4.0", &["terok-clearance"])],
    );
    std::fs::create_dir_all(lab.p("pp")).unwrap();
    let host = lab
        .host("/usr/bin:/bin")
        .with_var("VIRTUAL_ENV", &venv)
        .with_var("PYTHONPATH", format!("{}::relative", lab.p("pp").display()));
    let sp = lab.discover(&host);
    assert_eq!(
        sp.rule,
        DiscoveryRule::VirtualEnvVar {
            value: venv.clone()
        }
    );
    let seen = lab.run(
        &host,
        &format!("{}", venv.join("bin/terok-clearance").display()),
    );
    assert_eq!(sp.search_path, seen.path, "{sp}");
    // An invalid VIRTUAL_ENV is skipped with a note.
    let host = lab
        .host(&lab.p("bin").display().to_string())
        .with_var("VIRTUAL_ENV", lab.p("nothing-here"));
    let sp = lab.discover(&host);
    assert_eq!(sp.rule, DiscoveryRule::Nothing);
    assert!(sp.search_path.is_empty());
    assert!(sp.notes.iter().any(|n| n.contains("VIRTUAL_ENV")), "{sp}");
}

#[test]
fn first_user_install_after_cache_fill() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let host = lab.host("/usr/bin:/bin");
    let req = DiscoveryRequest {
        python: Some(PathBuf::from(py312())),
        ..DiscoveryRequest::default()
    };
    let first = discover_in(&req, &host, &lab.options()).unwrap();
    assert!(
        matches!(first.cache, CacheStatus::Written { .. }),
        "{first}"
    );
    let user_site = lab.p("home/.local/lib/python3.12/site-packages");
    assert!(!first.search_path.contains(&user_site));
    // The first `pip install --user`, after the cache was filled.
    lab.pip(vec![
        "install".into(),
        "--user".into(),
        lab.wheel("terok", "0.1", &["terok"]).into(),
    ]);
    let second = discover_in(&req, &host, &lab.options()).unwrap();
    assert!(second.cache_used(), "{second}");
    assert!(second.search_path.contains(&user_site));
    let seen = lab.run(
        &host,
        &format!("{}", lab.p("home/.local/bin/terok").display()),
    );
    // The console script's directory differs from the interpreter's.
    assert_eq!(seen.path[0], lab.p("home/.local/bin"));
    assert_eq!(second.search_path[1..], seen.path[1..], "{second}");
    assert_versions(&seen, &[("terok", "0.1")]);
    // Found as the owner of the user-installed console script.
    let host = lab.host(&format!(
        "{}:/usr/bin:/bin",
        lab.p("home/.local/bin").display()
    ));
    let sp = lab.discover(&host);
    assert_eq!(sp.search_path, seen.path, "{sp}");
    assert!(sp.cache_used());
    // A corrupt cache entry is ignored and rewritten.
    let CacheStatus::Hit { file } = &sp.cache else {
        unreachable!()
    };
    std::fs::write(file, "garbage").unwrap();
    let sp = lab.discover(&host);
    assert!(matches!(sp.cache, CacheStatus::Written { .. }), "{sp}");
    assert!(sp.notes.iter().any(|n| n.contains("corrupt")));
    assert_eq!(sp.search_path, seen.path);
    assert!(
        discover_in(&DiscoveryRequest::default(), &host, &lab.options())
            .unwrap()
            .cache_used()
    );
}

#[test]
fn pyenv_shim_on_path_followed_statically() {
    if !have_python() {
        return;
    }
    let Some(pyenv) = pyenv() else {
        return required(PYENV_MISSING);
    };
    let lab = Lab::new();
    let host = lab
        .host(&format!("{}:/usr/bin:/bin", pyenv.shims().display()))
        .with_var("PYENV_VERSION", &pyenv.v312);
    let first = lab.discover(&host);
    assert_eq!(
        first.interpreter.as_deref(),
        Some(pyenv.bin(&pyenv.v312).join("python3").as_path())
    );
    assert!(
        first.notes.iter().any(|n| n.contains("pyenv shim")),
        "{first}"
    );
    assert!(
        matches!(first.cache, CacheStatus::Written { .. }),
        "{first}"
    );
    let second = lab.discover(&host);
    assert!(second.cache_used(), "{second}");
    assert_eq!(first.search_path, second.search_path);
    // The same shim under another version: followed again, not cached
    // under the shim's path.
    let other = host.clone().with_var("PYENV_VERSION", &pyenv.v311);
    let third = lab.discover(&other);
    assert_eq!(
        third.interpreter.as_deref(),
        Some(pyenv.bin(&pyenv.v311).join("python3").as_path())
    );
    assert!(third.search_path.iter().any(|e| e.ends_with("python3.11")));
    // A version prefix needs pyenv itself: the shim is run (each time) and
    // its answer is cached only for the interpreter it ran.
    let prefix = host.clone().with_var("PYENV_VERSION", "3.12");
    for _ in 0..2 {
        let sp = lab.discover(&prefix);
        assert!(sp.cache.queried(), "{sp}");
        assert!(
            sp.interpreter
                .as_deref()
                .is_some_and(|i| i.starts_with(pyenv.bin(&pyenv.v312))),
            "{sp}"
        );
        assert!(sp.notes.iter().any(|n| n.contains("shim")), "{sp}");
        assert_eq!(sp.search_path, first.search_path);
    }
    // Compared with what that interpreter sees for a script of its own.
    let probe = lab.p("work/probe.py");
    std::fs::write(
        &probe,
        "import sys, json\nprint(json.dumps({'path': sys.path, 'versions': {}}))\n",
    )
    .unwrap();
    let seen = lab.run(&host, &format!("python3 {}", probe.display()));
    assert_eq!(second.search_path[1..], seen.path[1..], "{second}");
}

#[test]
fn non_pyenv_shim_is_asked_each_time() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let shim = lab.p("bin/python3");
    std::fs::write(&shim, format!("#!/bin/sh\nexec {} \"$@\"\n", py312())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let host = lab.host(&format!("{}:/usr/bin:/bin", lab.p("bin").display()));
    for _ in 0..2 {
        let sp = lab.discover(&host);
        assert!(sp.cache.queried(), "{sp}");
        assert!(!sp.cache_used());
        assert_eq!(sp.interpreter.as_deref(), Some(Path::new(py312())));
        assert!(sp.notes.iter().any(|n| n.contains("shim")), "{sp}");
    }
    // Its target was cached: asking for it directly is a hit.
    let req = DiscoveryRequest {
        python: Some(PathBuf::from(py312())),
        ..DiscoveryRequest::default()
    };
    assert!(discover_in(&req, &host, &lab.options())
        .unwrap()
        .cache_used());
}

#[test]
fn broken_hanging_and_missing_interpreters() {
    let lab = Lab::new();
    let host = lab.host("/usr/bin:/bin");
    use std::os::unix::fs::PermissionsExt;
    let hang = lab.p("bin/hang");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let req = DiscoveryRequest {
        python: Some(hang.clone()),
        ..DiscoveryRequest::default()
    };
    let t = Instant::now();
    let err = discover_in(&req, &host, &DiscoveryOptions::default()).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(4));
    assert!(matches!(
        err,
        EnvironmentError::Query {
            failure: QueryFailure::Timeout(_),
            ..
        }
    ));
    assert!(err.to_string().contains("no answer within 2.0 s"), "{err}");
    let req = DiscoveryRequest {
        python: Some(lab.p("bin/missing")),
        ..DiscoveryRequest::default()
    };
    let err = discover_in(&req, &host, &DiscoveryOptions::default()).unwrap_err();
    assert!(err.to_string().contains("bin/missing"), "{err}");
    // Nothing on PATH at all: an empty search path, and why.
    let host = lab.host(&lab.p("bin").display().to_string());
    let sp = discover_in(
        &DiscoveryRequest::default(),
        &host,
        &DiscoveryOptions::default(),
    )
    .unwrap();
    assert_eq!(sp.rule, DiscoveryRule::Nothing);
    assert!(sp.search_path.is_empty());
    assert!(sp.to_string().contains("python3"), "{sp}");
}

/// Runs `discover` in a child copy of this test binary under strace and
/// returns the processes it executed (besides itself).
fn execs_under_strace(lab: &Lab, host: &HostEnv, python: Option<&Path>) -> Vec<String> {
    let log = lab.p("strace.log");
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-e", "trace=execve,execveat", "-o"])
        .arg(&log)
        .arg(&exe)
        .args(["--exact", "strace_child", "--ignored", "--test-threads=1"])
        .env("SETUP_STAMP_TEST_CHILD", "1")
        .env("SETUP_STAMP_TEST_CWD", &host.cwd)
        .env("SETUP_STAMP_TEST_HOME", lab.p("home"))
        .env("SETUP_STAMP_TEST_CACHE", lab.p("cache"))
        .env("SETUP_STAMP_TEST_PATH", host.var("PATH").unwrap());
    if let Some(v) = host.var("VIRTUAL_ENV") {
        cmd.env("SETUP_STAMP_TEST_VENV", v);
    }
    if let Some(p) = python {
        cmd.env("SETUP_STAMP_TEST_PYTHON", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    text.lines()
        .filter(|l| l.contains("execve"))
        .filter(|l| !l.contains(&*exe.to_string_lossy()))
        .map(str::to_owned)
        .collect()
}

/// The child side of [`no_process_on_cache_hit_or_venv`].
#[test]
#[ignore = "run by no_process_on_cache_hit_or_venv under strace"]
fn strace_child() {
    let Some(cwd) = std::env::var_os("SETUP_STAMP_TEST_CWD") else {
        return optional("a child half, run under strace by no_process_on_cache_hit_or_venv");
    };
    let var = |n: &str| std::env::var_os(n).unwrap();
    let mut host = HostEnv::empty(PathBuf::from(cwd))
        .with_var("HOME", var("SETUP_STAMP_TEST_HOME"))
        .with_var("XDG_CACHE_HOME", var("SETUP_STAMP_TEST_CACHE"))
        .with_var("PATH", var("SETUP_STAMP_TEST_PATH"));
    if let Some(v) = std::env::var_os("SETUP_STAMP_TEST_VENV") {
        host = host.with_var("VIRTUAL_ENV", v);
    }
    let req = DiscoveryRequest {
        python: std::env::var_os("SETUP_STAMP_TEST_PYTHON").map(PathBuf::from),
        ..DiscoveryRequest::default()
    };
    let sp = discover_in(&req, &host, &DiscoveryOptions::default()).unwrap();
    assert!(!sp.cache.queried(), "{sp}");
    assert!(!sp.search_path.is_empty());
}

#[test]
fn no_process_on_cache_hit_or_venv() {
    if !have_python() {
        return;
    }
    if Command::new("strace").arg("-V").output().is_err() {
        return required("strace (.ci/run installs it)");
    }
    let lab = Lab::new();
    // Cache hit for a system interpreter.
    let host = lab.host("/usr/bin:/bin");
    let req = DiscoveryRequest {
        python: Some(PathBuf::from(py312())),
        ..DiscoveryRequest::default()
    };
    assert!(discover_in(&req, &host, &lab.options())
        .unwrap()
        .cache
        .queried());
    assert_eq!(
        execs_under_strace(&lab, &host, Some(Path::new(py312()))),
        Vec::<String>::new()
    );
    // A venv found through VIRTUAL_ENV, and through a console script.
    let venv = lab.venv("venv", false);
    let host = lab.host("/usr/bin:/bin").with_var("VIRTUAL_ENV", &venv);
    assert_eq!(execs_under_strace(&lab, &host, None), Vec::<String>::new());
    std::os::unix::fs::symlink(venv.join("bin/python3"), lab.p("bin/python3")).unwrap();
    let script = venv.join("bin/terok");
    std::fs::write(
        &script,
        format!("#!{}\n", venv.join("bin/python").display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let host = lab.host(&format!("{}:/usr/bin:/bin", venv.join("bin").display()));
    assert_eq!(execs_under_strace(&lab, &host, None), Vec::<String>::new());
    // Whereas a cache miss does start the interpreter (the hook sees it).
    let log = execs_under_strace_allow_query(&lab);
    assert!(log.iter().any(|l| l.contains("python3.12")), "{log:?}");
}

/// Like [`execs_under_strace`] but for a run that is expected to query.
fn execs_under_strace_allow_query(lab: &Lab) -> Vec<String> {
    let log = lab.p("strace2.log");
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=execve", "-o"])
        .arg(&log)
        .arg(&exe)
        .args([
            "--exact",
            "strace_child_query",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SETUP_STAMP_TEST_CWD", lab.p("work"))
        .env("SETUP_STAMP_TEST_HOME", lab.p("home"))
        .env("SETUP_STAMP_TEST_CACHE", lab.p("cache3"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("execve") && !l.contains(&*exe.to_string_lossy()))
        .map(str::to_owned)
        .collect()
}

/// The child side of the cache-miss control run.
#[test]
#[ignore = "run by no_process_on_cache_hit_or_venv under strace"]
fn strace_child_query() {
    let Some(cwd) = std::env::var_os("SETUP_STAMP_TEST_CWD") else {
        return optional("a child half, run under strace by no_process_on_cache_hit_or_venv");
    };
    let var = |n: &str| std::env::var_os(n).unwrap();
    let host = HostEnv::empty(PathBuf::from(cwd))
        .with_var("HOME", var("SETUP_STAMP_TEST_HOME"))
        .with_var("XDG_CACHE_HOME", var("SETUP_STAMP_TEST_CACHE"))
        .with_var("PATH", "/usr/bin:/bin");
    let req = DiscoveryRequest {
        python: Some(PathBuf::from(py312())),
        ..DiscoveryRequest::default()
    };
    assert!(discover_in(
        &req,
        &host,
        &DiscoveryOptions {
            timeout: Duration::from_secs(20),
            ..DiscoveryOptions::default()
        }
    )
    .unwrap()
    .cache
    .queried());
}

const DEBIAN_PY: &str = "/usr/bin/python3";

/// Debian's patched CPython: `dist-packages`, asked (non-venv) or derived
/// statically (venvs, with and without system site-packages).
#[test]
fn debian_python_and_its_venvs() {
    let is_debian =
        Path::new("/usr/lib/python3/dist-packages").is_dir() && Path::new(DEBIAN_PY).exists();
    if !is_debian {
        return required(
            "Debian's CPython at /usr/bin/python3 with /usr/lib/python3/dist-packages \
             (.ci/run installs python3)",
        );
    }
    let lab = Lab::new();
    let host = lab.host("/usr/bin:/bin");
    let probe = lab.p("work/probe.py");
    std::fs::write(
        &probe,
        "import sys, json\nprint(json.dumps({'path': sys.path, 'versions': {}}))\n",
    )
    .unwrap();
    let req = DiscoveryRequest {
        python: Some(PathBuf::from(DEBIAN_PY)),
        ..DiscoveryRequest::default()
    };
    let sp = discover_in(&req, &host, &lab.options()).unwrap();
    let seen = lab.run(&host, &format!("{DEBIAN_PY} {}", probe.display()));
    assert_eq!(sp.search_path[1..], seen.path[1..], "{sp}");
    assert!(sp
        .search_path
        .contains(&PathBuf::from("/usr/lib/python3/dist-packages")));
    for system_site in [false, true] {
        let venv = lab.p(if system_site { "dvs" } else { "dv" });
        let mut cmd = Command::new(DEBIAN_PY);
        cmd.args(["-m", "venv", "--without-pip"]);
        if system_site {
            cmd.arg("--system-site-packages");
        }
        assert!(cmd.arg(&venv).status().unwrap().success());
        let req = DiscoveryRequest {
            python: Some(venv.join("bin/python3")),
            ..DiscoveryRequest::default()
        };
        let sp = discover_in(&req, &host, &lab.options()).unwrap();
        assert_eq!(sp.cache, CacheStatus::NotNeeded);
        let vprobe = venv.join("bin/probe");
        std::fs::write(
            &vprobe,
            format!(
                "#!{}\nimport sys, json\nprint(json.dumps({{'path': sys.path, 'versions': {{}}}}))\n",
                venv.join("bin/python3").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&vprobe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let seen = lab.run(&host, &vprobe.display().to_string());
        assert_eq!(sp.search_path, seen.path, "{sp}");
    }
}

/// Prints what discovery finds for this very process (run by hand:
/// `cargo test --test environment_discover show_this_machine -- --ignored --nocapture`).
#[test]
#[ignore = "prints the environment of the machine running the tests"]
fn show_this_machine() {
    match setup_stamp::environment::discover(&DiscoveryRequest::default()) {
        Ok(env) => print!("{env}"),
        Err(e) => println!("error: {e}"),
    }
}

/// A console script installed into a pyenv version is reached through a
/// pyenv shim of the same name: followed by pyenv's rules to the version's
/// script, whose launcher line names the interpreter.
#[test]
fn console_script_behind_a_pyenv_shim() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let root = lab.p("pyenv");
    let bin = root.join("versions/fake/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(root.join("shims")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let exe = |p: &Path, text: String| {
        std::fs::write(p, text).unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    exe(
        &root.join("shims/terok"),
        format!(
            "#!/usr/bin/env bash\nset -e\n[ -n \"$PYENV_DEBUG\" ] && set -x\n\nprogram=\"${{0##*/}}\"\n\nexport PYENV_ROOT=\"{r}\"\nexec \"{r}/libexec/pyenv\" exec \"$program\" \"$@\"\n",
            r = root.display()
        ),
    );
    exe(
        &bin.join("terok"),
        format!(
            "#!{}\nimport sys, json\nprint(json.dumps({{'path': sys.path, 'versions': {{}}}}))\n",
            py312()
        ),
    );
    std::fs::write(root.join("version"), "fake\n").unwrap();
    let host = lab.host(&format!("{}:/usr/bin:/bin", root.join("shims").display()));
    let sp = lab.discover(&host);
    assert_eq!(
        sp.rule,
        DiscoveryRule::ConsoleScript {
            name: "terok".into(),
            script: root.join("shims/terok")
        }
    );
    assert!(sp.notes.iter().any(|n| n.contains("pyenv shim")), "{sp}");
    assert_eq!(sp.interpreter.as_deref(), Some(Path::new(py312())));
    let seen = lab.run(&host, &bin.join("terok").display().to_string());
    assert_eq!(sp.search_path, seen.path, "{sp}");
}

/// `#!/usr/bin/env -S python3 -I`: isolated mode drops the script's
/// directory and PYTHONPATH, as the launcher line asks.
#[test]
fn env_split_shebang_with_isolated_mode() {
    let Some(lab) = Lab::with_python() else {
        return;
    };
    let venv = lab.venv("venv", false);
    use std::os::unix::fs::PermissionsExt;
    let script = lab.p("bin/terok-sandbox");
    std::fs::write(
        &script,
        "#!/usr/bin/env -S python3 -I\nimport sys, json\nprint(json.dumps({'path': sys.path, 'versions': {}}))\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(lab.p("pp")).unwrap();
    let host = lab
        .host(&format!(
            "{}:{}:/usr/bin:/bin",
            lab.p("bin").display(),
            venv.join("bin").display()
        ))
        .with_var("PYTHONPATH", lab.p("pp"));
    let sp = lab.discover(&host);
    let seen = lab.run(&host, "terok-sandbox");
    assert_eq!(sp.search_path, seen.path, "{sp}");
    assert!(!sp.search_path.contains(&lab.p("pp")));
    assert!(!sp.search_path.contains(&lab.p("bin")));
}
