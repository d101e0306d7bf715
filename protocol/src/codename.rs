//! Codenames: the only thing a complainant keeps, in their head. Random words from the
//! BIP-39 English list plus one checksum word, stretched with Argon2id and split by
//! HKDF-SHA256 into the case's age identity and its Ed25519 authentication key. The salt
//! comes from the pinned root fingerprint, never from the server. The KDF's version is read
//! off the codename's length, so codenames of every version keep working (docs/protocol.md).

use std::fmt;
use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, Version};
use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keyring::Fingerprint;

const WORDLIST: &str = include_str!("../wordlist/bip39-english.txt");

/// A codename's KDF version: how many words it has and how hard it is stretched. Fixed
/// constants of the protocol, never something the server says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdfVersion {
    /// 8 words (88 bits) + check word; Argon2id m = 64 MiB, t = 3. Made until December 2026.
    V1,
    /// 10 words (110 bits) + check word; Argon2id m = 8 MiB, t = 2: the extra 22 bits of
    /// entropy outweigh the lighter stretching, which a phone without a JIT (Tor Browser
    /// "Safer") can afford. Made by the CLI and the web page from December 2026 on.
    V2,
}

impl KdfVersion {
    /// What `Codename::generate` makes.
    pub const CURRENT: KdfVersion = KdfVersion::V2;

    /// Random words (each 11 bits).
    pub const fn data_words(self) -> usize {
        match self {
            KdfVersion::V1 => 8,
            KdfVersion::V2 => 10,
        }
    }

    /// Data words plus the checksum word.
    pub const fn total_words(self) -> usize {
        self.data_words() + 1
    }

    /// Argon2id memory in KiB, passes, lanes.
    pub const fn argon2(self) -> (u32, u32, u32) {
        match self {
            KdfVersion::V1 => (64 * 1024, 3, 1),
            KdfVersion::V2 => (8 * 1024, 2, 1),
        }
    }

    fn salt_domain(self) -> &'static [u8] {
        match self {
            KdfVersion::V1 => b"amanat/codename/v1",
            KdfVersion::V2 => b"amanat/codename/v2",
        }
    }

    fn check_domain(self) -> &'static [u8] {
        match self {
            KdfVersion::V1 => b"amanat/codename-check/v1",
            KdfVersion::V2 => b"amanat/codename-check/v2",
        }
    }

    /// The version a codename of `words` words has, if any.
    pub fn from_words(words: usize) -> Option<KdfVersion> {
        [KdfVersion::V1, KdfVersion::V2]
            .into_iter()
            .find(|v| v.total_words() == words)
    }
}

/// Random words of a current codename; 10 × 11 = 110 bits of entropy.
pub const DATA_WORDS: usize = KdfVersion::CURRENT.data_words();
/// Words of a current codename, check word included.
pub const TOTAL_WORDS: usize = KdfVersion::CURRENT.total_words();

/// Argon2id parameters of version 1 (the design brief's), kept for old codenames.
pub const ARGON2_M_KIB: u32 = KdfVersion::V1.argon2().0;
pub const ARGON2_T: u32 = KdfVersion::V1.argon2().1;
pub const ARGON2_P: u32 = KdfVersion::V1.argon2().2;

const HKDF_AGE: &[u8] = b"amanat/case/age-x25519/v1";
const HKDF_AUTH: &[u8] = b"amanat/case/ed25519-auth/v1";

fn words() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        WORDLIST
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect()
    })
}

fn index_of(word: &str) -> Option<usize> {
    let list = words();
    if let Ok(i) = list.binary_search(&word) {
        return Some(i);
    }
    // BIP-39 words are unique in their first four letters, so a prefix of 4+ is enough.
    if word.len() >= 4 {
        let hits: Vec<usize> = (0..list.len())
            .filter(|&i| list[i].starts_with(word))
            .collect();
        if let [one] = hits[..] {
            return Some(one);
        }
    }
    None
}

fn checksum(version: KdfVersion, indexes: &[usize]) -> usize {
    let mut h = Sha256::new();
    h.update(version.check_domain());
    for &i in indexes {
        h.update((i as u16).to_be_bytes());
    }
    let d = h.finalize();
    (usize::from(d[0]) << 3) | usize::from(d[1] >> 5)
}

/// A codename. Not `Serialize`; prints as `********`; wiped on drop.
pub struct Codename {
    words: Zeroizing<String>,
    version: KdfVersion,
}

impl Codename {
    /// A fresh random codename of the current version.
    pub fn generate() -> Self {
        Self::generate_version(KdfVersion::CURRENT)
    }

    /// A fresh random codename of `version` (tests of old codenames use V1).
    pub fn generate_version(version: KdfVersion) -> Self {
        let mut rng = rand::rngs::OsRng;
        let list = words();
        let mut idx: Zeroizing<Vec<usize>> = Zeroizing::new(
            (0..version.data_words())
                .map(|_| (rng.next_u32() as usize) % list.len()) // 2048 divides 2^32: no bias
                .collect(),
        );
        let c = checksum(version, &idx);
        idx.push(c);
        Self::from_indexes(version, &idx)
    }

