//! Reviewers working the same caseload, on the terminal: status and assignment (a stale
//! version is refused and says who changed what), notes, replies, sharing. The rules and the
//! cryptography are the client library's (`amanat_client::staff`); this module reads the
//! arguments and says what was done.

use std::io::Read;

use amanat_client::staff::{self as flows, MAX_TEXT};
use amanat_protocol::ids::StaffId;
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::wire::{CaseStatus, DocumentKind};

use crate::api::Api;
use crate::commands::staff::SavedSession;
use crate::error::{CliError, Result};

pub fn set_status(api: &Api, case: &str, status: CaseStatus, seen: Option<i64>) -> Result<()> {
    let case = flows::parse_case(case)?;
    let s = flows::set_status(api, case, status, seen)?;
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
    let case = flows::parse_case(case)?;
    let assignee = to.map(str::parse::<StaffId>).transpose()?;
    let keyring = session.keyring(api)?;
    let s = flows::assign(api, &keyring, case, assignee.as_ref(), seen)?;
    match &s.assignee {
        Some(a) => println!("Case {case} is assigned to {a} (version {}).", s.version),
        None => println!("Case {case} is unassigned (version {}).", s.version),
    }
    Ok(())
}

/// Encrypts and uploads a note (to every reviewer) or a reply (to the complainant).
pub fn post_text(
    api: &Api,
    session: &SavedSession,
    keys: &StaffKeys,
    case: &str,
    kind: DocumentKind,
    text: &[u8],
) -> Result<()> {
    let case = flows::parse_case(case)?;
    let keyring = session.keyring(api)?;
    let info = flows::post_text(api, &keyring, keys, case, kind, text)?;
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

/// Reads a note or reply from standard input (typed, when it is a terminal).
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

pub fn share_one(
    api: &Api,
    session: &SavedSession,
    keys: &StaffKeys,
    case: &str,
    to: &str,
) -> Result<()> {
    let case = flows::parse_case(case)?;
    let to: StaffId = to.parse()?;
    let keyring = session.keyring(api)?;
    flows::share(api, keys, case, &to, &keyring)?;
    println!("{to} can now open case {case}.");
    Ok(())
}

/// Shares every case the caller can open with `to`.
pub fn rekey(api: &Api, session: &SavedSession, keys: &StaffKeys, to: &str) -> Result<()> {
    let to: StaffId = to.parse()?;
    let keyring = session.keyring(api)?;
    let (shared, skipped) = flows::rekey(api, keys, &to, &keyring)?;
    println!("Shared {shared} case(s) with {to}; {skipped} you cannot open yourself were skipped.");
    Ok(())
}
