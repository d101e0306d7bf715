//! Auditors' commands. Everything here works on the log alone — entries, signed checkpoints
//! and root-signed keyrings — and reads no document. A rewritten, truncated or forked log is
//! reported loudly with a non-zero exit, naming what was found.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufReader, Read};
use std::path::Path;

use amanat_protocol::encoding::{b64, hex};
use amanat_protocol::keyring::{Fingerprint, KeyringPin, SignedKeyring, VerifiedKeyring};
use amanat_protocol::log::checkpoint::{Checkpoint, SignedCheckpoint};
use amanat_protocol::log::entry::{CaseCommitment, DeletionReason, Entry, Verdict};
use amanat_protocol::log::merkle::{self, CompactRange, Hash};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::wire::DocumentKind;
use serde::Serialize;

use amanat_client::log::{KeyringsInForce, Published, acknowledgement_counts, poa_key};

use crate::api::{Api, Endpoint};
use crate::cli::AuditCommand;
use crate::commands::{format_time, write_private};
use crate::error::{CliError, Result};

/// Entries fetched per request.
const PAGE: u64 = 100_000;

pub fn run(cmd: &AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify {
            receipt,
            root,
            keyring,
            server,
            server_cert,
            proxy,
        } => {
            let fp = Fingerprint::parse(root)?;
            let api = server
                .as_deref()
                .map(|url| {
                    Api::connect(&Endpoint::new(
                        url,
                        server_cert.as_deref(),
                        proxy.as_deref(),
                    )?)
                })
                .transpose()?;
            let keyring = match (keyring, &api) {
                (Some(path), _) => read_keyring_file(path, &fp)?,
                (None, Some(api)) => api.verified_keyring(&mut KeyringPin::new(fp))?,
                (None, None) => {
                    return Err(CliError::new(
                        "the log's key comes from the foundation's keyring, and none was given",
                    )
                    .hint("pass --keyring keyring.json (offline) or --server URL"));
                }
            };
            let text =
                std::fs::read_to_string(receipt).map_err(|e| CliError::file("read", receipt, e))?;
            let verified = verify_receipt(&text, &log_verifier(&keyring)?)?;
            println!(
                "The receipt is valid: the log signed a checkpoint of {} entries that includes entry {}.",
                verified.checkpoint.size, verified.index
            );
            println!("  {}", describe(&verified.entry));
            let note = amanat_protocol::log::receipt::Receipt::parse(&text)
                .map_err(|e| CliError::new(e.to_string()))?
                .checkpoint
                .0;
            let own = amanat_client::receipt::witnessed(&keyring, &note)?;
            if own.threshold > 0 {
                println!(
                    "Its checkpoint: {} (the keyring asks for {}).",
                    own.describe(),
                    own.threshold
                );
            }
            if let Some(api) = &api {
                let text = api.log_checkpoint_text()?;
                let latest = SignedCheckpoint(text.clone())
                    .verify(&log_verifier(&keyring)?)
                    .map_err(|e| {
                        integrity(&format!(
                            "the server's checkpoint is not validly signed by the log: {e}"
                        ))
                    })?;
                check_extends(api, &verified.checkpoint, &latest)?;
                println!(
                    "The server's current log ({} entries) still contains it: consistency proof verified.",
                    latest.size
                );
                if !own.enough() {
                    let later = amanat_client::receipt::witnessed(&keyring, &text)?;
                    if !later.enough() {
                        return Err(CliError::new(format!(
                            "NOT WITNESSED: the keyring asks for {} witness cosignature(s); the receipt's checkpoint has {} and the server's current one ({} entries) has {} — missing: {}",
                            own.threshold,
                            own.cosigned.len(),
                            latest.size,
                            later.cosigned.len(),
                            later.missing.join(", ")
                        ))
                        .hint("a witness refuses a log that forked or was rewritten; if it is only slow, try again in a minute"));
                    }
                    println!(
                        "A later checkpoint ({} entries), {}, extends it: witnessed.",
                        latest.size,
                        later.describe()
                    );
                }
            } else if !own.enough() {
                return Err(CliError::new(format!(
                    "NOT WITNESSED: the keyring asks for {} witness cosignature(s) and the receipt's checkpoint has {}; missing: {}",
                    own.threshold,
                    own.cosigned.len(),
                    own.missing.join(", ")
                ))
                .hint("with --server, a later checkpoint the witnesses cosigned can vouch for it"));
            }
            Ok(())
        }
        AuditCommand::Log {
            server,
            root,
            state,
            json,
        } => {
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let api = Api::connect(&endpoint)?;
            let fp = Fingerprint::parse(&root.root)?;
            audit_log(&api, fp, root.min_keyring_version, state.as_deref(), *json)
        }
        AuditCommand::Monitor {
            server,
            root,
            state,
            json,
        } => {
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let api = Api::connect(&endpoint)?;
            let fp = Fingerprint::parse(&root.root)?;
            monitor(&api, fp, root.min_keyring_version, state, *json)
        }
        AuditCommand::Web { server, root, json } => {
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let api = Api::connect(&endpoint)?;
            let fp = Fingerprint::parse(&root.root)?;
            audit_web(&api, fp, root.min_keyring_version, *json)
        }
        AuditCommand::Compare {
            mine,
            theirs,
            root,
            server,
            server_cert,
            proxy,
        } => {
            let fp = Fingerprint::parse(root)?;
            compare(
                mine,
                theirs,
                &fp,
                server.as_deref(),
                server_cert.as_deref(),
                proxy.as_deref(),
            )
        }
    }
}

