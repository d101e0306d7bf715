//! The catalogue of hostile requests (issue 6): one table, every route of
//! server/src/http/routes.rs and server/src/http/uploads.rs, sent to the real server over
//! TLS. Each must be refused with a 4xx whose body is the JSON error shape (`error`,
//! `message`, `Content-Type: application/json`); the server must answer `/v1/health` after
//! each; and at the end a snapshot of the database (every table's rows), the blob store
//! (every file's hash) and the log's checkpoint must be what it was before, except for the
//! one effect a refusal has by design (listed per entry: a failed sign-in burns its
//! challenge; a finished upload that fails its hash or age check is discarded).
//!
//! A few requests are refused by the HTTP/1.1 parser before any application code runs
//! (a request line that is not UTF-8, a head over the size limit, a lying `Content-Length`,
//! a head that never ends): actix answers those with a bare 400/408/431 and closes the
//! connection, and that is what the table expects of them (`Shape::Parser`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use amanat_protocol::encoding::{b64, hex};
use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::wire::DocumentKind;
use amanat_tests::http::{RawReply, RawTls, Reply};
use amanat_tests::{Backend, Cli, Foundation, Server, ServerOptions, case_keys, parse_submit};
use ed25519_dalek::Signer;
use serde_json::{Value, json};
use sha2::Digest;

/// The request timeout the catalogue's server runs with: short, so that the slow-body and
/// slow-head entries end quickly; the bounds below are generous multiples of it.
const REQUEST_TIMEOUT_SECS: u64 = 3;
const MAX_DOCUMENT_BYTES: u64 = 1_000_000;

