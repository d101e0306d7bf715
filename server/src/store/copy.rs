//! Copies a SQLite database into an empty PostgreSQL one (`amanat-server migrate-database`),
//! table by table in foreign-key order, inside one PostgreSQL transaction: the columns and
//! primary keys are read from the migrated target, the rows are read from SQLite as SQL
//! literals (SQLite's own `quote()`; blobs as `'\x…'`), in key order, a page at a time.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{DbConnection, Store, StoreError};

/// Every table, parents before children. A test checks it against the migrations.
pub const TABLES: &[&str] = &[
    "keyrings",
    "cases",
    "grants",
    "documents",
    "challenges",
    "sessions",
    "log_head",
    "log_entries",
    "log_nodes",
    "log_checkpoints",
    "staff_actions",
    "uploads",
    "web_manifests",
    "log_cosignatures",
    "root_handovers",
    "legal_holds",
    "spent_puzzles",
    "leases",
];

/// Rows read and written at a time.
const PAGE: i64 = 1000;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct KeyAndRow {
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Text)]
    v: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows copied, per table, in [`TABLES`] order.
pub type Copied = Vec<(&'static str, u64)>;

fn ident(name: &str) -> Result<String, StoreError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        return Err(StoreError::new(format!("unexpected column name {name:?}")));
    }
    Ok(format!("\"{name}\""))
}

impl Store {
    /// Copies every row of this (SQLite) store into `target` (PostgreSQL, migrated, with no
    /// keyring yet). All or nothing: one transaction on the target.
    pub fn copy_into(&self, target: &Store) -> Result<Copied, StoreError> {
        let mut from = self.conn()?;
        let mut to = target.conn()?;
        let (DbConnection::Sqlite(src), DbConnection::Postgres(dst)) = (&mut *from, &mut *to)
        else {
            return Err(StoreError::new(
                "migrate-database copies a SQLite database into a PostgreSQL one",
            ));
        };
        let existing: Count =
            diesel::sql_query("SELECT COUNT(*) AS n FROM keyrings").get_result(dst)?;
        if existing.n > 0 {
            return Err(StoreError::new(
                "the PostgreSQL database already holds a keyring: give an empty database",
            ));
        }
        // The literals below double their quotes and nothing else: backslashes must be plain
        // characters, whatever the server's default.
        dst.batch_execute("BEGIN; SET LOCAL standard_conforming_strings = on")?;
        let result = copy_tables(src, dst);
        match result {
            Ok(copied) => {
                dst.batch_execute("COMMIT")?;
                Ok(copied)
            }
            Err(e) => {
                let _ = dst.batch_execute("ROLLBACK");
                Err(e)
            }
        }
    }
}

fn copy_tables(
    src: &mut diesel::SqliteConnection,
    dst: &mut diesel::PgConnection,
) -> Result<Copied, StoreError> {
    let mut copied = Vec::new();
    for &table in TABLES {
        let columns: Vec<Column> = diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS kind FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(dst)?;
        let key: Vec<Column> = diesel::sql_query(
            "SELECT k.column_name::text AS name, 'key'::text AS kind \
             FROM information_schema.table_constraints t \
             JOIN information_schema.key_column_usage k \
               ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema \
             WHERE t.table_schema = current_schema() AND t.table_name = $1 \
               AND t.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(dst)?;
        if columns.is_empty() || key.is_empty() {
            return Err(StoreError::new(format!(
                "table {table} has no columns or no primary key in the target"
            )));
        }
        let names = columns
            .iter()
            .map(|c| ident(&c.name))
            .collect::<Result<Vec<_>, _>>()?;
        // Each value as a PostgreSQL literal, made by SQLite: quote() for text and numbers
        // (single quotes doubled, NULL as NULL), '\x<hex>' for bytes.
        let values = columns
            .iter()
            .zip(&names)
            .map(|(c, n)| {
                if c.kind == "bytea" {
                    format!(
                        "CASE WHEN {n} IS NULL THEN 'NULL' ELSE '''\\x' || hex({n}) || '''' END"
                    )
                } else {
                    format!("quote({n})")
                }
            })
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let keys = key
            .iter()
            .map(|c| ident(&c.name))
            .collect::<Result<Vec<_>, _>>()?;
        // The key as SQLite literals, to resume after the last row of a page.
        let key_text = keys
            .iter()
            .map(|k| format!("quote({k})"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let key_list = keys.join(", ");
        dst.batch_execute(&format!("DELETE FROM {table}"))?;
        let mut after: Option<String> = None;
        let mut n = 0u64;
        loop {
            let filter = match &after {
                None => String::new(),
                Some(k) => format!("WHERE ({key_list}) > ({k})"),
            };
            let page: Vec<KeyAndRow> = diesel::sql_query(format!(
                "SELECT {key_text} AS k, {values} AS v FROM {table} {filter} ORDER BY {key_list} LIMIT {PAGE}"
            ))
            .load(src)?;
            let Some(last) = page.last() else { break };
            after = Some(last.k.clone());
            let rows = page
                .iter()
                .map(|r| format!("({})", r.v))
                .collect::<Vec<_>>()
                .join(",");
            dst.batch_execute(&format!(
                "INSERT INTO {table} ({}) VALUES {rows}",
                names.join(", ")
            ))?;
            n += page.len() as u64;
        }
        let count: Count =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(src)?;
        if u64::try_from(count.n).unwrap_or(0) != n {
            return Err(StoreError::new(format!(
                "table {table}: {} rows in SQLite, {n} copied",
                count.n
            )));
        }
        copied.push((table, n));
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn every_table_of_the_migrations_is_copied() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
        let mut sql = String::new();
        let mut dirs: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for d in dirs {
            sql.push_str(&std::fs::read_to_string(d.join("up.sql")).unwrap());
        }
        let created: Vec<&str> = sql
            .match_indices("CREATE TABLE ")
            .map(|(i, _)| sql[i + 13..].split_whitespace().next().unwrap())
            .collect();
        assert_eq!(
            created,
            super::TABLES,
            "TABLES must list every table, parents first"
        );
    }
}
