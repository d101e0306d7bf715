//! Following the log as any C2SP tlog-tiles client would: `/checkpoint`, then the entry
//! bundles past what the last run saw. The tree is carried between runs as a compact range
//! and recomputed from the entries, so a fork, rewrite or truncation cannot pass unseen.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use amanat_protocol::encoding::{b64, hex};
use amanat_protocol::keyring::{Fingerprint, KeyringPin, VerifiedKeyring};
use amanat_protocol::log::checkpoint::{Checkpoint, SignedCheckpoint};
use amanat_protocol::log::entry::{Entry, Verdict};
use amanat_protocol::log::merkle::{self, CompactRange, Hash};
use amanat_protocol::log::tiles::{self, Tile};
use serde::{Deserialize, Serialize};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::files::write_private;
use crate::log::{KeyringsInForce, MAX_ENTRY, Published, acknowledgement_counts, poa_key};

/// The checkpoint note is small; anything longer is not one.
const MAX_CHECKPOINT: u64 = 64 * 1024;
const STATE_FILE: &str = "monitor.json";

/// What one run carries to the next: the last verified checkpoint, the tree as a compact
/// range, the keyring in force and the powers of attorney received (to judge later verdicts).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    checkpoint: String,
    size: u64,
    range: Vec<String>,
    keyring_version: Option<u64>,
    keyring_sha256: Option<String>,
    web_manifest_signed_at: Option<i64>,
    powers_of_attorney: Vec<String>,
    /// The root in force at `size` (after any handovers); absent in states from before
    /// rotation existed, which means the pinned root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root: Option<String>,
}

/// One thing the new part of the log says, for a person or an alerting system.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Keyring {
        index: u64,
        version: u64,
        added: Vec<String>,
        removed: Vec<String>,
        roles_changed: Vec<String>,
        log_key_changed: bool,
    },
    WebManifest {
        index: u64,
        sha256: String,
        signed_at: i64,
    },
    /// A case's data was deleted from the server (the log keeps its hashes).
    CaseDeleted {
        index: u64,
        reason: String,
        case_commitment: String,
    },
    /// The root handed the foundation to a new root (both signed); later keyrings and
    /// manifests are the new root's.
    RootHandover {
        index: u64,
        from: String,
        to: String,
    },
    Acknowledgement {
        index: u64,
        reviewer: String,
        verdict: String,
        case_commitment: String,
    },
}

/// The result of one run that found the log consistent with everything seen before.
#[derive(Serialize, Debug)]
pub struct Report {
    pub origin: String,
    pub from: u64,
    pub to: u64,
    pub root: String,
    pub documents_by_kind: BTreeMap<String, u64>,
    pub staff_actions: u64,
    pub events: Vec<Event>,
    /// Entries that are in the log but should not be (a bad signature, a verdict by
    /// someone who was not a reviewer, …). The log is still consistent; these are alerts.
    pub problems: Vec<String>,
    /// Who cosigned the checkpoint this run ended at, against the keyring's witnesses and
    /// threshold. A fresh checkpoint may not be cosigned yet: alert on it staying short.
    pub witnesses: WitnessReport,
}

/// The cosignatures on the latest checkpoint.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct WitnessReport {
    pub threshold: usize,
    pub cosigned: Vec<String>,
    pub missing: Vec<String>,
}

/// A log that contradicts what this monitor verified before, with the evidence kept.
#[derive(Serialize, Debug)]
pub struct Fork {
    pub reason: String,
    /// Files in the state folder that prove it (two checkpoints the log signed).
    pub evidence: Vec<PathBuf>,
}

pub enum Outcome {
    Consistent(Report),
    Forked(Fork),
}

fn hash_b64(s: &str) -> Option<Hash> {
    amanat_protocol::encoding::from_b64("hash", s)
        .ok()?
        .try_into()
        .ok()
}

fn load(dir: &Path) -> Result<Option<State>> {
    let path = dir.join(STATE_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::new(format!("{} is not a monitor state: {e}", path.display()))
                .hint("point --state at the folder an earlier `amanat audit monitor` wrote, or at an empty one")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::file("read", &path, e)),
    }
}

