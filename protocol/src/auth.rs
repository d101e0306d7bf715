//! Challenge–response authentication, the same for complainants (case key derived from the
//! codename) and staff (Ed25519 key in the keyring): the server hands out a random
//! challenge, the client signs a domain-separated message containing it.

use ed25519_dalek::{Signature, VerifyingKey};

use crate::error::{Error, Result};

const AUTH_DOMAIN: &[u8] = b"amanat/auth/v1\n";
pub const CHALLENGE_LEN: usize = 32;

/// The exact bytes a client signs to answer `challenge`.
pub fn message(challenge: &[u8; CHALLENGE_LEN]) -> Vec<u8> {
    let mut m = AUTH_DOMAIN.to_vec();
    m.extend_from_slice(challenge);
    m
}

/// Verifies a signed challenge (strict Ed25519: no malleable or small-order keys).
pub fn verify(key: &[u8; 32], challenge: &[u8; CHALLENGE_LEN], signature: &[u8]) -> Result<()> {
    let key = VerifyingKey::from_bytes(key).map_err(|_| Error::BadSignature)?;
    let sig = Signature::from_slice(signature).map_err(|_| Error::BadSignature)?;
    key.verify_strict(&message(challenge), &sig)
        .map_err(|_| Error::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn signs_and_verifies() {
        let k = SigningKey::from_bytes(&[1; 32]);
        let c = [9u8; 32];
        let sig = k.sign(&message(&c)).to_bytes();
        verify(&k.verifying_key().to_bytes(), &c, &sig).unwrap();
        assert!(verify(&k.verifying_key().to_bytes(), &[8; 32], &sig).is_err());
        assert!(verify(&k.verifying_key().to_bytes(), &c, &sig[..63]).is_err());
    }
}