fn read_keyring_file(path: &Path, root: &Fingerprint) -> Result<VerifiedKeyring> {
    let bytes = std::fs::read(path).map_err(|e| CliError::file("read", path, e))?;
    let signed: SignedKeyring = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::new(format!("{} is not a signed keyring: {e}", path.display())))?;
    Ok(signed.verify(root)?)
}

pub use amanat_client::receipt::{check_extends, log_verifier, verify as verify_receipt};

fn latest_checkpoint(api: &Api, verifier: &NoteVerifier) -> Result<Checkpoint> {
    let cp = SignedCheckpoint(api.log_checkpoint()?.checkpoint);
    cp.verify(verifier).map_err(|e| {
        CliError::new(format!(
            "LOG INTEGRITY FAILURE: the server's checkpoint is not validly signed by the log: {e}"
        ))
    })
}

pub fn describe(e: &Entry) -> String {
    match e {
        Entry::DocumentReceived(d) => format!(
            "document received: {} {} ({} bytes of ciphertext, sha256 {}) at {}, case commitment {}…",
            d.kind,
            d.document,
            d.length,
            hex(&d.sha256),
            format_time(d.received_at),
            &hex(&d.case)[..16]
        ),
        Entry::PoaAcknowledged(a) => format!(
            "power of attorney {} {} by reviewer key {}… at {}",
            a.ack.document,
            match a.ack.verdict {
                Verdict::Accepted => "accepted".to_owned(),
                Verdict::Rejected(r) => format!("rejected (reason {r})"),
            },
            &b64(&a.ack.reviewer)[..12],
            format_time(a.ack.signed_at)
        ),
        Entry::StaffAction {
            case,
            actor,
            action,
            at,
        } => format!(
            "staff action {} by key {}… on case commitment {}… at {}",
            serde_json::to_value(action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            &b64(actor)[..12],
            &hex(case)[..16],
            format_time(*at)
        ),
        Entry::KeyringPublished {
            version,
            hash,
            published_at,
        } => {
            format!(
                "keyring version {version} published (sha256 {}) at {}",
                hex(hash),
                format_time(*published_at)
            )
        }
        Entry::WebManifestPublished(m) => format!(
            "web page manifest sha256 {} signed by the root at {}",
            hex(&m.sha256),
            format_time(m.signed_at)
        ),
        Entry::CaseDeleted { case, reason, at } => format!(
            "case commitment {}… deleted ({reason}) at {}",
            &hex(case)[..16],
            format_time(*at)
        ),
        Entry::RootHandover(h) => format!(
            "root {} handed over to root {} at {}",
            h.from_fingerprint()
                .map(|f| f.to_string())
                .unwrap_or_else(|_| "(not a key)".into()),
            h.to_fingerprint()
                .map(|f| f.to_string())
                .unwrap_or_else(|_| "(not a key)".into()),
            format_time(h.signed_at)
        ),
    }
}

#[derive(Default, Serialize)]
struct Figures {
    entries: u64,
    documents_by_kind: BTreeMap<String, u64>,
    cases: u64,
    cases_with_appeal_form: u64,
    cases_with_power_of_attorney: u64,
    cases_with_acknowledged_power_of_attorney: u64,
    complete_cases: u64,
    /// Cases whose data was deleted (`07` entries): not counted above, in the collective
    /// complaint or anywhere else.
    cases_withdrawn: u64,
    cases_expired: u64,
    keyrings: Vec<KeyringRecord>,
    staff_actions: u64,
    web_manifests: Vec<WebManifestRecord>,
    /// The root's handovers, in log order: who signed keyrings from when.
    root_handovers: Vec<HandoverRecord>,
    problems: Vec<String>,
}

/// A root handover, as the log holds it (both signatures checked).
#[derive(Clone, Serialize)]
struct HandoverRecord {
    index: u64,
    from: String,
    to: String,
    signed_at: i64,
}

/// A web page manifest the root signed, as the log holds it.
#[derive(Clone, Serialize)]
struct WebManifestRecord {
    index: u64,
    sha256: String,
    signed_at: i64,
}

#[derive(Serialize)]
struct KeyringRecord {
    index: u64,
    version: u64,
    sha256: String,
    published_at: i64,
    reviewers: Vec<String>,
}

/// What the log says of one case, in one byte: the audit's memory grows with the number of
/// cases (never with the number of entries), so it is kept small.
const APPEAL: u8 = 1;
const POA: u8 = 2;
const ACKNOWLEDGED: u8 = 4;
const ACCEPTED: u8 = 8;
const DELETED: u8 = 16;

pub fn audit_log(
    api: &Api,
    root: Fingerprint,
    min_version: u64,
    state: Option<&Path>,
    json: bool,
) -> Result<()> {
    let (f, latest) = walk_log(api, root, min_version, state)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&f).map_err(|e| CliError::new(e.to_string()))?
        );
    } else {
        print_figures(&f, &latest);
    }
    problems_are_failure(&f)
}

