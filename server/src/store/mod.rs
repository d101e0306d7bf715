//! Storage of metadata and references to ciphertext: diesel over SQLite or PostgreSQL through
//! one code path. The backend is picked from the URL scheme here, never guessed; every diesel
//! type stays inside this module, callers see `domain` records and [`StoreError`].

pub mod copy;
mod deletion;
mod handover;
mod log;
mod models;
mod queries;
pub mod schema;
mod shared;
pub mod uploads;
mod web;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Any lock id will do as long as it is fixed: it keeps two servers starting at once from
/// running the same migration twice.
const MIGRATION_LOCK: i64 = 0x616d_616e_6174;

/// How long a request waits for a database connection before it is answered `503`: long
/// enough for a busy pool, short enough that a client is not left hanging while the
/// database is down.
pub const DEFAULT_DATABASE_TIMEOUT_SECS: u64 = 5;

/// Whether a write failed because the row (a content-addressed id, a version) exists.
fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// One connection to either backend; queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Which database a URL names. Parsed by us: diesel's own `establish` tries each backend in
/// turn and would open `postgres:oops` as a SQLite file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Path of the SQLite file.
    Sqlite(String),
    /// The libpq URL, as given.
    Postgres(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "database_url sqlite:// needs a file path, e.g. sqlite:///var/lib/amanat/amanat.db".into(),
                );
            }
            Ok(Backend::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(url.to_owned()))
        } else {
            Err("database_url must start with sqlite:// or postgres:// (e.g. sqlite:///var/lib/amanat/amanat.db)".into())
        }
    }

    fn connect(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match self {
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout first so that switching to WAL waits for other processes;
                // synchronous=FULL because a receipt promises the upload is durable.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres(url) => Ok(DbConnection::Postgres(PgConnection::establish(url)?)),
        }
    }
}

/// A pooled connection that reports, when returned, how long it was held: the time spent
/// in the queries and transactions run on it (for `amanat_database_held_seconds`).
pub(crate) struct Conn {
    inner: PooledConnection<Manager>,
    since: std::time::Instant,
}

impl std::ops::Deref for Conn {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.inner
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        crate::metrics::global().database_held(self.since.elapsed());
    }
}

/// The r2d2 manager: opens the backend the URL names, with our pragmas.
#[derive(Debug)]
pub struct Manager(Backend);

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.0.connect().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection left inside a transaction (e.g. after a panic) must not be reused.
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// A storage failure the caller cannot do anything about; the text is for the log only.
/// [`StoreError::is_unavailable`] tells a database that is down or unreachable (answered
/// `503`, worth retrying) from everything else.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct StoreError {
    detail: String,
    unavailable: bool,
    gone: bool,
}

impl StoreError {
    fn new(detail: impl Into<String>) -> Self {
        StoreError {
            detail: detail.into(),
            unavailable: false,
            gone: false,
        }
    }

    /// A row this write refers to was deleted while it ran (a case withdrawn or expired in
    /// the middle of one of its requests): the request is about something that is gone.
    pub fn is_gone(&self) -> bool {
        self.gone
    }

    fn corrupt(what: &str, detail: impl std::fmt::Display) -> Self {
        StoreError::new(format!("corrupt {what} row in the database: {detail}"))
    }

    /// The database could not be reached, or dropped the connection: nothing is wrong with
    /// the request, and the same request may succeed once the database is back.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }
}

/// Errors that mean the connection, not the query, failed: the server went away (stopped,
/// restarted, network cut) or the connection was left unusable by an earlier failure.
fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as E};
    matches!(
        e,
        E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
            | E::BrokenTransactionManager
    )
}

/// libpq names the host it failed to reach (`connection to server at "10.0.0.5", port 5432
/// failed`). The server's log must hold no addresses, so the host is left out: the operator
/// knows it from `database_url`.
fn without_host(detail: String) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail.as_str();
    while let Some(i) = rest.find("server at \"") {
        let (head, tail) = rest.split_at(i + "server at ".len());
        out.push_str(head);
        match tail[1..].find('"') {
            Some(end) => {
                out.push_str("the configured host");
                rest = &tail[end + 2..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError {
            unavailable: connection_lost(&e),
            gone: matches!(
                e,
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _
                )
            ),
            detail: without_host(format!("database error: {e}")),
        }
    }
}

impl From<r2d2::PoolError> for StoreError {
    /// The pool's only error is a timeout: no connection could be checked out or opened
    /// within `database_timeout_secs`, i.e. the database is down or overloaded.
    fn from(e: r2d2::PoolError) -> Self {
        StoreError {
            detail: without_host(format!("no database connection available: {e}")),
            unavailable: true,
            gone: false,
        }
    }
}

/// The pool of connections and the queries. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// How a write transaction must be isolated from keyring changes (PostgreSQL only; SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyringLock {
    /// Nothing depends on which keyring is current.
    None,
    /// The transaction relies on the current keyring staying current until it commits
    /// (e.g. a case whose grants were checked against it). Shared with other such writers.
    Shared,
    /// The transaction publishes a keyring; excludes `Shared` writers and other publishers.
    Exclusive,
}

