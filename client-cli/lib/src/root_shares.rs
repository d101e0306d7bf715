//! m-of-n recovery of the root key: Shamir's secret sharing of its 32-byte seed over GF(256)
//! (the `blahaj` crate), each share a printable sheet with a checksum, a split id and the
//! root's fingerprint, so a mistyped, foreign or mixed-up share is named, never silently used.

use std::collections::BTreeSet;

use amanat_protocol::encoding::{from_readable, readable};
use amanat_protocol::keyring::{Fingerprint, RootKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const VERSION: u8 = 1;
const CHECKSUM_DOMAIN: &[u8] = b"amanat/root-share/v1\n";
/// version, threshold, count, index, split id (4), fingerprint prefix (8), y (32), checksum (4).
const ENCODED_LEN: usize = 4 + 4 + 8 + 32 + 4;
const BEGIN: &str = "-----BEGIN AMANAT ROOT SHARE-----";
const END: &str = "-----END AMANAT ROOT SHARE-----";
/// More holders than this is a committee, not a recovery plan; it also bounds the check of
/// every combination at creation (C(16, 8) = 12,870 interpolations of 32 bytes).
pub const MAX_SHARES: u8 = 16;

/// One holder's share of the root key.
#[derive(Clone)]
pub struct RootShare {
    threshold: u8,
    count: u8,
    index: u8,
    split: [u8; 4],
    root: [u8; 8],
    y: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for RootShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RootShare({} of {}, split {}, ********)",
            self.index,
            self.count,
            self.split_id()
        )
    }
}

impl RootShare {
    pub fn index(&self) -> u8 {
        self.index
    }
    pub fn count(&self) -> u8 {
        self.count
    }
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Four bytes chosen at random for each split, so shares of two splits of the same root
    /// are told apart.
    pub fn split_id(&self) -> String {
        readable(&self.split).replace('-', "")
    }

    /// Whether this share belongs to the root with this fingerprint (by its first 8 bytes).
    pub fn is_for(&self, root: &Fingerprint) -> bool {
        root.as_bytes()[..8] == self.root
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(Vec::with_capacity(ENCODED_LEN));
        v.extend_from_slice(&[VERSION, self.threshold, self.count, self.index]);
        v.extend_from_slice(&self.split);
        v.extend_from_slice(&self.root);
        v.extend_from_slice(self.y.as_slice());
        let sum = checksum(&v);
        v.extend_from_slice(&sum);
        v
    }

    /// The share's symbols: 84 Crockford base32 characters in groups of four.
    pub fn symbols(&self) -> Zeroizing<String> {
        Zeroizing::new(readable(&self.encode()))
    }

    /// The sheet a holder prints or copies by hand.
    pub fn sheet(&self, fingerprint: &Fingerprint, made: &str) -> Zeroizing<String> {
        let symbols = self.symbols();
        let groups: Vec<&str> = symbols.split('-').collect();
        let mut lines = String::new();
        for row in groups.chunks(7) {
            lines.push_str(&row.join("-"));
            lines.push('\n');
        }
        Zeroizing::new(format!(
            "Amanat root key — share {index} of {count}\n\
             \n\
             Any {threshold} of the {count} shares restore the foundation's root key; fewer \
             reveal nothing about it.\n\
             Keep this sheet apart from the other shares, offline. Whoever holds {threshold} \
             shares can sign a keyring.\n\
             \n\
             Root fingerprint: {fingerprint}\n\
             Split: {split} (made {made})\n\
             \n\
             {BEGIN}\n{lines}{END}\n\
             \n\
             Check a copy of this sheet:  amanat admin root check-share FILE\n\
             Restore the root key:        amanat admin root combine --share FILE --share FILE ... --out root.key\n",
            index = self.index,
            count = self.count,
            threshold = self.threshold,
            split = self.split_id(),
        ))
    }

