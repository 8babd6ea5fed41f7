//! Which ecosystem the command answers for: `--namespace`, `--package`,
//! `--stamp-file`, `--setup-command` and their environment variables.
//!
//! A flag wins over its variable, a variable over terok's default. An empty
//! variable counts as unset (as the library treats an empty `<NS>_ROOT`); an
//! empty flag, or a value that cannot name what it should, is a usage error
//! (exit 2), never a silent fallback to terok's ecosystem.
//!
//! The Python binding's `Ecosystem` checks only that each part is a `str`;
//! the command also refuses what would put the stamp outside the
//! ecosystem's own directory or match nothing:
//!
//! - namespace and stamp file: one path component, so not empty, no `/`,
//!   not `.` or `..` (the namespace names `/var/lib/<ns>`,
//!   `~/.local/share/<ns>` and `/etc/<ns>`; the file lives directly in it);
//! - package: not empty, no whitespace and no `,` (the separator of
//!   `SETUP_STAMP_PACKAGES`). A name listed twice is tracked once, at its
//!   first place, as the reference's dict of versions keeps it;
//! - setup command: not empty.

use std::ffi::OsString;
use std::fmt;

use clap::Args;
use setup_stamp::Ecosystem;

/// Environment variable for `--namespace`.
pub const NAMESPACE_VAR: &str = "SETUP_STAMP_NAMESPACE";
/// Environment variable for `--package` (comma-separated, in order).
pub const PACKAGES_VAR: &str = "SETUP_STAMP_PACKAGES";
/// Environment variable for `--stamp-file`.
pub const STAMP_FILE_VAR: &str = "SETUP_STAMP_FILE";
/// Environment variable for `--setup-command`.
pub const SETUP_COMMAND_VAR: &str = "SETUP_STAMP_SETUP_COMMAND";
/// The setup command named in messages by default.
pub const DEFAULT_SETUP_COMMAND: &str = "terok setup";

/// The ecosystem options, global to every subcommand.
#[derive(Debug, Args)]
pub struct EcosystemArgs {
    /// The ecosystem's namespace: names the stamp's directory
    /// (/var/lib/NAME, ~/.local/share/NAME) and the variables NAME_ROOT and
    /// NAME_CONFIG_FILE (upper case, other characters than letters and
    /// digits as _) [env: SETUP_STAMP_NAMESPACE] [default: terok]
    #[arg(long, value_name = "NAME", global = true, help_heading = "Ecosystem")]
    pub namespace: Option<String>,

    /// A tracked distribution (repeatable, in order; replaces the default
    /// set) [env: SETUP_STAMP_PACKAGES, comma-separated] [default: terok,
    /// terok-executor, terok-sandbox, terok-shield, terok-clearance]
    #[arg(
        long = "package",
        value_name = "NAME",
        global = true,
        help_heading = "Ecosystem"
    )]
    pub packages: Vec<String>,

    /// The stamp's file name [env: SETUP_STAMP_FILE] [default: setup.stamp]
    #[arg(
        long = "stamp-file",
        value_name = "NAME",
        global = true,
        help_heading = "Ecosystem"
    )]
    pub stamp_file: Option<String>,

    /// The command that sets the ecosystem up, named in messages
    /// [env: SETUP_STAMP_SETUP_COMMAND] [default: terok setup]
    #[arg(
        long = "setup-command",
        value_name = "COMMAND",
        global = true,
        help_heading = "Ecosystem"
    )]
    pub setup_command: Option<String>,

    /// What the options and variables chose (see [`EcosystemArgs::resolve`]).
    #[arg(skip)]
    chosen: Chosen,
}

/// The ecosystem and the setup command one invocation works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// Namespace, tracked packages and stamp file name.
    pub ecosystem: Ecosystem,
    /// The command messages tell the user to run (`terok setup`).
    pub setup_command: String,
}

