//! A stamp nested as deep as the parser accepts (10,000 levels) is parsed,
//! classified and dropped without recursion in the stamp code: it works on
//! a thread with a 128 KiB stack, in an unoptimised build, wherever the deep
//! value sits (a package version, the schema version, another key, the
//! root). Regression test: `parse_stamp` used to drop the decoded document
//! recursively and to clone deep values, which overflowed Rust's default
//! 2 MiB thread stack on 10,000 nested objects and aborted the process.
//!
//! A deep `completed_at` is kept only as its Python `str()` text, so the
//! returned `StampContents` is flat and its drop cannot recurse either.

use setup_stamp::stamp::{parse_stamp, StampFormatError};

/// Parses `text` on a thread with a small stack; returns a summary.
fn parse_on_small_stack(text: String) -> String {
    std::thread::Builder::new()
        .stack_size(128 << 10)
        .spawn(move || match parse_stamp(text.as_bytes()) {
            Ok(s) => format!("valid {}", s.packages.len()),
            Err(StampFormatError::Json(e)) => format!("json {e}"),
            Err(e) => format!("corrupt {e}"),
        })
        .expect("spawn")
        .join()
        .expect("parse thread")
}

#[test]
fn deep_stamps_are_parsed_and_dropped_on_a_small_stack() {
    let depth = 9_998; // plus the root and `packages`: 10,000
    let objects = format!("{}1{}", r#"{"a": "#.repeat(depth), "}".repeat(depth));
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (inner, as_packages) in [
        (&objects, "valid 1"),
        (&arrays, "corrupt stamp packages is not an object: list"),
    ] {
        let cases = [
            (r#"{"version": 1, "packages": {"terok": X}}"#, "valid 1"),
            (
                r#"{"version": X, "packages": {}}"#,
                "corrupt unsupported stamp schema version: ",
            ),
            (r#"{"version": 1, "packages": X}"#, as_packages),
            (
                r#"{"version": 2, "packages": {}, "other": X}"#,
                "corrupt unsupported stamp schema version: 2",
            ),
            (
                r#"{"version": 1, "packages": 1, "other": X}"#,
                "corrupt stamp packages is not an object: int",
            ),
            (r#"{"version": 1, "packages": {}, "other": X}"#, "valid 0"),
            (
                r#"{"version": 1, "packages": {}, "completed_at": X}"#,
                "valid 0",
            ),
            ("[X]", "corrupt stamp root is not an object: list"),
        ];
        for (template, expect) in cases {
            let got = parse_on_small_stack(template.replace('X', inner));
            assert!(got.starts_with(expect), "{template}: {got}");
        }
    }
}