fn damaged(dir: &Path, what: &str) -> Error {
    Error::new(format!(
        "the monitor state in {} is damaged: {what}",
        dir.display()
    ))
    .hint("restore it from a backup; starting from an empty folder re-reads the whole log but forgets what was verified before")
}

/// Who is in a keyring, as `id (role, role)` for reports.
fn members(k: &VerifiedKeyring) -> BTreeMap<String, String> {
    k.keyring()
        .staff
        .iter()
        .map(|m| {
            let roles: Vec<String> = m.roles.iter().map(ToString::to_string).collect();
            (m.public.id.to_string(), roles.join(", "))
        })
        .collect()
}

/// Fetches `/checkpoint` and the new entry bundles, and checks them against `dir`'s state.
/// On success the state moves on (even with problems: they are reported once); on a fork
/// it stays where it was, and both checkpoints are kept as evidence.
pub fn follow(api: &Api, root: Fingerprint, min_version: u64, dir: &Path) -> Result<Outcome> {
    let current = api.verified_keyring(&mut KeyringPin::new(root).with_min_version(min_version))?;
    let verifier = crate::receipt::log_verifier(&current)?;
    let text = String::from_utf8(api.get_bytes("/checkpoint", MAX_CHECKPOINT)?)
        .map_err(|_| Error::new("the server's /checkpoint is not UTF-8 text"))?;
    let latest = SignedCheckpoint(text.clone()).verify(&verifier).map_err(|e| {
        Error::new(format!(
            "LOG INTEGRITY FAILURE: the server's /checkpoint is not validly signed by the log: {e}"
        ))
    })?;
    let root_key = ed25519_dalek::VerifyingKey::from_bytes(&current.signed().root_key)
        .map_err(|_| Error::new("the root key in the keyring is not an Ed25519 key"))?;

    let saved = load(dir)?;
    let mut range = CompactRange::default();
    let saved_root = match saved.as_ref().and_then(|s| s.root.as_deref()) {
        Some(r) => {
            Some(Fingerprint::parse(r).map_err(|_| damaged(dir, "the saved root cannot be read"))?)
        }
        None => None,
    };
    let mut in_force = match (saved_root, &saved) {
        (Some(r), _) => KeyringsInForce::new(r),
        (None, Some(_)) => KeyringsInForce::new(root),
        (None, None) => KeyringsInForce::following(root, &api.root_handovers()?)?,
    };
    let mut poas: HashSet<Hash> = HashSet::new();
    let mut manifest_at = None;
    let mut previous_checkpoint = None;
    if let Some(s) = &saved {
        let hashes: Option<Vec<Hash>> = s.range.iter().map(|h| hash_b64(h)).collect();
        range = hashes
            .and_then(|h| CompactRange::from_parts(s.size, h))
            .ok_or_else(|| damaged(dir, "the saved tree does not fit its size"))?;
        let body = s.checkpoint.find("\n\n").map(|i| &s.checkpoint[..=i]);
        let old = Checkpoint::parse(body.unwrap_or(""))
            .map_err(|_| damaged(dir, "the saved checkpoint cannot be read"))?;
        if old.size != s.size || old.root != range.root() {
            return Err(damaged(
                dir,
                "the saved tree does not match the saved checkpoint",
            ));
        }
        if let (Some(v), Some(h)) = (s.keyring_version, &s.keyring_sha256) {
            let hash: [u8; 32] = amanat_protocol::encoding::from_hex("keyring hash", h)
                .map_err(|_| damaged(dir, "the saved keyring hash cannot be read"))?;
            if let Published::Refused(why) = in_force.publish(api, v, &hash)? {
                return Err(Error::new(format!(
                    "LOG INTEGRITY FAILURE: the keyring this monitor saw in force before is no longer served as it was: {why}"
                )));
            }
        }
        for p in &s.powers_of_attorney {
            poas.insert(hash_b64(p).ok_or_else(|| damaged(dir, "a saved hash cannot be read"))?);
        }
        manifest_at = s.web_manifest_signed_at;
        previous_checkpoint = Some((old, s.checkpoint.clone()));
    }

    let from = range.count();
    if let Some((old, old_text)) = &previous_checkpoint
        && latest.size < old.size
    {
        return keep_evidence(
            dir,
            old_text,
            &text,
            format!(
                "the log was TRUNCATED: its signed checkpoint now has {} entries, but it signed one of {} before",
                latest.size, old.size
            ),
        );
    }

    let mut report = Report {
        origin: latest.origin.clone(),
        from,
        to: latest.size,
        root: b64(&latest.root),
        documents_by_kind: BTreeMap::new(),
        staff_actions: 0,
        events: Vec::new(),
        problems: Vec::new(),
        witnesses: {
            let w = crate::receipt::witnessed(&current, &text)?;
            WitnessReport {
                threshold: w.threshold,
                cosigned: w.cosigned,
                missing: w.missing,
            }
        },
    };
    for bundle in Tile::bundles(from, latest.size) {
        let limit = bundle.width * (2 + MAX_ENTRY as u64);
        let bytes = api.get_bytes(&format!("/{}", bundle.path()), limit)?;
        let entries = tiles::decode_bundle(&bytes, bundle.width).map_err(|e| {
            Error::new(format!(
                "LOG INTEGRITY FAILURE: /{} is not a valid entry bundle: {e}",
                bundle.path()
            ))
        })?;
        for (i, entry) in bundle.entries().zip(entries) {
            if i < range.count() {
                continue;
            }
            range.push(merkle::leaf_hash(entry));
            account(
                i,
                entry,
                api,
                &root_key,
                &mut in_force,
                &mut poas,
                &mut manifest_at,
                &mut report,
            )?;
        }
    }
    if range.count() != latest.size || range.root() != latest.root {
        let reason = format!(
            "the log was REWRITTEN or FORKED: the entries it serves after the {from} this monitor verified do not hash to the root it signed for {} entries",
            latest.size
        );
        return match &previous_checkpoint {
            Some((_, old_text)) => keep_evidence(dir, old_text, &text, reason),
            None => Err(Error::new(format!("LOG INTEGRITY FAILURE: {reason}"))),
        };
    }

    let state = State {
        checkpoint: text,
        size: range.count(),
        range: range.hashes().iter().map(|h| b64(h)).collect(),
        keyring_version: in_force.current().map(VerifiedKeyring::version),
        keyring_sha256: in_force.current().map(|k| hex(k.hash())),
        web_manifest_signed_at: manifest_at,
        powers_of_attorney: {
            let mut p: Vec<String> = poas.iter().map(|h| b64(h)).collect();
            p.sort();
            p
        },
        root: Some(in_force.root().to_string()),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::file("create", dir, e))?;
    let bytes = serde_json::to_vec_pretty(&state).map_err(|e| Error::new(e.to_string()))?;
    write_private(&dir.join(STATE_FILE), &bytes, true)?;
    Ok(Outcome::Consistent(report))
}

