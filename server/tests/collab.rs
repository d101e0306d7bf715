//! Collaboration (issue 4) through the HTTP API: a complainant coming back to read replies,
//! reviewers noting, replying, assigning, setting statuses under optimistic concurrency and
//! sharing cases, every action in the activity list and the transparency log, and what
//! auditors, complainants and removed or demoted reviewers are refused. SQLite always,
//! PostgreSQL when AMANAT_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Barrier};

use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Role, RootKey, SignedKeyring};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::log::entry::{Acknowledgement, Entry, Verdict};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::Receipt;
use amanat_protocol::wire::{
    AckRequest, ActivityRecord, CaseDetail, CaseStatus, CaseSummary, CreateCase, DocumentInfo,
    DocumentKind, GrantPut, LogCheckpoint, MyCase, SetAssignee, SetStatus, StaffActionKind,
    VerdictWire,
};
use amanat_protocol::{CaseId, DocumentId, StaffId, envelope, grant};
use amanat_server::domain::{KeyringEffects, Published, StoredKeyring};
use amanat_server::store::Store;
use base64::Engine;
use common::{
    Api, B64, PgDatabase, expect_error, member, now, put_doc, seal, sign_in, signed_ring, token,
};
use reqwest::blocking::Response;
use serde_json::json;

const ORIGIN: &str = "amanat.example/collab-test";

/// `file` (an age file to one X25519 recipient) with that stanza repeated `n` times. The MAC
/// no longer matches, which no reader will check here: the server cannot check it either,
/// only count stanzas, and that is what these uploads exercise.
fn with_x25519_stanzas(file: &[u8], n: usize) -> Vec<u8> {
    let find = |from: usize, pat: &[u8]| {
        from + file[from..]
            .windows(pat.len())
            .position(|w| w == pat)
            .unwrap()
    };
    let line_end = |from: usize| find(from, b"\n") + 1;
    let start = find(0, b"-> X25519 ");
    let end = line_end(line_end(start));
    let mac = find(0, b"\n--- ") + 1;
    let mut out = file[..start].to_vec();
    out.extend_from_slice(&file[end..mac]);
    for _ in 0..n {
        out.extend_from_slice(&file[start..end]);
    }
    out.extend_from_slice(&file[mac..]);
    out
}

fn stanzas(file: &[u8]) -> usize {
    amanat_protocol::agefile::check_header(file)
        .unwrap()
        .unwrap()
        .stanzas
}

fn get(api: &Api, path: &str, token: &str) -> Response {
    api.get(path).bearer_auth(token).send().unwrap()
}

fn post(api: &Api, path: &str, token: &str, body: &impl serde::Serialize) -> Response {
    api.client
        .post(api.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap()
}

fn put_grant(api: &Api, case: &CaseId, staff: &str, token: &str, ciphertext: &[u8]) -> Response {
    api.client
        .put(api.url(&format!("/v1/cases/{case}/grants/{staff}")))
        .bearer_auth(token)
        .json(&GrantPut {
            ciphertext: ciphertext.to_vec(),
        })
        .send()
        .unwrap()
}

fn log_size(api: &Api) -> u64 {
    let c: LogCheckpoint = api
        .get("/v1/log/checkpoint")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let text = c.checkpoint;
    text.lines().nth(1).unwrap().parse().unwrap()
}

fn log_entries(api: &Api) -> Vec<Entry> {
    let body = api
        .get(&format!("/v1/log/entries?start=0&count={}", log_size(api)))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let mut rest = body.as_ref();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        out.push(Entry::decode(&rest[4..4 + len]).unwrap());
        rest = &rest[4 + len..];
    }
    out
}

/// A case opened by a fresh complainant, granted to the reviewers of `keyring`.
struct Filed {
    id: CaseId,
    keys: CaseKeys,
    commitment: [u8; 32],
    token: String,
}

