//! The reviewer's flows: sign in with a staff key after checking the root-signed keyring,
//! open and decrypt cases, set status and assignee with optimistic concurrency, write notes
//! (to every reviewer) and replies (to the case), share cases, and acknowledge powers of
//! attorney with a locally made signature whose receipt is checked.

use std::io::{Read, Write};

use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::grant;
use amanat_protocol::ids::{CaseId, DocumentId, StaffId};
use amanat_protocol::keyring::{Fingerprint, KeyringPin, Role, VerifiedKeyring};
use amanat_protocol::keys::{self, StaffKeys};
use amanat_protocol::log::entry::{Acknowledgement, Entry, Verdict};
use amanat_protocol::log::receipt::Verified;
use amanat_protocol::wire::{
    AckRequest, CaseDetail, CaseStatus, CaseSummary, DocumentInfo, DocumentKind, GrantPut,
    Principal, SetAssignee, SetStatus, VerdictWire,
};
use serde::{Deserialize, Serialize};

use crate::api::{Api, Endpoint, Failure};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::receipt;

/// Notes and replies larger than this are refused (they are text).
pub const MAX_TEXT: usize = 256 * 1024;

/// A signed-in reviewer: where the server is, how to trust it, and a short-lived token.
/// The CLI keeps it in a file between commands; the staff UI keeps it in memory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub server_cert: Option<String>,
    pub proxy: Option<String>,
    pub root: String,
    pub staff_id: String,
    pub token: String,
    pub expires_at: i64,
}

impl Session {
    /// A client for the server, carrying the session's token.
    pub fn api(&self) -> Result<Api> {
        let endpoint = Endpoint::new(
            &self.server,
            self.server_cert.as_deref(),
            self.proxy.as_deref(),
        )?;
        let mut api = Api::connect(&endpoint)?;
        api.set_token(self.token.clone());
        Ok(api)
    }

    pub fn root(&self) -> Result<Fingerprint> {
        Ok(Fingerprint::parse(&self.root)?)
    }

    /// The server's current keyring, verified against the session's root.
    pub fn keyring(&self, api: &Api) -> Result<VerifiedKeyring> {
        api.verified_keyring(&mut KeyringPin::new(self.root()?))
    }
}

/// Who signed in, and with which roles.
pub struct SignedIn {
    pub session: Session,
    pub roles: Vec<Role>,
}

/// Signs in with a staff key. The keyring is checked first: a server serving a foreign
/// keyring is the wrong server (or a hostile one), and one that does not list this key
/// cannot be worked with.
pub fn login(
    keys: &StaffKeys,
    endpoint: &Endpoint,
    server_cert: Option<&str>,
    root: Fingerprint,
    min_keyring_version: u64,
) -> Result<SignedIn> {
    let mut api = Api::connect(endpoint)?;
    let mut pin = KeyringPin::new(root).with_min_version(min_keyring_version);
    let verified = api.verified_keyring(&mut pin)?;
    if verified.keyring().member(keys.id()).is_none() {
        return Err(Error::new(format!(
            "{} is not in the foundation's keyring (version {})",
            keys.id(),
            verified.version()
        ))
        .hint("ask the admin to add you and publish the keyring"));
    }
    let s = api.login(keys.signing())?;
    let roles = match &s.principal {
        Principal::Staff { roles, .. } => roles.clone(),
        Principal::Case { .. } => {
            return Err(Error::new(
                "the server answered with a complainant session for a staff key",
            ));
        }
    };
    Ok(SignedIn {
        session: Session {
            server: endpoint.url.clone(),
            server_cert: server_cert.map(str::to_owned),
            proxy: endpoint.proxy.clone(),
            root: root.to_string(),
            staff_id: keys.id().to_string(),
            token: s.token,
            expires_at: s.expires_at,
        },
        roles,
    })
}

pub fn parse_case(case: &str) -> Result<CaseId> {
    case.parse().map_err(|_| {
        Error::new(format!("{case:?} is not a case id")).hint("copy it from `amanat staff cases`")
    })
}

/// The version to send: the one the person saw, or the current one.
fn version_of(api: &Api, case: CaseId, seen: Option<i64>) -> Result<i64> {
    match seen {
        Some(v) => Ok(v),
        None => Ok(api.case(case)?.version),
    }
}

/// A `409 stale_version` says who changed what, and when; anything else is as usual.
pub fn conflict(f: Failure) -> Error {
    match f {
        Failure::Api(e) if e.code == "stale_version" => Error::new(format!("not changed: {}", e.message))
            .hint("look at the case again (`amanat staff cases`) and decide whether your change still makes sense"),
        other => other.into(),
    }
}

