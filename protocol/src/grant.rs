//! Grants: the case identity, age-encrypted to one reviewer's recipient from a verified
//! keyring. The plaintext names the case, so a server cannot pass one case's grant off as
//! another's.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::keyring::StaffMember;
use crate::wire::GrantUpload;

/// Grants are tiny; anything bigger is not one.
pub const MAX_GRANT: usize = 2048;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    format: u8,
    case_id: CaseId,
    identity: String,
}

/// Wraps `case_identity` for `reviewer`. The reviewer must come from a `VerifiedKeyring`.
pub fn wrap(
    case_id: CaseId,
    case_identity: &age::x25519::Identity,
    reviewer: &StaffMember,
) -> Result<GrantUpload> {
    use age::secrecy::ExposeSecret;
    use std::io::Write;

    let recipient: age::x25519::Recipient = reviewer
        .public
        .age_recipient
        .parse()
        .map_err(|e: &str| Error::malformed("age recipient", e))?;
    let mut body = GrantBody {
        format: 1,
        case_id,
        identity: case_identity.to_string().expose_secret().to_owned(),
    };
    let json =
        Zeroizing::new(serde_json::to_vec(&body).map_err(|e| Error::Encrypt(e.to_string()))?);
    zeroize::Zeroize::zeroize(&mut body.identity);
    let ciphertext = crate::envelope::with_age_writer(
        std::iter::once(&recipient as &dyn age::Recipient),
        Vec::new(),
        |w| w.write_all(&json).map_err(Error::from),
    )?;
    Ok(GrantUpload {
        staff_id: reviewer.public.id.clone(),
        ciphertext,
    })
}

/// Opens a grant with the reviewer's identity and checks it belongs to `case_id`.
#[cfg(feature = "decrypt")]
pub fn unwrap(
    case_id: CaseId,
    ciphertext: &[u8],
    reviewer: &age::x25519::Identity,
) -> Result<age::x25519::Identity> {
    use std::io::Read;

    if ciphertext.len() > MAX_GRANT {
        return Err(Error::Decrypt("grant too large".into()));
    }
    let d = age::Decryptor::new_buffered(ciphertext).map_err(|e| Error::Decrypt(e.to_string()))?;
    let mut r = d
        .decrypt(std::iter::once(reviewer as &dyn age::Identity))
        .map_err(|e| Error::Decrypt(format!("cannot open the grant: {e}")))?;
    let mut json = Zeroizing::new(Vec::new());
    r.read_to_end(&mut json)?;
    let mut body: GrantBody =
        serde_json::from_slice(&json).map_err(|e| Error::Decrypt(format!("bad grant: {e}")))?;
    if body.format != 1 || body.case_id != case_id {
        zeroize::Zeroize::zeroize(&mut body.identity);
        return Err(Error::Decrypt(
            "the grant belongs to another case; the server may be misbehaving".into(),
        ));
    }
    let id = body
        .identity
        .parse::<age::x25519::Identity>()
        .map_err(|e| Error::Decrypt(format!("bad grant: {e}")));
    zeroize::Zeroize::zeroize(&mut body.identity);
    id
}

#[cfg(all(test, feature = "decrypt"))]
mod tests {
    use super::*;
    use crate::keyring::Role;
    use crate::keys::StaffKeys;

    #[test]
    fn wraps_and_unwraps_bound_to_case() {
        let staff = StaffKeys::generate("r1".parse().unwrap(), "R".into());
        let member = StaffMember {
            public: staff.public(),
            roles: [Role::Reviewer].into_iter().collect(),
        };
        let case = CaseId::random();
        let case_key = age::x25519::Identity::generate();
        let g = wrap(case, &case_key, &member).unwrap();
        assert!(g.ciphertext.len() < MAX_GRANT);
        let back = unwrap(case, &g.ciphertext, staff.identity()).unwrap();
        assert_eq!(
            back.to_public().to_string(),
            case_key.to_public().to_string()
        );
        assert!(unwrap(CaseId::random(), &g.ciphertext, staff.identity()).is_err());
        let other = StaffKeys::generate("r2".parse().unwrap(), "R2".into());
        assert!(unwrap(case, &g.ciphertext, other.identity()).is_err());
    }
}
