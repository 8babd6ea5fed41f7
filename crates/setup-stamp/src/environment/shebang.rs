//! Console-script launch lines: from a script's first bytes to the
//! interpreter that runs it.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use super::InterpreterFlags;

/// How a script names its interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launcher {
    /// `#!/path/to/python [arg]`, or pip's `/bin/sh` trampoline
    /// (`'''exec' "/path/python" "$0" "$@"`) used for long or spaced paths.
    Direct {
        /// The interpreter path.
        interpreter: PathBuf,
        /// Arguments before the script (options such as `-I`).
        args: Vec<String>,
    },
    /// `#!/usr/bin/env python3` or `#!/usr/bin/env -S python3 -I`: the
    /// program is looked up on `PATH`.
    Env {
        /// The program name (or path) given to `env`.
        program: OsString,
        /// Arguments after the program.
        args: Vec<String>,
    },
}

impl Launcher {
    /// The interpreter options that change `sys.path`.
    pub fn flags(&self) -> InterpreterFlags {
        let args = match self {
            Launcher::Direct { args, .. } | Launcher::Env { args, .. } => args,
        };
        parse_flags(args)
    }
}

/// Python's command-line options among `args` (each may be `-sE`-style
/// combined); scanning stops at the first argument that is not an option.
pub fn parse_flags(args: &[String]) -> InterpreterFlags {
    let mut flags = InterpreterFlags::default();
    for arg in args {
        let Some(opts) = arg.strip_prefix('-') else {
            break;
        };
        if opts.is_empty() || opts.starts_with('-') {
            break;
        }
        for c in opts.chars() {
            match c {
                'I' => flags.isolated = true,
                'E' => flags.ignore_env = true,
                's' => flags.no_user_site = true,
                'S' => flags.no_site = true,
                'P' => flags.safe_path = true,
                // Options taking a value end the group: `-Wdefault`, `-Xdev`.
                'W' | 'X' | 'c' | 'm' => break,
                _ => {}
            }
        }
    }
    flags
}

/// Why a script's launcher could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShebangError {
    /// The file does not start with `#!`.
    NotAScript,
    /// A `#!` line naming neither a Python interpreter path nor `env`, or an
    /// `env` line the kernel would pass as one unsplittable argument.
    Unsupported(String),
}

