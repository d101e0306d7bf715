//! Reading the transparency log as a client: the entries stream, the keyrings in force along
//! it, and the one rule for whether a verdict on a power of attorney counts. `amanat audit
//! log` and `amanat staff report` both apply this rule, so their counts cannot disagree.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read};

use amanat_protocol::handover::Handover;
use amanat_protocol::ids::DocumentId;
use amanat_protocol::keyring::{Fingerprint, Role, VerifiedKeyring};
use amanat_protocol::log::entry::{CaseCommitment, Entry, SignedAcknowledgement, Verdict};
use amanat_protocol::log::merkle::Hash;

use crate::api::Api;
use crate::error::{Error, Result};

/// Entries fetched per request.
pub const PAGE: u64 = 100_000;
/// No entry type is longer than this; a longer length prefix is a damaged stream.
pub const MAX_ENTRY: usize = 4096;

/// The keyring in force at each point of the log: the last root-signed keyring a
/// `KeyringPublished` entry named before it.
pub struct KeyringsInForce {
    /// The root in force at this point of the log; a `06` handover entry moves it on.
    root: Fingerprint,
    /// Its public key, once known (from a keyring it signed, or the handover naming it).
    root_key: Option<ed25519_dalek::VerifyingKey>,
    current: Option<VerifiedKeyring>,
}

/// What a `KeyringPublished` entry did.
pub enum Published<'a> {
    /// This keyring is now in force. `after` is set when it is not newer than the one before
    /// (which is a problem worth reporting, but the log says it was published).
    InForce {
        keyring: &'a VerifiedKeyring,
        after: Option<u64>,
    },
    /// The server's copy does not verify against the root, or does not match the log's hash;
    /// the keyring in force does not change.
    Refused(String),
}

impl KeyringsInForce {
    /// Starts at `root`: right for a root that never rotated, or to resume at a point of the
    /// log where `root` was known to be in force.
    pub fn new(root: Fingerprint) -> Self {
        KeyringsInForce {
            root,
            root_key: None,
            current: None,
        }
    }

    /// Starts at the beginning of the log for a client pinned to `pinned`: if the server's
    /// handover chain leads to the pinned root, the log began under the chain's first root,
    /// which the pinned root vouched for (it signed the handover that made it the successor).
    /// The chain must be unbroken: each handover verifies and starts where the last ended.
    pub fn following(pinned: Fingerprint, chain: &[Handover]) -> Result<Self> {
        let keys = amanat_protocol::handover::roots(chain).map_err(|e| {
            Error::new(format!(
                "LOG INTEGRITY FAILURE: the server's root handovers do not form a chain: {e}"
            ))
        })?;
        let points: Vec<ed25519_dalek::VerifyingKey> = keys
            .iter()
            .filter_map(|k| ed25519_dalek::VerifyingKey::from_bytes(k).ok())
            .collect();
        match points.first() {
            Some(first) if points.iter().any(|p| Fingerprint::of(p) == pinned) => {
                Ok(KeyringsInForce {
                    root: Fingerprint::of(first),
                    root_key: Some(*first),
                    current: None,
                })
            }
            _ => Ok(Self::new(pinned)),
        }
    }

    /// The root in force at this point of the log.
    pub fn root(&self) -> &Fingerprint {
        &self.root
    }

    /// The key a web manifest logged at this point must verify with: the root in force's,
    /// once a keyring or handover named it, else `current` (the root of the keyring the
    /// client verified) if that is the root in force.
    pub fn manifest_key(
        &self,
        current: &ed25519_dalek::VerifyingKey,
    ) -> Option<ed25519_dalek::VerifyingKey> {
        self.root_key
            .or_else(|| (Fingerprint::of(current) == self.root).then_some(*current))
    }

    /// Accounts a `06` entry: the root in force hands over. A handover that does not verify
    /// or is not from the root in force changes nothing, and says why.
    pub fn handover(&mut self, h: &Handover) -> std::result::Result<Fingerprint, String> {
        h.verify()
            .map_err(|e| format!("a root handover that does not verify: {e}"))?;
        let from = h.from_fingerprint().map_err(|e| e.to_string())?;
        if from != self.root {
            return Err(format!(
                "a root handover from {from}, which is not the root in force ({})",
                self.root
            ));
        }
        let to = h.to_fingerprint().map_err(|e| e.to_string())?;
        self.root = to;
        self.root_key = ed25519_dalek::VerifyingKey::from_bytes(&h.to).ok();
        Ok(to)
    }

    pub fn current(&self) -> Option<&VerifiedKeyring> {
        self.current.as_ref()
    }

