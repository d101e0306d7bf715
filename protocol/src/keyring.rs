//! The keyring: who may decrypt, signed by the foundation's offline root key.
//! A client trusts only a keyring whose root matches the fingerprint it pinned, whose
//! signature verifies over the exact bytes received, and whose version is not a rollback.

use std::collections::BTreeSet;
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::encoding::{self, serde_b64, serde_b64_32};
use crate::error::{Error, Result};
use crate::ids::StaffId;

const FINGERPRINT_DOMAIN: &[u8] = b"amanat/root-fingerprint/v1\n";
const KEYRING_DOMAIN: &[u8] = b"amanat/keyring/v1\n";
/// Keyring bodies larger than this are refused before parsing.
pub const MAX_KEYRING_BYTES: usize = 256 * 1024;
const MAX_STAFF: usize = 500;
const MAX_NAME_CHARS: usize = 100;

/// The SHA-256 fingerprint of a root public key. Clients pin it; the codename salt uses it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(key: &VerifyingKey) -> Self {
        let mut h = Sha256::new();
        h.update(FINGERPRINT_DOMAIN);
        h.update(key.as_bytes());
        Self(h.finalize().into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses the readable form printed by `amanat admin init` (case, spaces and dashes
    /// do not matter).
    pub fn parse(s: &str) -> Result<Self> {
        encoding::from_readable32("root fingerprint", s).map(Self)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encoding::readable32(&self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The admin's offline root signing key. Not `Serialize`; prints as `********`.
pub struct RootKey(SigningKey);

impl RootKey {
    pub fn generate() -> Self {
        Self(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed, for writing to a passphrase-encrypted file.
    pub fn dangerously_export_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// Signs domain-separated bytes another module of this crate built (a root handover).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.public())
    }

    /// Signs a keyring, producing the exact bytes that will be published.
    pub fn sign(&self, keyring: &Keyring) -> Result<SignedKeyring> {
        keyring.validate()?;
        let body =
            serde_json::to_vec(keyring).map_err(|e| Error::malformed("keyring", e.to_string()))?;
        let signature = self.0.sign(&signed_message(&body));
        Ok(SignedKeyring {
            root_key: self.public().to_bytes(),
            body,
            signature: signature.to_bytes().to_vec(),
        })
    }

    /// Signs the web page's manifest (its exact bytes), as the log's `05` entry carries it.
    pub fn sign_web_manifest(
        &self,
        manifest: &[u8],
        signed_at: i64,
    ) -> Result<crate::web::ManifestSignature> {
        crate::web::Manifest::parse(manifest)?;
        let sha256 = crate::web::sha256(manifest);
        let signature = self
            .0
            .sign(&crate::web::signed_message(&sha256, signed_at))
            .to_bytes();
        Ok(crate::web::ManifestSignature {
            sha256,
            signed_at,
            signature,
        })
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(********)")
    }
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(KEYRING_DOMAIN.len() + body.len());
    m.extend_from_slice(KEYRING_DOMAIN);
    m.extend_from_slice(body);
    m
}

/// A role a staff member holds. An auditor can authenticate but opens no case. A reviewer
/// lists and opens the cases shared with them; a reviewer who is also a coordinator lists
/// every case (status, assignee, documents present) to assign and share them, and still opens
/// only those shared with them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Reviewer,
    Auditor,
    Admin,
    Coordinator,
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "reviewer" => Ok(Role::Reviewer),
            "auditor" => Ok(Role::Auditor),
            "admin" => Ok(Role::Admin),
            "coordinator" => Ok(Role::Coordinator),
            _ => Err(Error::malformed(
                "role",
                "use reviewer, auditor, admin or coordinator",
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
        })
    }
}

/// The public half of a staff member, as `amanat staff keygen` prints it and the keyring lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffPublic {
    pub id: StaffId,
    pub name: String,
    /// age X25519 recipient (`age1…`), to which grants and notes are encrypted.
    pub age_recipient: String,
    /// Ed25519 verifying key, for authentication and acknowledgements.
    #[serde(with = "serde_b64_32")]
    pub verifying_key: [u8; 32],
}

impl StaffPublic {
    pub fn verifying_key(&self) -> Result<VerifyingKey> {
        VerifyingKey::from_bytes(&self.verifying_key)
            .map_err(|_| Error::malformed("staff verifying key", "not an Ed25519 point"))
    }

    fn validate(&self) -> Result<()> {
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || self.name.chars().any(char::is_control) {
            return Err(Error::malformed(
                "staff name",
                format!("give 1–{MAX_NAME_CHARS} printable characters"),
            ));
        }
        crate::agefile::check_x25519_recipient(&self.age_recipient)?;
        self.verifying_key()?;
        Ok(())
    }
}

/// One staff member in the keyring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    #[serde(flatten)]
    pub public: StaffPublic,
    pub roles: BTreeSet<Role>,
}

impl StaffMember {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// The keyring's content. Its signed form is [`SignedKeyring`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    /// Format version of this structure; always 1 for now.
    pub format: u8,
    /// Monotonic version; each signed change increments it.
    pub version: u64,
    /// SHA-256 of the previous version's body, if any.
    #[serde(with = "opt_hex_32", default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<[u8; 32]>,
    pub staff: Vec<StaffMember>,
    /// The transparency log's origin and Ed25519 verifying key, vouched for by the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogKey>,
    /// Witnesses (C2SP tlog-witness) whose cosignatures clients look for on checkpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Witness>,
    /// How many of `witnesses` must have cosigned a checkpoint before clients accept it
    /// (directly or through a later, consistent one); 0 asks for none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub witness_threshold: u8,
    /// The fingerprint of the foundation's first root, set by the first keyring a new root
    /// signs after a handover. Codename keys are salted with it (absent: with this keyring's
    /// own root), so a complainant's codename gives the same keys before and after rotation.
    #[serde(with = "opt_hex_32", default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<[u8; 32]>,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// A witness, by its note name and cosignature/v1 Ed25519 key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    #[serde(with = "serde_b64_32")]
    pub key: [u8; 32],
}

impl Witness {
    pub fn key(&self) -> Result<crate::log::cosignature::WitnessKey> {
        crate::log::cosignature::WitnessKey::new(&self.name, self.key)
            .map_err(|e| Error::malformed("witness", e.to_string()))
    }
}

/// The log's signed-note identity: checkpoints carry `origin` and are signed by `key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogKey {
    pub origin: String,
    #[serde(with = "serde_b64_32")]
    pub key: [u8; 32],
}