fn file_case(api: &Api, root: &RootKey, keyring: &SignedKeyring) -> Filed {
    let verified = keyring.verify(&root.fingerprint()).unwrap();
    let keys = CaseKeys::random().unwrap();
    let id = CaseId::random();
    let commitment = keys.commitment(&id).unwrap();
    let create = CreateCase {
        case_id: id,
        auth_key: keys.auth_public(),
        commitment,
        keyring_version: verified.version(),
        grants: verified
            .keyring()
            .reviewers()
            .map(|r| grant::wrap(id, keys.identity(), r).unwrap())
            .collect(),
    };
    assert_eq!(api.post("/v1/cases", &create).status(), 201);
    let token = token(api, keys.auth());
    Filed {
        id,
        keys,
        commitment,
        token,
    }
}

fn upload(api: &Api, token: &str, case: &CaseId, kind: &str, body: Vec<u8>) -> DocumentInfo {
    let res = put_doc(api, token, case, &DocumentId::random(), kind, body);
    assert_eq!(res.status(), 201, "{kind}");
    res.json().unwrap()
}

fn set_status(api: &Api, token: &str, case: &CaseId, status: CaseStatus, version: i64) -> Response {
    post(
        api,
        &format!("/v1/cases/{case}/status"),
        token,
        &SetStatus { status, version },
    )
}

