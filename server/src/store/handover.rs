//! Root handovers: a row per handover and its `06` log entry, written in one transaction that
//! excludes keyring publication, so no keyring signed by a root that just handed over slips in.
//! The chain starts at the root the server was configured with and is linear by construction.

use amanat_protocol::handover::Handover;
use diesel::prelude::*;

use super::models::{RootHandoverRow, i64_of};
use super::schema::root_handovers;
use super::{DbConnection, KeyringLock, Store, StoreError};
use crate::domain::{HandoverPublished, LoggedEntry};

impl Store {
    /// Every handover, in the order the log recorded them.
    pub fn root_handovers(&self) -> Result<Vec<Handover>, StoreError> {
        let mut c = self.conn()?;
        chain(&mut c)
    }

    pub fn publish_handover(
        &self,
        handover: &Handover,
        configured_root: &[u8; 32],
        entry: &[u8],
        now: i64,
    ) -> Result<HandoverPublished, StoreError> {
        self.write(KeyringLock::Exclusive, |c| {
            let chain = chain(c)?;
            let current = chain.last().map(|h| h.to).unwrap_or(*configured_root);
            if handover.from != current {
                return Ok(HandoverPublished::NotCurrent { current });
            }
            if handover.to == *configured_root || chain.iter().any(|h| h.to == handover.to) {
                return Ok(HandoverPublished::Reused);
            }
            let index = super::log::append(c, &[entry], now)?;
            diesel::insert_into(root_handovers::table)
                .values(RootHandoverRow {
                    log_index: i64_of("log index", index)?,
                    from_key: handover.from.to_vec(),
                    to_key: handover.to.to_vec(),
                    signed_at: handover.signed_at,
                    from_signature: handover.from_signature.to_vec(),
                    to_signature: handover.to_signature.to_vec(),
                    received_at: now,
                })
                .execute(c)?;
            Ok(HandoverPublished::Accepted(LoggedEntry {
                index,
                entry: entry.to_vec(),
            }))
        })
    }
}

/// The root whose keyrings the store accepts now: the end of the chain.
pub(super) fn root_in_force(
    c: &mut DbConnection,
    configured_root: &[u8; 32],
) -> Result<[u8; 32], StoreError> {
    Ok(chain(c)?.last().map(|h| h.to).unwrap_or(*configured_root))
}

fn chain(c: &mut DbConnection) -> Result<Vec<Handover>, StoreError> {
    root_handovers::table
        .order(root_handovers::log_index.asc())
        .select(RootHandoverRow::as_select())
        .load(c)?
        .into_iter()
        .map(Handover::try_from)
        .collect()
}