impl LogKey {
    pub fn verifier(&self) -> Result<crate::log::note::NoteVerifier> {
        crate::log::note::NoteVerifier::new(&self.origin, self.key)
            .map_err(|e| Error::malformed("log key", e.to_string()))
    }
}

impl Keyring {
    /// The first keyring: version 1, nobody in it yet.
    pub fn genesis() -> Self {
        Self {
            format: 1,
            version: 1,
            previous: None,
            staff: Vec::new(),
            log: None,
            witnesses: Vec::new(),
            witness_threshold: 0,
            lineage: None,
        }
    }

    /// The next version after `signed`: same content, version + 1, `previous` = its hash.
    pub fn successor(current: &VerifiedKeyring) -> Self {
        let mut next = current.keyring.clone();
        next.version = current.keyring.version.saturating_add(1);
        next.previous = Some(current.hash);
        next
    }

    pub fn member(&self, id: &StaffId) -> Option<&StaffMember> {
        self.staff.iter().find(|m| &m.public.id == id)
    }

    pub fn member_by_key(&self, key: &[u8; 32]) -> Option<&StaffMember> {
        self.staff.iter().find(|m| &m.public.verifying_key == key)
    }

    /// Reviewers: the people a new case is granted to.
    pub fn reviewers(&self) -> impl Iterator<Item = &StaffMember> {
        self.staff.iter().filter(|m| m.has(Role::Reviewer))
    }

