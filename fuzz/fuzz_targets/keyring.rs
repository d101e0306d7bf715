//! A signed keyring as a server (or an attacker posing as one) might serve it.
#![no_main]

use amanat_protocol::keyring::{KeyringPin, RootKey, SignedKeyring};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = RootKey::from_seed(&[7; 32]);
    if let Ok(signed) = serde_json::from_slice::<SignedKeyring>(data) {
        let _ = KeyringPin::new(root.fingerprint()).accept(&signed);
    }
    // The body itself, as if its signature had verified (the parser behind the signature).
    let _ = serde_json::from_slice::<amanat_protocol::keyring::Keyring>(data).map(|k| k.validate());
});