/// Sets the status, if the case is still at `seen` (or whatever it is now, without `seen`).
pub fn set_status(
    api: &Api,
    case: CaseId,
    status: CaseStatus,
    seen: Option<i64>,
) -> Result<CaseSummary> {
    let version = version_of(api, case, seen)?;
    api.set_status(case, &SetStatus { status, version })
        .map_err(conflict)
}

/// Assigns the case to a reviewer of `keyring` (or nobody), with the same concurrency rule.
/// Puts a legal hold on `case` (or lifts it); the server records it as a staff action.
pub fn set_hold(api: &Api, case: CaseId, hold: bool) -> Result<()> {
    api.set_hold(case, &amanat_protocol::wire::SetHold { hold })?;
    Ok(())
}

pub fn assign(
    api: &Api,
    keyring: &VerifiedKeyring,
    case: CaseId,
    to: Option<&StaffId>,
    seen: Option<i64>,
) -> Result<CaseSummary> {
    if let Some(a) = to
        && !keyring
            .keyring()
            .member(a)
            .is_some_and(|m| m.has(Role::Reviewer))
    {
        return Err(Error::new(format!("{a} is not a reviewer in the keyring")));
    }
    let version = version_of(api, case, seen)?;
    api.set_assignee(
        case,
        &SetAssignee {
            assignee: to.cloned(),
            version,
        },
    )
    .map_err(conflict)
}

/// Encrypts `text` (notes: to every reviewer in `keyring`; replies: to the case) and uploads
/// it as a document of `kind`.
pub fn post_text(
    api: &Api,
    keyring: &VerifiedKeyring,
    keys: &StaffKeys,
    case: CaseId,
    kind: DocumentKind,
    text: &[u8],
) -> Result<DocumentInfo> {
    if text.is_empty() || text.len() > MAX_TEXT {
        return Err(Error::new(format!(
            "the text must be 1 to {MAX_TEXT} bytes"
        )));
    }
    let meta = DocumentMeta {
        kind,
        name: None,
        media_type: "text/plain; charset=utf-8".into(),
        length: text.len() as u64,
    };
    let ciphertext = match kind {
        DocumentKind::Note => seal_to_reviewers(keyring, &meta, text)?,
        DocumentKind::Reply => {
            let detail = api.case(case)?;
            let identity = grant::unwrap(case, &detail.grant, keys.identity())?;
            envelope::seal(&identity.to_public(), &meta, text, Vec::new())?
        }
        other => {
            return Err(Error::new(format!("{other} is not text staff can write")));
        }
    };
    Ok(api.put_document(
        case,
        DocumentId::random(),
        kind,
        std::io::Cursor::new(ciphertext),
    )?)
}

/// A note's envelope: sealed to every reviewer of the verified keyring.
fn seal_to_reviewers(
    keyring: &VerifiedKeyring,
    meta: &DocumentMeta,
    bytes: &[u8],
) -> Result<Vec<u8>> {
    let recipients: Vec<age::x25519::Recipient> = keyring
        .keyring()
        .reviewers()
        .map(|m| m.public.age_recipient.parse::<age::x25519::Recipient>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::new(format!("a reviewer's key is malformed: {e}")))?;
    if recipients.is_empty() {
        return Err(Error::new("the keyring lists no reviewers"));
    }
    Ok(envelope::seal_multi(&recipients, meta, bytes, Vec::new())?)
}

/// The media type of a labels note: a case's labels are a note like any other (sealed to
/// the reviewers; the server sees one more note), whose content is a JSON list of strings.
/// The latest one stands.
pub const LABELS_TYPE: &str = "application/vnd.amanat.labels+json";
/// At most this many labels per case, each of 1 to [`MAX_LABEL_CHARS`] characters.
pub const MAX_LABELS: usize = 20;
pub const MAX_LABEL_CHARS: usize = 40;

/// Trims, drops empty and duplicate labels, and refuses what is too long or not text.
pub fn clean_labels(labels: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        let l = l.trim();
        if l.is_empty() || out.iter().any(|o| o == l) {
            continue;
        }
        if l.chars().count() > MAX_LABEL_CHARS || l.chars().any(char::is_control) {
            return Err(Error::new(format!(
                "a label is 1 to {MAX_LABEL_CHARS} printable characters"
            )));
        }
        out.push(l.to_owned());
    }
    if out.len() > MAX_LABELS {
        return Err(Error::new(format!("at most {MAX_LABELS} labels per case")));
    }
    Ok(out)
}

