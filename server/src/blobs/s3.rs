//! A small S3 client: the eleven calls the blob store needs (put, get, head, delete, copy,
//! list, and multipart create, part, complete, abort, list) over reqwest's blocking client,
//! signed with AWS Signature Version 4. Keys come only from digests and upload ids.
//! docs/architecture.md says why this is not `object_store`.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use amanat_protocol::encoding::hex;
use amanat_protocol::time::Utc;
use hmac::{Hmac, Mac};
use reqwest::Method;
use reqwest::blocking::{Body, Client, RequestBuilder, Response};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::BucketConfig;

/// The SHA-256 of an empty body, which every body-less request signs.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Bodies are streamed and covered by TLS; S3 accepts an unsigned payload for them.
const UNSIGNED: &str = "UNSIGNED-PAYLOAD";
/// The most an S3 answer that is not a blob (an error, a listing) may hold.
const MAX_REPLY: u64 = 8 * 1024 * 1024;
/// Any one call except a copy: connecting, sending, and each read of an answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// A server-side copy of up to 5 GiB.
const COPY_TIMEOUT: Duration = Duration::from_secs(1800);

/// An access key; the secret and the session token never appear in `Debug` or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// From `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, each of which
    /// may instead name a file in `…_FILE` (a container secret). The key id and the secret
    /// are required.
    pub fn from_env() -> Result<Credentials, String> {
        let read = |name: &str| -> Result<Option<Zeroizing<String>>, String> {
            if let Some(path) = std::env::var_os(format!("{name}_FILE")) {
                let text = std::fs::read_to_string(Path::new(&path))
                    .map_err(|e| format!("cannot read {name}_FILE {:?}: {e}", path))?;
                return Ok(Some(Zeroizing::new(text.trim().to_owned())));
            }
            Ok(std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .map(Zeroizing::new))
        };
        let missing = |name: &str| {
            format!("the S3 blob store needs {name} (or {name}_FILE) in the environment")
        };
        let access_key_id =
            read("AWS_ACCESS_KEY_ID")?.ok_or_else(|| missing("AWS_ACCESS_KEY_ID"))?;
        let secret_access_key =
            read("AWS_SECRET_ACCESS_KEY")?.ok_or_else(|| missing("AWS_SECRET_ACCESS_KEY"))?;
        Ok(Credentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key,
            session_token: read("AWS_SESSION_TOKEN")?,
        })
    }
}

/// A failed S3 call: the HTTP status and S3's error code, or a transport failure.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("S3 answered {status} {code}")]
    Status { status: u16, code: String },
    #[error("S3 could not be reached: {0}")]
    Transport(String),
    #[error("S3 sent an answer this client does not understand: {0}")]
    Garbled(String),
}

impl S3Error {
    pub fn code(&self) -> Option<&str> {
        match self {
            S3Error::Status { code, .. } => Some(code),
            _ => None,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            S3Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl S3Error {
    /// Worth trying again later: S3 could not be reached, or said it is busy or broken
    /// (5xx, e.g. `SlowDown`), rather than refusing this request.
    pub fn is_transient(&self) -> bool {
        match self {
            S3Error::Transport(_) => true,
            S3Error::Status { status, .. } => *status >= 500,
            S3Error::Garbled(_) => false,
        }
    }
}

/// The S3 error travels inside the `io::Error`, so the services can tell an unreachable
/// store (`503`) from a broken one.
impl From<S3Error> for io::Error {
    fn from(e: S3Error) -> io::Error {
        io::Error::other(e)
    }
}

type Result<T, E = S3Error> = std::result::Result<T, E>;

/// One listed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The key without the configured prefix.
    pub key: String,
    pub last_modified: i64,
    pub size: u64,
}

/// One multipart upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InProgress {
    pub key: String,
    pub upload_id: String,
    pub initiated: i64,
}

/// The client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct S3 {
    config: std::sync::Arc<BucketConfig>,
    credentials: std::sync::Arc<Credentials>,
    scheme: String,
    host: String,
    http: Client,
}

