//! The complainant's flows: verify the keyring against the pinned root, open a case from a
//! fresh codename, send documents (encrypted here, while uploading), check every receipt,
//! sign in again later from the codename alone and read the foundation's replies.

use amanat_protocol::codename::{CaseKeys, Codename};
use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::grant;
use amanat_protocol::ids::CaseId;
use amanat_protocol::keyring::{Fingerprint, KeyringPin, VerifiedKeyring};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::wire::{CreateCase, DocumentInfo, DocumentKind, MyCase};

use crate::api::{Api, Endpoint, Failure};
use crate::document::Outgoing;
use crate::error::{Error, Result};
use crate::receipt;
use crate::upload;

/// Replies larger than this are not decrypted into memory.
pub const MAX_REPLY: u64 = 1024 * 1024;

/// What happens during a flow, for whoever shows it to the person.
pub enum Event<'a> {
    /// The server's keyring is signed by the pinned root; these reviewers will read the case.
    KeyringVerified(&'a VerifiedKeyring),
    /// Argon2id is about to stretch the codename (it takes a moment, and this much memory).
    DerivingKeys { memory_mib: u32 },
    /// The case exists. The codename is shown now and never again.
    CaseCreated {
        codename: &'a Codename,
        case_id: CaseId,
    },
    /// Signed in to an existing case, about to add `count` documents.
    Adding { case_id: CaseId, count: usize },
    /// The keyring names no log, so there will be no receipts to check.
    NoLog,
    /// One document is stored, its receipt verified (when there is a log).
    Sent(&'a DocumentInfo),
    /// Every document is sent: whether the keyring's witnesses vouch for the receipts yet.
    Witnessing(&'a receipt::Witnessing),
}

/// Receives [`Event`]s; a closure will do.
pub trait Events {
    fn event(&mut self, event: Event<'_>);
}

impl<F: FnMut(Event<'_>)> Events for F {
    fn event(&mut self, event: Event<'_>) {
        self(event)
    }
}

/// Ignores every event.
pub fn quiet(_: Event<'_>) {}

/// Where the foundation is and how it is trusted.
#[derive(Clone, Debug)]
pub struct Foundation {
    pub endpoint: Endpoint,
    /// The root fingerprint given out of band; the keyring must be signed by it.
    pub root: Fingerprint,
    /// Refuse keyrings older than this (rollback to former staff).
    pub min_keyring_version: u64,
}

impl Foundation {
    fn pin(&self) -> KeyringPin {
        KeyringPin::new(self.root).with_min_version(self.min_keyring_version)
    }
}

/// What a successful submission produced.
pub struct Submitted {
    pub case_id: CaseId,
    pub documents: Vec<DocumentInfo>,
    pub witnessing: receipt::Witnessing,
}

/// Waits (up to `settings.witness_wait`) for the witnesses the keyring asks for to vouch for
/// the receipts `upload_all` verified, and says how it went; returns the documents.
fn witness(
    api: &Api,
    keyring: &VerifiedKeyring,
    sent: Vec<Sent>,
    settings: &upload::Settings,
    events: &mut dyn Events,
) -> Result<(Vec<DocumentInfo>, receipt::Witnessing)> {
    let (documents, receipts): (Vec<_>, Vec<_>) =
        sent.into_iter().map(|s| (s.info, s.receipt)).unzip();
    let receipts: Vec<_> = receipts.into_iter().flatten().collect();
    let w = receipt::await_witnesses(api, keyring, &receipts, settings.witness_wait)?;
    events.event(Event::Witnessing(&w));
    Ok((documents, w))
}

/// The whole submission: keyring, a new codename, the case, every document and its receipt.
pub fn submit(
    foundation: &Foundation,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
    events: &mut dyn Events,
) -> Result<Submitted> {
    let mut api = Api::connect(&foundation.endpoint)?;
    let mut pin = foundation.pin();
    let mut keyring = fetch_keyring(&api, &mut pin)?;
    events.event(Event::KeyringVerified(&keyring));

    let codename = Codename::generate();
    let (m, _, _) = codename.version().argon2();
    events.event(Event::DerivingKeys {
        memory_mib: m / 1024,
    });
    let keys = codename.derive(&keyring.codename_root())?;
    let case_id = create_case(&api, &keys, &mut keyring, &mut pin)?;
    events.event(Event::CaseCreated {
        codename: &codename,
        case_id,
    });
    drop(codename);

    api.login(keys.auth())?;
    let log = match &keyring.keyring().log {
        Some(l) => Some(l.verifier()?),
        None => {
            events.event(Event::NoLog);
            None
        }
    };
    let sent = upload_all(
        &mut api,
        case_id,
        &keys,
        docs,
        log.as_ref(),
        settings,
        events,
    )?;
    let (documents, witnessing) = witness(&api, &keyring, sent, settings, events)?;
    Ok(Submitted {
        case_id,
        documents,
        witnessing,
    })
}

/// Adds documents to the case a codename stands for (e.g. the power of attorney, weeks
/// after the form). The same keys come out of the codename on any device.
pub fn add_to_case(
    foundation: &Foundation,
    codename: &Codename,
    docs: Vec<Outgoing>,
    settings: &upload::Settings,
    events: &mut dyn Events,
) -> Result<Submitted> {
    let (mut api, keys, keyring) = sign_in(foundation, codename, events)?;
    let me = api.me()?;
    events.event(Event::Adding {
        case_id: me.case_id,
        count: docs.len(),
    });
    let log = keyring
        .keyring()
        .log
        .as_ref()
        .map(|l| l.verifier())
        .transpose()?;
    let sent = upload_all(
        &mut api,
        me.case_id,
        &keys,
        docs,
        log.as_ref(),
        settings,
        events,
    )?;
    let (documents, witnessing) = witness(&api, &keyring, sent, settings, events)?;
    Ok(Submitted {
        case_id: me.case_id,
        documents,
        witnessing,
    })
}

/// The server's keyring, verified by `pin`; it must name at least one reviewer.
pub fn fetch_keyring(api: &Api, pin: &mut KeyringPin) -> Result<VerifiedKeyring> {
    let verified = api.verified_keyring(pin)?;
    if verified.keyring().reviewers().next().is_none() {
        return Err(Error::new(
            "the foundation's keyring lists no reviewers, so nobody could read your case",
        )
        .hint("nothing was sent; contact the foundation through another channel"));
    }
    Ok(verified)
}

/// What creates a case: its key wrapped for every reviewer in `keyring`, the sign-in key and
/// the log commitment.
pub fn create_request(
    case_id: CaseId,
    keys: &CaseKeys,
    keyring: &VerifiedKeyring,
) -> Result<CreateCase> {
    let grants = keyring
        .keyring()
        .reviewers()
        .map(|r| grant::wrap(case_id, keys.identity(), r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CreateCase {
        case_id,
        auth_key: keys.auth_public(),
        commitment: keys.commitment(&case_id)?,
        keyring_version: keyring.version(),
        grants,
    })
}

/// Creates a case for `keys` (solving the proof of work). If the keyring changed between the
/// fetch and the request, the new one is verified by `pin` (rollback-checked) and the case key
/// wrapped again, once; `keyring` is then the one the case was created under.
pub fn create_case(
    api: &Api,
    keys: &CaseKeys,
    keyring: &mut VerifiedKeyring,
    pin: &mut KeyringPin,
) -> Result<CaseId> {
    let case_id = CaseId::random();
    let mut attempt = 0;
    loop {
        let request = create_request(case_id, keys, keyring)?;
        match api.create_case(&request) {
            Ok(_) => return Ok(case_id),
            Err(f) if f.code() == Some("stale_keyring") && attempt == 0 => {
                attempt += 1;
                *keyring = fetch_keyring(api, pin)?;
            }
            Err(f) => return Err(f.into()),
        }
    }
}

/// A document the server stored, with its receipt as this client verified it (`None` when
/// the keyring names no log).
pub struct Sent {
    pub info: DocumentInfo,
    pub receipt: Option<amanat_protocol::log::receipt::Verified>,
}

/// Sends each document in turn, checking each receipt against `log` (when given) and what was
/// sent.
pub fn upload_all(
    api: &mut Api,
    case_id: CaseId,
    keys: &CaseKeys,
    docs: Vec<Outgoing>,
    log: Option<&NoteVerifier>,
    settings: &upload::Settings,
    events: &mut dyn Events,
) -> Result<Vec<Sent>> {
    let commitment = keys.commitment(&case_id)?;
    let mut done = Vec::new();
    for doc in docs {
        let info = upload(api, case_id, keys, doc, settings)?;
        let receipt = log
            .map(|verifier| receipt::check_document(&info, &commitment, verifier))
            .transpose()?;
        events.event(Event::Sent(&info));
        done.push(Sent { info, receipt });
    }
    Ok(done)
}

/// Encrypts on one thread while this one sends the ciphertext (see [`upload`]): a small
/// document in one request, a large one in resumable chunks that survive dropped connections
/// and server restarts. The server's hash and length must match ours.
pub fn upload(
    api: &mut Api,
    case_id: CaseId,
    keys: &CaseKeys,
    doc: Outgoing,
    settings: &upload::Settings,
) -> Result<DocumentInfo> {
    let recipient = keys.recipient();
    let mut target = upload::Target {
        api,
        auth: keys.auth(),
        case_id,
        recipient: &recipient,
    };
    upload::send(&mut target, doc, settings)
}

/// Derives the case keys and signs in as the case. The keyring is checked first, so a
/// codename is never stretched for a server that is not the foundation's. A wrong codename
/// does the same work and gets the same answer as a missing case.
pub fn sign_in(
    foundation: &Foundation,
    codename: &Codename,
    events: &mut dyn Events,
) -> Result<(Api, CaseKeys, VerifiedKeyring)> {
    let mut api = Api::connect(&foundation.endpoint)?;
    let keyring = api.verified_keyring(&mut foundation.pin())?;
    let (m, _, _) = codename.version().argon2();
    events.event(Event::DerivingKeys {
        memory_mib: m / 1024,
    });
    let keys = codename.derive(&keyring.codename_root())?;
    match api.login(keys.auth()) {
        Ok(_) => Ok((api, keys, keyring)),
        Err(Failure::Api(e)) if e.status == 401 => Err(Error::new("no such case")
            .hint("check the codename with `amanat codename check`; if it is well-formed and still not found, contact the foundation through another channel")),
        Err(other) => Err(other.into()),
    }
}

/// One reply from the foundation, decrypted in memory.
pub struct Reply {
    pub received_at: i64,
    pub meta: DocumentMeta,
    /// Wiped from memory when dropped.
    pub content: zeroize::Zeroizing<Vec<u8>>,
}

/// The case as its complainant sees it: status, what they sent, and the replies.
pub struct Inbox {
    pub case: MyCase,
    pub replies: Vec<Reply>,
}

impl Inbox {
    /// The documents the complainant sent (everything but replies).
    pub fn sent(&self) -> impl Iterator<Item = &DocumentInfo> {
        self.case
            .documents
            .iter()
            .filter(|d| d.kind != DocumentKind::Reply)
    }
}

/// Reads the signed-in case and decrypts every reply with the case key.
pub fn inbox(api: &Api, keys: &CaseKeys) -> Result<Inbox> {
    let case = api.me()?;
    let mut replies = Vec::new();
    for (n, d) in case
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Reply)
        .enumerate()
    {
        let body = api.document(case.case_id, d.document_id)?;
        let (meta, content) = envelope::open_to_vec(keys.identity(), body, MAX_REPLY)
            .map_err(|e| Error::new(format!("reply {} did not decrypt: {e}", n + 1)))?;
        replies.push(Reply {
            received_at: d.received_at,
            meta,
            content,
        });
    }
    Ok(Inbox { case, replies })
}

/// A withdrawn case, as the server's receipt records it.
pub struct Withdrawal {
    pub case_id: CaseId,
    pub documents: u64,
    /// The `07` entry's receipt, checked against the log key and this case's commitment
    /// (absent only when the keyring names no log).
    pub receipt: Option<String>,
    pub index: Option<u64>,
}

/// Signs in with the codename and deletes the case from the server: its documents, replies,
/// notes and grants. `confirm` sees the case first and must return `true` to go on (nothing
/// is deleted otherwise: `Ok(None)`). The receipt must record exactly this case's deletion.
pub fn withdraw(
    foundation: &Foundation,
    codename: &Codename,
    confirm: &mut dyn FnMut(&MyCase) -> bool,
    events: &mut dyn Events,
) -> Result<Option<Withdrawal>> {
    let (api, keys, keyring) = sign_in(foundation, codename, events)?;
    let me = api.me()?;
    if !confirm(&me) {
        return Ok(None);
    }
    let done = api.withdraw(me.case_id)?;
    let mut index = None;
    if let Some(log) = &keyring.keyring().log {
        let verified = receipt::verify(&done.receipt, &log.verifier()?)?;
        let commitment = keys.commitment(&me.case_id)?;
        match verified.entry {
            amanat_protocol::log::entry::Entry::CaseDeleted {
                case,
                reason: amanat_protocol::log::entry::DeletionReason::Withdrawn,
                ..
            } if case == commitment => index = Some(verified.index),
            _ => {
                return Err(Error::new(
                    "the server's receipt does not record the withdrawal of this case",
                )
                .hint(
                    "the server may be misbehaving; tell the foundation through another channel",
                ));
            }
        }
    }
    Ok(Some(Withdrawal {
        case_id: me.case_id,
        documents: done.documents,
        receipt: Some(done.receipt),
        index,
    }))
}
