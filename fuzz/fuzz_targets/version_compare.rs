//! Version comparison: any two strings compare without panicking, the
//! order is antisymmetric and reflexive, and a refusal (Python's
//! `ValueError`) is symmetric.
#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use setup_stamp::version::compare_versions;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Two versions separated by the first newline (or the halves).
    let (a, b) = match text.split_once('\n') {
        Some(pair) => pair,
        None => text.split_at(
            text.char_indices()
                .nth(text.chars().count() / 2)
                .map_or(0, |(i, _)| i),
        ),
    };
    let ab = compare_versions(a, b);
    let ba = compare_versions(b, a);
    match (&ab, &ba) {
        (Ok(x), Ok(y)) => assert_eq!(*x, y.reverse(), "{a:?} vs {b:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!("asymmetric refusal: {a:?} vs {b:?}: {ab:?} / {ba:?}"),
    }
    if let Ok(o) = compare_versions(a, a) {
        assert_eq!(o, Ordering::Equal, "{a:?} not equal to itself");
    }
});
