//! A complainant coming back: the codename gives the same keys on any device; the client
//! signs the server's challenge, lists the foundation's replies and decrypts them in memory.
//! A wrong codename does exactly the same work and gets the same answer as a missing case.

use std::path::Path;

use amanat_protocol::codename::{CaseKeys, Codename};
use amanat_protocol::envelope;
use amanat_protocol::keyring::{Fingerprint, KeyringPin, VerifiedKeyring};
use amanat_protocol::wire::DocumentKind;

use crate::api::{Api, Endpoint, Failure};
use crate::commands::{format_bytes, format_time, write_private};
use crate::error::{CliError, Result};

/// Replies larger than this are not shown inline.
const MAX_INLINE: u64 = 1024 * 1024;

/// Derives the case keys and signs in as the case. The keyring is checked first, so a
/// codename is never stretched for a server that is not the foundation's.
pub fn sign_in(
    endpoint: &Endpoint,
    root: Fingerprint,
    min_version: u64,
    codename: &Codename,
) -> Result<(Api, CaseKeys, VerifiedKeyring)> {
    let mut api = Api::connect(endpoint)?;
    let keyring = KeyringPin::new(root)
        .with_min_version(min_version)
        .accept(&api.keyring()?)?;
    let (m, _, _) = codename.version().argon2();
    eprintln!("Deriving your case keys (Argon2id, {} MiB)…", m / 1024);
    let keys = codename.derive(&root)?;
    match api.login(keys.auth()) {
        Ok(_) => Ok((api, keys, keyring)),
        Err(Failure::Api(e)) if e.status == 401 => Err(CliError::new("no such case")
            .hint("check the codename with `amanat codename check`; if it is well-formed and still not found, contact the foundation through another channel")),
        Err(other) => Err(other.into()),
    }
}

pub fn run(
    endpoint: &Endpoint,
    root: Fingerprint,
    min_version: u64,
    codename: Codename,
    save: Option<&Path>,
) -> Result<()> {
    let (api, keys, _) = sign_in(endpoint, root, min_version, &codename)?;
    drop(codename);
    let me = api.me()?;
    println!("Your case {} — status: {}.", me.case_id, me.status);
    let sent: Vec<_> = me
        .documents
        .iter()
        .filter(|d| d.kind != DocumentKind::Reply)
        .collect();
    println!("You have sent {} document(s):", sent.len());
    for d in &sent {
        println!("  {} received {}", d.kind, format_time(d.received_at));
    }
    let replies: Vec<_> = me
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Reply)
        .collect();
    if replies.is_empty() {
        println!("No replies from the foundation yet.");
        return Ok(());
    }
    if let Some(dir) = save {
        std::fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    }
    for (n, d) in replies.iter().enumerate() {
        let body = api.document(me.case_id, d.document_id)?;
        let (meta, content) = envelope::open_to_vec(keys.identity(), body, MAX_INLINE)
            .map_err(|e| CliError::new(format!("reply {} did not decrypt: {e}", n + 1)))?;
        println!();
        println!(
            "── Reply {} from the foundation, {} ──",
            n + 1,
            format_time(d.received_at)
        );
        match std::str::from_utf8(&content) {
            Ok(text) if meta.media_type.starts_with("text/") => println!("{text}"),
            _ => println!(
                "(a file of {}, {})",
                format_bytes(meta.length),
                meta.media_type
            ),
        }
        if let Some(dir) = save {
            let path = dir.join(format!("reply-{:02}.txt", n + 1));
            write_private(&path, &content, false)?;
            println!("(saved to {})", path.display());
        }
    }
    Ok(())
}
