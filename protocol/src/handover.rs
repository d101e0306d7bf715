//! Root rotation: the old root hands the foundation to a new root in one statement that both
//! keys sign, logged as its own entry (`06`). A client pinned to an old fingerprint follows
//! the chain of handovers to the root in force; codename keys are salted with the keyring's
//! `lineage` (the first root), so they do not change when the root does.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::encoding::serde_b64_32;
use crate::error::{Error, Result};
use crate::keyring::{Fingerprint, RootKey};

const DOMAIN: &[u8] = b"amanat/root-handover/v1\n";
/// No foundation rotates its root this often; a longer chain is a hostile server.
pub const MAX_CHAIN: usize = 64;

/// "Root `from` hands over to root `to` at `signed_at`", signed by both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handover {
    #[serde(with = "serde_b64_32")]
    pub from: [u8; 32],
    #[serde(with = "serde_b64_32")]
    pub to: [u8; 32],
    pub signed_at: i64,
    #[serde(with = "serde_b64_64")]
    pub from_signature: [u8; 64],
    #[serde(with = "serde_b64_64")]
    pub to_signature: [u8; 64],
}

/// The exact bytes both roots sign.
pub fn signed_message(from: &[u8; 32], to: &[u8; 32], signed_at: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 72);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(from);
    m.extend_from_slice(to);
    m.extend_from_slice(&signed_at.to_be_bytes());
    m
}

impl Handover {
    /// The old root signs the handover, and the new root signs it too: proof that whoever
    /// made it holds the new key, so nobody hands a foundation to a key they cannot use.
    pub fn sign(old: &RootKey, new: &RootKey, signed_at: i64) -> Result<Self> {
        let from = old.public().to_bytes();
        let to = new.public().to_bytes();
        if from == to {
            return Err(Error::malformed(
                "root handover",
                "the new root key is the old one",
            ));
        }
        let m = signed_message(&from, &to, signed_at);
        Ok(Handover {
            from,
            to,
            signed_at,
            from_signature: old.sign_bytes(&m),
            to_signature: new.sign_bytes(&m),
        })
    }

    pub fn from_fingerprint(&self) -> Result<Fingerprint> {
        Ok(Fingerprint::of(&point(&self.from)?))
    }

    pub fn to_fingerprint(&self) -> Result<Fingerprint> {
        Ok(Fingerprint::of(&point(&self.to)?))
    }

    /// Checks both signatures (strict Ed25519) and that the two roots differ.
    pub fn verify(&self) -> Result<()> {
        if self.from == self.to {
            return Err(Error::malformed("root handover", "hands a root to itself"));
        }
        let m = signed_message(&self.from, &self.to, self.signed_at);
        for (key, sig) in [
            (&self.from, &self.from_signature),
            (&self.to, &self.to_signature),
        ] {
            point(key)?
                .verify_strict(&m, &Signature::from_bytes(sig))
                .map_err(|_| Error::BadSignature)?;
        }
        Ok(())
    }
}

fn point(key: &[u8; 32]) -> Result<VerifyingKey> {
    VerifyingKey::from_bytes(key)
        .map_err(|_| Error::malformed("root handover", "a root key is not an Ed25519 point"))
}

/// Checks a whole chain, as the log recorded it: every handover carries both signatures,
/// each starts at the root the one before handed to, and no root comes back. Returns the
/// roots' public keys in order: the first handover's old root, then each new root (empty for
/// an empty chain). This is the one check of a chain, for clients and the server alike.
pub fn roots(chain: &[Handover]) -> Result<Vec<[u8; 32]>> {
    let bad = |why: &str| Error::malformed("root handovers", why.to_owned());
    if chain.len() > MAX_CHAIN {
        return Err(bad(&format!("more than {MAX_CHAIN}")));
    }
    let mut keys: Vec<[u8; 32]> = Vec::with_capacity(chain.len() + 1);
    for h in chain {
        h.verify()?;
        match keys.last() {
            None => keys.push(h.from),
            Some(last) if *last == h.from => {}
            Some(_) => return Err(bad("a handover does not start where the one before ended")),
        }
        if keys.contains(&h.to) {
            return Err(bad("the chain returns to a root it left"));
        }
        keys.push(h.to);
    }
    Ok(keys)
}

