//! Secret keys held by people: staff keys (age X25519 identity + Ed25519 signing key) and
//! the admin's root key, each kept in a file encrypted with a passphrase (age scrypt).
//! Secrets are not `Serialize`, print as `********`, and are wiped on drop.

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::encoding;
use crate::error::{Error, Result};
use crate::ids::StaffId;
use crate::keyring::{RootKey, StaffPublic};

/// Largest key file we will read.
const MAX_KEYFILE: u64 = 64 * 1024;

/// Builds an age X25519 identity from 32 secret bytes (Bech32 `AGE-SECRET-KEY-1…`).
pub fn age_identity_from_bytes(bytes: &[u8; 32]) -> Result<age::x25519::Identity> {
    let hrp = bech32::Hrp::parse("age-secret-key-")
        .map_err(|e| Error::malformed("age identity", e.to_string()))?;
    let encoded = Zeroizing::new(
        bech32::encode::<bech32::Bech32>(hrp, bytes)
            .map_err(|e| Error::malformed("age identity", e.to_string()))?
            .to_uppercase(),
    );
    age::x25519::Identity::from_str(&encoded).map_err(|e| Error::malformed("age identity", e))
}

/// The transparency-log commitment of `case` under the case identity: the complainant
/// computes it at submission, a reviewer who opened the grant recomputes it.
pub fn commitment_for(
    identity: &age::x25519::Identity,
    case: &crate::ids::CaseId,
) -> Result<[u8; 32]> {
    let encoded = Zeroizing::new(identity.to_string().expose_secret().to_lowercase());
    let parsed = bech32::primitives::decode::CheckedHrpstring::new::<bech32::Bech32>(&encoded)
        .map_err(|e| Error::malformed("age identity", e.to_string()))?;
    let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(parsed.byte_iter().collect());
    let secret: Zeroizing<[u8; 32]> = Zeroizing::new(
        bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::malformed("age identity", "expected 32 bytes"))?,
    );
    Ok(crate::log::entry::case_commitment(&secret, case))
}

/// A staff member's secret keys.
pub struct StaffKeys {
    id: StaffId,
    name: String,
    identity: age::x25519::Identity,
    signing: SigningKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffKeyFile {
    format: u8,
    kind: String,
    id: StaffId,
    name: String,
    age_identity: String,
    ed25519_seed: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RootKeyFile {
    format: u8,
    kind: String,
    ed25519_seed: String,
}

impl StaffKeys {
    pub fn generate(id: StaffId, name: String) -> Self {
        Self {
            id,
            name,
            identity: age::x25519::Identity::generate(),
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    pub fn id(&self) -> &StaffId {
        &self.id
    }

    pub fn identity(&self) -> &age::x25519::Identity {
        &self.identity
    }

    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The part to hand to the admin.
    pub fn public(&self) -> StaffPublic {
        StaffPublic {
            id: self.id.clone(),
            name: self.name.clone(),
            age_recipient: self.identity.to_public().to_string(),
            verifying_key: self.signing.verifying_key().to_bytes(),
        }
    }

    /// Encrypts the keys under `passphrase` (age scrypt) into `out`.
    pub fn seal(&self, passphrase: &SecretString, out: impl Write) -> Result<()> {
        let file = StaffKeyFile {
            format: 1,
            kind: "amanat-staff-keys".into(),
            id: self.id.clone(),
            name: self.name.clone(),
            age_identity: self.identity.to_string().expose_secret().to_owned(),
            ed25519_seed: encoding::b64(&self.signing.to_bytes()),
        };
        let json =
            Zeroizing::new(serde_json::to_vec(&file).map_err(|e| Error::Encrypt(e.to_string()))?);
        let StaffKeyFile {
            mut age_identity,
            mut ed25519_seed,
            ..
        } = file;
        zeroize::Zeroize::zeroize(&mut age_identity);
        zeroize::Zeroize::zeroize(&mut ed25519_seed);
        seal_with_passphrase(&json, passphrase, out)
    }

    #[cfg(feature = "decrypt")]
    pub fn open(passphrase: &SecretString, input: impl Read) -> Result<Self> {
        let json = open_with_passphrase(passphrase, input)?;
        let file: StaffKeyFile = serde_json::from_slice(&json)
            .map_err(|_| Error::malformed("staff key file", "not an amanat staff key file"))?;
        if file.format != 1 || file.kind != "amanat-staff-keys" {
            return Err(Error::malformed(
                "staff key file",
                "not an amanat staff key file",
            ));
        }
        let identity = age::x25519::Identity::from_str(&file.age_identity)
            .map_err(|e| Error::malformed("staff key file", e))?;
        let seed = Zeroizing::new(encoding::from_b64("staff key file", &file.ed25519_seed)?);
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| Error::malformed("staff key file", "bad Ed25519 seed"))?;
        let StaffKeyFile {
            id,
            name,
            mut age_identity,
            mut ed25519_seed,
            ..
        } = file;
        zeroize::Zeroize::zeroize(&mut age_identity);
        zeroize::Zeroize::zeroize(&mut ed25519_seed);
        let signing = SigningKey::from_bytes(&seed);
        Ok(Self {
            id,
            name,
            identity,
            signing,
        })
    }
}

impl fmt::Debug for StaffKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StaffKeys({}, ********)", self.id)
    }
}

/// Writes the root key encrypted under `passphrase`.
pub fn seal_root(key: &RootKey, passphrase: &SecretString, out: impl Write) -> Result<()> {
    let seed = key.dangerously_export_seed();
    let mut file = RootKeyFile {
        format: 1,
        kind: "amanat-root-key".into(),
        ed25519_seed: encoding::b64(seed.as_ref()),
    };
    let json =
        Zeroizing::new(serde_json::to_vec(&file).map_err(|e| Error::Encrypt(e.to_string()))?);
    zeroize::Zeroize::zeroize(&mut file.ed25519_seed);
    seal_with_passphrase(&json, passphrase, out)
}

#[cfg(feature = "decrypt")]
pub fn open_root(passphrase: &SecretString, input: impl Read) -> Result<RootKey> {
    let json = open_with_passphrase(passphrase, input)?;
    let mut file: RootKeyFile = serde_json::from_slice(&json)
        .map_err(|_| Error::malformed("root key file", "not an amanat root key file"))?;
    if file.format != 1 || file.kind != "amanat-root-key" {
        return Err(Error::malformed(
            "root key file",
            "not an amanat root key file",
        ));
    }
    let seed = Zeroizing::new(encoding::from_b64("root key file", &file.ed25519_seed)?);
    zeroize::Zeroize::zeroize(&mut file.ed25519_seed);
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        seed.as_slice()
            .try_into()
            .map_err(|_| Error::malformed("root key file", "bad Ed25519 seed"))?,
    );
    Ok(RootKey::from_seed(&seed))
}

