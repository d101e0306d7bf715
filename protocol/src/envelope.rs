//! The envelope: every document is a standard age file to the case recipient whose
//! plaintext is a small container — a magic line, the metadata (kind, file name, media type,
//! length) and the content, then zero padding to the Padmé length, so the server learns
//! neither names nor sizes. All encryption goes through [`with_age_writer`], which always
//! finishes the stream (a dropped age writer silently truncates).

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::padding;
use crate::wire::DocumentKind;

/// First bytes of every container.
pub const MAGIC: &[u8] = b"amanat-document/1\n";
/// Metadata larger than this is refused when opening.
pub const MAX_META: u32 = 16 * 1024;
const BUF: usize = 64 * 1024;

/// What travels inside the ciphertext about a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    pub kind: DocumentKind,
    /// The original file name, if there was one. Never leaves the ciphertext.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub media_type: String,
    /// Content length in bytes (before padding).
    pub length: u64,
}

impl DocumentMeta {
    fn encode(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(self).map_err(|e| Error::Encrypt(e.to_string()))?;
        if json.len() > MAX_META as usize {
            return Err(Error::malformed("document metadata", "file name too long"));
        }
        Ok(json)
    }

    /// Container length before padding.
    fn container_len(&self, meta_len: usize) -> u64 {
        (MAGIC.len() + 4 + meta_len) as u64 + self.length
    }
}

/// Runs `body` against an age stream writer to `recipients` and always finishes it.
/// If `body` fails, the partial output is garbage and the caller must discard it.
pub fn with_age_writer<'a, W: Write>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
    out: W,
    body: impl FnOnce(&mut age::stream::StreamWriter<W>) -> Result<()>,
) -> Result<W> {
    let encryptor =
        age::Encryptor::with_recipients(recipients).map_err(|e| Error::Encrypt(e.to_string()))?;
    let mut w = encryptor.wrap_output(out)?;
    body(&mut w)?;
    Ok(w.finish()?)
}

/// Encrypts `content` (exactly `meta.length` bytes) to `recipient`, streaming, into `out`.
/// Returns `out` once the age stream is finished.
pub fn seal<W: Write>(
    recipient: &age::x25519::Recipient,
    meta: &DocumentMeta,
    content: impl Read,
    out: W,
) -> Result<W> {
    seal_multi(std::slice::from_ref(recipient), meta, content, out)
}

/// [`seal`] to several recipients (reviewers' notes are encrypted to every reviewer).
pub fn seal_multi<W: Write>(
    recipients: &[age::x25519::Recipient],
    meta: &DocumentMeta,
    content: impl Read,
    out: W,
) -> Result<W> {
    let meta_json = meta.encode()?;
    let unpadded = meta.container_len(meta_json.len());
    let padded = padding::padded_len(unpadded);
    with_age_writer(
        recipients.iter().map(|r| r as &dyn age::Recipient),
        out,
        |w| {
            w.write_all(MAGIC)?;
            w.write_all(&(meta_json.len() as u32).to_be_bytes())?;
            w.write_all(&meta_json)?;
            let copied = copy_exact(content, w, meta.length)?;
            if copied != meta.length {
                return Err(Error::LengthMismatch {
                    declared: meta.length,
                    actual: copied,
                });
            }
            write_zeros(w, padded - unpadded)?;
            Ok(())
        },
    )
}

/// The age payload length (after header and nonce) [`seal`] will produce for `meta`.
/// The header's length varies: age adds a random "grease" stanza.
pub fn sealed_payload_len(meta: &DocumentMeta) -> Result<u64> {
    let meta_json = meta.encode()?;
    let padded = padding::padded_len(meta.container_len(meta_json.len()));
    Ok(padding::age_payload_len(padded))
}

