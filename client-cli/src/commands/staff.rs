//! Staff commands: keys, login, the case list, and opening a case. Decryption happens
//! here, on the staff member's machine; the server only ever hands over ciphertext.

use std::fs;
use std::path::{Path, PathBuf};

use amanat_client::staff::{self as flows, SignedIn};
use amanat_protocol::envelope::DocumentMeta;
use amanat_protocol::ids::{CaseId, DocumentId};
use amanat_protocol::keyring::Fingerprint;
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::log::entry::Verdict;
use amanat_protocol::wire::{CaseStatus, DocumentKind};

pub use amanat_client::staff::Session as SavedSession;

use crate::api::{Api, Endpoint};
use crate::cli::{RootArgs, ServerArgs, SessionArgs, StaffCommand, StaffKeyArgs};
use crate::commands::{collab, format_bytes, format_time, write_private};
use crate::error::{CliError, Result};
use crate::progress::Progress;
use crate::secrets::PassphraseSource;

/// Where `staff login` keeps the session between commands (staff devices are trusted while
/// unlocked; see the threat model): `--session FILE`, or the XDG state folder.
pub fn session_path(args: &SessionArgs) -> Result<PathBuf> {
    if let Some(p) = &args.session {
        return Ok(p.clone());
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .ok_or_else(|| {
            CliError::new("cannot tell where to keep the session").hint("pass --session FILE")
        })?;
    Ok(base.join("amanat").join("staff-session.json"))
}

/// The session `staff login` saved, if it has not expired.
pub fn load_session(args: &SessionArgs) -> Result<SavedSession> {
    let path = session_path(args)?;
    let bytes = fs::read(&path).map_err(|_| {
        CliError::new("you are not signed in")
            .hint("run `amanat staff login --key … --server … --root …` first")
    })?;
    let s: SavedSession = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::new(format!("{} is damaged: {e}", path.display())).hint("sign in again")
    })?;
    if s.expires_at <= amanat_client::now() {
        return Err(
            CliError::new("your session has expired").hint("run `amanat staff login` again")
        );
    }
    Ok(s)
}

pub fn load_keys(args: &StaffKeyArgs) -> Result<StaffKeys> {
    load_keys_from(
        &args.key,
        &PassphraseSource::from_flags(args.passphrase.passphrase_file.as_deref()),
    )
}

pub fn load_keys_from(path: &Path, pass: &PassphraseSource) -> Result<StaffKeys> {
    let bytes = fs::read(path).map_err(|e| {
        CliError::file("read the staff key", path, e).hint("make one with `amanat staff keygen`")
    })?;
    let passphrase = pass.read("your staff key")?;
    Ok(StaffKeys::open(&passphrase, bytes.as_slice())?)
}

pub fn keygen(
    id: &str,
    name: &str,
    out: &Path,
    public_out: Option<&Path>,
    pass: &PassphraseSource,
) -> Result<StaffKeys> {
    let id = id.parse()?;
    if out.exists() {
        return Err(CliError::new(format!("{} already exists", out.display())));
    }
    let passphrase = pass.read_new("your staff key")?;
    let keys = StaffKeys::generate(id, name.to_owned());
    let mut file = Vec::new();
    keys.seal(&passphrase, &mut file)?;
    write_private(out, &file, false)?;
    let public = serde_json::to_string(&keys.public())
        .map_err(|e| CliError::new(format!("cannot encode the public part: {e}")))?;
    if let Some(p) = public_out {
        std::fs::write(p, format!("{public}\n")).map_err(|e| CliError::file("write", p, e))?;
    }
    println!(
        "Staff key written to {} (encrypted with your passphrase).",
        out.display()
    );
    println!(
        "Give this public part to the admin{}:",
        public_out
            .map(|p| format!(" (also in {})", p.display()))
            .unwrap_or_default()
    );
    println!("{public}");
    Ok(keys)
}

/// Signs in and returns the saved session (also written to disk for later commands).
pub fn login(
    keys: &StaffKeys,
    server: &ServerArgs,
    root: &RootArgs,
    session: &SessionArgs,
) -> Result<SavedSession> {
    let endpoint = Endpoint::new(
        &server.server,
        server.server_cert.as_deref(),
        server.proxy.as_deref(),
    )?;
    let SignedIn {
        session: saved,
        roles,
    } = flows::login(
        keys,
        &endpoint,
        server.server_cert.as_deref(),
        Fingerprint::parse(&root.root)?,
        root.min_keyring_version,
    )?;
    let path = session_path(session)?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    }
    let json = serde_json::to_vec(&saved).map_err(|e| CliError::new(e.to_string()))?;
    write_private(&path, &json, true)?;
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    println!(
        "Signed in as {} ({}) until {}.",
        keys.id(),
        roles.join(", "),
        format_time(saved.expires_at)
    );
    Ok(saved)
}