impl Store {
    /// Opens the database the URL names, runs pending migrations and builds the pool, with
    /// the default wait for a connection.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, Duration::from_secs(DEFAULT_DATABASE_TIMEOUT_SECS))
    }

    /// [`Store::open`], waiting at most `timeout` for a connection on each request before
    /// failing with an unavailable error (`503`) rather than leaving the client hanging.
    pub fn open_with(url: &str, timeout: Duration) -> Result<Store, StoreError> {
        let backend = Backend::from_url(url).map_err(StoreError::new)?;
        let mut conn = backend
            .connect()
            .map_err(|e| StoreError::new(format!("cannot connect to the database: {e}")))?;
        migrate(&mut conn)?;
        // SQLite serialises writers anyway; a few connections let reads overlap in WAL mode.
        let size = match backend {
            Backend::Sqlite(_) => 4,
            Backend::Postgres(_) => 10,
        };
        // Every checkout is tested (`SELECT 1`), so a connection the database dropped while
        // it sat in the pool (a PostgreSQL restart) is replaced rather than handed out: the
        // server recovers by itself once the database is back.
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(timeout)
            .test_on_check_out(true)
            .build(Manager(backend))
            .map_err(|e| StoreError::new(format!("cannot connect to the database: {e}")))?;
        Ok(Store { pool })
    }

    fn conn(&self) -> Result<Conn, StoreError> {
        let asked = std::time::Instant::now();
        let inner = self.pool.get()?;
        let since = std::time::Instant::now();
        crate::metrics::global().database_wait(since - asked);
        Ok(Conn { inner, since })
    }

    /// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock
    /// up front: a deferred transaction that reads and then writes fails with SQLITE_BUSY when
    /// another connection wrote in between, and `busy_timeout` cannot help it.
    fn write<T>(
        &self,
        lock: KeyringLock,
        f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut DbConnection = &mut pooled;
        match conn {
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            }
            DbConnection::Postgres(c) => {
                AnsiTransactionManager::begin_transaction(c)?;
                let sql = match lock {
                    KeyringLock::None => None,
                    // SHARE conflicts with SHARE ROW EXCLUSIVE but not with itself: cases can
                    // be created concurrently, yet never while a keyring is being published.
                    KeyringLock::Shared => Some("LOCK TABLE keyrings IN SHARE MODE"),
                    KeyringLock::Exclusive => {
                        Some("LOCK TABLE keyrings IN SHARE ROW EXCLUSIVE MODE")
                    }
                };
                if let Some(sql) = sql
                    && let Err(e) = c.batch_execute(sql)
                {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(e.into());
                }
            }
        }
        match f(conn) {
            Ok(v) => {
                <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                Ok(v)
            }
            Err(e) => {
                // The original error matters more than a failed rollback, which also marks
                // the connection broken so the pool drops it.
                let _ =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
                Err(e)
            }
        }
    }
}

fn migrate(conn: &mut DbConnection) -> Result<(), StoreError> {
    let run = |conn: &mut DbConnection| -> Result<(), StoreError> {
        let result = match conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| StoreError::new(format!("database migration failed: {e}")))
    };
    match conn {
        DbConnection::Sqlite(_) => run(conn),
        DbConnection::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = run(conn);
            if let DbConnection::Postgres(c) = conn {
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    .execute(c)?;
            }
            result
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn names(dir: &Path) -> BTreeSet<(String, BTreeSet<String>)> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let files = std::fs::read_dir(e.path())
                    .unwrap()
                    .map(|f| f.unwrap().file_name().into_string().unwrap())
                    .collect();
                (e.file_name().into_string().unwrap(), files)
            })
            .collect()
    }

    #[test]
    fn a_write_about_a_deleted_case_is_gone_not_broken() {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        let fk = StoreError::from(E::DatabaseError(
            K::ForeignKeyViolation,
            Box::new("FOREIGN KEY constraint failed".to_owned()),
        ));
        assert!(fk.is_gone() && !fk.is_unavailable());
        let unique = StoreError::from(E::DatabaseError(
            K::UniqueViolation,
            Box::new("UNIQUE constraint failed".to_owned()),
        ));
        assert!(!unique.is_gone());
    }

    #[test]
    fn migration_trees_match() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let sqlite = names(&root.join("sqlite"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names(&root.join("postgres")));
    }

    #[test]
    fn database_hosts_stay_out_of_error_text() {
        assert_eq!(
            without_host(
                "timed out: connection to server at \"10.0.0.5\", port 5432 failed: refused".into()
            ),
            "timed out: connection to server at the configured host, port 5432 failed: refused"
        );
        assert_eq!(without_host("plain".into()), "plain");
        assert_eq!(without_host("server at \"x".into()), "server at ");
    }

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite:///a/b.db").unwrap(),
            Backend::Sqlite("/a/b.db".into())
        );
        assert!(matches!(
            Backend::from_url("postgresql://h/d").unwrap(),
            Backend::Postgres(_)
        ));
        for bad in [
            "postgres:x.db",
            "x.db",
            "sqlite://",
            "mysql://h/d",
            "sqlite:x.db",
        ] {
            assert!(Backend::from_url(bad).is_err(), "{bad}");
        }
    }
}