/// Replaces a case's labels: a new labels note, encrypted to every reviewer.
pub fn set_labels(
    api: &Api,
    keyring: &VerifiedKeyring,
    case: CaseId,
    labels: &[String],
) -> Result<Vec<String>> {
    let labels = clean_labels(labels)?;
    let json = serde_json::to_vec(&labels).map_err(|e| Error::new(e.to_string()))?;
    let meta = DocumentMeta {
        kind: DocumentKind::Note,
        name: None,
        media_type: LABELS_TYPE.into(),
        length: json.len() as u64,
    };
    let sealed = seal_to_reviewers(keyring, &meta, &json)?;
    api.put_document(
        case,
        DocumentId::random(),
        DocumentKind::Note,
        std::io::Cursor::new(sealed),
    )?;
    Ok(labels)
}

/// The labels a decrypted labels note holds (`None` if it is not one, or is malformed).
pub fn parse_labels(meta: &DocumentMeta, bytes: &[u8]) -> Option<Vec<String>> {
    if meta.media_type != LABELS_TYPE {
        return None;
    }
    let labels: Vec<String> = serde_json::from_slice(bytes).ok()?;
    clean_labels(&labels).ok()
}

/// Re-wraps the case key for `to`, after checking `to` is a reviewer in the root-signed keyring.
pub fn share(
    api: &Api,
    keys: &StaffKeys,
    case: CaseId,
    to: &StaffId,
    keyring: &VerifiedKeyring,
) -> Result<()> {
    let member = keyring
        .keyring()
        .member(to)
        .filter(|m| m.has(Role::Reviewer))
        .ok_or_else(|| {
            Error::new(format!(
                "{to} is not a reviewer in keyring version {}",
                keyring.version()
            ))
        })?;
    let detail = api.case(case)?;
    let identity = grant::unwrap(case, &detail.grant, keys.identity())?;
    let g = grant::wrap(case, &identity, member)?;
    api.put_grant(
        case,
        to,
        &GrantPut {
            ciphertext: g.ciphertext,
        },
    )?;
    Ok(())
}

/// Shares every case the caller can open with `to`; returns (shared, skipped because the
/// caller cannot open them either).
pub fn rekey(
    api: &Api,
    keys: &StaffKeys,
    to: &StaffId,
    keyring: &VerifiedKeyring,
) -> Result<(usize, usize)> {
    let (mut shared, mut skipped) = (0, 0);
    for c in api.cases()? {
        match api.case(c.case_id) {
            Ok(_) => {}
            Err(Failure::Api(e)) if e.status == 404 => {
                skipped += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        share(api, keys, c.case_id, to, keyring)?;
        shared += 1;
    }
    Ok((shared, skipped))
}

/// A case this reviewer can read: the server's record and the unwrapped case key.
pub struct OpenCase {
    pub detail: CaseDetail,
    identity: age::x25519::Identity,
}

/// Fetches a case and unwraps its key with the reviewer's grant.
pub fn open_case(api: &Api, keys: &StaffKeys, case: CaseId) -> Result<OpenCase> {
    let detail = api.case(case)?;
    let identity = grant::unwrap(case, &detail.grant, keys.identity())?;
    Ok(OpenCase { detail, identity })
}

/// Reports the bytes of ciphertext read to a [`Progress`].
struct Counting<'a, R> {
    inner: R,
    progress: &'a mut dyn Progress,
    read: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.set(self.read);
        Ok(n)
    }
}

