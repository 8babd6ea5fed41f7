//! The verdict: a stamp made of fuzzed bytes compared with fuzzed installed
//! versions never panics, and a stamp rendered from an install always
//! checks `ok` against that same install.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setup_stamp::stamp::{parse_stamp, render_stamp};
use setup_stamp::verdict::{compare, InstalledPackage};
use setup_stamp::SetupVerdict;

const TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    // First line: which tracked packages are installed (bit mask).
    let mask = lines.next().and_then(|l| l.bytes().next()).unwrap_or(0xff);
    let installed: Vec<InstalledPackage> = TRACKED
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, name)| InstalledPackage {
            name: (*name).to_owned(),
            version: lines.next().map(str::to_owned),
        })
        .collect();
    // The rest is a stamp document.
    let rest: Vec<&str> = lines.collect();
    if let Ok(stamp) = parse_stamp(rest.join("\n").as_bytes()) {
        let _ = compare(&stamp.packages, &installed);
    }
    // Writing then checking with the install unchanged is always ok (when
    // every installed package has a version Python can compare).
    let stamp = render_stamp("2026-01-01T00:00:00+00:00", &installed);
    let stamped = parse_stamp(stamp.as_bytes()).expect("a rendered stamp parses");
    if let Ok(report) = compare(&stamped.packages, &installed) {
        assert_eq!(report.verdict, SetupVerdict::Ok, "{installed:?}");
    } else {
        assert!(installed
            .iter()
            .any(|p| p.version.as_ref().is_none_or(|v| v.len() > 4300)));
    }
});
