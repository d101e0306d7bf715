//! m-of-n recovery of the root key through the real binaries: the admin splits the root into
//! five sheets, the key file is lost, three holders' sheets restore it on another machine,
//! and the restored key signs a keyring the real server accepts and a reviewer's client trusts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use amanat_tests::{Backend, Cli, Foundation, Server};

fn sheet(admin: &Cli, i: u32) -> std::path::PathBuf {
    admin.path(&format!("shares/root-share-{i}-of-5.txt"))
}

#[test]
fn three_of_five_shares_restore_a_root_the_server_accepts() {
    let foundation = Foundation::new();
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    let first = foundation.add_staff("aigerim", "reviewer");
    foundation.set_log(&server);
    foundation.publish(&server);
    first.login(&server, &foundation.fingerprint);

    let admin = &foundation.admin;
    let out = admin.ok(&[
        "admin",
        "root",
        "split",
        "--root-key",
        "root.key",
        "--shares",
        "5",
        "--threshold",
        "3",
        "--out-dir",
        "shares",
    ]);
    assert!(
        out.contains("all 10 combinations of 3 shares restore this root"),
        "{out}"
    );
    for i in 1..=5 {
        let p = sheet(admin, i);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(&format!("share {i} of 5")), "{text}");
        assert!(text.contains(&foundation.fingerprint), "{text}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    // A second split into the same folder would mix old and new sheets: refused.
    let again = admin.run(&[
        "admin",
        "root",
        "split",
        "--root-key",
        "root.key",
        "--shares",
        "5",
        "--threshold",
        "3",
        "--out-dir",
        "shares",
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // The root key file is lost. Three holders bring their sheets to a new machine.
    std::fs::remove_file(admin.path("root.key")).unwrap();
    let recovery = Cli::new();
    for i in [2, 4, 5] {
        std::fs::copy(sheet(admin, i), recovery.path(&format!("holder-{i}.txt"))).unwrap();
    }
    // Holder 4 typed their share in by hand, sloppily but faithfully: only the symbols.
    let typed: String = std::fs::read_to_string(sheet(admin, 4))
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('-', " ");
    std::fs::write(recovery.path("holder-4.txt"), typed.as_bytes()).unwrap();
    let checked = recovery.ok(&[
        "admin",
        "root",
        "check-share",
        "holder-4.txt",
        "--root",
        &foundation.fingerprint,
    ]);
    assert!(
        checked.contains("share 4 of 5") && checked.contains("checksum good"),
        "{checked}"
    );

    // Two sheets are not enough, and a mistyped symbol is caught, never silently used.
    let two = recovery.run(&[
        "admin",
        "root",
        "combine",
        "--share",
        "holder-2.txt",
        "--share",
        "holder-5.txt",
        "--out",
        "root.key",
    ]);
    assert!(!two.status.success());
    let err = String::from_utf8_lossy(&two.stderr);
    assert!(
        err.contains("2 of 5 shares given; this split needs 3"),
        "{err}"
    );
    assert!(!recovery.path("root.key").exists());
    let mut wrong: Vec<char> = typed.chars().collect();
    let pos = wrong
        .iter()
        .position(|c| c.is_ascii_alphanumeric())
        .unwrap()
        + 20;
    let pos = (pos..wrong.len())
        .find(|&i| wrong[i].is_ascii_alphanumeric())
        .unwrap();
    wrong[pos] = if wrong[pos] == 'z' { 'y' } else { 'z' };
    std::fs::write(
        recovery.path("mistyped.txt"),
        wrong.iter().collect::<String>(),
    )
    .unwrap();
    let bad = recovery.run(&[
        "admin",
        "root",
        "combine",
        "--share",
        "holder-2.txt",
        "--share",
        "mistyped.txt",
        "--share",
        "holder-5.txt",
        "--out",
        "root.key",
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("mistyped.txt") && err.contains("checksum"),
        "{err}"
    );
    // Another foundation's fingerprint: refused before a key is written.
    let other = Foundation::new();
    let foreign = recovery.run(&[
        "admin",
        "root",
        "combine",
        "--share",
        "holder-2.txt",
        "--share",
        "holder-4.txt",
        "--share",
        "holder-5.txt",
        "--root",
        &other.fingerprint,
        "--out",
        "root.key",
    ]);
    assert!(!foreign.status.success());
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("another root"));
    assert!(!recovery.path("root.key").exists());

    let restored = recovery.ok(&[
        "admin",
        "root",
        "combine",
        "--share",
        "holder-2.txt",
        "--share",
        "holder-4.txt",
        "--share",
        "holder-5.txt",
        "--root",
        &foundation.fingerprint,
        "--out",
        "root.key",
    ]);
    assert!(
        restored.contains(&format!("Restored root {}", foundation.fingerprint)),
        "{restored}"
    );

    // The restored key signs the next keyring version, adding a colleague; the server
    // accepts it (it checks every keyring against the root it was given) and the new
    // reviewer's client, pinned to the published fingerprint, trusts it.
    std::fs::copy(admin.path("keyring.json"), recovery.path("keyring.json")).unwrap();
    let second = Cli::new();
    second.ok(&[
        "staff",
        "keygen",
        "--id",
        "dana",
        "--name",
        "Dana",
        "--out",
        "staff.key",
        "--public-out",
        "staff.pub",
    ]);
    std::fs::copy(second.path("staff.pub"), recovery.path("dana.pub")).unwrap();
    recovery.ok(&[
        "admin",
        "keyring",
        "add",
        "--root-key",
        "root.key",
        "--staff",
        "dana.pub",
        "--roles",
        "reviewer",
    ]);
    let published = recovery.ok(&[
        "admin",
        "keyring",
        "publish",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(!published.is_empty());
    second.ok(&[
        "staff",
        "login",
        "--key",
        "staff.key",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
    ]);
    let audit = recovery.ok(&[
        "audit",
        "log",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
    ]);
    assert!(audit.contains("dana"), "{audit}");
}