/// Downloads and decrypts one document of `case` into `out`, streaming. Returns its envelope,
/// or `None` for a note sealed to the reviewers of a day before this one could read the case.
/// Whatever was written to `out` is untrusted unless this returns `Ok`.
pub fn decrypt_document(
    api: &Api,
    keys: &StaffKeys,
    case: &OpenCase,
    doc: &DocumentInfo,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<Option<DocumentMeta>> {
    let resp = api.document(case.detail.case_id, doc.document_id)?;
    // Notes are encrypted to the reviewers, everything else to the case.
    let identity: &dyn age::Identity = if doc.kind == DocumentKind::Note {
        keys.identity()
    } else {
        &case.identity
    };
    let reader = Counting {
        inner: resp,
        progress: &mut *progress,
        read: 0,
    };
    let meta = match envelope::open(identity, reader, out) {
        Err(amanat_protocol::Error::NotForUs) if doc.kind == DocumentKind::Note => return Ok(None),
        other => other,
    }
    .map_err(|e| {
        Error::new(format!("document {} did not decrypt: {e}", doc.document_id))
            .hint("the ciphertext was damaged or altered; nothing from it was kept")
    })?;
    if meta.kind != doc.kind {
        return Err(Error::new(format!(
            "document {} claims to be a {} inside but the server lists it as a {}: the server may be misbehaving",
            doc.document_id, meta.kind, doc.kind
        )));
    }
    progress.done();
    Ok(Some(meta))
}

/// An acknowledgement the log recorded, with its verified receipt.
pub struct Acknowledged {
    pub receipt: String,
    pub verified: Verified,
}

/// Signs a verdict on a power of attorney here, has the server log it, and checks that the
/// receipt records exactly that signed statement.
pub fn acknowledge(
    api: &Api,
    session: &Session,
    keys: &StaffKeys,
    case: CaseId,
    poa: DocumentId,
    verdict: Verdict,
) -> Result<Acknowledged> {
    let opened = open_case(api, keys, case)?;
    let detail = &opened.detail;
    let commitment = keys::commitment_for(&opened.identity, &case)?;
    if commitment != detail.commitment {
        return Err(Error::new(
            "the case's log commitment does not match its key; not signing (the complainant's client or the server is misbehaving)",
        ));
    }
    let info = detail
        .documents
        .iter()
        .find(|d| d.document_id == poa)
        .ok_or_else(|| Error::new(format!("case {case} has no document {poa}")))?;
    if info.kind != DocumentKind::PowerOfAttorney {
        return Err(Error::new(format!(
            "document {poa} is a {}, not a power of attorney",
            info.kind
        )));
    }
    let statement = Acknowledgement {
        case: commitment,
        document: poa,
        sha256: info.sha256,
        verdict,
        reviewer: keys.signing().verifying_key().to_bytes(),
        signed_at: crate::now(),
    };
    let signed = statement.sign(keys.signing());
    let request = AckRequest {
        document_id: poa,
        verdict: match verdict {
            Verdict::Accepted => VerdictWire::Accepted,
            Verdict::Rejected(reason) => VerdictWire::Rejected { reason },
        },
        signed_at: signed.ack.signed_at,
        signature: signed.signature.to_vec(),
    };
    let recorded = api.acknowledge(case, &request)?;
    let keyring = session.keyring(api)?;
    let verified = receipt::verify(&recorded.receipt, &receipt::log_verifier(&keyring)?)?;
    if verified.entry != Entry::PoaAcknowledged(signed) {
        return Err(Error::new(
            "the server logged something other than your acknowledgement",
        ));
    }
    Ok(Acknowledged {
        receipt: recorded.receipt,
        verified,
    })
}

/// The file name a complainant gave is untrusted: keep only a tame version of it, never a
/// path, so a document cannot be written outside the folder it is saved in.
pub fn safe_suffix(name: Option<&str>, media_type: &str) -> String {
    let cleaned: String = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect::<String>()
        .trim_start_matches('.')
        .trim()
        .to_owned();
    if !cleaned.is_empty() {
        return format!("-{cleaned}");
    }
    match media_type {
        "application/json" => ".json".into(),
        "application/pdf" => ".pdf".into(),
        "image/jpeg" => ".jpg".into(),
        "image/png" => ".png".into(),
        "video/mp4" => ".mp4".into(),
        _ => ".bin".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_suffix;

    #[test]
    fn labels_are_cleaned_and_bounded() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            super::clean_labels(&l(&[" суд ", "", "суд", "срочно"])).unwrap(),
            l(&["суд", "срочно"])
        );
        assert!(super::clean_labels(&l(&[&"x".repeat(41)])).is_err());
        assert!(super::clean_labels(&l(&["a\u{0}b"])).is_err());
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert!(super::clean_labels(&many).is_err());
    }

    #[test]
    fn hostile_names_stay_in_the_folder() {
        assert_eq!(safe_suffix(Some("../../.bashrc"), "text/plain"), "-bashrc");
        assert_eq!(safe_suffix(Some("/etc/passwd"), "x"), "-passwd");
        assert_eq!(safe_suffix(Some("a\\b\u{0}c.pdf"), "x"), "-bc.pdf");
        assert_eq!(safe_suffix(Some(".."), "application/pdf"), ".pdf");
        assert_eq!(safe_suffix(None, "application/json"), ".json");
        assert_eq!(
            safe_suffix(Some("фото задержания.jpg"), "image/jpeg"),
            "-фото задержания.jpg"
        );
    }
}