    /// Reads a share from a sheet, or from the symbols alone as someone typed them in.
    /// Forgives case, spaces, dashes and the usual misreadings (O→0, I/L→1); a wrong symbol
    /// is caught by the checksum.
    pub fn parse(text: &str) -> Result<Self> {
        let body = match (text.find(BEGIN), text.find(END)) {
            (Some(b), Some(e)) if b < e => &text[b + BEGIN.len()..e],
            (None, None) => text,
            _ => {
                return Err(Error::new(
                    "the share's BEGIN and END lines are missing or out of order",
                ));
            }
        };
        let bytes =
            Zeroizing::new(from_readable("root share", body, ENCODED_LEN).map_err(|e| {
                Error::new(format!("this is not a root key share: {e}"))
                    .hint("copy the 21 groups between the BEGIN and END lines exactly")
            })?);
        let (payload, sum) = bytes.split_at(ENCODED_LEN - 4);
        if checksum(payload) != sum {
            return Err(
                Error::new("the share's checksum does not match: a symbol is mistyped").hint(
                    "compare each group with the printed sheet; O/0 and I/L/1 are read alike",
                ),
            );
        }
        let (threshold, count, index) = (payload[1], payload[2], payload[3]);
        if payload[0] != VERSION {
            return Err(Error::new(format!(
                "this share has format version {}; this amanat reads version {VERSION}",
                payload[0]
            ))
            .hint("use the amanat release that made the shares"));
        }
        if threshold < 2 || threshold > count || count > MAX_SHARES || index == 0 || index > count {
            return Err(Error::new(format!(
                "this share says it is share {index} of {count} with threshold {threshold}, which no split makes"
            )));
        }
        let mut split = [0u8; 4];
        split.copy_from_slice(&payload[4..8]);
        let mut root = [0u8; 8];
        root.copy_from_slice(&payload[8..16]);
        let mut y = Zeroizing::new([0u8; 32]);
        y.copy_from_slice(&payload[16..48]);
        Ok(Self {
            threshold,
            count,
            index,
            split,
            root,
            y,
        })
    }
}

fn checksum(payload: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(CHECKSUM_DOMAIN);
    h.update(payload);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Splits the root key into `count` shares of which any `threshold` restore it, and checks
/// before returning that every share reads back from its symbols and that every combination
/// of `threshold` shares restores this very key.
pub fn split(root: &RootKey, threshold: u8, count: u8) -> Result<Vec<RootShare>> {
    if threshold < 2 {
        return Err(Error::new(
            "the threshold must be at least 2: with 1, every share is the root key itself",
        ));
    }
    if count < threshold {
        return Err(Error::new(format!(
            "{count} shares cannot meet a threshold of {threshold}"
        ))
        .hint("--shares must be at least --threshold, e.g. --shares 5 --threshold 3"));
    }
    if count > MAX_SHARES {
        return Err(Error::new(format!(
            "at most {MAX_SHARES} shares, not {count}"
        )));
    }
    let seed = root.dangerously_export_seed();
    let mut split_id = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut split_id);
    let fingerprint = root.fingerprint();
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&fingerprint.as_bytes()[..8]);
    let shares: Vec<RootShare> = blahaj::Sharks(threshold)
        .dealer(seed.as_slice())
        .take(count as usize)
        .map(|s| {
            let raw = Zeroizing::new(Vec::from(&s));
            let mut y = Zeroizing::new([0u8; 32]);
            y.copy_from_slice(&raw[1..]);
            RootShare {
                threshold,
                count,
                index: raw[0],
                split: split_id,
                root: prefix,
                y,
            }
        })
        .collect();
    for share in &shares {
        let back = RootShare::parse(&share.symbols())?;
        if back.encode() != share.encode() {
            return Err(Error::new(format!(
                "share {} does not read back as written",
                share.index
            )));
        }
    }
    let mut checked = 0usize;
    for subset in combinations(count as usize, threshold as usize) {
        let chosen: Vec<RootShare> = subset.iter().map(|&i| shares[i].clone()).collect();
        let restored = combine(&chosen)?;
        if restored.fingerprint() != fingerprint {
            return Err(Error::new(
                "a combination of shares did not restore the root key; nothing was written",
            ));
        }
        checked += 1;
    }
    debug_assert_eq!(checked, binomial(count as usize, threshold as usize));
    Ok(shares)
}

/// Restores the root key from at least `threshold` shares of one split, and checks the
/// result against the fingerprint the shares carry.
pub fn combine(shares: &[RootShare]) -> Result<RootKey> {
    let Some(first) = shares.first() else {
        return Err(Error::new("no shares given"));
    };
    let mut seen = BTreeSet::new();
    for s in shares {
        if s.split != first.split || s.root != first.root {
            return Err(Error::new(format!(
                "share {} is from split {}, share {} from split {}: shares of different splits do not combine",
                first.index,
                first.split_id(),
                s.index,
                s.split_id()
            ))
            .hint("use shares whose sheets name the same split"));
        }
        if s.threshold != first.threshold || s.count != first.count {
            return Err(Error::new(
                "the shares disagree on how many there are and how many restore the key",
            ));
        }
        if !seen.insert(s.index) {
            return Err(Error::new(format!(
                "share {} is given twice; each holder's share counts once",
                s.index
            )));
        }
    }
    if seen.len() < first.threshold as usize {
        return Err(Error::new(format!(
            "{} of {} shares given; this split needs {}",
            seen.len(),
            first.count,
            first.threshold
        ))
        .hint("ask another holder for their sheet"));
    }
    let parsed: Vec<blahaj::Share> = shares
        .iter()
        .map(|s| {
            let mut raw = Zeroizing::new(Vec::with_capacity(33));
            raw.push(s.index);
            raw.extend_from_slice(s.y.as_slice());
            blahaj::Share::try_from(raw.as_slice()).map_err(Error::new)
        })
        .collect::<Result<_>>()?;
    let secret = Zeroizing::new(
        blahaj::Sharks(first.threshold)
            .recover(&parsed)
            .map_err(Error::new)?,
    );
    let mut seed = Zeroizing::new([0u8; 32]);
    if secret.len() != 32 {
        return Err(Error::new("the shares do not hold a 32-byte key"));
    }
    seed.copy_from_slice(&secret);
    let key = RootKey::from_seed(&seed);
    if key.fingerprint().as_bytes()[..8] != first.root {
        return Err(Error::new(
            "these shares do not restore the root key they were made from: one of them was altered",
        ));
    }
    Ok(key)
}

