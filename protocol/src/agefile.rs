//! A keyless structural check of age files (age-encryption.org/v1), for the server.
//! The server cannot decrypt, but it can refuse what is not a well-formed age file to one
//! X25519 recipient, or whose payload length is not a padded one.

use bech32::primitives::decode::CheckedHrpstring;

use crate::error::{Error, Result};
use crate::padding;

const MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// No header we produce comes near this; the server reads at most this much to find it.
pub const MAX_HEADER: usize = 4096;
/// The payload nonce that follows the header.
pub const NONCE_LEN: u64 = 16;

/// What the header check learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Bytes up to and including the MAC line's newline.
    pub header_len: usize,
    /// Number of X25519 recipient stanzas.
    pub stanzas: usize,
}

/// Checks that `prefix` (the first bytes of a file, up to [`MAX_HEADER`]) starts with a
/// syntactically valid age v1 header whose stanzas are all X25519.
/// Returns `Ok(None)` when more bytes are needed.
pub fn check_header(prefix: &[u8]) -> Result<Option<HeaderInfo>> {
    if prefix.len() < MAGIC.len() {
        return if MAGIC.starts_with(prefix) {
            Ok(None)
        } else {
            Err(Error::NotAge(
                "it does not start with the age v1 header".into(),
            ))
        };
    }
    if !prefix.starts_with(MAGIC) {
        return Err(Error::NotAge(
            "it does not start with the age v1 header".into(),
        ));
    }
    let mut pos = MAGIC.len();
    let mut stanzas = 0;
    let mut x25519 = 0;
    loop {
        let Some(line) = next_line(prefix, &mut pos)? else {
            return Ok(None);
        };
        if let Some(mac) = line.strip_prefix(b"--- ") {
            if mac.len() != 43 || !mac.iter().all(is_b64) {
                return Err(Error::NotAge("bad header MAC".into()));
            }
            if x25519 == 0 {
                return Err(Error::NotAge("no X25519 recipient stanza".into()));
            }
            return Ok(Some(HeaderInfo {
                header_len: pos,
                stanzas: x25519,
            }));
        }
        let Some(args) = line.strip_prefix(b"-> ") else {
            return Err(Error::NotAge("expected a stanza or the MAC line".into()));
        };
        let args: Vec<&[u8]> = args.split(|&b| b == b' ').collect();
        if args
            .iter()
            .any(|a| a.is_empty() || !a.iter().all(|b| (33..=126).contains(b)))
        {
            return Err(Error::NotAge("bad stanza arguments".into()));
        }
        let tag = args[0];
        let is_x25519 = tag == b"X25519";
        if is_x25519 && (args.len() != 2 || args[1].len() != 43 || !args[1].iter().all(is_b64)) {
            return Err(Error::NotAge("bad X25519 stanza".into()));
        }
        // age adds one random "grease" stanza to keep parsers honest; anything else that is
        // not X25519 (scrypt, ssh, plugins) is not what Amanat clients produce.
        if !is_x25519 && !tag.ends_with(b"-grease") {
            return Err(Error::NotAge(
                "only X25519 recipient stanzas are accepted".into(),
            ));
        }
        // Body: base64 lines of 64 characters, ended by a shorter (possibly empty) one.
        let mut body_len = 0usize;
        loop {
            let Some(body) = next_line(prefix, &mut pos)? else {
                return Ok(None);
            };
            if body.len() > 64 || !body.iter().all(is_b64) {
                return Err(Error::NotAge("bad stanza body".into()));
            }
            body_len += body.len();
            if body.len() < 64 {
                break;
            }
        }
        if is_x25519 && body_len != 43 {
            return Err(Error::NotAge("bad X25519 stanza body".into()));
        }
        stanzas += 1;
        if is_x25519 {
            x25519 += 1;
        }
        if stanzas > 64 {
            return Err(Error::NotAge("too many stanzas".into()));
        }
    }
}

/// The next `\n`-terminated line, advancing `pos`; `None` if more bytes are needed.
fn next_line<'a>(prefix: &'a [u8], pos: &mut usize) -> Result<Option<&'a [u8]>> {
    match prefix[*pos..].iter().position(|&b| b == b'\n') {
        Some(nl) => {
            let line = &prefix[*pos..*pos + nl];
            *pos += nl + 1;
            Ok(Some(line))
        }
        None if prefix.len() >= MAX_HEADER => Err(Error::NotAge("header too long".into())),
        None => Ok(None),
    }
}

