//! `amanat inbox` and `amanat withdraw`: a complainant coming back. The client library derives
//! the same keys from the codename on any device, signs in and decrypts the replies in memory;
//! this module shows them and, with `--save`, writes them to private files — or deletes the case.

use std::path::Path;

use amanat_client::complainant::{self, Foundation};
use amanat_protocol::codename::Codename;

use crate::commands::{format_bytes, format_time, submit, write_private};
use crate::error::{CliError, Result};

pub fn run(foundation: &Foundation, codename: Codename, save: Option<&Path>) -> Result<()> {
    let (api, keys, _) = complainant::sign_in(foundation, &codename, &mut submit::show)?;
    drop(codename);
    let inbox = complainant::inbox(&api, &keys)?;
    println!(
        "Your case {} — status: {}.",
        inbox.case.case_id, inbox.case.status
    );
    let sent: Vec<_> = inbox.sent().collect();
    println!("You have sent {} document(s):", sent.len());
    for d in &sent {
        println!("  {} received {}", d.kind, format_time(d.received_at));
    }
    if inbox.replies.is_empty() {
        println!("No replies from the foundation yet.");
        return Ok(());
    }
    if let Some(dir) = save {
        std::fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    }
    for (n, reply) in inbox.replies.iter().enumerate() {
        println!();
        println!(
            "── Reply {} from the foundation, {} ──",
            n + 1,
            format_time(reply.received_at)
        );
        match std::str::from_utf8(&reply.content) {
            Ok(text) if reply.meta.media_type.starts_with("text/") => println!("{text}"),
            _ => println!(
                "(a file of {}, {})",
                format_bytes(reply.meta.length),
                reply.meta.media_type
            ),
        }
        if let Some(dir) = save {
            let path = dir.join(format!("reply-{:02}.txt", n + 1));
            write_private(&path, &reply.content, false)?;
            println!("(saved to {})", path.display());
        }
    }
    Ok(())
}

/// `amanat withdraw`: deletes the complainant's case after they confirm.
pub fn withdraw(args: &crate::cli::WithdrawArgs) -> Result<()> {
    if args.codename_stdin && !args.yes {
        return Err(CliError::new(
            "--codename-stdin needs --yes: standard input cannot also answer the confirmation",
        ));
    }
    let foundation = crate::commands::foundation(&args.server, &args.root)?;
    let codename = crate::commands::codename::read_codename(args.codename_stdin)?;
    let yes = args.yes;
    let mut confirm = |case: &amanat_protocol::wire::MyCase| {
        println!(
            "Your case {} holds {} document(s) you sent or the foundation replied with.",
            case.case_id,
            case.documents.len()
        );
        println!(
            "Withdrawing deletes the case, every document, reply and note, and the reviewers' access from the server, for good. Copies reviewers already downloaded stay with them."
        );
        if yes {
            return true;
        }
        match crate::secrets::prompt_line("Type WITHDRAW to delete it, anything else to stop: ") {
            Ok(answer) => answer.trim() == "WITHDRAW",
            Err(_) => false,
        }
    };
    let done = complainant::withdraw(&foundation, &codename, &mut confirm, &mut submit::show)?;
    drop(codename);
    match done {
        None => {
            println!("Nothing was deleted.");
            Ok(())
        }
        Some(w) => {
            println!(
                "Withdrawn: case {} and its {} document(s) are deleted from the server.",
                w.case_id, w.documents
            );
            match w.index {
                Some(i) => println!(
                    "The public log records the deletion (entry {i}; receipt checked). Your codename no longer opens anything."
                ),
                None => println!("Your codename no longer opens anything."),
            }
            Ok(())
        }
    }
}
