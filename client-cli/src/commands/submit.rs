//! `amanat submit`: verify the foundation's keyring against the pinned root, make a
//! codename, derive the case keys, encrypt every document on this device while uploading
//! it, and wrap the case key for each reviewer. Nothing is written to disk.

use std::path::{Path, PathBuf};

use amanat_protocol::codename::{CaseKeys, Codename};
use amanat_protocol::envelope::DocumentMeta;
use amanat_protocol::form::AppealForm;
use amanat_protocol::grant;
use amanat_protocol::ids::CaseId;
use amanat_protocol::keyring::{Fingerprint, KeyringPin, VerifiedKeyring};
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::wire::{CreateCase, DocumentInfo, DocumentKind};

use crate::api::{Api, Endpoint};
use crate::cli::SubmitArgs;
use crate::commands::{format_bytes, wizard};
use crate::error::{CliError, Result};
use crate::upload;

/// A document about to be encrypted: where its bytes come from and what it is.
pub struct Outgoing {
    pub meta: DocumentMeta,
    pub source: Source,
}

pub enum Source {
    File(PathBuf),
    Memory(Vec<u8>),
}

/// What a successful submission produced.
pub struct Submitted {
    #[cfg_attr(not(feature = "demo"), allow(dead_code))]
    pub case_id: CaseId,
    pub documents: Vec<DocumentInfo>,
}

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
    let endpoint = Endpoint::new(
        &args.server.server,
        args.server.server_cert.as_deref(),
        args.server.proxy.as_deref(),
    )?;
    let root = Fingerprint::parse(&args.root.root)?;
    if let Some(dir) = &args.receipt {
        std::fs::create_dir_all(dir).map_err(|e| CliError::file("create", dir, e))?;
    }
    let settings = upload::Settings {
        resume_dir: args.resume_dir.clone(),
        quiet: args.quiet,
    };
    let done = match codename {
        Some(c) => add_to_case(
            &endpoint,
            root,
            args.root.min_keyring_version,
            &c,
            docs,
            &settings,
        )?,
        None => submit_with(
            &endpoint,
            root,
            args.root.min_keyring_version,
            docs,
            &settings,
        )?,
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
        docs.push(file_doc(DocumentKind::PowerOfAttorney, path)?);
    }
    for path in &args.attach {
        docs.push(file_doc(DocumentKind::Attachment, path)?);
    }
    if docs.is_empty() {
        return Err(CliError::new("nothing to send")
            .hint("give --form appeal.json, --poa FILE and/or --attach FILE"));
    }
    Ok(docs)
}

/// Validates a JSON appeal form and wraps it as a document.
pub fn form_doc(text: &str, label: &str) -> Result<Outgoing> {
    let form = AppealForm::from_json(text).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        CliError::new(format!(
            "the appeal form {label} has problems:\n{}",
            list.join("\n")
        ))
        .hint("fix these fields and run the command again; nothing was sent")
    })?;
    // Re-encode the validated form, so what is sent is exactly what was checked.
    let json = serde_json::to_vec_pretty(&form).map_err(|e| CliError::new(e.to_string()))?;
    Ok(Outgoing {
        meta: DocumentMeta {
            kind: DocumentKind::AppealForm,
            name: Some("appeal-form.json".into()),
            media_type: "application/json".into(),
            length: json.len() as u64,
        },
        source: Source::Memory(json),
    })
}

