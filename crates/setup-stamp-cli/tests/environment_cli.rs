//! End-to-end proof of environment discovery through the command line:
//! each test builds a real layout with the machine's Python (CPython 3.11
//! and 3.12, see `support`), installs test distributions of the tracked
//! names built offline, and runs `setup-stamp` with no search-path flag and
//! a controlled environment. `versions --json` must equal what the
//! layout's own interpreter reports through `importlib.metadata.version`
//! (0 mismatches), and `env --json` must say which rule decided, whether
//! the cache was used and where each package was found.
//!
//! Without the interpreters (or, for the no-child-process checks, `strace`)
//! the skip is recorded, and under CI it is a failure.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use setup_stamp_test_support::required;
use support::{
    assert_versions_match, have_pythons, py311, py312, pyenv_shims, setup_stamp_bin,
    write_executable, Env, Lab,
};

fn site_packages(prefix: &Path, version: &str) -> PathBuf {
    prefix.join(format!("lib/python{version}/site-packages"))
}

fn user_site(lab: &Lab, version: &str) -> PathBuf {
    lab.p(&format!("home/.local/lib/python{version}/site-packages"))
}

fn path_of(dirs: &[&Path]) -> String {
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.extend(["/usr/bin".to_owned(), "/bin".to_owned()]);
    parts.join(":")
}

fn assert_found_under(report: &support::Report, name: &str, dir: &Path) {
    let at = report
        .found_at(name)
        .unwrap_or_else(|| panic!("{name} not found: {report}"));
    assert_eq!(at.parent(), Some(dir), "{name} found at {}", at.display());
}

/// An activated virtual environment (`VIRTUAL_ENV` set, its `bin` first on
/// `PATH`): rule 3, derived statically.
#[test]
fn venv() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[
            lab.wheel("terok", "1.0.0", &["terok"]),
            lab.wheel("terok-executor", "0.9.dev1", &[]),
        ],
    );
    let env = lab
        .env(&path_of(&[&venv.join("bin")]))
        .with("VIRTUAL_ENV", &venv);
    let (seen, report) = env.run_matching(
        "terok",
        &[("terok", "1.0.0"), ("terok-executor", "0.9.dev1")],
    );
    assert_eq!(report.rule(), "virtual_env_var", "{report}");
    assert_eq!(report.rule_path().as_deref(), Some(venv.as_path()));
    assert_eq!(report.virtual_env().as_deref(), Some(venv.as_path()));
    assert_eq!(report.cache(), "not_needed");
    assert!(!report.cache_used());
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok", &site_packages(&venv, "3.12"));
    assert_found_under(&report, "terok-executor", &site_packages(&venv, "3.12"));
    assert_eq!(report.found_at("terok-shield"), None);
}

/// `--system-site-packages`: the user site (and the base's site-packages)
/// follow the venv's own, which shadows them.
#[test]
fn venv_with_system_site_packages() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py311(),
        "venv",
        true,
        &[lab.wheel("terok", "3.0", &["terok"])],
    );
    lab.install_user(
        py311(),
        &[
            lab.wheel("terok", "0.1", &[]),
            lab.wheel("terok-shield", "2.1", &[]),
        ],
    );
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    let (seen, report) = env.run_matching("terok", &[("terok", "3.0"), ("terok-shield", "2.1")]);
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(venv.join("bin/terok")));
    assert_eq!(report.cache(), "not_needed");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok", &site_packages(&venv, "3.11"));
    assert_found_under(&report, "terok-shield", &user_site(&lab, "3.11"));
}

/// `pip install --user` with a pyenv interpreter: its console script in
/// `~/.local/bin` leads to a non-venv interpreter, asked once and cached.
#[test]
fn pip_install_user() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    lab.install_user(
        py311(),
        &[
            lab.wheel("terok-sandbox", "1.4.2", &["terok-sandbox"]),
            lab.wheel("terok-executor", "1!0.5", &[]),
        ],
    );
    let bin = lab.p("home/.local/bin");
    let env = lab.env(&path_of(&[&bin]));
    let first = env.report();
    assert_eq!(first.rule(), "console_script", "{first}");
    assert_eq!(first.rule_path(), Some(bin.join("terok-sandbox")));
    assert_eq!(first.cache(), "written", "{first}");
    assert_eq!(first.interpreter().as_deref(), Some(Path::new(py311())));
    let (seen, report) = env.run_matching(
        "terok-sandbox",
        &[("terok-sandbox", "1.4.2"), ("terok-executor", "1!0.5")],
    );
    assert!(report.cache_used(), "{report}");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok-sandbox", &user_site(&lab, "3.11"));
}

