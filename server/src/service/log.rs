//! The transparency log's use cases: signed checkpoints, inclusion and consistency proofs
//! composed from stored perfect subtrees (O(log n) nodes, fetched in one query, never a
//! rebuild), receipts for entries already committed, and the entries themselves for auditors.

use std::collections::HashMap;

use amanat_protocol::keyring::SignedKeyring;
use amanat_protocol::log::checkpoint::{Checkpoint, SignedCheckpoint};
use amanat_protocol::log::cosignature::{self, AddCheckpoint};
use amanat_protocol::log::merkle::{self, Hash, NodeId, Prover};
use amanat_protocol::log::note::{NoteError, NoteVerifier};
use amanat_protocol::log::receipt::Receipt;
use amanat_protocol::log::tiles::{self, Tile, TileKind};
use amanat_protocol::wire::{B64Hash, LogCheckpoint, LogProof};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;

use super::{Result, ServiceError, Services, now};
use crate::domain::LoggedEntry;
use crate::store::Store;

/// The most entries one `GET /v1/log/entries` returns.
pub const MAX_ENTRIES_PER_REQUEST: u64 = 100_000;
/// Entries read from the database per query while streaming: bounded memory, few queries.
pub const ENTRIES_PER_QUERY: u64 = 10_000;

/// The log's signed-note identity: its origin and its Ed25519 key.
pub struct LogSigner {
    origin: String,
    key: SigningKey,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LogSigner({}, {})",
            self.origin,
            STANDARD.encode(self.key.verifying_key().as_bytes())
        )
    }
}

