//! Where the stamp lives: `TEROK_ROOT`, layered `config.yml`, platform defaults.
