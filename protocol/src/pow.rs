//! Hashcash over SHA-256: the small proof of work that opening a case and every sign-in cost,
//! so that a flood costs its sender CPU time without the server tracking anyone (see
//! docs/threat-model.md, "Abuse without tracking people"). Pure: no clock, no network.
//!
//! The server hands out an opaque `seed` and a difficulty `bits`; the client finds a `nonce`
//! such that `SHA-256("amanat-pow-v1\0" ‖ purpose ‖ seed ‖ u64be(nonce))` starts with at
//! least `bits` zero bits, and sends `seed` and `nonce` back in the [`HEADER`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{b64url, from_b64url};
use crate::error::Error;

/// The request header that carries a solution: `Amanat-PoW: <base64url seed>.<decimal nonce>`.
pub const HEADER: &str = "amanat-pow";

/// Domain separation: nothing else Amanat hashes starts with these bytes.
pub const DOMAIN: &[u8] = b"amanat-pow-v1\0";

/// The most a client will work for. A server asking for more is refused rather than obeyed:
/// 2^32 hashes is minutes on a laptop and far longer on a cheap phone.
pub const MAX_BITS: u8 = 32;

/// Seeds are short server tokens; anything longer in a header is refused unread.
pub const MAX_SEED_LEN: usize = 64;

/// What a puzzle may be spent on; a solution for one purpose does not open the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// `POST /v1/cases`
    CreateCase,
    /// `POST /v1/auth/challenge`, the first step of every sign-in
    Auth,
}

impl Purpose {
    /// The byte hashed after [`DOMAIN`].
    pub fn byte(self) -> u8 {
        match self {
            Purpose::CreateCase => 1,
            Purpose::Auth => 2,
        }
    }

    pub fn from_byte(b: u8) -> Option<Purpose> {
        match b {
            1 => Some(Purpose::CreateCase),
            2 => Some(Purpose::Auth),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::CreateCase => "create-case",
            Purpose::Auth => "auth",
        }
    }
}

/// `SHA-256(DOMAIN ‖ purpose ‖ seed ‖ u64be(nonce))`.
pub fn digest(purpose: Purpose, seed: &[u8], nonce: u64) -> [u8; 32] {
    prefix(purpose, seed)
        .chain_update(nonce.to_be_bytes())
        .finalize()
        .into()
}

fn prefix(purpose: Purpose, seed: &[u8]) -> Sha256 {
    Sha256::new()
        .chain_update(DOMAIN)
        .chain_update([purpose.byte()])
        .chain_update(seed)
}

/// The number of zero bits before the first one bit (256 for all zeros).
pub fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut n = 0;
    for &b in hash {
        if b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// One hash: does `nonce` solve the puzzle `(purpose, seed, bits)`?
pub fn verify(seed: &[u8], bits: u8, purpose: Purpose, nonce: u64) -> bool {
    leading_zero_bits(&digest(purpose, seed, nonce)) >= u32::from(bits)
}

/// Finds the smallest nonce that solves the puzzle: about `2^bits` hashes on average. Refuses
/// a difficulty above [`MAX_BITS`], so a hostile server cannot keep a client busy for ever.
pub fn solve(seed: &[u8], bits: u8, purpose: Purpose) -> Result<u64, Error> {
    if bits > MAX_BITS {
        return Err(Error::malformed(
            "proof-of-work puzzle",
            format!("it asks for {bits} bits of work; at most {MAX_BITS} are ever needed"),
        ));
    }
    let base = prefix(purpose, seed);
    let want = u32::from(bits);
    // 2^64 nonces against at most 2^32 expected tries: the loop ends.
    let mut nonce = 0u64;
    loop {
        let h: [u8; 32] = base
            .clone()
            .chain_update(nonce.to_be_bytes())
            .finalize()
            .into();
        if leading_zero_bits(&h) >= want {
            return Ok(nonce);
        }
        nonce = nonce.wrapping_add(1);
    }
}

/// A solved puzzle as it travels in the [`HEADER`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    pub seed: Vec<u8>,
    pub nonce: u64,
}

impl Solution {
    /// `<base64url seed, no padding>.<decimal nonce>`
    pub fn to_header(&self) -> String {
        format!("{}.{}", b64url(&self.seed), self.nonce)
    }