impl LogSigner {
    /// Checks that `origin` can name a note signer (non-empty, no spaces, no '+').
    pub fn new(origin: &str, seed: &[u8; 32]) -> Result<LogSigner, NoteError> {
        let key = SigningKey::from_bytes(seed);
        NoteVerifier::new(origin, key.verifying_key().to_bytes())?;
        Ok(LogSigner {
            origin: origin.to_owned(),
            key,
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// A secret for another job, derived one-way from the log key
    /// (HMAC-SHA256(log key seed, label)), so that servers sharing the log key share it too
    /// and learning it reveals nothing about the log key.
    pub(crate) fn derive_secret(&self, label: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
        use hmac::{Hmac, Mac};
        let seed = zeroize::Zeroizing::new(self.key.to_bytes());
        let mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(seed.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"));
        zeroize::Zeroizing::new(mac.chain_update(label).finalize().into_bytes().into())
    }

    /// What an auditor verifies this log's checkpoints with.
    pub fn verifier(&self) -> Result<NoteVerifier, NoteError> {
        NoteVerifier::new(&self.origin, self.public_key())
    }

    fn sign(&self, size: u64, root: Hash) -> Result<(Checkpoint, SignedCheckpoint)> {
        let c = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        };
        let signed = c
            .sign(&self.key)
            .map_err(|e| ServiceError::Internal(format!("cannot sign a checkpoint: {e}")))?;
        Ok((c, signed))
    }
}

/// A prover over nodes fetched beforehand; a missing node is a corrupt store.
fn prover(
    nodes: &HashMap<NodeId, Hash>,
) -> Prover<impl FnMut(NodeId) -> Result<Hash, ServiceError> + '_> {
    Prover::new(move |id: NodeId| {
        nodes.get(&id).copied().ok_or_else(|| {
            ServiceError::Internal(format!("log node {id:?} is missing from the database"))
        })
    })
}

/// Signs the checkpoint for `size`/`root` and stores it unless one of that size exists. A
/// stored one with another root would mean the log's history changed: that is refused loudly
/// rather than signed over. (The same root under another key or origin is an operator's key
/// rotation; the new signature is returned, the stored note kept.)
fn sign_and_store(
    store: &Store,
    signer: &LogSigner,
    size: u64,
    root: Hash,
) -> Result<SignedCheckpoint> {
    let (checkpoint, signed) = signer.sign(size, root)?;
    let stored = store.insert_checkpoint(size, &signed.0, now())?;
    if stored != signed.0 {
        let text = stored.find("\n\n").map(|i| &stored[..=i]).ok_or_else(|| {
            ServiceError::Internal(format!("stored checkpoint {size} is malformed"))
        })?;
        let old = Checkpoint::parse(text).map_err(|e| {
            ServiceError::Internal(format!("stored checkpoint {size} is malformed: {e}"))
        })?;
        if old.size != checkpoint.size || old.root != checkpoint.root {
            return Err(ServiceError::Internal(format!(
                "the log's root for size {size} differs from the checkpoint signed earlier: the database was altered"
            )));
        }
        tracing::warn!(
            size,
            "a stored checkpoint was signed by another log key or origin"
        );
    }
    Ok(signed)
}

/// Signs (and stores) a checkpoint for the log's current size; an empty log gets the
/// checkpoint of the empty tree.
pub fn checkpoint(store: &Store, signer: &LogSigner) -> Result<SignedCheckpoint> {
    let (size, nodes) = store.log_size_and_nodes(|n| {
        merkle::needed(|p| {
            let _ = p.root(n);
        })
    })?;
    let root = prover(&nodes).root(size)?;
    sign_and_store(store, signer, size, root)
}

/// RFC 9162 inclusion proof of leaf `index` in the tree of `size`; `index < size <= current`.
pub fn inclusion_proof(store: &Store, index: u64, size: u64) -> Result<Vec<Hash>> {
    let ids = merkle::needed(|p| {
        let _ = p.inclusion(index, size);
    });
    let nodes = store.log_nodes(&ids)?;
    prover(&nodes).inclusion(index, size)
}

/// RFC 9162 consistency proof from `size1` to `size2`; `0 < size1 <= size2 <= current`.
pub fn consistency_proof(store: &Store, size1: u64, size2: u64) -> Result<Vec<Hash>> {
    let ids = merkle::needed(|p| {
        let _ = p.consistency(size1, size2);
    });
    let nodes = store.log_nodes(&ids)?;
    prover(&nodes).consistency(size1, size2)
}

/// The receipt for an entry whose transaction has committed: the checkpoint of the log's
/// current size (which covers it) and the inclusion proof in that size.
pub fn receipt(store: &Store, signer: &LogSigner, logged: &LoggedEntry) -> Result<Receipt> {
    let index = logged.index;
    let (size, nodes) = store.log_size_and_nodes(|n| {
        merkle::needed(|p| {
            let _ = p.root(n);
            if index < n {
                let _ = p.inclusion(index, n);
            }
        })
    })?;
    if index >= size {
        return Err(ServiceError::Internal(format!(
            "entry {index} is not in the log of size {size}: receipts are for committed entries"
        )));
    }
    let mut p = prover(&nodes);
    let root = p.root(size)?;
    let proof = p.inclusion(index, size)?;
    let checkpoint = sign_and_store(store, signer, size, root)?;
    Ok(Receipt {
        entry: logged.entry.clone(),
        index,
        proof,
        checkpoint,
    })
}

/// A run of framed entries, and whether it reached the end of the range asked for.
#[derive(Debug)]
pub struct FramedEntries {
    pub bytes: Vec<u8>,
    pub complete: bool,
}

/// The size a checkpoint this server signed states.
fn parse_size(signed: &SignedCheckpoint) -> Result<u64> {
    signed
        .0
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| ServiceError::Internal("a checkpoint this server signed has no size".into()))
}

fn wire_proof(proof: Vec<Hash>) -> LogProof {
    LogProof {
        proof: proof.into_iter().map(B64Hash).collect(),
    }
}

impl Services {
    /// The log's identity, for `init` output and tests.
    pub fn log_signer(&self) -> &LogSigner {
        &self.log
    }

