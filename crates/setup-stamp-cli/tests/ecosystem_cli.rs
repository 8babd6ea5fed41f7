//! The command for an ecosystem other than terok's: `--namespace`,
//! `--package`, `--stamp-file`, `--setup-command` and their variables
//! (`SETUP_STAMP_NAMESPACE`, `SETUP_STAMP_PACKAGES`, `SETUP_STAMP_FILE`,
//! `SETUP_STAMP_SETUP_COMMAND`), the location rules that follow the
//! namespace, usage errors, and `completions` / `man`.
//!
//! Every run has a cleared environment with its own `HOME` and XDG
//! directories in a temporary directory; the installed distributions come
//! from a generated site-packages passed with `--sys-path`, except in the
//! discovery test, which builds a real virtual environment with CPython 3.12.
//! Without it, or without zsh, fish or groff (which `.ci/run` installs),
//! the skip is recorded, and under CI it is a failure.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use setup_stamp_test_support::required;
use support::{py312, setup_stamp_bin, Lab};

/// The made-up ecosystem of these tests.
const NAMESPACE: &str = "acme-tools";
const PACKAGES: [&str; 2] = ["acme-cli", "acme_core"];

/// A scratch area: `home`, `xdg-data`, `xdg-config`, `site` (a
/// site-packages), `work` (the current directory).
struct Area {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Area {
    fn new() -> Area {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for dir in ["home", "xdg-data", "xdg-config", "site", "work"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        Area { _tmp: tmp, root }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Installs (or re-versions) `name` in `site`, as pip names the entry.
    fn install(&self, name: &str, version: &str) {
        let dir = self.p("site").join(format!(
            "{}-{version}.dist-info",
            name.replace(['-', '.'], "_")
        ));
        self.uninstall(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .unwrap();
    }

    /// Removes every entry of `name` from `site`.
    fn uninstall(&self, name: &str) {
        let prefix = format!("{}-", name.replace(['-', '.'], "_"));
        for entry in fs::read_dir(self.p("site")).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                fs::remove_dir_all(entry.path()).unwrap();
            }
        }
    }

    /// `setup-stamp --sys-path site ARGS` with exactly `vars` (plus `HOME`,
    /// the XDG directories and a `PATH`).
    fn run(&self, vars: &[(&str, &Path)], args: &[&str]) -> Output {
        let mut cmd = Command::new(setup_stamp_bin());
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.p("home"))
            .env("XDG_DATA_HOME", self.p("xdg-data"))
            .env("XDG_CONFIG_HOME", self.p("xdg-config"))
            .current_dir(self.p("work"))
            .arg("--sys-path")
            .arg(self.p("site"))
            .args(args);
        for (name, value) in vars {
            cmd.env(name, value);
        }
        cmd.output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn code(out: &Output, expected: i32) {
    assert_eq!(
        out.status.code(),
        Some(expected),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The flags naming the acme ecosystem.
fn acme_flags() -> Vec<&'static str> {
    vec![
        "--namespace",
        NAMESPACE,
        "--package",
        PACKAGES[0],
        "--package",
        PACKAGES[1],
        "--stamp-file",
        "acme.stamp",
        "--setup-command",
        "acme-cli setup",
    ]
}

fn with(mut flags: Vec<&'static str>, rest: &[&'static str]) -> Vec<&'static str> {
    flags.extend_from_slice(rest);
    flags
}

/// The whole life of a stamp, chosen by flags: location from
/// `ACME_TOOLS_ROOT`, only the acme packages recorded, every verdict, and
/// the fix naming acme's setup command.
#[test]
fn flags_choose_the_ecosystem_for_every_command() {
    let area = Area::new();
    area.install("acme-cli", "1.0");
    area.install("acme_core", "2.0");
    area.install("terok", "0.6.0");
    let state = area.p("acme-state");
    // TEROK_ROOT must not matter to acme.
    let vars: [(&str, &Path); 2] = [
        ("ACME_TOOLS_ROOT", &state),
        ("TEROK_ROOT", &area.p("terok-state")),
    ];
    let stamp = state.join("acme.stamp");

    let out = area.run(&vars, &with(acme_flags(), &["path"]));
    code(&out, 0);
    assert_eq!(text(&out.stdout), format!("{}\n", stamp.display()));

    let out = area.run(&vars, &with(acme_flags(), &["check"]));
    code(&out, 3);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("verdict: first_run\n"), "{stdout}");
    assert!(stdout.ends_with("Fix: acme-cli setup\n"), "{stdout}");
    assert!(!stdout.contains("terok"), "{stdout}");

