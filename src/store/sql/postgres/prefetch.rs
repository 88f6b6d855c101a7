//! Reads sent ahead ([`crate::store::sql::Db::prefetch`]): sent without waiting, answered
//! with no rows inside the closure, their answers taken by the same query afterwards, and made
//! stale by any write.

use std::cell::Cell;

use super::{PgConn, Prefetched, owned, started};
use crate::store::sql::Result;
use crate::store::sql::value::ValueRef;

impl PgConn {
    /// Sends a read now, its answer to be taken by [`PgConn::query`].
    pub(super) fn prefetch(&self, slot: usize, values: &[ValueRef<'_>]) -> Result<()> {
        // Rows held back go out first: the read is to see them.
        self.write_out()?;
        let values = owned(values);
        let way = self.way(slot, &values)?;
        let answer = started(self.read(way, values.clone()));
        self.prefetched.borrow_mut().push(Prefetched {
            slot,
            values,
            answer,
            settled: false,
        });
        Ok(())
    }

    /// Runs `f` with its reads sent ahead ([`super::Db::prefetch`]).
    pub(in crate::store::sql) fn prefetching<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        self.prefetching.set(true);
        let _reset = Reset(&self.prefetching);
        f()
    }

    /// Whether reads are being sent ahead (a write now is a bug in the caller).
    pub(in crate::store::sql) fn is_prefetching(&self) -> bool {
        self.prefetching.get()
    }

    /// A write is coming: answers sent ahead of it may no longer hold. Those not taken are
    /// waited for with the writes (a failed one fails the transaction, and is reported in its
    /// turn), their rows dropped.
    pub(super) fn stale(&self) {
        let prefetched = std::mem::take(&mut *self.prefetched.borrow_mut());
        let mut pending = self.pending.borrow_mut();
        for p in prefetched {
            pending.push(Box::pin(async move {
                p.answer.await.map(|rows| rows.len() as u64)
            }));
        }
    }
}
