//! Config parsing: any bytes as a `config.yml` layer give a layer or an
//! error naming the file, never a panic; merging layers and extracting
//! `paths.root` from them never panics either.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use setup_stamp::location::config::{deep_merge, parse_layer, paths_section, root_from_layers};

fuzz_target!(|data: &[u8]| {
    let path = Path::new("/etc/terok/config.yml");
    // Optionally two layers, split at a form feed.
    let (system, user) = match data.iter().position(|&b| b == 0x0c) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(base) = parse_layer(path, system) else {
        return;
    };
    let mut layers = vec![base];
    if let Some(user) = user {
        match parse_layer(path, user) {
            Ok(layer) => layers.push(layer),
            Err(e) => {
                // The error names the file.
                assert!(e.to_string().contains("config.yml"), "{e}");
                return;
            }
        }
    }
    let merged = deep_merge(&layers[0], layers.last().expect("a layer"));
    let _ = paths_section(&layers);
    let _ = root_from_layers(&layers);
    let _ = root_from_layers(&[merged]);
});