fn problems_are_failure(f: &Figures) -> Result<()> {
    if f.problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "LOG INTEGRITY FAILURE: {} problem(s) found in the log (listed above)",
            f.problems.len()
        )))
    }
}

/// Reads every entry, recomputes the tree against the signed checkpoint (and a saved one),
/// and accounts each entry. Integrity failures are errors; suspicious entries are problems.
fn walk_log(
    api: &Api,
    root: Fingerprint,
    min_version: u64,
    state: Option<&Path>,
) -> Result<(Figures, Checkpoint)> {
    let mut pin = KeyringPin::new(root).with_min_version(min_version);
    let current = api.verified_keyring(&mut pin)?;
    let verifier = log_verifier(&current)?;
    // The pin checked that this key hashes to the fingerprint; it verifies web manifests.
    let root_key = ed25519_dalek::VerifyingKey::from_bytes(&current.signed().root_key)
        .map_err(|_| integrity("the root key in the keyring is not an Ed25519 key"))?;
    let latest = latest_checkpoint(api, &verifier)?;
    let saved = match state {
        Some(dir) => load_state(dir, &verifier)?,
        None => None,
    };
    if let Some(s) = &saved
        && latest.size < s.size
    {
        return Err(CliError::new(format!(
            "LOG INTEGRITY FAILURE: the log was TRUNCATED: it now has {} entries, but this auditor verified a signed checkpoint of {} entries before",
            latest.size, s.size
        )));
    }

    let mut f = Figures::default();
    let mut range = CompactRange::default();
    let mut cases: HashMap<CaseCommitment, u8> = HashMap::new();
    let mut poas: HashSet<Hash> = HashSet::new();
    let mut in_force = KeyringsInForce::following(root, &api.root_handovers()?)?;
    let mut index = 0u64;
    let mut problems = Vec::new();

    while index < latest.size {
        let count = PAGE.min(latest.size - index);
        let body = api.log_entries(index, count)?;
        let mut r = BufReader::with_capacity(256 * 1024, body);
        let mut got = 0u64;
        loop {
            let mut len = [0u8; 4];
            match read_full(&mut r, &mut len)? {
                0 => break,
                4 => {}
                _ => {
                    return Err(integrity(
                        "the entries stream ends in the middle of an entry",
                    ));
                }
            }
            let len = u32::from_be_bytes(len) as usize;
            if len > 4096 {
                return Err(integrity(&format!(
                    "entry {} claims {len} bytes",
                    index + got
                )));
            }
            let mut entry = vec![0u8; len];
            if read_full(&mut r, &mut entry)? != len {
                return Err(integrity(
                    "the entries stream ends in the middle of an entry",
                ));
            }
            let i = index + got;
            if let Some(s) = &saved
                && range.count() == s.size
                && range.root() != s.root
            {
                return Err(rewritten(s.size));
            }
            range.push(merkle::leaf_hash(&entry));
            got += 1;
            match Entry::decode(&entry) {
                Ok(e) => account(
                    i,
                    e,
                    api,
                    &root_key,
                    &mut f,
                    &mut cases,
                    &mut poas,
                    &mut in_force,
                    &mut problems,
                )?,
                Err(e) => problems.push(format!("entry {i} is malformed: {e}")),
            }
            if got == count {
                break;
            }
        }
        if got == 0 {
            break;
        }
        index += got;
    }
    if let Some(s) = &saved
        && range.count() == s.size
        && range.root() != s.root
    {
        return Err(rewritten(s.size));
    }
    if index != latest.size {
        return Err(integrity(&format!(
            "the log is TRUNCATED or has holes: the server signed a checkpoint of {} entries but served only {index}",
            latest.size
        )));
    }
    if range.root() != latest.root {
        return Err(integrity(&format!(
            "the log was REWRITTEN: its {} entries do not hash to the root the log signed ({} ≠ {})",
            latest.size,
            b64(&range.root()),
            b64(&latest.root)
        )));
    }
    if let Some(s) = &saved {
        // Belt and braces: the server must also be able to prove it, as it would to anyone.
        check_extends(api, s, &latest)?;
    }

    f.entries = latest.size;
    for c in cases.values().filter(|c| *c & DELETED == 0) {
        f.cases += 1;
        let has = |flag: u8| u64::from(c & flag != 0);
        f.cases_with_appeal_form += has(APPEAL);
        f.cases_with_power_of_attorney += has(POA);
        f.cases_with_acknowledged_power_of_attorney += has(ACKNOWLEDGED);
        f.complete_cases += u64::from(c & (APPEAL | ACCEPTED) == APPEAL | ACCEPTED);
    }
    f.problems = problems;
    if let Some(dir) = state {
        save_state(dir, &api.log_checkpoint_text()?, current.signed())?;
    }
    Ok((f, latest))
}

