//! Transport and headers (issue 6), against the real server: TLS 1.2 and 1.3 only; HSTS on
//! every answer, errors included; no `Server` header; CORS closed; strict Content-Type; and
//! connections that are silent or slow are cut off by the request timeout
//! (`AMANAT_REQUEST_TIMEOUT_SECS`, 2 s here). Time bounds are generous multiples of the
//! timeout: they prove that a cut-off happens, not how fast.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use amanat_tests::http::{RawTls, socket_addr, tls_config};
use amanat_tests::{Backend, Foundation, Server, ServerOptions};

const TIMEOUT_SECS: u64 = 2;
/// Far above the timeout, so a loaded machine cannot make the test flaky.
const BOUND: Duration = Duration::from_secs(30);

fn server() -> (Foundation, Server) {
    let foundation = Foundation::new();
    let timeout = TIMEOUT_SECS.to_string();
    let server = Server::start_with_env(
        &foundation.root_public,
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &[("AMANAT_REQUEST_TIMEOUT_SECS", &timeout)],
    );
    (foundation, server)
}

fn cert(server: &Server) -> std::path::PathBuf {
    server.dir().join("tls/cert.pem")
}

#[test]
fn tls_1_2_and_1_3_are_served_and_nothing_older() {
    let (_f, server) = server();
    let addr = socket_addr(&server.url);
    for (version, want) in [
        (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
    ] {
        let mut c = RawTls::connect_with(addr, tls_config(&cert(&server), &[version])).unwrap();
        assert_eq!(c.protocol_version(), Some(want));
        c.send(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let r = c.read_reply();
        assert_eq!(r.status, 200, "{want:?}: {r:?}");
    }
    for legacy in [[3u8, 1u8], [3, 2]] {
        let answer = legacy_client_hello(addr, legacy);
        // 0x16 would be a handshake record, i.e. a ServerHello: the server must not offer
        // to continue. An alert (0x15) or a closed connection are both refusals.
        assert!(
            answer.first() != Some(&0x16),
            "TLS {legacy:?} got a handshake answer: {answer:02x?}"
        );
        if let Some(&kind) = answer.first() {
            assert_eq!(kind, 0x15, "not an alert: {answer:02x?}");
        }
    }
}

/// Sends a minimal TLS 1.0 or 1.1 ClientHello (no supported_versions extension, cipher
/// suites those versions know) on a plain socket and returns what the server answered.
fn legacy_client_hello(addr: std::net::SocketAddr, version: [u8; 2]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version);
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // no session id
    let suites: [u16; 6] = [0xc02b, 0xc02f, 0xc009, 0xc013, 0x002f, 0x0035];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    // supported_groups: x25519, secp256r1
    ext.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]);
    // ec_point_formats: uncompressed
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);

    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    sock.write_all(&record).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer to a TLS {version:?} ClientHello: {e}"),
        }
        if answer.len() >= 5 {
            break;
        }
    }
    answer
}

#[test]
fn headers_hsts_no_server_cors_closed_content_types_strict() {
    let (_f, server) = server();
    let http = server.http();
    let hsts_ok = |r: &amanat_tests::http::Reply, what: &str| {
        let hsts = r
            .headers
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no HSTS: {r:?}"));
        let max_age: u64 = hsts
            .split(';')
            .find_map(|p| p.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{what}: HSTS without max-age: {hsts}"));
        assert!(max_age >= 365 * 24 * 3600, "{what}: HSTS max-age {max_age}");
        assert!(
            r.headers.get("server").is_none(),
            "{what}: a Server header: {:?}",
            r.headers.get("server")
        );
        for (name, _) in r.headers.iter() {
            assert!(
                !name.as_str().starts_with("access-control-"),
                "{what}: CORS header {name}"
            );
        }
    };
    let json_error = |r: &amanat_tests::http::Reply, status: u16, code: &str, what: &str| {
        assert_eq!(r.status, status, "{what}: {r:?}");
        assert!(
            r.content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("application/json")),
            "{what}: {r:?}"
        );
        assert_eq!(r.error_code(), Some(code), "{what}: {r:?}");
        assert!(
            r.json.as_ref().unwrap()["message"].as_str().is_some(),
            "{what}"
        );
    };

    // Success and error answers alike.
    let ok = http.get("/v1/health", None);
    assert_eq!(ok.status, 200);
    hsts_ok(&ok, "200 health");
    let missing = http.get("/v1/no-such-thing", None);
    json_error(&missing, 404, "not_found", "unknown path");
    hsts_ok(&missing, "404");
    let unauth = http.get("/v1/cases", None);
    json_error(&unauth, 401, "unauthorized", "no token");
    hsts_ok(&unauth, "401");

    // CORS: a preflight is refused as an unknown method, and nothing allows any origin.
    let preflight = http.send(
        http.request("OPTIONS", "/v1/cases")
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            ),
    );
    json_error(&preflight, 405, "method_not_allowed", "preflight");
    hsts_ok(&preflight, "preflight");
    let cross = http.send(
        http.request("GET", "/v1/health")
            .header("origin", "https://evil.example"),
    );
    assert_eq!(cross.status, 200);
    hsts_ok(&cross, "GET with Origin");

    // JSON routes take only application/json.
    let key =
        serde_json::json!({"public_key": amanat_protocol::encoding::b64(&[1u8; 32])}).to_string();
    for (what, ct) in [
        ("text/plain", Some("text/plain")),
        ("no content type", None),
        ("a form", Some("application/x-www-form-urlencoded")),
        ("json's lookalike", Some("application/jsonx")),
    ] {
        for path in ["/v1/auth/challenge", "/v1/keyring", "/v1/cases"] {
            let mut rb = http.request("POST", path).body(key.clone());
            if let Some(ct) = ct {
                rb = rb.header("content-type", ct);
            }
            let r = http.send(rb);
            json_error(
                &r,
                415,
                "unsupported_media_type",
                &format!("{path} as {what}"),
            );
            hsts_ok(&r, what);
        }
    }
}