    pub(super) fn receipt_text(&self, logged: &LoggedEntry) -> Result<String> {
        let mut r = receipt(&self.store, &self.log, logged)?;
        let size = parse_size(&r.checkpoint)?;
        r.checkpoint = SignedCheckpoint(self.cosigned(r.checkpoint, size)?);
        Ok(r.encode())
    }

    pub fn log_checkpoint(&self) -> Result<LogCheckpoint> {
        Ok(LogCheckpoint {
            checkpoint: self.tlog_checkpoint()?,
        })
    }

    /// `signed` (the checkpoint of `size`) with the witnesses' cosignatures kept for it.
    fn cosigned(&self, signed: SignedCheckpoint, size: u64) -> Result<String> {
        let lines = self.store.cosignatures(size)?;
        Ok(cosignature::with_cosignatures(&signed.0, &lines))
    }

    /// What to offer a witness that holds the checkpoint of `held` entries: the newest
    /// checkpoint and a consistency proof to it. Returns the request and the new size.
    pub fn cosign_request(&self, held: u64) -> Result<(AddCheckpoint, u64)> {
        let signed = checkpoint(&self.store, &self.log)?;
        let size = parse_size(&signed)?;
        let proof = if held == 0 || held >= size {
            Vec::new()
        } else {
            consistency_proof(&self.store, held, size)?
        };
        Ok((
            AddCheckpoint {
                old_size: held,
                proof,
                checkpoint: signed.0,
            },
            size,
        ))
    }

    /// Keeps a cosignature line for the checkpoint of `size` if a witness of the current
    /// keyring made it over that checkpoint; returns the witness's name.
    pub fn keep_cosignature(&self, size: u64, line: &str) -> Result<String> {
        let keyring = self.current_keyring()?.ok_or(ServiceError::NoKeyring)?;
        let known: Vec<_> = keyring
            .keyring()
            .witnesses
            .iter()
            .filter_map(|w| w.key().ok())
            .collect();
        let note = self
            .store
            .log_checkpoints()?
            .into_iter()
            .find(|(s, _)| *s == size)
            .map(|(_, n)| n)
            .ok_or_else(|| ServiceError::NotFound(format!("no checkpoint of {size} entries")))?;
        let with = cosignature::with_cosignatures(&note, &[line.to_owned()]);
        let found = cosignature::cosigners(&with, &known)
            .map_err(|e| ServiceError::BadRequest(format!("the cosignature is not valid: {e}")))?;
        let name = found
            .iter()
            .map(|(w, _)| w.name.clone())
            .find(|n| line.starts_with(&format!("\u{2014} {n} ")))
            .ok_or_else(|| {
                ServiceError::BadRequest(
                    "the line is not a cosignature by a witness the keyring names".into(),
                )
            })?;
        self.store.insert_cosignature(size, &name, line)?;
        Ok(name)
    }

    pub fn log_inclusion(&self, index: u64, size: u64) -> Result<LogProof> {
        let current = self.store.log_size()?;
        if !(index < size && size <= current) {
            return Err(ServiceError::BadRange(format!(
                "an inclusion proof needs index < size <= {current} (the log's size), got index={index}, size={size}"
            )));
        }
        Ok(wire_proof(inclusion_proof(&self.store, index, size)?))
    }

    pub fn log_consistency(&self, from: u64, to: u64) -> Result<LogProof> {
        let current = self.store.log_size()?;
        if !(0 < from && from <= to && to <= current) {
            return Err(ServiceError::BadRange(format!(
                "a consistency proof needs 0 < from <= to <= {current} (the log's size), got from={from}, to={to}"
            )));
        }
        Ok(wire_proof(consistency_proof(&self.store, from, to)?))
    }

