//! The common command lines, read without building the clap parser.
//!
//! `setup-stamp check` runs at every start of a terok tool (shell prompt
//! hooks, `ExecCondition=`), so what it costs before the check matters.
//! Building clap's `Command` for this CLI allocates about 190 KB (every
//! subcommand, argument and help text, then a copy of each argument while
//! it is validated) and runs code spread over the whole binary: about 30
//! page faults and a third of what the process costs beyond an empty one
//! (BENCHMARKS.md, start-up).
//!
//! [`parse`] recognises a strict subset of the command lines clap accepts
//! and builds the very [`Cli`] clap would build from them; everything else
//! (help, errors, `--opt=value`, options after the subcommand, the other
//! subcommands) returns `None` and goes to clap, so every message and exit
//! code of the parser stays clap's. The subset:
//!
//! ```text
//! setup-stamp --version | -V
//! setup-stamp [GLOBAL]... check|versions|show|env|receipts [--json]
//!   (check and receipts without --refresh, --no-refresh, --refresh-timeout)
//! setup-stamp [GLOBAL]... write|clear|path
//! GLOBAL: --sys-path DIR | --python PATH | --verbose | -v
//!       | --namespace NAME | --package NAME | --stamp-file NAME
//!       | --setup-command COMMAND
//! ```
//!
//! A value is taken only when it does not start with `-` (`--sys-path ""`
//! is a value: the current directory, as in `sys.path`); the options that
//! take one value, and `--verbose`, at most once; `--python` not with
//! `--sys-path`; the ecosystem options' values must be UTF-8 and non-empty.
//! A test compares the outcome with clap's for every command line of a
//! large generated set.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::args::{Cli, Command};
use crate::ecosystem_args::EcosystemArgs;
use crate::startup::StartupArgs;

/// What the command line asks for, when it is one of the common forms.
// Made once per process and moved into `main`'s variable: boxing the large
// variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Parsed {
    /// `--version` or `-V`: print [`version_line`] and exit 0.
    Version,
    /// Run this command line, exactly as clap would have parsed it.
    Run(Cli),
}

/// What clap prints for `--version` (`name version`, a newline).
pub fn version_line() -> &'static str {
    concat!("setup-stamp ", env!("CARGO_PKG_VERSION"), "\n")
}

/// The command line (without the program name) when it is one of the
/// common forms; `None` when clap has to read it.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Option<Parsed> {
    let mut args = args.into_iter().peekable();
    let mut sys_path: Vec<PathBuf> = Vec::new();
    let mut python: Option<PathBuf> = None;
    let mut verbose = false;
    let mut namespace: Option<String> = None;
    let mut packages: Vec<String> = Vec::new();
    let mut stamp_file: Option<String> = None;
    let mut setup_command: Option<String> = None;
    let mut first = true;
    let name = loop {
        let arg = args.next()?;
        let token = arg.to_str()?;
        match token {
            "--version" | "-V" if first && args.peek().is_none() => return Some(Parsed::Version),
            "--sys-path" => sys_path.push(PathBuf::from(value(&mut args)?)),
            "--python" if python.is_none() => {
                let path = value(&mut args)?;
                if path.is_empty() {
                    return None;
                }
                python = Some(PathBuf::from(path));
            }
            "--verbose" | "-v" if !verbose => verbose = true,
            "--namespace" if namespace.is_none() => namespace = Some(text(&mut args)?),
            "--package" => packages.push(text(&mut args)?),
            "--stamp-file" if stamp_file.is_none() => stamp_file = Some(text(&mut args)?),
            "--setup-command" if setup_command.is_none() => {
                setup_command = Some(text(&mut args)?);
            }
            _ if token.starts_with('-') => return None,
            _ => break token.to_owned(),
        }
        first = false;
    };
    if python.is_some() && !sys_path.is_empty() {
        return None;
    }
    let json = match args.next() {
        None => false,
        Some(flag) if flag == "--json" && args.peek().is_none() => true,
        Some(_) => return None,
    };
    let command = match (name.as_str(), json) {
        ("check", json) => Command::Check {
            json,
            startup: StartupArgs::default(),
        },
        ("versions", json) => Command::Versions { json },
        ("show", json) => Command::Show { json },
        ("env", json) => Command::Env { json },
        ("receipts", json) => Command::Receipts {
            json,
            startup: StartupArgs::default(),
        },
        ("write", false) => Command::Write,
        ("clear", false) => Command::Clear,
        ("path", false) => Command::Path,
        _ => return None,
    };
    Some(Parsed::Run(Cli {
        sys_path,
        python,
        verbose,
        ecosystem: EcosystemArgs::from_flags(namespace, packages, stamp_file, setup_command),
        command,
    }))
}

/// The next argument as an option's value: present and not starting with
/// `-` (clap would read that as another option, or refuse it).
fn value(args: &mut impl Iterator<Item = OsString>) -> Option<OsString> {
    let value = args.next()?;
    if value.as_encoded_bytes().first() == Some(&b'-') {
        return None;
    }
    Some(value)
}

