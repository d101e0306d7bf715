//! RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256: leaf = H(0x00 ‖ entry),
//! node = H(0x01 ‖ left ‖ right). Verification of inclusion and consistency proofs
//! (RFC 9162 §2.1.3.2, §2.1.4.2), and their generation from stored perfect subtrees, so a
//! server answers a proof with O(log n) lookups rather than rebuilding the tree.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// A perfect subtree: `2^level` leaves starting at leaf `index << level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree sizes {size1} and {size2} cannot be proven consistent")]
    BadSizes { size1: u64, size2: u64 },
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("a hash is not 32 bytes")]
    BadHash,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn as_hash(b: &[u8]) -> Result<Hash, ProofError> {
    b.try_into().map_err(|_| ProofError::BadHash)
}

/// Verifies that `leaf` is at `index` in the tree of `size` leaves with root `root`.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut r = as_hash(leaf)?;
    let (mut f, mut s) = (index, size - 1);
    for p in proof {
        let p = as_hash(p.as_ref())?;
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(&p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, &p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if r.as_slice() != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size2` leaves with `root2` extends the tree of `size1` with `root1`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size2 < size1 || size1 == 0 {
        // Nothing is proven about an empty tree: every tree extends it.
        return Err(ProofError::BadSizes { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut hashes = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        hashes.push(as_hash(root1)?);
    }
    for p in proof {
        hashes.push(as_hash(p.as_ref())?);
    }
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = hashes[0];
    let mut sr = hashes[0];
    for c in &hashes[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr.as_slice() != root1 || sr.as_slice() != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Generates proofs from a store of perfect subtree hashes. `lookup` answers one
/// [`NodeId`]; use [`Prover::needed`] first to fetch everything in one query.
pub struct Prover<F> {
    lookup: F,
}

impl<E, F: FnMut(NodeId) -> Result<Hash, E>> Prover<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    /// MTH(D[start..end]) composed from perfect subtrees.
    pub fn subtree(&mut self, start: u64, end: u64) -> Result<Hash, E> {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as u8;
            return (self.lookup)(NodeId {
                level,
                index: start >> level,
            });
        }
        let k = split(n);
        let left = self.subtree(start, start + k)?;
        let right = self.subtree(start + k, end)?;
        Ok(node_hash(&left, &right))
    }

    /// The root of the first `size` leaves.
    pub fn root(&mut self, size: u64) -> Result<Hash, E> {
        if size == 0 {
            return Ok(empty_root());
        }
        self.subtree(0, size)
    }

    /// PATH(m, D[0:size]) from RFC 9162 §2.1.3.1. Requires `index < size`.
    pub fn inclusion(&mut self, index: u64, size: u64) -> Result<Vec<Hash>, E> {
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out)?;
        Ok(out)
    }

    fn path(&mut self, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), E> {
        let n = end - start;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m < k {
            self.path(m, start, start + k, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.path(m - k, start + k, end, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Ok(())
    }

    /// PROOF(size1, D[0:size2]) from RFC 9162 §2.1.4.1. Requires `0 < size1 <= size2`.
    pub fn consistency(&mut self, size1: u64, size2: u64) -> Result<Vec<Hash>, E> {
        let mut out = Vec::new();
        if size1 > 0 && size1 < size2 {
            self.subproof(size1, 0, size2, true, &mut out)?;
        }
        Ok(out)
    }

    fn subproof(
        &mut self,
        m: u64,
        start: u64,
        end: u64,
        complete: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), E> {
        let n = end - start;
        if m == n {
            if !complete {
                out.push(self.subtree(start, end)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.subproof(m - k, start + k, end, false, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Ok(())
    }
}

/// The perfect subtrees a proof will read, so a caller can fetch them in one query.
pub fn needed(
    run: impl FnOnce(&mut Prover<&mut dyn FnMut(NodeId) -> Result<Hash, ()>>),
) -> Vec<NodeId> {
    let mut ids = Vec::new();
    let mut record = |id: NodeId| -> Result<Hash, ()> {
        ids.push(id);
        Ok([0u8; 32])
    };
    let mut prover = Prover::new(&mut record as &mut dyn FnMut(NodeId) -> Result<Hash, ()>);
    run(&mut prover);
    ids.sort();
    ids.dedup();
    ids
}

/// The perfect nodes that become complete when leaf `index` is appended, lowest first
/// (level 0 is the leaf itself). A store that keeps these has everything [`Prover`] needs.
pub fn completed_by(index: u64) -> impl Iterator<Item = NodeId> {
    let n = index + 1;
    (0..64u8)
        .take_while(move |&l| n.is_multiple_of(1u64 << l))
        .map(move |level| NodeId {
            level,
            index: (n >> level) - 1,
        })
}

/// RFC 6962 root of a stream of leaves in O(log n) memory: the roots of the perfect subtrees
/// that make up the leaves seen so far, as in a binary counter. Its parts can be saved and
/// resumed, which is how a monitor carries the tree from one run to the next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    count: u64,
    stack: Vec<Hash>,
}

impl CompactRange {
    /// Resumes from saved parts: the count and one hash per set bit of it, largest first.
    pub fn from_parts(count: u64, stack: Vec<Hash>) -> Option<Self> {
        (stack.len() == count.count_ones() as usize).then_some(CompactRange { count, stack })
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn hashes(&self) -> &[Hash] {
        &self.stack
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut k = self.count;
        while k & 1 == 1 {
            if let Some(left) = self.stack.pop() {
                h = node_hash(&left, &h);
            }
            k >>= 1;
        }
        self.stack.push(h);
        self.count += 1;
    }

    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(last) => it.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A reference tree kept in memory, built the way a server would store it.
    fn store(leaves: &[Vec<u8>]) -> HashMap<NodeId, Hash> {
        let mut m = HashMap::new();
        for (i, leaf) in leaves.iter().enumerate() {
            for id in completed_by(i as u64) {
                let h = if id.level == 0 {
                    leaf_hash(leaf)
                } else {
                    let l = m[&NodeId {
                        level: id.level - 1,
                        index: id.index * 2,
                    }];
                    let r = m[&NodeId {
                        level: id.level - 1,
                        index: id.index * 2 + 1,
                    }];
                    node_hash(&l, &r)
                };
                m.insert(id, h);
            }
        }
        m
    }

    /// MTH straight from the RFC's recursive definition.
    fn mth(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
    }

    #[test]
    fn known_roots() {
        // From the transparency-dev vectors' README.
        let vector_leaves: Vec<Vec<u8>> = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
        assert_eq!(
            crate::encoding::hex(&mth(&vector_leaves[..1])),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            crate::encoding::hex(&mth(&vector_leaves)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
        assert_eq!(
            crate::encoding::hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn generated_proofs_verify_for_every_size() {
        let all = leaves(70);
        let st = store(&all);
        for size in 1..=all.len() as u64 {
            let mut p = Prover::new(|id: NodeId| st.get(&id).copied().ok_or(()));
            let root = p.root(size).unwrap();
            assert_eq!(root, mth(&all[..size as usize]), "root of {size}");
            for index in 0..size {
                let proof = p.inclusion(index, size).unwrap();
                verify_inclusion(index, size, &leaf_hash(&all[index as usize]), &proof, &root)
                    .unwrap();
                assert!(
                    verify_inclusion(index, size, &leaf_hash(b"other"), &proof, &root).is_err()
                );
            }
            for size1 in 1..=size {
                let proof = p.consistency(size1, size).unwrap();
                let root1 = p.root(size1).unwrap();
                verify_consistency(size1, size, &proof, &root1, &root).unwrap();
                if size1 < size {
                    assert!(verify_consistency(size1, size, &proof, &root, &root1).is_err());
                }
            }
        }
    }

    #[test]
    fn needed_nodes_are_logarithmic() {
        let ids = needed(|p| {
            let _ = p.inclusion(123_456, 1_000_000);
        });
        assert!(ids.len() <= 2 * 20 + 2, "{}", ids.len());
        let ids = needed(|p| {
            let _ = p.consistency(654_321, 1_000_000);
        });
        assert!(ids.len() <= 2 * 20 + 2, "{}", ids.len());
    }

    #[test]
    fn compact_range_matches_the_reference_root_and_resumes() {
        let leaves: Vec<Vec<u8>> = (0..300u64).map(|i| i.to_be_bytes().to_vec()).collect();
        let nodes = store(&leaves);
        let mut range = CompactRange::default();
        for (i, leaf) in leaves.iter().enumerate() {
            range.push(leaf_hash(leaf));
            let mut p = Prover::new(|id: NodeId| nodes.get(&id).copied().ok_or(()));
            assert_eq!(
                range.root(),
                p.root(i as u64 + 1).unwrap(),
                "size {}",
                i + 1
            );
            let again = CompactRange::from_parts(range.count(), range.hashes().to_vec()).unwrap();
            assert_eq!(again, range);
        }
        assert!(CompactRange::from_parts(3, vec![[0; 32]]).is_none());
    }
}