#[allow(clippy::too_many_arguments)]
fn account(
    i: u64,
    e: Entry,
    api: &Api,
    root_key: &ed25519_dalek::VerifyingKey,
    f: &mut Figures,
    cases: &mut HashMap<CaseCommitment, u8>,
    poas: &mut HashSet<Hash>,
    in_force: &mut KeyringsInForce,
    problems: &mut Vec<String>,
) -> Result<()> {
    match e {
        Entry::DocumentReceived(d) => {
            *f.documents_by_kind.entry(d.kind.to_string()).or_default() += 1;
            let c = cases.entry(d.case).or_default();
            match d.kind {
                DocumentKind::AppealForm => *c |= APPEAL,
                DocumentKind::PowerOfAttorney => {
                    *c |= POA;
                    poas.insert(poa_key(&d.document, &d.case, &d.sha256));
                }
                _ => {}
            }
        }
        Entry::PoaAcknowledged(a) => match acknowledgement_counts(&a, in_force, poas) {
            Err(why) => problems.push(format!("entry {i}: {why}")),
            Ok(()) => {
                if let Some(c) = cases.get_mut(&a.ack.case) {
                    // The latest verdict on a case's powers of attorney stands.
                    *c = match a.ack.verdict {
                        Verdict::Accepted => *c | ACKNOWLEDGED | ACCEPTED,
                        Verdict::Rejected(_) => (*c | ACKNOWLEDGED) & !ACCEPTED,
                    };
                }
            }
        },
        Entry::StaffAction { actor, .. } => {
            f.staff_actions += 1;
            if !in_force.member(&actor) {
                problems.push(format!(
                    "entry {i}: a staff action by key {} that is in no keyring in force",
                    b64(&actor)
                ));
            }
        }
        Entry::KeyringPublished {
            version,
            hash,
            published_at,
        } => match in_force.publish(api, version, &hash)? {
            Published::InForce { keyring, after } => {
                if let Some(prev) = after {
                    problems.push(format!(
                        "entry {i}: keyring version {version} published after version {prev}"
                    ));
                }
                f.keyrings.push(KeyringRecord {
                    index: i,
                    version,
                    sha256: hex(&hash),
                    published_at,
                    reviewers: keyring
                        .keyring()
                        .reviewers()
                        .map(|m| m.public.id.to_string())
                        .collect(),
                });
            }
            Published::Refused(why) => problems.push(format!("entry {i}: {why}")),
        },
        Entry::CaseDeleted { case, reason, .. } => {
            let c = cases.entry(case).or_default();
            if *c & DELETED != 0 {
                problems.push(format!("entry {i}: a case deleted twice"));
            } else {
                *c |= DELETED;
                match reason {
                    DeletionReason::Withdrawn => f.cases_withdrawn += 1,
                    DeletionReason::Retention => f.cases_expired += 1,
                }
            }
        }
        Entry::RootHandover(h) => match in_force.handover(&h) {
            Err(why) => problems.push(format!("entry {i}: {why}")),
            Ok(to) => f.root_handovers.push(HandoverRecord {
                index: i,
                from: h
                    .from_fingerprint()
                    .map(|f| f.to_string())
                    .unwrap_or_default(),
                to: to.to_string(),
                signed_at: h.signed_at,
            }),
        },
        Entry::WebManifestPublished(m) => {
            // Signed by the root in force when it was logged.
            let key = in_force.manifest_key(root_key);
            if key.is_none_or(|k| m.verify(&k).is_err()) {
                problems.push(format!(
                    "entry {i}: a web page manifest whose signature does not verify with the root key in force"
                ));
            } else if f
                .web_manifests
                .last()
                .is_some_and(|p| p.signed_at >= m.signed_at)
            {
                problems.push(format!(
                    "entry {i}: a web page manifest signed no later than the one before it (a replay?)"
                ));
            } else {
                f.web_manifests.push(WebManifestRecord {
                    index: i,
                    sha256: hex(&m.sha256),
                    signed_at: m.signed_at,
                });
            }
        }
    }
    Ok(())
}

