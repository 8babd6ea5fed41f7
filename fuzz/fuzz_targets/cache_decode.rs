//! The kept start-up answer's file: any bytes decode to an entry or a
//! reason, never a panic or an oversized allocation; a decoded entry
//! encodes and decodes again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setup_stamp::startup::codec::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = decode(data) else {
        return;
    };
    let bytes = encode(&entry).expect("a decoded entry encodes");
    assert_eq!(decode(&bytes).expect("an encoded entry decodes"), entry);
});