    /// Accounts a `KeyringPublished` entry: fetches that version from the server and checks
    /// it against the root and the hash the log recorded.
    pub fn publish(&mut self, api: &Api, version: u64, hash: &[u8; 32]) -> Result<Published<'_>> {
        let signed = api.keyring_version(version)?;
        match signed.verify(&self.root) {
            Ok(k) if k.hash() == hash && k.version() == version => {
                self.root_key = ed25519_dalek::VerifyingKey::from_bytes(&signed.root_key).ok();
                let after = self
                    .current
                    .as_ref()
                    .map(VerifiedKeyring::version)
                    .filter(|prev| *prev >= version);
                let keyring = self.current.insert(k);
                Ok(Published::InForce { keyring, after })
            }
            Ok(_) => Ok(Published::Refused(format!(
                "keyring version {version} served by the server does not match the hash in the log"
            ))),
            Err(e) => Ok(Published::Refused(format!(
                "keyring version {version} does not verify against the root in force: {e}"
            ))),
        }
    }

    /// Whether `key` belonged to a reviewer of the keyring in force.
    pub fn reviewer(&self, key: &[u8; 32]) -> bool {
        self.current.as_ref().is_some_and(|k| {
            k.keyring()
                .member_by_key(key)
                .is_some_and(|m| m.has(Role::Reviewer))
        })
    }

    /// Whether `key` belonged to anyone in the keyring in force.
    pub fn member(&self, key: &[u8; 32]) -> bool {
        self.current
            .as_ref()
            .is_some_and(|k| k.keyring().member_by_key(key).is_some())
    }

    fn version_text(&self) -> String {
        self.current
            .as_ref()
            .map(|k| k.version().to_string())
            .unwrap_or_else(|| "none".into())
    }
}

/// A received power of attorney, as the 32-byte hash of (document, case, ciphertext hash):
/// enough to check that an acknowledgement names one, in a third of the memory.
pub fn poa_key(document: &DocumentId, case: &CaseCommitment, sha256: &Hash) -> Hash {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(document.as_bytes());
    h.update(case);
    h.update(sha256);
    h.finalize().into()
}

/// The rule: an acknowledgement counts if its signature verifies, its signer was a reviewer
/// in the keyring in force when it was logged (a reviewer removed later still counts; one
/// added later does not), and it names a power of attorney the log received before it.
/// `Err` says why not, for the audit's list of problems.
pub fn acknowledgement_counts(
    a: &SignedAcknowledgement,
    in_force: &KeyringsInForce,
    received: &HashSet<Hash>,
) -> std::result::Result<(), String> {
    if a.verify().is_err() {
        return Err("the acknowledgement's signature does not verify".into());
    }
    if !in_force.reviewer(&a.ack.reviewer) {
        return Err(format!(
            "an acknowledgement signed by key {} that was not a reviewer's in the keyring in force (version {})",
            amanat_protocol::encoding::b64(&a.ack.reviewer),
            in_force.version_text()
        ));
    }
    if !received.contains(&poa_key(&a.ack.document, &a.ack.case, &a.ack.sha256)) {
        return Err("an acknowledgement of a power of attorney the log never received".into());
    }
    Ok(())
}

/// Reads one length-prefixed entry from the entries stream; `None` at a clean end.
pub fn read_entry(r: &mut impl Read) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    if !read_exact_or_eof(r, &mut len)? {
        return Ok(None);
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_ENTRY {
        return Err(
            Error::new("the log stream is malformed").hint("check the log with `amanat audit log`")
        );
    }
    let mut entry = vec![0u8; len];
    if !read_exact_or_eof(r, &mut entry)? {
        return Err(Error::new("the log stream ends inside an entry"));
    }
    Ok(Some(entry))
}

fn read_exact_or_eof(r: &mut impl Read, buf: &mut [u8]) -> Result<bool> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) if n == 0 => return Ok(false),
            Ok(0) => return Err(Error::new("the log stream ends inside an entry")),
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::new(format!("reading the log failed: {e}"))),
        }
    }
    Ok(true)
}

/// The verdict that stands on one case: the latest one that counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub document: DocumentId,
    pub sha256: [u8; 32],
    pub verdict: Verdict,
}

/// The latest counting verdict per case commitment, from the whole log.
pub fn verdicts(api: &Api, root: Fingerprint) -> Result<HashMap<CaseCommitment, Standing>> {
    let mut out = HashMap::new();
    let mut in_force = KeyringsInForce::following(root, &api.root_handovers()?)?;
    let mut received = HashSet::new();
    let mut start = 0u64;
    loop {
        let body = api.log_entries(start, PAGE)?;
        let mut r = BufReader::with_capacity(256 * 1024, body);
        let mut got = 0u64;
        while let Some(entry) = read_entry(&mut r)? {
            got += 1;
            match Entry::decode(&entry) {
                Ok(Entry::DocumentReceived(d))
                    if d.kind == amanat_protocol::wire::DocumentKind::PowerOfAttorney =>
                {
                    received.insert(poa_key(&d.document, &d.case, &d.sha256));
                }
                Ok(Entry::KeyringPublished { version, hash, .. }) => {
                    in_force.publish(api, version, &hash)?;
                }
                Ok(Entry::RootHandover(h)) => {
                    let _ = in_force.handover(&h);
                }
                Ok(Entry::PoaAcknowledged(a))
                    if acknowledgement_counts(&a, &in_force, &received).is_ok() =>
                {
                    out.insert(
                        a.ack.case,
                        Standing {
                            document: a.ack.document,
                            sha256: a.ack.sha256,
                            verdict: a.ack.verdict,
                        },
                    );
                }
                _ => {}
            }
        }
        start += got;
        if got < PAGE {
            return Ok(out);
        }
    }
}