/// Every way to choose `k` of `0..n`, in lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    'next: loop {
        out.push(idx.clone());
        for i in (0..k).rev() {
            if idx[i] < n - k + i {
                idx[i] += 1;
                for j in i + 1..k {
                    idx[j] = idx[j - 1] + 1;
                }
                continue 'next;
            }
        }
        return out;
    }
}

/// How many ways there are to choose `k` of `n` shares: the combinations `split` checks.
pub fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> RootKey {
        RootKey::from_seed(&[7; 32])
    }

    #[test]
    fn combinations_are_all_there() {
        assert_eq!(combinations(5, 3).len(), 10);
        assert_eq!(combinations(4, 4), vec![vec![0, 1, 2, 3]]);
        assert_eq!(combinations(3, 2), vec![vec![0, 1], vec![0, 2], vec![1, 2]]);
        assert_eq!(combinations(16, 8).len(), binomial(16, 8));
    }

    #[test]
    fn any_three_of_five_restore_and_two_do_not() {
        let shares = split(&root(), 3, 5).unwrap();
        assert_eq!(shares.len(), 5);
        let fp = root().fingerprint();
        for s in &shares {
            assert!(s.is_for(&fp));
            let sheet = s.sheet(&fp, "2026-12-04");
            let back = RootShare::parse(&sheet).unwrap();
            assert_eq!(back.encode(), s.encode());
        }
        let k = combine(&[shares[4].clone(), shares[0].clone(), shares[2].clone()]).unwrap();
        assert_eq!(k.fingerprint(), fp);
        let all = combine(&shares).unwrap();
        assert_eq!(all.fingerprint(), fp);
        let err = combine(&shares[..2]).unwrap_err();
        assert!(err.message.contains("needs 3"), "{}", err.message);
        let err = combine(&[shares[0].clone(), shares[0].clone(), shares[1].clone()]).unwrap_err();
        assert!(err.message.contains("twice"), "{}", err.message);
    }

    #[test]
    fn splits_are_told_apart_and_typos_caught() {
        let a = split(&root(), 2, 3).unwrap();
        let b = split(&root(), 2, 3).unwrap();
        let err = combine(&[a[0].clone(), b[1].clone()]).unwrap_err();
        assert!(err.message.contains("different splits"), "{}", err.message);

        let symbols = a[1].symbols().to_string();
        let mut chars: Vec<char> = symbols.chars().collect();
        let pos = chars.iter().position(|c| *c != '-').unwrap() + 10;
        chars[pos] = if chars[pos] == 'Z' { 'Y' } else { 'Z' };
        let typo: String = chars.into_iter().collect();
        let err = RootShare::parse(&typo).unwrap_err();
        assert!(
            err.message.contains("checksum") || err.message.contains("no split makes"),
            "{}",
            err.message
        );
        // Sloppy but faithful copies read back.
        let sloppy = symbols.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(RootShare::parse(&sloppy).unwrap().encode(), a[1].encode());
        assert!(RootShare::parse("hello").is_err());
        assert!(RootShare::parse(&format!("{BEGIN}\n")).is_err());
    }

    #[test]
    fn a_forged_share_with_a_valid_checksum_is_caught_by_the_fingerprint() {
        let shares = split(&root(), 2, 2).unwrap();
        let mut forged = shares[1].clone();
        forged.y[0] ^= 1;
        let err = combine(&[shares[0].clone(), forged]).unwrap_err();
        assert!(err.message.contains("altered"), "{}", err.message);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(split(&root(), 1, 3).is_err());
        assert!(split(&root(), 4, 3).is_err());
        assert!(split(&root(), 3, MAX_SHARES + 1).is_err());
        assert!(split(&root(), MAX_SHARES, MAX_SHARES).is_ok());
    }

    #[test]
    fn debug_hides_the_share() {
        let s = &split(&root(), 2, 2).unwrap()[0];
        let d = format!("{s:?}");
        assert!(d.contains("********") && !d.contains(&s.symbols().to_string()[..9]));
    }
}
