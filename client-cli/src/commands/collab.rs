//! Reviewers working the same caseload: status and assignment with optimistic concurrency,
//! notes encrypted to every reviewer, replies encrypted to the complainant, and grants
//! re-wrapped for a reviewer who joined later — always after checking the root-signed keyring.

use std::io::Read;

use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::grant;
use amanat_protocol::ids::{CaseId, DocumentId, StaffId};
use amanat_protocol::keyring::{Fingerprint, KeyringPin, Role, VerifiedKeyring};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::wire::{CaseStatus, DocumentKind, GrantPut, SetAssignee, SetStatus};

use crate::api::{Api, Failure};
use crate::commands::staff::SavedSession;
use crate::error::{CliError, Result};

/// Notes and replies larger than this are refused (they are text).
pub const MAX_TEXT: usize = 256 * 1024;

pub fn parse_case(case: &str) -> Result<CaseId> {
    case.parse().map_err(|_| {
        CliError::new(format!("{case:?} is not a case id"))
            .hint("copy it from `amanat staff cases`")
    })
}

pub fn verified_keyring(session: &SavedSession, api: &Api) -> Result<VerifiedKeyring> {
    Ok(KeyringPin::new(Fingerprint::parse(&session.root)?).accept(&api.keyring()?)?)
}

/// The version to send: the one the person saw (`--version`), or the current one.
fn version_of(api: &Api, case: CaseId, seen: Option<i64>) -> Result<i64> {
    match seen {
        Some(v) => Ok(v),
        None => Ok(api.case(case)?.version),
    }
}

fn conflict(f: Failure) -> CliError {
    match f {
        Failure::Api(e) if e.code == "stale_version" => CliError::new(format!("not changed: {}", e.message))
            .hint("look at the case again (`amanat staff cases`) and decide whether your change still makes sense"),
        other => other.into(),
    }
}

pub fn set_status(api: &Api, case: &str, status: CaseStatus, seen: Option<i64>) -> Result<()> {
    let case = parse_case(case)?;
    let version = version_of(api, case, seen)?;
    let s = api
        .set_status(case, &SetStatus { status, version })
        .map_err(conflict)?;
    println!("Case {case} is now {} (version {}).", s.status, s.version);
    Ok(())
}

pub fn assign(
    api: &Api,
    session: &SavedSession,
    case: &str,
    to: Option<&str>,
    seen: Option<i64>,
) -> Result<()> {
    let case = parse_case(case)?;
    let assignee = to.map(str::parse::<StaffId>).transpose()?;
    if let Some(a) = &assignee {
        let k = verified_keyring(session, api)?;
        if !k.keyring().member(a).is_some_and(|m| m.has(Role::Reviewer)) {
            return Err(CliError::new(format!(
                "{a} is not a reviewer in the keyring"
            )));
        }
    }
    let version = version_of(api, case, seen)?;
    let s = api
        .set_assignee(case, &SetAssignee { assignee, version })
        .map_err(conflict)?;
    match &s.assignee {
        Some(a) => println!("Case {case} is assigned to {a} (version {}).", s.version),
        None => println!("Case {case} is unassigned (version {}).", s.version),
    }
    Ok(())
}

/// Encrypts `text` (notes: to every reviewer in the verified keyring; replies: to the case)
/// and uploads it as a document of `kind`.
pub fn post_text(
    api: &Api,
    session: &SavedSession,
    keys: &StaffKeys,
    case: &str,
    kind: DocumentKind,
    text: &[u8],
) -> Result<()> {
    let case = parse_case(case)?;
    if text.is_empty() || text.len() > MAX_TEXT {
        return Err(CliError::new(format!(
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
        DocumentKind::Note => {
            let k = verified_keyring(session, api)?;
            let recipients: Vec<age::x25519::Recipient> = k
                .keyring()
                .reviewers()
                .map(|m| m.public.age_recipient.parse::<age::x25519::Recipient>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| CliError::new(format!("a reviewer's key is malformed: {e}")))?;
            seal_to_many(&recipients, &meta, text)?
        }
        DocumentKind::Reply => {
            let detail = api.case(case)?;
            let identity = grant::unwrap(case, &detail.grant, keys.identity())?;
            envelope::seal(&identity.to_public(), &meta, text, Vec::new())?
        }
        other => {
            return Err(CliError::new(format!(
                "{other} is not text staff can write"
            )));
        }
    };
    let info = api.put_document(
        case,
        DocumentId::random(),
        kind,
        std::io::Cursor::new(ciphertext),
    )?;
    println!(
        "{} added to case {case} ({} bytes of ciphertext).",
        if kind == DocumentKind::Note {
            "Note (readable by reviewers only)"
        } else {
            "Reply (readable by the complainant and reviewers)"
        },
        info.length
    );
    Ok(())
}

/// The envelope for several recipients (notes): same container and padding as documents.
fn seal_to_many(
    recipients: &[age::x25519::Recipient],
    meta: &DocumentMeta,
    text: &[u8],
) -> Result<Vec<u8>> {
    if recipients.is_empty() {
        return Err(CliError::new("the keyring lists no reviewers"));
    }
    Ok(envelope::seal_multi(recipients, meta, text, Vec::new())?)
}

/// Reads a note or reply: standard input, or `$EDITOR` on a RAM-backed temporary file when
/// standard input is a terminal.
pub fn read_text() -> Result<Vec<u8>> {
    use std::io::IsTerminal;
    let mut buf = Vec::new();
    if std::io::stdin().is_terminal() {
        eprintln!("Type the text, then press Ctrl-D on an empty line:");
    }
    std::io::stdin()
        .take(MAX_TEXT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::new(format!("cannot read the text: {e}")))?;
    Ok(buf)
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
            CliError::new(format!(
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

pub fn share_one(
    api: &Api,
    session: &SavedSession,
    keys: &StaffKeys,
    case: &str,
    to: &str,
) -> Result<()> {
    let case = parse_case(case)?;
    let to: StaffId = to.parse()?;
    let keyring = verified_keyring(session, api)?;
    share(api, keys, case, &to, &keyring)?;
    println!("{to} can now open case {case}.");
    Ok(())
}

/// Shares every case the caller can open with `to`.
pub fn rekey(api: &Api, session: &SavedSession, keys: &StaffKeys, to: &str) -> Result<()> {
    let to: StaffId = to.parse()?;
    let keyring = verified_keyring(session, api)?;
    let mut shared = 0;
    let mut skipped = 0;
    for c in api.cases()? {
        // Only the cases shared with the caller can be shared on.
        match api.case(c.case_id) {
            Ok(_) => {}
            Err(Failure::Api(e)) if e.status == 404 => {
                skipped += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        share(api, keys, c.case_id, &to, &keyring)?;
        shared += 1;
    }
    println!("Shared {shared} case(s) with {to}; {skipped} you cannot open yourself were skipped.");
    Ok(())
}
