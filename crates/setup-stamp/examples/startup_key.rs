//! Prints a kept start-up answer and its key (everything terok's check
//! read), as JSON: `cargo run --example startup_key -- FILE`.
//!
//! `FILE` is a cache file under `$XDG_CACHE_HOME/setup-stamp/startup/`
//! (`setup-stamp check --json` names it in `cache.file`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: startup_key FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("startup_key: cannot read {}: {e}", path.to_string_lossy());
            return ExitCode::from(1);
        }
    };
    let entry = match setup_stamp::startup::codec::decode(&bytes) {
        Ok(entry) => entry,
        Err(e) => {
            eprintln!("startup_key: {}: {e}", path.to_string_lossy());
            return ExitCode::from(1);
        }
    };
    let value = serde_json::json!({
        "header": entry.header,
        "observations": entry.observations,
    });
    match serde_json::to_string_pretty(&value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("startup_key: {e}");
            ExitCode::from(1)
        }
    }
}
