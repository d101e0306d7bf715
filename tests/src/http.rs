//! A raw HTTPS client for the tests: sends exactly what a test says, including what the
//! real CLI never would, and hands back status and parsed JSON.

use std::path::Path;
use std::time::Duration;

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

impl Client {
    /// Trusts exactly the server's self-signed certificate.
    pub fn new(base: &str, cert_pem: &Path) -> Self {
        crate::install_crypto_provider();
        let pem = std::fs::read(cert_pem).unwrap();
        let cert = reqwest::Certificate::from_pem(&pem).unwrap();
        let http = Reqwest::builder()
            .tls_certs_only([cert])
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

    pub fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Reply {
        let mut rb = self.http.post(self.url(path)).json(body);
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
        s.json.unwrap()["token"].as_str().unwrap().to_owned()
    }
}