    /// Checks an entries request and returns the range `[start, end)` to send; `end` is fixed
    /// now, so entries appended while streaming are left for the next request.
    pub fn log_entries_range(&self, start: u64, count: u64) -> Result<(u64, u64)> {
        if !(1..=MAX_ENTRIES_PER_REQUEST).contains(&count) {
            return Err(ServiceError::BadRange(format!(
                "count must be between 1 and {MAX_ENTRIES_PER_REQUEST}, got {count}"
            )));
        }
        let size = self.store.log_size()?;
        if start > size {
            return Err(ServiceError::BadRange(format!(
                "start={start} is beyond the log's size {size}"
            )));
        }
        Ok((start, start.saturating_add(count).min(size)))
    }

    /// Entries `[start, end)` framed as `u32 big-endian length ‖ entry` each, up to the first
    /// missing one; `complete` is false if one is missing (the log's rows were tampered with
    /// or lost: the caller serves what precedes the gap, then breaks off).
    pub fn log_entries_framed(&self, start: u64, end: u64) -> Result<FramedEntries> {
        let (entries, missing) = self.store.log_entries_prefix(start, end)?;
        let mut bytes = Vec::with_capacity(entries.iter().map(|e| e.len() + 4).sum());
        for e in entries {
            let len = u32::try_from(e.len())
                .map_err(|_| ServiceError::Internal("a log entry is over 4 GiB".into()))?;
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&e);
        }
        if let Some(missing) = missing {
            tracing::error!(
                missing,
                "log entry missing from the database: the log is damaged"
            );
        }
        Ok(FramedEntries {
            bytes,
            complete: missing.is_none(),
        })
    }

    /// The signed checkpoint as a bare C2SP note, for tlog-tiles clients (`/checkpoint`).
    pub fn tlog_checkpoint(&self) -> Result<String> {
        let signed = checkpoint(&self.store, &self.log)?;
        let size = parse_size(&signed)?;
        self.cosigned(signed, size)
    }

    /// A C2SP tlog-tiles tile by the path after `tile/`: a hash tile (32 bytes per hash) or
    /// an entry bundle. Only tiles the log already fills are served, and they never change.
    pub fn tlog_tile(&self, path: &str) -> Result<Vec<u8>> {
        let tile = Tile::parse(path).map_err(|e| ServiceError::BadRequest(e.to_string()))?;
        let size = self.store.log_size()?;
        if !tile.exists_at(size) {
            let have = Tile::available(tile.kind, tile.index, size);
            return Err(ServiceError::NotFound(format!(
                "{} is not in the log of {size} entries (that tile holds {have} of 256 so far)",
                tile.path()
            )));
        }
        match tile.kind {
            TileKind::Hashes { .. } => {
                let ids = tile.nodes();
                let nodes = self.store.log_nodes(&ids)?;
                let mut out = Vec::with_capacity(ids.len() * tiles::HASH_SIZE);
                for id in &ids {
                    let h = nodes.get(id).ok_or_else(|| {
                        ServiceError::Internal(format!(
                            "log node {id:?} is missing from the database"
                        ))
                    })?;
                    out.extend_from_slice(h);
                }
                Ok(out)
            }
            TileKind::Entries => {
                let range = tile.entries();
                let (entries, missing) = self.store.log_entries_prefix(range.start, range.end)?;
                if let Some(missing) = missing {
                    return Err(ServiceError::Internal(format!(
                        "log entry {missing} is missing from the database: the log is damaged"
                    )));
                }
                tiles::encode_bundle(&entries)
                    .map_err(|e| ServiceError::Internal(format!("{}: {e}", tile.path())))
            }
        }
    }

    /// A keyring this server accepted, exactly as published, re-verified against the root.
    pub fn keyring_at(&self, version: u64) -> Result<SignedKeyring> {
        let stored = self
            .store
            .keyring_by_version(version)?
            .ok_or_else(|| ServiceError::NotFound(format!("no keyring version {version}")))?;
        let signed = SignedKeyring {
            root_key: stored.root_key,
            body: stored.body,
            signature: stored.signature,
        };
        self.verify_stored(&signed, version)?;
        Ok(signed)
    }
}
