//! What the chunk protocol parses from a request before any storage is touched: the
//! `Upload-Offset`/`Content-Length` numbers, the upload id in the path, and the create and
//! finish bodies. Whatever parses must re-encode to something that parses the same.
#![no_main]

use amanat_protocol::wire::{CreateUpload, FinishUpload, parse_header_number, valid_upload_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(n) = parse_header_number(data) {
        // Only digits get through, and they mean exactly n.
        let digits = std::str::from_utf8(data).expect("digits are ASCII");
        let trimmed = digits.trim_start_matches('0');
        let canonical = n.to_string();
        assert!(canonical == trimmed || (n == 0 && trimmed.is_empty()));
    }
    if let Ok(id) = std::str::from_utf8(data)
        && valid_upload_id(id)
    {
        assert!(!id.contains(['/', '.', '\\', '%']));
    }
    if let Ok(c) = serde_json::from_slice::<CreateUpload>(data) {
        let again: CreateUpload = serde_json::from_slice(&serde_json::to_vec(&c).unwrap()).unwrap();
        assert_eq!(c, again);
    }
    if let Ok(f) = serde_json::from_slice::<FinishUpload>(data) {
        let again: FinishUpload = serde_json::from_slice(&serde_json::to_vec(&f).unwrap()).unwrap();
        assert_eq!(f, again);
    }
});