/// `pip install --target DIR` made visible with `PYTHONPATH`, run by
/// `python3` on `PATH` (pyenv's shim when there is one): rule 5.
#[test]
fn pip_install_target_with_pythonpath() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let target = lab.p("target");
    lab.install_target(
        py312(),
        &target,
        &[
            lab.wheel("terok-clearance", "0.4rc2", &[]),
            lab.wheel("terok", "2.0", &[]),
        ],
    );
    let bin = if let Some(shims) = pyenv_shims() {
        shims
    } else {
        std::os::unix::fs::symlink(py312(), lab.p("bin/python3")).unwrap();
        lab.p("bin")
    };
    let env = lab.env(&path_of(&[&bin])).with("PYTHONPATH", &target);
    let seen = env.probe("python3");
    let report = assert_versions_match(
        &env,
        &seen,
        &[("terok-clearance", "0.4rc2"), ("terok", "2.0")],
    );
    assert_eq!(report.rule(), "python_on_path", "{report}");
    assert_eq!(report.rule_path(), Some(bin.join("python3")));
    assert_eq!(
        report.interpreter().map(|i| i.canonicalize().unwrap()),
        Some(seen.executable.canonicalize().unwrap())
    );
    // `python -c` puts the current directory first, a console script its
    // own directory: the rest is the same.
    assert_eq!(report.search_path()[1..], seen.path[1..], "{report}");
    assert_eq!(report.search_path()[1], target);
    assert_found_under(&report, "terok", &target);
    assert_found_under(&report, "terok-clearance", &target);
}

/// pipx: the venv lives under `~/.local/share/pipx/venvs`, its console
/// script is linked into `~/.local/bin` (on `PATH`). Only the fourth
/// tracked name has a console script.
#[test]
fn pipx_style() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "home/.local/share/pipx/venvs/terok-shield",
        false,
        &[
            lab.wheel("terok-shield", "0.3", &["terok-shield"]),
            lab.wheel("terok-sandbox", "2.0.post1", &[]),
        ],
    );
    let bin = lab.p("home/.local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(venv.join("bin/terok-shield"), bin.join("terok-shield")).unwrap();
    let env = lab.env(&path_of(&[&bin]));
    let (seen, report) = env.run_matching(
        "terok-shield",
        &[("terok-shield", "0.3"), ("terok-sandbox", "2.0.post1")],
    );
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(bin.join("terok-shield")));
    assert_eq!(report.virtual_env().as_deref(), Some(venv.as_path()));
    assert_eq!(report.cache(), "not_needed");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_eq!(report.search_path()[0], venv.join("bin"));
    assert_found_under(&report, "terok-shield", &site_packages(&venv, "3.12"));
}

/// An editable install (PEP 660, built by an in-tree backend): its
/// `.dist-info` in site-packages, its `.pth` file adding `src`.
#[test]
fn editable_install() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(py312(), "venv", false, &[lab.wheel("terok", "1.0", &[])]);
    let proj = lab.p("proj");
    std::fs::create_dir_all(proj.join("src")).unwrap();
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../setup-stamp/tests/fixtures/environment/make_wheel.py");
    std::fs::copy(backend, proj.join("backend.py")).unwrap();
    std::fs::write(
        proj.join("project.txt"),
        "terok-executor 5.0a1 terok-executor\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"terok-executor\"\nversion = \"5.0a1\"\n",
    )
    .unwrap();
    // The editable wheel's script imports `terok_executor` from `src`.
    std::fs::create_dir_all(proj.join("src/terok_executor")).unwrap();
    std::fs::write(
        proj.join("src/terok_executor/__init__.py"),
        format!("def main():\n    exec({:?})\n", support::PROBE),
    )
    .unwrap();
    lab.pip(
        py312(),
        [
            "--python".as_ref(),
            venv.join("bin/python").as_os_str(),
            "install".as_ref(),
            "--no-build-isolation".as_ref(),
            "-e".as_ref(),
            proj.as_os_str(),
        ],
    );
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    let (seen, report) = env.run_matching(
        "terok-executor",
        &[("terok", "1.0"), ("terok-executor", "5.0a1")],
    );
    // `terok` has no console script: `terok-executor` decided.
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(venv.join("bin/terok-executor")));
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert!(report.search_path().contains(&proj.join("src")), "{report}");
    assert_found_under(&report, "terok-executor", &site_packages(&venv, "3.12"));
}

