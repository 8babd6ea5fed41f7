//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use setup_stamp::environment::{self, Environment, EnvironmentError};
use setup_stamp::SetupStamp;

use crate::completions::Shell;
use crate::ecosystem_args::EcosystemArgs;

const AFTER_HELP: &str = "\
Exit codes (terok's contract), for check and receipts:
  0  ok / ready: setup is current
  3  first_run, stale_after_update, stamp_corrupt (the stamp) or missing,
     stale, invalid (receipts): run the setup command
  4  stale_after_downgrade / downgrade: upgrade back, or remove the stamp or
     the newer receipts at your own risk
  1  no verdict could be reached (the reason is printed)
  2  usage error

Examples:
  setup-stamp check                      # verdict for the environment terok runs in
  setup-stamp check --json               # machine-readable report
  setup-stamp --python ~/.venvs/terok check
  setup-stamp --sys-path /opt/site-packages versions
  setup-stamp write                      # after a successful `terok setup`
  setup-stamp path                       # where the stamp lives
  setup-stamp receipts                   # terok 0.9+: the verdict by owner
  setup-stamp --namespace acme-tools --package acme-cli --package acme_core \\
      --setup-command 'acme setup' check # another ecosystem";

/// Is `terok setup` needed? Compares the setup stamp with the installed
/// package versions, exactly as terok_sandbox.setup_stamp does.
#[derive(Debug, Parser)]
#[command(name = "setup-stamp", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Search this directory for installed distributions (repeatable, in
    /// order; replaces environment discovery). An empty DIR is the current
    /// directory, as in sys.path.
    #[arg(
        long = "sys-path",
        value_name = "DIR",
        global = true,
        // Not clap's path parser, which refuses the empty entry.
        value_parser = clap::builder::TypedValueParser::map(
            clap::builder::OsStringValueParser::new(),
            PathBuf::from
        )
    )]
    pub sys_path: Vec<PathBuf>,

    /// Use the environment of this Python: a virtual environment directory or
    /// an interpreter.
    #[arg(long, value_name = "PATH", global = true, conflicts_with = "sys_path")]
    pub python: Option<PathBuf>,

    /// Print how the Python environment was found (on stderr).
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Which ecosystem: namespace, tracked packages, stamp file, setup command.
    #[command(flatten)]
    pub ecosystem: EcosystemArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The start-up verdict: the stamp compared with the installed versions,
    /// or, on a receipt-era install, terok's own `setup_status(check_setup())`.
    #[command(after_help = "\
Which protocol answers is read from the install: terok-sandbox 0.4-0.5 (the
setup stamp) or terok-util 0.4 with terok 0.9 and later (per-owner setup
receipts). On a receipt-era install the verdict is the one terok's TUI acts
on, computed by terok's own code once and kept, with everything it read, in
$XDG_CACHE_HOME/setup-stamp/startup; later checks prove it current without
starting Python, and any change runs terok's code again.

Exit codes: 0 ok / ready; 3 first_run, stale_after_update, stamp_corrupt /
missing, stale, invalid: run the setup command; 4 stale_after_downgrade /
downgrade; 1 no verdict could be reached (the reason is printed); 2 usage
error.

