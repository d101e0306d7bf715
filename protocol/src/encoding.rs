//! Small encodings shared by both ends: base64 for bytes on the wire, hex for hashes,
//! and a readable base32 for fingerprints a person compares aloud.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::error::Error;

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn from_b64(what: &'static str, s: &str) -> Result<Vec<u8>, Error> {
    STANDARD
        .decode(s)
        .map_err(|e| Error::malformed(what, e.to_string()))
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn from_b64url(what: &'static str, s: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| Error::malformed(what, e.to_string()))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

pub fn from_hex<const N: usize>(what: &'static str, s: &str) -> Result<[u8; N], Error> {
    let s = s.trim();
    if s.len() != N * 2 {
        return Err(Error::malformed(
            what,
            format!("expected {} hex digits", N * 2),
        ));
    }
    let mut out = [0u8; N];
    for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
        let hi = hex_val(pair[0]).ok_or_else(|| Error::malformed(what, "not hex"))?;
        let lo = hex_val(pair[1]).ok_or_else(|| Error::malformed(what, "not hex"))?;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Crockford's base32 alphabet: no I, L, O or U, so nothing reads as another symbol.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 32 bytes as 52 Crockford base32 symbols in groups of four: `7ZQK-3M0A-…`.
pub fn readable32(bytes: &[u8; 32]) -> String {
    readable(bytes)
}

/// Parses what [`readable32`] prints, forgiving case, spaces, dashes and the usual
/// misreadings (O→0, I/L→1).
pub fn from_readable32(what: &'static str, s: &str) -> Result<[u8; 32], Error> {
    let v = from_readable(what, s, 32).map_err(|_| {
        Error::malformed(
            what,
            "expected 52 symbols in groups of four, as printed by `amanat admin init`",
        )
    })?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| Error::malformed(what, "expected 52 symbols in groups of four"))
}

/// Any bytes as Crockford base32 symbols in groups of four. Every symbol is in a QR code's
/// alphanumeric set, so the text also prints compactly as a QR code.
pub fn readable(bytes: &[u8]) -> String {
    let mut symbols = Vec::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            symbols.push(CROCKFORD[((acc >> bits) & 31) as usize]);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        symbols.push(CROCKFORD[((acc << (5 - bits)) & 31) as usize]);
    }
    symbols
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Parses what [`readable`] printed for exactly `len` bytes, with the same forgiveness as
/// [`from_readable32`]. Padding bits must be zero, so each text has one reading.
pub fn from_readable(what: &'static str, s: &str, len: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(len);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut count = 0usize;
    for c in s.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        let v = CROCKFORD
            .iter()
            .position(|&x| x as char == c)
            .ok_or_else(|| Error::malformed(what, format!("unexpected character {c:?}")))?;
        count += 1;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if out.len() < len {
                out.push((acc >> bits) as u8);
            } else {
                return Err(Error::malformed(what, "too many symbols"));
            }
        }
        acc &= (1 << bits) - 1;
    }
    let expected = (len * 8).div_ceil(5);
    if count != expected || out.len() != len || acc != 0 {
        return Err(Error::malformed(
            what,
            format!("expected {expected} symbols in groups of four, found {count}"),
        ));
    }
    Ok(out)
}

/// serde helpers: `#[serde(with = "encoding::serde_b64")]` for `Vec<u8>`.
pub mod serde_b64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::b64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::from_b64("base64 field", &s).map_err(D::Error::custom)
    }
}

/// serde helpers for fixed 32-byte values encoded as base64.
pub mod serde_b64_32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::b64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = super::from_b64("base64 field", &s).map_err(D::Error::custom)?;
        <[u8; 32]>::try_from(v.as_slice()).map_err(|_| D::Error::custom("expected 32 bytes"))
    }
}

/// serde helpers for SHA-256 digests encoded as lowercase hex.
pub mod serde_hex_32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        super::from_hex::<32>("hex digest", &s).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable32_round_trips_and_forgives() {
        let mut b = [0u8; 32];
        for (i, x) in b.iter_mut().enumerate() {
            *x = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let s = readable32(&b);
        assert_eq!(s.len(), 52 + 12);
        assert_eq!(from_readable32("fp", &s).unwrap(), b);
        let sloppy = s.to_lowercase().replace('-', " ");
        assert_eq!(from_readable32("fp", &sloppy).unwrap(), b);
        assert!(from_readable32("fp", &s[..s.len() - 1]).is_err());
        assert!(from_readable32("fp", &format!("{s}0")).is_err());
        assert!(from_readable32("fp", "U").is_err());
    }

    #[test]
    fn readable_round_trips_any_length() {
        for len in [1usize, 4, 5, 31, 32, 33, 48] {
            let b: Vec<u8> = (0..len)
                .map(|i| (i as u8).wrapping_mul(91) ^ 0xa5)
                .collect();
            let s = readable(&b);
            assert_eq!(from_readable("x", &s, len).unwrap(), b, "{len}");
            assert!(from_readable("x", &s, len + 1).is_err());
            assert!(len == 1 || from_readable("x", &s, len - 1).is_err());
        }
        assert_eq!(readable(&[0xff; 32]), readable32(&[0xff; 32]));
    }

    #[test]
    fn hex_round_trips() {
        let b = [0xab_u8; 32];
        assert_eq!(from_hex::<32>("h", &hex(&b)).unwrap(), b);
        assert!(from_hex::<32>("h", "zz").is_err());
    }
}
