//! Abuse without tracking people (issue 6), against the real server: opening a case and every
//! sign-in need a solved proof-of-work puzzle; missing, wrong, replayed, forged and expired
//! ones are refused with JSON before any database work; the real CLI solves them by itself;
//! the difficulty rises with the load; and a flood beyond `max_in_flight` is answered
//! `503 overloaded` while the server keeps serving.
//!
//! Nothing here asserts how long anything takes. Where the test must wait for the server to
//! see something (held requests arriving, a puzzle expiring), it polls for the state itself,
//! with a deadline that only a hung server reaches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::wire::Puzzle;
use amanat_tests::http::{Client, RawTls, Reply};
use amanat_tests::{
    Backend, Cli, Foundation, Server, ServerOptions, TEST_POW_BITS, case_keys, parse_submit,
};
use serde_json::{Value, json};

/// Polls `f` until it yields a value; panics (the server hangs) after two minutes.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[track_caller]
fn refused(r: &Reply, status: u16, code: &str) -> String {
    assert_eq!(
        r.status,
        status,
        "expected {status} {code}, got {r:?} {}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(
        r.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{r:?}"
    );
    let json = r.json.as_ref().unwrap();
    assert_eq!(json["error"], code, "{json}");
    let message = json["message"].as_str().unwrap().to_owned();
    assert!(message.len() > 20, "message too thin: {message}");
    message
}

fn options() -> ServerOptions {
    ServerOptions {
        backend: Backend::Sqlite,
        max_document_bytes: None,
        session_ttl_secs: None,
    }
}

/// A challenge request with exactly the given `Amanat-PoW` header (or none).
fn challenge(http: &Client, header: Option<&str>) -> Reply {
    let pk = amanat_protocol::encoding::b64(&[9u8; 32]);
    let mut rb = http
        .request("POST", "/v1/auth/challenge")
        .header("content-type", "application/json")
        .body(json!({ "public_key": pk }).to_string());
    if let Some(h) = header {
        rb = rb.header(pow::HEADER, h);
    }
    http.send(rb)
}

fn header(seed: &[u8], nonce: u64) -> String {
    Solution {
        seed: seed.to_vec(),
        nonce,
    }
    .to_header()
}