impl fmt::Debug for S3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3")
            .field("config", &self.config)
            .field("access_key_id", &self.credentials.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3 {
    /// Checks the endpoint (a scheme and a host) and the bucket name.
    pub fn check(config: &BucketConfig) -> Result<(String, String), String> {
        let (scheme, rest) = config.endpoint.split_once("://").ok_or_else(|| {
            format!(
                "the S3 endpoint {:?} has no http:// or https://",
                config.endpoint
            )
        })?;
        if scheme != "https" && scheme != "http" {
            return Err(format!(
                "the S3 endpoint must be http:// or https://, not {scheme}://"
            ));
        }
        let host = rest.trim_end_matches('/');
        if host.is_empty() || host.contains(['/', '@', '?', '#', ' ']) {
            return Err(format!(
                "the S3 endpoint {:?} must be a scheme and a host[:port], nothing more",
                config.endpoint
            ));
        }
        if !valid_bucket(&config.bucket) {
            return Err(format!("{:?} is not an S3 bucket name", config.bucket));
        }
        Ok((scheme.to_owned(), host.to_owned()))
    }

    pub fn new(config: &BucketConfig, credentials: Credentials) -> Result<S3, String> {
        let (scheme, host) = S3::check(config)?;
        // reqwest is built without a default provider; the server's TLS uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .no_proxy()
            .user_agent("amanat-server")
            .build()
            .map_err(|e| format!("cannot set up the S3 client: {e}"))?;
        Ok(S3 {
            scheme,
            host,
            config: std::sync::Arc::new(config.clone()),
            credentials: std::sync::Arc::new(credentials),
            http,
        })
    }

    pub fn config(&self) -> &BucketConfig {
        &self.config
    }

    fn full_key(&self, key: &str) -> String {
        if self.config.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.config.prefix)
        }
    }

    /// The host and the path (already percent-encoded) of `key` (a full key, or `None`
    /// for the bucket itself).
    fn address(&self, key: Option<&str>) -> (String, String) {
        let key_path = key
            .map(|k| format!("/{}", encode(k, false)))
            .unwrap_or_default();
        if self.config.path_style {
            (
                self.host.clone(),
                format!("/{}{}", self.config.bucket, key_path),
            )
        } else {
            let path = if key_path.is_empty() {
                "/".to_owned()
            } else {
                key_path
            };
            (format!("{}.{}", self.config.bucket, self.host), path)
        }
    }

    /// A signed request. `query` is unencoded; `payload` is the body's SHA-256 (hex) or
    /// [`UNSIGNED`].
    fn request(
        &self,
        method: Method,
        key: Option<&str>,
        query: &[(&str, &str)],
        extra: &[(&str, String)],
        payload: &str,
    ) -> RequestBuilder {
        let (host, path) = self.address(key);
        let now = crate::service::now();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host.clone()),
            ("x-amz-content-sha256".into(), payload.to_owned()),
            ("x-amz-date".into(), amz_date(now)),
        ];
        if let Some(token) = &self.credentials.session_token {
            headers.push(("x-amz-security-token".into(), token.to_string()));
        }
        headers.extend(
            extra
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
        let query = canonical_query(query);
        let auth = authorization(
            &self.credentials,
            &self.config.region,
            now,
            method.as_str(),
            &path,
            &query,
            &headers,
            payload,
        );
        let url = if query.is_empty() {
            format!("{}://{host}{path}", self.scheme)
        } else {
            format!("{}://{host}{path}?{query}", self.scheme)
        };
        let mut req = self.http.request(method, url);
        for (k, v) in headers.into_iter().filter(|(k, _)| k != "host") {
            req = req.header(k, v);
        }
        req.header("authorization", auth)
    }

    /// Sends `req`; a request that failed before any answer (a kept-alive connection the
    /// store closed, a refused connection) is sent once more, as the AWS SDKs do. Every
    /// call here may be repeated: they are reads, writes of the same bytes to the same key or
    /// part, or (creating a multipart upload) leave at most an upload the collector aborts.
    fn send(&self, req: RequestBuilder) -> Result<Response> {
        let again = req.try_clone();
        let resp = match (req.send(), again) {
            (Ok(r), _) => r,
            (Err(e), Some(again)) if e.is_connect() || e.is_request() => {
                std::thread::sleep(Duration::from_millis(200));
                again.send().map_err(|e| S3Error::Transport(describe(e)))?
            }
            (Err(e), _) => return Err(S3Error::Transport(describe(e))),
        };
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(error_of(resp))
        }
    }

    /// Stores `body` at `key`. With `create_only`, an object already there is kept and
    /// `Ok(false)` says so (S3's conditional write; content-addressed keys make a lost race
    /// harmless, since both writers hold the same bytes).
    pub fn put(&self, key: &str, body: Vec<u8>, create_only: bool) -> Result<bool> {
        let key = self.full_key(key);
        let sha = hex(&Sha256::digest(&body));
        let mut extra = vec![("content-length", body.len().to_string())];
        if create_only {
            extra.push(("if-none-match", "*".into()));
        }
        let req = self
            .request(Method::PUT, Some(&key), &[], &extra, &sha)
            .body(body);
        match self.send(req) {
            Ok(_) => Ok(true),
            Err(e) if create_only && matches!(e.status(), Some(412 | 409)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Opens `key` for streaming, with its length; `None` if there is no such object.
    pub fn get(&self, key: &str) -> Result<Option<(Response, u64)>> {
        let key = self.full_key(key);
        let req = self.request(Method::GET, Some(&key), &[], &[], EMPTY_SHA256);
        match self.send(req) {
            Ok(resp) => {
                let len = resp
                    .content_length()
                    .ok_or_else(|| S3Error::Garbled("an object without a length".into()))?;
                Ok(Some((resp, len)))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first `n` bytes of `key`.
    pub fn get_prefix(&self, key: &str, n: u64) -> Result<Vec<u8>> {
        let key = self.full_key(key);
        let range = format!("bytes=0-{}", n.saturating_sub(1));
        let req = self.request(
            Method::GET,
            Some(&key),
            &[],
            &[("range", range)],
            EMPTY_SHA256,
        );
        read_capped(self.send(req)?, n.min(MAX_REPLY))
    }

    /// The length of `key`, or `None` if there is no such object.
    pub fn head(&self, key: &str) -> Result<Option<u64>> {
        let key = self.full_key(key);
        let req = self.request(Method::HEAD, Some(&key), &[], &[], EMPTY_SHA256);
        match self.send(req) {
            Ok(resp) => resp
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map(Some)
                .ok_or_else(|| S3Error::Garbled("HEAD without a length".into())),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes `key`; a missing object is fine.
    pub fn delete(&self, key: &str) -> Result<()> {
        let key = self.full_key(key);
        let req = self.request(Method::DELETE, Some(&key), &[], &[], EMPTY_SHA256);
        match self.send(req) {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Copies `from` to `to` inside the bucket (server-side, up to 5 GiB). Copying an object
    /// onto itself with new metadata makes it young again (its `LastModified` is now).
    pub fn copy(&self, from: &str, to: &str) -> Result<()> {
        let (from, to) = (self.full_key(from), self.full_key(to));
        let source = format!("/{}/{}", self.config.bucket, encode(&from, false));
        let mut extra = vec![("x-amz-copy-source", source)];
        if from == to {
            extra.push(("x-amz-metadata-directive", "REPLACE".into()));
            extra.push(("x-amz-meta-touched", crate::service::now().to_string()));
        }
        let req = self
            .request(Method::PUT, Some(&to), &[], &extra, EMPTY_SHA256)
            .timeout(COPY_TIMEOUT);
        // A copy can fail after its 200 has been sent: the error is then in the body.
        let body = read_text(self.send(req)?)?;
        fail_on_error_body(&body)
    }

    /// Checks that the bucket exists and these credentials may list it (one key at most).
    pub fn probe(&self) -> Result<()> {
        let prefix = self.full_key("");
        let query = [
            ("list-type", "2"),
            ("max-keys", "1"),
            ("prefix", prefix.as_str()),
        ];
        let req = self.request(Method::GET, None, &query, &[], EMPTY_SHA256);
        read_text(self.send(req)?).map(|_| ())
    }

    /// Every object under `prefix` (relative to the configured prefix).
    pub fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        let full = self.full_key(prefix);
        let strip = self.full_key("");
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2"), ("prefix", full.as_str())];
            if let Some(t) = &token {
                query.push(("continuation-token", t.as_str()));
            }
            let req = self.request(Method::GET, None, &query, &[], EMPTY_SHA256);
            let body = read_text(self.send(req)?)?;
            for item in elements(&body, "Contents") {
                let key = element(item, "Key").map(unescape).unwrap_or_default();
                let Some(key) = key.strip_prefix(&strip).map(str::to_owned) else {
                    continue;
                };
                let last_modified = element(item, "LastModified")
                    .and_then(parse_time)
                    .ok_or_else(|| S3Error::Garbled("a listed object without a date".into()))?;
                let size = element(item, "Size")
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| S3Error::Garbled("a listed object without a size".into()))?;
                out.push(Listed {
                    key,
                    last_modified,
                    size,
                });
            }
            let truncated = element(&body, "IsTruncated") == Some("true");
            match element(&body, "NextContinuationToken").map(unescape) {
                Some(next) if truncated => token = Some(next),
                _ if truncated => {
                    return Err(S3Error::Garbled(
                        "a truncated listing without a token".into(),
                    ));
                }
                _ => return Ok(out),
            }
        }
    }

    /// Starts a multipart upload to `key` and returns its upload id.
    pub fn create_multipart(&self, key: &str) -> Result<String> {
        let key = self.full_key(key);
        let req = self.request(
            Method::POST,
            Some(&key),
            &[("uploads", "")],
            &[],
            EMPTY_SHA256,
        );
        let body = read_text(self.send(req)?)?;
        element(&body, "UploadId")
            .map(unescape)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| S3Error::Garbled("CreateMultipartUpload without an UploadId".into()))
    }

    /// Uploads part `number` (1 ‥ 10 000) and returns its ETag.
    pub fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: Body,
        len: u64,
    ) -> Result<String> {
        let key = self.full_key(key);
        let n = number.to_string();
        let query = [("partNumber", n.as_str()), ("uploadId", upload_id)];
        let extra = [("content-length", len.to_string())];
        let req = self
            .request(Method::PUT, Some(&key), &query, &extra, UNSIGNED)
            .body(body);
        let resp = self.send(req)?;
        resp.headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| S3Error::Garbled("UploadPart without an ETag".into()))
    }

    /// Completes a multipart upload from exactly these parts (number, ETag), in order. S3
    /// refuses a part whose ETag is not the one stored, so the object holds exactly the
    /// bytes these parts were acknowledged for.
    pub fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<()> {
        let key = self.full_key(key);
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (n, etag) in parts {
            xml.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag></Part>",
                escape(etag)
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let sha = hex(&Sha256::digest(xml.as_bytes()));
        let extra = [("content-type", "application/xml".to_owned())];
        let req = self
            .request(
                Method::POST,
                Some(&key),
                &[("uploadId", upload_id)],
                &extra,
                &sha,
            )
            .timeout(COPY_TIMEOUT)
            .body(xml);
        let body = read_text(self.send(req)?)?;
        fail_on_error_body(&body)
    }

    /// Abandons a multipart upload; one already gone is fine.
    pub fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        let key = self.full_key(key);
        let req = self.request(
            Method::DELETE,
            Some(&key),
            &[("uploadId", upload_id)],
            &[],
            EMPTY_SHA256,
        );
        match self.send(req) {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Multipart uploads in progress under `prefix` (relative to the configured prefix).
    pub fn list_multipart(&self, prefix: &str) -> Result<Vec<InProgress>> {
        let full = self.full_key(prefix);
        let strip = self.full_key("");
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut query = vec![("uploads", ""), ("prefix", full.as_str())];
            if let Some((k, u)) = &markers {
                query.push(("key-marker", k.as_str()));
                query.push(("upload-id-marker", u.as_str()));
            }
            let req = self.request(Method::GET, None, &query, &[], EMPTY_SHA256);
            let body = read_text(self.send(req)?)?;
            for item in elements(&body, "Upload") {
                let (Some(key), Some(upload_id)) = (
                    element(item, "Key").map(unescape),
                    element(item, "UploadId").map(unescape),
                ) else {
                    return Err(S3Error::Garbled(
                        "a listed upload without a key or id".into(),
                    ));
                };
                let Some(key) = key.strip_prefix(&strip).map(str::to_owned) else {
                    continue;
                };
                let initiated = element(item, "Initiated").and_then(parse_time).unwrap_or(0);
                out.push(InProgress {
                    key,
                    upload_id,
                    initiated,
                });
            }
            if element(&body, "IsTruncated") != Some("true") {
                return Ok(out);
            }
            match (
                element(&body, "NextKeyMarker").map(unescape),
                element(&body, "NextUploadIdMarker").map(unescape),
            ) {
                (Some(k), Some(u)) if Some((&k, &u)) != markers.as_ref().map(|(a, b)| (a, b)) => {
                    markers = Some((k, u));
                }
                _ => {
                    return Err(S3Error::Garbled(
                        "a truncated upload listing without markers".into(),
                    ));
                }
            }
        }
    }
}

/// The error and its causes, without the URL: the store's address is the operator's
/// business, and the logs carry no addresses at all.
fn describe(e: reqwest::Error) -> String {
    use std::error::Error as _;
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn read_capped(resp: Response, max: u64) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    resp.take(max.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| S3Error::Transport(e.to_string()))?;
    if body.len() as u64 > max {
        return Err(S3Error::Garbled(format!(
            "an answer of more than {max} bytes"
        )));
    }
    Ok(body)
}

fn read_text(resp: Response) -> Result<String> {
    String::from_utf8(read_capped(resp, MAX_REPLY)?)
        .map_err(|_| S3Error::Garbled("an answer that is not UTF-8".into()))
}

fn error_of(resp: Response) -> S3Error {
    let status = resp.status().as_u16();
    let code = read_text(resp)
        .ok()
        .and_then(|body| element(&body, "Code").map(unescape))
        .unwrap_or_default();
    S3Error::Status { status, code }
}

fn fail_on_error_body(body: &str) -> Result<()> {
    if body.contains("<Error>") {
        return Err(S3Error::Status {
            status: 200,
            code: element(body, "Code").map(unescape).unwrap_or_default(),
        });
    }
    Ok(())
}

/// Bucket names as S3 allows them: 3–63 lowercase letters, digits, dots and hyphens.
fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
        && !b.starts_with(['.', '-'])
        && !b.ends_with(['.', '-'])
}

// --- Signature Version 4 -------------------------------------------------------------------

/// `20130524T000000Z`.
fn amz_date(secs: i64) -> String {
    let t = Utc::from_unix(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, and `/` kept
/// in paths.
fn encode(s: &str, slash_too: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if !slash_too => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Parameters sorted by encoded name and value, each `name=value`, joined with `&`.
fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (encode(k, true), encode(v, true)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The `Authorization` header for a request whose headers (lowercase names) are all signed.
#[allow(clippy::too_many_arguments)]
fn authorization(
    creds: &Credentials,
    region: &str,
    now: i64,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    payload: &str,
) -> String {
    let date_time = amz_date(now);
    let date = &date_time[..8];
    let mut sorted: Vec<(&str, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    sorted.sort();
    let canonical_headers: String = sorted.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed = sorted.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical = format!("{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{payload}");
    let scope = format!("{date}/{region}/s3/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let secret = Zeroizing::new(format!("AWS4{}", creds.secret_access_key.as_str()));
    let k_date = Zeroizing::new(hmac(secret.as_bytes(), date.as_bytes()));
    let k_region = Zeroizing::new(hmac(k_date.as_slice(), region.as_bytes()));
    let k_service = Zeroizing::new(hmac(k_region.as_slice(), b"s3"));
    let k_signing = Zeroizing::new(hmac(k_service.as_slice(), b"aws4_request"));
    let signature = hex(&hmac(k_signing.as_slice(), to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        creds.access_key_id
    )
}

// --- The little XML S3 answers in ----------------------------------------------------------

/// The text of every `<tag>…</tag>` (without attributes, not nested in itself) in `xml`.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    elements(xml, tag).into_iter().next()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `2026-12-08T10:40:03.000Z` (ISO 8601 in UTC, as S3 writes it) as Unix seconds.
fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if !s.ends_with('Z') {
        return None;
    }
    let num = |from: usize, to: usize| s.get(from..to)?.parse::<u32>().ok();
    let t = Utc {
        year: i64::from(num(0, 4)?),
        month: num(5, 7)?,
        day: num(8, 10)?,
        hour: num(11, 13)?,
        minute: num(14, 16)?,
        second: num(17, 19)?,
    };
    t.to_unix()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn example_credentials() -> Credentials {
        // The example key of AWS's Signature Version 4 documentation for S3.
        Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Zeroizing::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            session_token: None,
        }
    }

    /// 2013-05-24T00:00:00Z, the time of AWS's examples.
    const EXAMPLE_TIME: i64 = 1_369_353_600;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn signs_aws_get_object_example() {
        // "Example: GET Object" in AWS's "Signature Calculations for the Authorization Header:
        // Transferring Payload in a Single Chunk".
        let auth = authorization(
            &example_credentials(),
            "us-east-1",
            EXAMPLE_TIME,
            "GET",
            "/test.txt",
            "",
            &headers(&[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ]),
            EMPTY_SHA256,
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn signs_aws_list_objects_example() {
        // "Example: GET Bucket (List Objects)": a query string, sorted and encoded.
        let auth = authorization(
            &example_credentials(),
            "us-east-1",
            EXAMPLE_TIME,
            "GET",
            "/",
            &canonical_query(&[("prefix", "J"), ("max-keys", "2")]),
            &headers(&[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ]),
            EMPTY_SHA256,
        );
        assert!(
            auth.ends_with(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ),
            "{auth}"
        );
        // "Example: GET Bucket Lifecycle": a sub-resource without a value.
        let auth = authorization(
            &example_credentials(),
            "us-east-1",
            EXAMPLE_TIME,
            "GET",
            "/",
            &canonical_query(&[("lifecycle", "")]),
            &headers(&[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ]),
            EMPTY_SHA256,
        );
        assert!(
            auth.ends_with(
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
            ),
            "{auth}"
        );
    }

    #[test]
    fn dates_encoding_and_xml() {
        assert_eq!(amz_date(EXAMPLE_TIME), "20130524T000000Z");
        assert_eq!(parse_time("2013-05-24T00:00:00.000Z"), Some(EXAMPLE_TIME));
        assert_eq!(parse_time("2013-05-24T00:00:07Z"), Some(EXAMPLE_TIME + 7));
        assert_eq!(parse_time("2013-05-24 00:00:00"), None);
        assert_eq!(parse_time("2013-13-24T00:00:00.000Z"), None);
        assert_eq!(encode("a b/c~d+e", false), "a%20b/c~d%2Be");
        assert_eq!(encode("a/b", true), "a%2Fb");
        assert_eq!(
            canonical_query(&[("uploadId", "x y"), ("partNumber", "2")]),
            "partNumber=2&uploadId=x%20y"
        );
        let xml = "<R><Upload><Key>a&amp;b</Key><UploadId>1</UploadId></Upload>\
                   <Upload><Key>c</Key><UploadId>2</UploadId></Upload><IsTruncated>false</IsTruncated></R>";
        let ups = elements(xml, "Upload");
        assert_eq!(ups.len(), 2);
        assert_eq!(element(ups[0], "Key").map(unescape).as_deref(), Some("a&b"));
        assert_eq!(element(ups[1], "UploadId"), Some("2"));
        assert_eq!(element(xml, "Missing"), None);
        assert!(fail_on_error_body("<Error><Code>InternalError</Code></Error>").is_err());
        assert!(valid_bucket("amanat-blobs"));
        assert!(!valid_bucket("Amanat"));
        assert!(!valid_bucket("a/b"));
    }

    #[test]
    fn endpoints_are_checked_and_addressed() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = |endpoint: &str, path_style: bool| BucketConfig {
            endpoint: endpoint.into(),
            region: "us-east-1".into(),
            bucket: "amanat".into(),
            prefix: "p".into(),
            path_style,
        };
        let new = |endpoint: &str, path_style: bool| {
            S3::new(&config(endpoint, path_style), example_credentials())
        };
        assert!(new("ftp://x", true).is_err());
        assert!(new("http://user@host", true).is_err());
        assert!(new("http://host/path", true).is_err());
        let s3 = new("http://127.0.0.1:5000/", true).unwrap();
        assert_eq!(
            s3.address(Some(&s3.full_key("blobs/ab"))),
            ("127.0.0.1:5000".into(), "/amanat/p/blobs/ab".into())
        );
        let s3 = new("https://s3.example", false).unwrap();
        assert_eq!(s3.address(None), ("amanat.s3.example".into(), "/".into()));
        assert!(!format!("{s3:?}").contains("EXAMPLEKEY"));
    }
}
