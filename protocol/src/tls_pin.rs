//! Trusting a server by the SHA-256 of its certificate: the one rustls verifier both the
//! `amanat` client and the server's own healthcheck use. No I/O; it only decides whether a
//! handshake's certificate is the pinned one, and still checks the handshake signatures.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::encoding::{from_hex, hex};

/// Trusts the one certificate whose DER hashes to `sha256`, whatever its names or dates;
/// the server must still prove it holds the certificate's key (handshake signatures, ring).
#[derive(Debug)]
pub struct PinnedCert {
    sha256: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl PinnedCert {
    pub fn new(sha256: [u8; 32]) -> Self {
        PinnedCert {
            sha256,
            provider: Arc::new(ring::default_provider()),
        }
    }

    /// Parses the lowercase hex printed by `amanat-server init` (colons allowed).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        from_hex::<32>("certificate sha256", &text.replace(':', ""))
            .map(PinnedCert::new)
            .map_err(|e| format!("{e}; give the 64 hex digits printed by `amanat-server init`"))
    }

    /// A rustls client config (TLS 1.3 and 1.2 only) that trusts only this certificate.
    pub fn client_config(self) -> Result<rustls::ClientConfig, rustls::Error> {
        let provider = self.provider.clone();
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(self))
            .with_no_client_auth())
    }
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if found == self.sha256 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate (sha256 {}) is not the pinned one (sha256 {})",
                hex(&found),
                hex(&self.sha256)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_pinned_certificate() {
        let cert = CertificateDer::from(b"not really DER, but hashed all the same".to_vec());
        let digest: [u8; 32] = Sha256::digest(cert.as_ref()).into();
        let pin = PinnedCert::from_hex(&hex(&digest)).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        assert!(
            pin.verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
                .is_ok()
        );
        let other = CertificateDer::from(b"another certificate".to_vec());
        let e = pin
            .verify_server_cert(&other, &[], &name, &[], UnixTime::now())
            .unwrap_err();
        assert!(e.to_string().contains("is not the pinned one"), "{e}");
        assert!(PinnedCert::from_hex("abc").is_err());
        assert!(pin.client_config().is_ok());
    }
}