    let out = area.run(&vars, &with(acme_flags(), &["versions", "--json"]));
    code(&out, 0);
    let versions: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(versions, json!({"acme-cli": "1.0", "acme_core": "2.0"}));

    let out = area.run(&vars, &with(acme_flags(), &["write"]));
    code(&out, 0);
    assert_eq!(text(&out.stdout), format!("{}\n", stamp.display()));
    let written: Value = serde_json::from_slice(&fs::read(&stamp).unwrap()).unwrap();
    assert_eq!(
        written["packages"],
        json!({"acme-cli": "1.0", "acme_core": "2.0"})
    );
    assert!(!area.p("terok-state").exists());

    let out = area.run(&vars, &with(acme_flags(), &["check", "--json"]));
    code(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "ok");
    assert_eq!(report["stamp_path"], stamp.to_str().unwrap());

    area.install("acme_core", "2.1");
    let out = area.run(&vars, &with(acme_flags(), &["check"]));
    code(&out, 3);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("verdict: stale_after_update\n"), "{stdout}");
    assert!(
        stdout.contains("  acme_core: 2.0 -> 2.1 (upgraded)\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("Fix: acme-cli setup\n"), "{stdout}");

    area.uninstall("acme-cli");
    let out = area.run(&vars, &with(acme_flags(), &["check"]));
    code(&out, 4);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("acme-cli: 1.0 -> (not installed)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  rm {}\n", stamp.display())),
        "{stdout}"
    );

    let out = area.run(&vars, &with(acme_flags(), &["clear"]));
    code(&out, 0);
    assert_eq!(text(&out.stdout), format!("removed {}\n", stamp.display()));
    assert!(!stamp.exists());
}

/// The variables say what the flags say: same output, same file.
#[test]
fn variables_choose_like_the_flags() {
    let area = Area::new();
    area.install("acme-cli", "1.0");
    area.install("acme_core", "2.0");
    area.install("terok", "0.6.0");
    let state = area.p("acme-state");
    let by_vars: Vec<(&str, &Path)> = vec![
        ("ACME_TOOLS_ROOT", &state),
        ("SETUP_STAMP_NAMESPACE", Path::new(NAMESPACE)),
        ("SETUP_STAMP_PACKAGES", Path::new("acme-cli, acme_core")),
        ("SETUP_STAMP_FILE", Path::new("acme.stamp")),
        ("SETUP_STAMP_SETUP_COMMAND", Path::new("acme-cli setup")),
    ];
    let by_flags: Vec<(&str, &Path)> = vec![("ACME_TOOLS_ROOT", &state)];
    for command in [
        &["path"][..],
        &["check"],
        &["versions", "--json"],
        &["show"],
    ] {
        let from_vars = area.run(&by_vars, command);
        let from_flags = area.run(&by_flags, &with(acme_flags(), command));
        assert_eq!(
            from_vars.status.code(),
            from_flags.status.code(),
            "{command:?}"
        );
        assert_eq!(
            text(&from_vars.stdout),
            text(&from_flags.stdout),
            "{command:?}"
        );
        assert_eq!(text(&from_vars.stderr), "", "{command:?}");
    }
    let out = area.run(&by_vars, &["check"]);
    code(&out, 3);
    assert!(text(&out.stdout).ends_with("Fix: acme-cli setup\n"));
}

