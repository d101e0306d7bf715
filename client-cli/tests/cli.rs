//! The `amanat` binary on its own: help texts with examples, codename practice, and form
//! validation that names every problem before anything touches the network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn amanat(args: &[&str], stdin: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_amanat"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .current_dir(home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // The complainant's device: nothing may be left behind in HOME.
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "amanat {args:?} wrote into HOME"
    );
    out
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for sub in [
        vec!["submit"],
        vec!["codename", "check"],
        vec!["staff", "keygen"],
        vec!["staff", "login"],
        vec!["staff", "cases"],
        vec!["staff", "open"],
        vec!["admin", "init"],
        vec!["admin", "keyring", "add"],
        vec!["admin", "keyring", "remove"],
        vec!["admin", "keyring", "show"],
        vec!["admin", "keyring", "publish"],
        vec!["demo"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        let out = amanat(&args, "");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{sub:?}");
        assert!(
            text.contains("Example"),
            "`amanat {}` help has no example:\n{text}",
            sub.join(" ")
        );
    }
}

#[test]
fn codename_check_accepts_good_and_explains_bad() {
    let good = amanat_protocol::codename::Codename::generate();
    let out = amanat(
        &["codename", "check", "--stdin"],
        &format!("{}\n", good.dangerously_reveal()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("well-formed"));

    let mut words: Vec<&str> = good.dangerously_reveal().split(' ').collect();
    words[4] = "notaword";
    let out = amanat(&["codename", "check", "--stdin"], &words.join(" "));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().next().unwrap(),
        "error: the codename is not valid: word 5 is not in the word list; check its spelling"
    );
    // Single words may coincide with the message's own ("word", "check"); an echo of the
    // codename shows as two of its words in a row.
    for pair in words.windows(2) {
        assert!(
            !err.contains(&pair.join(" ")),
            "the error echoes the codename"
        );
    }

    let out = amanat(&["codename", "check", "--stdin"], "one two three");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "a codename has 11 words (9 if it was made before December 2026); 3 were given"
        )
    );
}

#[test]
fn a_bad_form_is_refused_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("appeal.json");
    std::fs::write(
        &form,
        r#"{"version": 1, "language": "kk",
            "identity": {"surname": "", "given_name": "Ерлан", "age": 7},
            "incidents": [{"event": "picnic", "date": "2018-13-01"}]}"#,
    )
    .unwrap();
    let out = amanat(
        &[
            "submit",
            "--server",
            "https://127.0.0.1:1",
            "--root",
            "0000",
            "--form",
            form.to_str().unwrap(),
        ],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "identity.surname: must not be empty",
        "identity.age: must be between 10 and 120",
        "incidents[0].event: must be one of",
        "incidents[0].date: must be a real date written YYYY-MM-DD",
        "nothing was sent",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn refuses_plain_http_and_bad_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let poa = dir.path().join("poa.pdf");
    std::fs::write(&poa, b"%PDF").unwrap();
    let out = amanat(
        &[
            "submit",
            "--server",
            "http://127.0.0.1:1",
            "--root",
            "x",
            "--poa",
            poa.to_str().unwrap(),
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not https://"));
    let out = amanat(
        &[
            "submit",
            "--server",
            "https://127.0.0.1:1",
            "--root",
            "not-a-fingerprint",
            "--poa",
            poa.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("root fingerprint"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