/// An `.egg-info` install (`setup.py install
/// --single-version-externally-managed` with setuptools).
#[test]
fn egg_info_install() {
    if !have_pythons() {
        return;
    }
    let base_site = Path::new(py311())
        .parent()
        .and_then(Path::parent)
        .map(|p| site_packages(p, "3.11"))
        .unwrap();
    if !base_site.join("setuptools").is_dir() {
        return required(format!(
            "setuptools in CPython 3.11's {} (it ships with CPython 3.11)",
            base_site.display()
        ));
    }
    let lab = Lab::new();
    let venv = lab.venv(py311(), "venv", false);
    let proj = lab.p("proj");
    std::fs::create_dir_all(proj.join("terok_clearance")).unwrap();
    std::fs::write(
        proj.join("terok_clearance/__init__.py"),
        "def main():\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("setup.py"),
        "from setuptools import setup\n\
         setup(name='terok-clearance', version='0.5.post2', packages=['terok_clearance'],\n\
         \x20     entry_points={'console_scripts': ['terok-clearance = terok_clearance:main']})\n",
    )
    .unwrap();
    // The venv's interpreter runs setup.py (so that the script's launcher
    // line names it), borrowing the base's setuptools for this run only.
    let out = support::helper_command(venv.join("bin/python"), &lab.p("home"))
        .args([
            "setup.py",
            "-q",
            "install",
            "--single-version-externally-managed",
            "--record",
        ])
        .arg(lab.p("record.txt"))
        .env("PYTHONPATH", &base_site)
        .current_dir(&proj)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site = site_packages(&venv, "3.11");
    assert!(site
        .join("terok_clearance-0.5.post2-py3.11.egg-info")
        .is_dir());
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    // setuptools' launcher needs pkg_resources: ask the interpreter itself.
    let seen = env.probe(&venv.join("bin/python").display().to_string());
    let report = assert_versions_match(&env, &seen, &[("terok-clearance", "0.5.post2")]);
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(venv.join("bin/terok-clearance")));
    assert_eq!(report.search_path()[1..], seen.path[1..], "{report}");
    assert_eq!(
        report.found_at("terok-clearance"),
        Some(site.join("terok_clearance-0.5.post2-py3.11.egg-info"))
    );
}

/// A `.pth` file in site-packages adding a directory (after the
/// site-packages it is in, which shadows it); `VIRTUAL_ENV` only, the
/// venv is not on `PATH`.
#[test]
fn pth_file_adding_a_directory() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py311(),
        "venv",
        false,
        &[lab.wheel("terok", "0.1", &["terok"])],
    );
    let extra = lab.p("extra");
    lab.install_target(
        py311(),
        &extra,
        &[
            lab.wheel("terok", "0.2", &[]),
            lab.wheel("terok-sandbox", "0.7", &[]),
        ],
    );
    let site = site_packages(&venv, "3.11");
    std::fs::write(
        site.join("extra.pth"),
        format!(
            "# a comment\n{}\nimport sys\n{}\n",
            extra.display(),
            lab.p("missing").display()
        ),
    )
    .unwrap();
    let env = lab.env("/usr/bin:/bin").with("VIRTUAL_ENV", &venv);
    let (seen, report) = env.run_matching(
        &venv.join("bin/terok").display().to_string(),
        &[("terok", "0.1"), ("terok-sandbox", "0.7")],
    );
    assert_eq!(report.rule(), "virtual_env_var", "{report}");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok", &site);
    assert_found_under(&report, "terok-sandbox", &extra);
}

/// A console script whose launcher line is `#!/usr/bin/env python3`: the
/// interpreter is the `python3` on `PATH` (a venv's, after the script's
/// directory).
#[test]
fn env_python3_shebang() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[
            lab.wheel("terok-executor", "2.0", &[]),
            lab.wheel("terok-shield", "1.0rc1", &[]),
        ],
    );
    write_executable(
        &lab.p("bin/terok-executor"),
        "#!/usr/bin/env python3\nimport sys\nfrom terok_executor import main\nsys.exit(main())\n",
    );
    let env = lab.env(&path_of(&[&lab.p("bin"), &venv.join("bin")]));
    let (seen, report) = env.run_matching(
        "terok-executor",
        &[("terok-executor", "2.0"), ("terok-shield", "1.0rc1")],
    );
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(lab.p("bin/terok-executor")));
    assert_eq!(report.interpreter(), Some(venv.join("bin/python3")));
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_eq!(report.search_path()[0], lab.p("bin"));
}