/// Checks a complete file's length against its header: the payload must be the age
/// encryption of a Padmé-padded plaintext. Catches truncation and unpadded uploads.
pub fn check_length(info: &HeaderInfo, total_len: u64) -> Result<()> {
    let payload = total_len
        .checked_sub(info.header_len as u64 + NONCE_LEN)
        .ok_or_else(|| Error::NotAge("truncated: no payload".into()))?;
    match padding::plaintext_len(payload) {
        Some(len) if padding::is_padded(len) => Ok(()),
        _ => Err(Error::NotAge(
            "truncated or unpadded: the payload length is not that of a padded document".into(),
        )),
    }
}

fn is_b64(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/'
}

/// Checks that `s` is an age X25519 recipient (`age1…`, Bech32, 32 bytes).
pub fn check_x25519_recipient(s: &str) -> Result<()> {
    let parsed = CheckedHrpstring::new::<bech32::Bech32>(s)
        .map_err(|e| Error::malformed("age recipient", e.to_string()))?;
    if parsed.hrp().as_str() != "age" || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Error::malformed(
            "age recipient",
            "expected age1… in lower case",
        ));
    }
    if parsed.byte_iter().count() != 32 {
        return Err(Error::malformed("age recipient", "expected 32 bytes"));
    }
    Ok(())
}

/// Encodes 32 raw bytes as an age X25519 recipient string (for tests and key derivation).
pub fn encode_x25519_recipient(key: &[u8; 32]) -> String {
    // The HRP is a valid constant and 32 bytes fit a Bech32 string: this cannot fail.
    match bech32::Hrp::parse("age") {
        Ok(hrp) => bech32::encode::<bech32::Bech32>(hrp, key).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(n: usize) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        for _ in 0..n {
            h.extend_from_slice(b"-> X25519 ");
            h.extend_from_slice(&[b'A'; 43]);
            h.push(b'\n');
            h.extend_from_slice(&[b'B'; 43]);
            h.push(b'\n');
        }
        h.extend_from_slice(b"--- ");
        h.extend_from_slice(&[b'C'; 43]);
        h.push(b'\n');
        h
    }

    #[test]
    fn accepts_x25519_headers_and_waits_for_more() {
        let h = header(2);
        let info = check_header(&h).unwrap().unwrap();
        assert_eq!(info.header_len, h.len());
        assert_eq!(info.stanzas, 2);
        for cut in [0, 5, 30, h.len() - 1] {
            assert_eq!(check_header(&h[..cut]).unwrap(), None, "cut at {cut}");
        }
    }

    #[test]
    fn refuses_other_things() {
        assert!(check_header(b"%PDF-1.7\n").is_err());
        assert!(check_header(b"age-encryption.org/v1\n--- x\n").is_err());
        assert!(check_header(b"age-encryption.org/v1\n-> scrypt abc 18\nAAAA\n").is_err());
        let mut grease_only = MAGIC.to_vec();
        grease_only.extend_from_slice(b"-> x-grease a\n\n--- ");
        grease_only.extend_from_slice(&[b'C'; 43]);
        grease_only.push(b'\n');
        assert!(check_header(&grease_only).is_err());
        let mut long = MAGIC.to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_HEADER));
        assert!(check_header(&long).is_err());
    }

    #[test]
    fn length_must_be_padded() {
        let info = check_header(&header(1)).unwrap().unwrap();
        let good = info.header_len as u64 + NONCE_LEN + padding::age_payload_len(4096);
        assert!(check_length(&info, good).is_ok());
        assert!(check_length(&info, good - 1).is_err());
        assert!(check_length(&info, 10).is_err());
    }

    #[test]
    fn recipients() {
        let r = encode_x25519_recipient(&[3; 32]);
        assert!(r.starts_with("age1"));
        check_x25519_recipient(&r).unwrap();
        assert!(check_x25519_recipient(&r.to_uppercase()).is_err());
        assert!(check_x25519_recipient("age1qqqq").is_err());
        let mut bad = r.clone();
        bad.pop();
        bad.push('q');
        assert!(check_x25519_recipient(&bad).is_err());
    }
}
