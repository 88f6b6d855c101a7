//! One database thread for async code: jobs are closures run on the thread that owns the
//! connection, so a connection never crosses an `.await` and writes are naturally serialised.

use std::sync::mpsc;
use std::thread;

use super::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

#[derive(Clone)]
pub struct DbHandle {
    jobs: mpsc::Sender<Job>,
}

impl DbHandle {
    /// Moves `store` onto its own thread. The thread ends when every handle is dropped.
    pub fn spawn(mut store: Store) -> (DbHandle, thread::JoinHandle<()>) {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread = thread::Builder::new()
            .name("regwatch-db".into())
            .spawn(move || {
                for job in rx {
                    job(&mut store);
                }
            })
            .expect("spawning the database thread");
        (DbHandle { jobs }, thread)
    }

    /// Runs `f` on the database thread and waits for its result without blocking the runtime.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        self.submit(f)?.wait().await
    }

    /// Queues `f` on the database thread now and returns its result to await later. Jobs run
    /// in the order they were queued: one queued behind a job whose result is awaited runs
    /// while the caller works with that result.
    pub fn submit<R, F>(&self, f: F) -> Result<Pending<R>, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreError::ThreadGone)?;
        Ok(Pending(rx))
    }
}

/// The result of a job queued with [`DbHandle::submit`].
pub struct Pending<R>(tokio::sync::oneshot::Receiver<Result<R, StoreError>>);

impl<R> Pending<R> {
    pub async fn wait(self) -> Result<R, StoreError> {
        self.0.await.map_err(|_| StoreError::ThreadGone)?
    }
}