fn print_figures(f: &Figures, cp: &Checkpoint) {
    println!(
        "Log {}: {} entries, root {} — recomputed from every entry and matching the signed checkpoint.",
        cp.origin,
        cp.size,
        b64(&cp.root)
    );
    println!();
    println!("Documents received:");
    for (k, n) in &f.documents_by_kind {
        println!("  {k:<20} {n}");
    }
    println!();
    // Accounted in strictly increasing signing time, so the last is the newest.
    if let Some(m) = f.web_manifests.last() {
        println!(
            "Web page: {} signed manifest(s); the newest has sha256 {} (check a server with `amanat audit web`).",
            f.web_manifests.len(),
            m.sha256
        );
        println!();
    }
    println!("Cases:                                        {}", f.cases);
    println!(
        "  with an appeal form:                        {}",
        f.cases_with_appeal_form
    );
    println!(
        "  with a power of attorney received:          {}",
        f.cases_with_power_of_attorney
    );
    println!(
        "  with a power of attorney acknowledged:      {}",
        f.cases_with_acknowledged_power_of_attorney
    );
    println!(
        "  complete (appeal + accepted power of att.): {}",
        f.complete_cases
    );
    if f.cases_withdrawn + f.cases_expired > 0 {
        println!(
            "Deleted cases (not counted above):            {} withdrawn by the complainant, {} expired",
            f.cases_withdrawn, f.cases_expired
        );
    }
    println!();
    println!("Keyring history (who could decrypt, from when):");
    for k in &f.keyrings {
        println!(
            "  entry {:>7}: version {} at {}, reviewers: {}",
            k.index,
            k.version,
            format_time(k.published_at),
            k.reviewers.join(", ")
        );
    }
    for h in &f.root_handovers {
        println!(
            "  entry {:>7}: root {} handed over to root {} at {}",
            h.index,
            h.from,
            h.to,
            format_time(h.signed_at)
        );
    }
    for p in &f.problems {
        println!("PROBLEM: {p}");
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A log whose rows are missing or damaged cannot be streamed to the end; the
            // server breaks off. That is the log's integrity failing, not the network's.
            Err(e) => {
                return Err(integrity(&format!(
                    "the server broke off while serving the log's entries ({e}): entries are missing or unreadable"
                )));
            }
        }
    }
    Ok(n)
}