/// The first `pip install --user` made after the cache was filled: the
/// user site appears at once, the cached facts are still used.
#[test]
fn first_user_install_after_cache_filled() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    std::os::unix::fs::symlink(py312(), lab.p("bin/python3")).unwrap();
    let user_bin = lab.p("home/.local/bin");
    let env = lab.env(&path_of(&[&user_bin, &lab.p("bin")]));
    let before = env.report();
    assert_eq!(before.rule(), "python_on_path", "{before}");
    assert_eq!(before.cache(), "written", "{before}");
    let seen = env.probe("python3");
    assert_versions_match(&env, &seen, &[]);
    lab.install_user(
        py312(),
        &[
            lab.wheel("terok", "0.1", &["terok"]),
            lab.wheel("terok-clearance", "2024.1", &[]),
        ],
    );
    let (seen, report) =
        env.run_matching("terok", &[("terok", "0.1"), ("terok-clearance", "2024.1")]);
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.rule_path(), Some(user_bin.join("terok")));
    assert!(report.cache_used(), "{report}");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok", &user_site(&lab, "3.12"));
}

/// `PYTHONPATH` set while a venv is active: its entries come before the
/// venv's site-packages and shadow them.
#[test]
fn pythonpath_with_active_venv() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py311(),
        "venv",
        false,
        &[
            lab.wheel("terok", "1.0", &["terok"]),
            lab.wheel("terok-shield", "1.0", &[]),
        ],
    );
    let pp = lab.p("pp");
    lab.install_target(py311(), &pp, &[lab.wheel("terok", "2.0+local.7", &[])]);
    let env = lab
        .env(&path_of(&[&venv.join("bin")]))
        .with("VIRTUAL_ENV", &venv)
        .with("PYTHONPATH", &pp);
    let (seen, report) = env.run_matching(
        "terok",
        &[("terok", "2.0+local.7"), ("terok-shield", "1.0")],
    );
    assert_eq!(report.rule(), "virtual_env_var", "{report}");
    assert_eq!(report.search_path(), seen.path, "{report}");
    assert_found_under(&report, "terok", &pp);
    assert_found_under(&report, "terok-shield", &site_packages(&venv, "3.11"));
}