impl std::fmt::Display for ShebangError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShebangError::NotAScript => write!(f, "no #! line"),
            ShebangError::Unsupported(line) => write!(f, "unsupported launcher line `{line}`"),
        }
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_blank(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_blank(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_blank(*last) || *last == b'\r' {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses a script's first bytes (the first 1 KiB or more).
///
/// The `#!` line is split as Linux does: the interpreter ends at the first
/// blank, the rest of the line is one optional argument. `env` is followed
/// by the program name (with `-S`, the argument is split on blanks).
///
/// ```
/// use setup_stamp::environment::{parse_shebang, Launcher};
/// let l = parse_shebang(b"#!/usr/bin/env -S python3 -I\nimport x\n").unwrap();
/// assert_eq!(l, Launcher::Env { program: "python3".into(), args: vec!["-I".into()] });
/// assert!(l.flags().isolated);
/// ```
pub fn parse_shebang(head: &[u8]) -> Result<Launcher, ShebangError> {
    let Some(rest) = head.strip_prefix(b"#!") else {
        return Err(ShebangError::NotAScript);
    };
    let line_end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let line = trim_blank(&rest[..line_end]);
    let after = rest.get(line_end + 1..).unwrap_or_default();
    let interp_end = line.iter().position(|b| is_blank(*b)).unwrap_or(line.len());
    let interp = &line[..interp_end];
    let arg = trim_blank(&line[interp_end..]);
    let base = interp.rsplit(|b| *b == b'/').next().unwrap_or(interp);
    if base == b"sh" || base == b"bash" || base == b"dash" {
        if let Some(l) = parse_sh_trampoline(after) {
            return Ok(l);
        }
        return Err(ShebangError::Unsupported(lossy(line)));
    }
    if base == b"env" {
        return parse_env_args(arg, line);
    }
    if interp.is_empty() {
        return Err(ShebangError::Unsupported(lossy(line)));
    }
    let args = if arg.is_empty() {
        Vec::new()
    } else {
        lossy(arg).split_whitespace().map(str::to_owned).collect()
    };
    Ok(Launcher::Direct {
        interpreter: PathBuf::from(OsString::from_vec(interp.to_vec())),
        args,
    })
}

/// `env`'s arguments as the kernel passes them (one string).
fn parse_env_args(arg: &[u8], line: &[u8]) -> Result<Launcher, ShebangError> {
    let text = lossy(arg);
    let mut words: Vec<String> = Vec::new();
    let split = if let Some(r) = text
        .strip_prefix("-S")
        .or_else(|| text.strip_prefix("--split-string="))
        .or_else(|| text.strip_prefix("--split-string"))
    {
        words.extend(r.split_whitespace().map(str::to_owned));
        true
    } else {
        words.push(text.clone());
        false
    };
    let mut iter = words.into_iter().peekable();
    while let Some(w) = iter.peek() {
        if w == "-i" || w == "--ignore-environment" || w == "-" {
            iter.next();
        } else if w == "-u" || w == "--unset" {
            iter.next();
            iter.next();
        } else if w.starts_with('-') && w.len() > 1 {
            iter.next();
        } else if !w.starts_with('=') && w.contains('=') {
            // NAME=VALUE assignment.
            iter.next();
        } else {
            break;
        }
    }
    let Some(program) = iter.next().filter(|p| !p.is_empty()) else {
        return Err(ShebangError::Unsupported(lossy(line)));
    };
    if !split && program.chars().any(|c| c == ' ' || c == '\t') {
        // Without -S, env receives "python3 -I" as one program name.
        return Err(ShebangError::Unsupported(lossy(line)));
    }
    Ok(Launcher::Env {
        program: OsString::from(program),
        args: iter.collect(),
    })
}

/// pip/distlib and uv's trampoline for interpreter paths that a `#!` line
/// cannot hold:
/// ```text
/// #!/bin/sh
/// '''exec' "/long path/bin/python" "$0" "$@"
/// ' '''
/// ```
fn parse_sh_trampoline(after: &[u8]) -> Option<Launcher> {
    let line_end = after
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(after.len());
    let line = &after[..line_end];
    let rest = line.strip_prefix(b"'''exec' ")?;
    let rest = trim_blank(rest);
    let (interp, _) = match rest.first()? {
        q @ (b'"' | b'\'') => {
            let close = rest[1..].iter().position(|b| b == q)?;
            (rest[1..1 + close].to_vec(), &rest[2 + close..])
        }
        _ => {
            let end = rest.iter().position(|b| is_blank(*b)).unwrap_or(rest.len());
            (rest[..end].to_vec(), &rest[end..])
        }
    };
    if interp.is_empty() {
        return None;
    }
    Some(Launcher::Direct {
        interpreter: PathBuf::from(OsString::from_vec(interp)),
        args: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(p: &str, args: &[&str]) -> Launcher {
        Launcher::Direct {
            interpreter: PathBuf::from(p),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn env(p: &str, args: &[&str]) -> Launcher {
        Launcher::Env {
            program: OsString::from(p),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn forms() {
        let cases: Vec<(&[u8], Result<Launcher, ()>)> = vec![
            (
                b"#!/v/bin/python\n# -*- coding: utf-8 -*-\n",
                Ok(direct("/v/bin/python", &[])),
            ),
            (
                b"#! /v/bin/python3.12  \r\n",
                Ok(direct("/v/bin/python3.12", &[])),
            ),
            (
                b"#!/v/bin/python -I\n",
                Ok(direct("/v/bin/python", &["-I"])),
            ),
            (
                b"#!/v/bin/python\t-s -E\n",
                Ok(direct("/v/bin/python", &["-s", "-E"])),
            ),
            (b"#!/usr/bin/env python3\n", Ok(env("python3", &[]))),
            (b"#!/usr/bin/env  python3.12\n", Ok(env("python3.12", &[]))),
            (
                b"#!/usr/bin/env -S python3 -I\n",
                Ok(env("python3", &["-I"])),
            ),
            (
                b"#!/usr/bin/env -S -i PYTHONPATH=/x python3 -s\n",
                Ok(env("python3", &["-s"])),
            ),
            (b"#!/usr/bin/env python3 -I\n", Err(())),
            (b"#!/usr/bin/env\n", Err(())),
            (
                b"#!/bin/sh\n'''exec' \"/long path/bin/python\" \"$0\" \"$@\"\n' '''\n",
                Ok(direct("/long path/bin/python", &[])),
            ),
            (
                b"#!/bin/sh\n'''exec' '/p/bin/python' \"$0\" \"$@\"\n' '''\n",
                Ok(direct("/p/bin/python", &[])),
            ),
            (
                b"#!/bin/sh\n'''exec' /p/bin/python \"$0\" \"$@\"\n' '''\n",
                Ok(direct("/p/bin/python", &[])),
            ),
            (b"#!/bin/sh\necho hi\n", Err(())),
            (b"\x7fELF", Err(())),
            (b"#!", Err(())),
            (b"#!/v/bin/python", Ok(direct("/v/bin/python", &[]))),
        ];
        for (head, want) in cases {
            let got = parse_shebang(head).map_err(|_| ());
            assert_eq!(got, want, "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn flags() {
        let f = |a: &[&str]| parse_flags(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(f(&["-I"]).isolated);
        let g = f(&["-sE"]);
        assert!(g.no_user_site && g.ignore_env && !g.isolated);
        assert!(f(&["-u", "-S"]).no_site);
        assert!(!f(&["script.py", "-S"]).no_site);
        assert!(!f(&["-Wignore::DeprecationWarning:Sys"]).no_site);
        assert!(f(&["-P"]).safe_path);
        assert_eq!(f(&["--", "-I"]), InterpreterFlags::default());
    }
}