#[test]
fn document_and_upload_routes_refuse_json() {
    // Content-Type is checked after the session (a stranger learns nothing about a route),
    // so this needs a case's own session.
    let foundation = Foundation::new();
    foundation.add_staff("alice", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    let complainant = amanat_tests::Cli::new();
    std::fs::write(complainant.path("poa.pdf"), b"%PDF-1.4 transport").unwrap();
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
    let sub = amanat_tests::parse_submit(&out);
    let http = server.http();
    let keys = amanat_tests::case_keys(&sub.codename, &foundation.fingerprint);
    let token = http.login(keys.auth());
    let doc = amanat_protocol::ids::DocumentId::random();
    let r = http.send(
        http.request(
            "PUT",
            &format!("/v1/cases/{}/documents/{doc}?kind=attachment", sub.case_id),
        )
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{}"),
    );
    assert_eq!(r.status, 415, "{r:?}");
    assert_eq!(r.error_code(), Some("unsupported_media_type"));
    let create = http.post_json(
        &format!("/v1/cases/{}/uploads", sub.case_id),
        &serde_json::json!({"document_id": doc, "kind": "attachment", "length": 5000}),
        Some(&token),
    );
    assert_eq!(create.status, 201, "{create:?}");
    let id = create.json.unwrap()["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for ct in ["application/json", "application/octet-stream", "text/plain"] {
        let r = http.send(
            http.request("PATCH", &format!("/v1/uploads/{id}"))
                .bearer_auth(&token)
                .header("content-type", ct)
                .header("upload-offset", "0")
                .body(vec![0u8; 16]),
        );
        assert_eq!(r.status, 415, "{ct}: {r:?}");
        assert_eq!(r.error_code(), Some("unsupported_media_type"));
    }
}

#[test]
fn silent_and_slow_connections_are_cut_off() {
    let (_f, server) = server();
    let addr = socket_addr(&server.url);

    // TCP only, no ClientHello: the TLS handshake timeout ends it.
    let started = Instant::now();
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let mut buf = [0u8; 64];
    let r = sock.read(&mut buf);
    assert!(
        matches!(r, Ok(0)) || r.is_err() && started.elapsed() < BOUND,
        "a connection without a handshake stayed open: {r:?}"
    );
    assert!(started.elapsed() < BOUND);
    eprintln!(
        "no handshake: closed after {} ms",
        started.elapsed().as_millis()
    );

    // TLS, then nothing: the request timeout ends it (with a bare 408 from actix).
    let started = Instant::now();
    let mut c = RawTls::connect(&server.url, &cert(&server));
    let got = c
        .wait_closed(BOUND)
        .expect("a TLS connection that sent nothing was not closed");
    eprintln!(
        "silent after the handshake: closed after {} ms, having sent {:?}",
        started.elapsed().as_millis(),
        String::from_utf8_lossy(&got).lines().next()
    );

    // Keep-alive: after one answer, an idle connection is closed too.
    let mut c = RawTls::connect(&server.url, &cert(&server));
    c.send(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(c.read_reply().status, 200);
    let started = Instant::now();
    c.wait_closed(BOUND)
        .expect("an idle keep-alive connection was not closed");
    eprintln!(
        "idle keep-alive: closed after {} ms",
        started.elapsed().as_millis()
    );

    // Slowloris: a request head one byte every 200 ms never completes; it is cut off.
    let started = Instant::now();
    let mut c = RawTls::connect(&server.url, &cert(&server));
    c.set_read_timeout(Duration::from_millis(200));
    let head = format!(
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: {}",
        "a".repeat(10_000)
    );
    let mut answer = Vec::new();
    let mut cut = false;
    for b in head.bytes() {
        assert!(
            started.elapsed() < BOUND,
            "a slowloris head was still being read after {BOUND:?}"
        );
        if c.send(&[b]).is_err() {
            cut = true;
            break;
        }
        match c.read_some() {
            Ok(None) => {}
            Ok(Some(got)) => {
                answer = got;
                cut = true;
                break;
            }
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "the whole slow head was accepted");
    let first = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || first.starts_with("HTTP/1.1 408"),
        "slowloris: {first}"
    );
    eprintln!(
        "slowloris: cut off after {} ms ({:?})",
        started.elapsed().as_millis(),
        first.lines().next()
    );

    // A JSON body that stops half-way: 408 JSON, with HSTS.
    let mut c = RawTls::connect(&server.url, &cert(&server));
    c.send(
        b"POST /v1/keyring HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"root_key\":",
    )
    .unwrap();
    c.set_read_timeout(BOUND);
    let r = c.read_reply();
    assert_eq!(r.status, 408, "{r:?}");
    assert_eq!(r.json().unwrap()["error"], "timeout", "{r:?}");
    assert!(r.header("strict-transport-security").is_some(), "{r:?}");
    assert!(
        c.wait_closed(BOUND).is_some(),
        "the connection stayed open after a 408"
    );

    // And the server still answers.
    assert_eq!(server.http().get("/v1/health", None).status, 200);
}
