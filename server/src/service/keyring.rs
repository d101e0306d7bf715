//! Publishing keyrings. The signature is the authorisation: whoever holds the root key may
//! publish, nobody else can. A new keyring also ends the access of people it drops.

use amanat_protocol::Error as ProtocolError;
use amanat_protocol::StaffId;
use amanat_protocol::keyring::{Fingerprint, Keyring, Role, SignedKeyring, StaffMember};
use amanat_protocol::log::entry::Entry;
use amanat_protocol::wire::Health;

use super::{Result, ServiceError, Services, now};
use crate::domain::{KeyringEffects, Published, StoredKeyring};

/// Concurrent publishers are rare; a few retries settle any race.
const PUBLISH_ATTEMPTS: usize = 3;

impl Services {
    pub fn health(&self) -> Result<Health> {
        Ok(Health {
            status: "ok".into(),
            keyring_version: self.store.keyring_version()?,
        })
    }

    /// What a metrics scrape reads fresh: the log's size, the difficulty a puzzle would
    /// have now, the requests in flight.
    pub fn metrics_gauges(&self) -> Result<crate::metrics::Gauges> {
        Ok(crate::metrics::Gauges {
            log_entries: self.store.log_size()?,
            pow_bits: self.puzzles().bits(self.load(), super::now()),
            in_flight: self.load().in_flight(),
        })
    }

    /// The current keyring exactly as it was published.
    pub fn keyring(&self) -> Result<SignedKeyring> {
        self.current_keyring()?
            .map(|k| k.signed().clone())
            .ok_or(ServiceError::NoKeyring)
    }

    /// Verifies and stores a keyring newer than the current one, logging it in the same
    /// transaction; returns its version.
    pub fn publish_keyring(&self, signed: SignedKeyring) -> Result<u64> {
        let root = self.root_in_force()?;
        let verified = signed
            .verify(&Fingerprint::of(&root))
            .map_err(|e| match e {
                ProtocolError::UnknownRoot { .. } => ServiceError::UnknownRoot,
                ProtocolError::BadKeyringSignature => ServiceError::BadKeyringSignature,
                other => ServiceError::BadKeyring(other.to_string()),
            })?;
        // A keyring that names another log would make every client reject this server's
        // receipts — after its documents were already stored. Refuse it up front.
        if let Some(log) = &verified.keyring().log
            && (log.origin != self.log.origin() || log.key != self.log.public_key())
        {
            return Err(ServiceError::BadKeyring(format!(
                "it names the log {} with another key or origin than this server's ({}); run `amanat admin keyring set-log` with the values `amanat-server init` printed",
                log.origin,
                self.log.origin()
            )));
        }
        // Codename keys are salted with the lineage: a keyring that changed it would leave
        // every complainant unable to reach their case.
        if let Some(current) = self.current_keyring()?
            && current.codename_root() != verified.codename_root()
        {
            return Err(ServiceError::BadKeyring(format!(
                "its codename lineage is {}, but the current keyring's is {}: after a root rotation, sign the keyring with `amanat admin root rotate`, which carries the lineage over",
                verified.codename_root(),
                current.codename_root()
            )));
        }
        let version = verified.version();
        if i64::try_from(version).is_err() {
            return Err(ServiceError::BadKeyring(format!(
                "version {version} is too large"
            )));
        }
        let stored = StoredKeyring {
            version,
            root_key: signed.root_key,
            body: signed.body,
            signature: signed.signature,
            hash: *verified.hash(),
            received_at: now(),
        };
        let entry = Entry::KeyringPublished {
            version,
            hash: stored.hash,
            published_at: stored.received_at,
        }
        .encode();
        for _ in 0..PUBLISH_ATTEMPTS {
            let current = self.current_keyring()?;
            let effects = effects(current.as_ref().map(|k| k.keyring()), verified.keyring());
            let current_version = current.as_ref().map(|k| k.version());
            match self.store.publish_keyring(
                &stored,
                self.root_key.as_bytes(),
                current_version,
                &effects,
                &entry,
            )? {
                Published::Accepted => {
                    tracing::info!(version, "keyring published");
                    return Ok(version);
                }
                Published::Rollback { current } => {
                    return Err(ServiceError::KeyringRollback {
                        offered: version,
                        current,
                    });
                }
                Published::Raced => continue,
                Published::RootChanged => return Err(ServiceError::UnknownRoot),
            }
        }
        Err(ServiceError::Internal(
            "keyring publication kept racing with other publishers".into(),
        ))
    }
}

/// Who keeps what when `new` replaces `old`. Sessions survive only for members whose
/// verifying key is unchanged (a changed key usually means the old one was lost or stolen);
/// grants survive only for members who are still reviewers with an unchanged age recipient
/// (a grant is wrapped to that recipient: after a change only the old key could open it, and
/// the member needs a fresh one, by `share` or `rekey`, anyway).
pub(crate) fn effects(old: Option<&Keyring>, new: &Keyring) -> KeyringEffects {
    let previous = |m: &StaffMember| old.and_then(|o| o.member(&m.public.id));
    let keep_sessions_of: Vec<StaffId> = new
        .staff
        .iter()
        .filter(|m| previous(m).is_some_and(|o| o.public.verifying_key == m.public.verifying_key))
        .map(|m| m.public.id.clone())
        .collect();
    let keep_grants_of = new
        .staff
        .iter()
        .filter(|m| m.has(Role::Reviewer))
        .filter(|m| previous(m).is_none_or(|o| o.public.age_recipient == m.public.age_recipient))
        .map(|m| m.public.id.clone())
        .collect();
    KeyringEffects {
        keep_sessions_of,
        keep_grants_of,
    }
}
