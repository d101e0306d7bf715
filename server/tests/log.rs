//! The log's storage against the protocol's verifiers: every root and proof for sizes 1..=70,
//! bulk and single appends agreeing, concurrent appenders on two store handles ("servers") on
//! one database. SQLite always; PostgreSQL too when AMANAT_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use amanat_protocol::log::checkpoint::SignedCheckpoint;
use amanat_protocol::log::entry::Entry;
use amanat_protocol::log::merkle::{self, Hash};
use amanat_protocol::log::receipt::Receipt;
use amanat_server::service::LogSigner;
use amanat_server::service::log::{checkpoint, consistency_proof, inclusion_proof, receipt};
use amanat_server::store::Store;

const ORIGIN: &str = "amanat.example/test-log";

fn signer() -> LogSigner {
    LogSigner::new(ORIGIN, &[11; 32]).unwrap()
}

fn entry(n: u64) -> Vec<u8> {
    Entry::KeyringPublished {
        version: n,
        hash: [(n % 251) as u8; 32],
        published_at: 1_795_000_000 + n as i64,
    }
    .encode()
}

/// MTH straight from RFC 9162's recursive definition.
fn mth(entries: &[Vec<u8>]) -> Hash {
    match entries.len() {
        0 => merkle::empty_root(),
        1 => merkle::leaf_hash(&entries[0]),
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(&mth(&entries[..k]), &mth(&entries[k..]))
        }
    }
}

/// A database for one test: a SQLite file, or a fresh PostgreSQL database dropped at the end.
enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin: String, name: String },
}

impl TestDb {
    fn sqlite() -> TestDb {
        TestDb::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> Option<TestDb> {
        use diesel::{Connection, RunQueryDsl};
        let Ok(admin) = std::env::var("AMANAT_TEST_POSTGRES_URL") else {
            eprintln!("PostgreSQL part skipped: AMANAT_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!(
            "amanat_log_{}",
            &amanat_protocol::CaseId::random()
                .to_string()
                .replace('-', "")[..12]
        );
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .unwrap();
        Some(TestDb::Postgres { admin, name })
    }

    fn url(&self) -> String {
        match self {
            TestDb::Sqlite(dir) => format!("sqlite://{}", dir.path().join("log.db").display()),
            TestDb::Postgres { admin, name } => {
                format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
            }
        }
    }

    fn open(&self) -> Store {
        Store::open(&self.url()).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let TestDb::Postgres { admin, name } = self
            && let Ok(mut c) = diesel::PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut c);
        }
    }
}

fn every_proof_verifies(db: &TestDb) {
    let store = db.open();
    let signer = signer();
    let verifier = signer.verifier().unwrap();
    let empty = checkpoint(&store, &signer)
        .unwrap()
        .verify(&verifier)
        .unwrap();
    assert_eq!((empty.size, empty.root), (0, merkle::empty_root()));

    let all: Vec<Vec<u8>> = (0..70).map(entry).collect();
    let mut roots = vec![merkle::empty_root()];
    for (i, e) in all.iter().enumerate() {
        assert_eq!(store.append_entries(&[e], 0).unwrap(), i as u64);
        let size = i as u64 + 1;
        let c = checkpoint(&store, &signer)
            .unwrap()
            .verify(&verifier)
            .unwrap();
        assert_eq!(c.size, size);
        assert_eq!(c.root, mth(&all[..=i]), "root of {size}");
        roots.push(c.root);
        for index in 0..size {
            let proof = inclusion_proof(&store, index, size).unwrap();
            merkle::verify_inclusion(
                index,
                size,
                &merkle::leaf_hash(&all[index as usize]),
                &proof,
                &c.root,
            )
            .unwrap();
        }
    }
    // Now that the log is 70 long, every older size is provably a prefix of every newer one,
    // and inclusion in old sizes still verifies against the roots signed back then.
    for size2 in 1..=70u64 {
        for size1 in 1..=size2 {
            let proof = consistency_proof(&store, size1, size2).unwrap();
            merkle::verify_consistency(
                size1,
                size2,
                &proof,
                &roots[size1 as usize],
                &roots[size2 as usize],
            )
            .unwrap();
        }
        let index = size2 / 2;
        let proof = inclusion_proof(&store, index, size2).unwrap();
        merkle::verify_inclusion(
            index,
            size2,
            &merkle::leaf_hash(&all[index as usize]),
            &proof,
            &roots[size2 as usize],
        )
        .unwrap();
    }
    // A receipt for each entry, against the final checkpoint.
    for (i, e) in all.iter().enumerate() {
        let logged = store.log_entry(i as u64).unwrap().unwrap();
        assert_eq!(&logged.entry, e);
        let r = receipt(&store, &signer, &logged).unwrap();
        let v = Receipt::parse(&r.encode())
            .unwrap()
            .verify(&verifier)
            .unwrap();
        assert_eq!((v.index, v.checkpoint.size), (i as u64, 70));
    }
    assert_eq!(store.log_entries(0, 70).unwrap(), all);
    assert_eq!(store.log_entries(65, 70).unwrap(), all[65..]);
    // One checkpoint per size, 0 to 70; 2n - popcount(n) nodes for n leaves.
    assert_eq!(store.log_checkpoints().unwrap().len(), 71);
    assert_eq!(
        store.log_row_counts().unwrap(),
        (70, 2 * 70 - u64::from(70u64.count_ones()))
    );

    // A store filled in batches of uneven sizes holds the very same tree.
    let other = TestDb::sqlite();
    let bulk = other.open();
    let mut start = 0;
    for batch in [1usize, 2, 5, 7, 16, 3, 31, 5] {
        let refs: Vec<&[u8]> = all[start..start + batch]
            .iter()
            .map(Vec::as_slice)
            .collect();
        assert_eq!(bulk.append_entries(&refs, 0).unwrap(), start as u64);
        start += batch;
        let c = checkpoint(&bulk, &signer)
            .unwrap()
            .verify(&verifier)
            .unwrap();
        assert_eq!(c.root, roots[start]);
    }
    assert_eq!(start, 70);
    assert_eq!(
        bulk.log_row_counts().unwrap(),
        store.log_row_counts().unwrap()
    );
}

