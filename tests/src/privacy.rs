//! The server's log must never name a complainant or a session (issue 6, threat model M6).
//! Every secret a test sees or plants is registered here — codenames (whole and as adjacent
//! word pairs), bearer tokens, attachment file names, form canaries, the harness's user
//! agent — and every [`crate::Server`] log is scanned for all of them, and for client
//! addresses and user-agent strings, when the server is dropped. A finding fails the test.
//!
//! Each scan appends one line to `target/amanat-privacy-scan.txt`; `tests/privacy-scan.sh`
//! runs the suite and sums them ("N server logs, M lines scanned, 0 findings").

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a registered secret is; findings are reported by kind, not by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole codename, as printed by `amanat submit`.
    Codename,
    /// Two adjacent words of a codename: an echo of part of it.
    CodenamePair,
    /// A bearer token from a login.
    Token,
    /// An attachment's file name.
    FileName,
    /// A string planted in a form, a power of attorney or an attachment.
    Content,
    /// The user agent the harness's HTTP client sends.
    UserAgent,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Codename => "codename",
            Kind::CodenamePair => "two adjacent codename words",
            Kind::Token => "session token",
            Kind::FileName => "file name",
            Kind::Content => "form or document content",
            Kind::UserAgent => "user agent",
        }
    }
}

/// The user agent of the harness's raw HTTP client: distinctive, so that a server logging
/// the header is caught (the CLI sends plain `amanat`, which is too common a word to look for;
/// its header name is looked for instead).
pub const USER_AGENT: &str = "amanat-tests-ua-canary/7f3c9e (e2e harness)";

/// Shorter values are refused: a short string may occur in a log by chance. Codename word
/// pairs are exempt: they are matched as whole words.
const MIN_LEN: usize = 8;

static SECRETS: Mutex<Vec<(Kind, String)>> = Mutex::new(Vec::new());

/// Registers a secret that no server log may contain. Panics on a value short enough to
/// cause false alarms: pick a longer canary.
pub fn register(kind: Kind, value: &str) {
    assert!(
        kind == Kind::CodenamePair || value.chars().count() >= MIN_LEN,
        "a {} registered as a log canary must have at least {MIN_LEN} characters",
        kind.name()
    );
    let mut s = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !s.iter().any(|(k, v)| *k == kind && v == value) {
        s.push((kind, value.to_owned()));
    }
}

/// A codename: the whole string and each distinct pair of adjacent words (a single word
/// may well occur in a log — "order", "check" — two of one codename in a row should not).
pub fn codename(codename: &str) {
    let words: Vec<&str> = codename.split_whitespace().collect();
    register(Kind::Codename, &words.join(" "));
    for pair in words.windows(2) {
        register(Kind::CodenamePair, &pair.join(" "));
    }
}

pub fn token(token: &str) {
    register(Kind::Token, token);
}

pub fn file_name(name: &str) {
    register(Kind::FileName, name);
}

pub fn content(canary: &str) {
    register(Kind::Content, canary);
}

/// A fresh, unmistakable string for a form field or a document (`{label}-canary-{hex}`),
/// registered as content that no server log may hold.
pub fn canary(label: &str) -> String {
    let c = format!("{label}-canary-{}", crate::random_hex(6));
    content(&c);
    c
}

fn snapshot() -> Vec<(Kind, String)> {
    register(Kind::UserAgent, USER_AGENT);
    SECRETS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// One thing found in a log: what kind of secret, on which line (1-based).
#[derive(Debug)]
pub struct Finding {
    pub what: String,
    pub line: usize,
    /// The secret shortened to its first characters, so a failure does not spread it further.
    pub hint: String,
}

#[derive(Debug)]
pub struct Scan {
    pub lines: usize,
    pub secrets: usize,
    pub findings: Vec<Finding>,
}

fn redact(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}… ({} chars)", s.chars().count())
}

