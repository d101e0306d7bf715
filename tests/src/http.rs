//! A raw HTTPS client for the tests: sends exactly what a test says, including what the
//! real CLI never would, and hands back status and parsed JSON.

use std::path::Path;
use std::time::Duration;

use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::wire::Puzzle;
use ed25519_dalek::Signer;
use reqwest::blocking::{Client as Reqwest, RequestBuilder};
use serde_json::Value;

pub struct Client {
    base: String,
    http: Reqwest,
}

/// A response: status, raw body, and the body as JSON if it was JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub json: Option<Value>,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref().and_then(|j| j["error"].as_str())
    }
}

/// The proof-of-work purpose a route needs, if any.
pub fn pow_purpose(path: &str) -> Option<Purpose> {
    match path {
        "/v1/cases" => Some(Purpose::CreateCase),
        "/v1/auth/challenge" => Some(Purpose::Auth),
        _ => None,
    }
}

impl Client {
    /// Trusts exactly the server's self-signed certificate.
    pub fn new(base: &str, cert_pem: &Path) -> Self {
        crate::install_crypto_provider();
        let pem = std::fs::read(cert_pem).unwrap();
        let cert = reqwest::Certificate::from_pem(&pem).unwrap();
        let http = Reqwest::builder()
            .tls_certs_only([cert])
            .user_agent(crate::privacy::USER_AGENT)
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn send(&self, rb: RequestBuilder) -> Reply {
        let resp = rb.send().unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().unwrap().to_vec();
        let json = serde_json::from_slice(&body).ok();
        Reply {
            status,
            body,
            json,
            content_type,
            headers,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut rb = self.http.get(self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        self.send(rb)
    }

    /// POSTs JSON. The two routes that need a proof of work (`/v1/cases`,
    /// `/v1/auth/challenge`) get a freshly solved puzzle; use [`Client::request`] to send
    /// one without, or a bad one.
    pub fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Reply {
        let mut rb = self.http.post(self.url(path)).json(body);
        if let Some(purpose) = pow_purpose(path) {
            rb = rb.header(pow::HEADER, self.pow(purpose));
        }
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        self.send(rb)
    }

    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        self.http.request(method.parse().unwrap(), self.url(path))
    }

    pub fn put_bytes(&self, path: &str, body: Vec<u8>, token: &str) -> Reply {
        self.send(
            self.http
                .put(self.url(path))
                .bearer_auth(token)
                .header("content-type", "application/octet-stream")
                .body(body),
        )
    }

    /// `POST /v1/cases` with a body the caller built (and a solved puzzle).
    pub fn create_case(&self, body: &Value) -> Reply {
        self.post_json("/v1/cases", body, None)
    }

    /// Fetches a puzzle for `purpose` from `GET /v1/pow` and solves it: the value of the
    /// `Amanat-PoW` header.
    pub fn pow(&self, purpose: Purpose) -> String {
        let p = self.puzzle(purpose);
        let nonce = pow::solve(&p.seed, p.bits, p.purpose).unwrap();
        Solution {
            seed: p.seed,
            nonce,
        }
        .to_header()
    }

    /// A fresh puzzle for `purpose`.
    pub fn puzzle(&self, purpose: Purpose) -> Puzzle {
        let r = self.get(&format!("/v1/pow?purpose={}", purpose.as_str()), None);
        assert_eq!(r.status, 200, "{r:?}");
        serde_json::from_slice(&r.body).unwrap()
    }

    /// Challenge–response login; returns the token.
    pub fn login(&self, key: &ed25519_dalek::SigningKey) -> String {
        let pk = amanat_protocol::encoding::b64(key.verifying_key().as_bytes());
        let ch = self.post_json(
            "/v1/auth/challenge",
            &serde_json::json!({ "public_key": pk }),
            None,
        );
        assert_eq!(ch.status, 200, "{ch:?}");
        let challenge_b64 = ch.json.as_ref().unwrap()["challenge"]
            .as_str()
            .unwrap()
            .to_owned();
        let challenge: [u8; 32] = amanat_protocol::encoding::from_b64("c", &challenge_b64)
            .unwrap()
            .try_into()
            .unwrap();
        let sig = key
            .sign(&amanat_protocol::auth::message(&challenge))
            .to_bytes();
        let s = self.post_json(
            "/v1/auth/session",
            &serde_json::json!({ "public_key": pk, "challenge": challenge_b64, "signature": amanat_protocol::encoding::b64(&sig) }),
            None,
        );
        assert_eq!(s.status, 200, "{s:?}");
        let token = s.json.unwrap()["token"].as_str().unwrap().to_owned();
        crate::privacy::token(&token);
        token
    }
}

/// An answer read off a raw connection: what the server really sent, byte for byte.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    /// Header names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A TLS client config that trusts exactly the server's certificate and offers only
/// `versions` (e.g. `&[&rustls::version::TLS12]`).
pub fn tls_config(
    cert_pem: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_pem).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    std::sync::Arc::new(config)
}

/// `https://127.0.0.1:PORT` → the socket address.
pub fn socket_addr(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("https://")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

/// A raw TLS connection for what no HTTP client sends: invalid UTF-8 in the request line,
/// oversized or malformed headers, lying `Content-Length`, bodies a byte at a time. Writes
/// exactly the bytes given and parses the answer by hand.
pub struct RawTls {
    pub stream: rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
}

impl RawTls {
    /// Connects and completes the handshake with `config` (see [`tls_config`]).
    pub fn connect_with(
        addr: std::net::SocketAddr,
        config: std::sync::Arc<rustls::ClientConfig>,
    ) -> std::io::Result<RawTls> {
        let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
        let conn = rustls::ClientConnection::new(config, name).map_err(std::io::Error::other)?;
        let sock = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        sock.set_read_timeout(Some(Duration::from_secs(60)))?;
        sock.set_write_timeout(Some(Duration::from_secs(60)))?;
        let mut stream = rustls::StreamOwned::new(conn, sock);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        Ok(RawTls { stream })
    }

    /// Connects to a test server's URL, trusting its certificate, TLS 1.2 or 1.3.
    pub fn connect(url: &str, cert_pem: &Path) -> RawTls {
        Self::connect_with(
            socket_addr(url),
            tls_config(
                cert_pem,
                &[&rustls::version::TLS13, &rustls::version::TLS12],
            ),
        )
        .unwrap()
    }

    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.stream.conn.protocol_version()
    }

    pub fn set_read_timeout(&self, t: Duration) {
        self.stream.sock.set_read_timeout(Some(t)).unwrap();
    }

    /// Writes and flushes; an error means the server has closed the connection.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads until `n` more bytes arrived, the server closed, or the read timeout passed.
    /// `Ok(None)` is a timeout with nothing read; the bytes read are returned otherwise
    /// (empty: closed).
    pub fn read_some(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        use std::io::Read;
        let mut buf = vec![0u8; 64 * 1024];
        match self.stream.read(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            // Closed without close_notify, or reset: closed all the same.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::BrokenPipe
                ) =>
            {
                Ok(Some(Vec::new()))
            }
            Err(e) => Err(e),
        }
    }

