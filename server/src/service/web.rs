//! The web page's manifest: the admin signs its SHA-256 with the root key offline, and the
//! server checks that signature, stores it and logs it (entry 05) so that served pages can be
//! checked by anyone against the latest logged manifest (`amanat audit web`).

use amanat_protocol::log::entry::Entry;
use amanat_protocol::web::ManifestSignature;

use super::{Result, ServiceError, Services, now};
use crate::domain::WebManifestPublished;

impl Services {
    /// Logs a root-signed manifest newer than the last; returns the entry's receipt.
    pub fn publish_web_manifest(&self, sig: ManifestSignature) -> Result<String> {
        sig.verify(&self.root_in_force()?)
            .map_err(|_| ServiceError::BadWebManifestSignature)?;
        let entry = Entry::WebManifestPublished(sig.clone()).encode();
        match self.store.publish_web_manifest(&sig, &entry, now())? {
            WebManifestPublished::Accepted(logged) => {
                tracing::info!(index = logged.index, "web manifest logged");
                self.receipt_text(&logged)
            }
            WebManifestPublished::Stale { latest } => Err(ServiceError::StaleWebManifest {
                offered: sig.signed_at,
                latest,
            }),
        }
    }
}
