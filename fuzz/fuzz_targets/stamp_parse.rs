//! Stamp parsing: any bytes give a stamp or a reason, never a panic; a
//! parsed stamp survives rendering and parsing again; JSON that `loads`
//! accepts is serialised by `dumps` to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setup_stamp::pyjson::{dumps, loads, python_str};
use setup_stamp::stamp::{parse_stamp, render_stamp};
use setup_stamp::verdict::InstalledPackage;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = loads(data) {
        let _ = python_str(&value);
        let once = dumps(&value, Some(2), true);
        let again = loads(once.as_bytes()).expect("dumps output parses");
        assert_eq!(
            dumps(&again, Some(2), true),
            once,
            "dumps is not a fixed point"
        );
    }
    let Ok(stamp) = parse_stamp(data) else {
        return;
    };
    // Round trip through render_stamp when every name and version is text
    // (lone surrogates cannot be a Rust String).
    let packages: Option<Vec<InstalledPackage>> = stamp
        .packages
        .iter()
        .map(|(name, version)| {
            Some(InstalledPackage {
                name: name.as_str()?.to_owned(),
                version: Some(version.as_str()?.to_owned()),
            })
        })
        .collect();
    let Some(packages) = packages else {
        return;
    };
    let rendered = render_stamp("2026-01-01T00:00:00+00:00", &packages);
    let reparsed = parse_stamp(rendered.as_bytes()).expect("a rendered stamp parses");
    let mut expected = stamp.packages.clone();
    expected.sort_by(|a, b| a.0.as_wtf8().cmp(b.0.as_wtf8()));
    assert_eq!(reparsed.packages, expected, "render/parse round trip");
});
