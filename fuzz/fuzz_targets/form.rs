//! The appeal form parser and validator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = amanat_protocol::form::AppealForm::from_json(text);
});