/// A flag wins over its variable.
#[test]
fn flags_win_over_variables() {
    let area = Area::new();
    area.install("acme-cli", "1.0");
    area.install("other", "9");
    let (acme_root, other_root) = (area.p("acme"), area.p("other"));
    let vars: Vec<(&str, &Path)> = vec![
        ("ACME_TOOLS_ROOT", &acme_root),
        ("OTHER_ROOT", &other_root),
        ("SETUP_STAMP_NAMESPACE", Path::new("other")),
        ("SETUP_STAMP_PACKAGES", Path::new("other")),
        ("SETUP_STAMP_FILE", Path::new("other.stamp")),
        ("SETUP_STAMP_SETUP_COMMAND", Path::new("other setup")),
    ];
    let out = area.run(&vars, &["versions", "--json"]);
    code(&out, 0);
    assert_eq!(text(&out.stdout), "{\n  \"other\": \"9\"\n}\n");
    let out = area.run(&vars, &["path"]);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", area.p("other/other.stamp").display())
    );

    let flags = [
        "--namespace",
        NAMESPACE,
        "--package",
        "acme-cli",
        "--stamp-file",
        "s",
        "--setup-command",
        "acme-cli setup",
    ];
    let out = area.run(&vars, &with(flags.to_vec(), &["versions", "--json"]));
    assert_eq!(text(&out.stdout), "{\n  \"acme-cli\": \"1.0\"\n}\n");
    let out = area.run(&vars, &with(flags.to_vec(), &["path"]));
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", area.p("acme/s").display())
    );
    let out = area.run(&vars, &with(flags.to_vec(), &["check"]));
    code(&out, 3);
    assert!(text(&out.stdout).ends_with("Fix: acme-cli setup\n"));
}

/// The location rules follow the namespace: `<NS>_CONFIG_FILE`'s
/// `paths.root`, the user config layer under `<ns>`, then
/// `user_data_dir(<ns>)`; terok's variables and config play no part.
#[test]
fn location_follows_the_namespace() {
    let area = Area::new();
    let flags = vec!["--namespace", "acme.Tools", "path"];
    let terok_root = area.p("terok-root");
    let terok_config = area.p("terok.yml");
    fs::write(&terok_config, "paths:\n  root: /terok-config-root\n").unwrap();
    let terok_vars: Vec<(&str, &Path)> = vec![
        ("TEROK_ROOT", &terok_root),
        ("TEROK_CONFIG_FILE", &terok_config),
    ];
    // Real root reads /var/lib/<ns>; everyone else the XDG data directory.
    let out = area.run(&terok_vars, &flags);
    code(&out, 0);
    let default = text(&out.stdout);
    let user = format!("{}\n", area.p("xdg-data/acme.Tools/setup.stamp").display());
    assert!(
        default == user || default == "/var/lib/acme.Tools/setup.stamp\n",
        "{default}"
    );

    // <NS>_CONFIG_FILE: upper case, `.` becomes `_`.
    let config = area.p("acme.yml");
    fs::write(
        &config,
        format!("paths:\n  root: {}\n", area.p("from-config").display()),
    )
    .unwrap();
    let mut vars = terok_vars.clone();
    vars.push(("ACME_TOOLS_CONFIG_FILE", &config));
    let out = area.run(&vars, &flags);
    code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", area.p("from-config/setup.stamp").display())
    );

    // <NS>_ROOT wins over the config file.
    vars.push(("ACME_TOOLS_ROOT", Path::new("/acme-root")));
    let out = area.run(&vars, &flags);
    assert_eq!(text(&out.stdout), "/acme-root/setup.stamp\n");

    // The user config layer: ~/.config/<ns>/config.yml (not read by real
    // root, whose default is /var/lib/<ns>).
    let user_config = area.p("xdg-config/acme.Tools");
    fs::create_dir_all(&user_config).unwrap();
    fs::write(
        user_config.join("config.yml"),
        format!("paths:\n  root: {}\n", area.p("user-layer").display()),
    )
    .unwrap();
    let out = area.run(&terok_vars, &flags);
    if default == user {
        assert_eq!(
            text(&out.stdout),
            format!("{}\n", area.p("user-layer/setup.stamp").display())
        );
    }
}

/// Flags, variables, and what stderr must say.
type UsageCase<'a> = (Vec<&'a str>, Vec<(&'a str, &'a Path)>, &'a str);

