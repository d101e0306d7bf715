//! `amanat submit`: read and check everything locally, then let the client library verify the
//! keyring, make a codename, encrypt while uploading and check every receipt; this module
//! says what happens on the terminal and shows the codename once. Nothing is written to disk.

use amanat_client::complainant::{self, Event, Foundation, Submitted};
use amanat_client::document::{self, Outgoing};
use amanat_client::receipt::Witnessing;
use amanat_client::upload;
use amanat_protocol::codename::Codename;
use amanat_protocol::ids::CaseId;
use amanat_protocol::wire::DocumentKind;

use crate::cli::SubmitArgs;
use crate::commands::{format_bytes, wizard};
use crate::error::{CliError, Result};

pub fn run(args: &SubmitArgs) -> Result<()> {
    // Coming back to add documents: the codename comes first, from standard input.
    let codename = if args.codename_stdin {
        if args.form.is_none() && args.poa.is_none() && args.attach.is_empty() {
            return Err(CliError::new("nothing to add").hint(
                "with --codename-stdin, give the files to add: --poa FILE, --attach FILE or --form FILE",
            ));
        }
        Some(crate::commands::codename::read_codename(true)?)
    } else {
        None
    };
    let docs = collect(args)?;
    let foundation = crate::commands::foundation(&args.server, &args.root)?;
    if let Some(dir) = &args.receipt {
        std::fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    }
    let settings = upload::Settings {
        resume_dir: args.resume_dir.clone(),
        report: crate::progress::terminal(args.quiet),
        witness_wait: std::time::Duration::from_secs(args.witness_wait),
    };
    let done = match codename {
        Some(c) => add_to_case(&foundation, &c, docs, &settings)?,
        None => submit_with(&foundation, docs, &settings)?,
    };
    for (n, d) in done.documents.iter().enumerate() {
        let Some(receipt) = &d.receipt else { continue };
        match &args.receipt {
            Some(dir) => {
                let path = dir.join(format!("{:02}-{}.tlog-proof", n + 1, d.kind));
                crate::commands::write_private(&path, receipt.as_bytes(), false)?;
                println!("Receipt for the {} saved to {}.", d.kind, path.display());
            }
            None => {
                println!();
                println!(
                    "Receipt for the {} (proof that it arrived; check it with `amanat audit verify`):",
                    d.kind
                );
                print!("{receipt}");
            }
        }
    }
    Ok(())
}

/// Reads and checks everything locally before anything touches the network.
/// Without `--form`, the wizard asks for the form in the terminal (in memory only).
fn collect(args: &SubmitArgs) -> Result<Vec<Outgoing>> {
    let mut docs = Vec::new();
    let tr = crate::i18n::Tr::new(crate::i18n::choose(args.lang.as_deref())?)?;
    if let Some(path) = &args.form {
        let text =
            std::fs::read_to_string(path).map_err(|e| CliError::file("read the form", path, e))?;
        docs.push(wizard::checked_form_doc(
            &text,
            &path.display().to_string(),
            &tr,
        )?);
    } else if let Some(form) = wizard::interactive(&tr)? {
        docs.push(wizard::to_doc(&form)?);
    }
    if let Some(path) = &args.poa {
        docs.push(document::file(DocumentKind::PowerOfAttorney, path)?);
    }
    for path in &args.attach {
        docs.push(document::file(DocumentKind::Attachment, path)?);
    }
    if docs.is_empty() {
        return Err(CliError::new("nothing to send")
            .hint("give --form appeal.json, --poa FILE and/or --attach FILE"));
    }
    Ok(docs)
}

/// What the terminal shows as a flow goes on.
pub fn show(event: Event<'_>) {
    match event {
        Event::KeyringVerified(keyring) => {
            println!(
                "The foundation's keyring (version {}) is signed by the root you gave. Reviewers who will be able to read this case:",
                keyring.version()
            );
            for r in keyring.keyring().reviewers() {
                println!("  - {} ({})", r.public.name, r.public.id);
            }
        }
        Event::DerivingKeys { memory_mib } => {
            // On stderr: `amanat inbox` prints replies on stdout, for saving or piping.
            eprintln!("Deriving your case keys (Argon2id, {memory_mib} MiB)…")
        }
        Event::CaseCreated { codename, case_id } => show_codename(codename, case_id),
        Event::Adding { case_id, count } => {
            println!("Adding {count} document(s) to your case {case_id}.")
        }
        Event::NoLog => println!(
            "Note: the foundation's keyring names no transparency log, so no receipts can be checked."
        ),
        Event::Sent(info) => println!(
            "  sent {}: {} of ciphertext (sha256 {}…)",
            info.kind,
            format_bytes(info.length),
            &amanat_protocol::encoding::hex(&info.sha256)[..16]
        ),
        Event::Witnessing(Witnessing::NotAsked) => {}
        Event::Witnessing(Witnessing::Witnessed { size, witnessed }) => println!(
            "Witnessed: the log's checkpoint of {size} entries, which contains every receipt above (consistency proved), is {}.",
            witnessed.describe()
        ),
        Event::Witnessing(Witnessing::NotYet { latest }) => println!(
            "NOT YET WITNESSED: the foundation asks for {} witness cosignature(s) on the log, and none of the checkpoints seen so far that contain your receipts has them ({}; missing: {}). Your documents are stored; check a saved receipt later with `amanat audit verify`, and tell the foundation if this persists.",
            latest.threshold,
            latest.describe(),
            latest.missing.join(", ")
        ),
    }
}

/// The whole submission, shown on the terminal. Prints the codename once, as soon as the
/// case exists.
pub fn submit_with(
    foundation: &Foundation,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
) -> Result<Submitted> {
    let done = complainant::submit(foundation, docs, settings, &mut show)?;
    println!(
        "Case {}: {} document(s) received by the server, encrypted.",
        done.case_id,
        done.documents.len()
    );
    Ok(done)
}

/// Adds documents to the case a codename stands for, shown on the terminal.
pub fn add_to_case(
    foundation: &Foundation,
    codename: &Codename,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
) -> Result<Submitted> {
    let done = complainant::add_to_case(foundation, codename, docs, settings, &mut show)?;
    println!(
        "Case {}: {} more document(s) received by the server, encrypted.",
        done.case_id,
        done.documents.len()
    );
    Ok(done)
}

fn show_codename(codename: &Codename, case_id: CaseId) {
    let words: Vec<&str> = codename.dangerously_reveal().split(' ').collect();
    println!();
    println!("==================== YOUR CODENAME ====================");
    println!("It is shown only now. Learn it by heart or write it where");
    println!("nobody will find it. With it you can read the foundation's");
    println!("replies and add documents later, from any device.");
    println!();
    for row in words.chunks(3) {
        println!("        {}", row.join("  "));
    }
    println!();
    println!("Practise it with `amanat codename check`.");
    println!("========================================================");
    println!("Case {case_id} created.");
    println!();
}