fn activity(api: &Api, case: &CaseId, token: &str) -> Vec<ActivityRecord> {
    let res = get(api, &format!("/v1/cases/{case}/activity"), token);
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

fn publish(api: &Api, k: &SignedKeyring) {
    assert_eq!(api.post("/v1/keyring", k).status(), 200);
}

fn scenario(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let root = RootKey::generate();
    let report = amanat_server::init_data_dir_with_log_origin(
        &amanat_server::InitOptions {
            data_dir: dir.path().join("data"),
            root_key: B64.encode(root.public().as_bytes()),
            hostnames: vec![],
            database_url,
            listen: None,
        },
        Some(ORIGIN),
    )
    .unwrap();
    let log = NoteVerifier::new(
        ORIGIN,
        B64.decode(&report.log_public_key)
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap();
    let db_url = report.config.database_url.clone();
    let mut config = report.config.clone();
    config.pow_bits = common::TEST_POW_BITS;
    let server = amanat_server::spawn(config, TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
    let api = Api {
        client: common::pinned_client(&report.cert_sha256),
        base: format!("https://{}", server.addr()),
    };

    let aigerim = StaffKeys::generate("aigerim".parse().unwrap(), "Айгерим".into());
    let bolat = StaffKeys::generate("bolat".parse().unwrap(), "Болат".into());
    let dana = StaffKeys::generate("dana".parse().unwrap(), "Dana".into());
    let erlan = StaffKeys::generate("erlan".parse().unwrap(), "Erlan".into());
    let farida = StaffKeys::generate("farida".parse().unwrap(), "Farida".into());
    let v1 = signed_ring(
        &root,
        1,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&bolat, &[Role::Reviewer]),
            member(&dana, &[Role::Auditor]),
            member(&erlan, &[Role::Admin]),
        ],
    );
    publish(&api, &v1);

    // --- a complainant files an appeal and a power of attorney ---
    let case = file_case(&api, &root, &v1);
    let c = case.id;
    let form = upload(
        &api,
        &case.token,
        &c,
        "appeal-form",
        seal(&case.keys, DocumentKind::AppealForm, b"{}"),
    );
    let poa = upload(
        &api,
        &case.token,
        &c,
        "power-of-attorney",
        seal(&case.keys, DocumentKind::PowerOfAttorney, b"I authorise"),
    );

    let a = token(&api, aigerim.signing());
    let b = token(&api, bolat.signing());
    let auditor = token(&api, dana.signing());
    let admin = token(&api, erlan.signing());

    // --- the auditor and the admin authenticate, read the log, and see no case at all ---
    assert_eq!(api.get("/v1/log/checkpoint").send().unwrap().status(), 200);
    let note_for_two = with_x25519_stanzas(&seal(&case.keys, DocumentKind::Note, b"n"), 2);
    let grant_for_b =
        grant::wrap(c, case.keys.identity(), &member(&bolat, &[Role::Reviewer])).unwrap();
    let before = log_size(&api);
    for who in [&auditor, &admin] {
        let refusals = [
            get(&api, "/v1/cases", who),
            get(&api, &format!("/v1/cases/{c}"), who),
            get(
                &api,
                &format!("/v1/cases/{c}/documents/{}", form.document_id),
                who,
            ),
            get(&api, &format!("/v1/cases/{c}/activity"), who),
            get(&api, "/v1/me", who),
            put_doc(
                &api,
                who,
                &c,
                &DocumentId::random(),
                "note",
                note_for_two.clone(),
            ),
            set_status(&api, who, &c, CaseStatus::Closed, 1),
            post(
                &api,
                &format!("/v1/cases/{c}/assignee"),
                who,
                &SetAssignee {
                    assignee: None,
                    version: 1,
                },
            ),
            put_grant(&api, &c, "bolat", who, &grant_for_b.ciphertext),
            post(
                &api,
                &format!("/v1/cases/{c}/acknowledgements"),
                who,
                &AckRequest {
                    document_id: poa.document_id,
                    verdict: VerdictWire::Accepted,
                    signed_at: now(),
                    signature: vec![0; 64],
                },
            ),
        ];
        for res in refusals {
            let url = res.url().path().to_owned();
            let body = expect_error(res, 404, "not_found");
            assert_eq!(
                body.message, "There is nothing here that you may see.",
                "{url}"
            );
        }
    }
    // Without a session, the same routes ask for one.
    for path in ["/v1/me".to_owned(), format!("/v1/cases/{c}/activity")] {
        expect_error(api.get(&path).send().unwrap(), 401, "unauthorized");
    }
    expect_error(
        set_status(&api, "garbage", &c, CaseStatus::Closed, 1),
        401,
        "unauthorized",
    );

    // --- a reviewer opens the case: recorded before anything is shown ---
    let res = get(&api, &format!("/v1/cases/{c}"), &a);
    assert_eq!(res.status(), 200);
    let detail: CaseDetail = res.json().unwrap();
    assert_eq!((detail.status, detail.version), (CaseStatus::New, 1));
    assert_eq!(
        log_size(&api),
        before + 1,
        "refusals log nothing; the open does"
    );

    // --- status, with optimistic concurrency ---
    let res = set_status(&api, &a, &c, CaseStatus::InReview, 1);
    assert_eq!(res.status(), 200);
    let s: CaseSummary = res.json().unwrap();
    assert_eq!((s.status, s.version), (CaseStatus::InReview, 2));
    assert_eq!(
        s.documents,
        vec![DocumentKind::AppealForm, DocumentKind::PowerOfAttorney]
    );
    let stale = expect_error(
        set_status(&api, &b, &c, CaseStatus::NeedsInfo, 1),
        409,
        "stale_version",
    )
    .message;
    assert!(
        stale.starts_with("aigerim changed the status to in-review at ")
            && stale.contains(" UTC (version 2); you saw version 1."),
        "{stale}"
    );
    expect_error(
        set_status(&api, &b, &c, CaseStatus::NeedsInfo, 99),
        409,
        "stale_version",
    );
    let res = set_status(&api, &b, &c, CaseStatus::NeedsInfo, 2);
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<CaseSummary>().unwrap().version, 3);
    let res = api
        .client
        .post(api.url(&format!("/v1/cases/{c}/status")))
        .bearer_auth(&a)
        .json(&json!({"status": "maybe", "version": 3}))
        .send()
        .unwrap();
    expect_error(res, 400, "bad_request");

    // --- assignment: only to a reviewer of the current keyring ---
    let assign = |token: &str, assignee: Option<&str>, version: i64| {
        post(
            &api,
            &format!("/v1/cases/{c}/assignee"),
            token,
            &SetAssignee {
                assignee: assignee.map(|s| s.parse().unwrap()),
                version,
            },
        )
    };
    let res = assign(&a, Some("bolat"), 3);
    assert_eq!(res.status(), 200);
    let s: CaseSummary = res.json().unwrap();
    assert_eq!(s.assignee, Some("bolat".parse().unwrap()));
    assert_eq!(s.version, 4);
    let m = expect_error(assign(&b, Some("aigerim"), 3), 409, "stale_version").message;
    assert!(
        m.starts_with("aigerim assigned the case to bolat at "),
        "{m}"
    );
    for (who, why) in [("dana", "an auditor"), ("zhanna", "nobody we know")] {
        let m = expect_error(assign(&a, Some(who), 4), 400, "bad_request").message;
        assert!(m.contains(who), "{why}: {m}");
    }
    let res = assign(&a, None, 4);
    assert_eq!(res.status(), 200);
    let s: CaseSummary = res.json().unwrap();
    assert_eq!((s.assignee, s.version), (None, 5));
    let m = expect_error(assign(&b, Some("bolat"), 4), 409, "stale_version").message;
    assert!(m.starts_with("aigerim unassigned the case at "), "{m}");

    // --- notes: to every current reviewer and nobody else; replies: to the case alone ---
    let before = log_size(&api);
    let sealed_note = seal(&case.keys, DocumentKind::Note, b"call the lawyer");
    for n in [1, 3] {
        let m = expect_error(
            put_doc(
                &api,
                &a,
                &c,
                &DocumentId::random(),
                "note",
                with_x25519_stanzas(&sealed_note, n),
            ),
            400,
            "bad_recipients",
        )
        .message;
        assert!(
            m.contains("every reviewer") && m.contains(&format!("has {n}.")),
            "{m}"
        );
    }
    let reply_to_two = with_x25519_stanzas(&seal(&case.keys, DocumentKind::Reply, b"r"), 2);
    expect_error(
        put_doc(&api, &a, &c, &DocumentId::random(), "reply", reply_to_two),
        400,
        "bad_recipients",
    );
    expect_error(
        put_doc(
            &api,
            &a,
            &c,
            &DocumentId::random(),
            "attachment",
            seal(&case.keys, DocumentKind::Attachment, b"x"),
        ),
        400,
        "bad_request",
    );
    // The complainant may not write notes or replies.
    for kind in ["note", "reply"] {
        expect_error(
            put_doc(
                &api,
                &case.token,
                &c,
                &DocumentId::random(),
                kind,
                note_for_two.clone(),
            ),
            400,
            "bad_request",
        );
    }
    assert_eq!(
        log_size(&api),
        before,
        "refused notes and replies log nothing"
    );
    let note_bytes = with_x25519_stanzas(&sealed_note, 2);
    assert_eq!(stanzas(&note_bytes), 2);
    let note = upload(&api, &a, &c, "note", note_bytes);
    assert_eq!(note.kind, DocumentKind::Note);
    let receipt = Receipt::parse(note.receipt.as_deref().unwrap())
        .unwrap()
        .verify(&log)
        .unwrap();
    assert!(matches!(
        receipt.entry,
        Entry::DocumentReceived(ref d) if d.kind == DocumentKind::Note && d.case == case.commitment
    ));
    let reply_text = "Your case is in the complaint.".as_bytes();
    let reply = upload(
        &api,
        &a,
        &c,
        "reply",
        seal(&case.keys, DocumentKind::Reply, reply_text),
    );
    // Reviewers read both.
    for doc in [&note, &reply] {
        let res = get(
            &api,
            &format!("/v1/cases/{c}/documents/{}", doc.document_id),
            &b,
        );
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().unwrap().len() as u64, doc.length);
    }

    // --- the complainant comes back: status, own uploads and replies, never notes ---
    let res = get(&api, "/v1/me", &case.token);
    assert_eq!(res.status(), 200);
    let mine: MyCase = res.json().unwrap();
    assert_eq!((mine.case_id, mine.status), (c, CaseStatus::NeedsInfo));
    let mut kinds: Vec<DocumentKind> = mine.documents.iter().map(|d| d.kind).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            DocumentKind::AppealForm,
            DocumentKind::PowerOfAttorney,
            DocumentKind::Reply
        ]
    );
    let res = get(
        &api,
        &format!("/v1/cases/{c}/documents/{}", reply.document_id),
        &case.token,
    );
    assert_eq!(res.status(), 200);
    let (meta, content) =
        envelope::open_to_vec(case.keys.identity(), res.bytes().unwrap().as_ref(), 1 << 20)
            .unwrap();
    assert_eq!(
        (meta.kind, content.as_slice()),
        (DocumentKind::Reply, reply_text)
    );
    let own = get(
        &api,
        &format!("/v1/cases/{c}/documents/{}", form.document_id),
        &case.token,
    );
    assert_eq!(own.status(), 200);
    let hidden = expect_error(
        get(
            &api,
            &format!("/v1/cases/{c}/documents/{}", note.document_id),
            &case.token,
        ),
        404,
        "not_found",
    );
    let missing = expect_error(
        get(
            &api,
            &format!("/v1/cases/{c}/documents/{}", DocumentId::random()),
            &case.token,
        ),
        404,
        "not_found",
    );
    assert_eq!(hidden, missing, "a note looks like no document at all");
    for path in [
        format!("/v1/cases/{c}"),
        format!("/v1/cases/{c}/activity"),
        "/v1/cases".to_owned(),
    ] {
        expect_error(get(&api, &path, &case.token), 404, "not_found");
    }
    expect_error(
        set_status(&api, &case.token, &c, CaseStatus::Closed, 5),
        404,
        "not_found",
    );
    expect_error(get(&api, "/v1/me", &a), 404, "not_found");
    // Another complainant sees their own case and nothing of this one.
    let other = file_case(&api, &root, &v1);
    let theirs: MyCase = get(&api, "/v1/me", &other.token).json().unwrap();
    assert_eq!((theirs.case_id, theirs.documents.len()), (other.id, 0));
    expect_error(
        get(
            &api,
            &format!("/v1/cases/{c}/documents/{}", reply.document_id),
            &other.token,
        ),
        404,
        "not_found",
    );

    // --- a reviewer who joins later sees nothing until the case is shared with them ---
    let v2 = signed_ring(
        &root,
        2,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&bolat, &[Role::Reviewer]),
            member(&dana, &[Role::Auditor]),
            member(&erlan, &[Role::Admin]),
            member(&farida, &[Role::Reviewer]),
        ],
    );
    publish(&api, &v2);
    let f = token(&api, farida.signing());
    let not_granted = expect_error(get(&api, &format!("/v1/cases/{c}"), &f), 404, "not_found");
    let unknown = expect_error(
        get(&api, &format!("/v1/cases/{}", CaseId::random()), &f),
        404,
        "not_found",
    );
    assert_eq!(not_granted, unknown);
    expect_error(
        put_grant(&api, &c, "farida", &f, &grant_for_b.ciphertext),
        404,
        "not_found",
    );
    // Notes now need three recipients.
    expect_error(
        put_doc(
            &api,
            &a,
            &c,
            &DocumentId::random(),
            "note",
            with_x25519_stanzas(&sealed_note, 2),
        ),
        400,
        "bad_recipients",
    );
    let farida_member = member(&farida, &[Role::Reviewer]);
    let share = grant::wrap(c, case.keys.identity(), &farida_member).unwrap();
    let before = log_size(&api);
    for (staff, body, status, code) in [
        ("dana", share.ciphertext.clone(), 404, "not_found"),
        ("erlan", share.ciphertext.clone(), 404, "not_found"),
        ("zhanna", share.ciphertext.clone(), 404, "not_found"),
        ("Not_An_Id", share.ciphertext.clone(), 400, "bad_request"),
        ("farida", vec![b'A'; 2049], 400, "bad_grants"),
        ("farida", b"%PDF-1.7 hello".to_vec(), 400, "bad_grants"),
        (
            "farida",
            with_x25519_stanzas(&share.ciphertext, 2),
            400,
            "bad_grants",
        ),
    ] {
        expect_error(put_grant(&api, &c, staff, &a, &body), status, code);
    }
    assert_eq!(log_size(&api), before, "refused shares log nothing");
    let res = put_grant(&api, &c, "farida", &a, &share.ciphertext);
    assert_eq!(res.status(), 201);
    // Sharing again replaces the grant.
    assert_eq!(
        put_grant(&api, &c, "farida", &a, &share.ciphertext).status(),
        201
    );
    let res = get(&api, &format!("/v1/cases/{c}"), &f);
    assert_eq!(res.status(), 200);
    let seen: CaseDetail = res.json().unwrap();
    let identity = grant::unwrap(c, &seen.grant, farida.identity()).unwrap();
    assert_eq!(
        amanat_protocol::keys::commitment_for(&identity, &c).unwrap(),
        case.commitment
    );

    // --- an acknowledgement is a staff action too ---
    let signed_at = now();
    let statement = Acknowledgement {
        case: case.commitment,
        document: poa.document_id,
        sha256: poa.sha256,
        verdict: Verdict::Rejected(4),
        reviewer: aigerim.public().verifying_key,
        signed_at,
    }
    .sign(aigerim.signing());
    let res = post(
        &api,
        &format!("/v1/cases/{c}/acknowledgements"),
        &a,
        &AckRequest {
            document_id: poa.document_id,
            verdict: VerdictWire::Rejected { reason: 4 },
            signed_at,
            signature: statement.signature.to_vec(),
        },
    );
    assert_eq!(res.status(), 201);

    // --- the activity list, and the same actions in the log ---
    let list = activity(&api, &c, &f);
    let seen: Vec<(&str, StaffActionKind, &str)> = list
        .iter()
        .map(|r| (r.actor.as_str(), r.action, r.detail.as_str()))
        .collect();
    use StaffActionKind as K;
    assert_eq!(
        seen,
        vec![
            ("aigerim", K::Open, "opened"),
            ("aigerim", K::Status, "status → in-review"),
            ("bolat", K::Status, "status → needs-info"),
            ("aigerim", K::Assign, "assigned to bolat"),
            ("aigerim", K::Assign, "unassigned"),
            ("aigerim", K::Note, "note"),
            ("aigerim", K::Reply, "reply"),
            ("aigerim", K::Share, "shared with farida"),
            ("aigerim", K::Share, "shared with farida"),
            ("farida", K::Open, "opened"),
            (
                "aigerim",
                K::Acknowledge,
                "power of attorney rejected (reason 4)"
            ),
        ]
    );
    assert!(list.windows(2).all(|w| w[0].at <= w[1].at));
    let actors: HashMap<[u8; 32], StaffId> = [&aigerim, &bolat, &farida]
        .iter()
        .map(|k| (k.public().verifying_key, k.id().clone()))
        .collect();
    let logged: Vec<(StaffId, StaffActionKind, i64)> = log_entries(&api)
        .into_iter()
        .filter_map(|e| match e {
            Entry::StaffAction {
                case: commitment,
                actor,
                action,
                at,
            } if commitment == case.commitment => Some((actors[&actor].clone(), action, at)),
            _ => None,
        })
        .collect();
    let listed: Vec<(StaffId, StaffActionKind, i64)> = list
        .iter()
        .map(|r| (r.actor.clone(), r.action, r.at))
        .collect();
    assert_eq!(logged, listed, "the log and the activity list agree");

    // --- concurrent writers on one version: exactly one wins, every time ---
    let race = file_case(&api, &root, &v2);
    let r = race.id;
    let mut version = 1;
    let rounds = [2usize, 2, 2, 8];
    for (round, &writers) in rounds.iter().enumerate() {
        let barrier = Arc::new(Barrier::new(writers));
        let handles: Vec<_> = (0..writers)
            .map(|i| {
                let (client, url, barrier) = (
                    api.client.clone(),
                    api.url(&format!("/v1/cases/{r}/status")),
                    barrier.clone(),
                );
                let token = [&a, &b, &f][i % 3].clone();
                let status = CaseStatus::ALL[(round + i) % CaseStatus::ALL.len()];
                std::thread::spawn(move || {
                    barrier.wait();
                    let res = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&SetStatus { status, version })
                        .send()
                        .unwrap();
                    let status = res.status().as_u16();
                    (status, res.text().unwrap())
                })
            })
            .collect();
        let results: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
        let lost: Vec<_> = results.iter().filter(|(s, _)| *s == 409).collect();
        assert_eq!(
            (won.len(), lost.len()),
            (1, writers - 1),
            "round {round}: {results:?}"
        );
        for (_, body) in lost {
            let e: amanat_protocol::wire::ErrorBody = serde_json::from_str(body).unwrap();
            assert_eq!(e.error, "stale_version");
            assert!(
                e.message.contains(&format!(
                    "(version {}); you saw version {version}.",
                    version + 1
                )),
                "{}",
                e.message
            );
        }
        version += 1;
    }
    let after: CaseDetail = get(&api, &format!("/v1/cases/{r}"), &a).json().unwrap();
    assert_eq!(after.version, version);
    let statuses = activity(&api, &r, &a)
        .iter()
        .filter(|x| x.action == K::Status)
        .count();
    assert_eq!(statuses, rounds.len(), "only the winners are recorded");

    // --- bolat loses the reviewer role: his grants go, his session opens no case ---
    let store = Store::open(&db_url).unwrap();
    let bolat_id: StaffId = "bolat".parse().unwrap();
    assert_eq!(store.grants_of(&bolat_id).unwrap().len(), 3);
    let v3 = signed_ring(
        &root,
        3,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&bolat, &[Role::Auditor]),
            member(&dana, &[Role::Auditor]),
            member(&erlan, &[Role::Admin]),
            member(&farida, &[Role::Reviewer]),
        ],
    );
    publish(&api, &v3);
    assert!(store.grants_of(&bolat_id).unwrap().is_empty());
    for path in [format!("/v1/cases/{c}"), "/v1/cases".to_owned()] {
        expect_error(get(&api, &path, &b), 404, "not_found");
    }
    expect_error(
        set_status(&api, &b, &c, CaseStatus::Closed, 5),
        404,
        "not_found",
    );
    // Assigning to him is refused now; to farida it works.
    expect_error(assign(&a, Some("bolat"), 5), 400, "bad_request");
    assert_eq!(assign(&a, Some("farida"), 5).status(), 200);

    // --- defence in depth: a keyring that drops farida and re-keys aigerim, stored without
    // deleting anyone's sessions or grants (as if publication had missed them) ---
    let aigerim2 = StaffKeys::generate("aigerim".parse().unwrap(), "Айгерим".into());
    let v4 = signed_ring(
        &root,
        4,
        vec![
            member(&aigerim2, &[Role::Reviewer]),
            member(&dana, &[Role::Auditor]),
        ],
    );
    let verified = v4.verify(&root.fingerprint()).unwrap();
    let stored = StoredKeyring {
        version: 4,
        root_key: v4.root_key,
        body: v4.body.clone(),
        signature: v4.signature.clone(),
        hash: *verified.hash(),
        received_at: now(),
    };
    let everyone: Vec<StaffId> = ["aigerim", "bolat", "dana", "erlan", "farida"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let entry = Entry::KeyringPublished {
        version: 4,
        hash: stored.hash,
        published_at: stored.received_at,
    }
    .encode();
    let kept = KeyringEffects {
        keep_sessions_of: everyone.clone(),
        keep_grants_of: everyone,
    };
    assert_eq!(
        store
            .publish_keyring(&stored, &stored.root_key, Some(3), &kept, &entry)
            .unwrap(),
        Published::Accepted
    );
    let farida_id: StaffId = "farida".parse().unwrap();
    assert!(
        !store.grants_of(&farida_id).unwrap().is_empty(),
        "left behind"
    );
    for token in [&f, &a] {
        for path in [format!("/v1/cases/{c}"), "/v1/cases".to_owned()] {
            expect_error(get(&api, &path, token), 401, "unauthorized");
        }
    }
    expect_error(sign_in(&api, farida.signing()), 401, "unauthorized");
    expect_error(sign_in(&api, aigerim.signing()), 401, "unauthorized");
    // The auditor's session, opened with an unchanged key, goes on; the new key signs in.
    let res = api
        .client
        .delete(api.url("/v1/auth/session"))
        .bearer_auth(&auditor)
        .send()
        .unwrap();
    assert_eq!(res.status(), 204);
    let a2 = token(&api, aigerim2.signing());
    assert_eq!(get(&api, "/v1/cases", &a2).status(), 200);

    server.stop();
}

