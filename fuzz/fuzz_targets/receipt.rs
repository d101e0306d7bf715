//! Receipts (C2SP tlog-proof) as a complainant or auditor might be handed them.
#![no_main]

use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::Receipt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    if let (Ok(r), Ok(v)) = (Receipt::parse(text), NoteVerifier::new("amanat.invalid/log", key.verifying_key().to_bytes())) {
        let _ = r.verify(&v);
        let _ = Receipt::parse(&r.encode());
    }
});
