//! Being a good citizen of a ministry's web server: at most N requests in flight to a host, a
//! minimum interval between request starts, and a pause after the server says "slow down".
//! Built once per run and shared by every fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

pub struct Politeness {
    global: Arc<Semaphore>,
    per_host_concurrency: usize,
    min_interval: Duration,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
}

struct HostGate {
    in_flight: Arc<Semaphore>,
    /// When the next request to this host may start.
    next_start: tokio::sync::Mutex<Instant>,
}

/// Held for the duration of one request.
pub struct Permit {
    _global: OwnedSemaphorePermit,
    _host: OwnedSemaphorePermit,
}

impl Politeness {
    pub fn new(concurrency: usize, per_host_concurrency: usize, min_interval: Duration) -> Self {
        Politeness {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            per_host_concurrency: per_host_concurrency.max(1),
            min_interval,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    in_flight: Arc::new(Semaphore::new(self.per_host_concurrency)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Waits until a request to `host` may start.
    pub async fn acquire(&self, host: &str) -> Permit {
        let gate = self.gate(host);
        let host_permit = gate
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        {
            let mut next = gate.next_start.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep_until(*next).await;
            }
            *next = Instant::now() + self.min_interval;
        }
        let global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        Permit {
            _global: global,
            _host: host_permit,
        }
    }

    /// Holds back every request to `host` for `delay` (after a 429 or 503, Retry-After).
    pub async fn back_off(&self, host: &str, delay: Duration) {
        let gate = self.gate(host);
        let mut next = gate.next_start.lock().await;
        let until = Instant::now() + delay;
        if *next < until {
            *next = until;
        }
    }
}