impl Default for Chosen {
    /// terok's ecosystem and `terok setup`.
    fn default() -> Self {
        Chosen {
            ecosystem: Ecosystem::terok(),
            setup_command: DEFAULT_SETUP_COMMAND.to_owned(),
        }
    }
}

/// A value that cannot be used, from a flag or from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// Where the value came from: `--namespace` or `SETUP_STAMP_NAMESPACE`.
    pub origin: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.problem)
    }
}

impl std::error::Error for UsageError {}

/// Where one value came from.
enum Source {
    Flag(&'static str),
    Var(&'static str),
}

impl Source {
    fn error(&self, problem: impl Into<String>) -> UsageError {
        let origin = match self {
            Source::Flag(name) => (*name).to_owned(),
            Source::Var(name) => format!("environment variable {name}"),
        };
        UsageError {
            origin,
            problem: problem.into(),
        }
    }
}

impl EcosystemArgs {
    /// The options as given on the command line (what clap would build from
    /// them); nothing chosen yet.
    pub fn from_flags(
        namespace: Option<String>,
        packages: Vec<String>,
        stamp_file: Option<String>,
        setup_command: Option<String>,
    ) -> Self {
        EcosystemArgs {
            namespace,
            packages,
            stamp_file,
            setup_command,
            chosen: Chosen::default(),
        }
    }

    /// What [`resolve`](Self::resolve) chose; terok's ecosystem before it ran.
    pub fn chosen(&self) -> &Chosen {
        &self.chosen
    }

    /// Chooses the ecosystem from the flags and the process environment.
    pub fn resolve(&mut self) -> Result<&Chosen, UsageError> {
        self.chosen = self.choose(&|name| std::env::var_os(name))?;
        Ok(&self.chosen)
    }

    /// Chooses the ecosystem from the flags and `var` (the environment).
    pub fn choose(&self, var: &dyn Fn(&str) -> Option<OsString>) -> Result<Chosen, UsageError> {
        let defaults = Chosen::default();
        let namespace = pick(&self.namespace, "--namespace", NAMESPACE_VAR, var)?
            .map(|(value, source)| component(value, &source, "namespace"))
            .transpose()?
            .unwrap_or(defaults.ecosystem.namespace);
        let file_name = pick(&self.stamp_file, "--stamp-file", STAMP_FILE_VAR, var)?
            .map(|(value, source)| component(value, &source, "stamp file name"))
            .transpose()?
            .unwrap_or(defaults.ecosystem.file_name);
        let setup_command = pick(
            &self.setup_command,
            "--setup-command",
            SETUP_COMMAND_VAR,
            var,
        )?
        .map(|(value, source)| {
            if value.trim().is_empty() {
                Err(source.error("the setup command is empty"))
            } else {
                Ok(value)
            }
        })
        .transpose()?
        .unwrap_or(defaults.setup_command);
        let packages = if !self.packages.is_empty() {
            let source = Source::Flag("--package");
            self.packages
                .iter()
                .map(|name| package(name, &source))
                .collect::<Result<Vec<_>, _>>()?
        } else if let Some(value) = non_empty_var(PACKAGES_VAR, var)? {
            let source = Source::Var(PACKAGES_VAR);
            value
                .split(',')
                .map(|name| package(name.trim(), &source))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            defaults.ecosystem.tracked_packages
        };
        let mut tracked: Vec<String> = Vec::with_capacity(packages.len());
        for name in packages {
            if !tracked.contains(&name) {
                tracked.push(name);
            }
        }
        Ok(Chosen {
            ecosystem: Ecosystem::new(namespace)
                .with_tracked_packages(tracked)
                .with_file_name(file_name),
            setup_command,
        })
    }
}

/// The flag's value, else the variable's when set and non-empty.
fn pick(
    flag: &Option<String>,
    flag_name: &'static str,
    var_name: &'static str,
    var: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Option<(String, Source)>, UsageError> {
    if let Some(value) = flag {
        return Ok(Some((value.clone(), Source::Flag(flag_name))));
    }
    Ok(non_empty_var(var_name, var)?.map(|value| (value, Source::Var(var_name))))
}

/// The variable's value when set and non-empty; not UTF-8 is an error.
fn non_empty_var(
    name: &'static str,
    var: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Option<String>, UsageError> {
    match var(name) {
        None => Ok(None),
        Some(value) if value.is_empty() => Ok(None),
        Some(value) => value
            .into_string()
            .map(Some)
            .map_err(|_| Source::Var(name).error("not valid UTF-8")),
    }
}

/// A namespace or file name: exactly one path component.
fn component(value: String, source: &Source, what: &str) -> Result<String, UsageError> {
    if value.is_empty() {
        Err(source.error(format!("the {what} is empty")))
    } else if value.contains('/') {
        Err(source.error(format!(
            "the {what} {value:?} contains '/'; it must be a single name"
        )))
    } else if value == "." || value == ".." {
        Err(source.error(format!(
            "the {what} {value:?} is not a name; it must be a single name"
        )))
    } else if value.contains('\0') {
        Err(source.error(format!("the {what} contains a NUL character")))
    } else {
        Ok(value)
    }
}

/// A tracked distribution name.
fn package(name: &str, source: &Source) -> Result<String, UsageError> {
    if name.is_empty() {
        Err(source.error("a package name is empty"))
    } else if name.chars().any(|c| c.is_whitespace() || c == ',') {
        Err(source.error(format!(
            "the package name {name:?} contains whitespace or ','"
        )))
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(namespace: Option<&str>, packages: &[&str], file: Option<&str>) -> EcosystemArgs {
        EcosystemArgs {
            namespace: namespace.map(str::to_owned),
            packages: packages.iter().map(|p| (*p).to_owned()).collect(),
            stamp_file: file.map(str::to_owned),
            setup_command: None,
            chosen: Chosen::default(),
        }
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn nothing_given_is_terok() {
        let chosen = args(None, &[], None).choose(&env(&[])).unwrap();
        assert_eq!(chosen, Chosen::default());
        assert_eq!(chosen.ecosystem, Ecosystem::terok());
        assert_eq!(chosen.setup_command, "terok setup");
    }

    #[test]
    fn variables_choose_when_no_flag() {
        let vars = [
            (NAMESPACE_VAR, "acme-tools"),
            (PACKAGES_VAR, " acme-cli , acme_core"),
            (STAMP_FILE_VAR, "acme.stamp"),
            (SETUP_COMMAND_VAR, "acme setup --all"),
        ];
        let chosen = args(None, &[], None).choose(&env(&vars)).unwrap();
        assert_eq!(chosen.ecosystem.namespace, "acme-tools");
        assert_eq!(chosen.ecosystem.tracked_packages, ["acme-cli", "acme_core"]);
        assert_eq!(chosen.ecosystem.file_name, "acme.stamp");
        assert_eq!(chosen.setup_command, "acme setup --all");
    }

    #[test]
    fn flags_win_over_variables() {
        let vars = [
            (NAMESPACE_VAR, "from-env"),
            (PACKAGES_VAR, "env-pkg"),
            (STAMP_FILE_VAR, "env.stamp"),
        ];
        let chosen = args(Some("acme"), &["b", "a"], Some("f.stamp"))
            .choose(&env(&vars))
            .unwrap();
        assert_eq!(chosen.ecosystem.namespace, "acme");
        assert_eq!(chosen.ecosystem.tracked_packages, ["b", "a"]);
        assert_eq!(chosen.ecosystem.file_name, "f.stamp");
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let vars = [
            (NAMESPACE_VAR, ""),
            (PACKAGES_VAR, ""),
            (STAMP_FILE_VAR, ""),
            (SETUP_COMMAND_VAR, ""),
        ];
        let chosen = args(None, &[], None).choose(&env(&vars)).unwrap();
        assert_eq!(chosen, Chosen::default());
    }

    #[test]
    fn duplicates_are_tracked_once_at_their_first_place() {
        let chosen = args(None, &["a", "b", "a", "c", "b"], None)
            .choose(&env(&[]))
            .unwrap();
        assert_eq!(chosen.ecosystem.tracked_packages, ["a", "b", "c"]);
    }

    #[test]
    fn unusable_values_are_refused_naming_their_origin() {
        type Case<'a> = (EcosystemArgs, Vec<(&'a str, &'a str)>, &'a str);
        let cases: Vec<Case> = vec![
            (
                args(Some(""), &[], None),
                vec![],
                "--namespace: the namespace is empty",
            ),
            (
                args(Some("a/b"), &[], None),
                vec![],
                "--namespace: the namespace \"a/b\" contains '/'",
            ),
            (
                args(Some(".."), &[], None),
                vec![],
                "--namespace: the namespace \"..\" is not a name",
            ),
            (
                args(Some("."), &[], None),
                vec![],
                "--namespace: the namespace \".\" is not a name",
            ),
            (
                args(None, &[], Some("")),
                vec![],
                "--stamp-file: the stamp file name is empty",
            ),
            (
                args(None, &[], Some("d/s")),
                vec![],
                "--stamp-file: the stamp file name \"d/s\" contains '/'",
            ),
            (
                args(None, &[""], None),
                vec![],
                "--package: a package name is empty",
            ),
            (
                args(None, &["a b"], None),
                vec![],
                "--package: the package name \"a b\" contains whitespace",
            ),
            (
                args(None, &["a,b"], None),
                vec![],
                "--package: the package name \"a,b\" contains whitespace or ','",
            ),
            (
                args(None, &[], None),
                vec![(PACKAGES_VAR, "a,,b")],
                "environment variable SETUP_STAMP_PACKAGES: a package name is empty",
            ),
            (
                args(None, &[], None),
                vec![(PACKAGES_VAR, ",")],
                "environment variable SETUP_STAMP_PACKAGES: a package name is empty",
            ),
            (
                args(None, &[], None),
                vec![(NAMESPACE_VAR, "..")],
                "environment variable SETUP_STAMP_NAMESPACE: the namespace \"..\" is not a name",
            ),
            (
                args(None, &[], None),
                vec![(STAMP_FILE_VAR, "/abs")],
                "environment variable SETUP_STAMP_FILE: the stamp file name \"/abs\" contains '/'",
            ),
            (
                args(None, &[], None),
                vec![(SETUP_COMMAND_VAR, "  ")],
                "environment variable SETUP_STAMP_SETUP_COMMAND: the setup command is empty",
            ),
        ];
        for (given, vars, expected) in cases {
            let error = given.choose(&env(&vars)).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{error:?} should start with {expected:?}"
            );
        }
    }

    #[test]
    fn an_empty_setup_command_flag_is_refused() {
        let mut given = args(None, &[], None);
        given.setup_command = Some(String::new());
        let error = given.choose(&env(&[])).unwrap_err();
        assert_eq!(error.origin, "--setup-command");
    }

    #[test]
    fn a_variable_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let var =
            |name: &str| (name == NAMESPACE_VAR).then(|| OsString::from_vec(vec![0x61, 0xff]));
        let error = args(None, &[], None).choose(&var).unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable SETUP_STAMP_NAMESPACE: not valid UTF-8"
        );
    }

    #[test]
    fn names_that_look_odd_but_are_one_component_are_kept() {
        // What the Python binding accepts and the library handles: dots,
        // upper case, non-ASCII, a leading dash.
        let chosen = args(Some("Acme.Tools-ü"), &["Acme.Core", "-x"], Some(".stamp"))
            .choose(&env(&[]))
            .unwrap();
        assert_eq!(chosen.ecosystem.namespace, "Acme.Tools-ü");
        assert_eq!(chosen.ecosystem.tracked_packages, ["Acme.Core", "-x"]);
        assert_eq!(chosen.ecosystem.file_name, ".stamp");
    }
}
