//! Abuse control without tracking people: proof-of-work puzzles for opening a case and for
//! every sign-in, and the load figure (requests in flight) that both the concurrency bound
//! and the puzzles' difficulty read. No IP address, no account, nothing written to disk.
//!
//! Puzzles are stateless. A seed carries its purpose, difficulty and expiry under an
//! HMAC-SHA256 tag whose key is derived from the log key, so any server sharing the log key
//! (as instances on one database must) accepts any other's puzzles. Spent seeds are
//! remembered until they expire, in memory (a fast first refusal) and in the database (so a
//! solution works once on any server sharing it); the rate of spending, on all servers
//! together, raises the difficulty.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::wire::Puzzle;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Difficulty never rises more than this above the configured base (each bit doubles the
/// work): 18 + 8 bits is about 67 million hashes, seconds on a laptop, a minute or two on a
/// cheap phone. That is the price everybody pays at the worst of a flood.
pub const MAX_EXTRA_BITS: u8 = 8;

/// Solutions accepted per puzzle lifetime before the difficulty starts to rise with the rate:
/// one more bit for each doubling above this. A foundation sees a few cases and sign-ins an
/// hour; 64 in five minutes is already unusual.
const FREE_SOLUTIONS: usize = 64;

/// Spent seeds remembered per generation (two generations are kept). About 16 bytes each,
/// so a few MiB at most. When full, puzzles are refused as `overloaded` until it rotates.
const MAX_SPENT: usize = 1 << 18;

const SEED_VERSION: u8 = 1;
const RANDOM_LEN: usize = 16;
const TAG_LEN: usize = 16;
/// version ‖ purpose ‖ bits ‖ expires_at (i64 BE) ‖ random ‖ tag
const SIGNED_LEN: usize = 3 + 8 + RANDOM_LEN;
pub const SEED_LEN: usize = SIGNED_LEN + TAG_LEN;

/// Requests the server is working on now, across all workers, and the most it will take.
#[derive(Debug)]
pub struct Load {
    in_flight: AtomicUsize,
    max: usize,
}

/// One admitted request; dropping it (when the response body is done) frees its place.
#[derive(Debug)]
pub struct InFlight(Arc<Load>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Load {
    pub fn new(max: usize) -> Arc<Load> {
        Arc::new(Load {
            in_flight: AtomicUsize::new(0),
            max: max.max(1),
        })
    }

    /// Takes a place, or `None` when `max` requests are already in flight.
    pub fn enter(self: &Arc<Self>) -> Option<InFlight> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| InFlight(Arc::clone(self)))
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

/// Why a solution was not accepted. `http::limits` turns these into responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    #[error("no proof-of-work header")]
    Missing,
    #[error("the proof-of-work header is malformed")]
    Malformed,
    #[error("the seed was not issued by this server")]
    Forged,
    #[error("the puzzle was issued for another purpose")]
    WrongPurpose,
    #[error("the puzzle has expired")]
    Expired,
    #[error("the nonce does not solve the puzzle")]
    Unsolved,
    #[error("the puzzle has already been used")]
    Replayed,
    #[error("too many puzzles spent recently to remember another")]
    Busy,
}

/// Seeds spent recently, in two generations of one puzzle lifetime each: a seed is forgotten
/// only after it has expired.
#[derive(Debug, Default)]
struct Spent {
    current: HashSet<[u8; RANDOM_LEN]>,
    previous: HashSet<[u8; RANDOM_LEN]>,
    since: i64,
}

impl Spent {
    fn rotate(&mut self, now: i64, ttl: i64) {
        if now >= self.since.saturating_add(ttl.saturating_mul(2)) {
            self.current.clear();
            self.previous.clear();
            self.since = now;
        } else if now >= self.since.saturating_add(ttl) {
            self.previous = std::mem::take(&mut self.current);
            self.since = now;
        }
    }