fn seal_with_passphrase(plain: &[u8], passphrase: &SecretString, out: impl Write) -> Result<()> {
    let recipient = age::scrypt::Recipient::new(passphrase.clone());
    crate::envelope::with_age_writer(
        std::iter::once(&recipient as &dyn age::Recipient),
        out,
        |w| w.write_all(plain).map_err(Error::from),
    )
    .map(|_| ())
}

#[cfg(feature = "decrypt")]
fn open_with_passphrase(passphrase: &SecretString, input: impl Read) -> Result<Zeroizing<Vec<u8>>> {
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    // age otherwise caps the work factor by how fast this machine hashes right now, so a key
    // file written on a quiet machine is refused on a busy one ("Excessive work parameter").
    // These are the person's own files, written at age's ~1 s target (2^18–2^20 here); 2^22
    // (4 GiB, the most age advises) bounds what a planted file could cost.
    identity.set_max_work_factor(22);
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(input.take(MAX_KEYFILE)))
        .map_err(|e| Error::Decrypt(format!("not a key file: {e}")))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                Error::Decrypt("wrong passphrase".into())
            }
            other => Error::Decrypt(other.to_string()),
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut plain)?;
    Ok(plain)
}

#[cfg(all(test, feature = "decrypt"))]
mod tests {
    use super::*;

    #[test]
    fn staff_keys_round_trip_under_passphrase() {
        let keys = StaffKeys::generate("aigerim".parse().unwrap(), "Айгерим".into());
        let pass = SecretString::from("correct horse".to_owned());
        let mut file = Vec::new();
        keys.seal(&pass, &mut file).unwrap();
        let back = StaffKeys::open(&pass, file.as_slice()).unwrap();
        assert_eq!(back.public(), keys.public());
        let wrong = SecretString::from("wrong".to_owned());
        let e = StaffKeys::open(&wrong, file.as_slice()).unwrap_err();
        assert!(e.to_string().contains("wrong passphrase"), "{e}");
        assert!(format!("{keys:?}").contains("********"));
    }

    #[test]
    fn root_key_round_trips() {
        let root = RootKey::generate();
        let pass = SecretString::from("p".to_owned());
        let mut file = Vec::new();
        seal_root(&root, &pass, &mut file).unwrap();
        assert_eq!(
            open_root(&pass, file.as_slice()).unwrap().public(),
            root.public()
        );
    }
}
