//! The open Kafka transaction of an exactly-once worker: which input messages its
//! outputs belong to, and which positions it will commit.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::offsets::TopicPartition;

/// A message whose outputs were sent inside the open transaction.
#[derive(Debug, Clone)]
pub struct Member {
    /// Input topic and partition.
    pub tp: TopicPartition,
    /// Input offset.
    pub offset: i64,
    /// Assignment epoch.
    pub epoch: u64,
    /// Input timestamp (ms), for end-to-end latency.
    pub timestamp_ms: Option<i64>,
    /// Record (true) or dead letter (false).
    pub enriched: bool,
}

/// The open transaction (or none).
#[derive(Debug, Default)]
pub struct Transaction {
    /// When it began; `None` when no transaction is open.
    began: Option<Instant>,
    /// Messages whose outputs it holds, in send order.
    members: Vec<Member>,
    /// Per partition, the position (last offset + 1) it commits.
    positions: BTreeMap<TopicPartition, i64>,
    /// Per partition, where to resume after an abort: the position of the last committed
    /// transaction, or the first offset consumed since the partition was assigned.
    resume: BTreeMap<TopicPartition, i64>,
    /// Age of a transaction the rebalance callback could not abort because the producer
    /// had failed fatally; the worker loop reads it with [`failed_age`](Self::failed_age).
    failed_in_callback: Option<Duration>,
}

impl Transaction {
    /// Whether a transaction is open.
    pub fn is_open(&self) -> bool {
        self.began.is_some()
    }

    /// Mark the transaction open (after `begin_transaction` succeeded).
    pub fn begin(&mut self) {
        self.began = Some(Instant::now());
        self.failed_in_callback = None;
    }

    /// Messages in the transaction.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether it holds no message.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Time since it began.
    pub fn age(&self) -> Duration {
        self.began.map(|b| b.elapsed()).unwrap_or_default()
    }

    /// The producer failed fatally while the rebalance callback aborted this transaction:
    /// remember its age, then close it.
    pub fn abort_failed_fatally(&mut self) -> Vec<Member> {
        self.failed_in_callback = Some(self.age());
        self.reset()
    }

    /// Age of the transaction a fatal producer error hit: the open one, or the one the
    /// rebalance callback could not abort.
    pub fn failed_age(&mut self) -> Duration {
        let abandoned = self.failed_in_callback.take().unwrap_or_default();
        self.age().max(abandoned)
    }

    /// Record a message whose outputs were sent in this transaction. Messages of a
    /// partition arrive in offset order, so the position is the last offset + 1.
    pub fn add(&mut self, member: Member) {
        self.positions.insert(member.tp.clone(), member.offset + 1);
        self.members.push(member);
    }

    /// Positions to send with the transaction.
    pub fn positions(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.positions
    }

    /// Note a consumed offset: the first one after an assignment is where an abort
    /// rewinds to until a transaction commits.
    pub fn consumed(&mut self, tp: &TopicPartition, offset: i64) {
        if !self.resume.contains_key(tp) {
            self.resume.insert(tp.clone(), offset);
        }
    }

    /// The transaction committed: later aborts rewind to its positions. Returns members.
    pub fn committed(&mut self) -> Vec<Member> {
        for (tp, pos) in &self.positions {
            self.resume.insert(tp.clone(), *pos);
        }
        self.reset()
    }

    /// Where to rewind each partition after an abort.
    pub fn resume_points(&self) -> Vec<(TopicPartition, i64)> {
        self.resume.iter().map(|(tp, o)| (tp.clone(), *o)).collect()
    }

    /// Partitions were revoked: forget resume points (the next owner starts from the
    /// group's committed offsets).
    pub fn forget_partitions(&mut self) {
        self.resume.clear();
    }

    /// Close the transaction (aborted, or after [`committed`](Self::committed)),
    /// returning its members.
    pub fn reset(&mut self) -> Vec<Member> {
        self.began = None;
        self.positions.clear();
        std::mem::take(&mut self.members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(p: i32, offset: i64) -> Member {
        Member {
            tp: ("in".into(), p),
            offset,
            epoch: 1,
            timestamp_ms: None,
            enriched: true,
        }
    }

    #[test]
    fn positions_and_resume_points_follow_commits() {
        let mut t = Transaction::default();
        let tp = ("in".to_string(), 0);
        t.consumed(&tp, 5);
        t.consumed(&tp, 6);
        assert_eq!(
            t.resume_points(),
            vec![(tp.clone(), 5)],
            "before any commit: first consumed"
        );
        t.begin();
        t.add(member(0, 5));
        t.add(member(0, 6));
        assert_eq!(t.positions()[&tp], 7);
        assert_eq!(t.committed().len(), 2);
        assert!(!t.is_open());
        assert_eq!(t.resume_points(), vec![(tp.clone(), 7)]);
        t.begin();
        t.add(member(0, 7));
        assert_eq!(t.reset().len(), 1, "abort returns members");
        assert_eq!(
            t.resume_points(),
            vec![(tp, 7)],
            "an abort does not move the resume point"
        );
        t.forget_partitions();
        assert!(t.resume_points().is_empty());
    }

    #[test]
    fn failed_age_is_the_open_transactions_or_the_one_the_callback_could_not_abort() {
        let mut t = Transaction::default();
        assert_eq!(t.failed_age(), Duration::ZERO, "nothing open");
        t.begin();
        std::thread::sleep(Duration::from_millis(20));
        assert!(t.failed_age() >= Duration::from_millis(20));
        t.add(member(0, 1));
        assert_eq!(t.abort_failed_fatally().len(), 1);
        assert!(!t.is_open());
        let age = t.failed_age();
        assert!(
            age >= Duration::from_millis(20),
            "kept after the reset: {age:?}"
        );
        assert_eq!(t.failed_age(), Duration::ZERO, "read once");
        t.begin();
        t.reset();
        assert_eq!(t.failed_age(), Duration::ZERO);
    }
}