pub fn run(cmd: &StaffCommand) -> Result<()> {
    match cmd {
        StaffCommand::Keygen {
            id,
            name,
            out,
            public_out,
            passphrase,
        } => {
            let pass = PassphraseSource::from_flags(passphrase.passphrase_file.as_deref());
            keygen(id, name, out, public_out.as_deref(), &pass).map(|_| ())
        }
        StaffCommand::Login {
            key,
            server,
            root,
            session,
        } => {
            let keys = load_keys(key)?;
            login(&keys, server, root, session).map(|_| ())
        }
        StaffCommand::AckBatch { file, key, session } => {
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            ack_batch(&s, &keys, file)
        }
        StaffCommand::Status {
            case,
            status,
            version,
            session,
        } => {
            let status: CaseStatus = status.parse()?;
            collab::set_status(&load_session(session)?.api()?, case, status, *version)
        }
        StaffCommand::Hold {
            case,
            release,
            session,
        } => {
            let s = load_session(session)?;
            let id = amanat_client::staff::parse_case(case)?;
            amanat_client::staff::set_hold(&s.api()?, id, !*release)?;
            if *release {
                println!(
                    "The legal hold on case {id} is lifted: the retention rules apply to it again."
                );
            } else {
                println!(
                    "Case {id} is under a legal hold: the retention rules will not delete it."
                );
            }
            Ok(())
        }
        StaffCommand::Assign {
            case,
            to,
            unassign: _,
            version,
            session,
        } => {
            let s = load_session(session)?;
            collab::assign(&s.api()?, &s, case, to.as_deref(), *version)
        }
        StaffCommand::Note { case, key, session } | StaffCommand::Reply { case, key, session } => {
            let kind = if matches!(cmd, StaffCommand::Note { .. }) {
                DocumentKind::Note
            } else {
                DocumentKind::Reply
            };
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            let text = collab::read_text()?;
            collab::post_text(&s.api()?, &s, &keys, case, kind, &text)
        }
        StaffCommand::Share {
            case,
            to,
            key,
            session,
        } => {
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            collab::share_one(&s.api()?, &s, &keys, case, to)
        }
        StaffCommand::Rekey { to, key, session } => {
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            collab::rekey(&s.api()?, &s, &keys, to)
        }
        StaffCommand::Logout { session } => {
            let path = session_path(session)?;
            if let Ok(s) = load_session(session) {
                let _ = s
                    .api()
                    .and_then(|mut api| api.logout().map_err(CliError::from));
            }
            match fs::remove_file(&path) {
                Ok(()) => println!("Signed out."),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    println!("You were not signed in.")
                }
                Err(e) => return Err(CliError::file("remove", &path, e)),
            }
            Ok(())
        }
        StaffCommand::Cases { session } => {
            let s = load_session(session)?;
            cases(&s.api()?)
        }
        StaffCommand::Ack {
            case,
            poa,
            verdict,
            receipt,
            key,
            session,
        } => {
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            let verdict = match verdict.reject {
                Some(reason) => Verdict::Rejected(reason),
                None => Verdict::Accepted,
            };
            ack(&s, &keys, case, poa, verdict, receipt.as_deref(), false).map(|_| ())
        }
        StaffCommand::Open {
            case,
            out,
            quiet,
            key,
            session,
        } => {
            let s = load_session(session)?;
            let keys = load_keys(key)?;
            open(&s.api()?, &keys, case, out, *quiet).map(|_| ())
        }
    }
}

/// Signs a verdict on a power of attorney, has the server log it, and checks the receipt.
pub fn ack(
    session: &SavedSession,
    keys: &StaffKeys,
    case: &str,
    poa: &str,
    verdict: Verdict,
    receipt_out: Option<&Path>,
    quiet: bool,
) -> Result<String> {
    let api = session.api()?;
    let case: CaseId = case
        .parse()
        .map_err(|_| CliError::new(format!("{case:?} is not a case id")))?;
    let doc: DocumentId = poa.parse().map_err(|_| {
        CliError::new(format!("{poa:?} is not a document id"))
            .hint("`amanat staff open` lists them")
    })?;
    let done = flows::acknowledge(&api, session, keys, case, doc, verdict)?;
    println!(
        "Logged as entry {} of the transparency log: {}.",
        done.verified.index,
        crate::commands::audit::describe(&done.verified.entry)
    );
    if let Some(path) = receipt_out {
        write_private(path, done.receipt.as_bytes(), false)?;
        println!("Receipt saved to {}.", path.display());
    } else if !quiet {
        print!("{}", done.receipt);
    }
    Ok(done.receipt)
}

