//! Root rotation: the server checks a handover's two signatures, that it comes from the root
//! in force and names a root never used before, and logs it (entry 06). From then on it
//! accepts keyrings and web manifests only from the new root.

use amanat_protocol::handover::Handover;
use amanat_protocol::keyring::Fingerprint;
use amanat_protocol::log::entry::Entry;

use super::{Result, ServiceError, Services, now};
use crate::domain::HandoverPublished;

impl Services {
    /// Every handover, oldest first, as logged.
    pub fn root_handovers(&self) -> Result<Vec<Handover>> {
        Ok(self.store.root_handovers()?)
    }

    /// Logs a handover from the root in force; returns the entry's receipt.
    pub fn publish_handover(&self, handover: Handover) -> Result<String> {
        handover
            .verify()
            .map_err(|e| ServiceError::BadHandover(e.to_string()))?;
        let entry = Entry::RootHandover(handover.clone()).encode();
        match self
            .store
            .publish_handover(&handover, self.root_key.as_bytes(), &entry, now())?
        {
            HandoverPublished::Accepted(logged) => {
                tracing::info!(index = logged.index, "root handover logged");
                self.receipt_text(&logged)
            }
            HandoverPublished::NotCurrent { current } => {
                let current = ed25519_dalek::VerifyingKey::from_bytes(&current)
                    .map(|k| Fingerprint::of(&k))
                    .map_err(|_| ServiceError::Internal("a stored root is not a key".into()))?;
                Err(ServiceError::HandoverNotFromCurrentRoot { current })
            }
            HandoverPublished::Reused => Err(ServiceError::HandoverToOldRoot),
        }
    }
}
