//! A SHA-256 whose state can be written down between requests: a resumable upload's chunks
//! may reach different servers, and each hashes its chunk on from where the last one stopped,
//! so the finished upload is hashed exactly once. The state is the eight chaining words, the
//! bytes counted so far and the (under 64) bytes of a block not yet full.

use sha2::digest::generic_array::GenericArray;

/// SHA-256's initial chaining words (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Midstate {
    state: [u32; 8],
    /// Bytes hashed so far, the partial block included.
    len: u64,
    tail: Vec<u8>,
}

impl Default for Midstate {
    fn default() -> Self {
        Midstate {
            state: IV,
            len: 0,
            tail: Vec::with_capacity(64),
        }
    }
}

impl Midstate {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if !self.tail.is_empty() {
            let take = (64 - self.tail.len()).min(data.len());
            self.tail.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.tail.len() < 64 {
                return;
            }
            let block = std::mem::take(&mut self.tail);
            self.compress(&block);
        }
        let full = data.len() - data.len() % 64;
        self.compress(&data[..full]);
        self.tail.extend_from_slice(&data[full..]);
    }

    /// Compresses whole 64-byte blocks.
    fn compress(&mut self, blocks: &[u8]) {
        for block in blocks.chunks_exact(64) {
            sha2::compress256(
                &mut self.state,
                std::slice::from_ref(GenericArray::from_slice(block)),
            );
        }
    }

    /// The digest of everything hashed (FIPS 180-4 padding: 0x80, zeros, the bit length).
    pub fn finalize(mut self) -> [u8; 32] {
        let bits = self.len.wrapping_mul(8);
        let mut pad = std::mem::take(&mut self.tail);
        pad.push(0x80);
        while pad.len() % 64 != 56 {
            pad.push(0);
        }
        pad.extend_from_slice(&bits.to_be_bytes());
        self.compress(&pad);
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// `v1.<8 words in hex>.<length>.<tail in hex>`, for the database.
    pub fn to_text(&self) -> String {
        let words: String = self.state.iter().map(|w| format!("{w:08x}")).collect();
        format!(
            "v1.{words}.{}.{}",
            self.len,
            amanat_protocol::encoding::hex(&self.tail)
        )
    }

    pub fn from_text(text: &str) -> Option<Midstate> {
        let mut parts = text.split('.');
        if parts.next()? != "v1" {
            return None;
        }
        let words = parts.next()?;
        let len: u64 = parts.next()?.parse().ok()?;
        let tail_hex = parts.next()?;
        if parts.next().is_some() || words.len() != 64 || tail_hex.len() % 2 != 0 {
            return None;
        }
        let mut state = [0u32; 8];
        for (i, w) in state.iter_mut().enumerate() {
            *w = u32::from_str_radix(words.get(8 * i..8 * i + 8)?, 16).ok()?;
        }
        let tail = (0..tail_hex.len() / 2)
            .map(|i| u8::from_str_radix(tail_hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        if tail.len() >= 64 || len % 64 != tail.len() as u64 {
            return None;
        }
        Some(Midstate { state, len, tail })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn matches_sha256_across_saved_states() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for cuts in [
            vec![],
            vec![1],
            vec![63, 64, 65],
            vec![5, 128, 1000, 19_999],
        ] {
            let mut m = Midstate::default();
            let mut at = 0;
            for cut in cuts.iter().copied().chain([data.len()]) {
                m.update(&data[at..cut]);
                at = cut;
                m = Midstate::from_text(&m.to_text()).unwrap();
            }
            assert_eq!(m.len(), data.len() as u64);
            assert_eq!(m.finalize(), <[u8; 32]>::from(Sha256::digest(&data)));
        }
        assert_eq!(
            Midstate::default().finalize(),
            <[u8; 32]>::from(Sha256::digest(b""))
        );
        for n in [55, 56, 63, 64, 119, 120] {
            let mut m = Midstate::default();
            m.update(&data[..n]);
            assert_eq!(
                m.finalize(),
                <[u8; 32]>::from(Sha256::digest(&data[..n])),
                "{n}"
            );
        }
    }

    #[test]
    fn refuses_damaged_states() {
        let mut m = Midstate::default();
        m.update(b"abc");
        let good = m.to_text();
        assert!(Midstate::from_text(&good).is_some());
        assert!(Midstate::from_text(&good.replace("v1.", "v2.")).is_none());
        assert!(Midstate::from_text(&good.replace(".3.", ".4.")).is_none());
        assert!(Midstate::from_text(&format!("{good}.x")).is_none());
        assert!(Midstate::from_text("v1.zz.0.").is_none());
    }
}