#[test]
fn every_proof_verifies_on_sqlite() {
    every_proof_verifies(&TestDb::sqlite());
}

#[test]
fn every_proof_verifies_on_postgres() {
    if let Some(db) = TestDb::postgres() {
        every_proof_verifies(&db);
    }
}

/// Two store handles (separate pools, as two server processes would have) and several
/// threads each, appending and issuing receipts at once. Afterwards: no gaps, no entry lost or
/// doubled, every receipt valid, and every checkpoint ever stored consistent with the latest.
fn concurrent_appenders_share_one_history(db: &TestDb) {
    const THREADS_PER_SERVER: u64 = 4;
    const APPENDS: u64 = 25;
    let servers = [db.open(), db.open()];
    let signer = signer();
    let verifier = signer.verifier().unwrap();
    std::thread::scope(|s| {
        for (k, store) in servers.iter().enumerate() {
            for t in 0..THREADS_PER_SERVER {
                let (signer, verifier) = (&signer, &verifier);
                s.spawn(move || {
                    for i in 0..APPENDS {
                        let n = (k as u64 * THREADS_PER_SERVER + t) * 1000 + i;
                        let e = entry(n);
                        let index = store.append_entries(&[&e], 0).unwrap();
                        let logged = store.log_entry(index).unwrap().unwrap();
                        assert_eq!(logged.entry, e, "index {index} holds another entry");
                        let r = receipt(store, signer, &logged).unwrap();
                        Receipt::parse(&r.encode())
                            .unwrap()
                            .verify(verifier)
                            .unwrap();
                        if i % 5 == 0 {
                            checkpoint(store, signer).unwrap();
                        }
                    }
                });
            }
        }
    });
    let store = &servers[0];
    let total = 2 * THREADS_PER_SERVER * APPENDS;
    assert_eq!(store.log_size().unwrap(), total);
    let entries = store.log_entries(0, total).unwrap();
    let distinct: BTreeSet<&Vec<u8>> = entries.iter().collect();
    assert_eq!(distinct.len() as u64, total, "an entry was lost or doubled");
    assert_eq!(
        store.log_row_counts().unwrap(),
        (total, 2 * total - u64::from(total.count_ones()))
    );
    let latest = checkpoint(store, &signer)
        .unwrap()
        .verify(&verifier)
        .unwrap();
    assert_eq!(latest.size, total);
    assert_eq!(latest.root, mth(&entries));
    let stored = store.log_checkpoints().unwrap();
    assert!(stored.len() > 10, "only {} checkpoints", stored.len());
    for (size, note) in stored {
        let c = SignedCheckpoint(note).verify(&verifier).unwrap();
        assert_eq!(c.size, size);
        assert_eq!(c.root, mth(&entries[..size as usize]), "checkpoint {size}");
        if size > 0 {
            let proof = consistency_proof(store, size, total).unwrap();
            merkle::verify_consistency(size, total, &proof, &c.root, &latest.root).unwrap();
        }
    }
}

#[test]
fn concurrent_appenders_share_one_history_on_sqlite() {
    concurrent_appenders_share_one_history(&TestDb::sqlite());
}

#[test]
fn concurrent_appenders_share_one_history_on_postgres() {
    if let Some(db) = TestDb::postgres() {
        concurrent_appenders_share_one_history(&db);
    }
}

/// The `01`/`02` appends happen inside the storing transaction, so a failure there must leave
/// neither the row nor the entry; here the simplest failure: appending to a log whose head row
/// was removed is refused, and nothing is written.
#[test]
fn a_refused_append_writes_nothing() {
    use diesel::{Connection, RunQueryDsl};
    let db = TestDb::sqlite();
    let store = db.open();
    store.append_entries(&[&entry(1)], 0).unwrap();
    let path = db.url().trim_start_matches("sqlite://").to_owned();
    let mut raw = diesel::SqliteConnection::establish(&path).unwrap();
    diesel::sql_query("DELETE FROM log_head")
        .execute(&mut raw)
        .unwrap();
    assert!(store.append_entries(&[&entry(2)], 0).is_err());
    assert_eq!(store.log_row_counts().unwrap(), (1, 1));
}
