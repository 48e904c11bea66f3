//! The outbox state machine against a simple model, under random pushes, flushes, HTTP statuses
//! and clock jumps: order is kept, nothing delivered or dropped ever comes back, what a 2xx
//! acknowledged is gone, bodies fit a beacon, the queue is bounded, retries are bounded in time.

use std::collections::HashSet;

use proptest::prelude::*;
use shopcue::json::{parse, Value};
use shopcue::outbox::{Entry, Flush, Outbox, Outcome, MAX_BACKOFF_MS, MAX_BODY_BYTES, MAX_ENTRIES};

#[derive(Debug, Clone)]
enum Op {
    Push(usize),
    Timer,
    Unload,
    Settle(u16, Option<i64>),
    Advance(i64),
    Unblock,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1usize..40).prop_map(Op::Push),
        3 => Just(Op::Timer),
        1 => Just(Op::Unload),
        3 => (prop::sample::select(vec![200u16, 202, 204, 0, 408, 413, 429, 500, 501, 503, 400, 404]),
              prop::option::of(0i64..400_000)).prop_map(|(s, r)| Op::Settle(s, r)),
        2 => (0i64..120_000).prop_map(Op::Advance),
        1 => Just(Op::Unblock),
    ]
}

fn ids_in(body: &str) -> Vec<u64> {
    let v = parse(body).expect("batch bodies are JSON");
    v.get("events")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|e| e.get("n").and_then(Value::as_f64).unwrap() as u64)
        .collect()
}

fn queued(o: &Outbox) -> Vec<u64> {
    o.ids().map(|id| id.parse().unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn outbox_keeps_its_promises(ops in prop::collection::vec(op(), 1..120)) {
        let mut o = Outbox::default();
        let mut now = 1_000_000i64;
        let mut next_id = 0u64;
        let mut gone: HashSet<u64> = HashSet::new();
        let mut in_flight: Option<(u32, Vec<u64>)> = None;
        for op in ops {
            let before: Vec<u64> = queued(&o);
            match op {
                Op::Push(n) => {
                    for _ in 0..n {
                        let pad = "x".repeat((next_id % 7) as usize * 900);
                        o.push(Entry { id: next_id.to_string(), at: now, json: format!(r#"{{"n":{next_id},"pad":"{pad}"}}"#) });
                        next_id += 1;
                    }
                }
                Op::Timer | Op::Unload => {
                    let flush = if matches!(op, Op::Timer) { Flush::Timer } else { Flush::Unload };
                    if let Some(b) = o.next_batch(now, flush, "\"v\":1") {
                        let ids = ids_in(&b.body);
                        prop_assert_eq!(ids.len(), b.count);
                        prop_assert!(b.count == 1 || b.body.len() <= MAX_BODY_BYTES, "{} bytes", b.body.len());
                        prop_assert_eq!(&ids[..], &before[..ids.len()], "a batch is the head of the queue, in order");
                        in_flight = Some((b.seq, ids));
                    }
                }
                Op::Settle(status, retry) => {
                    if let Some((seq, ids)) = in_flight.take() {
                        let outcome = Outcome::from_status(status, retry);
                        o.settle(seq, outcome, now, 0.37);
                        let after = queued(&o);
                        if outcome == Outcome::Delivered {
                            prop_assert!(ids.iter().all(|id| !after.contains(id)), "acknowledged events leave the queue");
                        }
                    }
                }
                Op::Advance(ms) => now += ms,
                Op::Unblock => o.unblock(),
            }
            let after = queued(&o);
            prop_assert!(after.len() <= MAX_ENTRIES);
            prop_assert!(after.windows(2).all(|w| w[0] < w[1]), "order is kept");
            for id in &before {
                if !after.contains(id) {
                    gone.insert(*id);
                }
            }
            prop_assert!(after.iter().all(|id| !gone.contains(id)), "nothing comes back once gone");
            if let Some(due) = o.next_due() {
                prop_assert!(due - now <= 5 * MAX_BACKOFF_MS, "retries are bounded in time: {}", due - now);
            }
        }
    }
}