    pub fn validate(&self) -> Result<()> {
        if self.format != 1 {
            return Err(Error::malformed(
                "keyring",
                format!("unknown format {}", self.format),
            ));
        }
        if self.version == 0 {
            return Err(Error::malformed("keyring", "version starts at 1"));
        }
        if self.staff.len() > MAX_STAFF {
            return Err(Error::malformed("keyring", "too many staff members"));
        }
        let mut names = BTreeSet::new();
        for w in &self.witnesses {
            w.key()?;
            if !names.insert(w.name.as_str()) {
                return Err(Error::malformed("keyring", "two witnesses share a name"));
            }
        }
        if usize::from(self.witness_threshold) > self.witnesses.len() {
            return Err(Error::malformed(
                "keyring",
                "the witness threshold is larger than the number of witnesses",
            ));
        }
        let mut ids = BTreeSet::new();
        let mut keys = BTreeSet::new();
        let mut recipients = BTreeSet::new();
        for m in &self.staff {
            m.public.validate()?;
            if m.roles.is_empty() {
                return Err(Error::malformed(
                    "keyring",
                    format!("staff member {} has no role", m.public.id),
                ));
            }
            if !ids.insert(&m.public.id) {
                return Err(Error::malformed(
                    "keyring",
                    format!("staff id {} appears twice", m.public.id),
                ));
            }
            if !keys.insert(m.public.verifying_key) || !recipients.insert(&m.public.age_recipient) {
                return Err(Error::malformed(
                    "keyring",
                    format!("staff member {} reuses another member's key", m.public.id),
                ));
            }
        }
        if let Some(log) = &self.log {
            log.verifier()?;
        }
        Ok(())
    }
}

/// A keyring as published: the exact body bytes, the root public key and its signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedKeyring {
    #[serde(with = "serde_b64_32")]
    pub root_key: [u8; 32],
    #[serde(with = "serde_b64")]
    pub body: Vec<u8>,
    #[serde(with = "serde_b64")]
    pub signature: Vec<u8>,
}

impl SignedKeyring {
    /// Checks root, signature and content. This is the only way to get a [`VerifiedKeyring`].
    pub fn verify(&self, root: &Fingerprint) -> Result<VerifiedKeyring> {
        let root_key = VerifyingKey::from_bytes(&self.root_key)
            .map_err(|_| Error::malformed("keyring", "root key is not an Ed25519 point"))?;
        let found = Fingerprint::of(&root_key);
        if &found != root {
            return Err(Error::UnknownRoot {
                expected: root.to_string(),
                found: found.to_string(),
            });
        }
        if self.body.len() > MAX_KEYRING_BYTES {
            return Err(Error::malformed("keyring", "too large"));
        }
        let sig = Signature::from_slice(&self.signature).map_err(|_| Error::BadKeyringSignature)?;
        root_key
            .verify_strict(&signed_message(&self.body), &sig)
            .map_err(|_| Error::BadKeyringSignature)?;
        let keyring: Keyring = serde_json::from_slice(&self.body)
            .map_err(|e| Error::malformed("keyring", e.to_string()))?;
        keyring.validate()?;
        Ok(VerifiedKeyring {
            hash: Sha256::digest(&self.body).into(),
            root: found,
            keyring,
            signed: self.clone(),
        })
    }
}

/// A keyring whose signature and root were checked. Only [`SignedKeyring::verify`] makes one,
/// so code that encrypts to staff can demand this type.
#[derive(Clone, Debug)]
pub struct VerifiedKeyring {
    keyring: Keyring,
    hash: [u8; 32],
    root: Fingerprint,
    signed: SignedKeyring,
}

