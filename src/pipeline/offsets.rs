//! Which input offsets may be committed.
//!
//! Messages finish out of order (enrichment runs on a pool, deliveries are acknowledged
//! asynchronously), but an offset may be committed only when it and every earlier offset
//! of its partition are done. The tracker keeps, per assigned partition, the offsets
//! consumed and not yet committed, and answers "how far is it safe to commit" — never
//! past a hole. Each assignment gets a new epoch, so work that finishes after its
//! partition was revoked (and perhaps re-assigned) is recognised as stale and dropped.

use std::collections::{BTreeMap, HashMap};

/// A topic and partition.
pub type TopicPartition = (String, i32);

/// Commit state of one assigned partition.
#[derive(Debug)]
struct PartitionState {
    /// Assignment generation; work tagged with an older epoch is stale.
    epoch: u64,
    /// Offsets consumed and not yet committed, with whether each is done.
    pending: BTreeMap<i64, bool>,
    /// Next offset to commit that is already safe (all before it done), if it advanced.
    safe: Option<i64>,
    /// Last position handed out for commit.
    committed: Option<i64>,
}

/// Offsets consumed, done and committable, per assigned partition.
#[derive(Debug, Default)]
pub struct OffsetTracker {
    /// Assigned partitions.
    partitions: HashMap<TopicPartition, PartitionState>,
    /// Source of epochs.
    next_epoch: u64,
    /// Total pending offsets across partitions (the in-flight count).
    in_flight: usize,
}

impl OffsetTracker {
    /// Start tracking a newly assigned partition; returns its epoch.
    pub fn assign(&mut self, tp: TopicPartition) -> u64 {
        self.next_epoch += 1;
        let epoch = self.next_epoch;
        if let Some(old) = self.partitions.insert(
            tp,
            PartitionState {
                epoch,
                pending: BTreeMap::new(),
                safe: None,
                committed: None,
            },
        ) {
            self.in_flight -= old.pending.len();
        }
        epoch
    }

    /// Stop tracking a revoked partition. Returns the position safe to commit for it
    /// (if it advanced since the last commit) and how many unfinished offsets were dropped.
    pub fn revoke(&mut self, tp: &TopicPartition) -> (Option<i64>, usize) {
        match self.partitions.remove(tp) {
            Some(mut state) => {
                let dropped = state.pending.len();
                self.in_flight -= dropped;
                let position = state.safe.take().filter(|p| Some(*p) != state.committed);
                (position, dropped)
            }
            None => (None, 0),
        }
    }

    /// Record a consumed offset; returns the epoch to tag its work with, or `None` if
    /// the partition is not assigned (the message must not be processed).
    pub fn consumed(&mut self, tp: &TopicPartition, offset: i64) -> Option<u64> {
        let state = self.partitions.get_mut(tp)?;
        if state.pending.insert(offset, false).is_none() {
            self.in_flight += 1;
        }
        Some(state.epoch)
    }

    /// Whether work tagged `epoch` for `tp` is still current.
    pub fn is_current(&self, tp: &TopicPartition, epoch: u64) -> bool {
        self.partitions.get(tp).is_some_and(|s| s.epoch == epoch)
    }

    /// Mark an offset done. Returns false (and changes nothing) if the work is stale.
    pub fn done(&mut self, tp: &TopicPartition, epoch: u64, offset: i64) -> bool {
        let Some(state) = self.partitions.get_mut(tp) else {
            return false;
        };
        if state.epoch != epoch {
            return false;
        }
        match state.pending.get_mut(&offset) {
            Some(flag) if !*flag => *flag = true,
            _ => return false,
        }
        // Advance the safe position over the done prefix.
        while let Some(entry) = state.pending.first_entry() {
            if !*entry.get() {
                break;
            }
            let (off, _) = entry.remove_entry();
            self.in_flight -= 1;
            state.safe = Some(off + 1);
        }
        true
    }

    /// Positions (next offset to read) that advanced since they were last returned.
    /// The caller commits them; they are not returned again.
    pub fn take_commits(&mut self) -> Vec<(TopicPartition, i64)> {
        let mut out = Vec::new();
        for (tp, state) in &mut self.partitions {
            if let Some(pos) = state.safe {
                if state.committed != Some(pos) {
                    state.committed = Some(pos);
                    out.push((tp.clone(), pos));
                }
            }
        }
        out.sort();
        out
    }