fn solved(p: &Puzzle) -> String {
    header(&p.seed, pow::solve(&p.seed, p.bits, p.purpose).unwrap())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn puzzles_gate_case_creation_and_every_sign_in() {
    let foundation = Foundation::new();
    let alice = foundation.add_staff("alice", "reviewer");
    let server = Server::start_with(&foundation.root_public, options());
    foundation.publish(&server);
    let http = server.http();

    // The real CLI solves its puzzles without being asked: submit (a case and a sign-in to
    // upload) and a reviewer's login.
    let complainant = Cli::new();
    std::fs::write(complainant.path("poa.pdf"), b"%PDF-1.4 a power of attorney").unwrap();
    let sub = parse_submit(&complainant.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
        "--poa",
        "poa.pdf",
    ]));
    alice.login(&server, &foundation.fingerprint);
    let keys = case_keys(&sub.codename, &foundation.fingerprint);
    let token = http.login(keys.auth());
    assert_eq!(http.get("/v1/me", Some(&token)).status, 200);

    // A puzzle names its purpose and the base difficulty while the server is idle.
    let p = http.puzzle(Purpose::Auth);
    assert_eq!((p.purpose, p.bits), (Purpose::Auth, TEST_POW_BITS));
    assert!(p.expires_at > unix_now() - 5);
    refused(
        &http.get("/v1/pow?purpose=everything", None),
        400,
        "bad_request",
    );
    refused(&http.get("/v1/pow", None), 400, "bad_request");

    // No puzzle at all: 428, for both routes.
    let m = refused(&challenge(&http, None), 428, "pow_required");
    assert!(m.contains("/v1/pow?purpose=auth"), "{m}");
    let no_pow_case = http.send(
        http.request("POST", "/v1/cases")
            .header("content-type", "application/json")
            .body(
                json!({"case_id": "6f1c8f5e-8b1e-4c9a-9d0e-2b7a1c3d4e5f", "auth_key": "AA",
                       "commitment": "AA", "keyring_version": 1, "grants": []})
                .to_string(),
            ),
    );
    // (The body is parsed before the puzzle is looked at; this one is malformed.)
    refused(&no_pow_case, 400, "bad_request");
    let create = complete_create_case();
    let m = refused(
        &http.send(
            http.request("POST", "/v1/cases")
                .header("content-type", "application/json")
                .body(create.to_string()),
        ),
        428,
        "pow_required",
    );
    assert!(m.contains("purpose=create-case"), "{m}");
    // Malformed JSON stays 400 bad_request, puzzle or not.
    refused(
        &http.send(
            http.request("POST", "/v1/cases")
                .header("content-type", "application/json")
                .header(pow::HEADER, http.pow(Purpose::CreateCase))
                .body("{\"case_id\": [1,2,"),
        ),
        400,
        "bad_request",
    );

    // A nonce that does not solve it; junk; a seed this server never issued; one whose
    // difficulty or purpose byte was lowered or changed; an overlong one.
    let p = http.puzzle(Purpose::Auth);
    let wrong = (0..)
        .find(|n| !pow::verify(&p.seed, p.bits, p.purpose, *n))
        .unwrap();
    refused(
        &challenge(&http, Some(&header(&p.seed, wrong))),
        400,
        "bad_pow",
    );
    for junk in ["hello", "AAAA", ".1", "AAAA.-1", "AAAA.1.2", "!!!!.1"] {
        refused(&challenge(&http, Some(junk)), 400, "bad_pow");
    }
    refused(
        &challenge(&http, Some(&header(&[7u8; 43], 0))),
        400,
        "bad_pow",
    );
    for (i, v) in [(2usize, 0u8), (1, Purpose::CreateCase.byte())] {
        let mut seed = p.seed.clone();
        seed[i] = v;
        let forged = Puzzle {
            seed,
            bits: 0,
            ..p.clone()
        };
        let m = refused(&challenge(&http, Some(&solved(&forged))), 400, "bad_pow");
        assert!(m.contains("did not issue"), "{m}");
    }
    refused(
        &challenge(&http, Some(&header(&[1u8; 200], 0))),
        400,
        "bad_pow",
    );

    // None of those spent the puzzle: the right answer works, once.
    let good = solved(&p);
    let ok = challenge(&http, Some(&good));
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.json.as_ref().unwrap()["challenge"].is_string());
    let m = refused(&challenge(&http, Some(&good)), 400, "bad_pow");
    assert!(m.contains("already been used"), "{m}");

    // A puzzle for opening a case does not open a sign-in, and the reverse.
    let for_case = http.puzzle(Purpose::CreateCase);
    let m = refused(&challenge(&http, Some(&solved(&for_case))), 400, "bad_pow");
    assert!(m.contains("another kind of request"), "{m}");
    let for_auth = http.puzzle(Purpose::Auth);
    refused(
        &http.send(
            http.request("POST", "/v1/cases")
                .header("content-type", "application/json")
                .header(pow::HEADER, solved(&for_auth))
                .body(create.to_string()),
        ),
        400,
        "bad_pow",
    );
    // The one for a case still works where it belongs (and the service then judges the
    // body: a stale keyring version).
    let r = http.send(
        http.request("POST", "/v1/cases")
            .header("content-type", "application/json")
            .header(pow::HEADER, solved(&for_case))
            .body(create.to_string()),
    );
    refused(&r, 409, "stale_keyring");

    // Solutions arriving faster than usual raise the difficulty by themselves: one bit once
    // 64 have been spent within a puzzle's lifetime (fewer than 20 so far).
    for _ in 0..64 {
        let r = challenge(&http, Some(&http.pow(Purpose::Auth)));
        assert_eq!(r.status, 200, "{r:?}");
    }
    assert_eq!(http.puzzle(Purpose::Auth).bits, TEST_POW_BITS + 1);
    // … and the CLI still signs in (it solves whatever it is given).
    alice.login(&server, &foundation.fingerprint);
}

/// A well-formed `CreateCase` (for keyring version 999, so a puzzle that gets through is
/// answered `409 stale_keyring` without anything being stored).
fn complete_create_case() -> Value {
    let b64 = amanat_protocol::encoding::b64;
    json!({
        "case_id": "6f1c8f5e-8b1e-4c9a-9d0e-2b7a1c3d4e5f",
        "auth_key": b64(&[3u8; 32]),
        "commitment": b64(&[4u8; 32]),
        "keyring_version": 999,
        "grants": [],
    })
}