    fn from_indexes(version: KdfVersion, idx: &[usize]) -> Self {
        let list = words();
        let s = idx.iter().map(|&i| list[i]).collect::<Vec<_>>().join(" ");
        Self {
            words: Zeroizing::new(s),
            version,
        }
    }

    /// Parses what a person typed: any case, words separated by spaces, dashes or commas,
    /// a unique prefix of four or more letters accepted. The number of words gives the KDF
    /// version. Error messages name positions, never the words themselves.
    pub fn parse(input: &str) -> Result<Self> {
        let lowered = Zeroizing::new(input.to_lowercase());
        let typed: Vec<&str> = lowered
            .split(|c: char| c.is_whitespace() || c == '-' || c == ',' || c == '.')
            .filter(|w| !w.is_empty())
            .collect();
        let version = KdfVersion::from_words(typed.len()).ok_or_else(|| {
            Error::BadCodename(format!(
                "a codename has {TOTAL_WORDS} words ({} if it was made before December 2026); {} were given",
                KdfVersion::V1.total_words(),
                typed.len()
            ))
        })?;
        let mut idx = Zeroizing::new(Vec::with_capacity(typed.len()));
        for (n, w) in typed.iter().enumerate() {
            match index_of(w) {
                Some(i) => idx.push(i),
                None => {
                    return Err(Error::BadCodename(format!(
                        "word {} is not in the word list; check its spelling",
                        n + 1
                    )));
                }
            }
        }
        let data = version.data_words();
        if checksum(version, &idx[..data]) != idx[data] {
            return Err(Error::BadCodename(
                "the words do not fit together (the last word is a check word); one of them is mistyped or out of order".into(),
            ));
        }
        Ok(Self::from_indexes(version, &idx))
    }

    /// The canonical words. Show this once, to the person it belongs to.
    pub fn dangerously_reveal(&self) -> &str {
        &self.words
    }

    pub fn version(&self) -> KdfVersion {
        self.version
    }

    /// Runs Argon2id with the version's parameters, then HKDF: a fraction of a second.
    pub fn derive(&self, root: &Fingerprint) -> Result<CaseKeys> {
        let mut salt_h = Sha256::new();
        salt_h.update(self.version.salt_domain());
        salt_h.update(root.as_bytes());
        let salt: [u8; 32] = salt_h.finalize().into();

        let (m, t, p) = self.version.argon2();
        let params =
            Params::new(m, t, p, Some(32)).map_err(|e| Error::BadCodename(e.to_string()))?;
        let mut seed = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(self.words.as_bytes(), &salt, seed.as_mut())
            .map_err(|e| Error::BadCodename(e.to_string()))?;
        CaseKeys::from_seed(&seed)
    }
}

impl fmt::Debug for Codename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Codename(********)")
    }
}

/// The keys a codename stands for: the case's age identity and the complainant's auth key.
pub struct CaseKeys {
    identity: age::x25519::Identity,
    auth: SigningKey,
}

impl CaseKeys {
    /// HKDF-SHA256 split of a 32-byte seed. Public so tests can skip Argon2id.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self> {
        let hk = Hkdf::<Sha256>::new(None, seed);
        let mut age_bytes = Zeroizing::new([0u8; 32]);
        let mut auth_bytes = Zeroizing::new([0u8; 32]);
        hk.expand(HKDF_AGE, age_bytes.as_mut())
            .and_then(|_| hk.expand(HKDF_AUTH, auth_bytes.as_mut()))
            .map_err(|e| Error::BadCodename(e.to_string()))?;
        Ok(Self {
            identity: crate::keys::age_identity_from_bytes(&age_bytes)?,
            auth: SigningKey::from_bytes(&auth_bytes),
        })
    }

    /// A random case, for tools that need keys but no codename (benchmarks, tests).
    pub fn random() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    pub fn identity(&self) -> &age::x25519::Identity {
        &self.identity
    }

    pub fn recipient(&self) -> age::x25519::Recipient {
        self.identity.to_public()
    }

    pub fn auth(&self) -> &SigningKey {
        &self.auth
    }

    /// The case's pseudonym in the transparency log.
    pub fn commitment(&self, case: &crate::ids::CaseId) -> Result<[u8; 32]> {
        crate::keys::commitment_for(&self.identity, case)
    }

    pub fn auth_public(&self) -> [u8; 32] {
        self.auth.verifying_key().to_bytes()
    }
}