fn integrity(what: &str) -> CliError {
    CliError::new(format!("LOG INTEGRITY FAILURE: {what}"))
}

fn rewritten(size: u64) -> CliError {
    integrity(&format!(
        "the log was REWRITTEN: its first {size} entries no longer hash to the checkpoint this auditor verified before"
    ))
}

/// A checkpoint an auditor verified earlier.
fn load_state(dir: &Path, verifier: &NoteVerifier) -> Result<Option<Checkpoint>> {
    let path = dir.join("checkpoint");
    match std::fs::read_to_string(&path) {
        Ok(text) => SignedCheckpoint(text)
            .verify(verifier)
            .map(Some)
            .map_err(|e| {
                CliError::new(format!(
                    "{} is not a checkpoint signed by this log: {e}",
                    path.display()
                ))
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::file("read", &path, e)),
    }
}

fn save_state(dir: &Path, checkpoint: &str, keyring: &SignedKeyring) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    write_private(&dir.join("checkpoint"), checkpoint.as_bytes(), true)?;
    let k = serde_json::to_vec_pretty(keyring).map_err(|e| CliError::new(e.to_string()))?;
    write_private(&dir.join("keyring.json"), &k, true)
}

fn compare(
    mine: &Path,
    theirs: &Path,
    root: &Fingerprint,
    server: Option<&str>,
    cert: Option<&str>,
    proxy: Option<&str>,
) -> Result<()> {
    let keyring = read_keyring_file(&mine.join("keyring.json"), root)?;
    let verifier = log_verifier(&keyring)?;
    let a_text = std::fs::read_to_string(mine.join("checkpoint"))
        .map_err(|e| CliError::file("read", &mine.join("checkpoint"), e))?;
    let b_text = std::fs::read_to_string(theirs.join("checkpoint"))
        .map_err(|e| CliError::file("read", &theirs.join("checkpoint"), e))?;
    let a = SignedCheckpoint(a_text.clone())
        .verify(&verifier)
        .map_err(|e| CliError::new(format!("your checkpoint: {e}")))?;
    let b = SignedCheckpoint(b_text.clone())
        .verify(&verifier)
        .map_err(|e| CliError::new(format!("their checkpoint: {e}")))?;
    if a.size == b.size {
        if a.root == b.root {
            println!(
                "Both auditors saw the same log: {} entries, root {}.",
                a.size,
                b64(&a.root)
            );
            return Ok(());
        }
        eprintln!(
            "Evidence — two checkpoints of the same size, both signed by the log:\n{a_text}\n{b_text}"
        );
        return Err(integrity(&format!(
            "the log FORKED: it showed two different trees of {} entries to two auditors (the signed checkpoints above prove it)",
            a.size
        )));
    }
    let (older, newer) = if a.size < b.size { (&a, &b) } else { (&b, &a) };
    let url = server.ok_or_else(|| {
        CliError::new(format!(
            "the checkpoints have different sizes ({} and {})",
            a.size, b.size
        ))
        .hint("pass --server so the log can prove the smaller is a prefix of the larger")
    })?;
    let api = Api::connect(&Endpoint::new(url, cert, proxy)?)?;
    check_extends(&api, older, newer)?;
    println!(
        "Consistent: the log of {} entries extends the one of {} (proof verified).",
        newer.size, older.size
    );
    Ok(())
}