    /// Reads one HTTP/1.1 response (Content-Length, chunked, or up to the close). Panics if
    /// nothing complete arrives within the read timeout: a hang is a failure.
    pub fn read_reply(&mut self) -> RawReply {
        let mut got: Vec<u8> = Vec::new();
        let head_end = loop {
            if let Some(i) = find(&got, b"\r\n\r\n") {
                break i;
            }
            match self.read_some().unwrap() {
                None => panic!(
                    "no complete response head before the read timeout; got {:?}",
                    String::from_utf8_lossy(&got)
                ),
                Some(b) if b.is_empty() => panic!(
                    "the connection closed before a complete response head; got {:?}",
                    String::from_utf8_lossy(&got)
                ),
                Some(b) => got.extend_from_slice(&b),
            }
        };
        let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
        let mut rest = got[head_end + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let body = if status == 204 || status == 304 || (100..200).contains(&status) {
            Vec::new()
        } else if let Some(len) = get("content-length") {
            let len: usize = len.parse().unwrap();
            while rest.len() < len {
                match self.read_some().unwrap() {
                    Some(b) if !b.is_empty() => rest.extend_from_slice(&b),
                    other => panic!("body cut short ({other:?}) after {} of {len}", rest.len()),
                }
            }
            rest.truncate(len);
            rest
        } else if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            loop {
                if let Some(body) = dechunk(&rest) {
                    break body;
                }
                match self.read_some().unwrap() {
                    Some(b) if !b.is_empty() => rest.extend_from_slice(&b),
                    other => panic!("chunked body cut short ({other:?})"),
                }
            }
        } else {
            loop {
                match self.read_some().unwrap() {
                    Some(b) if b.is_empty() => break rest,
                    Some(b) => rest.extend_from_slice(&b),
                    None => panic!("a body without length did not end before the timeout"),
                }
            }
        };
        RawReply {
            status,
            headers,
            body,
        }
    }

    /// Waits up to `limit` for the server to close the connection, reading (and returning)
    /// whatever it sends first. `None`: still open at the end.
    pub fn wait_closed(&mut self, limit: Duration) -> Option<Vec<u8>> {
        let end = std::time::Instant::now() + limit;
        let mut got = Vec::new();
        self.set_read_timeout(Duration::from_millis(250));
        while std::time::Instant::now() < end {
            match self.read_some() {
                Ok(Some(b)) if b.is_empty() => return Some(got),
                Ok(Some(b)) => got.extend_from_slice(&b),
                Ok(None) => {}
                Err(_) => return Some(got),
            }
        }
        None
    }
}

/// Sends `request` on a fresh connection and reads one answer.
pub fn raw_exchange(url: &str, cert_pem: &Path, request: &[u8]) -> RawReply {
    let mut c = RawTls::connect(url, cert_pem);
    c.send(request).unwrap();
    c.read_reply()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A complete chunked body decoded, or `None` if more bytes are needed.
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = find(b, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&b[..line]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[line + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}
