//! What the server parses from an upload body before storing it: the age header (fed in
//! arbitrary prefixes, as bytes arrive) and the padded-length check.
#![no_main]

use amanat_protocol::agefile::{check_header, check_length};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for cut in [data.len() / 3, data.len() / 2, data.len()] {
        if let Ok(Some(info)) = check_header(&data[..cut]) {
            let _ = check_length(&info, data.len() as u64);
            let _ = check_length(&info, u64::MAX);
        }
    }
    let _ = amanat_protocol::padding::plaintext_len(u64::from_le_bytes(
        data.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]),
    ));
});
