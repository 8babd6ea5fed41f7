//! The `setup-stamp` command-line tool.

fn main() {}
