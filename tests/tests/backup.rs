//! `amanat-server backup` and `restore` through the real binaries: a backup taken while the
//! server serves, restored into a fresh data directory (and, for PostgreSQL, a fresh
//! database), served again; every receipt verifies against the restored log, the audit
//! passes, and a reviewer decrypts every document byte for byte. A damaged backup is refused
//! and leaves nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use amanat_tests::{Backend, Cli, Foundation, Server, Staff, bin, parse_submit, privacy};

struct Sent {
    case: String,
    receipts: Vec<std::path::PathBuf>,
    poa: Vec<u8>,
    surname: String,
}

fn server_args(server: &Server, foundation: &Foundation) -> Vec<String> {
    vec![
        "--server".into(),
        server.url.clone(),
        "--server-cert".into(),
        server.cert_sha256.clone(),
        "--root".into(),
        foundation.fingerprint.clone(),
    ]
}

fn submit(server: &Server, foundation: &Foundation) -> Sent {
    let c = Cli::new();
    let surname = privacy::canary("Backup");
    let form = serde_json::json!({"version": 1, "language": "en",
        "identity": {"surname": surname, "given_name": "Saule"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let poa = format!("%PDF-1.4 {}", privacy::canary("poa")).into_bytes();
    std::fs::write(c.path("poa.pdf"), &poa).unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(server_args(server, foundation));
    args.extend(
        [
            "--form",
            "appeal.json",
            "--poa",
            "poa.pdf",
            "--receipt",
            "receipts",
        ]
        .map(String::from),
    );
    let out = c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let receipts: Vec<std::path::PathBuf> = std::fs::read_dir(c.path("receipts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // The receipts outlive the complainant's throwaway HOME.
    let keep = tempfile::Builder::new()
        .prefix("receipts-")
        .tempdir()
        .unwrap()
        .keep();
    let receipts: Vec<_> = receipts
        .into_iter()
        .map(|p: std::path::PathBuf| {
            let to = keep.join(p.file_name().unwrap());
            std::fs::copy(&p, &to).unwrap();
            to
        })
        .collect();
    Sent {
        case: parse_submit(&out).case_id,
        receipts,
        poa,
        surname,
    }
}

fn server_cmd(args: &[&str]) -> Output {
    Command::new(bin("amanat-server"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn check_restored(
    restored: &Server,
    foundation: &Foundation,
    reviewer: &Staff,
    sent: &[Sent],
    log_size: u64,
) {
    let auditor = Cli::new();
    let mut args = vec!["audit".to_owned(), "log".to_owned()];
    args.extend(server_args(restored, foundation));
    args.push("--json".into());
    let audit = auditor.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let figures: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(figures["entries"], log_size);
    assert_eq!(figures["cases_with_power_of_attorney"], sent.len());
    for s in sent {
        for r in &s.receipts {
            let mut args = vec![
                "audit".to_owned(),
                "verify".to_owned(),
                r.display().to_string(),
            ];
            args.extend(server_args(restored, foundation));
            let out = auditor.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(out.contains("still contains it"), "{out}");
        }
    }
    reviewer.login(restored, &foundation.fingerprint);
    for (i, s) in sent.iter().enumerate() {
        let dir = format!("opened-{i}-{}", amanat_tests::random_hex(4));
        reviewer.cli.ok(&[
            "staff",
            "open",
            &s.case,
            "--out",
            &dir,
            "--key",
            "staff.key",
        ]);
        let files: Vec<_> = std::fs::read_dir(reviewer.cli.path(&dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let read = |kind: &str| {
            let p = files
                .iter()
                .find(|p| p.file_name().unwrap().to_string_lossy().contains(kind))
                .unwrap_or_else(|| panic!("no {kind} in {files:?}"));
            std::fs::read(p).unwrap()
        };
        assert_eq!(read("power-of-attorney"), s.poa);
        let form: serde_json::Value = serde_json::from_slice(&read("appeal-form")).unwrap();
        assert_eq!(form["identity"]["surname"], s.surname.as_str());
    }
}

fn backup_and_restore(backend: Backend, restore_url: Option<String>) {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, backend.clone());
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    let sent: Vec<Sent> = (0..3).map(|_| submit(&server, &foundation)).collect();
    let checkpoint = server.http().get("/v1/log/checkpoint", None).json.unwrap();
    let log_size: u64 = checkpoint["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();

    // While the server serves.
    let backups = tempfile::tempdir().unwrap();
    let b = backups.path().join("b1");
    let config = server.dir().join("config.toml");
    let out = server_cmd(&[
        "backup",
        "--config",
        config.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("encrypt it"), "{}", text(&out));
    // The server is still serving, and nothing it holds is in the clear in the backup.
    assert_eq!(server.http().get("/v1/health", None).status, 200);
    let mut files = Vec::new();
    amanat_tests::walk(&b, &mut files);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for s in &sent {
            assert!(
                !bytes
                    .windows(s.surname.len())
                    .any(|w| w == s.surname.as_bytes()),
                "{} holds plaintext",
                f.display()
            );
        }
    }
    // A second backup into the same folder is refused.
    let again = server_cmd(&[
        "backup",
        "--config",
        config.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(text(&again).contains("not empty"), "{}", text(&again));

    // Restored into a fresh directory and served.
    let data = tempfile::Builder::new()
        .prefix("amanat-restored-")
        .tempdir()
        .unwrap();
    let srv = data.path().join("srv");
    let mut args = vec![
        "restore".to_owned(),
        "--from".into(),
        b.display().to_string(),
        "--data".into(),
        srv.display().to_string(),
    ];
    if let Some(url) = &restore_url {
        args.extend(["--database-url".into(), url.clone()]);
    }
    let out = server_cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("log of {log_size} entries")),
        "{}",
        text(&out)
    );
    let verify = server_cmd(&[
        "verify",
        "--config",
        srv.join("config.toml").to_str().unwrap(),
    ]);
    assert!(verify.status.success(), "{}", text(&verify));
    let restored_backend = match restore_url {
        Some(url) => Backend::Postgres(url),
        None => Backend::Sqlite,
    };
    // The original keeps running beside the restored one.
    let restored = Server::start_existing(data, restored_backend, &server);
    check_restored(&restored, &foundation, &reviewer, &sent, log_size);
}

#[test]
fn a_backup_taken_while_serving_restores_and_verifies_sqlite() {
    backup_and_restore(Backend::Sqlite, None);
}

#[test]
fn a_backup_taken_while_serving_restores_and_verifies_postgres() {
    let Some(source) = Backend::postgres_from_env() else {
        return;
    };
    let target =
        amanat_tests::fresh_postgres_database(&std::env::var("AMANAT_TEST_POSTGRES_URL").unwrap());
    backup_and_restore(source, Some(target));
}

/// Flips one byte of the file at `path`.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_backup_is_refused_and_leaves_nothing_behind() {
    let foundation = Foundation::new();
    let _reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    submit(&server, &foundation);
    let backups = tempfile::tempdir().unwrap();
    let b = backups.path().join("b");
    let config = server.dir().join("config.toml");
    let out = server_cmd(&[
        "backup",
        "--config",
        config.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let restore = |from: &Path| {
        let data = backups
            .path()
            .join(format!("r-{}", amanat_tests::random_hex(4)));
        let out = server_cmd(&[
            "restore",
            "--from",
            from.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ]);
        (out, data)
    };
    let copy = |name: &str| {
        let to = backups.path().join(name);
        let status = Command::new("cp")
            .arg("-a")
            .arg(&b)
            .arg(&to)
            .status()
            .unwrap();
        assert!(status.success());
        to
    };

    // A flipped byte in a blob.
    let bad_blob = copy("bad-blob");
    let mut files = Vec::new();
    amanat_tests::walk(&bad_blob.join("blobs"), &mut files);
    damage(&files[0]);
    let (out, data) = restore(&bad_blob);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("does not hash to its name"),
        "{}",
        text(&out)
    );
    assert!(!data.exists(), "a failed restore left {}", data.display());

    // A flipped byte in the database snapshot.
    let bad_db = copy("bad-db");
    damage(&bad_db.join("amanat.db"));
    let (out, data) = restore(&bad_db);
    assert!(!out.status.success());
    assert!(text(&out).contains("backup is damaged"), "{}", text(&out));
    assert!(!data.exists());

    // An unfinished backup (no manifest).
    let unfinished = copy("unfinished");
    std::fs::remove_file(unfinished.join("backup.json")).unwrap();
    let (out, _) = restore(&unfinished);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not a finished backup"),
        "{}",
        text(&out)
    );

    // A PostgreSQL URL for a SQLite backup.
    let out = server_cmd(&[
        "restore",
        "--from",
        b.to_str().unwrap(),
        "--data",
        backups.path().join("r-pg").to_str().unwrap(),
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("same kind of database"),
        "{}",
        text(&out)
    );

    // The untouched backup still restores.
    let (out, data) = restore(&b);
    assert!(out.status.success(), "{}", text(&out));
    assert!(data.join("config.toml").exists());
}