/// One served file of the page, compared with the manifest.
#[derive(Serialize)]
struct WebFileCheck {
    path: String,
    expected_sha256: String,
    served_sha256: Option<String>,
    ok: bool,
}

#[derive(Serialize)]
struct WebAudit {
    manifest_index: u64,
    manifest_sha256: String,
    manifest_signed_at: i64,
    files: Vec<WebFileCheck>,
    ok: bool,
}

/// `amanat audit web`: the served page against the newest root-signed manifest in the log.
pub fn audit_web(api: &Api, root: Fingerprint, min_version: u64, json: bool) -> Result<()> {
    let (f, _) = walk_log(api, root, min_version, None)?;
    for p in &f.problems {
        eprintln!("PROBLEM: {p}");
    }
    problems_are_failure(&f)?;
    let newest = f
        .web_manifests
        .last()
        .cloned()
        .ok_or_else(|| {
            CliError::new("the log holds no signed manifest of the web page, so the served page cannot be checked")
                .hint("the foundation signs one with `amanat admin web sign` and publishes it with `amanat admin web publish`")
        })?;
    let limit = 64 * 1024 * 1024;
    let manifest_bytes =
        api.page_file("/manifest.json", amanat_protocol::web::MAX_MANIFEST as u64)?;
    let served = hex(&amanat_protocol::web::sha256(&manifest_bytes));
    let mut files = vec![WebFileCheck {
        path: "manifest.json".into(),
        expected_sha256: newest.sha256.clone(),
        ok: served == newest.sha256,
        served_sha256: Some(served),
    }];
    if files[0].ok {
        let m = amanat_protocol::web::Manifest::parse(&manifest_bytes)?;
        let index = m
            .files
            .iter()
            .find(|x| x.path == "index.html")
            .map(|x| hex(&x.sha256));
        let mut wanted: Vec<(String, String)> = m
            .files
            .iter()
            .map(|x| (format!("/{}", x.path), hex(&x.sha256)))
            .collect();
        // The page's address itself serves index.html.
        if let Some(i) = index {
            wanted.push(("/".into(), i));
        }
        for (path, expected) in wanted {
            let got = api
                .page_file(&path, limit)
                .ok()
                .map(|b| hex(&amanat_protocol::web::sha256(&b)));
            files.push(WebFileCheck {
                ok: got.as_deref() == Some(expected.as_str()),
                path,
                expected_sha256: expected,
                served_sha256: got,
            });
        }
    }
    let ok = files.iter().all(|c| c.ok);
    let report = WebAudit {
        manifest_index: newest.index,
        manifest_sha256: newest.sha256.clone(),
        manifest_signed_at: newest.signed_at,
        files,
        ok,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| CliError::new(e.to_string()))?
        );
    } else {
        println!(
            "Newest root-signed page manifest: sha256 {} (log entry {}, signed {}).",
            report.manifest_sha256,
            report.manifest_index,
            format_time(report.manifest_signed_at)
        );
        for c in &report.files {
            match (&c.served_sha256, c.ok) {
                (_, true) => println!("  ok       {}", c.path),
                (Some(s), false) => println!(
                    "  ALTERED  {}: served sha256 {s}, signed {}",
                    c.path, c.expected_sha256
                ),
                (None, false) => println!("  MISSING  {}: the server did not serve it", c.path),
            }
        }
    }
    if ok {
        if !json {
            println!("The server serves exactly the page the root signed.");
        }
        Ok(())
    } else {
        Err(CliError::new(
            "WEB PAGE MISMATCH: the server serves a page other than the one the root signed",
        )
        .hint("do not use this server's page; tell the foundation through another channel"))
    }
}

