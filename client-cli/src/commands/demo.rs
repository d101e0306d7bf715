//! `amanat demo`: every role on this machine against a real server started in-process on a
//! free loopback port, with a temporary SQLite database and blob folder. It runs the same
//! functions as the subcommands, narrates each step, shows what the server stored, and
//! deletes everything at the end.

use std::net::TcpListener;
use std::path::Path;
use std::time::Instant;

use age::secrecy::SecretString;
use amanat_protocol::encoding::b64;

use crate::api::Endpoint;
use crate::cli::{DemoArgs, RootArgs, ServerArgs, SessionArgs};
use crate::commands::submit;
use crate::commands::{admin, format_bytes, staff};
use crate::error::{CliError, Result};
use crate::secrets::PassphraseSource;
use amanat_client::complainant::Foundation;
use amanat_client::document::{self, Outgoing, Source};

/// An invented person; nothing here is real.
const FORM: &str = r#"{
  "version": 1,
  "language": "ru",
  "identity": {
    "surname": "Демонстрационова",
    "given_name": "Әлия",
    "patronymic": "Серікқызы",
    "age": 27,
    "city": "Алматы",
    "occupation": "блогер"
  },
  "incidents": [
    {
      "event": "rally-2018-05-10",
      "date": "2018-05-10",
      "city": "Алматы",
      "description": "Задержана у площади, телефон изъят, заставили подписать объяснительную."
    }
  ],
  "consent": { "publish_name": true, "publish_age": true, "publish_city": true }
}"#;

const SECRET_WORD: &str = "Демонстрационова";

