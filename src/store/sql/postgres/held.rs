//! Rows held back to be sent a table at a time ([`crate::store::sql::rows`]).

use std::collections::HashSet;

use postgres::types::ToSql;

use super::PgConn;
use crate::store::sql::Result;
use crate::store::sql::rows::{Column, Table};
use crate::store::sql::value::Value;

/// Rows held back, by table in the order each table's first came.
#[derive(Default)]
pub(super) struct Held {
    pub tables: Vec<HeldTable>,
    pub rows: usize,
}

pub(super) struct HeldTable {
    table: &'static Table,
    rows: Vec<Vec<Value>>,
    keys: HashSet<String>,
}

/// Rows held back before they are sent whatever comes next: bounds the memory, and the
/// server's idle time while a long run of rows is held.
const HELD_MAX: usize = 4096;

impl PgConn {
    /// Holds a row of `table` back, to be sent with the table's others.
    pub(in crate::store::sql) fn defer_row(
        &self,
        table: &'static Table,
        row: Vec<Value>,
    ) -> Result<()> {
        self.stale();
        let key = table.key_of(&row);
        // Two shapes of insert into one table (an upsert, a plain insert) share their keys.
        let clash = {
            let held = self.held.borrow();
            held.rows >= HELD_MAX
                || held
                    .tables
                    .iter()
                    .any(|t| t.table.name == table.name && !key.is_empty() && t.keys.contains(&key))
        };
        if clash {
            self.write_out()?;
        }
        let mut held = self.held.borrow_mut();
        held.rows += 1;
        let at = match held
            .tables
            .iter()
            .position(|t| std::ptr::eq(t.table, table))
        {
            Some(at) => at,
            None => {
                held.tables.push(HeldTable {
                    table,
                    rows: Vec::new(),
                    keys: HashSet::new(),
                });
                held.tables.len() - 1
            }
        };
        let t = &mut held.tables[at];
        if !key.is_empty() {
            t.keys.insert(key);
        }
        t.rows.push(row);
        Ok(())
    }

    /// Sends the rows held back: a statement per table, parents first. The statements are
    /// prepared (their arrays go out in binary), those not yet prepared all in one round trip.
    pub(super) fn write_out(&self) -> Result<()> {
        if self.held.borrow().tables.is_empty() {
            return Ok(());
        }
        let held = std::mem::take(&mut *self.held.borrow_mut());
        let mut tables = held.tables;
        // Stable: tables of one rank keep the order their first rows came in.
        tables.sort_by_key(|t| t.table.rank);
        let slots: Vec<usize> = tables
            .iter()
            .map(|t| self.slot(t.table.many_rows()))
            .collect();
        for &slot in &slots {
            self.start_prepare(slot);
        }
        for (t, slot) in tables.into_iter().zip(slots) {
            let statement = self.prepared(slot)?;
            {
                let mut waits = self.waits.borrow_mut();
                let w = &mut waits.by_statement[slot];
                w.deferred += 1;
                w.rows += t.rows.len() as u64;
            }
            let mut columns: Vec<Vec<Value>> = (0..t.table.columns.len())
                .map(|_| Vec::with_capacity(t.rows.len()))
                .collect();
            for row in t.rows {
                for (column, value) in columns.iter_mut().zip(row) {
                    column.push(value);
                }
            }
            let params: Vec<Column> = columns.into_iter().map(Column).collect();
            let client = std::sync::Arc::clone(&self.client);
            self.queue(Box::pin(async move {
                let refs: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                client.execute(&statement, &refs).await
            }));
        }
        Ok(())
    }
}