impl fmt::Debug for CaseKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CaseKeys(********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordlist_is_bip39() {
        let w = words();
        assert_eq!(w.len(), 2048);
        assert!(w.windows(2).all(|p| p[0] < p[1]), "list must be sorted");
        assert_eq!(w[0], "abandon");
        assert_eq!(w[2047], "zoo");
    }

    #[test]
    fn generated_codenames_parse_back() {
        for v in [KdfVersion::V1, KdfVersion::V2] {
            for _ in 0..50 {
                let c = Codename::generate_version(v);
                assert_eq!(c.dangerously_reveal().split(' ').count(), v.total_words());
                let again = Codename::parse(c.dangerously_reveal()).unwrap();
                assert_eq!(again.dangerously_reveal(), c.dangerously_reveal());
                assert_eq!(again.version(), v);
            }
        }
        assert_eq!(Codename::generate().version(), KdfVersion::V2);
    }

    #[test]
    fn versions_are_told_apart_and_give_other_keys() {
        // The check word is domain-separated by version, and so is the salt.
        let root = crate::keyring::RootKey::from_seed(&[3; 32]).fingerprint();
        let v1 = Codename::generate_version(KdfVersion::V1);
        let v2 = Codename::generate_version(KdfVersion::V2);
        assert_ne!(
            v1.derive(&root).unwrap().auth_public(),
            v2.derive(&root).unwrap().auth_public()
        );
        let e = Codename::parse("abandon ability able about").unwrap_err();
        assert!(e.to_string().contains("has 11 words (9 if"), "{e}");
    }

    #[test]
    fn parse_forgives_layout_and_prefixes() {
        let c = Codename::generate();
        let sloppy: String = c
            .dangerously_reveal()
            .split(' ')
            .map(|w| w.chars().take(4).collect::<String>().to_uppercase())
            .collect::<Vec<_>>()
            .join(" - ");
        assert_eq!(
            Codename::parse(&sloppy).unwrap().dangerously_reveal(),
            c.dangerously_reveal()
        );
    }

    #[test]
    fn parse_catches_mistakes_without_echoing() {
        let c = Codename::generate();
        let words: Vec<&str> = c.dangerously_reveal().split(' ').collect();
        // A swapped pair is almost always caught by the check word.
        let mut swapped = words.clone();
        swapped.swap(0, 1);
        if swapped != words {
            let e = Codename::parse(&swapped.join(" ")).err();
            // 1 in 2048 chance the checksum still fits; only check the message otherwise.
            if let Some(e) = e {
                assert!(e.to_string().contains("do not fit"));
                // The message's own words ("check", "order") may be codename words; an
                // echo would show two codename words in a row.
                assert!(
                    !e.to_string()
                        .contains(&format!("{} {}", words[0], words[1]))
                );
            }
        }
        let mut typo = words.clone();
        typo[2] = "qqqqq";
        let e = Codename::parse(&typo.join(" ")).unwrap_err();
        assert!(e.to_string().contains("word 3"));
        assert!(Codename::parse("one two").is_err());
    }

    #[test]
    fn derivation_is_deterministic_and_root_bound() {
        let c = Codename::generate();
        let r1 = crate::keyring::RootKey::from_seed(&[1; 32]).fingerprint();
        let r2 = crate::keyring::RootKey::from_seed(&[2; 32]).fingerprint();
        let a = c.derive(&r1).unwrap();
        let b = Codename::parse(c.dangerously_reveal())
            .unwrap()
            .derive(&r1)
            .unwrap();
        let other_root = c.derive(&r2).unwrap();
        assert_eq!(a.auth_public(), b.auth_public());
        assert_eq!(a.recipient().to_string(), b.recipient().to_string());
        assert_ne!(a.auth_public(), other_root.auth_public());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Codename::generate();
        assert_eq!(format!("{c:?}"), "Codename(********)");
    }
}

/// The web page (web/src/protocol.ts) must derive exactly these keys; web/test/vectors.json
/// holds the same values and web/test/protocol.test.mjs asserts them in JavaScript.
#[cfg(test)]
mod web_vectors {
    use super::*;

    const VECTORS: &str = include_str!("../../web/test/vectors.json");

    fn vector(name: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        v[name].as_str().unwrap().to_owned()
    }

    #[test]
    fn keys_match_the_web_page() {
        let k = CaseKeys::from_seed(&std::array::from_fn(|i| i as u8)).unwrap();
        let id: crate::ids::CaseId = "00112233-4455-6677-8899-aabbccddeeff".parse().unwrap();
        assert_eq!(k.recipient().to_string(), vector("seedRecipient"));
        assert_eq!(crate::encoding::hex(&k.auth_public()), vector("seedAuth"));
        assert_eq!(
            crate::encoding::hex(&k.commitment(&id).unwrap()),
            vector("seedCommitment")
        );
        assert_eq!(
            crate::padding::padded_len((1u64 << 32) + 1).to_string(),
            vector("paddedLen2p32p1")
        );
    }

    #[test]
    fn codename_keys_match_the_web_page() {
        let fp =
            crate::keyring::Fingerprint::parse(&crate::encoding::readable32(&[0x11; 32])).unwrap();
        for (v, name) in [(KdfVersion::V1, "V1"), (KdfVersion::V2, "V2")] {
            let c = Codename::parse(&vector(&format!("codename{name}"))).unwrap();
            assert_eq!(c.version(), v);
            assert_eq!(
                c.derive(&fp).unwrap().recipient().to_string(),
                vector(&format!("recipient{name}"))
            );
        }
    }
}