impl VerifiedKeyring {
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }
    pub fn version(&self) -> u64 {
        self.keyring.version
    }
    /// SHA-256 of the signed body; the next version's `previous`.
    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }
    pub fn root(&self) -> &Fingerprint {
        &self.root
    }
    /// The fingerprint codename keys are salted with: the lineage's first root, or this
    /// keyring's root if it never rotated. Always derive codename keys from this.
    pub fn codename_root(&self) -> Fingerprint {
        self.keyring
            .lineage
            .map(Fingerprint::from_bytes)
            .unwrap_or(self.root)
    }
    pub fn signed(&self) -> &SignedKeyring {
        &self.signed
    }
}

/// A client's trust state: the pinned root and the highest version seen so far.
/// Feed every keyring the server offers through [`KeyringPin::accept`].
#[derive(Clone, Debug)]
pub struct KeyringPin {
    root: Fingerprint,
    highest_seen: u64,
}

impl KeyringPin {
    pub fn new(root: Fingerprint) -> Self {
        Self {
            root,
            highest_seen: 0,
        }
    }

    /// Also refuse anything below `version` (e.g. from `--min-keyring-version`).
    pub fn with_min_version(mut self, version: u64) -> Self {
        self.highest_seen = self.highest_seen.max(version);
        self
    }

    pub fn root(&self) -> &Fingerprint {
        &self.root
    }

    /// Follows the root's handovers (as the server lists them, checked here) from the pinned
    /// root to the root in force, then accepts only a keyring that root signed. After this,
    /// the pin is the new root: a keyring signed by a root that handed over is refused.
    pub fn accept_following(
        &mut self,
        signed: &SignedKeyring,
        chain: &[crate::handover::Handover],
    ) -> Result<VerifiedKeyring> {
        let root = crate::handover::follow(&self.root, chain)?;
        let verified = self.accept_under(&root, signed)?;
        self.root = root;
        Ok(verified)
    }

    pub fn accept(&mut self, signed: &SignedKeyring) -> Result<VerifiedKeyring> {
        let root = self.root;
        self.accept_under(&root, signed)
    }

    /// Verifies `signed` under `root` and checks it is no older than a version seen before.
    fn accept_under(
        &mut self,
        root: &Fingerprint,
        signed: &SignedKeyring,
    ) -> Result<VerifiedKeyring> {
        let verified = signed.verify(root)?;
        if verified.version() < self.highest_seen {
            return Err(Error::KeyringRollback {
                offered: verified.version(),
                seen: self.highest_seen,
            });
        }
        self.highest_seen = verified.version();
        Ok(verified)
    }
}