/// [`value`], for the options whose value is a non-empty `String`.
fn text(args: &mut impl Iterator<Item = OsString>) -> Option<String> {
    value(args)?.into_string().ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    /// What clap makes of `args`: the `Cli` (as its `Debug` text), or the
    /// kind of the error (which includes `--version` and `--help`).
    fn clap(args: &[OsString]) -> Result<String, clap::error::ErrorKind> {
        let argv = std::iter::once(OsString::from("setup-stamp")).chain(args.iter().cloned());
        Cli::try_parse_from(argv)
            .map(|cli| format!("{cli:?}"))
            .map_err(|e| e.kind())
    }

    /// The fast path agrees with clap wherever it answers.
    fn agrees(args: &[OsString]) -> Result<(), String> {
        match parse(args.iter().cloned()) {
            Some(Parsed::Version) if clap(args) != Err(clap::error::ErrorKind::DisplayVersion) => {
                Err(format!("{args:?}: clap says {:?}", clap(args)))
            }
            Some(Parsed::Run(cli)) if clap(args) != Ok(format!("{cli:?}")) => Err(format!(
                "{args:?}: clap says {:?}, fast {cli:?}",
                clap(args)
            )),
            _ => Ok(()),
        }
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_version_line_is_clap_s() {
        assert_eq!(Cli::command().render_version(), version_line());
    }

    #[test]
    fn the_common_forms_are_read_as_clap_reads_them() {
        let cases: &[&[&str]] = &[
            &["check"],
            &["check", "--json"],
            &[
                "--sys-path",
                "/a",
                "--sys-path",
                "",
                "--sys-path",
                "b",
                "check",
            ],
            &["--python", "/v", "-v", "check", "--json"],
            &["--verbose", "versions"],
            &[
                "--namespace",
                "acme",
                "--package",
                "a",
                "--package",
                "b",
                "show",
            ],
            &[
                "--stamp-file",
                "s.stamp",
                "--setup-command",
                "acme setup",
                "env",
                "--json",
            ],
            &["--sys-path", "check", "check"],
            &["write"],
            &["clear"],
            &["path"],
            &["receipts", "--json"],
            &["--version"],
            &["-V"],
        ];
        for args in cases {
            let args = os(args);
            assert!(parse(args.iter().cloned()).is_some(), "{args:?}");
            agrees(&args).unwrap();
        }
    }

    #[test]
    fn everything_else_is_left_to_clap() {
        let cases: &[&[&str]] = &[
            &[],
            &["--help"],
            &["-h"],
            &["help"],
            &["check", "--help"],
            &["check", "--json", "--json"],
            &["check", "--sys-path", "/a"],
            &["--sys-path=/a", "check"],
            &["--sys-path"],
            &["--sys-path", "-x", "check"],
            &["--python", "", "check"],
            &["--python", "/v", "--sys-path", "/a", "check"],
            &["--python", "/a", "--python", "/b", "check"],
            &["-v", "-v", "check"],
            &["-vv", "check"],
            &["--namespace", "", "check"],
            &["--verbose", "--version"],
            &["--version", "check"],
            &["write", "--json"],
            &["receipt", "check"],
            &["lock", "--", "true"],
            &["completions", "bash"],
            &["man"],
            &["chek"],
        ];
        for args in cases {
            let args = os(args);
            assert!(parse(args.iter().cloned()).is_none(), "{args:?}");
        }
    }

    #[test]
    fn values_that_are_not_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![b'/', 0xff]);
        let path = [OsString::from("--sys-path"), odd.clone(), "check".into()];
        assert!(parse(path.iter().cloned()).is_some());
        agrees(&path).unwrap();
        let name = [OsString::from("--namespace"), odd, "check".into()];
        assert!(parse(name.iter().cloned()).is_none());
    }

    /// Tokens that the fast path and clap could read differently.
    const TOKENS: &[&str] = &[
        "check",
        "versions",
        "show",
        "env",
        "receipts",
        "write",
        "clear",
        "path",
        "receipt",
        "help",
        "--json",
        "--sys-path",
        "--python",
        "--verbose",
        "-v",
        "-vV",
        "--namespace",
        "--package",
        "--stamp-file",
        "--setup-command",
        "--version",
        "-V",
        "--help",
        "--",
        "-",
        "",
        " ",
        "/a",
        "acme",
        "a,b",
        "--sys-path=/b",
        "--jso",
    ];
    const GLOBALS: &[&str] = &[
        "--sys-path",
        "--python",
        "--verbose",
        "-v",
        "--namespace",
        "--package",
        "--stamp-file",
        "--setup-command",
    ];
    const VALUES: &[&str] = &["/a", "", " ", "acme", "-x", "check", "--json", "a b"];
    const COMMANDS: &[&str] = &[
        "check", "versions", "show", "env", "receipts", "write", "clear", "path",
    ];

    /// A small deterministic generator (xorshift64*), so that the test
    /// needs no dependency and every run checks the same command lines.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
    }

    #[test]
    fn agrees_with_clap_on_generated_command_lines() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut answered = 0;
        for case in 0..20_000 {
            let mut line: Vec<&str> = Vec::new();
            if case % 2 == 0 {
                // Any tokens.
                for _ in 0..rng.below(8) {
                    line.push(rng.pick(TOKENS));
                }
            } else {
                // Global options with values, a subcommand, maybe --json,
                // and now and then a stray token somewhere.
                for _ in 0..rng.below(5) {
                    line.push(rng.pick(GLOBALS));
                    line.push(rng.pick(VALUES));
                }
                line.push(rng.pick(COMMANDS));
                if rng.below(2) == 0 {
                    line.push("--json");
                }
                if rng.below(4) == 0 {
                    let at = rng.below(line.len() + 1);
                    line.insert(at, rng.pick(TOKENS));
                }
            }
            let args = os(&line);
            if parse(args.iter().cloned()).is_some() {
                answered += 1;
            }
            agrees(&args).unwrap();
        }
        // The generator reaches the fast path often enough to mean something.
        assert!(
            answered > 2_000,
            "only {answered} command lines took the fast path"
        );
    }
}