/// `amanat audit monitor`: one run of the tiles follower, printed for a person or as JSON.
fn monitor(api: &Api, root: Fingerprint, min_version: u64, state: &Path, json: bool) -> Result<()> {
    use amanat_client::monitor::{Event, Outcome, follow};
    let to_json = |v: serde_json::Value| {
        serde_json::to_string_pretty(&v).map_err(|e| CliError::new(e.to_string()))
    };
    match follow(api, root, min_version, state)? {
        Outcome::Forked(fork) => {
            if json {
                println!(
                    "{}",
                    to_json(serde_json::json!({ "ok": false, "alert": "fork", "fork": fork }))?
                );
            }
            let files: Vec<String> = fork
                .evidence
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            Err(integrity(&fork.reason).hint(format!(
                "both signed checkpoints are kept as evidence: {}",
                files.join(", ")
            )))
        }
        Outcome::Consistent(r) => {
            if json {
                let ok = r.problems.is_empty();
                let alert = if ok { None } else { Some("problems") };
                println!(
                    "{}",
                    to_json(serde_json::json!({ "ok": ok, "alert": alert, "report": r }))?
                );
            } else {
                if r.from == r.to {
                    println!(
                        "Log {}: still {} entries, root {} — unchanged since the last run.",
                        r.origin, r.to, r.root
                    );
                } else {
                    println!(
                        "Log {}: {} → {} entries, root {} — the new entries extend what was verified before.",
                        r.origin, r.from, r.to, r.root
                    );
                }
                for (kind, n) in &r.documents_by_kind {
                    println!("  {n} new {kind} document(s)");
                }
                if r.staff_actions > 0 {
                    println!("  {} new staff action(s)", r.staff_actions);
                }
                for e in &r.events {
                    match e {
                        Event::Keyring {
                            index,
                            version,
                            added,
                            removed,
                            roles_changed,
                            log_key_changed,
                        } => {
                            println!("  entry {index}: keyring version {version} in force");
                            for a in added {
                                println!("      added:   {a}");
                            }
                            for a in removed {
                                println!("      removed: {a}");
                            }
                            for a in roles_changed {
                                println!("      roles:   {a}");
                            }
                            if *log_key_changed {
                                println!("      the log's key or origin changed");
                            }
                        }
                        Event::CaseDeleted {
                            index,
                            reason,
                            case_commitment,
                        } => println!(
                            "  entry {index}: a case was deleted, {reason} (case {})",
                            &case_commitment[..12.min(case_commitment.len())]
                        ),
                        Event::RootHandover { index, from, to } => {
                            println!("  entry {index}: root {from} handed over to root {to}")
                        }
                        Event::WebManifest {
                            index,
                            sha256,
                            signed_at,
                        } => println!(
                            "  entry {index}: new web page manifest {sha256}, signed {}",
                            format_time(*signed_at)
                        ),
                        Event::Acknowledgement {
                            index,
                            reviewer,
                            verdict,
                            case_commitment,
                        } => println!(
                            "  entry {index}: power of attorney {verdict} by {reviewer} (case {})",
                            &case_commitment[..12.min(case_commitment.len())]
                        ),
                    }
                }
                let w = &r.witnesses;
                if w.threshold > 0 || !w.cosigned.is_empty() {
                    println!(
                        "  witnesses on the latest checkpoint: {} of the {} the keyring asks for{}{}",
                        w.cosigned.len(),
                        w.threshold,
                        if w.cosigned.is_empty() {
                            String::new()
                        } else {
                            format!(" (cosigned by {})", w.cosigned.join(", "))
                        },
                        if w.missing.is_empty() {
                            String::new()
                        } else {
                            format!("; not cosigned by {}", w.missing.join(", "))
                        }
                    );
                }
                for p in &r.problems {
                    println!("PROBLEM: {p}");
                }
            }
            if r.problems.is_empty() {
                Ok(())
            } else {
                Err(CliError::new(format!(
                    "{} problem(s) in the new entries (listed above); the log itself is consistent",
                    r.problems.len()
                )))
            }
        }
    }
}