/// Copies up to `limit` bytes, then checks the source has nothing more (a file that grew
/// while being read is an error, not a silent truncation).
fn copy_exact(mut from: impl Read, to: &mut impl Write, limit: u64) -> Result<u64> {
    let mut buf = vec![0u8; BUF];
    let mut done = 0u64;
    while done < limit {
        let want = usize::try_from((limit - done).min(BUF as u64)).unwrap_or(BUF);
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        to.write_all(&buf[..n])?;
        done += n as u64;
    }
    if done == limit {
        let mut probe = [0u8; 1];
        loop {
            match from.read(&mut probe) {
                Ok(0) => break,
                Ok(_) => {
                    return Err(Error::LengthMismatch {
                        declared: limit,
                        actual: limit + 1,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(done)
}

fn write_zeros(w: &mut impl Write, mut n: u64) -> Result<()> {
    let zeros = [0u8; 8192];
    while n > 0 {
        let k = n.min(zeros.len() as u64) as usize;
        w.write_all(&zeros[..k])?;
        n -= k as u64;
    }
    Ok(())
}

/// Decrypts a document with `identity`, writes its content to `out`, and returns its
/// metadata. Fails on a wrong key, any tampering or truncation, or non-zero padding.
#[cfg(feature = "decrypt")]
pub fn open(
    identity: &dyn age::Identity,
    input: impl Read,
    mut out: impl Write,
) -> Result<DocumentMeta> {
    let decryptor = age::Decryptor::new_buffered(io::BufReader::with_capacity(BUF, input))
        .map_err(|e| Error::Decrypt(e.to_string()))?;
    let mut r = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::NotForUs,
            other => Error::Decrypt(other.to_string()),
        })?;
    let decrypt_err = |e: io::Error| Error::Decrypt(format!("damaged or truncated: {e}"));

    let mut magic = [0u8; MAGIC.len()];
    r.read_exact(&mut magic).map_err(decrypt_err)?;
    if magic != MAGIC {
        return Err(Error::Decrypt("not an amanat document".into()));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(decrypt_err)?;
    let meta_len = u32::from_be_bytes(len);
    if meta_len > MAX_META {
        return Err(Error::Decrypt("document metadata too large".into()));
    }
    let mut meta_json = vec![0u8; meta_len as usize];
    r.read_exact(&mut meta_json).map_err(decrypt_err)?;
    let meta: DocumentMeta = serde_json::from_slice(&meta_json)
        .map_err(|e| Error::Decrypt(format!("bad document metadata: {e}")))?;

    let copied =
        copy_exact((&mut r).take(meta.length), &mut out, meta.length).map_err(|e| match e {
            Error::Io(io) => decrypt_err(io),
            other => other,
        })?;
    if copied != meta.length {
        return Err(Error::Decrypt(
            "damaged or truncated: content ends early".into(),
        ));
    }
    // The rest must be zero padding of exactly the Padmé length.
    let unpadded = meta.container_len(meta_json.len());
    let mut buf = vec![0u8; BUF];
    let mut pad = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(decrypt_err)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Err(Error::Decrypt("non-zero padding".into()));
        }
        pad += n as u64;
    }
    if unpadded + pad != padding::padded_len(unpadded) {
        return Err(Error::Decrypt("wrong padding length".into()));
    }
    Ok(meta)
}

/// Decrypts a small document into memory, refusing content over `max` bytes.
#[cfg(feature = "decrypt")]
pub fn open_to_vec(
    identity: &dyn age::Identity,
    input: impl Read,
    max: u64,
) -> Result<(DocumentMeta, zeroize::Zeroizing<Vec<u8>>)> {
    let mut out = zeroize::Zeroizing::new(Vec::new());
    let mut limited = LimitedWriter {
        inner: &mut out,
        left: max,
    };
    let meta = open(identity, input, &mut limited)?;
    Ok((meta, out))
}

#[cfg(feature = "decrypt")]
struct LimitedWriter<'a> {
    inner: &'a mut Vec<u8>,
    left: u64,
}

#[cfg(feature = "decrypt")]
impl Write for LimitedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(io::Error::other("document larger than expected"));
        }
        self.left -= buf.len() as u64;
        self.inner.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(all(test, feature = "decrypt"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn meta(len: u64) -> DocumentMeta {
        DocumentMeta {
            kind: DocumentKind::Attachment,
            name: Some("протокол задержания.pdf".into()),
            media_type: "application/pdf".into(),
            length: len,
        }
    }

    #[test]
    fn seals_to_the_predicted_padded_length() {
        let id = age::x25519::Identity::generate();
        for len in [0u64, 1, 4000, 70_000, 200_000] {
            let data = vec![7u8; len as usize];
            let ct = seal(&id.to_public(), &meta(len), data.as_slice(), Vec::new()).unwrap();
            let info = crate::agefile::check_header(&ct).unwrap().unwrap();
            assert_eq!(
                ct.len() as u64,
                info.header_len as u64 + 16 + sealed_payload_len(&meta(len)).unwrap()
            );
            crate::agefile::check_length(&info, ct.len() as u64).unwrap();
        }
    }

    #[test]
    fn refuses_wrong_lengths() {
        let id = age::x25519::Identity::generate();
        let short = seal(&id.to_public(), &meta(10), &[1u8; 5][..], Vec::new());
        assert!(matches!(short, Err(Error::LengthMismatch { .. })));
        let long = seal(&id.to_public(), &meta(10), &[1u8; 11][..], Vec::new());
        assert!(matches!(long, Err(Error::LengthMismatch { .. })));
    }

    #[test]
    fn truncated_or_tampered_ciphertext_fails() {
        let id = age::x25519::Identity::generate();
        let data = vec![42u8; 150_000];
        let ct = seal(&id.to_public(), &meta(150_000), data.as_slice(), Vec::new()).unwrap();
        for cut in [ct.len() - 1, ct.len() - 17, ct.len() / 2, 200] {
            assert!(
                open(&id, &ct[..cut], io::sink()).is_err(),
                "cut at {cut} opened"
            );
        }
        let mut flipped = ct.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x80;
        assert!(open(&id, flipped.as_slice(), io::sink()).is_err());
        let other = age::x25519::Identity::generate();
        assert!(open(&other, ct.as_slice(), io::sink()).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn envelope_round_trips(
            data in proptest::collection::vec(any::<u8>(), 0..140_000),
            name in proptest::option::of("\\PC{0,60}"),
        ) {
            let id = age::x25519::Identity::generate();
            let m = DocumentMeta { name, ..meta(data.len() as u64) };
            let ct = seal(&id.to_public(), &m, data.as_slice(), Vec::new()).unwrap();
            let mut out = Vec::new();
            let back = open(&id, ct.as_slice(), &mut out).unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(out, data);
        }
    }
}
