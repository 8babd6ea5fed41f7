//! `completions SHELL` and `man`: generated from the clap definitions, so
//! they always list exactly the subcommands and flags `--help` shows.

use std::io::{self, Write};

use clap::{CommandFactory, ValueEnum};

use crate::args::Cli;

/// The shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU Bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

/// The command's name, as completions and the manual page call it.
const NAME: &str = "setup-stamp";

/// Writes the completion script for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), NAME, &mut buffer);
    out.write_all(&buffer)
}

/// The manual page's DESCRIPTION (`--help` keeps its one-line summary).
const MAN_DESCRIPTION: &str = "\
Compares an ecosystem's setup stamp (a JSON file written after a successful \
setup) with the versions of its tracked Python distributions installed now, \
exactly as the Python module terok_sandbox.setup_stamp does, and prints one of \
five verdicts: ok, first_run, stale_after_update, stale_after_downgrade, \
stamp_corrupt.

The stamp is <base>/<stamp file>, the base taken from, in order: the \
variable <NS>_ROOT; paths.root of the layered config.yml (<NS>_CONFIG_FILE, \
or /etc/<ns>/config.yml then ~/.config/<ns>/config.yml); /var/lib/<ns> for \
real root; $XDG_DATA_HOME/<ns> (default ~/.local/share/<ns>) otherwise. \
<ns> is the namespace (terok unless --namespace or SETUP_STAMP_NAMESPACE \
says otherwise); <NS> is it in upper case with other characters than \
letters and digits as _.

With no --sys-path or --python, the Python environment is found without \
starting Python: $VIRTUAL_ENV, else the environment owning a tracked \
package's console script on PATH, else python3 on PATH.";

/// Writes the manual page `setup-stamp(1)` (roff): the command's page, then
/// one section per subcommand with its synopsis, description and options.
pub fn write_man(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command()
        .about("compare a setup stamp with the installed package versions")
        .long_about(MAN_DESCRIPTION);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .chain(["help".to_owned()])
        .collect();
    let mut main = Vec::new();
    clap_mangen::Man::new(command.clone())
        .manual("User Commands")
        .render(&mut main)?;
    let mut page = restyle(&String::from_utf8_lossy(&main), false, &names);
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let title = format!("{NAME} {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(&title).display_name(&title));
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        man.render_extra_section(&mut section)?;
        page.push_str(&format!(".SH \"{}\"\n", title.to_uppercase()));
        page.push_str(&restyle(&String::from_utf8_lossy(&section), true, &names));
    }
    out.write_all(page.as_bytes())
}

/// Post-processes clap_mangen's roff: the after-help text keeps its lines
/// (`.nf`) under a heading that says what it is; the SUBCOMMANDS list names
/// the sections of this page, not pages `setup-stamp-check(1)` that do not
/// exist; in a subcommand's part (`demote`), sections become subsections
/// and the string definition every rendered piece repeats is dropped.
fn restyle(roff: &str, demote: bool, subcommands: &[String]) -> String {
    let mut out = String::with_capacity(roff.len() + 64);
    let mut unfilled = false;
    for line in roff.lines() {
        if demote && (line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq")) {
            continue;
        }
        if let Some(heading) = line.strip_prefix(".SH ") {
            if unfilled {
                out.push_str(".fi\n");
                unfilled = false;
            }
            let heading = heading.trim_matches('"');
            let extra = heading == "EXTRA";
            if demote {
                let title = if extra {
                    "Notes".to_owned()
                } else {
                    title_case(heading)
                };
                out.push_str(&format!(".SS {title}\n"));
            } else if extra {
                out.push_str(".SH \"EXIT STATUS AND EXAMPLES\"\n");
            } else {
                out.push_str(line);
                out.push('\n');
            }
            if extra {
                out.push_str(".nf\n");
                unfilled = true;
            }
            continue;
        }
        let reference = subcommands
            .iter()
            .find(|name| line == format!("setup\\-stamp\\-{}(1)", name.replace('-', "\\-")));
        match reference {
            Some(name) => out.push_str(&format!("\\fBsetup\\-stamp {name}\\fR")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    if unfilled {
        out.push_str(".fi\n");
    }
    out
}

/// `OPTIONS` → `Options`.
fn title_case(heading: &str) -> String {
    let mut chars = heading.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}