/// Runs every verdict in `file` with one unlock of the key; reports each line and fails at
/// the end if any line failed.
pub fn ack_batch(session: &SavedSession, keys: &StaffKeys, file: &Path) -> Result<()> {
    let text = fs::read_to_string(file).map_err(|e| CliError::file("read", file, e))?;
    let mut failed = 0;
    let mut done = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let verdict = match words.as_slice() {
            [_, _, "accept"] => Ok(Verdict::Accepted),
            [_, _, "reject", reason] => reason
                .parse::<u16>()
                .map(Verdict::Rejected)
                .map_err(|_| CliError::new(format!("line {}: the reason must be a number", n + 1))),
            _ => Err(CliError::new(format!(
                "line {}: expected `CASE DOC accept` or `CASE DOC reject REASON`",
                n + 1
            ))),
        };
        let outcome = verdict.and_then(|v| ack(session, keys, words[0], words[1], v, None, true));
        match outcome {
            Ok(_) => done += 1,
            Err(e) => {
                failed += 1;
                eprintln!("line {}: {}", n + 1, e.message);
            }
        }
    }
    println!("{done} acknowledgement(s) logged, {failed} failed.");
    if failed > 0 {
        return Err(CliError::new(format!(
            "{failed} line(s) of {} failed",
            file.display()
        )));
    }
    Ok(())
}

pub fn cases(api: &Api) -> Result<()> {
    let list = api.cases()?;
    if list.is_empty() {
        println!("No cases yet.");
        return Ok(());
    }
    println!(
        "{:<36}  {:<10}  {:<20}  documents",
        "case", "status", "received"
    );
    for c in list {
        let kinds: Vec<&str> = c.documents.iter().map(DocumentKind::as_str).collect();
        println!(
            "{:<36}  {:<10}  {:<20}  {}",
            c.case_id,
            c.status.as_str(),
            format_time(c.received_at),
            kinds.join(", ")
        );
    }
    Ok(())
}

/// Fetches and decrypts a case into `out`; returns the written files.
pub fn open(
    api: &Api,
    keys: &StaffKeys,
    case: &str,
    out: &Path,
    quiet: bool,
) -> Result<Vec<(DocumentMeta, PathBuf)>> {
    let case = flows::parse_case(case)?;
    let opened = flows::open_case(api, keys, case)?;
    prepare_out_dir(out)?;
    let mut written = Vec::new();
    for (n, doc) in opened.detail.documents.iter().enumerate() {
        let mut tmp = tempfile::Builder::new()
            .prefix(".amanat-")
            .tempfile_in(out)
            .map_err(|e| CliError::file("write into", out, e))?;
        // Large documents (videos) show progress; a form or a scan is there at once.
        let mut progress = if doc.length > crate::upload::CHUNK as u64 {
            Progress::new(
                format!("receiving {}", doc.kind),
                "received",
                doc.length,
                quiet,
            )
        } else {
            Progress::notes_only(true)
        };
        let Some(meta) =
            flows::decrypt_document(api, keys, &opened, doc, tmp.as_file_mut(), &mut progress)?
        else {
            // Notes are sealed to the reviewers of the day: one from before you joined is
            // not yours to read. Say so and go on.
            println!(
                "  (a note from {} that was written before you could read this case; it is not encrypted to you)",
                format_time(doc.received_at)
            );
            continue;
        };
        let name = format!(
            "{:02}-{}{}",
            n + 1,
            meta.kind,
            flows::safe_suffix(meta.name.as_deref(), &meta.media_type)
        );
        let path = out.join(&name);
        tmp.persist_noclobber(&path)
            .map_err(|e| CliError::file("write", &path, e.error))?;
        println!(
            "  {name}  ({}, received {}, document {})",
            format_bytes(meta.length),
            format_time(doc.received_at),
            doc.document_id
        );
        if matches!(meta.kind, DocumentKind::Note | DocumentKind::Reply) {
            // Notes and replies are short texts: show them where the reviewer is looking.
            if let Ok(text) = std::fs::read_to_string(&path) {
                for line in text.lines().take(40) {
                    println!("      │ {line}");
                }
            }
        }
        written.push((meta, path));
    }
    match api.activity(case) {
        Ok(records) if !records.is_empty() => {
            println!("Activity on this case:");
            for r in records {
                println!("  {}  {:<12} {}", format_time(r.at), r.actor, r.detail);
            }
        }
        Ok(_) => {}
        Err(e) => println!(
            "(the activity list is not available: {})",
            CliError::from(e).message
        ),
    }
    println!(
        "Case {case}: {} document(s) decrypted into {}. This is plaintext: keep it on an encrypted disk and delete it when done.",
        written.len(),
        out.display()
    );
    Ok(written)
}

fn prepare_out_dir(out: &Path) -> Result<()> {
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CliError::new(format!("{} is not empty", out.display()))
                    .hint("give a new folder, so nothing is overwritten"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(|e| CliError::file("create", out, e))?;
        }
        Err(e) => return Err(CliError::file("open", out, e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(out, fs::Permissions::from_mode(0o700))
            .map_err(|e| CliError::file("protect", out, e))?;
    }
    Ok(())
}
