//! The web page's root-signed manifests: a row per manifest, and its `05` log entry, written
//! in one transaction. A manifest must be signed later than every one before it, so replaying
//! an old (public) signature cannot make an old page the latest.

use amanat_protocol::web::ManifestSignature;
use diesel::dsl::max;
use diesel::prelude::*;

use super::models::{WebManifestRow, i64_of};
use super::schema::web_manifests;
use super::{KeyringLock, Store, StoreError};
use crate::domain::{LoggedEntry, WebManifestPublished};

impl Store {
    pub fn publish_web_manifest(
        &self,
        sig: &ManifestSignature,
        entry: &[u8],
        now: i64,
    ) -> Result<WebManifestPublished, StoreError> {
        self.write(KeyringLock::None, |c| {
            let latest: Option<i64> = web_manifests::table
                .select(max(web_manifests::signed_at))
                .first(c)?;
            if let Some(latest) = latest
                && latest >= sig.signed_at
            {
                return Ok(WebManifestPublished::Stale { latest });
            }
            let index = super::log::append(c, &[entry], now)?;
            diesel::insert_into(web_manifests::table)
                .values(WebManifestRow {
                    signed_at: sig.signed_at,
                    sha256: sig.sha256.to_vec(),
                    signature: sig.signature.to_vec(),
                    log_index: i64_of("log index", index)?,
                    received_at: now,
                })
                .execute(c)?;
            Ok(WebManifestPublished::Accepted(LoggedEntry {
                index,
                entry: entry.to_vec(),
            }))
        })
    }
}