Examples:
  setup-stamp check
  setup-stamp check --json | jq .status      # receipts
  setup-stamp check --json | jq .verdict     # the stamp")]
    Check {
        /// Print one JSON object. The stamp: protocol ("stamp"), verdict,
        /// stamp_path, stamped, installed, changes. Receipts: protocol
        /// ("receipts"), status, checks [{owner, component, status,
        /// diagnostic}], owner, error, interpreter, receipts, cache.
        #[arg(long)]
        json: bool,
        /// How terok's own check may be run (receipt-era installs).
        #[command(flatten)]
        startup: crate::startup::StartupArgs,
    },
    /// Record the installed versions in the stamp (after a successful setup).
    #[command(after_help = "Prints the stamp's path.\n\nExample:\n  setup-stamp write")]
    Write,
    /// Remove the stamp (exit 0 whether or not there was one).
    #[command(after_help = "Example:\n  setup-stamp clear")]
    Clear,
    /// Print where the stamp lives.
    #[command(after_help = "Example:\n  cat \"$(setup-stamp path)\"")]
    Path,
    /// Print the installed versions of the tracked packages.
    #[command(
        after_help = "Examples:\n  setup-stamp versions\n  setup-stamp --python /opt/venv versions --json"
    )]
    Versions {
        /// Print a JSON object {package: version}.
        #[arg(long)]
        json: bool,
    },
    /// Print the stamp's content and the comparison report.
    #[command(after_help = "Examples:\n  setup-stamp show\n  setup-stamp show --json")]
    Show {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print how the Python environment was found and its search path.
    #[command(
        after_help = "Examples:\n  setup-stamp env\n  setup-stamp --python /usr/bin/python3 env --json"
    )]
    Env {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Check, write or clear one owner's setup receipt (terok_util.setup).
    Receipt {
        /// What to do with the receipt.
        #[command(subcommand)]
        action: crate::receipt::ReceiptAction,
    },
    /// terok's start-up verdict by owner: each owner's receipt and checks
    /// (terok-sandbox 0.6 and later).
    #[command(after_help = "\
The same verdict as `check` on a receipt-era install (terok's own
`setup_status(check_setup())`), shown per owner with its receipt.

The ecosystem options (--namespace, --package, --stamp-file) do not apply:
another ecosystem is a usage error.

Exit codes: 0 ready; 3 missing, stale, invalid: run the setup command;
4 downgrade; 1 no verdict could be reached (the reason is printed), e.g. the
install uses the setup stamp or no terok package is installed; 2 usage
error.

Examples:
  setup-stamp receipts
  setup-stamp --python ~/.local/share/pipx/venvs/terok receipts --json")]
    Receipts {
        /// Print one JSON object: protocol, status, owner, error,
        /// interpreter, owners [{owner, installed, path, status, diagnostic,
        /// checks, stored}], cache.
        #[arg(long)]
        json: bool,
        /// How terok's own check may be run.
        #[command(flatten)]
        startup: crate::startup::StartupArgs,
    },
    /// Hold the setup lock while a command runs (exit 1 if it is busy).
    #[command(after_help = "\
The command's exit code is passed on. Inside it, `setup-stamp receipt
write|clear` do not take the lock again.

Example:
  setup-stamp lock -- terok setup")]
    Lock {
        #[command(flatten)]
        lock: crate::receipt::LockOptions,
        /// The command and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD"
        )]
        command: Vec<std::ffi::OsString>,
    },
    /// Print a shell completion script (bash, zsh or fish).
    #[command(after_help = "\
Examples:
  source <(setup-stamp completions bash)
  setup-stamp completions zsh > ~/.zfunc/_setup-stamp
  setup-stamp completions fish > ~/.config/fish/completions/setup-stamp.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff).
    #[command(after_help = "\
Examples:
  setup-stamp man | man -l -
  setup-stamp man > ~/.local/share/man/man1/setup-stamp.1")]
    Man,
}

impl Cli {
    /// The Python environment whose distributions are compared.
    pub fn environment(&self) -> Result<Environment, EnvironmentError> {
        let ecosystem = &self.ecosystem.chosen().ecosystem;
        let request = environment::DiscoveryRequest {
            sys_path: (!self.sys_path.is_empty()).then(|| self.sys_path.clone()),
            python: self.python.clone(),
            tracked_packages: ecosystem.tracked_packages.clone(),
        };
        environment::discover(&request)
    }

    /// The library handle for this invocation.
    pub fn setup_stamp(&self, env: &Environment) -> SetupStamp {
        SetupStamp::new(self.ecosystem.chosen().ecosystem.clone())
            .with_search_path(env.search_path.iter().cloned())
    }
}