/// The store's optimistic concurrency under heavier contention than HTTP gives: many threads,
/// each with its own connection, write one case at one version; exactly one UPDATE matches.
fn racing_writers(url: &str) {
    use amanat_server::domain::{
        CaseChange, CaseCreated, CaseUpdated, Gated, NewCase, NewStaffAction, StaffGate,
    };
    let store = Store::open(url).unwrap();
    let root = RootKey::generate();
    let reviewer = StaffKeys::generate("aigerim".parse().unwrap(), "A".into());
    let k = signed_ring(&root, 1, vec![member(&reviewer, &[Role::Reviewer])]);
    let verified = k.verify(&root.fingerprint()).unwrap();
    let stored = StoredKeyring {
        version: 1,
        root_key: k.root_key,
        body: k.body.clone(),
        signature: k.signature.clone(),
        hash: *verified.hash(),
        received_at: now(),
    };
    let published = store
        .publish_keyring(
            &stored,
            &stored.root_key,
            None,
            &KeyringEffects::default(),
            b"keyring",
        )
        .unwrap();
    assert_eq!(published, Published::Accepted);
    let case = CaseId::random();
    let staff: StaffId = "aigerim".parse().unwrap();
    let created = store
        .create_case(
            &NewCase {
                id: case,
                auth_key: [7; 32],
                commitment: [8; 32],
                received_at: now(),
                grants: vec![(staff.clone(), b"grant".to_vec())],
            },
            1,
        )
        .unwrap();
    assert_eq!(created, CaseCreated::Created);
    let gate = StaffGate {
        case,
        staff,
        keyring_version: 1,
    };
    let (threads, rounds) = (12, 10);
    for version in 1..=rounds {
        let barrier = Arc::new(Barrier::new(threads));
        let winners: usize = (0..threads)
            .map(|i| {
                let (store, gate, barrier) = (store.clone(), gate.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let status = CaseStatus::ALL[i % CaseStatus::ALL.len()];
                    let action = NewStaffAction {
                        action: StaffActionKind::Status,
                        at: now(),
                        detail: format!("status → {status}"),
                        entry: format!("thread {i}").into_bytes(),
                    };
                    barrier.wait();
                    match store
                        .update_case(&gate, version, &CaseChange::Status(status), &action)
                        .unwrap()
                    {
                        Gated::Done(CaseUpdated::Updated(c, _)) => {
                            assert_eq!((c.version, c.status), (version + 1, status));
                            1
                        }
                        Gated::Done(CaseUpdated::Stale { current, last }) => {
                            assert_eq!(current, version + 1);
                            assert!(matches!(last.unwrap().change, CaseChange::Status(_)));
                            0
                        }
                        other => panic!("{other:?}"),
                    }
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(winners, 1, "version {version}");
    }
    let actions = store.staff_actions(&case).unwrap();
    assert_eq!(actions.len() as i64, rounds);
    // Only the winners' entries reached the log: the keyring's, then one per round.
    assert_eq!(store.log_size().unwrap(), 1 + rounds as u64);
}

#[test]
fn racing_writers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    racing_writers(&format!(
        "sqlite://{}",
        dir.path().join("race.db").display()
    ));
}

#[test]
fn racing_writers_on_postgres() {
    if let Some(db) = PgDatabase::create("amanat_race") {
        racing_writers(&db.url());
    }
}

#[test]
fn collaboration_on_sqlite() {
    scenario(None);
}

#[test]
fn collaboration_on_postgres() {
    let Some(db) = PgDatabase::create("amanat_collab") else {
        return;
    };
    scenario(Some(db.url()));
}
