//! The `setup-stamp` command-line tool: a thin shell over the
//! [`setup_stamp`] library.
//!
//! Exit codes follow terok's contract: 0 ok; 3 first run, update or corrupt
//! stamp; 4 downgrade; 1 when no verdict could be reached; 2 usage errors.

// On *-linux-gnu the C library calls `entry::c_main` directly, without the
// Rust runtime's start-up, which costs a tenth of a process here (entry.rs).
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

mod args;
mod completions;
mod ecosystem_args;
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
mod entry;
mod fast_args;
mod receipt;
mod render;
mod startup;

use std::io::Write;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};
use setup_stamp::startup::InstallVerdict;

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(status())
}

/// Runs the command; its exit status.
fn status() -> u8 {
    // The common command lines skip building clap's parser (fast_args.rs).
    let mut cli = match fast_args::parse(std::env::args_os().skip(1)) {
        Some(fast_args::Parsed::Run(cli)) => cli,
        Some(fast_args::Parsed::Version) => {
            let _ = std::io::stdout().write_all(fast_args::version_line().as_bytes());
            return 0;
        }
        None => Cli::parse(),
    };
    if let Some(code) = generate(&cli) {
        return code;
    }
    if let Err(error) = cli.ecosystem.resolve() {
        Cli::command()
            .error(clap::error::ErrorKind::ValueValidation, error)
            .exit();
    }
    if matches!(cli.command, Command::Receipts { .. })
        && cli.ecosystem.chosen().ecosystem != setup_stamp::Ecosystem::terok()
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "`receipts` answers for terok's own receipt owners: --namespace, --package and \
                 --stamp-file (and their SETUP_STAMP_* variables) do not apply to it",
            )
            .exit();
    }
    let style = render::Style::detect();
    match run(&cli, style) {
        Ok(code) => code,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "setup-stamp: error: {}",
                render::error_chain(&*error)
            );
            1
        }
    }
}

/// `completions` and `man`: they print what the clap definitions say and
/// need no ecosystem or environment. `None` for the other commands.
fn generate(cli: &Cli) -> Option<u8> {
    let mut out = Output(std::io::stdout().lock());
    let written = match &cli.command {
        Command::Completions { shell } => completions::write_completions(*shell, &mut out),
        Command::Man => completions::write_man(&mut out),
        _ => return None,
    };
    Some(match written.and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "setup-stamp: error: {error}");
            1
        }
    })
}

/// Standard output that keeps going when its reader has gone away
/// (`setup-stamp check | head -1`): the exit code still carries the verdict.
struct Output<W: Write>(W);

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// Writes `prefix`, the path's exact bytes (a path need not be UTF-8) and a
/// newline, so that `$(setup-stamp path)` names the very file.
fn write_path_line(
    out: &mut impl Write,
    prefix: &str,
    path: &std::path::Path,
) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    out.write_all(prefix.as_bytes())?;
    out.write_all(path.as_os_str().as_bytes())?;
    out.write_all(b"\n")
}

type CliResult = Result<u8, Box<dyn std::error::Error>>;

/// The chosen ecosystem's namespace (`terok` unless `--namespace`).
fn namespace(cli: &Cli) -> &str {
    &cli.ecosystem.chosen().ecosystem.namespace
}

fn run(cli: &Cli, style: render::Style) -> CliResult {
    // The receipt and lock commands need no Python environment.
    match &cli.command {
        Command::Receipt { action } => {
            let mut out = Output(std::io::stdout().lock());
            return receipt::run_receipt(action, &mut out, namespace(cli));
        }
        Command::Lock { lock, command } => return receipt::run_lock(lock, command, namespace(cli)),
        _ => {}
    }
    let env = cli.environment()?;
    let stamp = cli.setup_stamp(&env);
    if cli.verbose && !matches!(cli.command, Command::Env { .. }) {
        eprint!("{}", render::environment_human(&env, None));
    }
    let mut out = Output(std::io::stdout().lock());
    match &cli.command {
        Command::Check { json, startup } => {
            let host = setup_stamp::environment::HostEnv::from_process();
            let verdict =
                setup_stamp::startup::check_install(&stamp, &env, &host, &startup.options())?;
            let setup_command = &cli.ecosystem.chosen().setup_command;
            match verdict {
                InstallVerdict::Stamp(check) => {
                    let tracked = &stamp.ecosystem.tracked_packages;
                    let note = render::nothing_installed(&check, &env, tracked);
                    if *json {
                        writeln!(out, "{}", render::check_json(&check, note.as_deref()))?;
                    } else {
                        let text =
                            render::check_human(&check, style, setup_command, note.as_deref());
                        write!(out, "{text}")?;
                    }
                    Ok(check.report.verdict.exit_code())
                }
                InstallVerdict::Receipts(verdict) => {
                    if cli.verbose {
                        eprint!("{}", startup::source_note(&verdict));
                    }
                    if *json {
                        writeln!(out, "{}", startup::check_json(&verdict))?;
                    } else {
                        write!(out, "{}", startup::check_human(&verdict, setup_command))?;
                    }
                    Ok(verdict.answer.status().exit_code())
                }
            }
        }
        Command::Write => {
            let path = stamp.write_stamp()?;
            write_path_line(&mut out, "", &path)?;
            Ok(0)
        }
        Command::Clear => {
            let path = stamp.stamp_path()?;
            let removed = stamp.clear_stamp()?;
            if removed {
                write_path_line(&mut out, "removed ", &path)?;
            } else {
                write_path_line(&mut out, "no stamp at ", &path)?;
            }
            Ok(0)
        }
        Command::Path => {
            let path = stamp.stamp_path()?;
            write_path_line(&mut out, "", &path)?;
            Ok(0)
        }
        Command::Versions { json } => {
            let installed = stamp.installed_versions()?;
            if *json {
                writeln!(out, "{}", render::versions_json(&installed))?;
            } else {
                write!(out, "{}", render::versions_human(&installed))?;
            }
            Ok(0)
        }
        Command::Show { json } => {
            let check = stamp.check()?;
            if *json {
                writeln!(out, "{}", render::show_json(&check))?;
            } else {
                write!(out, "{}", render::show_human(&check, style))?;
            }
            Ok(0)
        }
        Command::Receipts { json, startup } => {
            let host = setup_stamp::environment::HostEnv::from_process();
            let report =
                setup_stamp::startup::owner_report(&stamp, &env, &host, &startup.options())?;
            if cli.verbose {
                eprint!("{}", startup::source_note(&report.verdict));
            }
            if *json {
                writeln!(out, "{}", startup::receipts_json(&report))?;
            } else {
                write!(out, "{}", startup::receipts_human(&report))?;
            }
            Ok(report.verdict.answer.status().exit_code())
        }
        // Answered before the environment is looked at.
        Command::Receipt { .. }
        | Command::Lock { .. }
        | Command::Completions { .. }
        | Command::Man => Ok(0),
        Command::Env { json } => {
            let found = stamp.find_distributions()?;
            if *json {
                writeln!(out, "{}", render::environment_json(&env, Some(&found)))?;
            } else {
                write!(out, "{}", render::environment_human(&env, Some(&found)))?;
            }
            Ok(0)
        }
    }
}