mod opt_hex_32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&crate::encoding::hex(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| crate::encoding::from_hex::<32>("hash", &s).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fixed, valid X25519 recipient and Ed25519 key for tests that need staff.
    pub fn staff(id: &str, n: u8) -> StaffMember {
        let vk = SigningKey::from_bytes(&[n; 32]).verifying_key();
        StaffMember {
            public: StaffPublic {
                id: id.parse().unwrap(),
                name: format!("Staff {n}"),
                age_recipient: crate::agefile::encode_x25519_recipient(&[n; 32]),
                verifying_key: vk.to_bytes(),
            },
            roles: [Role::Reviewer].into_iter().collect(),
        }
    }

    fn ring(version: u64) -> Keyring {
        Keyring {
            version,
            staff: vec![staff("a", 1), staff("b", 2)],
            ..Keyring::genesis()
        }
    }

    #[test]
    fn witnesses_are_validated_and_round_trip() {
        let w = |name: &str, b: u8| Witness {
            name: name.into(),
            key: SigningKey::from_bytes(&[b; 32]).verifying_key().to_bytes(),
        };
        let k = Keyring {
            witnesses: vec![w("a.example", 1), w("b.example", 2)],
            witness_threshold: 2,
            ..ring(1)
        };
        k.validate().unwrap();
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<Keyring>(&json).unwrap(), k);
        // Without witnesses the JSON is what it was before they existed.
        assert!(!serde_json::to_string(&ring(1)).unwrap().contains("witness"));
        for bad in [
            Keyring {
                witness_threshold: 3,
                ..k.clone()
            },
            Keyring {
                witnesses: vec![w("a.example", 1), w("a.example", 2)],
                ..k.clone()
            },
            Keyring {
                witnesses: vec![w("a example", 1)],
                witness_threshold: 0,
                ..k.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn verifies_and_refuses_tampering() {
        let root = RootKey::from_seed(&[7; 32]);
        let signed = root.sign(&ring(1)).unwrap();
        let v = signed.verify(&root.fingerprint()).unwrap();
        assert_eq!(v.keyring(), &ring(1));

        let mut bad = signed.clone();
        let last = bad.body.len() - 2;
        bad.body[last] ^= 1;
        assert!(matches!(
            bad.verify(&root.fingerprint()),
            Err(Error::BadKeyringSignature)
        ));

        let other = RootKey::from_seed(&[8; 32]);
        let foreign = other.sign(&ring(1)).unwrap();
        assert!(matches!(
            foreign.verify(&root.fingerprint()),
            Err(Error::UnknownRoot { .. })
        ));
        // Re-labelling a foreign signature with our root key does not help either.
        let mut relabelled = foreign;
        relabelled.root_key = root.public().to_bytes();
        assert!(matches!(
            relabelled.verify(&root.fingerprint()),
            Err(Error::BadKeyringSignature)
        ));
    }

    #[test]
    fn pin_refuses_rollback() {
        let root = RootKey::from_seed(&[7; 32]);
        let mut pin = KeyringPin::new(root.fingerprint());
        pin.accept(&root.sign(&ring(3)).unwrap()).unwrap();
        pin.accept(&root.sign(&ring(3)).unwrap()).unwrap();
        assert!(matches!(
            pin.accept(&root.sign(&ring(2)).unwrap()),
            Err(Error::KeyringRollback {
                offered: 2,
                seen: 3
            })
        ));
    }

    #[test]
    fn refuses_duplicate_staff() {
        let root = RootKey::from_seed(&[7; 32]);
        let mut k = ring(1);
        k.staff.push(staff("a", 3));
        assert!(root.sign(&k).is_err());
        let mut k = ring(1);
        k.staff.push(staff("c", 1));
        assert!(root.sign(&k).is_err());
    }

    #[test]
    fn fingerprint_round_trips() {
        let root = RootKey::from_seed(&[9; 32]);
        let fp = root.fingerprint();
        assert_eq!(Fingerprint::parse(&fp.to_string()).unwrap(), fp);
    }

    proptest! {
        #[test]
        fn keyring_encoding_round_trips(
            version in 1u64..u64::MAX,
            previous in proptest::option::of(any::<[u8; 32]>()),
            n in 0usize..3,
            names in proptest::collection::vec("[\\p{L} .'-]{1,40}", 3),
            log in proptest::option::of(1u8..200),
        ) {
            let root = RootKey::from_seed(&[5; 32]);
            let mut staff_list: Vec<StaffMember> =
                (0..n).map(|i| staff(&format!("s{i}"), i as u8 + 1)).collect();
            for (m, name) in staff_list.iter_mut().zip(&names) {
                m.public.name = name.clone();
            }
            let k = Keyring {
                format: 1,
                version,
                previous,
                staff: staff_list,
                log: log.map(|s| LogKey {
                    origin: format!("amanat.example/log{s}"),
                    key: SigningKey::from_bytes(&[s; 32]).verifying_key().to_bytes(),
                }),
                witnesses: Vec::new(),
                witness_threshold: 0,
                lineage: None,
            };
            let signed = root.sign(&k).unwrap();
            let json = serde_json::to_string(&signed).unwrap();
            let back: SignedKeyring = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &signed);
            let v = back.verify(&root.fingerprint()).unwrap();
            prop_assert_eq!(v.keyring(), &k);
        }
    }
}