/// Whether `hay[i..i+len]` stands as whole words (no letter or digit on either side).
fn whole_word(hay: &str, i: usize, len: usize) -> bool {
    let before = hay[..i].chars().next_back();
    let after = hay[i + len..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Lines in which `actix_server` names the server's own socket, e.g. at start
/// `actix_server::server: starting service: "actix-web-service-127.0.0.1:40123", workers: 2,
/// listening on: 127.0.0.1:40123`, or at trace `actix_server::worker: service
/// "actix-web-service-127.0.0.1:40123" is available`. Only a line from `actix_server` whose
/// every address is the one in its quoted service name may hold an address.
fn own_listen_line(line: &str) -> bool {
    if !line.contains(" actix_server::") {
        return false;
    }
    let Some((_, rest)) = line.split_once("\"actix-web-service-") else {
        return false;
    };
    let Some((own, _)) = rest.split_once('"') else {
        return false;
    };
    let addrs = ipv4_addresses(line);
    !addrs.is_empty() && addrs.iter().all(|(_, a)| a == own)
}

/// IPv4 addresses (with any port) in `line`, as `(byte offset, text)`.
fn ipv4_addresses(line: &str) -> Vec<(usize, String)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts =
            b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut parts = 0;
        loop {
            let k = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let ok = j > k && j - k <= 3 && line[k..j].parse::<u16>().is_ok_and(|n| n <= 255);
            if !ok {
                break;
            }
            parts += 1;
            if parts == 4 || j >= b.len() || b[j] != b'.' {
                break;
            }
            j += 1;
        }
        let followed = j < b.len()
            && (b[j].is_ascii_digit()
                || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)));
        if parts == 4 && !followed {
            let mut end = j;
            if b.get(end) == Some(&b':') {
                let p = end + 1;
                let mut q = p;
                while q < b.len() && b[q].is_ascii_digit() {
                    q += 1;
                }
                if q > p {
                    end = q;
                }
            }
            out.push((i, line[i..end].to_owned()));
            i = end;
        } else {
            i = j.max(i + 1);
        }
    }
    out
}

/// Strings that only a header dump would put in a log, matched case-insensitively.
const HEADER_MARKERS: &[&str] = &[
    "user-agent",
    "user_agent",
    "useragent",
    "reqwest/",
    "x-forwarded-for",
    "x-real-ip",
];

