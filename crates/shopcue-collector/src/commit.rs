//! Group commit: one writer thread per collector takes every batch that arrived while the
//! previous transaction was committing and writes them all in one transaction. Under load a
//! commit (an fsync for SQLite, a round trip and WAL flush for PostgreSQL) is shared by many
//! requests; when idle a batch is written at once, without waiting for company. Each request
//! learns its own counts, and only after the group is durable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::store::{EventStore, Incoming, Written};

/// Most events written in one transaction (a group never splits a request).
pub const MAX_GROUP_EVENTS: usize = 20_000;

struct Job {
    batch: Incoming,
    reply: oneshot::Sender<Result<Written, String>>,
}

/// The queue in front of the writer thread. Cloning shares the queue.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
    stats: Arc<[AtomicU64; 2]>,
}

impl GroupCommit {
    /// Starts the writer thread over `store`; it ends when the last `GroupCommit` is dropped.
    pub fn start(store: Arc<dyn EventStore>) -> GroupCommit {
        let (jobs, queue) = mpsc::channel::<Job>();
        let stats = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let counts = stats.clone();
        std::thread::Builder::new()
            .name("shopcue-group-commit".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut group = vec![first];
                    let mut events = group[0].batch.events.len();
                    while events < MAX_GROUP_EVENTS {
                        let Ok(job) = queue.try_recv() else { break };
                        events += job.batch.events.len();
                        group.push(job);
                    }
                    counts[0].fetch_add(1, Ordering::Relaxed);
                    counts[1].fetch_add(group.len() as u64, Ordering::Relaxed);
                    write_group(store.as_ref(), group);
                }
            })
            .expect("spawning the group-commit thread");
        GroupCommit { jobs, stats }
    }

    /// `(transactions, batches)` written so far: batches per transaction is the grouping.
    pub fn stats(&self) -> (u64, u64) {
        (self.stats[0].load(Ordering::Relaxed), self.stats[1].load(Ordering::Relaxed))
    }

    /// Queues `batch` and waits until its group committed (or failed: then nothing of it was
    /// stored and the client should retry).
    pub async fn write(&self, batch: Incoming) -> Result<Written, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { batch, reply }).map_err(|_| "the writer has stopped".to_string())?;
        answer.await.map_err(|_| "the writer has stopped".to_string())?
    }
}

fn write_group(store: &dyn EventStore, group: Vec<Job>) {
    let (batches, replies): (Vec<Incoming>, Vec<_>) = group.into_iter().map(|j| (j.batch, j.reply)).unzip();
    match store.write(&batches) {
        Ok(written) if written.len() == replies.len() => {
            for (reply, w) in replies.into_iter().zip(written) {
                let _ = reply.send(Ok(w));
            }
        }
        Ok(_) => replies.into_iter().for_each(|r| drop(r.send(Err("store answered for the wrong number of batches".into())))),
        Err(e) => replies.into_iter().for_each(|r| drop(r.send(Err(e.clone())))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::StoredEvent;
    use crate::report::Row;
    use crate::store::{Day, ReportQuery};
    use std::sync::Mutex;
    use std::time::Duration;

    /// A store whose commits take 30 ms, recording the groups it was given.
    #[derive(Default)]
    struct SlowStore {
        groups: Mutex<Vec<Vec<usize>>>,
        fail: bool,
    }

    impl EventStore for SlowStore {
        fn write(&self, batches: &[Incoming]) -> Result<Vec<Written>, String> {
            std::thread::sleep(Duration::from_millis(30));
            if self.fail {
                return Err("disk full".into());
            }
            self.groups.lock().unwrap().push(batches.iter().map(|b| b.events.len()).collect());
            Ok(batches.iter().map(|b| Written { inserted: b.events.len(), duplicates: 0 }).collect())
        }
        fn healthy(&self) -> bool {
            true
        }
        fn report(&self, _: &ReportQuery) -> Result<Vec<Row>, String> {
            Ok(Vec::new())
        }
        fn daily(&self, _: &ReportQuery) -> Result<Vec<Day>, String> {
            Ok(Vec::new())
        }
        fn select(&self, _: &str, _: &[crate::store::Sql]) -> Result<Vec<Vec<crate::store::Sql>>, String> {
            Ok(Vec::new())
        }
    }

    fn batch(n: usize) -> Incoming {
        let e = StoredEvent {
            id: String::new(),
            site: "s".into(),
            name: "view_item".into(),
            ts: 1,
            visitor_id: "v".into(),
            session_id: String::new(),
            url: String::new(),
            scenario_id: None,
            variant: None,
            goal: None,
            json: "{}".into(),
            segment: Default::default(),
        };
        Incoming { events: vec![e; n], received_at: 0 }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_transactions_and_each_gets_its_own_counts() {
        let store = Arc::new(SlowStore::default());
        let commit = GroupCommit::start(store.clone());
        let tasks: Vec<_> = (1..=40)
            .map(|n| {
                let c = commit.clone();
                tokio::spawn(async move { (n, c.write(batch(n)).await) })
            })
            .collect();
        for t in tasks {
            let (n, w) = t.await.unwrap();
            assert_eq!(w.unwrap().inserted, n, "each request gets the counts of its own batch");
        }
        let (transactions, batches) = commit.stats();
        assert_eq!(batches, 40);
        assert!(transactions < 20, "40 requests during 30 ms commits must share transactions: {transactions}");
        let groups = store.groups.lock().unwrap();
        assert_eq!(groups.iter().flatten().sum::<usize>(), (1..=40).sum::<usize>());
        println!("group commit: 40 requests in {transactions} transactions");
    }

    #[tokio::test]
    async fn a_failed_group_fails_every_request_in_it() {
        let commit = GroupCommit::start(Arc::new(SlowStore { fail: true, ..SlowStore::default() }));
        assert_eq!(commit.write(batch(3)).await, Err("disk full".to_string()));
    }
}
