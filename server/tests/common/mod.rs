//! Helpers shared by the server's integration tests: a reqwest client that trusts exactly the
//! server's certificate, and a root key to initialise data directories with.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use amanat_server::tls::PinnedCert;

/// A blocking client pinned to the certificate with this SHA-256 (hex).
pub fn pinned_client(cert_sha256: &str) -> reqwest::blocking::Client {
    let tls = PinnedCert::from_hex(cert_sha256)
        .unwrap()
        .client_config()
        .unwrap();
    reqwest::blocking::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}
