//! Look names up on a search path, like `importlib.metadata.version()`.
//!
//! Usage: `find_distributions [--path ENTRY]... NAME...`
//!
//! Prints one line per name: `NAME<TAB>found<TAB>VERSION<TAB>METADATA_DIR`
//! (the version printed with Rust's `{:?}`, or `None`), or
//! `NAME<TAB>not-found`. An error exits with status 1. Handy for comparing
//! with CPython 3.12 on the same directory, where readdir order matters.

use std::path::PathBuf;
use std::process::ExitCode;

use setup_stamp::distributions::find_distributions;

fn main() -> ExitCode {
    let mut search_path = Vec::new();
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--path" {
            match args.next() {
                Some(p) => search_path.push(PathBuf::from(p)),
                None => {
                    eprintln!("--path needs a value");
                    return ExitCode::from(2);
                }
            }
        } else {
            names.push(arg);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match find_distributions(&search_path, &names) {
        Ok(found) => {
            for (name, found) in names.iter().zip(found) {
                match found {
                    Some(d) => println!(
                        "{name}\tfound\t{:?}\t{}",
                        d.version,
                        d.metadata_dir.display()
                    ),
                    None => println!("{name}\tnot-found"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