/// Empty or unusable values are usage errors (exit 2, nothing on stdout,
/// the reason on stderr); an empty variable counts as unset.
#[test]
fn unusable_values_are_usage_errors() {
    let area = Area::new();
    area.install("terok", "1.0");
    let cases: Vec<UsageCase> = vec![
        (
            vec!["--namespace", ""],
            vec![],
            "--namespace: the namespace is empty",
        ),
        (vec!["--namespace", "a/b"], vec![], "contains '/'"),
        (vec!["--namespace", ".."], vec![], "is not a name"),
        (
            vec!["--stamp-file", ""],
            vec![],
            "--stamp-file: the stamp file name is empty",
        ),
        (vec!["--stamp-file", "../x"], vec![], "contains '/'"),
        (
            vec!["--package", ""],
            vec![],
            "--package: a package name is empty",
        ),
        (vec!["--package", "a b"], vec![], "contains whitespace"),
        (
            vec!["--setup-command", ""],
            vec![],
            "--setup-command: the setup command is empty",
        ),
        (
            vec![],
            vec![("SETUP_STAMP_PACKAGES", Path::new("a,,b"))],
            "environment variable SETUP_STAMP_PACKAGES: a package name is empty",
        ),
        (
            vec![],
            vec![("SETUP_STAMP_NAMESPACE", Path::new("."))],
            "environment variable SETUP_STAMP_NAMESPACE: the namespace \".\" is not a name",
        ),
        (
            vec![],
            vec![("SETUP_STAMP_FILE", Path::new("a/b"))],
            "environment variable SETUP_STAMP_FILE",
        ),
    ];
    for (flags, vars, message) in cases {
        for command in ["check", "path", "write"] {
            let out = area.run(&vars, &with(flags.clone(), &[command]));
            code(&out, 2);
            assert_eq!(text(&out.stdout), "");
            let stderr = text(&out.stderr);
            assert!(stderr.starts_with("error: "), "{stderr}");
            assert!(stderr.contains(message), "{flags:?} {vars:?}: {stderr}");
        }
    }
    assert!(!area.p("xdg-data").join("setup.stamp").exists());
    assert_eq!(fs::read_dir(area.p("xdg-data")).unwrap().count(), 0);

    // Not UTF-8 in a variable.
    use std::os::unix::ffi::OsStrExt;
    let raw = std::ffi::OsStr::from_bytes(b"acme\xff");
    let out = area.run(&[("SETUP_STAMP_NAMESPACE", Path::new(raw))], &["path"]);
    code(&out, 2);
    assert!(text(&out.stderr).contains("SETUP_STAMP_NAMESPACE: not valid UTF-8"));

    // Empty variables are unset: terok's ecosystem and fix.
    let empty: Vec<(&str, &Path)> = [
        "SETUP_STAMP_NAMESPACE",
        "SETUP_STAMP_PACKAGES",
        "SETUP_STAMP_FILE",
        "SETUP_STAMP_SETUP_COMMAND",
    ]
    .into_iter()
    .map(|name| (name, Path::new("")))
    .collect();
    let out = area.run(&empty, &["check"]);
    code(&out, 3);
    let stdout = text(&out.stdout);
    let terok_stamp = area.p("xdg-data/terok/setup.stamp");
    assert!(
        stdout.contains(&format!("stamp: {}\n", terok_stamp.display()))
            || stdout.contains("stamp: /var/lib/terok/setup.stamp\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("Fix: terok setup\n"), "{stdout}");
}

/// Without ecosystem options, messages keep terok's command; the setup
/// command alone changes only the message.
#[test]
fn setup_command_changes_only_the_message() {
    let area = Area::new();
    let root = area.p("state");
    let vars: [(&str, &Path); 1] = [("TEROK_ROOT", &root)];
    let out = area.run(&vars, &["check"]);
    code(&out, 3);
    assert!(text(&out.stdout).ends_with("Fix: terok setup\n"));
    let out = area.run(&vars, &["--setup-command", "make setup", "check"]);
    code(&out, 3);
    let stdout = text(&out.stdout);
    assert!(stdout.ends_with("Fix: make setup\n"), "{stdout}");
    assert!(stdout.contains(&format!("stamp: {}\n", root.join("setup.stamp").display())));
    // Control characters are shown, not sent to the terminal.
    let out = area.run(&vars, &["--setup-command", "x\x1b[2Jy", "check"]);
    assert!(text(&out.stdout).ends_with("Fix: x\\x1b[2Jy\n"));
}

/// A package listed twice is tracked once, at its first place.
#[test]
fn a_package_listed_twice_is_tracked_once() {
    let area = Area::new();
    area.install("b", "2");
    area.install("a", "1");
    let root = area.p("state");
    let vars: [(&str, &Path); 1] = [("X_ROOT", &root)];
    let flags = vec![
        "--namespace",
        "x",
        "--package",
        "b",
        "--package",
        "a",
        "--package",
        "b",
    ];
    let out = area.run(&vars, &with(flags.clone(), &["versions", "--json"]));
    assert_eq!(text(&out.stdout), "{\n  \"b\": \"2\",\n  \"a\": \"1\"\n}\n");
    code(&area.run(&vars, &with(flags.clone(), &["write"])), 0);
    let written: Value =
        serde_json::from_slice(&fs::read(root.join("setup.stamp")).unwrap()).unwrap();
    assert_eq!(written["packages"], json!({"a": "1", "b": "2"}));
}

/// Discovery rule 4 looks for console scripts of the chosen packages: a
/// venv whose only tracked-looking script is `acme-cli` is found through it
/// for acme, and not for terok.
#[test]
fn discovery_uses_the_chosen_packages() {
    let Some(lab) = Lab::for_test() else {
        return;
    };
    let venv = lab.venv_with(
        py312(),
        "venv",
        false,
        &[
            lab.wheel("acme-cli", "1.0", &["acme-cli"]),
            lab.wheel("acme_core", "2.0", &[]),
        ],
    );
    let env = lab.env(&format!("{}:/usr/bin:/bin", venv.join("bin").display()));
    let acme = env.cli_json(&[
        "--namespace",
        NAMESPACE,
        "--package",
        "acme-cli",
        "--package",
        "acme_core",
        "env",
        "--json",
    ]);
    assert_eq!(acme["rule"], "console_script", "{acme}");
    let found: BTreeMap<String, String> = acme["packages"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["version"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        found,
        BTreeMap::from([
            ("acme-cli".to_owned(), "1.0".to_owned()),
            ("acme_core".to_owned(), "2.0".to_owned())
        ])
    );
    let with_env = env
        .clone()
        .with("SETUP_STAMP_NAMESPACE", NAMESPACE)
        .with("SETUP_STAMP_PACKAGES", "acme-cli,acme_core");
    let from_vars = with_env.cli_json(&["env", "--json"]);
    assert_eq!(from_vars["rule"], acme["rule"]);
    let terok = env.cli(&["env", "--json"]);
    let terok: Value = serde_json::from_slice(&terok.stdout).unwrap_or(Value::Null);
    assert_ne!(terok["rule"], "console_script", "{terok}");
}

/// `completions SHELL` names every subcommand and every long flag; bash's
/// script is sourceable and registers the completion; zsh and fish parse
/// theirs when installed.
#[test]
fn completions_cover_every_subcommand_and_flag() {
    let area = Area::new();
    let subcommands = [
        "check",
        "write",
        "clear",
        "path",
        "versions",
        "show",
        "env",
        "completions",
        "man",
    ];
    let flags = [
        "--sys-path",
        "--python",
        "--verbose",
        "--namespace",
        "--package",
        "--stamp-file",
        "--setup-command",
        "--json",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let out = area.run(&[], &["completions", shell]);
        code(&out, 0);
        let script = text(&out.stdout);
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in subcommands.iter().chain(&flags) {
            let bare = word.trim_start_matches('-');
            assert!(
                script.contains(word)
                    || (shell == "fish" && script.contains(&format!("-l {bare}"))),
                "{shell} completion does not mention {word}"
            );
        }
    }
    let out = area.run(&[], &["completions", "tcsh"]);
    code(&out, 2);
    // Generating needs no ecosystem: a broken variable does not stop it.
    let broken: [(&str, &Path); 1] = [("SETUP_STAMP_NAMESPACE", Path::new("a/b"))];
    let out = area.run(&broken, &["completions", "bash"]);
    code(&out, 0);
    assert!(text(&out.stdout).contains("--namespace"));
    code(&area.run(&broken, &["man"]), 0);
    code(&area.run(&broken, &["path"]), 2);

    let bash = area.p("completion.bash");
    fs::write(&bash, area.run(&[], &["completions", "bash"]).stdout).unwrap();
    if let Some(out) = shell_run(
        "bash",
        &format!(
            "set -e; source '{}'; complete -p setup-stamp; \
             COMP_WORDS=(setup-stamp --name); COMP_CWORD=1; COMP_LINE='setup-stamp --name'; \
             COMP_POINT=${{#COMP_LINE}}; _setup__stamp setup-stamp --name setup-stamp; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bash.display()
        ),
    ) {
        code(&out, 0);
        let stdout = text(&out.stdout);
        assert!(stdout.contains("complete -o bashdefault"), "{stdout}");
        assert!(stdout.lines().any(|l| l == "--namespace"), "{stdout}");
    }
    let zsh = area.p("_setup-stamp");
    fs::write(&zsh, area.run(&[], &["completions", "zsh"]).stdout).unwrap();
    if let Some(out) = shell_run("zsh", &format!("zsh -n '{}'", zsh.display())) {
        code(&out, 0);
    }
    let fish = area.p("setup-stamp.fish");
    fs::write(&fish, area.run(&[], &["completions", "fish"]).stdout).unwrap();
    if let Some(out) = shell_run(
        "fish",
        &format!(
            "source '{}'; and complete -C'setup-stamp --name'",
            fish.display()
        ),
    ) {
        code(&out, 0);
        assert!(
            text(&out.stdout).contains("--namespace"),
            "{}",
            text(&out.stdout)
        );
    }
}

/// Runs `script` with `shell -c`, or `None` (the skip recorded, a failure
/// under CI) when the shell is not installed.
#[track_caller]
fn shell_run(shell: &str, script: &str) -> Option<Output> {
    let found = ["/usr/bin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(shell))
        .find(|p| p.exists());
    let Some(program) = found else {
        required(format!(
            "{shell} in /usr/bin or /bin (.ci/run installs it): its completion script is not run"
        ));
        return None;
    };
    Some(
        Command::new(program)
            .arg("-c")
            .arg(script)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap(),
    )
}

/// `man` is a page naming every subcommand, global flag and subcommand
/// flag; it renders without warnings where groff is installed.
#[test]
fn man_page_covers_the_command_and_renders() {
    let area = Area::new();
    let out = area.run(&[], &["man"]);
    code(&out, 0);
    let page = text(&out.stdout);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH setup-stamp 1"), "{page}");
    for sub in [
        "check",
        "write",
        "clear",
        "path",
        "versions",
        "show",
        "env",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!(".SH \"SETUP-STAMP {}\"", sub.to_uppercase())),
            "no section for {sub}"
        );
        assert!(
            page.contains(&format!("\\fBsetup\\-stamp {sub}\\fR")),
            "{sub} not listed"
        );
    }
    assert!(!page.contains("(1)\n"), "refers to pages that do not exist");
    for flag in [
        "sys\\-path",
        "python",
        "verbose",
        "namespace",
        "package",
        "stamp\\-file",
        "setup\\-command",
        "json",
    ] {
        assert!(
            page.contains(&format!("\\fB\\-\\-{flag}\\fR")),
            "--{flag} missing"
        );
    }
    for var in [
        "SETUP_STAMP_NAMESPACE",
        "SETUP_STAMP_PACKAGES",
        "SETUP_STAMP_FILE",
        "SETUP_STAMP_SETUP_COMMAND",
    ] {
        assert!(page.contains(var), "{var} missing");
    }
    let file = area.p("setup-stamp.1");
    fs::write(&file, &out.stdout).unwrap();
    if !Path::new("/usr/bin/groff").exists() {
        return required("groff (.ci/run installs it): the page is not rendered");
    }
    let rendered = Command::new("/usr/bin/groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
        .unwrap();
    code(&rendered, 0);
    assert_eq!(text(&rendered.stderr), "", "groff warnings");
    let rendered = Command::new("/usr/bin/groff")
        .args(["-man", "-Tascii", "-P-cbou"])
        .arg(&file)
        .output()
        .unwrap();
    code(&rendered, 0);
    let plain = text(&rendered.stdout);
    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "ECOSYSTEM",
        "EXIT STATUS AND EXAMPLES",
    ] {
        assert!(plain.contains(heading), "{heading} not rendered");
    }
    // The exit codes keep their lines.
    assert!(
        plain.contains("\n         4  stale_after_downgrade"),
        "{plain}"
    );
}
