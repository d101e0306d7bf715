//! TLS: rustls 0.23 with the ring provider, TLS 1.3 and 1.2 only. Makes the self-signed
//! certificate `init` writes, computes the SHA-256 fingerprint clients pin, and provides a
//! verifier that trusts exactly one certificate (for `healthcheck` and tests).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use amanat_protocol::encoding::hex;
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read the TLS certificate {path}: {reason}; `amanat-server init` makes one")]
    Cert { path: String, reason: String },
    #[error("cannot read the TLS key {path}: {reason}; `amanat-server init` makes one")]
    Key { path: String, reason: String },
    #[error("the TLS certificate and key do not work together: {0}")]
    Config(String),
    #[error("cannot make a certificate: {0}")]
    Generate(String),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The server's rustls config from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert {
            path: cert.display().to_string(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Cert {
            path: cert.display().to_string(),
            reason: "no certificate in the file".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.display().to_string(),
        reason: e.to_string(),
    })?;
    rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))
}

/// A fresh self-signed certificate (ECDSA P-256) and its key, both PEM.
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
    pub sha256: [u8; 32],
}

impl fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SelfSigned(sha256 {}, key ********)", hex(&self.sha256))
    }
}

/// Makes a certificate for loopback plus `hostnames` (e.g. an onion address).
pub fn self_signed(hostnames: &[String]) -> Result<SelfSigned, TlsError> {
    let mut names: Vec<String> = vec!["127.0.0.1".into(), "::1".into(), "localhost".into()];
    for h in hostnames {
        if !names.contains(h) {
            names.push(h.clone());
        }
    }
    let mut params =
        rcgen::CertificateParams::new(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "amanat");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    Ok(SelfSigned {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        sha256: Sha256::digest(cert.der()).into(),
    })
}

/// SHA-256 of the first certificate in a PEM file, as clients pin it.
pub fn cert_sha256(cert: &Path) -> Result<[u8; 32], TlsError> {
    let der = CertificateDer::from_pem_file(cert).map_err(|e| TlsError::Cert {
        path: cert.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(Sha256::digest(der.as_ref()).into())
}

pub use amanat_protocol::tls_pin::PinnedCert;

/// `GET /v1/health` over TLS to a pinned certificate, with a plain HTTP/1.1 exchange: enough
/// for operators and container health checks without an HTTP client in the server.
pub fn healthcheck(
    addr: std::net::SocketAddr,
    pin: PinnedCert,
) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::{Read, Write};
    use std::time::Duration;

    let config = Arc::new(pin.client_config()?);
    let name = ServerName::IpAddress(addr.ip().into());
    let conn = rustls::ClientConnection::new(config, name)?;
    let sock = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    write!(
        tls,
        "GET /v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    // A server that closes without close_notify still gave us the whole answer.
    match tls.read_to_end(&mut response) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e.into()),
    }
    let text = String::from_utf8_lossy(&response);
    let status = text.lines().next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("unhealthy: {status}").into());
    }
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Ok(body)
}
