//! Report benchmark: `./x bench` (or `cargo bench -p shopcue-collector --bench report`). Fills a
//! fresh SQLite file and a throwaway PostgreSQL cluster with `SHOPCUE_BENCH_EVENTS` events
//! (default 10,000,000: 20 % exposures over 20 scenarios × 2 variants, 5 % purchases, 35 %
//! impressions, the rest product views, 1,000,000 visitors in 3,000,000 sessions, 30 days)
//! generated inside the database, builds the rollups from them, and times a 30-day report
//! (`report` + `daily`, as `/report` runs them) and its sessions (by segment and by day, which
//! `/report` also reads: the whole days from their rollup, the period's two partial ends session
//! by session) — the median of five, after one warm-up.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use shopcue_collector::analytics;
use shopcue_collector::pg::PgStore;
use shopcue_collector::sqlite::SqliteStore;
use shopcue_collector::store::{EventStore, ReportQuery};

/// The generated events, as a `SELECT` over `g` (1‥N) and `$start` (Unix ms).
const EVENTS: &str = "
  'b' || g, 'bench',
  CASE WHEN g % 20 < 4 THEN 'shopcue_exposure' WHEN g % 20 = 4 THEN 'purchase'
       WHEN g % 20 < 12 THEN 'shopcue_impression' ELSE 'view_item' END,
  START + (g * 7919) % 2592000000, 'v' || ((g * 7) % 1000000), 'v' || ((g * 7) % 1000000) || '-' || (g % 3), '/p',
  CASE WHEN g % 20 < 4 OR (g % 20 > 4 AND g % 20 < 12) THEN 's' || ((g / 20) % 20) END,
  CASE WHEN g % 20 < 4 OR (g % 20 > 4 AND g % 20 < 12) THEN CASE WHEN (g / 3) % 10 = 0 THEN 'holdout' ELSE 'a' END END,
  '{}', START";

fn main() {
    let n: i64 = std::env::var("SHOPCUE_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let start = common::now_ms() - 31 * common::DAY;
    let query = ReportQuery {
        site: "bench".into(),
        from: start,
        to: start + 31 * common::DAY,
        window_ms: 7 * common::DAY,
        segment: Default::default(),
    };
    println!("collector report over {n} events, 30 days, 20 scenarios × 2 variants (rollups; median of 5)");
    println!(
        "  {:<12} {:>12} {:>12} {:>10} {:>8} {:>12} {:>10}",
        "database", "fill s", "rollups s", "report ms", "rows", "sessions ms", "sessions"
    );

    let dir = common::temp_dir("report-bench");
    let sqlite = SqliteStore::open(&dir.0.join("report.sqlite")).unwrap();
    let fill = Instant::now();
    {
        let c = rusqlite::Connection::open(dir.0.join("report.sqlite")).unwrap();
        c.execute_batch(&format!(
            "BEGIN; WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n})
             INSERT INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at)
             SELECT {} FROM s; COMMIT;",
            EVENTS.replace("START", &start.to_string())
        ))
        .unwrap();
    }
    let fill = fill.elapsed();
    let build = Instant::now();
    sqlite.rebuild_rollups().unwrap();
    print_row("SQLite", fill, build.elapsed(), &sqlite, &query);

    let pg = common::Postgres::start();
    let store = PgStore::open(&pg.url).unwrap();
    let fill = Instant::now();
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.batch_execute(&format!(
        "INSERT INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at)
         SELECT {} FROM generate_series(1::int8, {n}::int8) AS g; ANALYZE events;",
        EVENTS.replace("START", &format!("{start}::int8"))
    ))
    .unwrap();
    let fill = fill.elapsed();
    let build = Instant::now();
    store.rebuild_rollups().unwrap();
    // Autovacuum would have set the visibility map that lets the visits be counted in their index alone.
    c.batch_execute("ANALYZE exposures; ANALYZE rollup_daily; ANALYZE session_daily;").unwrap();
    c.batch_execute("VACUUM ANALYZE sessions").unwrap();
    print_row("PostgreSQL", fill, build.elapsed(), &store, &query);
}

fn print_row(label: &str, fill: Duration, build: Duration, store: &dyn EventStore, q: &ReportQuery) {
    let mut runs: Vec<f64> = (0..6)
        .map(|_| {
            let t = Instant::now();
            let rows = store.report(q).unwrap();
            let days = store.daily(q).unwrap();
            assert!(!rows.is_empty() && !days.is_empty(), "the report has figures");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .skip(1)
        .collect();
    runs.sort_by(f64::total_cmp);
    let rows = store.report(q).unwrap().len();
    let (site, pattern) = (q.site.as_str(), &q.segment);
    let mut visits = 0;
    let mut session_runs: Vec<f64> = (0..6)
        .map(|_| {
            let t = Instant::now();
            let analytics::Sessions { by_segment, by_day } =
                analytics::load_sessions(store, site, q.from, q.to, pattern).unwrap();
            visits = by_segment.iter().map(|(_, n)| n).sum::<u64>();
            assert_eq!(visits, by_day.iter().map(|(_, n)| n).sum::<u64>(), "the days add up to the period");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .skip(1)
        .collect();
    session_runs.sort_by(f64::total_cmp);
    println!(
        "  {label:<12} {:>12.1} {:>12.1} {:>10.1} {rows:>8} {:>12.1} {visits:>10}",
        fill.as_secs_f64(),
        build.as_secs_f64(),
        runs[2],
        session_runs[2]
    );
}
