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

#[cfg(test)]
mod tests {
    use super::*;

    // Lower bounds only: the gate must make requests wait; how fast the machine is doesn't matter.
    #[tokio::test]
    async fn requests_to_one_host_are_spaced_by_the_minimum_interval() {
        let p = Politeness::new(8, 1, Duration::from_millis(60));
        let start = Instant::now();
        for _ in 0..3 {
            drop(p.acquire("www.mofcom.gov.cn").await);
        }
        assert!(start.elapsed() >= Duration::from_millis(120));
    }

    #[tokio::test]
    async fn per_host_concurrency_is_a_ceiling() {
        let p = Arc::new(Politeness::new(8, 1, Duration::ZERO));
        let held = p.acquire("www.mofcom.gov.cn").await;
        let p2 = p.clone();
        let second = tokio::spawn(async move { drop(p2.acquire("www.mofcom.gov.cn").await) });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !second.is_finished(),
            "a second request started while the first was in flight"
        );
        // Another host is not held up.
        drop(p.acquire("xkzj.mofcom.gov.cn").await);
        drop(held);
        second.await.unwrap();
    }

    #[tokio::test]
    async fn back_off_holds_the_host() {
        let p = Politeness::new(8, 1, Duration::ZERO);
        p.back_off("www.mofcom.gov.cn", Duration::from_millis(80))
            .await;
        let start = Instant::now();
        drop(p.acquire("www.mofcom.gov.cn").await);
        assert!(start.elapsed() >= Duration::from_millis(70));
    }
}
