//! Challenge–response sign-in and the capabilities a session grants. A handler receives a
//! `CaseSession`, `Staff`, `Reviewer`, `GrantedReviewer` or `CaseAccess`; only this module
//! can make one, so holding the value is the permission. Staff roles come from the current
//! keyring at each use.

use amanat_protocol::auth::{self, CHALLENGE_LEN};
use amanat_protocol::encoding::{b64url, from_b64url};
use amanat_protocol::keyring::{Role, StaffMember};
use amanat_protocol::wire::{Challenge, Principal, Session, SessionRequest};
use amanat_protocol::{CaseId, StaffId};
use sha2::{Digest, Sha256};

use super::{Result, ServiceError, Services, now};
use crate::domain::{SessionOwner, StaffGate};

/// Long enough for a slow Tor circuit, short enough that a stored challenge is soon useless.
const CHALLENGE_TTL_SECS: i64 = 120;
const TOKEN_LEN: usize = 32;

/// A complainant's session: speaks for exactly one case.
#[derive(Debug)]
pub struct CaseSession {
    case_id: CaseId,
}

impl CaseSession {
    pub fn case_id(&self) -> &CaseId {
        &self.case_id
    }
}

/// A staff member's session (any role: reviewer, admin, auditor), with their entry in the
/// current keyring. It opens no case: case routes need a [`Reviewer`].
#[derive(Debug)]
pub struct Staff {
    member: StaffMember,
    /// The keyring version `member` was read from.
    keyring_version: u64,
}

impl Staff {
    pub fn staff_id(&self) -> &StaffId {
        &self.member.public.id
    }

    /// The member's Ed25519 key in that keyring: what their signatures must verify under.
    pub fn verifying_key(&self) -> &[u8; 32] {
        &self.member.public.verifying_key
    }

    pub fn keyring_version(&self) -> u64 {
        self.keyring_version
    }

    /// Narrows to a reviewer, if the current keyring says so.
    pub fn reviewer(self) -> Option<Reviewer> {
        self.member.has(Role::Reviewer).then_some(Reviewer(self))
    }
}

/// A staff member who holds the reviewer role in the current keyring.
#[derive(Debug)]
pub struct Reviewer(Staff);

impl Reviewer {
    pub fn staff_id(&self) -> &StaffId {
        self.0.staff_id()
    }

    pub fn verifying_key(&self) -> &[u8; 32] {
        self.0.verifying_key()
    }

    pub fn keyring_version(&self) -> u64 {
        self.0.keyring_version()
    }

    /// Whether the current keyring also makes this reviewer a coordinator, who lists every
    /// case rather than only those shared with them.
    pub fn coordinator(&self) -> bool {
        self.0.member.has(Role::Coordinator)
    }
}

/// A reviewer holding a grant for one case (the `{case}` of the route), made only by
/// [`Services::granted`]. Writes re-check the grant inside their transaction ([`Self::gate`]):
/// a keyring published in between may have taken it away.
#[derive(Debug)]
pub struct GrantedReviewer {
    reviewer: Reviewer,
    case_id: CaseId,
    commitment: [u8; 32],
}

impl GrantedReviewer {
    pub fn staff_id(&self) -> &StaffId {
        self.reviewer.staff_id()
    }

    pub fn verifying_key(&self) -> &[u8; 32] {
        self.reviewer.verifying_key()
    }

    pub fn keyring_version(&self) -> u64 {
        self.reviewer.keyring_version()
    }

    pub fn case_id(&self) -> &CaseId {
        &self.case_id
    }

    /// The case's pseudonym in the log, under which this reviewer's actions are recorded.
    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }

    /// What must still hold when a write by this reviewer commits.
    pub(crate) fn gate(&self) -> StaffGate {
        StaffGate {
            case: self.case_id,
            staff: self.staff_id().clone(),
            keyring_version: self.keyring_version(),
        }
    }
}

/// Someone who may act on the case in the path: its own complainant, or a reviewer holding a
/// grant for it. What each may read or upload is decided by the use case, by variant.
#[derive(Debug)]
pub enum CaseAccess {
    Complainant(CaseSession),
    Reviewer(GrantedReviewer),
}

impl CaseAccess {
    pub fn case_id(&self) -> &CaseId {
        match self {
            CaseAccess::Complainant(s) => s.case_id(),
            CaseAccess::Reviewer(r) => r.case_id(),
        }
    }
}

/// Any valid session, and the token hash that names it (for signing out).
#[derive(Debug)]
pub enum AnySession {
    Case(CaseSession, TokenHash),
    Staff(Staff, TokenHash),
}

impl AnySession {
    pub fn token_hash(&self) -> &TokenHash {
        match self {
            AnySession::Case(_, h) | AnySession::Staff(_, h) => h,
        }
    }
}

/// SHA-256 of a bearer token: all the database ever sees of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(********)")
    }
}

impl TokenHash {
    fn of_raw(token: &[u8]) -> TokenHash {
        TokenHash(Sha256::digest(token).into())
    }

    /// Hashes a bearer token as the client sent it; `None` if it is not one of ours.
    fn of_bearer(token: &str) -> Option<TokenHash> {
        let raw = from_b64url("token", token).ok()?;
        (raw.len() == TOKEN_LEN).then(|| TokenHash::of_raw(&raw))
    }
}

