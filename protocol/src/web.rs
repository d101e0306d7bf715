//! The web page's code integrity: `web/dist/manifest.json` lists every file the server serves
//! with its SHA-256; the root key signs the manifest's own SHA-256 and the server appends the
//! signature to the log (entry type 05), so anyone can check a served page against the latest
//! logged manifest (`amanat audit web`). No I/O here: bytes in, verdicts out.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{serde_b64, serde_hex_32};
use crate::error::{Error, Result};

const DOMAIN: &[u8] = b"amanat/web-manifest/v1\n";
/// A manifest is a few hundred bytes; anything far larger is not one.
pub const MAX_MANIFEST: usize = 64 * 1024;

/// One served file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: String,
    #[serde(with = "serde_hex_32")]
    pub sha256: [u8; 32],
    pub length: u64,
}

/// `manifest.json`, as `web/build.mjs` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub files: Vec<ManifestFile>,
}

impl Manifest {
    /// Parses the exact bytes served; paths must be plain file names, each listed once.
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        if bytes.len() > MAX_MANIFEST {
            return Err(Error::malformed("web manifest", "too large"));
        }
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| Error::malformed("web manifest", e.to_string()))?;
        if m.format != 1 {
            return Err(Error::malformed("web manifest", "unknown format"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &m.files {
            let plain = !f.path.is_empty()
                && f.path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
                && !f.path.starts_with('.');
            if !plain || !seen.insert(f.path.as_str()) {
                return Err(Error::malformed(
                    "web manifest",
                    format!("bad or repeated path {:?}", f.path),
                ));
            }
        }
        Ok(m)
    }
}

/// The root's signature over a manifest: what the log's `05` entry holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSignature {
    /// SHA-256 of the manifest's exact bytes.
    #[serde(with = "serde_hex_32")]
    pub sha256: [u8; 32],
    /// Unix seconds, when the admin signed.
    pub signed_at: i64,
    #[serde(with = "serde_b64_64")]
    pub signature: [u8; 64],
}

mod serde_b64_64 {
    use serde::{Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        super::serde_b64::serialize(v, s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let v: Vec<u8> = super::serde_b64::deserialize(d)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("a signature is 64 bytes"))
    }
}

/// The bytes the root signs: domain ‖ manifest SHA-256 ‖ i64be(signed_at).
pub fn signed_message(sha256: &[u8; 32], signed_at: i64) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(sha256);
    m.extend_from_slice(&signed_at.to_be_bytes());
    m
}

/// SHA-256, as the manifest lists files and as the log records the manifest itself.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl ManifestSignature {
    /// Checks the signature against the root's verifying key.
    pub fn verify(&self, root: &VerifyingKey) -> Result<()> {
        root.verify_strict(
            &signed_message(&self.sha256, self.signed_at),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| {
            Error::malformed(
                "web manifest signature",
                "does not verify with the root key",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn signs_verifies_and_refuses_others() {
        let root = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let sha256 = sha256(b"{}");
        let signature = root
            .sign(&signed_message(&sha256, 1_800_000_000))
            .to_bytes();
        let s = ManifestSignature {
            sha256,
            signed_at: 1_800_000_000,
            signature,
        };
        s.verify(&root.verifying_key()).unwrap();
        assert!(s.verify(&other.verifying_key()).is_err());
        let moved = ManifestSignature {
            signed_at: 1_800_000_001,
            ..s.clone()
        };
        assert!(moved.verify(&root.verifying_key()).is_err());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ManifestSignature>(&json).unwrap(), s);
        let entry = crate::log::entry::Entry::WebManifestPublished(s.clone());
        let bytes = entry.encode();
        assert_eq!(bytes.len(), 106);
        assert_eq!(crate::log::entry::Entry::decode(&bytes).unwrap(), entry);
    }

    #[test]
    fn parses_the_built_manifest_and_refuses_paths() {
        let built = include_bytes!("../../web/dist/manifest.json");
        let m = Manifest::parse(built).unwrap();
        assert!(m.files.iter().any(|f| f.path == "app.js"));
        for bad in ["../x", "a/b", "", ".env"] {
            let j = format!(
                r#"{{"format":1,"files":[{{"path":"{bad}","sha256":"{}","length":1}}]}}"#,
                "00".repeat(32)
            );
            assert!(Manifest::parse(j.as_bytes()).is_err(), "{bad}");
        }
    }
}
