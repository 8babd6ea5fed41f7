//! The stamp file: its JSON format (pure) and reading/writing it on disk.
