//! The transparency log: RFC 6962 Merkle hashing and proofs, C2SP checkpoints and signed
//! notes, and the entries Amanat records. Pure functions; the server stores, the auditor
//! verifies, both with this code.

pub mod checkpoint;
pub mod cosignature;
pub mod entry;
pub mod merkle;
pub mod note;
pub mod receipt;
pub mod tiles;