fn step(n: u32, text: &str) {
    println!();
    println!("━━━ [{n}/8] {text}");
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("amanat-demo-")
        .tempdir()
        .map_err(|e| CliError::new(format!("cannot make a temporary folder: {e}")))?;
    let dir = work.path();
    println!("Amanat demo: every role on this machine, against a throwaway server.");
    println!(
        "Working folder: {} ({})",
        dir.display(),
        if args.keep {
            "kept"
        } else {
            "deleted at the end"
        }
    );
    let pass = PassphraseSource::Literal(SecretString::from(
        "demo passphrase, not a secret".to_owned(),
    ));

    step(1, "Admin: the foundation's root key");
    let root = admin::init(&dir.join("root.key"), &pass)?;
    let fingerprint = root.fingerprint();

    step(
        2,
        "Operator: a server that knows only the root's public key",
    );
    let data = dir.join("server");
    let report = amanat_server::init_data_dir(&amanat_server::InitOptions {
        data_dir: data.clone(),
        root_key: b64(root.public().as_bytes()),
        hostnames: Vec::new(),
        database_url: None,
        listen: None,
    })
    .map_err(|e| CliError::new(format!("server init failed: {e}")))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| CliError::new(format!("cannot bind a loopback port: {e}")))?;
    let server = amanat_server::spawn(report.config.clone(), listener)
        .map_err(|e| CliError::new(format!("the server did not start: {e}")))?;
    let url = format!("https://{}", server.addr());
    println!(
        "Server listening on {url}; SQLite database and blob folder under {}",
        data.display()
    );
    println!(
        "Its TLS certificate's SHA-256 (clients pin it): {}",
        report.cert_sha256
    );
    let server_args = ServerArgs {
        server: url.clone(),
        server_cert: Some(report.cert_sha256.clone()),
        proxy: None,
    };
    let root_args = RootArgs {
        root: fingerprint.to_string(),
        min_keyring_version: 0,
    };
    let log_key: [u8; 32] = amanat_protocol::encoding::from_b64("log key", &report.log_public_key)?
        .try_into()
        .map_err(|_| CliError::new("the server's log key is not 32 bytes"))?;
    let log = amanat_protocol::keyring::LogKey {
        origin: report.log_origin.clone(),
        key: log_key,
    };
    let outcome = journey(dir, &pass, &root, &server_args, &root_args, &data, &log);
    server.stop();
    outcome?;

    step(8, "Cleaning up");
    if args.keep {
        let kept = work.keep();
        println!("Kept {}.", kept.display());
    } else {
        drop(work);
        println!("Server stopped; temporary folder deleted. Nothing was left on this machine.");
    }
    println!("Demo finished in {:.1} s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn journey(
    dir: &Path,
    pass: &PassphraseSource,
    root: &amanat_protocol::keyring::RootKey,
    server_args: &ServerArgs,
    root_args: &RootArgs,
    data: &Path,
    log: &amanat_protocol::keyring::LogKey,
) -> Result<()> {
    step(
        3,
        "Reviewer Aigerim makes her keys; the admin signs a keyring with her in it and publishes it",
    );
    let keys = staff::keygen(
        "aigerim",
        "Aigerim (reviewer)",
        &dir.join("aigerim.key"),
        None,
        pass,
    )?;
    let keyring_path = dir.join("keyring.json");
    let v = admin::amend(&keyring_path, root, |k| {
        k.log = Some(log.clone());
        admin::add_member(k, keys.public(), &["reviewer".into()])
    })?;
    println!(
        "Signed keyring version {} with the root key; it names Aigerim and the server's transparency log {}.",
        v.version(),
        log.origin
    );
    let endpoint = Endpoint::new(
        &server_args.server,
        server_args.server_cert.as_deref(),
        None,
    )?;
    let accepted = crate::api::Api::connect(&endpoint)?.publish_keyring(v.signed())?;
    println!(
        "The server checked the root's signature and accepted version {}.",
        accepted.version
    );

    step(
        4,
        "Complainant: an appeal form and a power of attorney, encrypted on this device and sent",
    );
    let poa = dir.join("power-of-attorney.pdf");
    std::fs::write(&poa, format!("%PDF-1.4\n% scanned power of attorney of {SECRET_WORD}, passport N 0000000 (invented)\n"))
        .map_err(|e| CliError::file("write", &poa, e))?;
    let docs: Vec<Outgoing> = vec![
        document::form_json(FORM, "(demo form)")?,
        document::file(amanat_protocol::wire::DocumentKind::PowerOfAttorney, &poa)?,
        Outgoing {
            meta: amanat_protocol::envelope::DocumentMeta {
                kind: amanat_protocol::wire::DocumentKind::Attachment,
                name: Some("photo-of-detention.jpg".into()),
                media_type: "image/jpeg".into(),
                length: 150_000,
            },
            source: Source::Memory((0..150_000u32).map(|i| (i % 251) as u8).collect()),
        },
    ];
    let foundation = Foundation {
        endpoint: endpoint.clone(),
        root: root.fingerprint(),
        min_keyring_version: 0,
    };
    let submitted = submit::submit_with(
        &foundation,
        docs,
        &amanat_client::upload::Settings {
            resume_dir: None,
            report: crate::progress::terminal(false),
            ..Default::default()
        },
    )?;

    step(5, "What the server holds");
    let mut blobs = Vec::new();
    let blob_root = data.join("blobs");
    collect_files(&blob_root, &mut blobs);
    blobs.retain(|p| {
        !p.strip_prefix(&blob_root)
            .is_ok_and(|rel| rel.starts_with("tmp"))
    });
    println!(
        "{} ciphertext file(s) in the blob store, named by their SHA-256:",
        blobs.len()
    );
    for b in &blobs {
        let len = std::fs::metadata(b).map(|m| m.len()).unwrap_or(0);
        let name = b
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "  {}…  {:>10}  (padded; the plaintext size is hidden)",
            &name[..16.min(name.len())],
            format_bytes(len)
        );
    }
    for d in &submitted.documents {
        println!(
            "  metadata: {} {} received, {} of ciphertext",
            d.document_id,
            d.kind,
            format_bytes(d.length)
        );
    }
    let mut all = Vec::new();
    collect_files(data, &mut all);
    let needle = SECRET_WORD.as_bytes();
    let found: Vec<_> = all
        .iter()
        .filter(|p| {
            std::fs::read(p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
        .collect();
    println!(
        "Searched every byte of the server's {} file(s) (database, WAL, blobs, config) for the surname {SECRET_WORD:?}: {}",
        all.len(),
        if found.is_empty() {
            "not found.".to_owned()
        } else {
            format!("FOUND in {found:?}")
        }
    );
    if !found.is_empty() {
        return Err(CliError::new("plaintext reached the server; this is a bug"));
    }

    step(
        6,
        "Reviewer: signs in, lists the cases, and decrypts this one on her own machine",
    );
    let session = SessionArgs {
        session: Some(dir.join("staff-session.json")),
    };
    let saved = staff::login(&keys, server_args, root_args, &session)?;
    let api = saved.api()?;
    staff::cases(&api)?;
    let out = dir.join("case");
    let files = staff::open(&api, &keys, &submitted.case_id.to_string(), &out, true)?;
    if let Some((_, form_path)) = files
        .iter()
        .find(|(m, _)| m.kind == amanat_protocol::wire::DocumentKind::AppealForm)
    {
        let text =
            std::fs::read_to_string(form_path).map_err(|e| CliError::file("read", form_path, e))?;
        let form = amanat_protocol::form::AppealForm::from_json(&text)
            .map_err(|_| CliError::new("the decrypted form does not parse"))?;
        println!(
            "Decrypted appeal form: {} {}, aged {}, {}; {} incident(s), first: {} on {}.",
            form.identity.surname,
            form.identity.given_name,
            form.identity
                .age
                .map(|a| a.to_string())
                .unwrap_or_else(|| "?".into()),
            form.identity.city.as_deref().unwrap_or("?"),
            form.incidents.len(),
            form.incidents
                .first()
                .map(|i| i.event.as_str())
                .unwrap_or("-"),
            form.incidents
                .first()
                .map(|i| i.date.as_str())
                .unwrap_or("-"),
        );
    }
    if let Some(poa) = submitted
        .documents
        .iter()
        .find(|d| d.kind == amanat_protocol::wire::DocumentKind::PowerOfAttorney)
    {
        println!("Aigerim checks the power of attorney and signs her acceptance into the log:");
        staff::ack(
            &saved,
            &keys,
            &submitted.case_id.to_string(),
            &poa.document_id.to_string(),
            amanat_protocol::log::entry::Verdict::Accepted,
            None,
            true,
        )?;
    }
    println!(
        "The complainant can come back with the codename printed above; the server never saw it."
    );

    step(
        7,
        "Auditor: counts complete cases from the public log alone, reading nothing",
    );
    let fingerprint = amanat_protocol::keyring::Fingerprint::parse(&root_args.root)?;
    crate::commands::audit::audit_log(&api, fingerprint, 0, None, false)?;
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}