    fn recent(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

/// Issues and checks puzzles.
pub struct Puzzles {
    key: Zeroizing<[u8; 32]>,
    base_bits: u8,
    ttl_secs: i64,
    spent: Mutex<Spent>,
    /// Unexpired seeds spent on every server sharing the database, as last counted.
    shared_recent: AtomicUsize,
    /// When that was counted (Unix seconds).
    counted_at: std::sync::atomic::AtomicI64,
}

/// A checked solution, to be spent in the database before the request does anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    pub purpose: Purpose,
    pub random: [u8; RANDOM_LEN],
    pub expires_at: i64,
}

impl std::fmt::Debug for Puzzles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Puzzles")
            .field("base_bits", &self.base_bits)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl Puzzles {
    pub fn new(key: Zeroizing<[u8; 32]>, base_bits: u8, ttl_secs: u64) -> Puzzles {
        Puzzles {
            key,
            base_bits,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX).max(1),
            spent: Mutex::new(Spent::default()),
            shared_recent: AtomicUsize::new(0),
            counted_at: std::sync::atomic::AtomicI64::new(i64::MIN),
        }
    }

    /// Whether the shared count is due again: at most once a second, so a burst of spends
    /// costs one `COUNT` a second, not one each.
    pub fn shared_count_due(&self, now: i64) -> bool {
        let last = self.counted_at.load(Ordering::Relaxed);
        now > last
            && self
                .counted_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Records how many unexpired seeds all servers have spent (counted at each spend).
    pub fn set_shared_recent(&self, n: u64) {
        self.shared_recent
            .store(usize::try_from(n).unwrap_or(usize::MAX), Ordering::Relaxed);
    }

    fn spent(&self) -> std::sync::MutexGuard<'_, Spent> {
        // A panic while holding the lock cannot leave the sets inconsistent: keep going.
        self.spent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The difficulty now: the base, plus one bit per eighth of `max_in_flight` taken by
    /// other requests, plus one bit per doubling of recent solutions above
    /// [`FREE_SOLUTIONS`]; at most [`MAX_EXTRA_BITS`] above the base.
    pub fn bits(&self, load: &Load, now: i64) -> u8 {
        let others = load.in_flight().saturating_sub(1);
        let by_load = others.saturating_mul(usize::from(MAX_EXTRA_BITS)) / load.max();
        let recent = {
            let mut spent = self.spent();
            spent.rotate(now, self.ttl_secs);
            spent.recent()
        }
        .max(self.shared_recent.load(Ordering::Relaxed));
        let by_rate = if recent < FREE_SOLUTIONS {
            0
        } else {
            // 64 → 1, 128 → 2, 256 → 3 …
            (recent / FREE_SOLUTIONS).ilog2() as usize + 1
        };
        let extra = by_load
            .saturating_add(by_rate)
            .min(usize::from(MAX_EXTRA_BITS));
        self.base_bits
            .saturating_add(u8::try_from(extra).unwrap_or(MAX_EXTRA_BITS))
            .min(pow::MAX_BITS)
    }

    /// A fresh puzzle for `purpose`, at the difficulty `load` calls for.
    pub fn issue(&self, purpose: Purpose, load: &Load, now: i64) -> Puzzle {
        let bits = self.bits(load, now);
        let expires_at = now.saturating_add(self.ttl_secs);
        let random: [u8; RANDOM_LEN] = rand::random();
        let mut seed = Vec::with_capacity(SEED_LEN);
        seed.extend_from_slice(&[SEED_VERSION, purpose.byte(), bits]);
        seed.extend_from_slice(&expires_at.to_be_bytes());
        seed.extend_from_slice(&random);
        let tag = self.tag(&seed);
        seed.extend_from_slice(&tag);
        Puzzle {
            purpose,
            seed,
            bits,
            expires_at,
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; 32 bytes cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"))
    }

    fn tag(&self, signed: &[u8]) -> [u8; TAG_LEN] {
        let full = self.mac().chain_update(signed).finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// Checks the `Amanat-PoW` header of a request for `purpose` and, if it is good, spends
    /// the seed. One HMAC and one SHA-256; nothing else is done for a bad header.
    pub fn check(
        &self,
        header: Option<&str>,
        purpose: Purpose,
        now: i64,
    ) -> Result<Checked, PowError> {
        let header = header.ok_or(PowError::Missing)?;
        let solution = Solution::parse(header).map_err(|_| PowError::Malformed)?;
        let seed = solution.seed.as_slice();
        if seed.len() != SEED_LEN || seed[0] != SEED_VERSION {
            return Err(PowError::Forged);
        }
        let (signed, tag) = seed.split_at(SIGNED_LEN);
        // Constant time: a forger learns nothing from how long a wrong tag takes.
        self.mac()
            .chain_update(signed)
            .verify_truncated_left(tag)
            .map_err(|_| PowError::Forged)?;
        if signed[1] != purpose.byte() {
            return Err(PowError::WrongPurpose);
        }
        let bits = signed[2];
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&signed[3..11]);
        let expires_at = i64::from_be_bytes(expiry);
        if now >= expires_at {
            return Err(PowError::Expired);
        }
        if !pow::verify(seed, bits, purpose, solution.nonce) {
            return Err(PowError::Unsolved);
        }
        let mut random = [0u8; RANDOM_LEN];
        random.copy_from_slice(&signed[11..]);
        let mut spent = self.spent();
        spent.rotate(now, self.ttl_secs);
        if spent.current.contains(&random) || spent.previous.contains(&random) {
            return Err(PowError::Replayed);
        }
        if spent.current.len() >= MAX_SPENT {
            return Err(PowError::Busy);
        }
        spent.current.insert(random);
        Ok(Checked {
            purpose,
            random,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn puzzles(bits: u8) -> Puzzles {
        Puzzles::new(Zeroizing::new([7; 32]), bits, 300)
    }

    fn solve(p: &Puzzle) -> String {
        let nonce = pow::solve(&p.seed, p.bits, p.purpose).unwrap();
        Solution {
            seed: p.seed.clone(),
            nonce,
        }
        .to_header()
    }

    /// A nonce that does not solve: the first one that fails.
    fn unsolved(p: &Puzzle) -> String {
        let nonce = (0..).find(|n| !pow::verify(&p.seed, p.bits, p.purpose, *n));
        Solution {
            seed: p.seed.clone(),
            nonce: nonce.unwrap(),
        }
        .to_header()
    }

    #[test]
    fn a_solution_works_once() {
        let pz = puzzles(8);
        let load = Load::new(16);
        let p = pz.issue(Purpose::CreateCase, &load, NOW);
        assert_eq!((p.bits, p.expires_at), (8, NOW + 300));
        assert_eq!(p.seed.len(), SEED_LEN);
        let h = solve(&p);
        assert!(pz.check(Some(&h), Purpose::CreateCase, NOW + 1).is_ok());
        assert_eq!(
            pz.check(Some(&h), Purpose::CreateCase, NOW + 2).map(|_| ()),
            Err(PowError::Replayed)
        );
        // Still remembered just before it would have expired anyway.
        assert_eq!(
            pz.check(Some(&h), Purpose::CreateCase, NOW + 299)
                .map(|_| ()),
            Err(PowError::Replayed)
        );
    }

    #[test]
    fn every_way_of_cheating_is_refused() {
        let pz = puzzles(8);
        let load = Load::new(16);
        let p = pz.issue(Purpose::Auth, &load, NOW);
        let check = |h: &str, purpose, now| pz.check(Some(h), purpose, now);
        assert_eq!(
            pz.check(None, Purpose::Auth, NOW).map(|_| ()),
            Err(PowError::Missing)
        );
        assert_eq!(
            check("junk", Purpose::Auth, NOW).map(|_| ()),
            Err(PowError::Malformed)
        );
        assert_eq!(
            check(&unsolved(&p), Purpose::Auth, NOW).map(|_| ()),
            Err(PowError::Unsolved)
        );
        let good = solve(&p);
        assert_eq!(
            check(&good, Purpose::CreateCase, NOW).map(|_| ()),
            Err(PowError::WrongPurpose)
        );
        assert_eq!(
            check(&good, Purpose::Auth, NOW + 300).map(|_| ()),
            Err(PowError::Expired)
        );
        // Lower the difficulty, move the expiry, change the purpose: the tag no longer fits.
        for (i, v) in [(2, 0u8), (10, 0xff), (1, Purpose::CreateCase.byte())] {
            let mut seed = p.seed.clone();
            seed[i] = v;
            let forged = Puzzle {
                seed,
                bits: 0,
                ..p.clone()
            };
            assert_eq!(
                check(&solve(&forged), Purpose::Auth, NOW).map(|_| ()),
                Err(PowError::Forged)
            );
        }
        // Another server's key, a short seed.
        let theirs = Puzzles::new(Zeroizing::new([8; 32]), 8, 300).issue(Purpose::Auth, &load, NOW);
        assert_eq!(
            check(&solve(&theirs), Purpose::Auth, NOW).map(|_| ()),
            Err(PowError::Forged)
        );
        let short = Solution {
            seed: p.seed[..SEED_LEN - 1].to_vec(),
            nonce: 0,
        };
        assert_eq!(
            check(&short.to_header(), Purpose::Auth, NOW).map(|_| ()),
            Err(PowError::Forged)
        );
        // None of that spent the puzzle.
        assert!(check(&good, Purpose::Auth, NOW).is_ok());
    }

    #[test]
    fn difficulty_rises_with_load_and_rate_and_is_capped() {
        let pz = puzzles(10);
        let load = Load::new(16);
        let me = load.enter().unwrap();
        assert_eq!(pz.bits(&load, NOW), 10, "alone: the base");
        let mut held: Vec<_> = (0..4).map(|_| load.enter().unwrap()).collect();
        assert_eq!(pz.bits(&load, NOW), 12, "4 of 16 others: +2");
        held.extend((0..11).map(|_| load.enter().unwrap()));
        assert_eq!(load.in_flight(), 16);
        assert!(load.enter().is_none(), "the bound holds");
        assert_eq!(pz.bits(&load, NOW), 17, "15 of 16 others: +7");
        drop(held);
        drop(me);
        assert_eq!(load.in_flight(), 0);

        // Recent solutions raise it too: one bit per doubling above FREE_SOLUTIONS.
        let easy = puzzles(0);
        for _ in 0..FREE_SOLUTIONS {
            let p = easy.issue(Purpose::Auth, &load, NOW);
            assert_eq!(p.bits, 0);
            easy.check(Some(&solve(&p)), Purpose::Auth, NOW).unwrap();
        }
        assert_eq!(easy.bits(&load, NOW), 1);
        // … and falls again once they have aged out (two lifetimes).
        assert_eq!(easy.bits(&load, NOW + 600), 0);
        // Capped at MAX_EXTRA_BITS over the base and at MAX_BITS overall.
        let hard = Puzzles::new(Zeroizing::new([7; 32]), 30, 300);
        let all: Vec<_> = std::iter::from_fn(|| load.enter()).collect();
        assert_eq!(hard.bits(&load, NOW), pow::MAX_BITS);
        assert_eq!(puzzles(10).bits(&load, NOW), 10 + MAX_EXTRA_BITS - 1);
        drop(all);
    }

    #[test]
    fn spent_seeds_are_forgotten_only_after_they_expire() {
        let mut s = Spent {
            since: NOW,
            ..Spent::default()
        };
        s.current.insert([1; RANDOM_LEN]);
        s.rotate(NOW + 299, 300);
        assert!(s.current.contains(&[1; RANDOM_LEN]));
        s.rotate(NOW + 300, 300);
        assert!(s.previous.contains(&[1; RANDOM_LEN]));
        s.current.insert([2; RANDOM_LEN]);
        s.rotate(NOW + 599, 300);
        assert_eq!(s.recent(), 2);
        s.rotate(NOW + 600, 300);
        assert!(!s.previous.contains(&[1; RANDOM_LEN]));
        assert!(s.previous.contains(&[2; RANDOM_LEN]));
        s.rotate(NOW + 10_000, 300);
        assert_eq!(s.recent(), 0);
    }
}