#[test]
fn an_expired_puzzle_is_refused() {
    let foundation = Foundation::new();
    let server = Server::start_with_env(
        &foundation.root_public,
        options(),
        &[("AMANAT_POW_TTL_SECS", "1")],
    );
    let http = server.http();
    let p = http.puzzle(Purpose::Auth);
    let answer = solved(&p);
    // Wait on the clock the server reads, not for a fixed time.
    eventually("the puzzle's expiry to pass", || {
        (unix_now() > p.expires_at).then_some(())
    });
    let m = refused(&challenge(&http, Some(&answer)), 400, "bad_pow");
    assert!(m.contains("expired"), "{m}");
    // A fresh one, sent at once, works (if this machine is too slow to manage that within
    // the second, the client simply tries again, as the CLI does).
    eventually("a fresh puzzle to be used in time", || {
        let r = challenge(&http, Some(&http.pow(Purpose::Auth)));
        (r.status == 200).then_some(())
    });
}

const MAX_IN_FLIGHT: u64 = 8;

/// A request the server has begun and cannot finish: a `POST /v1/cases` whose body is one
/// byte short. It holds its place in flight until [`Held::release`] sends the last byte.
struct Held(RawTls);

impl Held {
    fn open(server: &Server) -> Held {
        let mut c = RawTls::connect(&server.url, &server.dir().join("tls/cert.pem"));
        c.send(
            b"POST /v1/cases HTTP/1.1\r\nHost: amanat\r\nContent-Type: application/json\r\n\
              Content-Length: 2\r\n\r\n{",
        )
        .unwrap();
        Held(c)
    }

    /// Whether the server has already answered (that is, refused) this request.
    fn answered(&mut self) -> bool {
        self.0.set_read_timeout(Duration::from_millis(1));
        let got = self.0.read_some().unwrap();
        self.0.set_read_timeout(Duration::from_secs(60));
        got.is_some()
    }

    /// Completes the body (`{}`, not a case): the server answers 400 and frees the place.
    fn release(mut self) -> u16 {
        self.0.send(b"}").unwrap();
        self.0.read_reply().status
    }
}

#[test]
fn a_flood_raises_the_difficulty_then_gets_503_and_the_server_carries_on() {
    let foundation = Foundation::new();
    let max = MAX_IN_FLIGHT.to_string();
    let server = Server::start_with_env(
        &foundation.root_public,
        options(),
        // Held requests must outlast the test, however slow the machine.
        &[
            ("AMANAT_MAX_IN_FLIGHT", &max),
            ("AMANAT_REQUEST_TIMEOUT_SECS", "600"),
        ],
    );
    let http = server.http();
    // Each probe is itself in flight; the difficulty counts the others: one bit per
    // MAX_IN_FLIGHT / 8 of them, so here one bit per held request.
    let probe = || {
        let r = http.get("/v1/pow?purpose=create-case", None);
        match r.status {
            200 => Ok(r.json.unwrap()["bits"].as_u64().unwrap() as u8),
            _ => Err(Box::new(r)),
        }
    };
    assert_eq!(probe().unwrap(), TEST_POW_BITS);

    // Half the bound held: four more bits. (Four held and a probe never reach the bound, so
    // none of these is refused.)
    let mut held: Vec<Held> = (0..4).map(|_| Held::open(&server)).collect();
    eventually("four held requests to be counted", || {
        (probe().unwrap() == TEST_POW_BITS + 4).then_some(())
    });

    // Up to the bound. A held request that arrived while a probe was in flight was refused
    // (the server was full): open it again. Once all are in, the next request is refused.
    held.extend((4..MAX_IN_FLIGHT).map(|_| Held::open(&server)));
    let refusal = eventually("the bound to be reached", || match probe() {
        Err(r) => Some(r),
        Ok(_) => {
            for h in held.iter_mut() {
                if h.answered() {
                    *h = Held::open(&server);
                }
            }
            None
        }
    });
    refused(&refusal, 503, "overloaded");
    let retry: u64 = refusal.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    // Refused too: a sign-in, before its puzzle is even looked at.
    refused(&challenge(&http, None), 503, "overloaded");

    // Released, every held request gets its ordinary answer (400: `{}` is not a case),
    // not an error of the server's own.
    for h in held {
        assert_eq!(h.release(), 400);
    }
    // The places come back: the base difficulty again, and everything works.
    eventually("the places to be freed", || {
        (probe().ok()? == TEST_POW_BITS).then_some(())
    });
    assert_eq!(http.get("/v1/health", None).status, 200);
    let r = http.post_json(
        "/v1/auth/challenge",
        &json!({"public_key": amanat_protocol::encoding::b64(&[5u8; 32])}),
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
}
