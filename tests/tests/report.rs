//! The annex through the real binaries: ~150 synthetic complainants submit with
//! `amanat submit`, a reviewer acknowledges their powers of attorney with `amanat staff
//! ack`, and `amanat staff report` must state exactly what the generator knows is true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use amanat_tests::synthetic::{self, SynthCase, Verdict};
use amanat_tests::{Backend, Foundation, Server, Staff};

/// How many complainants; `AMANAT_SYNTHETIC_CASES` overrides (e.g. 20 for a quick run).
fn case_count() -> usize {
    std::env::var("AMANAT_SYNTHETIC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

struct World {
    foundation: Foundation,
    reviewer: Staff,
    server: Server,
}

impl World {
    fn server_args(&self) -> Vec<String> {
        vec![
            "--server".into(),
            self.server.url.clone(),
            "--server-cert".into(),
            self.server.cert_sha256.clone(),
            "--root".into(),
            self.foundation.fingerprint.clone(),
        ]
    }

    /// One complainant, their own HOME: returns the case id.
    fn submit(&self, c: &SynthCase) -> String {
        synthetic::submit(&self.server_args(), c).case_id
    }

    fn poa_id(&self, case: &str) -> String {
        let detail = self
            .server
            .http()
            .get(&format!("/v1/cases/{case}"), Some(&self.reviewer.token()));
        let json = detail.json.unwrap();
        json["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "power-of-attorney")
            .unwrap()["document_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn ack_batch(
        &self,
        verdicts: &[(String, Verdict)],
        poa_ids: &std::collections::HashMap<String, String>,
        name: &str,
    ) {
        if verdicts.is_empty() {
            return;
        }
        let lines: String = verdicts
            .iter()
            .map(|(id, v)| match v {
                Verdict::Accept => format!("{id} {} accept\n", poa_ids[id]),
                Verdict::Reject(r) => format!("{id} {} reject {r}\n", poa_ids[id]),
            })
            .collect();
        // Outside the reviewer's HOME, which the test later checks is left clean.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("{name}.verdicts"));
        std::fs::write(&file, lines).unwrap();
        let out = self.reviewer.cli.ok(&[
            "staff",
            "ack-batch",
            file.to_str().unwrap(),
            "--key",
            "staff.key",
        ]);
        assert!(
            out.contains(&format!(
                "{} acknowledgement(s) logged, 0 failed",
                verdicts.len()
            )),
            "{out}"
        );
    }
}

/// Where a run keeps the rendered annex for people to look at: target/amanat-report/.
fn keep_dir() -> PathBuf {
    let dir = amanat_tests::bin_dir().join("..").join("amanat-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn synthetic_cases_through_the_real_binaries() {
    let started = Instant::now();
    let n = case_count();
    let cases = synthetic::generate(n, 0x414d_414e_4154);
    let truth = synthetic::expected(&cases);

    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    let w = World {
        foundation,
        reviewer,
        server,
    };

    let set_up = started.elapsed();
    let ids = synthetic::parallel(&cases, |c| w.submit(c));
    let submitted = started.elapsed();
    eprintln!("set up in {set_up:.1?}, {n} cases submitted by {submitted:.1?}");

    let to_ack: Vec<(String, Verdict)> = cases
        .iter()
        .zip(&ids)
        .filter(|(c, _)| c.poa)
        .flat_map(|(c, id)| c.verdicts.iter().map(move |v| (id.clone(), *v)))
        .collect();
    let poa_ids: std::collections::HashMap<String, String> = cases
        .iter()
        .zip(&ids)
        .filter(|(c, _)| c.poa && !c.verdicts.is_empty())
        .map(|(_, id)| (id.clone(), w.poa_id(id)))
        .collect();
    // A case's verdicts must land in order: the first round on two threads, then the
    // few second verdicts.
    let (first, second): (Vec<_>, Vec<_>) = {
        let mut seen = std::collections::HashSet::new();
        to_ack
            .into_iter()
            .partition(|(id, _)| seen.insert(id.clone()))
    };
    // One `staff ack-batch` per round: the key file is unlocked once, not once per case.
    w.ack_batch(&first, &poa_ids, "first");
    w.ack_batch(&second, &poa_ids, "second");
    let acknowledged = started.elapsed();
    eprintln!("acknowledged by {acknowledged:.1?}");

    let out = w.reviewer.cli.ok(&[
        "staff",
        "report",
        "--out",
        "report",
        "--format",
        "md,csv,html,json",
        "--lang",
        "ru",
        "--key",
        "staff.key",
    ]);
    let dir = w.reviewer.cli.path("report");
    let figures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("figures.json")).unwrap()).unwrap();
    let got = synthetic::from_report(&figures);
    assert_eq!(
        got, truth,
        "the report's figures differ from the generator's"
    );
    let headline = format!("{} человек", truth.complete);
    assert!(out.contains(&headline), "{out}");
    let reported = started.elapsed();

    // The annex: grouped by place, names in Russian order, and only consented fields.
    let md = std::fs::read_to_string(dir.join("annex.md")).unwrap();
    assert!(
        md.contains("# Список лиц, от имени которых подана жалоба"),
        "{md}"
    );
    assert!(
        md.contains("## Алматы") && md.contains("## Каскелен"),
        "{md}"
    );
    assert!(
        !md.contains("## Almaty") && !md.contains("## Қарағанды"),
        "{md}"
    );
    for c in &cases {
        let Some(form) = &c.form else { continue };
        let named = c.complete() && form["consent"]["publish_name"] == true;
        // Whole annex lines: "N. Surname Given Patronymic (…)", so a shorter name that
        // is a prefix of someone else's does not count.
        let line = format!(". {} (", c.full_name);
        assert_eq!(
            md.contains(&line),
            named,
            "{} is {} the annex",
            c.full_name,
            if named { "missing from" } else { "wrongly in" }
        );
    }
    let follow = std::fs::read_to_string(dir.join("follow-up.md")).unwrap();
    assert!(follow.contains("не публиковать"), "{follow}");
    let html = std::fs::read_to_string(dir.join("annex.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"));
    assert!(
        !html.contains("src=\"http"),
        "the HTML must not load anything"
    );
    for name in ["annex.csv", "figures.csv", "follow-up.csv"] {
        assert!(dir.join(name).exists(), "{name}");
    }

    // --encrypt: the same report, but only age files, readable with the reviewer's key.
    w.reviewer.cli.ok(&[
        "staff",
        "report",
        "--out",
        "sealed",
        "--format",
        "json,html",
        "--encrypt",
        "--lang",
        "ru",
        "--key",
        "staff.key",
    ]);
    let sealed = w.reviewer.cli.path("sealed");
    let names: Vec<String> = std::fs::read_dir(&sealed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".age")), "{names:?}");
    let json = decrypt(&sealed.join("figures.json.age"), &w.reviewer);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(synthetic::from_report(&v), truth);

    // Search: another spelling of a complete person's name finds them.
    let target = cases
        .iter()
        .find(|c| c.form.is_some() && c.full_name.contains('ұ'))
        .unwrap();
    let query = target.full_name.replace('ұ', "у").to_uppercase();
    let found = w
        .reviewer
        .cli
        .ok(&["staff", "search", &query, "--key", "staff.key"]);
    assert!(found.contains(&target.full_name), "{query}: {found}");

    // Nothing in the reviewer's HOME but what was asked for.
    let mut left = Vec::new();
    amanat_tests::walk(w.reviewer.cli.home.path(), &mut left);
    for p in left {
        let rel = p.strip_prefix(w.reviewer.cli.home.path()).unwrap();
        assert!(
            rel.starts_with("report")
                || rel.starts_with("sealed")
                || rel.starts_with(".local/state/amanat")
                || rel == Path::new("staff.key")
                || rel == Path::new("staff.pub")
                || rel.starts_with("tmp"),
            "unexpected file {}",
            rel.display()
        );
    }

    // Keep the annex where a person can look at it, and render it when Chromium is there.
    let keep = keep_dir();
    std::fs::copy(dir.join("annex.html"), keep.join("annex.html")).unwrap();
    std::fs::copy(dir.join("annex.md"), keep.join("annex.md")).unwrap();
    std::fs::write(
        keep.join("figures.json"),
        serde_json::to_vec_pretty(&figures).unwrap(),
    )
    .unwrap();
    render(&keep.join("annex.html"), &keep.join("annex.png"));

    eprintln!(
        "synthetic run: {n} cases; submitted in {:.0?}, acknowledged by {:.0?}, reported by {:.0?}, total {:.0?}; {} complete from {} places; annex in {}",
        submitted,
        acknowledged,
        reported,
        started.elapsed(),
        truth.complete,
        truth.place_count,
        keep.display()
    );
}

fn decrypt(path: &Path, staff: &Staff) -> Vec<u8> {
    use std::io::Read;
    let keys = staff.keys();
    let file = std::fs::File::open(path).unwrap();
    let d = age::Decryptor::new(file).unwrap();
    let mut r = d
        .decrypt(std::iter::once(keys.identity() as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

/// Runs tests/render-report.sh; skipped without Chromium unless AMANAT_REQUIRE_CHROMIUM=1.
fn render(html: &Path, png: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("render-report.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(html)
        .arg(png)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => eprintln!("{}screenshot: {}", text, png.display()),
        Some(2) if std::env::var("AMANAT_REQUIRE_CHROMIUM").as_deref() != Ok("1") => {
            eprintln!("skipped the Chromium render: {text}")
        }
        _ => panic!("rendering the report failed: {text}"),
    }
}