pub fn file_doc(kind: DocumentKind, path: &Path) -> Result<Outgoing> {
    let md = std::fs::metadata(path).map_err(|e| CliError::file("read", path, e))?;
    if !md.is_file() {
        return Err(CliError::new(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(Outgoing {
        meta: DocumentMeta {
            kind,
            media_type: media_type(path).into(),
            name,
            length: md.len(),
        },
        source: Source::File(path.to_owned()),
    })
}

fn media_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heic" => "image/heic",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "json" => "application/json",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The whole submission. Prints the codename once, as soon as the case exists.
pub fn submit(
    endpoint: &Endpoint,
    root: Fingerprint,
    min_version: u64,
    docs: Vec<Outgoing>,
) -> Result<Submitted> {
    submit_with(
        endpoint,
        root,
        min_version,
        docs,
        &upload::Settings::default(),
    )
}

/// [`submit`] with the upload settings from the command line.
pub fn submit_with(
    endpoint: &Endpoint,
    root: Fingerprint,
    min_version: u64,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
) -> Result<Submitted> {
    let mut api = Api::connect(endpoint)?;
    let mut pin = KeyringPin::new(root).with_min_version(min_version);
    let mut keyring = fetch_keyring(&api, &mut pin)?;

    println!(
        "The foundation's keyring (version {}) is signed by the root you gave. Reviewers who will be able to read this case:",
        keyring.version()
    );
    for r in keyring.keyring().reviewers() {
        println!("  - {} ({})", r.public.name, r.public.id);
    }

    let codename = Codename::generate();
    let (m, _, _) = codename.version().argon2();
    println!(
        "Deriving your case keys from a new codename (Argon2id, {} MiB)…",
        m / 1024
    );
    let keys = codename.derive(&root)?;
    let case_id = CaseId::random();

    let mut attempt = 0;
    loop {
        let request = create_request(case_id, &keys, &keyring)?;
        match api.create_case(&request) {
            Ok(_) => break,
            // The keyring changed between our fetch and the upload: verify the new one
            // (rollback-checked by the pin) and wrap again, once.
            Err(f) if f.code() == Some("stale_keyring") && attempt == 0 => {
                attempt += 1;
                keyring = fetch_keyring(&api, &mut pin)?;
            }
            Err(f) => return Err(f.into()),
        }
    }
    show_codename(&codename, case_id);

    api.login(keys.auth())?;
    let log = match &keyring.keyring().log {
        Some(l) => Some(l.verifier()?),
        None => {
            println!(
                "Note: the foundation's keyring names no transparency log, so no receipts can be checked."
            );
            None
        }
    };
    let documents = upload_all(&mut api, case_id, &keys, docs, log.as_ref(), settings)?;
    println!(
        "Case {case_id}: {} document(s) received by the server, encrypted.",
        documents.len()
    );
    Ok(Submitted { case_id, documents })
}

/// Adds documents to the case a codename stands for (e.g. the power of attorney, weeks
/// after the form). The same keys come out of the codename on any device.
pub fn add_to_case(
    endpoint: &Endpoint,
    root: Fingerprint,
    min_version: u64,
    codename: &Codename,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
) -> Result<Submitted> {
    let (mut api, keys, keyring) =
        crate::commands::inbox::sign_in(endpoint, root, min_version, codename)?;
    let me = api.me()?;
    println!(
        "Adding {} document(s) to your case {}.",
        docs.len(),
        me.case_id
    );
    let log = keyring
        .keyring()
        .log
        .as_ref()
        .map(|l| l.verifier())
        .transpose()?;
    let documents = upload_all(&mut api, me.case_id, &keys, docs, log.as_ref(), settings)?;
    println!(
        "Case {}: {} more document(s) received by the server, encrypted.",
        me.case_id,
        documents.len()
    );
    Ok(Submitted {
        case_id: me.case_id,
        documents,
    })
}

fn fetch_keyring(api: &Api, pin: &mut KeyringPin) -> Result<VerifiedKeyring> {
    let signed = api.keyring()?;
    let verified = pin.accept(&signed)?;
    if verified.keyring().reviewers().next().is_none() {
        return Err(CliError::new(
            "the foundation's keyring lists no reviewers, so nobody could read your case",
        )
        .hint("nothing was sent; contact the foundation through another channel"));
    }
    Ok(verified)
}

fn create_request(
    case_id: CaseId,
    keys: &CaseKeys,
    keyring: &VerifiedKeyring,
) -> Result<CreateCase> {
    let grants = keyring
        .keyring()
        .reviewers()
        .map(|r| grant::wrap(case_id, keys.identity(), r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CreateCase {
        case_id,
        auth_key: keys.auth_public(),
        commitment: keys.commitment(&case_id)?,
        keyring_version: keyring.version(),
        grants,
    })
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

pub fn upload_all(
    api: &mut Api,
    case_id: CaseId,
    keys: &CaseKeys,
    docs: Vec<Outgoing>,
    log: Option<&NoteVerifier>,
    settings: &upload::Settings,
) -> Result<Vec<DocumentInfo>> {
    let commitment = keys.commitment(&case_id)?;
    let mut done = Vec::new();
    for doc in docs {
        let kind = doc.meta.kind;
        let info = upload(api, case_id, keys, doc, settings)?;
        if let Some(verifier) = log {
            check_receipt(&info, &commitment, verifier)?;
        }
        println!(
            "  sent {kind}: {} of ciphertext (sha256 {}…)",
            format_bytes(info.length),
            &amanat_protocol::encoding::hex(&info.sha256)[..16]
        );
        done.push(info);
    }
    Ok(done)
}

/// Encrypts on one thread while this one sends the ciphertext (see `crate::upload`): a small
/// document in one request, a large one in resumable chunks that survive dropped connections
/// and server restarts. Neither needs memory for the whole document nor a temporary file
/// (unless `--resume-dir` asks for one). The server's hash and length must match ours.
pub fn upload(
    api: &mut Api,
    case_id: CaseId,
    keys: &CaseKeys,
    doc: Outgoing,
    settings: &upload::Settings,
) -> Result<DocumentInfo> {
    let recipient = keys.recipient();
    let mut target = upload::Target {
        api,
        auth: keys.auth(),
        case_id,
        recipient: &recipient,
    };
    upload::send(&mut target, doc, settings)
}

/// A document's receipt must be signed by the keyring's log and record exactly this upload.
fn check_receipt(
    info: &DocumentInfo,
    commitment: &[u8; 32],
    verifier: &NoteVerifier,
) -> Result<()> {
    let text = info.receipt.as_deref().ok_or_else(|| {
        CliError::new("the server stored the document but gave no receipt")
            .hint("the foundation's log may be misconfigured; tell them")
    })?;
    let verified = crate::commands::audit::verify_receipt(text, verifier)?;
    let expected = Entry::DocumentReceived(DocumentReceived {
        case: *commitment,
        document: info.document_id,
        kind: info.kind,
        sha256: info.sha256,
        length: info.length,
        received_at: info.received_at,
    });
    if verified.entry != expected {
        return Err(
            CliError::new("the receipt records something other than this upload").hint(
                "the server may be misbehaving; your document was sent, but keep this output",
            ),
        );
    }
    Ok(())
}