/// What came back, from reqwest or from a raw socket.
#[derive(Debug)]
struct Outcome {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Outcome {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Self {
        Outcome {
            status: r.status,
            headers: r
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: r.body,
        }
    }
}

impl From<RawReply> for Outcome {
    fn from(r: RawReply) -> Self {
        Outcome {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

/// How the refusal must look.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    /// The application's JSON error.
    Json,
    /// The HTTP parser's bare answer: no application code ran, the connection is closed.
    Parser,
}

/// The one change a refusal may make, by design: the rows of `table` that mention `key`
/// (and, for uploads, the upload's bytes) go away. A sign-in attempt consumes its
/// challenge whatever the outcome; a complete upload that fails its final check is
/// discarded.
#[derive(Clone, Copy)]
enum Effect {
    None,
    Removes {
        table: &'static str,
        key: fn(&Ctx) -> String,
    },
}

type Send = Box<dyn Fn(&Ctx) -> Outcome>;

struct Hostile {
    category: &'static str,
    name: &'static str,
    /// The exact status, or `None` for "some 4xx".
    status: Option<u16>,
    code: Option<&'static str>,
    shape: Shape,
    effect: Effect,
    send: Send,
}

fn h(
    category: &'static str,
    name: &'static str,
    status: u16,
    code: &'static str,
    send: impl Fn(&Ctx) -> Outcome + 'static,
) -> Hostile {
    Hostile {
        category,
        name,
        status: Some(status),
        code: Some(code),
        shape: Shape::Json,
        effect: Effect::None,
        send: Box::new(send),
    }
}

/// Refused by the HTTP parser: status only, no body, connection closed.
fn parser(
    category: &'static str,
    name: &'static str,
    status: u16,
    send: impl Fn(&Ctx) -> Outcome + 'static,
) -> Hostile {
    Hostile {
        category,
        name,
        status: Some(status),
        code: None,
        shape: Shape::Parser,
        effect: Effect::None,
        send: Box::new(send),
    }
}

impl Hostile {
    fn effect(mut self, e: Effect) -> Self {
        self.effect = e;
        self
    }
}

/// Everything the entries need: the servers, sessions of every kind, and ids to aim at.
struct Ctx {
    server: Server,
    /// A second server whose sessions live one second, for the expired token.
    short: Server,
    http: amanat_tests::http::Client,
    /// A reviewer with grants for both cases.
    alice: String,
    /// A reviewer added after the cases were opened: no grants.
    carol: String,
    /// An auditor: staff, never a reviewer.
    dave: String,
    /// A token that was logged out, one that expired (on `short`).
    logged_out: String,
    expired: String,
    case_a: String,
    case_b: String,
    tok_a: String,
    tok_b: String,
    /// Case A's power of attorney.
    doc_a: String,
    key_a: String,
    key_b: String,
    /// A session request that already opened a session.
    replay: Value,
    /// Fresh challenges for A's key, for the wrong signature and the other key's attempt.
    chal_wrong_sig: [u8; 32],
    chal_for_b: [u8; 32],
    /// Case A's uploads: 1000 bytes in; complete but not age; complete age, for a bad hash.
    up_partial: String,
    up_junk: String,
    up_junk_sha: String,
    up_badhash: String,
    up_len: u64,
    /// Case B's upload.
    up_b: String,
    keyring: Value,
    foreign_keyring: Value,
    /// `Amanat-PoW` values: solved for opening a case; already spent; not solved.
    pow_case: String,
    pow_spent: String,
    pow_unsolved: String,
}

impl Ctx {
    fn cert(&self) -> PathBuf {
        self.server.dir().join("tls/cert.pem")
    }

    fn get(&self, path: &str, token: Option<&str>) -> Outcome {
        self.http.get(path, token).into()
    }

    /// Any method, any headers, any body, through reqwest.
    fn req(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Outcome {
        let mut rb = self.http.request(method, path).body(body.into());
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        for (n, v) in headers {
            rb = rb.header(*n, *v);
        }
        self.http.send(rb).into()
    }

    fn json(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> Outcome {
        self.req(
            method,
            path,
            token,
            &[("content-type", "application/json")],
            body.as_bytes().to_vec(),
        )
    }

    /// Exactly these bytes on a fresh TLS connection.
    fn raw(&self, bytes: &[u8]) -> Outcome {
        amanat_tests::http::raw_exchange(&self.server.url, &self.cert(), bytes).into()
    }
}

fn uuid() -> String {
    amanat_protocol::ids::DocumentId::random().to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `[[[[…]]]]`, `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[allow(clippy::vec_init_then_push)]
fn catalogue() -> Vec<Hostile> {
    let mut t: Vec<Hostile> = Vec::new();

    // --- Sign-in: replayed challenges, wrong signatures (early: challenges live 120 s) ---
    t.push(h(
        "replay",
        "a used challenge, replayed",
        401,
        "unauthorized",
        |c| c.json("POST", "/v1/auth/session", None, &c.replay.to_string()),
    ));
    t.push(
        h(
            "signature",
            "a session request with a wrong signature",
            401,
            "unauthorized",
            |c| {
                let body = json!({
                    "public_key": c.key_a,
                    "challenge": b64(&c.chal_wrong_sig),
                    "signature": b64(&[7u8; 64]),
                });
                c.json("POST", "/v1/auth/session", None, &body.to_string())
            },
        )
        .effect(Effect::Removes {
            table: "challenges",
            key: |c| hex(&c.chal_wrong_sig),
        }),
    );
    t.push(
        h(
            "signature",
            "a challenge issued for another key",
            401,
            "unauthorized",
            |c| {
                let body = json!({
                    "public_key": c.key_a,
                    "challenge": b64(&c.chal_for_b),
                    "signature": b64(&[0u8; 64]),
                });
                c.json("POST", "/v1/auth/session", None, &body.to_string())
            },
        )
        .effect(Effect::Removes {
            table: "challenges",
            key: |c| hex(&c.chal_for_b),
        }),
    );
    t.push(h(
        "signature",
        "a signature that is not 64 bytes, on an unknown challenge",
        401,
        "unauthorized",
        |c| {
            let body = json!({
                "public_key": c.key_a,
                "challenge": b64(&[9u8; 32]),
                "signature": b64(&[1u8; 63]),
            });
            c.json("POST", "/v1/auth/session", None, &body.to_string())
        },
    ));
    t.push(h(
        "wrong type",
        "a challenge request whose key is a number",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                "/v1/auth/challenge",
                None,
                r#"{"public_key": 12345}"#,
            )
        },
    ));
    t.push(h(
        "wrong type",
        "a challenge request whose key is 31 bytes",
        400,
        "bad_request",
        |c| {
            let body = json!({ "public_key": b64(&[1u8; 31]) });
            c.json("POST", "/v1/auth/challenge", None, &body.to_string())
        },
    ));

    // --- Proof of work: missing, forged, replayed, for the wrong purpose ---
    let challenge_with = |c: &Ctx, pow: Option<&[u8]>| {
        let body = json!({ "public_key": c.key_a }).to_string();
        let mut req = b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n".to_vec();
        if let Some(v) = pow {
            req.extend_from_slice(b"Amanat-PoW: ");
            req.extend_from_slice(v);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        c.raw(&req)
    };
    t.push(h(
        "pow",
        "a challenge without a solved puzzle",
        428,
        "pow_required",
        move |c| challenge_with(c, None),
    ));
    t.push(h(
        "pow",
        "a puzzle this server never issued",
        400,
        "bad_pow",
        move |c| challenge_with(c, Some(format!("{}.1", "A".repeat(43)).as_bytes())),
    ));
    t.push(h(
        "pow",
        "a solution spent already",
        400,
        "bad_pow",
        move |c| challenge_with(c, Some(c.pow_spent.as_bytes())),
    ));
    t.push(h(
        "pow",
        "a solution for opening a case, to sign in",
        400,
        "bad_pow",
        move |c| challenge_with(c, Some(c.pow_case.as_bytes())),
    ));
    t.push(h(
        "pow",
        "a nonce that does not solve the puzzle",
        400,
        "bad_pow",
        move |c| challenge_with(c, Some(c.pow_unsolved.as_bytes())),
    ));
    t.push(h(
        "integers",
        "a nonce past u64",
        400,
        "bad_pow",
        move |c| {
            let seed = c.pow_unsolved.split('.').next().unwrap().to_owned();
            challenge_with(
                c,
                Some(format!("{seed}.99999999999999999999999").as_bytes()),
            )
        },
    ));
    t.push(h(
        "invalid utf-8",
        "a puzzle header that is not UTF-8",
        400,
        "bad_pow",
        move |c| challenge_with(c, Some(b"\xff\xfe.\xc0\xaf")),
    ));
    t.push(h(
        "enum",
        "a puzzle for an unknown purpose",
        400,
        "bad_request",
        |c| c.get("/v1/pow?purpose=world-domination", None),
    ));
    t.push(h(
        "method",
        "POST /v1/pow",
        405,
        "method_not_allowed",
        |c| c.json("POST", "/v1/pow?purpose=auth", None, "{}"),
    ));

    // --- Tokens: reused, expired, forged, malformed ---
    t.push(h("token", "a logged-out token", 401, "unauthorized", |c| {
        c.get("/v1/cases", Some(&c.logged_out))
    }));
    t.push(h("token", "an expired token", 401, "unauthorized", |c| {
        c.short.http().get("/v1/cases", Some(&c.expired)).into()
    }));
    t.push(h(
        "token",
        "a forged token of the right length",
        401,
        "unauthorized",
        |c| c.get("/v1/cases", Some(&"A".repeat(43))),
    ));
    t.push(h("token", "a Basic credential", 401, "unauthorized", |c| {
        c.req(
            "GET",
            "/v1/cases",
            None,
            &[("authorization", "Basic YWxpY2U6c2VjcmV0")],
            Vec::new(),
        )
    }));
    t.push(h("invalid utf-8", "a bearer token that is not UTF-8", 401, "unauthorized", |c| {
        let req = [
            b"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\xc0\xaf\r\nConnection: close\r\n\r\n"
                .as_slice(),
        ]
        .concat();
        c.raw(&req)
    }));
    t.push(h(
        "oversized",
        "a 60 KiB bearer token",
        401,
        "unauthorized",
        |c| c.get("/v1/cases", Some(&"A".repeat(60 * 1024))),
    ));
    t.push(h(
        "token",
        "closing a session with no token",
        401,
        "unauthorized",
        |c| c.req("DELETE", "/v1/auth/session", None, &[], Vec::new()),
    ));

    // --- Other people's cases ---
    t.push(h(
        "not yours",
        "a reviewer without a grant opens a case",
        404,
        "not_found",
        |c| c.get(&format!("/v1/cases/{}", c.case_a), Some(&c.carol)),
    ));
    t.push(h(
        "not yours",
        "an auditor opens a case",
        404,
        "not_found",
        |c| c.get(&format!("/v1/cases/{}", c.case_a), Some(&c.dave)),
    ));
    t.push(h(
        "not yours",
        "a complainant lists all cases",
        404,
        "not_found",
        |c| c.get("/v1/cases", Some(&c.tok_a)),
    ));
    t.push(h(
        "not yours",
        "a complainant withdrawing another case",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                "/v1/me/withdraw",
                Some(&c.tok_a),
                &format!("{{\"case_id\":\"{}\"}}", c.case_b),
            )
        },
    ));
    t.push(h(
        "not yours",
        "a staff session withdrawing a case",
        404,
        "not_found",
        |c| {
            c.json(
                "POST",
                "/v1/me/withdraw",
                Some(&c.alice),
                &format!("{{\"case_id\":\"{}\"}}", c.case_a),
            )
        },
    ));
    t.push(h(
        "not yours",
        "a legal hold by a reviewer without a grant",
        404,
        "not_found",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/hold", c.case_a),
                Some(&c.carol),
                "{\"hold\":true}",
            )
        },
    ));
    t.push(h(
        "not yours",
        "a staff session on /v1/me",
        404,
        "not_found",
        |c| c.get("/v1/me", Some(&c.alice)),
    ));
    t.push(h(
        "not yours",
        "complainant B downloads A's document",
        404,
        "not_found",
        |c| {
            c.get(
                &format!("/v1/cases/{}/documents/{}", c.case_a, c.doc_a),
                Some(&c.tok_b),
            )
        },
    ));
    t.push(h(
        "not yours",
        "complainant B uploads into A's case",
        404,
        "not_found",
        |c| {
            c.req(
                "PUT",
                &format!(
                    "/v1/cases/{}/documents/{}?kind=attachment",
                    c.case_a,
                    uuid()
                ),
                Some(&c.tok_b),
                &[("content-type", "application/octet-stream")],
                b"age-encryption.org/v1\n".to_vec(),
            )
        },
    ));
    t.push(h(
        "not yours",
        "a reviewer without a grant reads the activity",
        404,
        "not_found",
        |c| c.get(&format!("/v1/cases/{}/activity", c.case_a), Some(&c.carol)),
    ));
    t.push(h(
        "not yours",
        "a reviewer without a grant sets the status",
        404,
        "not_found",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/status", c.case_a),
                Some(&c.carol),
                r#"{"status":"closed","version":1}"#,
            )
        },
    ));
    t.push(h(
        "not yours",
        "a complainant shares a grant",
        404,
        "not_found",
        |c| {
            c.json(
                "PUT",
                &format!("/v1/cases/{}/grants/carol", c.case_a),
                Some(&c.tok_a),
                r#"{"ciphertext":"AAAA"}"#,
            )
        },
    ));
    t.push(h(
        "not yours",
        "complainant A starts an upload in B's case",
        404,
        "not_found",
        |c| {
            let body = json!({"document_id": uuid(), "kind": "attachment", "length": 5000});
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_b),
                Some(&c.tok_a),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "not yours",
        "complainant A reads B's upload",
        404,
        "not_found",
        |c| c.get(&format!("/v1/uploads/{}", c.up_b), Some(&c.tok_a)),
    ));
    t.push(h(
        "not yours",
        "complainant A deletes B's upload",
        404,
        "not_found",
        |c| {
            c.req(
                "DELETE",
                &format!("/v1/uploads/{}", c.up_b),
                Some(&c.tok_a),
                &[],
                Vec::new(),
            )
        },
    ));
    t.push(h(
        "not yours",
        "a reviewer appends to a complainant's upload",
        404,
        "not_found",
        |c| {
            c.req(
                "PATCH",
                &format!("/v1/uploads/{}", c.up_partial),
                Some(&c.alice),
                &[
                    ("content-type", "application/offset+octet-stream"),
                    ("upload-offset", "1000"),
                ],
                vec![0u8; 10],
            )
        },
    ));

    // --- Path traversal in every id ---
    let traversal = "..%2F..%2F..%2Fetc%2Fpasswd";
    t.push(h(
        "traversal",
        "{case} in GET /v1/cases/{case}",
        400,
        "bad_request",
        move |c| c.get(&format!("/v1/cases/{traversal}"), Some(&c.alice)),
    ));
    t.push(h(
        "traversal",
        "{case} in a document path",
        400,
        "bad_request",
        move |c| {
            c.get(
                &format!("/v1/cases/{traversal}/documents/{}", c.doc_a),
                Some(&c.tok_a),
            )
        },
    ));
    t.push(h(
        "traversal",
        "{doc} in a document path",
        400,
        "bad_request",
        move |c| {
            c.req(
                "PUT",
                &format!(
                    "/v1/cases/{}/documents/{traversal}?kind=attachment",
                    c.case_a
                ),
                Some(&c.tok_a),
                &[("content-type", "application/octet-stream")],
                b"age-encryption.org/v1\n".to_vec(),
            )
        },
    ));
    t.push(h(
        "traversal",
        "{staff} in a grant path",
        400,
        "bad_request",
        move |c| {
            c.json(
                "PUT",
                &format!("/v1/cases/{}/grants/{traversal}", c.case_a),
                Some(&c.alice),
                r#"{"ciphertext":"AAAA"}"#,
            )
        },
    ));
    t.push(h(
        "traversal",
        "{id} in an upload path",
        400,
        "bad_request",
        move |c| c.get(&format!("/v1/uploads/{traversal}"), Some(&c.tok_a)),
    ));
    t.push(h(
        "traversal",
        "{id} in an upload's finish",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                "/v1/uploads/..%2F..%2Fblobs%2Fab/finish",
                Some(&c.tok_a),
                &json!({"sha256": hex(&[0u8; 32])}).to_string(),
            )
        },
    ));
    t.push(h(
        "traversal",
        "{case} in an upload's create",
        400,
        "bad_request",
        move |c| {
            let body = json!({"document_id": uuid(), "kind": "attachment", "length": 5000});
            c.json(
                "POST",
                &format!("/v1/cases/{traversal}/uploads"),
                Some(&c.tok_a),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "traversal",
        "{version} in a keyring path",
        400,
        "bad_request",
        move |c| c.get(&format!("/v1/keyring/{traversal}"), None),
    ));
    t.push(h(
        "traversal",
        "{case} in an acknowledgement",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                "/v1/cases/%2E%2E%2Fetc/acknowledgements",
                Some(&c.alice),
                "{}",
            )
        },
    ));
    t.push(h(
        "invalid utf-8",
        "percent-encoded invalid UTF-8 as {case}",
        400,
        "bad_request",
        |c| c.get("/v1/cases/%FF%FE%C0%AF", Some(&c.alice)),
    ));
    t.push(h(
        "traversal",
        "a NUL byte as {case}",
        400,
        "bad_request",
        |c| c.get("/v1/cases/%00/activity", Some(&c.alice)),
    ));
    t.push(h(
        "traversal",
        "an upper-case upload id",
        400,
        "bad_request",
        |c| {
            c.get(
                &format!("/v1/uploads/{}", c.up_partial.to_uppercase()),
                Some(&c.tok_a),
            )
        },
    ));
    t.push(h(
        "unknown id",
        "an upload id that does not exist",
        404,
        "not_found",
        |c| c.get(&format!("/v1/uploads/{}", "0".repeat(32)), Some(&c.tok_a)),
    ));
    t.push(h(
        "unknown id",
        "a keyring version never accepted",
        404,
        "not_found",
        |c| c.get("/v1/keyring/999", None),
    ));
    t.push(h(
        "unknown id",
        "a staff id not in the keyring",
        404,
        "not_found",
        |c| {
            c.json(
                "PUT",
                &format!("/v1/cases/{}/grants/zed", c.case_a),
                Some(&c.alice),
                &json!({"ciphertext": b64(b"age-encryption.org/v1\n")}).to_string(),
            )
        },
    ));

    // --- Huge integers, negative numbers ---
    t.push(h(
        "integers",
        "a negative keyring version",
        400,
        "bad_request",
        |c| c.get("/v1/keyring/-1", None),
    ));
    t.push(h(
        "integers",
        "a keyring version past u64",
        400,
        "bad_request",
        |c| c.get("/v1/keyring/99999999999999999999999", None),
    ));
    t.push(h(
        "integers",
        "log entries from a negative start",
        400,
        "bad_request",
        |c| c.get("/v1/log/entries?start=-1&count=10", None),
    ));
    t.push(h(
        "integers",
        "log entries past the end",
        400,
        "bad_range",
        |c| c.get("/v1/log/entries?start=18446744073709551615&count=1", None),
    ));
    t.push(h(
        "integers",
        "a million log entries at once",
        400,
        "bad_range",
        |c| c.get("/v1/log/entries?start=0&count=1000000", None),
    ));
    t.push(h(
        "integers",
        "an inclusion proof with index past size",
        400,
        "bad_range",
        |c| c.get("/v1/log/proof/inclusion?index=5&size=3", None),
    ));
    t.push(h(
        "integers",
        "a consistency proof from 0",
        400,
        "bad_range",
        |c| c.get("/v1/log/proof/consistency?from=0&to=1", None),
    ));
    t.push(h(
        "integers",
        "a consistency proof to a size past u64",
        400,
        "bad_request",
        |c| c.get("/v1/log/proof/consistency?from=1&to=1e400", None),
    ));
    t.push(h(
        "integers",
        "a status version past i64",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/status", c.case_a),
                Some(&c.alice),
                r#"{"status":"closed","version":99999999999999999999999999}"#,
            )
        },
    ));
    t.push(h(
        "integers",
        "a negative rejection reason",
        400,
        "bad_request",
        |c| {
            let body = json!({
                "document_id": c.doc_a, "verdict": "rejected", "reason": -1,
                "signed_at": now(), "signature": b64(&[0u8; 64]),
            });
            c.json(
                "POST",
                &format!("/v1/cases/{}/acknowledgements", c.case_a),
                Some(&c.alice),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "integers",
        "an upload of u64::MAX bytes",
        413,
        "too_large",
        |c| {
            let body = format!(
                r#"{{"document_id":"{}","kind":"attachment","length":18446744073709551615}}"#,
                uuid()
            );
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &body,
            )
        },
    ));
    t.push(h(
        "integers",
        "an upload of -1 bytes",
        400,
        "bad_request",
        |c| {
            let body = format!(
                r#"{{"document_id":"{}","kind":"attachment","length":-1}}"#,
                uuid()
            );
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &body,
            )
        },
    ));

    // --- Wrong types, unknown enum values, unknown and duplicate fields ---
    t.push(h(
        "enum",
        "an unknown case status",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/status", c.case_a),
                Some(&c.alice),
                r#"{"status":"exploded","version":1}"#,
            )
        },
    ));
    t.push(h(
        "wrong type",
        "a status version as a string",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/status", c.case_a),
                Some(&c.alice),
                r#"{"status":"closed","version":"1"}"#,
            )
        },
    ));
    t.push(h("enum", "an unknown verdict", 400, "bad_request", |c| {
        let body = json!({
            "document_id": c.doc_a, "verdict": "maybe",
            "signed_at": now(), "signature": b64(&[0u8; 64]),
        });
        c.json(
            "POST",
            &format!("/v1/cases/{}/acknowledgements", c.case_a),
            Some(&c.alice),
            &body.to_string(),
        )
    }));
    t.push(h(
        "signature",
        "an acknowledgement with a wrong signature",
        400,
        "bad_signature",
        |c| {
            let body = json!({
                "document_id": c.doc_a, "verdict": "accepted",
                "signed_at": now(), "signature": b64(&[0u8; 64]),
            });
            c.json(
                "POST",
                &format!("/v1/cases/{}/acknowledgements", c.case_a),
                Some(&c.alice),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "enum",
        "an unknown document kind in a query",
        400,
        "bad_request",
        |c| {
            c.req(
                "PUT",
                &format!("/v1/cases/{}/documents/{}?kind=selfie", c.case_a, uuid()),
                Some(&c.tok_a),
                &[("content-type", "application/octet-stream")],
                b"age-encryption.org/v1\n".to_vec(),
            )
        },
    ));
    t.push(h(
        "enum",
        "an unknown document kind for an upload",
        400,
        "bad_request",
        |c| {
            let body = json!({"document_id": uuid(), "kind": "selfie", "length": 5000});
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "enum",
        "a complainant uploading a note",
        400,
        "bad_request",
        |c| {
            let body = json!({"document_id": uuid(), "kind": "note", "length": 5000});
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &body.to_string(),
            )
        },
    ));
    t.push(h(
        "wrong type",
        "an assignee that is a list",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/assignee", c.case_a),
                Some(&c.alice),
                r#"{"assignee":["alice","carol"],"version":1}"#,
            )
        },
    ));
    t.push(h(
        "wrong type",
        "an unknown field beside the key",
        400,
        "bad_request",
        |c| {
            let body = json!({ "public_key": c.key_a, "admin": true });
            c.json("POST", "/v1/auth/challenge", None, &body.to_string())
        },
    ));
    t.push(h(
        "wrong type",
        "a duplicated field",
        400,
        "bad_request",
        |c| {
            let body = format!(
                r#"{{"public_key":"{}","public_key":"{}"}}"#,
                c.key_a, c.key_b
            );
            c.json("POST", "/v1/auth/challenge", None, &body)
        },
    ));
    t.push(h(
        "wrong type",
        "an unknown query parameter",
        400,
        "bad_request",
        |c| c.get("/v1/log/proof/inclusion?index=0&size=1&debug=1", None),
    ));
    t.push(h(
        "wrong type",
        "a grant that is not base64",
        400,
        "bad_request",
        |c| {
            c.json(
                "PUT",
                &format!("/v1/cases/{}/grants/carol", c.case_a),
                Some(&c.alice),
                r#"{"ciphertext":"not base64 at all!"}"#,
            )
        },
    ));
    t.push(h(
        "wrong type",
        "a case whose id is a path",
        400,
        "bad_request",
        |c| {
            let body = json!({
                "case_id": "../../etc/passwd", "auth_key": b64(&[1u8; 32]),
                "commitment": b64(&[2u8; 32]), "keyring_version": 1, "grants": [],
            });
            c.json("POST", "/v1/cases", None, &body.to_string())
        },
    ));

    // --- Malformed and deeply nested JSON, invalid UTF-8 in bodies ---
    t.push(h(
        "malformed json",
        "a truncated body",
        400,
        "bad_request",
        |c| c.json("POST", "/v1/auth/challenge", None, r#"{"public_key": ["#),
    ));
    t.push(h(
        "malformed json",
        "JSON nested 100 000 deep",
        400,
        "bad_request",
        |c| c.json("POST", "/v1/auth/challenge", None, &nested(100_000)),
    ));
    t.push(h(
        "malformed json",
        "a keyring nested 100 000 deep",
        400,
        "bad_keyring",
        |c| c.json("POST", "/v1/keyring", None, &nested(100_000)),
    ));
    t.push(h(
        "invalid utf-8",
        "a JSON body that is not UTF-8",
        400,
        "bad_request",
        |c| {
            c.req(
                "POST",
                "/v1/auth/challenge",
                None,
                &[("content-type", "application/json")],
                b"{\"public_key\": \"\xff\xfe\xfd\"}".to_vec(),
            )
        },
    ));
    t.push(h(
        "malformed json",
        "an empty body",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/cases/{}/assignee", c.case_a),
                Some(&c.alice),
                "",
            )
        },
    ));

    // --- Keyrings: wrong signature, foreign root, rollback, malformed ---
    t.push(h(
        "keyring",
        "a keyring with one byte changed",
        400,
        "bad_signature",
        |c| {
            let mut k = c.keyring.clone();
            let mut body =
                amanat_protocol::encoding::from_b64("b", k["body"].as_str().unwrap()).unwrap();
            let i = body.len() - 3;
            body[i] ^= 1;
            k["body"] = json!(b64(&body));
            c.json("POST", "/v1/keyring", None, &k.to_string())
        },
    ));
    t.push(h(
        "keyring",
        "a keyring from another root",
        400,
        "unknown_root",
        |c| c.json("POST", "/v1/keyring", None, &c.foreign_keyring.to_string()),
    ));
    t.push(h(
        "keyring",
        "the current keyring again (rollback)",
        409,
        "keyring_rollback",
        |c| c.json("POST", "/v1/keyring", None, &c.keyring.to_string()),
    ));
    t.push(h(
        "keyring",
        "a keyring body that is not base64",
        400,
        "bad_keyring",
        |c| {
            let mut k = c.keyring.clone();
            k["body"] = json!("not base64!");
            c.json("POST", "/v1/keyring", None, &k.to_string())
        },
    ));

    // --- Oversized bodies ---
    t.push(h("oversized", "a 2 MiB JSON body", 413, "too_large", |c| {
        let body = format!(
            r#"{{"status":"closed","version":1,"x":"{}"}}"#,
            "a".repeat(2 << 20)
        );
        c.json(
            "POST",
            &format!("/v1/cases/{}/status", c.case_a),
            Some(&c.alice),
            &body,
        )
    }));
    t.push(h("oversized", "a 2 MiB keyring", 413, "too_large", |c| {
        c.json(
            "POST",
            "/v1/keyring",
            None,
            &format!("\"{}\"", "a".repeat(2 << 20)),
        )
    }));
    t.push(h("oversized", "a JSON route declaring 10 GB", 413, "too_large", |c| {
        c.raw(
            b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n{",
        )
    }));
    t.push(h("oversized", "a document declaring more than the limit", 413, "too_large", |c| {
        let req = format!(
            "PUT /v1/cases/{}/documents/{}?kind=attachment HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\nage",
            c.case_a,
            uuid(),
            c.tok_a,
            MAX_DOCUMENT_BYTES + 1
        );
        c.raw(req.as_bytes())
    }));

    // --- Documents: not age, truncated age ---
    t.push(h(
        "not age",
        "a plaintext PDF as a document",
        400,
        "not_age",
        |c| {
            c.req(
                "PUT",
                &format!(
                    "/v1/cases/{}/documents/{}?kind=attachment",
                    c.case_a,
                    uuid()
                ),
                Some(&c.tok_a),
                &[("content-type", "application/octet-stream")],
                b"%PDF-1.4 not encrypted at all".to_vec(),
            )
        },
    ));
    t.push(h("not age", "an age file cut short", 400, "not_age", |c| {
        let keys = {
            // Any recipient will do: the server checks the shape, not who can read it.
            age::x25519::Identity::generate().to_public()
        };
        let meta = DocumentMeta {
            kind: DocumentKind::Attachment,
            name: None,
            media_type: "image/jpeg".into(),
            length: 20_000,
        };
        let sealed = envelope::seal(&keys, &meta, &vec![3u8; 20_000][..], Vec::new()).unwrap();
        c.req(
            "PUT",
            &format!(
                "/v1/cases/{}/documents/{}?kind=attachment",
                c.case_a,
                uuid()
            ),
            Some(&c.tok_a),
            &[("content-type", "application/octet-stream")],
            sealed[..sealed.len() - 100].to_vec(),
        )
    }));

    // --- Resumable uploads: offsets, chunks, finish ---
    let patch = |c: &Ctx, id: &str, offset: &str, body: Vec<u8>| {
        c.req(
            "PATCH",
            &format!("/v1/uploads/{id}"),
            Some(&c.tok_a),
            &[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", offset),
            ],
            body,
        )
    };
    t.push(h(
        "upload",
        "a duplicated chunk (offset 0 again)",
        409,
        "offset_mismatch",
        move |c| patch(c, &c.up_partial, "0", vec![1u8; 1000]),
    ));
    t.push(h(
        "upload",
        "an offset beyond what the server has",
        409,
        "offset_mismatch",
        move |c| patch(c, &c.up_partial, "2000", vec![1u8; 10]),
    ));
    t.push(h(
        "upload",
        "a negative offset",
        400,
        "bad_request",
        move |c| patch(c, &c.up_partial, "-1", vec![1u8; 10]),
    ));
    t.push(h(
        "upload",
        "an offset past u64",
        400,
        "bad_request",
        move |c| patch(c, &c.up_partial, "99999999999999999999999", vec![1u8; 10]),
    ));
    t.push(h(
        "upload",
        "the offset u64::MAX",
        409,
        "offset_mismatch",
        move |c| patch(c, &c.up_partial, "18446744073709551615", vec![1u8; 10]),
    ));
    t.push(h(
        "upload",
        "an offset in hex",
        400,
        "bad_request",
        move |c| patch(c, &c.up_partial, "0x3e8", vec![1u8; 10]),
    ));
    t.push(h(
        "upload",
        "a chunk without an offset",
        400,
        "bad_request",
        |c| {
            c.req(
                "PATCH",
                &format!("/v1/uploads/{}", c.up_partial),
                Some(&c.tok_a),
                &[("content-type", "application/offset+octet-stream")],
                vec![1u8; 10],
            )
        },
    ));
    t.push(h("upload", "a chunk declaring more than 16 MiB", 413, "too_large", |c| {
        let req = format!(
            "PATCH /v1/uploads/{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 1000\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            c.up_partial,
            c.tok_a,
            (16 << 20) + 1
        );
        c.raw(req.as_bytes())
    }));
    t.push(h("upload", "a chunk running past the declared length", 413, "too_large", |c| {
        let req = format!(
            "PATCH /v1/uploads/{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 1000\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            c.up_partial,
            c.tok_a,
            c.up_len
        );
        c.raw(req.as_bytes())
    }));
    t.push(h(
        "upload",
        "finishing an incomplete upload",
        400,
        "incomplete",
        |c| {
            c.json(
                "POST",
                &format!("/v1/uploads/{}/finish", c.up_partial),
                Some(&c.tok_a),
                &json!({"sha256": hex(&[0u8; 32])}).to_string(),
            )
        },
    ));
    t.push(h(
        "upload",
        "a finish whose hash is not hex",
        400,
        "bad_request",
        |c| {
            c.json(
                "POST",
                &format!("/v1/uploads/{}/finish", c.up_badhash),
                Some(&c.tok_a),
                r#"{"sha256":"../../../../etc/passwd"}"#,
            )
        },
    ));
    t.push(
        h(
            "upload",
            "finishing with the wrong SHA-256",
            400,
            "hash_mismatch",
            |c| {
                c.json(
                    "POST",
                    &format!("/v1/uploads/{}/finish", c.up_badhash),
                    Some(&c.tok_a),
                    &json!({"sha256": hex(&[0xab; 32])}).to_string(),
                )
            },
        )
        .effect(Effect::Removes {
            table: "uploads",
            key: |c| c.up_badhash.clone(),
        }),
    );
    t.push(
        h(
            "not age",
            "finishing an upload that is not age",
            400,
            "not_age",
            |c| {
                c.json(
                    "POST",
                    &format!("/v1/uploads/{}/finish", c.up_junk),
                    Some(&c.tok_a),
                    &json!({"sha256": c.up_junk_sha}).to_string(),
                )
            },
        )
        .effect(Effect::Removes {
            table: "uploads",
            key: |c| c.up_junk.clone(),
        }),
    );
    t.push(h(
        "upload",
        "creating an upload with a document id in use",
        409,
        "conflict",
        |c| {
            let body = json!({"document_id": c.doc_a, "kind": "attachment", "length": 5000});
            c.json(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &body.to_string(),
            )
        },
    ));

    // --- Methods and content types an endpoint does not take ---
    t.push(h(
        "method",
        "POST /v1/health",
        405,
        "method_not_allowed",
        |c| c.json("POST", "/v1/health", None, "{}"),
    ));
    t.push(h(
        "method",
        "DELETE /v1/keyring",
        405,
        "method_not_allowed",
        |c| c.req("DELETE", "/v1/keyring", None, &[], Vec::new()),
    ));
    t.push(h(
        "method",
        "PATCH /v1/cases",
        405,
        "method_not_allowed",
        |c| c.json("PATCH", "/v1/cases", Some(&c.alice), "{}"),
    ));
    t.push(h(
        "method",
        "GET on acknowledgements",
        405,
        "method_not_allowed",
        |c| {
            c.get(
                &format!("/v1/cases/{}/acknowledgements", c.case_a),
                Some(&c.alice),
            )
        },
    ));
    t.push(h(
        "method",
        "DELETE a document",
        405,
        "method_not_allowed",
        |c| {
            c.req(
                "DELETE",
                &format!("/v1/cases/{}/documents/{}", c.case_a, c.doc_a),
                Some(&c.tok_a),
                &[],
                Vec::new(),
            )
        },
    ));
    t.push(h(
        "method",
        "PUT /v1/log/checkpoint",
        405,
        "method_not_allowed",
        |c| c.req("PUT", "/v1/log/checkpoint", None, &[], Vec::new()),
    ));
    t.push(h(
        "method",
        "POST to an upload (not PATCH)",
        405,
        "method_not_allowed",
        |c| {
            c.req(
                "POST",
                &format!("/v1/uploads/{}", c.up_partial),
                Some(&c.tok_a),
                &[("content-type", "application/offset+octet-stream")],
                vec![0u8; 10],
            )
        },
    ));
    t.push(h(
        "method",
        "GET an upload's finish",
        405,
        "method_not_allowed",
        |c| {
            c.get(
                &format!("/v1/uploads/{}/finish", c.up_partial),
                Some(&c.tok_a),
            )
        },
    ));
    t.push(h(
        "method",
        "TRACE /v1/me",
        405,
        "method_not_allowed",
        |c| c.req("TRACE", "/v1/me", Some(&c.tok_a), &[], Vec::new()),
    ));
    t.push(h(
        "method",
        "DELETE the log's entries",
        405,
        "method_not_allowed",
        |c| {
            c.req(
                "DELETE",
                "/v1/log/entries?start=0&count=1",
                None,
                &[],
                Vec::new(),
            )
        },
    ));
    t.push(h(
        "method",
        "GET an inclusion proof by POST",
        405,
        "method_not_allowed",
        |c| c.json("POST", "/v1/log/proof/inclusion?index=0&size=1", None, "{}"),
    ));
    t.push(h(
        "method",
        "GET /v1/auth/challenge",
        405,
        "method_not_allowed",
        |c| c.get("/v1/auth/challenge", None),
    ));
    t.push(h(
        "method",
        "GET a case's status",
        405,
        "method_not_allowed",
        |c| c.get(&format!("/v1/cases/{}/status", c.case_a), Some(&c.alice)),
    ));
    t.push(h("method", "GET a grant", 405, "method_not_allowed", |c| {
        c.get(
            &format!("/v1/cases/{}/grants/alice", c.case_a),
            Some(&c.alice),
        )
    }));
    t.push(h(
        "method",
        "DELETE a case",
        405,
        "method_not_allowed",
        |c| {
            c.req(
                "DELETE",
                &format!("/v1/cases/{}", c.case_a),
                Some(&c.alice),
                &[],
                Vec::new(),
            )
        },
    ));
    t.push(h(
        "content type",
        "a challenge as text/plain",
        415,
        "unsupported_media_type",
        |c| {
            let body = json!({ "public_key": c.key_a }).to_string();
            c.req(
                "POST",
                "/v1/auth/challenge",
                None,
                &[("content-type", "text/plain")],
                body.into_bytes(),
            )
        },
    ));
    t.push(h(
        "content type",
        "a keyring without a content type",
        415,
        "unsupported_media_type",
        |c| {
            c.req(
                "POST",
                "/v1/keyring",
                None,
                &[],
                c.keyring.to_string().into_bytes(),
            )
        },
    ));
    t.push(h(
        "content type",
        "a status as a form",
        415,
        "unsupported_media_type",
        |c| {
            c.req(
                "POST",
                &format!("/v1/cases/{}/status", c.case_a),
                Some(&c.alice),
                &[("content-type", "application/x-www-form-urlencoded")],
                b"status=closed&version=1".to_vec(),
            )
        },
    ));
    t.push(h(
        "content type",
        "a document as JSON",
        415,
        "unsupported_media_type",
        |c| {
            c.json(
                "PUT",
                &format!(
                    "/v1/cases/{}/documents/{}?kind=attachment",
                    c.case_a,
                    uuid()
                ),
                Some(&c.tok_a),
                "{}",
            )
        },
    ));
    t.push(h(
        "content type",
        "a chunk as application/octet-stream",
        415,
        "unsupported_media_type",
        |c| {
            c.req(
                "PATCH",
                &format!("/v1/uploads/{}", c.up_partial),
                Some(&c.tok_a),
                &[
                    ("content-type", "application/octet-stream"),
                    ("upload-offset", "1000"),
                ],
                vec![1u8; 10],
            )
        },
    ));
    t.push(h(
        "content type",
        "an upload's create as text/plain",
        415,
        "unsupported_media_type",
        |c| {
            let body = json!({"document_id": uuid(), "kind": "attachment", "length": 5000});
            c.req(
                "POST",
                &format!("/v1/cases/{}/uploads", c.case_a),
                Some(&c.tok_a),
                &[("content-type", "text/plain")],
                body.to_string().into_bytes(),
            )
        },
    ));
    // --- tlog-tiles: bad tile paths, indexes past any tree, widths past the log ---
    t.push(h("tiles", "a tile level of 64", 400, "bad_request", |c| {
        c.get("/tile/64/000", None)
    }));
    t.push(h(
        "tiles",
        "a tile index that overflows 64 bits",
        400,
        "bad_request",
        |c| c.get("/tile/0/x999/x999/x999/x999/x999/x999/999", None),
    ));
    t.push(h(
        "tiles",
        "a partial tile of width 256",
        400,
        "bad_request",
        |c| c.get("/tile/0/000.p/256", None),
    ));
    t.push(h(
        "tiles",
        "a tile index with a leading zero group",
        400,
        "bad_request",
        |c| c.get("/tile/entries/x000/001", None),
    ));
    t.push(h(
        "tiles",
        "a hash tile far past the log",
        404,
        "not_found",
        |c| c.get("/tile/0/x018/x446/x744/x073/x709/x551/615", None),
    ));
    t.push(h(
        "tiles",
        "an entry bundle wider than the log",
        404,
        "not_found",
        |c| c.get("/tile/entries/000.p/255", None),
    ));
    // --- root rotation: a handover must carry both roots' signatures and start at the root in force ---
    t.push(h(
        "root handover",
        "a handover the new root did not sign",
        400,
        "bad_signature",
        |c| {
            let mut h = amanat_protocol::handover::Handover::sign(
                &amanat_protocol::keyring::RootKey::generate(),
                &amanat_protocol::keyring::RootKey::generate(),
                1,
            )
            .unwrap();
            h.to_signature = h.from_signature;
            c.req(
                "POST",
                "/v1/root/handover",
                None,
                &[("content-type", "application/json")],
                serde_json::to_vec(&h).unwrap(),
            )
        },
    ));
    t.push(h(
        "root handover",
        "a well-signed handover from a root that is not in force",
        409,
        "not_current_root",
        |c| {
            let h = amanat_protocol::handover::Handover::sign(
                &amanat_protocol::keyring::RootKey::generate(),
                &amanat_protocol::keyring::RootKey::generate(),
                1,
            )
            .unwrap();
            c.req(
                "POST",
                "/v1/root/handover",
                None,
                &[("content-type", "application/json")],
                serde_json::to_vec(&h).unwrap(),
            )
        },
    ));
    t.push(h(
        "method",
        "GET /v1/root/handover",
        405,
        "method_not_allowed",
        |c| c.get("/v1/root/handover", None),
    ));
    t.push(h(
        "method",
        "POST /checkpoint",
        405,
        "method_not_allowed",
        |c| c.req("POST", "/checkpoint", None, &[], Vec::new()),
    ));
    t.push(h(
        "unknown path",
        "a path no route matches",
        404,
        "not_found",
        |c| c.get("/v1/admin/shell", Some(&c.alice)),
    ));

    // --- Raw HTTP: what no client library sends ---
    t.push(parser(
        "invalid utf-8",
        "a request line that is not UTF-8",
        400,
        |c| {
            c.raw(
                b"GET /v1/cases/\xff\xfe\xc0\xaf HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
        },
    ));
    t.push(parser(
        "traversal",
        "a raw NUL in the request line",
        400,
        |c| c.raw(b"GET /v1/cases/\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ));
    t.push(parser("oversized", "a 200 KiB header", 431, |c| {
        let req = format!(
            "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(200 * 1024)
        );
        c.raw(req.as_bytes())
    }));
    t.push(parser("oversized", "200 headers", 431, |c| {
        let mut req = String::from("GET /v1/health HTTP/1.1\r\nHost: x\r\n");
        for i in 0..200 {
            req.push_str(&format!("X-H{i}: {i}\r\n"));
        }
        req.push_str("Connection: close\r\n\r\n");
        c.raw(req.as_bytes())
    }));
    t.push(parser("content-length", "a Content-Length that is not a number", 400, |c| {
        c.raw(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}")
    }));
    t.push(parser("content-length", "a negative Content-Length", 400, |c| {
        c.raw(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -2\r\nConnection: close\r\n\r\n{}")
    }));
    t.push(parser("content-length", "two different Content-Lengths", 400, |c| {
        c.raw(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}")
    }));
    t.push(parser("content-length", "Content-Length with chunked encoding (smuggling)", 400, |c| {
        c.raw(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
    }));
    t.push(parser(
        "malformed http",
        "a request line that is not HTTP",
        400,
        |c| c.raw(b"HELLO THERE\r\n\r\n"),
    ));

    // --- Slow requests (last: each waits for the server's timeout) ---
    t.push(h("slow", "a JSON body that stops half-way", 408, "timeout", |c| {
        let mut conn = RawTls::connect(&c.server.url, &c.cert());
        conn.send(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"public_key\"")
            .unwrap();
        conn.set_read_timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS * 10));
        conn.read_reply().into()
    }));
    t.push(h("slow", "a JSON body a byte every 200 ms", 408, "timeout", |c| {
        let mut conn = RawTls::connect(&c.server.url, &c.cert());
        conn.send(b"POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            .unwrap();
        trickle(&mut conn, &[b' '; 1000]).expect("the server never cut the slow body off")
    }));
    t.push(h(
        "slow",
        "a document that stops half-way",
        408,
        "timeout",
        |c| {
            // A streamed body may be quiet for twice the request timeout; then it is cut off
            // and its temporary blob deleted (the snapshot covers blobs/tmp too).
            let mut conn = RawTls::connect(&c.server.url, &c.cert());
            let head = format!(
                "PUT /v1/cases/{}/documents/{}?kind=attachment HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/octet-stream\r\nContent-Length: 50000\r\n\r\nage-encryption.org/v1\n",
                c.case_a,
                uuid(),
                c.tok_a
            );
            conn.send(head.as_bytes()).unwrap();
            conn.set_read_timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS * 15));
            conn.read_reply().into()
        },
    ));
    t.push(parser(
        "slow",
        "a request head a byte every 200 ms (slowloris)",
        408,
        |c| {
            let mut conn = RawTls::connect(&c.server.url, &c.cert());
            let mut head = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_vec();
            head.extend(std::iter::repeat_n(b'a', 10_000));
            trickle(&mut conn, &head).expect("the server never cut the slow head off")
        },
    ));
    t
}

/// Sends `bytes` one at a time, 200 ms apart, until the server answers or closes; returns
/// the answer (`None` if it never came, within a bound far above the request timeout).
fn trickle(conn: &mut RawTls, bytes: &[u8]) -> Option<Outcome> {
    let limit = Instant::now() + Duration::from_secs(REQUEST_TIMEOUT_SECS * 15);
    conn.set_read_timeout(Duration::from_millis(200));
    for b in bytes {
        if Instant::now() > limit {
            return None;
        }
        if conn.send(std::slice::from_ref(b)).is_err() {
            break;
        }
        match conn.read_some() {
            Ok(None) => continue,
            Ok(Some(got)) if got.is_empty() => break,
            Ok(Some(got)) => {
                // The answer has begun: read the rest of it normally.
                return Some(read_rest(conn, got));
            }
            Err(_) => break,
        }
    }
    // The write failed or the connection closed: an answer may still be buffered.
    conn.set_read_timeout(Duration::from_secs(5));
    match conn.read_some() {
        Ok(Some(got)) if !got.is_empty() => Some(read_rest(conn, got)),
        _ => Some(Outcome {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
        }),
    }
}

/// Parses an answer whose first bytes were already read.
fn read_rest(conn: &mut RawTls, mut got: Vec<u8>) -> Outcome {
    conn.set_read_timeout(Duration::from_secs(5));
    loop {
        match conn.read_some() {
            Ok(Some(b)) if !b.is_empty() => got.extend_from_slice(&b),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Outcome {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// What a refusal must not change: every table's rows, every file under the blob
/// directory (including uploads in progress), the log's size, and what the API shows.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    db: Vec<String>,
    files: Vec<(String, String)>,
    checkpoint: String,
    api: String,
}

fn sqlite_dump(server: &Server) -> Option<Vec<String>> {
    if !amanat_tests::tamper::sqlite3_available() {
        eprintln!(
            "notice: no sqlite3 shell, so the catalogue's snapshot compares what the API shows and the blob store, not every table"
        );
        return None;
    }
    let out = Command::new("sqlite3")
        .arg(server.dir().join("amanat.db"))
        .arg(".dump")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sqlite3 .dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

fn snapshot(server: &Server, reviewer: Option<&str>, complainant: Option<&str>) -> Snapshot {
    let http = server.http();
    // First: asking for the checkpoint may store a signature for the current size.
    let cp = http.get("/v1/log/checkpoint", None);
    assert_eq!(cp.status, 200, "{cp:?}");
    let checkpoint = cp.json.unwrap()["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    let mut api = String::new();
    if let Some(t) = reviewer {
        let list = http.get("/v1/cases", Some(t));
        assert_eq!(list.status, 200, "{list:?}");
        api.push_str(&String::from_utf8_lossy(&list.body));
    }
    if let Some(t) = complainant {
        let me = http.get("/v1/me", Some(t));
        assert_eq!(me.status, 200, "{me:?}");
        api.push_str(&String::from_utf8_lossy(&me.body));
    }
    let mut paths = Vec::new();
    amanat_tests::walk(&server.dir().join("blobs"), &mut paths);
    paths.sort();
    let files = paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                hex(&sha2::Sha256::digest(std::fs::read(&p).unwrap())),
            )
        })
        .collect();
    Snapshot {
        db: sqlite_dump(server).unwrap_or_default(),
        files,
        checkpoint,
        api,
    }
}

/// `before` with the designed effects applied: what `after` must equal.
fn expected_after(before: &Snapshot, effects: &[(String, String)]) -> Snapshot {
    let mut s = before.clone();
    for (table, key) in effects {
        let key = key.to_ascii_lowercase();
        let prefix = format!("insert into {table} ");
        let quoted = format!("insert into \"{table}\" ");
        s.db.retain(|l| {
            let l = l.to_ascii_lowercase();
            !((l.starts_with(&prefix) || l.starts_with(&quoted)) && l.contains(&key))
        });
        if table == "uploads" {
            s.files.retain(|(p, _)| !p.contains(&key));
        }
    }
    s
}

fn check(e: &Hostile, o: &Outcome) -> Result<(), String> {
    let body = String::from_utf8_lossy(&o.body);
    let short: String = body.chars().take(300).collect();
    if !(400..500).contains(&o.status) {
        return Err(format!("status {} (want 4xx): {short}", o.status));
    }
    if let Some(s) = e.status
        && o.status != s
    {
        return Err(format!("status {} (want {s}): {short}", o.status));
    }
    match e.shape {
        Shape::Json => {
            let ct = o.header("content-type").unwrap_or("");
            if !ct.starts_with("application/json") {
                return Err(format!("content-type {ct:?}, not JSON: {short}"));
            }
            let json: Value =
                serde_json::from_slice(&o.body).map_err(|_| format!("body not JSON: {short}"))?;
            let code = json["error"]
                .as_str()
                .ok_or(format!("no \"error\": {short}"))?;
            let message = json["message"]
                .as_str()
                .ok_or(format!("no \"message\": {short}"))?;
            if message.len() < 10 {
                return Err(format!("message too thin: {short}"));
            }
            if let Some(want) = e.code
                && code != want
            {
                return Err(format!("error {code:?} (want {want:?}): {short}"));
            }
        }
        Shape::Parser => {
            if !o.body.is_empty() && serde_json::from_slice::<Value>(&o.body).is_err() {
                return Err(format!(
                    "a parser refusal with a body that is not JSON: {short}"
                ));
            }
        }
    }
    Ok(())
}

/// Signs in as a case, keeping the request so that it can be replayed.
fn case_login(
    http: &amanat_tests::http::Client,
    key: &ed25519_dalek::SigningKey,
) -> (String, Value) {
    let pk = b64(key.verifying_key().as_bytes());
    let challenge = fresh_challenge(http, key);
    let sig = key
        .sign(&amanat_protocol::auth::message(&challenge))
        .to_bytes();
    let req = json!({ "public_key": pk, "challenge": b64(&challenge), "signature": b64(&sig) });
    let s = http.post_json("/v1/auth/session", &req, None);
    assert_eq!(s.status, 200, "{s:?}");
    (s.json.unwrap()["token"].as_str().unwrap().to_owned(), req)
}

fn fresh_challenge(http: &amanat_tests::http::Client, key: &ed25519_dalek::SigningKey) -> [u8; 32] {
    let pk = b64(key.verifying_key().as_bytes());
    let ch = http.post_json("/v1/auth/challenge", &json!({ "public_key": pk }), None);
    assert_eq!(ch.status, 200, "{ch:?}");
    amanat_protocol::encoding::from_b64("c", ch.json.unwrap()["challenge"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn submit(server: &Server, foundation: &Foundation) -> (String, String) {
    let complainant = Cli::new();
    std::fs::write(complainant.path("poa.pdf"), b"%PDF-1.4 honest").unwrap();
    let out = complainant.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
        "--poa",
        "poa.pdf",
    ]);
    let sub = parse_submit(&out);
    (sub.case_id, sub.codename)
}

/// Creates an upload in `case` and sends `data` (all of it, in one chunk) into it.
fn start_upload(
    http: &amanat_tests::http::Client,
    case: &str,
    token: &str,
    length: u64,
    data: &[u8],
) -> String {
    let body = json!({"document_id": uuid(), "kind": "attachment", "length": length});
    let r = http.post_json(&format!("/v1/cases/{case}/uploads"), &body, Some(token));
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json.unwrap()["upload_id"].as_str().unwrap().to_owned();
    if !data.is_empty() {
        let r = http.send(
            http.request("PATCH", &format!("/v1/uploads/{id}"))
                .bearer_auth(token)
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", "0")
                .body(data.to_vec()),
        );
        assert_eq!(r.status, 204, "{r:?}");
    }
    id
}

#[test]
fn the_catalogue_of_hostile_requests_is_refused_cleanly() {
    let foundation = Foundation::new();
    let alice = foundation.add_staff("alice", "reviewer");
    let timeout = REQUEST_TIMEOUT_SECS.to_string();
    let server = Server::start_with_env(
        &foundation.root_public,
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: Some(MAX_DOCUMENT_BYTES),
            session_ttl_secs: None,
        },
        &[("AMANAT_REQUEST_TIMEOUT_SECS", &timeout)],
    );
    foundation.set_log(&server);
    foundation.publish(&server);
    let (case_a, codename_a) = submit(&server, &foundation);
    let (case_b, codename_b) = submit(&server, &foundation);
    let carol = foundation.add_staff("carol", "reviewer");
    let dave = foundation.add_staff("dave", "auditor");
    foundation.publish(&server);

    let http = server.http();
    alice.login(&server, &foundation.fingerprint);
    let logged_out = alice.token();
    alice.login(&server, &foundation.fingerprint);
    let alice_token = alice.token();
    let r = http.send(
        http.request("DELETE", "/v1/auth/session")
            .bearer_auth(&logged_out),
    );
    assert_eq!(r.status, 204, "{r:?}");
    carol.login(&server, &foundation.fingerprint);
    dave.login(&server, &foundation.fingerprint);

    let keys_a = case_keys(&codename_a, &foundation.fingerprint);
    let keys_b = case_keys(&codename_b, &foundation.fingerprint);
    let (tok_a, replay) = case_login(&http, keys_a.auth());
    let (tok_b, _) = case_login(&http, keys_b.auth());
    let me = http.get("/v1/me", Some(&tok_a));
    let doc_a = me.json.unwrap()["documents"][0]["document_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Uploads: one part-way, one complete but not age, one complete age file for a bad hash.
    let meta = DocumentMeta {
        kind: DocumentKind::Attachment,
        name: None,
        media_type: "video/mp4".into(),
        length: 6000,
    };
    let sealed =
        envelope::seal(&keys_a.recipient(), &meta, &vec![5u8; 6000][..], Vec::new()).unwrap();
    let up_len = sealed.len() as u64;
    let up_partial = start_upload(&http, &case_a, &tok_a, up_len, &sealed[..1000]);
    let junk = vec![0x5au8; sealed.len()];
    let up_junk = start_upload(&http, &case_a, &tok_a, up_len, &junk);
    let up_badhash = start_upload(&http, &case_a, &tok_a, up_len, &sealed);
    let up_b = start_upload(&http, &case_b, &tok_b, up_len, &[]);

    let other = Foundation::new();
    let mallory = other.add_staff("mallory", "reviewer");

    // The expired token: a second server (another foundation's) whose sessions live a second.
    let short = Server::start_with(
        &other.root_public,
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: Some(1),
        },
    );
    other.publish(&short);
    mallory.login(&short, &other.fingerprint);
    let expired = mallory.token();
    let expired_at = Instant::now() + Duration::from_millis(2500);

    // Puzzles: one for the other purpose, one spent on a real challenge, one not solved.
    let pow_case = http.pow(Purpose::CreateCase);
    let pow_spent = http.pow(Purpose::Auth);
    let spent = http.send(
        http.request("POST", "/v1/auth/challenge")
            .header(pow::HEADER, &pow_spent)
            .json(&json!({ "public_key": b64(keys_b.auth().verifying_key().as_bytes()) })),
    );
    assert_eq!(spent.status, 200, "{spent:?}");
    let puzzle = http.puzzle(Purpose::Auth);
    let unsolved = (0u64..)
        .find(|n| !pow::verify(&puzzle.seed, puzzle.bits, puzzle.purpose, *n))
        .unwrap();
    let pow_unsolved = Solution {
        seed: puzzle.seed,
        nonce: unsolved,
    }
    .to_header();

    // Last, as they expire: challenges for the sign-in entries to burn.
    let chal_wrong_sig = fresh_challenge(&http, keys_a.auth());
    let chal_for_b = fresh_challenge(&http, keys_b.auth());

    let ctx = Ctx {
        http,
        alice: alice_token,
        carol: carol.token(),
        dave: dave.token(),
        logged_out,
        expired,
        case_a,
        case_b,
        tok_a,
        tok_b,
        doc_a,
        key_a: b64(keys_a.auth().verifying_key().as_bytes()),
        key_b: b64(keys_b.auth().verifying_key().as_bytes()),
        replay,
        chal_wrong_sig,
        chal_for_b,
        up_junk_sha: hex(&sha2::Sha256::digest(&junk)),
        up_partial,
        up_junk,
        up_badhash,
        up_len,
        up_b,
        keyring: serde_json::to_value(foundation.signed_keyring()).unwrap(),
        foreign_keyring: serde_json::to_value(other.signed_keyring()).unwrap(),
        pow_case,
        pow_spent,
        pow_unsolved,
        server,
        short,
    };
    let before = snapshot(&ctx.server, Some(&ctx.alice), Some(&ctx.tok_a));
    let before_short = snapshot(&ctx.short, None, None);
    assert!(!before.files.is_empty());
    if let Some(wait) = expired_at.checked_duration_since(Instant::now()) {
        // Not a timing assertion: only waits past a one-second session lifetime.
        std::thread::sleep(wait);
    }

    let table = catalogue();
    let mut failures = Vec::new();
    let mut effects: Vec<(String, String)> = Vec::new();
    let mut categories = std::collections::BTreeSet::new();
    for e in &table {
        categories.insert(e.category);
        let started = Instant::now();
        let got = std::panic::catch_unwind(AssertUnwindSafe(|| (e.send)(&ctx)));
        let result = match &got {
            Ok(o) => check(e, o),
            Err(p) => Err(format!(
                "no answer: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        eprintln!(
            "{:>4} {:<16} {} ({} ms){}",
            got.as_ref().map(|o| o.status).unwrap_or(0),
            e.category,
            e.name,
            started.elapsed().as_millis(),
            match &result {
                Ok(()) => String::new(),
                Err(why) => format!("  FAILED: {why}"),
            }
        );
        if let Err(why) = result {
            failures.push(format!("{} / {}: {why}", e.category, e.name));
        }
        if let Effect::Removes { table, key } = e.effect {
            effects.push((table.to_owned(), key(&ctx)));
        }
        let health = std::panic::catch_unwind(AssertUnwindSafe(|| {
            ctx.server.http().get("/v1/health", None).status
        }));
        assert!(
            matches!(health, Ok(200)),
            "the server stopped answering after {:?}: {health:?}\n{}",
            e.name,
            ctx.server.log_text()
        );
    }
    let log = ctx.server.log_text();
    for bad in ["panicked", "500 Internal", "status=500"] {
        if log.contains(bad) {
            failures.push(format!("the server's log shows {bad:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile requests were not refused cleanly:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );

    let after = snapshot(&ctx.server, Some(&ctx.alice), Some(&ctx.tok_a));
    let expected = expected_after(&before, &effects);
    if !before.db.is_empty() {
        // Each designed effect must have had something to remove: else the filter is wrong
        // and the comparison below would prove less than it seems.
        for effect in &effects {
            let one = expected_after(&before, std::slice::from_ref(effect));
            assert!(
                one.db.len() < before.db.len(),
                "no row for {effect:?} before"
            );
        }
    }
    assert_eq!(
        expected.files, after.files,
        "a refused request changed the blob store"
    );
    assert_eq!(expected.checkpoint, after.checkpoint, "the log changed");
    assert_eq!(expected.api, after.api, "what the API shows changed");
    let changed: Vec<_> = expected
        .db
        .iter()
        .filter(|l| !after.db.contains(l))
        .chain(after.db.iter().filter(|l| !expected.db.contains(l)))
        .collect();
    assert!(
        changed.is_empty(),
        "a refused request changed the database: {changed:#?}"
    );
    assert_eq!(expected.db, after.db);
    assert_eq!(
        before_short,
        snapshot(&ctx.short, None, None),
        "the expired token changed the second server"
    );
    assert!(table.len() >= 45, "the catalogue shrank to {}", table.len());
    println!(
        "catalogue: {} hostile requests, all refused cleanly ({} categories: {})",
        table.len(),
        categories.len(),
        categories.into_iter().collect::<Vec<_>>().join(", ")
    );
}
