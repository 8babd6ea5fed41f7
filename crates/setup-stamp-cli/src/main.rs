//! The `setup-stamp` command-line tool: a thin shell over the
//! [`setup_stamp`] library.
//!
//! Exit codes follow terok's contract: 0 ok; 3 first run, update or corrupt
//! stamp; 4 downgrade; 1 when no verdict could be reached; 2 usage errors.

mod args;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = render::Style::detect();
    match run(&cli, style) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "setup-stamp: error: {}",
                render::error_chain(&*error)
            );
            ExitCode::from(1)
        }
    }
}

type CliResult = Result<u8, Box<dyn std::error::Error>>;

fn run(cli: &Cli, style: render::Style) -> CliResult {
    let env = cli.environment()?;
    let stamp = cli.setup_stamp(&env);
    if cli.verbose && !matches!(cli.command, Command::Env { .. }) {
        eprint!("{}", render::environment_human(&env, None));
    }
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Check { json } => {
            let check = stamp.check()?;
            if *json {
                writeln!(out, "{}", render::check_json(&check))?;
            } else {
                write!(out, "{}", render::check_human(&check, style))?;
            }
            Ok(check.report.verdict.exit_code())
        }
        Command::Write => {
            let path = stamp.write_stamp()?;
            writeln!(out, "{}", path.display())?;
            Ok(0)
        }
        Command::Clear => {
            let path = stamp.stamp_path()?;
            let removed = stamp.clear_stamp()?;
            if removed {
                writeln!(out, "removed {}", path.display())?;
            } else {
                writeln!(out, "no stamp at {}", path.display())?;
            }
            Ok(0)
        }
        Command::Path => {
            let path = stamp.stamp_path()?;
            writeln!(out, "{}", path.display())?;
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
