//! Unit tests of the pieces of use cases that need no database: the streaming age check and
//! what a new keyring takes away. The routes themselves are covered by `tests/api.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use amanat_protocol::agefile::{MAX_HEADER, NONCE_LEN};
use amanat_protocol::keyring::{Keyring, Role, StaffMember, StaffPublic};
use amanat_protocol::padding;

use super::ServiceError;
use super::keyring::effects;
use super::upload::AgeCheck;

fn header() -> Vec<u8> {
    let mut h = b"age-encryption.org/v1\n-> X25519 ".to_vec();
    h.extend_from_slice(&[b'A'; 43]);
    h.push(b'\n');
    h.extend_from_slice(&[b'B'; 43]);
    h.extend_from_slice(b"\n--- ");
    h.extend_from_slice(&[b'C'; 43]);
    h.push(b'\n');
    h
}

fn file(plain: u64) -> Vec<u8> {
    let mut f = header();
    let len = f.len() as u64 + NONCE_LEN + padding::age_payload_len(plain);
    f.resize(len as usize, 0);
    f
}

fn feed_in(check: &mut AgeCheck, data: &[u8], piece: usize) -> Result<(), ServiceError> {
    data.chunks(piece).try_for_each(|c| check.feed(c))
}

#[test]
fn age_check_follows_a_stream_in_any_pieces() {
    let f = file(8192);
    for piece in [1, 7, 100, 4096, f.len()] {
        let mut check = AgeCheck::for_tests(u64::MAX, None);
        feed_in(&mut check, &f, piece).unwrap();
        check.finish().unwrap();
    }
}

#[test]
fn age_check_refuses_bad_streams() {
    // Not age at all: refused at the first bytes.
    let mut check = AgeCheck::for_tests(u64::MAX, None);
    assert!(matches!(
        check.feed(b"%PDF-1.7\n"),
        Err(ServiceError::NotAge(_))
    ));
    // Truncated or unpadded.
    let f = file(8192);
    let mut check = AgeCheck::for_tests(u64::MAX, None);
    feed_in(&mut check, &f[..f.len() - 1], 1000).unwrap();
    assert!(matches!(check.finish(), Err(ServiceError::NotAge(_))));
    // Ends inside the header.
    let mut check = AgeCheck::for_tests(u64::MAX, None);
    check.feed(&header()[..30]).unwrap();
    assert!(matches!(check.finish(), Err(ServiceError::NotAge(_))));
    // A "header" that never ends is refused once it exceeds MAX_HEADER, without buffering more.
    let mut check = AgeCheck::for_tests(u64::MAX, None);
    let mut endless = b"age-encryption.org/v1\n-> X25519 ".to_vec();
    endless.resize(MAX_HEADER * 4, b'A');
    assert!(matches!(
        feed_in(&mut check, &endless, 1024),
        Err(ServiceError::NotAge(_))
    ));
    // Over the limit while streaming.
    let mut check = AgeCheck::for_tests(1000, None);
    assert!(matches!(
        feed_in(&mut check, &f, 512),
        Err(ServiceError::TooLarge { limit: 1000 })
    ));
}

#[test]
fn age_check_counts_recipients_when_told_to() {
    use amanat_protocol::wire::DocumentKind;
    let f = file(8192);
    // One X25519 stanza: right for a reply, wrong for a note to two reviewers.
    let mut reply = AgeCheck::for_tests(u64::MAX, Some((DocumentKind::Reply, 1)));
    feed_in(&mut reply, &f, 10).unwrap();
    reply.finish().unwrap();
    let mut note = AgeCheck::for_tests(u64::MAX, Some((DocumentKind::Note, 2)));
    assert!(matches!(
        feed_in(&mut note, &f, 10),
        Err(ServiceError::BadRecipients {
            kind: DocumentKind::Note,
            expected: 2,
            found: 1
        })
    ));
}

fn staff(id: &str, n: u8, roles: &[Role]) -> StaffMember {
    let vk = ed25519_dalek::SigningKey::from_bytes(&[n; 32]).verifying_key();
    StaffMember {
        public: StaffPublic {
            id: id.parse().unwrap(),
            name: id.into(),
            age_recipient: amanat_protocol::agefile::encode_x25519_recipient(&[n; 32]),
            verifying_key: vk.to_bytes(),
        },
        roles: roles.iter().copied().collect(),
    }
}

#[test]
fn a_new_keyring_ends_access_of_who_it_drops_or_rekeys() {
    let old = Keyring {
        staff: vec![
            staff("a", 1, &[Role::Reviewer]),
            staff("b", 2, &[Role::Reviewer]),
            staff("c", 3, &[Role::Reviewer]),
            staff("d", 4, &[Role::Reviewer]),
        ],
        ..Keyring::genesis()
    };
    let mut new_signing_key = staff("f", 6, &[Role::Reviewer]);
    new_signing_key.public.verifying_key = staff("x", 10, &[]).public.verifying_key;
    let mut new_age_key = staff("g", 7, &[Role::Reviewer]);
    new_age_key.public.age_recipient = staff("x", 11, &[]).public.age_recipient;
    let old = Keyring {
        staff: [
            old.staff,
            vec![
                staff("f", 6, &[Role::Reviewer]),
                staff("g", 7, &[Role::Reviewer]),
            ],
        ]
        .concat(),
        ..old
    };
    let new = Keyring {
        version: 2,
        staff: vec![
            staff("a", 1, &[Role::Reviewer]), // unchanged
            staff("b", 2, &[Role::Auditor]),  // lost the reviewer role: grants go
            staff("c", 9, &[Role::Reviewer]), // both keys new: sessions and grants go
            // d removed
            staff("e", 5, &[Role::Reviewer]), // newcomer
            new_signing_key,                  // sessions go, grants stay
            new_age_key,                      // grants go, sessions stay
        ],
        ..Keyring::genesis()
    };
    let e = effects(Some(&old), &new);
    let ids = |v: &[amanat_protocol::StaffId]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&e.keep_sessions_of), ["a", "b", "g"]);
    assert_eq!(ids(&e.keep_grants_of), ["a", "e", "f"]);
    // The first keyring takes nothing from anyone.
    let first = effects(None, &new);
    assert!(first.keep_sessions_of.is_empty());
    assert_eq!(ids(&first.keep_grants_of), ["a", "c", "e", "f", "g"]);
}