/// Every command accepts the same discovery and prints the environment
/// report on stderr with `--verbose`; `env` prints it on stdout.
#[test]
fn verbose_prints_the_environment() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[lab.wheel("terok", "1.0", &["terok"])],
    );
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    let expect_report = |text: &str| {
        assert!(
            text.contains(&format!(
                "found by: console script `terok` on PATH ({})",
                venv.join("bin/terok").display()
            )),
            "{text}"
        );
        assert!(text.contains("cache: not needed"), "{text}");
        assert!(
            text.contains(&format!("  {}\n", site_packages(&venv, "3.12").display())),
            "{text}"
        );
    };
    for args in [
        &["write", "--verbose"][..],
        &["check", "--verbose"],
        &["-v", "check", "--json"],
        &["versions", "-v"],
        &["show", "--verbose"],
        &["path", "--verbose"],
        &["clear", "--verbose"],
    ] {
        let out = env.cli(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        expect_report(&String::from_utf8_lossy(&out.stderr));
    }
    // Without --verbose, stderr stays quiet.
    let out = env.cli(&["check"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    // `env` itself: the report and where each tracked package was found.
    let out = env.cli(&["env"]);
    let text = String::from_utf8_lossy(&out.stdout);
    expect_report(&text);
    assert!(
        text.contains(&format!(
            "  terok 1.0 ({})",
            site_packages(&venv, "3.12")
                .join("terok-1.0.dist-info")
                .display()
        )),
        "{text}"
    );
    assert!(text.contains("  terok-shield: not found"), "{text}");
}

/// The child processes and threads `setup-stamp ARGS` creates, from
/// `strace -f`: every `execve` but the first and every `clone`/`fork`.
/// `None` (the skip recorded, a failure under CI) when strace cannot run
/// here.
#[track_caller]
fn children_under_strace(lab: &Lab, env: &Env, args: &[&str]) -> Option<Vec<String>> {
    if Command::new("strace").arg("-V").output().is_err() {
        required("strace (.ci/run installs it)");
        return None;
    }
    let log = lab.p("strace.log");
    let out = env
        .command("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,execveat,clone,clone3,fork,vfork",
        ])
        .arg("-o")
        .arg(&log)
        .arg(setup_stamp_bin())
        .args(args)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    if !text.contains("execve(") {
        required(format!(
            "tracing with strace (ptrace): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        return None;
    }
    assert!(out.status.success(), "{out:?}");
    let mut lines = text
        .lines()
        .filter(|l| !l.contains("+++") && !l.contains("---"));
    // The first line is strace's own exec of the binary.
    let first = lines.next().unwrap_or_default();
    assert!(first.contains(setup_stamp_bin()), "{text}");
    Some(lines.map(str::to_owned).collect())
}

/// A venv `check` and a cache-hit `check` start no process at all.
#[test]
fn no_child_process_for_venv_or_cache_hit_check() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    // A venv found through its console script.
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[lab.wheel("terok", "1.0", &["terok"])],
    );
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    assert!(env.cli(&["write"]).status.success());
    assert_eq!(env.report().cache(), "not_needed");
    let Some(children) = children_under_strace(&lab, &env, &["check"]) else {
        return;
    };
    assert_eq!(children, Vec::<String>::new());
    // The same through VIRTUAL_ENV, the venv not on PATH.
    let env = lab.env("/usr/bin:/bin").with("VIRTUAL_ENV", &venv);
    assert_eq!(env.report().rule(), "virtual_env_var");
    let children = children_under_strace(&lab, &env, &["check"]).unwrap();
    assert_eq!(children, Vec::<String>::new());
    // A user install: the first run asks the interpreter (seen by the
    // hook), the next is a cache hit and starts nothing.
    lab.install_user(
        py312(),
        &[lab.wheel("terok-shield", "0.2", &["terok-shield"])],
    );
    let env = lab.env(&path_of(&[&lab.p("home/.local/bin")]));
    let children = children_under_strace(&lab, &env, &["write"]).unwrap();
    assert!(
        children
            .iter()
            .any(|l| l.contains("execve(") && l.contains("python3.12")),
        "{children:#?}"
    );
    let report = env.report();
    assert!(report.cache_used(), "{report}");
    let children = children_under_strace(&lab, &env, &["check"]).unwrap();
    assert_eq!(children, Vec::<String>::new());
    assert_eq!(env.cli(&["check"]).status.code(), Some(0));
}

/// A `terok` on `PATH` that is a shell wrapper is not run: it is skipped
/// with a note, and `--python` points at the real environment.
#[test]
fn shell_wrapper_is_skipped_with_a_note() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[lab.wheel("terok", "1.0", &["terok"])],
    );
    write_executable(
        &lab.p("bin/terok"),
        &format!(
            "#!/bin/sh\nexec {} \"$@\"\n",
            venv.join("bin/terok").display()
        ),
    );
    let env = lab.env(&lab.p("bin").display().to_string());
    let report = env.report();
    assert_eq!(report.rule(), "none", "{report}");
    let notes = report.0["notes"].to_string();
    assert!(
        notes.contains("console script terok") && notes.contains("/bin/sh"),
        "{report}"
    );
    assert_eq!(env.versions(), Default::default());
    let venv_arg = venv.display().to_string();
    let out = env.cli(&["--python", &venv_arg, "versions", "--json"]);
    let given: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let seen = env.run("terok");
    assert_eq!(given["terok"], "1.0");
    assert_eq!(seen.versions["terok"].as_deref(), Some("1.0"));
}

/// A venv whose path has a space: pip writes its `/bin/sh` trampoline
/// (`'''exec' "/path with space/bin/python" "$0" "$@"`) instead of a `#!`
/// line naming the interpreter.
#[test]
fn console_script_behind_pips_sh_trampoline() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "with space/venv",
        false,
        &[lab.wheel("terok-clearance", "3.0.0b2", &["terok-clearance"])],
    );
    let script = std::fs::read_to_string(venv.join("bin/terok-clearance")).unwrap();
    assert!(script.starts_with("#!/bin/sh\n'''exec' "), "{script}");
    let env = lab.env(&path_of(&[&venv.join("bin")]));
    let (seen, report) = env.run_matching("terok-clearance", &[("terok-clearance", "3.0.0b2")]);
    assert_eq!(report.rule(), "console_script", "{report}");
    assert_eq!(report.interpreter(), Some(venv.join("bin/python")));
    assert_eq!(report.search_path(), seen.path, "{report}");
}
