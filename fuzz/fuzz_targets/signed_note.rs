//! Checkpoints and C2SP signed notes: the text an auditor receives from a log.
#![no_main]

use amanat_protocol::log::checkpoint::{Checkpoint, SignedCheckpoint};
use amanat_protocol::log::note::{self, NoteVerifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    if let Ok(v) = NoteVerifier::new("amanat.invalid/log", key.verifying_key().to_bytes()) {
        let _ = note::open(text, &v);
        let _ = SignedCheckpoint(text.to_owned()).verify(&v);
    }
    let _ = Checkpoint::parse(text);
    let _ = NoteVerifier::parse(text);
});
