//! State that several servers on one database share and no single process may keep: the
//! spent proof-of-work seeds (a solution works once on any server) and named leases (one
//! collector at a time). Both tables hold only random values and times.

use diesel::prelude::*;

use super::is_unique_violation;
use super::{KeyringLock, Store, StoreError};

// Kept beside its queries rather than in schema.rs: no other module joins against them.
diesel::table! {
    spent_puzzles (seed) {
        seed -> Binary,
        expires_at -> BigInt,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        until -> BigInt,
    }
}

impl Store {
    /// Spends a puzzle's random part until `expires_at`; `false` if it was spent before.
    pub fn spend_puzzle(&self, seed: &[u8], expires_at: i64) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        match diesel::insert_into(spent_puzzles::table)
            .values((
                spent_puzzles::seed.eq(seed),
                spent_puzzles::expires_at.eq(expires_at),
            ))
            .execute(&mut *c)
        {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Puzzles spent (on any server) that have not expired: the rate signal for difficulty.
    pub fn recent_puzzles(&self, now: i64) -> Result<u64, StoreError> {
        let mut c = self.conn()?;
        let n: i64 = spent_puzzles::table
            .filter(spent_puzzles::expires_at.ge(now))
            .count()
            .get_result(&mut *c)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Forgets seeds whose puzzles have expired (they can no longer be used anyway).
    pub fn forget_spent_puzzles(&self, now: i64) -> Result<usize, StoreError> {
        let mut c = self.conn()?;
        Ok(
            diesel::delete(spent_puzzles::table.filter(spent_puzzles::expires_at.lt(now)))
                .execute(&mut *c)?,
        )
    }

    /// Takes or renews the lease `name` for `holder` until `until`, if no other holder has it
    /// now; `false` if one does.
    pub fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        self.write(KeyringLock::None, |c| {
            let current: Option<(String, i64)> = leases::table
                .filter(leases::name.eq(name))
                .select((leases::holder, leases::until))
                .first(c)
                .optional()?;
            match current {
                None => match diesel::insert_into(leases::table)
                    .values((
                        leases::name.eq(name),
                        leases::holder.eq(holder),
                        leases::until.eq(until),
                    ))
                    .execute(c)
                {
                    Ok(_) => Ok(true),
                    // Two servers inserting the first lease at once: the loser does not hold it.
                    Err(e) if is_unique_violation(&e) => Ok(false),
                    Err(e) => Err(e.into()),
                },
                Some((h, u)) if h == holder || u < now => {
                    // Only if nobody renewed it since it was read.
                    let n = diesel::update(
                        leases::table
                            .filter(leases::name.eq(name))
                            .filter(leases::holder.eq(&h))
                            .filter(leases::until.eq(u)),
                    )
                    .set((leases::holder.eq(holder), leases::until.eq(until)))
                    .execute(c)?;
                    Ok(n > 0)
                }
                Some(_) => Ok(false),
            }
        })
    }
}