/// Scans one log text for every registered secret, client addresses and user-agent strings.
pub fn scan_text(log: &str) -> Scan {
    let secrets = snapshot();
    let mut findings = Vec::new();
    // Each secret is searched for once in the whole text (a suite registers thousands of
    // tokens; one search per secret and line made the scan the slowest part of a test).
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(log.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |pos: usize| line_starts.partition_point(|&start| start <= pos);
    for (kind, value) in &secrets {
        let needles = match kind {
            Kind::Content | Kind::FileName => {
                let bytes = value.as_bytes();
                vec![
                    value.clone(),
                    amanat_protocol::encoding::hex(bytes),
                    amanat_protocol::encoding::b64(bytes),
                ]
            }
            _ => vec![value.clone()],
        };
        for needle in &needles {
            let hit = log
                .match_indices(needle.as_str())
                .find(|(i, m)| !matches!(kind, Kind::CodenamePair) || whole_word(log, *i, m.len()));
            if let Some((i, _)) = hit {
                findings.push(Finding {
                    what: kind.name().to_owned(),
                    line: line_of(i),
                    hint: redact(value),
                });
            }
        }
    }
    let mut lines = 0;
    for (n, line) in log.lines().enumerate() {
        lines += 1;
        let n = n + 1;
        if !own_listen_line(line) {
            for (_, addr) in ipv4_addresses(line) {
                findings.push(Finding {
                    what: "an IP address (a client's address?)".into(),
                    line: n,
                    hint: addr,
                });
            }
        }
        let lower = line.to_ascii_lowercase();
        for m in HEADER_MARKERS {
            if lower.contains(m) {
                findings.push(Finding {
                    what: format!("{m:?} (a request header in the log?)"),
                    line: n,
                    hint: String::new(),
                });
            }
        }
        // A versioned `amanat/…` product token, as a user agent would carry it.
        if lower
            .match_indices("amanat/")
            .any(|(i, m)| lower[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
        {
            findings.push(Finding {
                what: "an `amanat/<version>` user agent".into(),
                line: n,
                hint: String::new(),
            });
        }
    }
    findings.sort_by_key(|f| f.line);
    Scan {
        lines,
        secrets: secrets.len(),
        findings,
    }
}

/// Where each scan appends its summary line: `target/amanat-privacy-scan.txt`.
pub fn summary_file() -> PathBuf {
    let bin = crate::bin_dir();
    bin.parent().unwrap_or(&bin).join("amanat-privacy-scan.txt")
}

/// Scans a server's log file; called from `Drop for Server` after the process is gone.
/// Panics on a finding unless the thread is already panicking (then it only reports).
pub fn check_log(path: &Path) {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    let scan = scan_text(&text);
    if let Some(dir) = std::env::var_os("AMANAT_TEST_KEEP_LOGS") {
        let _ = std::fs::create_dir_all(&dir);
        let name = format!("server-{}-{}.log", std::process::id(), crate::random_hex(4));
        let _ = std::fs::copy(path, Path::new(&dir).join(name));
    }
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    // Several people may run tests in one checkout: tests/privacy-scan.sh sums only its run.
    let run = std::env::var("PRIVACY_SCAN_RUN").unwrap_or_else(|_| "-".into());
    let line = format!(
        "log_lines={} secrets={} findings={} pid={} run={run} test={test}\n",
        scan.lines,
        scan.secrets,
        scan.findings.len(),
        std::process::id()
    );
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(summary_file())
    {
        let _ = f.write_all(line.as_bytes());
    }
    if scan.findings.is_empty() {
        return;
    }
    let report: Vec<String> = scan
        .findings
        .iter()
        .take(20)
        .map(|f| format!("  line {}: {} {}", f.line, f.what, f.hint))
        .collect();
    let msg = format!(
        "the server's log ({}) holds {} thing(s) it must never log:\n{}",
        path.display(),
        scan.findings.len(),
        report.join("\n")
    );
    if std::thread::panicking() {
        eprintln!("{msg}");
    } else {
        panic!("{msg}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_addresses_but_not_the_listen_line() {
        let own = "2026-01-01T00:00:00.000000Z  INFO actix_server::server: starting service: \"actix-web-service-127.0.0.1:40123\", workers: 2, listening on: 127.0.0.1:40123";
        assert!(own_listen_line(own));
        assert!(ipv4_addresses(own).len() == 2);
        let other = own.replace("listening on: 127.0.0.1:40123", "listening on: 127.0.0.1:5");
        assert!(!own_listen_line(&other));
        let worker = "2026-01-01T00:00:00.000000Z TRACE actix_server::worker: service \"actix-web-service-127.0.0.1:40123\" is available";
        assert!(own_listen_line(worker));
        let elsewhere = own.replace("actix_server::server", "amanat_server::http");
        assert!(!own_listen_line(&elsewhere));
        assert_eq!(
            ipv4_addresses("peer=127.0.0.1:55012 x 10.1.2.3 v1.2.3.4.5 999.1.1.1"),
            vec![
                (5, "127.0.0.1:55012".to_owned()),
                (23, "10.1.2.3".to_owned())
            ]
        );
        assert!(
            ipv4_addresses("2026-11-23T12:01:39.123456Z elapsed_ms=3 rustls 0.23.12").is_empty()
        );
    }

    #[test]
    fn a_scan_finds_each_kind_of_secret() {
        let c = canary("unit");
        codename("abandon ability able about above absent absorb abstract absurd");
        let hex = amanat_protocol::encoding::hex(c.as_bytes());
        let log = format!(
            "a {c} b\nx able about y\nz {hex} w\nheaders: User-Agent curl\npeer 10.0.0.7:5000\n\
             fine line: unable about\n"
        );
        let scan = scan_text(&log);
        assert_eq!(scan.lines, 6);
        let lines: Vec<usize> = scan.findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5], "{:?}", scan.findings);
        assert!(
            !scan.findings[0].hint.contains(&c),
            "the report repeats the secret"
        );
    }

    #[test]
    fn pairs_match_whole_words_only() {
        let l = "abandon ability";
        assert!(whole_word(l, 0, l.len()));
        let l = "xabandon ability";
        assert!(!whole_word(l, 1, l.len() - 1));
    }
}