/// The root in force for a client pinned to `pinned`: the chain's last root if the pinned
/// root is on the (checked, see [`roots`]) chain, else the pinned root itself.
pub fn follow(pinned: &Fingerprint, chain: &[Handover]) -> Result<Fingerprint> {
    let keys = roots(chain)?;
    let fingerprints = keys
        .iter()
        .map(|k| point(k).map(|p| Fingerprint::of(&p)))
        .collect::<Result<Vec<_>>>()?;
    Ok(match fingerprints.last() {
        Some(last) if fingerprints.contains(pinned) => *last,
        _ => *pinned,
    })
}

mod serde_b64_64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(bytes: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::encoding::b64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let s = String::deserialize(d)?;
        let v = crate::encoding::from_b64("signature", &s).map_err(D::Error::custom)?;
        <[u8; 64]>::try_from(v.as_slice()).map_err(|_| D::Error::custom("expected 64 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> RootKey {
        RootKey::from_seed(&[n; 32])
    }

    #[test]
    fn a_chain_is_followed_from_any_root_on_it() {
        let (a, b, c) = (key(1), key(2), key(3));
        let ab = Handover::sign(&a, &b, 10).unwrap();
        let bc = Handover::sign(&b, &c, 20).unwrap();
        ab.verify().unwrap();
        let chain = vec![ab.clone(), bc.clone()];
        assert_eq!(follow(&a.fingerprint(), &chain).unwrap(), c.fingerprint());
        assert_eq!(follow(&b.fingerprint(), &chain).unwrap(), c.fingerprint());
        assert_eq!(follow(&c.fingerprint(), &chain).unwrap(), c.fingerprint());
        assert_eq!(follow(&a.fingerprint(), &[]).unwrap(), a.fingerprint());
        // A root not on the chain stays where it is.
        assert_eq!(
            follow(&key(9).fingerprint(), &chain).unwrap(),
            key(9).fingerprint()
        );
        let json = serde_json::to_string(&ab).unwrap();
        assert_eq!(serde_json::from_str::<Handover>(&json).unwrap(), ab);
    }

    #[test]
    fn forgeries_and_loops_are_refused() {
        let (a, b, m) = (key(1), key(2), key(6));
        // Signed by the new key only: the old root never agreed.
        let mut forged = Handover::sign(&m, &b, 10).unwrap();
        forged.from = a.public().to_bytes();
        assert!(forged.verify().is_err());
        assert!(follow(&a.fingerprint(), &[forged]).is_err());
        // The new key did not sign: whoever made it may not hold it.
        let mut unproven = Handover::sign(&a, &b, 10).unwrap();
        unproven.to = m.public().to_bytes();
        assert!(unproven.verify().is_err());
        // A changed time breaks both signatures.
        let mut retimed = Handover::sign(&a, &b, 10).unwrap();
        retimed.signed_at = 11;
        assert!(retimed.verify().is_err());
        assert!(Handover::sign(&a, &a, 1).is_err());
        let back = Handover::sign(&b, &a, 20).unwrap();
        let chain = [Handover::sign(&a, &b, 10).unwrap(), back];
        assert!(follow(&a.fingerprint(), &chain).is_err());
        // A gap: c→d after a→b does not start where a→b ended.
        let gap = [
            Handover::sign(&a, &b, 10).unwrap(),
            Handover::sign(&key(3), &key(4), 20).unwrap(),
        ];
        assert!(roots(&gap).is_err());
        assert!(follow(&key(9).fingerprint(), &gap).is_err());
    }
}

/// The web page (web/src/protocol.ts, `followHandovers`) must accept exactly this handover;
/// web/test/vectors.json holds it and web/test/protocol.test.mjs checks it in JavaScript.
#[cfg(test)]
mod web_vectors {
    use super::*;

    const VECTORS: &str = include_str!("../../web/test/vectors.json");

    #[test]
    fn the_handover_vector_is_what_rust_signs() {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let h = Handover::sign(
            &RootKey::from_seed(&[1; 32]),
            &RootKey::from_seed(&[2; 32]),
            1_796_400_000,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&h).unwrap(), v["handover"]);
        assert_eq!(
            crate::encoding::hex(RootKey::from_seed(&[2; 32]).fingerprint().as_bytes()),
            v["handoverTo"].as_str().unwrap()
        );
    }
}