/// Saves the two contradicting signed checkpoints next to the state, which is left as it
/// was so the next run alerts again.
fn keep_evidence(dir: &Path, old: &str, new: &str, reason: String) -> Result<Outcome> {
    let at = crate::now();
    let dir = std::path::absolute(dir).map_err(|e| Error::file("find", dir, e))?;
    let mut evidence = Vec::new();
    for (name, text) in [("verified", old), ("contradicting", new)] {
        let path = dir.join(format!("fork-{at}-{name}.checkpoint"));
        write_private(&path, text.as_bytes(), true)?;
        evidence.push(path);
    }
    Ok(Outcome::Forked(Fork { reason, evidence }))
}

#[allow(clippy::too_many_arguments)]
fn account(
    i: u64,
    bytes: &[u8],
    api: &Api,
    root_key: &ed25519_dalek::VerifyingKey,
    in_force: &mut KeyringsInForce,
    poas: &mut HashSet<Hash>,
    manifest_at: &mut Option<i64>,
    report: &mut Report,
) -> Result<()> {
    let entry = match Entry::decode(bytes) {
        Ok(e) => e,
        Err(e) => {
            report.problems.push(format!("entry {i} is malformed: {e}"));
            return Ok(());
        }
    };
    match entry {
        Entry::DocumentReceived(d) => {
            *report
                .documents_by_kind
                .entry(d.kind.to_string())
                .or_default() += 1;
            if d.kind == amanat_protocol::wire::DocumentKind::PowerOfAttorney {
                poas.insert(poa_key(&d.document, &d.case, &d.sha256));
            }
        }
        Entry::StaffAction { actor, .. } => {
            report.staff_actions += 1;
            if !in_force.member(&actor) {
                report.problems.push(format!(
                    "entry {i}: a staff action by key {} that is in no keyring in force",
                    b64(&actor)
                ));
            }
        }
        Entry::PoaAcknowledged(a) => match acknowledgement_counts(&a, in_force, poas) {
            Err(why) => report.problems.push(format!("entry {i}: {why}")),
            Ok(()) => {
                let reviewer = in_force
                    .current()
                    .and_then(|k| k.keyring().member_by_key(&a.ack.reviewer))
                    .map(|m| m.public.id.to_string())
                    .unwrap_or_else(|| b64(&a.ack.reviewer));
                report.events.push(Event::Acknowledgement {
                    index: i,
                    reviewer,
                    verdict: match a.ack.verdict {
                        Verdict::Accepted => "accepted".into(),
                        Verdict::Rejected(code) => format!("rejected ({code})"),
                    },
                    case_commitment: b64(&a.ack.case),
                });
            }
        },
        Entry::KeyringPublished { version, hash, .. } => {
            let before = in_force
                .current()
                .map(|k| (members(k), k.keyring().log.clone()));
            match in_force.publish(api, version, &hash)? {
                Published::Refused(why) => report.problems.push(format!("entry {i}: {why}")),
                Published::InForce { keyring, after } => {
                    if let Some(prev) = after {
                        report.problems.push(format!(
                            "entry {i}: keyring version {version} published after version {prev}"
                        ));
                    }
                    let now = members(keyring);
                    let (was, log_before) = before.unwrap_or_default();
                    report.events.push(Event::Keyring {
                        index: i,
                        version,
                        added: now
                            .iter()
                            .filter(|(id, _)| !was.contains_key(*id))
                            .map(|(id, roles)| format!("{id} ({roles})"))
                            .collect(),
                        removed: was
                            .keys()
                            .filter(|id| !now.contains_key(*id))
                            .cloned()
                            .collect(),
                        roles_changed: now
                            .iter()
                            .filter(|(id, roles)| was.get(*id).is_some_and(|r| r != *roles))
                            .map(|(id, roles)| format!("{id} ({roles})"))
                            .collect(),
                        log_key_changed: log_before.is_some()
                            && log_before != keyring.keyring().log,
                    });
                }
            }
        }
        Entry::CaseDeleted { case, reason, .. } => report.events.push(Event::CaseDeleted {
            index: i,
            reason: reason.to_string(),
            case_commitment: b64(&case),
        }),
        Entry::RootHandover(h) => match in_force.handover(&h) {
            Err(why) => report.problems.push(format!("entry {i}: {why}")),
            Ok(to) => report.events.push(Event::RootHandover {
                index: i,
                from: h
                    .from_fingerprint()
                    .map(|f| f.to_string())
                    .unwrap_or_default(),
                to: to.to_string(),
            }),
        },
        Entry::WebManifestPublished(m) => {
            let key = in_force.manifest_key(root_key);
            if key.is_none_or(|k| m.verify(&k).is_err()) {
                report.problems.push(format!(
                    "entry {i}: a web page manifest whose signature does not verify with the root key in force"
                ));
            } else if manifest_at.is_some_and(|t| t >= m.signed_at) {
                report.problems.push(format!(
                    "entry {i}: a web page manifest signed no later than the one before it (a replay?)"
                ));
            } else {
                *manifest_at = Some(m.signed_at);
                report.events.push(Event::WebManifest {
                    index: i,
                    sha256: hex(&m.sha256),
                    signed_at: m.signed_at,
                });
            }
        }
    }
    Ok(())
}