impl Services {
    /// Issues a challenge for any well-formed key, known or not, so that asking reveals
    /// nothing about which codenames exist.
    pub fn issue_challenge(&self, public_key: &[u8; 32]) -> Result<Challenge> {
        let challenge: [u8; CHALLENGE_LEN] = rand::random();
        let now = now();
        let expires_at = now + CHALLENGE_TTL_SECS;
        self.store
            .insert_challenge(&challenge, public_key, expires_at, now)?;
        Ok(Challenge {
            challenge,
            expires_at,
        })
    }

    /// Checks a signed challenge and opens a session for the key's owner. Every failure is
    /// the same `Unauthorized` to the caller; the variant's text is for the log.
    pub fn open_session(&self, req: &SessionRequest) -> Result<Session> {
        let now = now();
        // Consumed before the signature is checked: a challenge is good for one attempt.
        let issued_for =
            self.store
                .take_challenge(&req.challenge, now)?
                .ok_or(ServiceError::Unauthorized(
                    "challenge unknown, used or expired",
                ))?;
        if issued_for.as_slice() != req.public_key.as_slice() {
            return Err(ServiceError::Unauthorized(
                "challenge was issued for another key",
            ));
        }
        auth::verify(&req.public_key, &req.challenge, &req.signature)
            .map_err(|_| ServiceError::Unauthorized("signature does not verify"))?;

        let keyring = self.current_keyring()?;
        let staff = keyring
            .as_ref()
            .and_then(|k| k.keyring().member_by_key(&req.public_key).cloned());
        let (owner, principal) = if let Some(member) = staff {
            let roles = member.roles.iter().copied().collect();
            let id = member.public.id;
            (
                SessionOwner::Staff {
                    id: id.clone(),
                    key: Some(member.public.verifying_key),
                },
                Principal::Staff {
                    staff_id: id,
                    roles,
                },
            )
        } else if let Some(case_id) = self.store.case_by_auth_key(&req.public_key)? {
            (SessionOwner::Case(case_id), Principal::Case { case_id })
        } else {
            return Err(ServiceError::Unauthorized(
                "key belongs to no staff member and no case",
            ));
        };

        let token: [u8; TOKEN_LEN] = rand::random();
        let ttl = i64::try_from(self.session_ttl_secs).unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(ttl);
        self.store
            .insert_session(&TokenHash::of_raw(&token).0, &owner, expires_at, now)?;
        Ok(Session {
            token: b64url(&token),
            expires_at,
            principal,
        })
    }

    /// Resolves a bearer token. A staff session is valid only while its member is in the
    /// current keyring with the key the session was opened with (publishing removes other
    /// sessions too; this is the second lock, should a deletion ever be missed).
    pub fn authenticate(&self, bearer: &str) -> Result<AnySession> {
        let hash = TokenHash::of_bearer(bearer)
            .ok_or(ServiceError::Unauthorized("malformed bearer token"))?;
        let owner = self
            .store
            .session(&hash.0, now())?
            .ok_or(ServiceError::Unauthorized("unknown or expired session"))?;
        match owner {
            SessionOwner::Case(case_id) => Ok(AnySession::Case(CaseSession { case_id }, hash)),
            SessionOwner::Staff { id, key } => {
                let (member, keyring_version) = self
                    .current_keyring()?
                    .and_then(|k| Some((k.keyring().member(&id).cloned()?, k.version())))
                    .ok_or(ServiceError::Unauthorized(
                        "staff member is not in the current keyring",
                    ))?;
                if key != Some(member.public.verifying_key) {
                    return Err(ServiceError::Unauthorized(
                        "the session was opened with a key the current keyring no longer lists",
                    ));
                }
                Ok(AnySession::Staff(
                    Staff {
                        member,
                        keyring_version,
                    },
                    hash,
                ))
            }
        }
    }

    /// Narrows a reviewer to one case: they must hold a grant for it. "No such case" and "no
    /// grant" are the same `NotFound`, after the same single query.
    pub fn granted(&self, who: Reviewer, case: CaseId) -> Result<GrantedReviewer> {
        let commitment = self
            .store
            .commitment_for_staff(&case, who.staff_id())?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "case {case} does not exist or has no grant for {}",
                    who.staff_id()
                ))
            })?;
        Ok(GrantedReviewer {
            reviewer: who,
            case_id: case,
            commitment,
        })
    }

    /// Narrows any session to the case in the path: its own complainant, or a reviewer with
    /// a grant. Anyone else (another case, an auditor, an admin) gets `NotFound`.
    pub fn case_access(&self, who: AnySession, case: CaseId) -> Result<CaseAccess> {
        match who {
            AnySession::Case(s, _) if s.case_id == case => Ok(CaseAccess::Complainant(s)),
            AnySession::Case(..) => Err(ServiceError::NotFound(
                "a complainant's session on another case".into(),
            )),
            AnySession::Staff(s, _) => {
                let reviewer = s.reviewer().ok_or_else(|| {
                    ServiceError::NotFound("staff member is not a reviewer".into())
                })?;
                self.granted(reviewer, case).map(CaseAccess::Reviewer)
            }
        }
    }

    pub fn close_session(&self, hash: &TokenHash) -> Result<()> {
        Ok(self.store.delete_session(&hash.0)?)
    }
}