    pub fn parse(value: &str) -> Result<Solution, Error> {
        const WHAT: &str = "proof-of-work header";
        let (seed, nonce) = value
            .trim()
            .split_once('.')
            .ok_or_else(|| Error::malformed(WHAT, "expected <seed>.<nonce>"))?;
        // base64url of MAX_SEED_LEN bytes; checked before decoding anything.
        if seed.is_empty() || seed.len() > MAX_SEED_LEN.div_ceil(3) * 4 {
            return Err(Error::malformed(WHAT, "the seed has the wrong length"));
        }
        let seed = from_b64url(WHAT, seed)?;
        if seed.len() > MAX_SEED_LEN {
            return Err(Error::malformed(WHAT, "the seed has the wrong length"));
        }
        // Digits only: u64::from_str would also take a leading '+'.
        if nonce.is_empty() || nonce.len() > 20 || !nonce.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::malformed(WHAT, "the nonce is not a decimal number"));
        }
        let nonce = nonce
            .parse::<u64>()
            .map_err(|_| Error::malformed(WHAT, "the nonce is not a 64-bit number"))?;
        Ok(Solution { seed, nonce })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_leading_zero_bits() {
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0x01]), 7);
        assert_eq!(leading_zero_bits(&[0x00, 0x40]), 9);
        assert_eq!(leading_zero_bits(&[0x00, 0x00, 0xff]), 16);
        assert_eq!(leading_zero_bits(&[0; 32]), 256);
        assert_eq!(leading_zero_bits(&[]), 0);
    }

    #[test]
    fn the_digest_is_domain_separated() {
        // Pinned so that a change to the construction is a conscious protocol change.
        let mut h = Sha256::new();
        h.update(b"amanat-pow-v1\0");
        h.update([1u8]);
        h.update(b"seed");
        h.update(7u64.to_be_bytes());
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(digest(Purpose::CreateCase, b"seed", 7), expected);
        assert_ne!(
            digest(Purpose::Auth, b"seed", 7),
            digest(Purpose::CreateCase, b"seed", 7)
        );
    }

    #[test]
    fn zero_bits_is_free_and_too_many_bits_are_refused() {
        assert_eq!(solve(b"s", 0, Purpose::Auth).unwrap(), 0);
        assert!(verify(b"s", 0, Purpose::Auth, 12345));
        assert!(solve(b"s", MAX_BITS + 1, Purpose::Auth).is_err());
    }

    #[test]
    fn a_solution_is_the_first_nonce_that_works() {
        let seed = b"0123456789abcdef";
        let n = solve(seed, 12, Purpose::CreateCase).unwrap();
        assert!(verify(seed, 12, Purpose::CreateCase, n));
        assert!((0..n).all(|m| !verify(seed, 12, Purpose::CreateCase, m)));
        // Fixed inputs, so this is deterministic: the work does not carry over.
        let n = solve(seed, 16, Purpose::CreateCase).unwrap();
        assert!(verify(seed, 16, Purpose::CreateCase, n));
        assert!(!verify(seed, 16, Purpose::Auth, n));
        assert!(!verify(b"0123456789abcdeF", 16, Purpose::CreateCase, n));
    }

    #[test]
    fn headers_round_trip_and_junk_is_refused() {
        let s = Solution {
            seed: vec![0xfb, 0xff, 0x00, 0x01],
            nonce: u64::MAX,
        };
        let h = s.to_header();
        assert_eq!(h, "-_8AAQ.18446744073709551615");
        assert_eq!(Solution::parse(&h).unwrap(), s);
        for bad in [
            "",
            ".",
            "AAAA",
            "AAAA.",
            ".5",
            "AAAA.+5",
            "AAAA.-5",
            "AAAA.5.5",
            "AAAA.18446744073709551616",
            "AA=A.5",
            "A.5",
            "AAAA.0x10",
        ] {
            assert!(Solution::parse(bad).is_err(), "{bad:?}");
        }
        let long = b64url(&[1u8; MAX_SEED_LEN + 1]);
        assert!(Solution::parse(&format!("{long}.1")).is_err());
        let max = b64url(&[1u8; MAX_SEED_LEN]);
        assert!(Solution::parse(&format!("{max}.1")).is_ok());
    }

    #[test]
    fn purposes_have_stable_names_and_bytes() {
        for p in [Purpose::CreateCase, Purpose::Auth] {
            assert_eq!(Purpose::from_byte(p.byte()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!(Purpose::from_byte(0), None);
    }

    /// Prints the solve rate at the default difficulty; run with
    /// `cargo test --release -p amanat-protocol pow::tests::measure -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn measure() {
        let bits = 18;
        let rounds = 40u32;
        let start = std::time::Instant::now();
        let mut hashes = 0u64;
        for i in 0..rounds {
            let seed = [i as u8; 43];
            hashes += solve(&seed, bits, Purpose::CreateCase).unwrap() + 1;
        }
        let t = start.elapsed();
        println!(
            "{bits} bits: {:.1} ms per solve on average, {:.2} M hashes/s",
            t.as_secs_f64() * 1000.0 / f64::from(rounds),
            hashes as f64 / t.as_secs_f64() / 1e6
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn solutions_verify_only_for_their_seed_and_purpose(
            seed in proptest::collection::vec(any::<u8>(), 1..48),
            other in proptest::collection::vec(any::<u8>(), 1..48),
            bits in 0u8..=10,
        ) {
            let n = solve(&seed, bits, Purpose::Auth).unwrap();
            prop_assert!(verify(&seed, bits, Purpose::Auth, n));
            prop_assert!(leading_zero_bits(&digest(Purpose::Auth, &seed, n)) >= u32::from(bits));
            // Another seed or purpose needs its own work: with 10 bits, the same nonce works
            // by chance one time in 1024, so compare against the full hash instead.
            prop_assert_ne!(digest(Purpose::CreateCase, &seed, n), digest(Purpose::Auth, &seed, n));
            if other != seed {
                prop_assert_ne!(digest(Purpose::Auth, &other, n), digest(Purpose::Auth, &seed, n));
            }
            let s = Solution { seed: seed.clone(), nonce: n };
            prop_assert_eq!(Solution::parse(&s.to_header()).unwrap(), s);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,120}") {
            let _ = Solution::parse(&text);
        }
    }
}