    /// Positions safe to commit for every assigned partition, without marking them taken
    /// (used by transactions, which commit or abort as a whole).
    pub fn safe_positions(&self) -> Vec<(TopicPartition, i64)> {
        let mut out: Vec<_> = self
            .partitions
            .iter()
            .filter_map(|(tp, s)| s.safe.map(|p| (tp.clone(), p)))
            .collect();
        out.sort();
        out
    }

    /// Give every assigned partition a new epoch and forget its unfinished offsets (after
    /// an aborted transaction, when consumption rewinds). Returns how many were dropped.
    pub fn restart_all(&mut self) -> usize {
        let dropped = self.in_flight;
        let partitions: Vec<TopicPartition> = self.partitions.keys().cloned().collect();
        for tp in partitions {
            self.assign(tp);
        }
        dropped
    }

    /// Messages consumed and not yet done, over all assigned partitions.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Assigned partitions.
    pub fn assigned(&self) -> usize {
        self.partitions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> TopicPartition {
        ("in".to_string(), p)
    }

    #[test]
    fn never_commits_past_a_hole() {
        let mut t = OffsetTracker::default();
        let e = t.assign(tp(0));
        for off in 10..15 {
            assert_eq!(t.consumed(&tp(0), off), Some(e));
        }
        assert!(t.done(&tp(0), e, 12));
        assert!(t.done(&tp(0), e, 13));
        assert!(t.take_commits().is_empty(), "10 and 11 are not done");
        assert!(t.done(&tp(0), e, 10));
        assert_eq!(t.take_commits(), vec![(tp(0), 11)]);
        assert!(
            t.take_commits().is_empty(),
            "same position is not returned twice"
        );
        assert!(t.done(&tp(0), e, 11));
        assert_eq!(t.take_commits(), vec![(tp(0), 14)]);
        assert_eq!(t.in_flight(), 1);
        assert!(t.done(&tp(0), e, 14));
        assert_eq!(t.take_commits(), vec![(tp(0), 15)]);
        assert_eq!(t.in_flight(), 0);
    }

    #[test]
    fn partitions_are_independent() {
        let mut t = OffsetTracker::default();
        let a = t.assign(tp(0));
        let b = t.assign(tp(1));
        t.consumed(&tp(0), 0);
        t.consumed(&tp(1), 0);
        t.consumed(&tp(1), 1);
        assert!(t.done(&tp(1), b, 0));
        assert_eq!(t.take_commits(), vec![(tp(1), 1)]);
        assert!(t.done(&tp(0), a, 0));
        assert_eq!(t.take_commits(), vec![(tp(0), 1)]);
    }

    #[test]
    fn revoke_returns_safe_position_and_drops_the_rest() {
        let mut t = OffsetTracker::default();
        let e = t.assign(tp(0));
        for off in 0..4 {
            t.consumed(&tp(0), off);
        }
        t.done(&tp(0), e, 0);
        t.done(&tp(0), e, 2);
        assert_eq!(t.revoke(&tp(0)), (Some(1), 3));
        assert_eq!(t.in_flight(), 0);
        assert!(!t.done(&tp(0), e, 1), "stale work after revoke");
        assert_eq!(t.consumed(&tp(0), 5), None, "unassigned partition");
        let e2 = t.assign(tp(0));
        assert_ne!(e, e2);
        t.consumed(&tp(0), 1);
        assert!(!t.done(&tp(0), e, 1), "old epoch after re-assign is stale");
        assert!(t.is_current(&tp(0), e2));
        assert!(t.done(&tp(0), e2, 1));
    }

    #[test]
    fn restart_all_makes_old_work_stale() {
        let mut t = OffsetTracker::default();
        let e = t.assign(tp(0));
        t.consumed(&tp(0), 1);
        t.consumed(&tp(0), 2);
        assert_eq!(t.restart_all(), 2);
        assert_eq!(t.in_flight(), 0);
        assert!(!t.done(&tp(0), e, 1));
        assert_eq!(t.assigned(), 1);
    }

    #[test]
    fn done_twice_or_unknown_offset_is_ignored() {
        let mut t = OffsetTracker::default();
        let e = t.assign(tp(0));
        t.consumed(&tp(0), 3);
        assert!(t.done(&tp(0), e, 3));
        assert!(!t.done(&tp(0), e, 3));
        assert!(!t.done(&tp(0), e, 99));
        assert_eq!(t.in_flight(), 0);
    }
}
