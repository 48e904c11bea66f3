//! The PostgreSQL store, for collectors that scale out: any number of stateless collector
//! processes behind a load balancer write to one database. A group of batches is one
//! `INSERT … SELECT FROM unnest(…) ON CONFLICT (site, id) DO NOTHING` in one transaction (one
//! round trip however many events), so the dedup by event id within a site holds across every
//! collector. A lost
//! connection is re-opened on the next request; meanwhile requests answer 503 and clients retry.
//!
//! Connections are plain TCP or a Unix socket (`postgres://user@%2Frun%2Fpostgresql/db`); for
//! TLS to a remote database put a local pooler (PgBouncer) or a tunnel in front.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};

use crate::configs::{self, AuditEntry, ConfigStore, NewVersion, Published, Version};

use crate::report::Row;
use crate::rollup::{self, Rollup};
use crate::store::{Day, EventStore, Incoming, ReportQuery, Sql, Written};

/// The PostgreSQL store: one connection for the group-commit writer, one for reports.
pub struct PgStore {
    config: Config,
    writer: Mutex<Option<Connection>>,
    reader: Mutex<Option<Connection>>,
}

/// A connection, with the write path's statements once they are prepared on it.
struct Connection {
    client: Client,
    prepared: Option<Prepared>,
}

impl std::ops::Deref for Connection {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// [`STATEMENTS`] prepared on one connection: planned once there, not for every group commit
/// (`cargo bench -p shopcue-collector --bench load`: about 10,000 events/s when every group
/// commit planned its insert again, about 16,000 prepared).
#[derive(Clone)]
struct Prepared {
    insert: Statement,
    daily: Statement,
    exposures: Statement,
    exposures_of: Statement,
    conversions_of: Statement,
    cohort: Statement,
    conversions: Statement,
}

impl Connection {
    /// The write path's statements on this connection, prepared the first time.
    fn prepared(&mut self) -> Result<Prepared, postgres::Error> {
        if let Some(p) = &self.prepared {
            return Ok(p.clone());
        }
        let (sql, c) = (&*STATEMENTS, &mut self.client);
        let p = Prepared {
            insert: c.prepare(&sql.insert)?,
            daily: c.prepare(&sql.daily)?,
            exposures: c.prepare(&sql.exposures)?,
            exposures_of: c.prepare(&sql.exposures_of)?,
            conversions_of: c.prepare(&sql.conversions_of)?,
            cohort: c.prepare(&sql.cohort)?,
            conversions: c.prepare(&sql.conversions)?,
        };
        self.prepared = Some(p.clone());
        Ok(p)
    }
}

/// Created by the first collector to start; concurrent starts serialise on an advisory lock.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  id          TEXT NOT NULL,
  site        TEXT NOT NULL,
  name        TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  visitor_id  TEXT NOT NULL,
  session_id  TEXT NOT NULL,
  url         TEXT NOT NULL,
  scenario_id TEXT,
  variant     TEXT,
  json        TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  segment     TEXT NOT NULL DEFAULT 'unknown:unknown',
  PRIMARY KEY (site, id)
);
-- Segments (device class, new vs returning) came later: older events are unknown in both, and
-- rollups without them are dropped here and rebuilt.
ALTER TABLE events ADD COLUMN IF NOT EXISTS segment TEXT NOT NULL DEFAULT 'unknown:unknown';
DO $$ BEGIN
  IF to_regclass('rollup_daily') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'rollup_daily' AND column_name = 'segment') THEN
    DROP TABLE IF EXISTS rollup_daily, exposures, exposure_daily, conversion_daily;
  END IF;
END $$;
-- Goals (the event that converts a scenario's visitors) came later: cohorts without them are
-- dropped here, and every rollup is rebuilt with them.
DO $$ BEGIN
  IF to_regclass('exposures') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'exposures' AND column_name = 'goal') THEN
    DROP TABLE IF EXISTS exposures, exposure_daily, conversion_daily;
  END IF;
END $$;
-- Event ids were once unique across all sites (an id sent first under another site dropped the
-- real one); they are unique per site now.
DO $$ BEGIN
  IF (SELECT count(*) FROM information_schema.key_column_usage
      WHERE table_schema = current_schema() AND table_name = 'events' AND constraint_name = 'events_pkey') = 1 THEN
    ALTER TABLE events DROP CONSTRAINT events_pkey;
    ALTER TABLE events ADD PRIMARY KEY (site, id);
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS events_site_name_ts ON events(site, name, ts);
CREATE INDEX IF NOT EXISTS events_visitor ON events(site, visitor_id, name, ts);
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;";

/// The events, and the visits of those that are new (their earliest event per visit, sorted so
/// that concurrent collectors lock rows in one order) with what they change by day
/// ([`rollup::UPSERT_SESSIONS`], then [`rollup::session_deltas`]' rule in SQL), in one
/// statement: most groups hold only page and product views, which change no other rollup, and
/// a second round trip for the visits had cost a sixth of the load benchmark's throughput. It
/// returns each new event (`false`, site, id), then each visitor one of whose new events is the
/// goal of one of their exposures (`true`, site, visitor): [`rollup::IS_GOAL`]'s question, asked
/// here for the same reason, once per visitor and event name.
const INSERT_SQL: &str = "
WITH new AS (
  INSERT INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at, segment)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::int8[], $12::text[])
  ON CONFLICT (site, id) DO NOTHING
  RETURNING site, id, session_id, ts, segment, name, visitor_id),
changed AS ({SESSIONS}),
deltas AS (
  SELECT site, first_ts / 86400000 AS day, segment, 1 AS n FROM changed
  UNION ALL
  SELECT site, prev_ts / 86400000, prev_segment, -1 FROM changed WHERE prev_ts IS NOT NULL),
daily AS ({DAILY}),
candidates AS (SELECT DISTINCT site, visitor_id, name FROM new WHERE left(name, 8) <> 'shopcue_')
SELECT false, site, id FROM new
UNION ALL
SELECT DISTINCT true, site, visitor_id FROM candidates c
WHERE EXISTS (SELECT 1 FROM exposures x WHERE x.site = c.site AND x.visitor_id = c.visitor_id
              AND (x.goal = c.name OR c.name = 'page_view' AND left(x.goal, 1) = '/'))";

/// A rollup statement in PostgreSQL's dialect.
fn dialect(sql: &str) -> String {
    sql.replace("{C}", "COLLATE \"C\"")
        .replace("{I}", "::int8")
        .replace("{INT}", "BIGINT")
        .replace("{TABLE}", "")
        .replace("{DATE}", "to_char(to_timestamp(day * 86400) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
        .replace("{EVENTS_BY_VISITOR}", "")
        .replace("{EXPOSURES_BY_VISITOR}", "")
        .replace("{GOALS}", "string_agg(DISTINCT goal, ',')")
        .replace("{GOAL_OF_JSON}", "(json::jsonb #>> '{params,goal}')")
}

/// An upsert of [`crate::rollup`] whose rows are column arrays of these types (a group's
/// deltas in one round trip; their keys sorted, so that concurrent collectors take row locks in
/// the same order).
fn upsert(sql: &str, types: &[&str]) -> String {
    let columns: Vec<String> = types.iter().enumerate().map(|(i, t)| format!("${}::{t}[]", i + 1)).collect();
    dialect(&sql.replace("{ROWS}", &format!("SELECT * FROM unnest({})", columns.join(", "))))
}

/// The write path's statements, in this dialect once (every group commit runs them), prepared on
/// each connection ([`Prepared`]).
struct Statements {
    /// [`INSERT_SQL`] with the visits' upserts.
    insert: String,
    daily: String,
    exposures: String,
    /// The `exposures` rows of some (site, visitor) pairs (read before and after a write).
    exposures_of: String,
    conversions_of: String,
    cohort: String,
    conversions: String,
}

static STATEMENTS: LazyLock<Statements> = LazyLock::new(|| Statements {
    insert: dialect(
        &INSERT_SQL
            .replace(
                "{SESSIONS}",
                &rollup::UPSERT_SESSIONS.replace(
                    "{ROWS}",
                    "SELECT DISTINCT ON (site, session_id) site, session_id, ts, segment FROM new WHERE session_id <> ''
  ORDER BY site, session_id, ts, segment {C}",
                ),
            )
            .replace(
                "{DAILY}",
                &rollup::UPSERT_SESSION_DAILY.replace(
                    "{ROWS}",
                    "SELECT site, day, segment, sum(n) FROM deltas GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
                ),
            ),
    ),
    daily: upsert(rollup::UPSERT_DAILY, &["text", "int8", "text", "text", "text", "int8", "int8", "int8", "int8"]),
    exposures: upsert(rollup::UPSERT_EXPOSURES, &["text", "text", "text", "text", "int8", "text", "text"]),
    exposures_of: format!(
        "{} WHERE (site, visitor_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        rollup::SELECT_EXPOSURES
    ),
    conversions_of: dialect(&format!(
        "UPDATE exposures {} WHERE (site, visitor_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        rollup::SET_CONVERSION
    )),
    cohort: upsert(rollup::UPSERT_COHORT, &["text", "text", "text", "text", "text", "int8", "int8"]),
    conversions: upsert(rollup::UPSERT_CONVERSIONS, &["text", "text", "text", "text", "text", "int8", "int8", "int8"]),
});

/// Rebuilds the rollups from the events, inside `tx`.
fn backfill(tx: &mut postgres::Transaction<'_>) -> Result<(), postgres::Error> {
    rollup::rebuild_steps().try_for_each(|step| tx.batch_execute(&dialect(step)))
}

/// A transaction [`begin_locked`] began (not a `Transaction`, whose `BEGIN` would have been a
/// round trip of its own), rolled back when dropped before it `ended`: after an error, or a
/// panic, the connection is left outside it.
struct Open<'a> {
    client: &'a mut Client,
    ended: bool,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

/// A write group's events and rollups, inside the transaction [`begin_locked`] began: which of
/// its events were new.
fn write_group(
    tx: &mut Client,
    sql: &Prepared,
    cols: &Columns<'_>,
    batches: &[Incoming],
    n: usize,
) -> Result<Vec<bool>, postgres::Error> {
    let rows = tx.query(
        &sql.insert,
        &[
            &cols.ids,
            &cols.sites,
            &cols.names,
            &cols.ts,
            &cols.visitors,
            &cols.sessions,
            &cols.urls,
            &cols.scenarios,
            &cols.variants,
            &cols.jsons,
            &cols.received,
            &cols.segments,
        ],
    )?;
    // An id is new for the first batch (and the first time within it) that carried it; a
    // visitor one of whose new events is a goal of their exposures is recomputed.
    let mut rollup = Rollup::default();
    let mut unclaimed = HashSet::new();
    for r in &rows {
        let key = (r.get::<_, String>(1), r.get::<_, String>(2));
        if r.get::<_, bool>(0) {
            rollup.visitors.insert(key);
        } else {
            unclaimed.insert(key);
        }
    }
    let mut claimed = Vec::with_capacity(n);
    for e in batches.iter().flat_map(|b| &b.events) {
        let new = unclaimed.remove(&(e.site.clone(), e.id.clone()));
        if new {
            rollup.add(e);
        }
        claimed.push(new);
    }
    apply(tx, &rollup, sql)?;
    Ok(claimed)
}

/// Adds `r` to the rollups, inside the events' transaction.
fn apply(tx: &mut Client, r: &Rollup, sql: &Prepared) -> Result<(), postgres::Error> {
    if !r.daily.is_empty() {
        let mut text: [Vec<&str>; 4] = Default::default();
        let mut days = Vec::with_capacity(r.daily.len());
        let mut counts: [Vec<i64>; 4] = Default::default();
        for ((site, day, sc, v, segment), n) in &r.daily {
            for (column, value) in text.iter_mut().zip([site, sc, v, segment]) {
                column.push(value);
            }
            days.push(*day);
            (0..4).for_each(|i| counts[i].push(n[i]));
        }
        let ([sites, scenarios, variants, segments], [imp, clk, dis, buy]) = (&text, &counts);
        tx.execute(&sql.daily, &[sites, &days, scenarios, variants, segments, imp, clk, dis, buy])?;
    }
    // The touched visitors' cohorts before and after: their difference updates the daily ones.
    let (sites, visitors): (Vec<&str>, Vec<&str>) = r.visitors.iter().map(|(s, v)| (s.as_str(), v.as_str())).unzip();
    let before = if sites.is_empty() { Vec::new() } else { exposures_of(tx, sql, &sites, &visitors)? };
    if !r.exposures.is_empty() {
        let mut text: [Vec<&str>; 4] = Default::default();
        let mut first_ts = Vec::with_capacity(r.exposures.len());
        let (mut segments, mut goals) = (Vec::with_capacity(r.exposures.len()), Vec::with_capacity(r.exposures.len()));
        for ((site, sc, v, visitor), (first, segment, goal)) in &r.exposures {
            for (column, value) in text.iter_mut().zip([site, sc, v, visitor]) {
                column.push(value);
            }
            first_ts.push(*first);
            segments.push(segment.as_str());
            goals.push(goal.as_str());
        }
        let [sites, scenarios, variants, visitors] = &text;
        tx.execute(&sql.exposures, &[sites, scenarios, variants, visitors, &first_ts, &segments, &goals])?;
    }
    if r.visitors.is_empty() {
        return Ok(());
    }
    tx.execute(&sql.conversions_of, &[&sites, &visitors])?;
    let after = exposures_of(tx, sql, &sites, &visitors)?;
    let (cohorts, conversions) = rollup::cohort_deltas(&before, &after);
    if !cohorts.is_empty() {
        let mut text: [Vec<&str>; 5] = Default::default();
        let (mut days, mut counts) = (Vec::new(), Vec::new());
        for ((site, sc, v, segment, goal, day), n) in &cohorts {
            for (column, value) in text.iter_mut().zip([site, sc, v, segment, goal]) {
                column.push(value);
            }
            days.push(*day);
            counts.push(*n);
        }
        let [s, sc, v, segment, goal] = &text;
        tx.execute(&sql.cohort, &[s, sc, v, segment, goal, &days, &counts])?;
    }
    if !conversions.is_empty() {
        let mut text: [Vec<&str>; 5] = Default::default();
        let (mut days, mut delays, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        for (((site, sc, v, segment, goal, day), delay), n) in &conversions {
            for (column, value) in text.iter_mut().zip([site, sc, v, segment, goal]) {
                column.push(value);
            }
            days.push(*day);
            delays.push(*delay);
            counts.push(*n);
        }
        let [s, sc, v, segment, goal] = &text;
        tx.execute(&sql.conversions, &[s, sc, v, segment, goal, &days, &delays, &counts])?;
    }
    Ok(())
}

/// The `exposures` rows of these (site, visitor) pairs.
fn exposures_of(
    tx: &mut Client,
    sql: &Prepared,
    sites: &[&str],
    visitors: &[&str],
) -> Result<Vec<rollup::ExposureRow>, postgres::Error> {
    let rows = tx.query(&sql.exposures_of, &[&sites, &visitors])?;
    Ok(rows
        .iter()
        .map(|r| rollup::ExposureRow {
            key: (r.get(0), r.get(1), r.get(2), r.get(3)),
            first: r.get(4),
            converted: r.get(5),
            segment: r.get(6),
            goal: r.get(7),
        })
        .collect())
}

/// The advisory lock a write takes on each of its visitors (FNV-1a of site, NUL, visitor): while
/// one collector writes a visitor's events, another waits to write that visitor's, so that each
/// sees the other's committed rows. Without it, a goal event (or a purchase) written beside the
/// visitor's first exposure by another collector could be missed by both: the event's write saw
/// no exposure that has it as its goal, and the exposure's write saw no such event.
///
/// ```
/// use shopcue_collector::pg::visitor_lock_key;
/// assert_eq!(visitor_lock_key("demo", "v"), visitor_lock_key("demo", "v"));
/// assert_ne!(visitor_lock_key("demo", "v"), visitor_lock_key("demov", ""));
/// ```
pub fn visitor_lock_key(site: &str, visitor: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in site.bytes().chain([0]).chain(visitor.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Begins a write's transaction and takes [`visitor_lock_key`]'s locks on its visitors, held
/// until it ends, in one round trip (a statement of their own had cost a sixth of the load
/// benchmark's throughput). `keys` sorted, so that two writes never wait for each other's.
fn begin_locked(keys: &[i64]) -> String {
    let keys: Vec<String> = keys.iter().map(i64::to_string).collect();
    format!("BEGIN; SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[{}]::int8[]) AS t(k)", keys.join(","))
}

/// `true` for the URLs this store takes (`postgres://…`, `postgresql://…`).
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl PgStore {
    /// Connects to `url` and creates the table if needed. Blocking: call it outside an async
    /// runtime (or in `spawn_blocking`).
    pub fn open(url: &str) -> Result<PgStore, String> {
        let mut config: Config = url.parse().map_err(|e| format!("bad PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("shopcue-collector");
        }
        let store = PgStore { config, writer: Mutex::new(None), reader: Mutex::new(None) };
        // Created by the first collector to start; concurrent starts serialise on a lock. A
        // database written before rollups existed gets them built.
        store.with(&store.writer, |c| {
            let mut tx = c.transaction()?;
            tx.batch_execute("SELECT pg_advisory_xact_lock(7421000001)")?;
            tx.batch_execute(SCHEMA)?;
            let table = |tx: &mut postgres::Transaction<'_>, name: &str| {
                tx.query_one("SELECT to_regclass($1) IS NOT NULL", &[&name]).map(|r| r.get::<_, bool>(0))
            };
            let (has_rollups, has_sessions) = (table(&mut tx, "exposures")?, table(&mut tx, "sessions")?);
            tx.batch_execute(&dialect(rollup::SCHEMA))?;
            tx.batch_execute(&dialect(configs::SCHEMA))?;
            tx.batch_execute(crate::goal::PG_PAGE_MATCHES)?;
            if !has_rollups {
                backfill(&mut tx)?;
            } else if !has_sessions {
                // Visits were counted later than the other rollups: only theirs are built.
                rollup::BACKFILL_SESSIONS.iter().try_for_each(|step| tx.batch_execute(&dialect(step)))?;
            }
            tx.commit()
        })?;
        Ok(store)
    }

    /// Rebuilds the rollups from the events, in one transaction (what opening a database
    /// written before rollups does; incremental upkeep must always agree with it).
    pub fn rebuild_rollups(&self) -> Result<(), String> {
        self.with(&self.writer, |c| {
            let mut tx = c.transaction()?;
            backfill(&mut tx)?;
            tx.commit()
        })
    }

    /// Runs `f` on the connection in `slot`, connecting first when there is none or it broke.
    fn with<T>(
        &self,
        slot: &Mutex<Option<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        let mut guard: MutexGuard<'_, Option<Connection>> = slot.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_none_or(|c| c.is_closed()) {
            let client = self.config.connect(NoTls).map_err(|e| format!("PostgreSQL: {e}"))?;
            *guard = Some(Connection { client, prepared: None });
        }
        let client = guard.as_mut().expect("connected above");
        let result = f(client);
        if result.is_err() && client.is_closed() {
            *guard = None;
        }
        result.map_err(|e| format!("PostgreSQL: {e}"))
    }
}

/// The insert's column arrays (`unnest` takes one array per column), filled in one pass.
struct Columns<'a> {
    ids: Vec<&'a str>,
    sites: Vec<&'a str>,
    names: Vec<&'a str>,
    ts: Vec<i64>,
    visitors: Vec<&'a str>,
    sessions: Vec<&'a str>,
    urls: Vec<&'a str>,
    scenarios: Vec<Option<&'a str>>,
    variants: Vec<Option<&'a str>>,
    jsons: Vec<&'a str>,
    received: Vec<i64>,
    segments: Vec<String>,
}

impl<'a> Columns<'a> {
    fn with_capacity(n: usize) -> Self {
        Columns {
            ids: Vec::with_capacity(n),
            sites: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            visitors: Vec::with_capacity(n),
            sessions: Vec::with_capacity(n),
            urls: Vec::with_capacity(n),
            scenarios: Vec::with_capacity(n),
            variants: Vec::with_capacity(n),
            jsons: Vec::with_capacity(n),
            received: Vec::with_capacity(n),
            segments: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, e: &'a crate::batch::StoredEvent, received_at: i64) {
        self.ids.push(&e.id);
        self.sites.push(&e.site);
        self.names.push(&e.name);
        self.ts.push(e.ts);
        self.visitors.push(&e.visitor_id);
        self.sessions.push(&e.session_id);
        self.urls.push(&e.url);
        self.scenarios.push(e.scenario_id.as_deref());
        self.variants.push(e.variant.as_deref());
        self.jsons.push(&e.json);
        self.received.push(received_at);
        self.segments.push(e.segment.to_string());
    }
}

impl EventStore for PgStore {
    fn write(&self, batches: &[Incoming]) -> Result<Vec<Written>, String> {
        let n: usize = batches.iter().map(|b| b.events.len()).sum();
        let mut cols = Columns::with_capacity(n);
        for b in batches {
            for e in &b.events {
                cols.push(e, b.received_at);
            }
        }
        // The group's visitors, locked in one order before anything is read.
        let mut locks: Vec<i64> = cols.sites.iter().zip(&cols.visitors).map(|(s, v)| visitor_lock_key(s, v)).collect();
        locks.sort_unstable();
        locks.dedup();
        let claimed: Vec<bool> = self.with(&self.writer, |c| {
            let sql = c.prepared()?;
            c.batch_execute(&begin_locked(&locks))?;
            let mut open = Open { client: &mut c.client, ended: false };
            let claimed = write_group(open.client, &sql, &cols, batches, n)?;
            open.client.batch_execute("COMMIT")?;
            open.ended = true;
            Ok(claimed)
        })?;
        let mut claimed = claimed.into_iter();
        Ok(batches
            .iter()
            .map(|b| {
                let inserted = claimed.by_ref().take(b.events.len()).filter(|new| *new).count();
                Written { inserted, duplicates: b.events.len() - inserted }
            })
            .collect())
    }

    /// Asked on the writer's connection (group commits are short): a long report on the
    /// reader's never makes the collector look down.
    fn healthy(&self) -> bool {
        self.with(&self.writer, |c| c.simple_query("SELECT 1")).is_ok()
    }

    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String> {
        let (first_day, end_day) = rollup::days(q.from, q.to);
        let (sql, window) = rollup::report_plan(q.window_ms);
        let sql = dialect(&sql);
        let rows = self.with(&self.reader, |c| c.query(&sql, &[&q.site, &first_day, &end_day, &window, &q.segment.pattern()]))?;
        Ok(rows
            .iter()
            .map(|r| Row {
                scenario_id: r.get(0),
                variant: r.get(1),
                exposed: r.get::<_, i64>(2) as u64,
                converted: r.get::<_, i64>(3) as u64,
                impressions: r.get::<_, i64>(4) as u64,
                clicks: r.get::<_, i64>(5) as u64,
                dismissals: r.get::<_, i64>(6) as u64,
                goals: rollup::goals(r.get(7)),
            })
            .collect())
    }

    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String> {
        let (first_day, end_day) = rollup::days(q.from, q.to);
        let sql = dialect(rollup::DAILY_SQL);
        let rows = self.with(&self.reader, |c| c.query(&sql, &[&q.site, &first_day, &end_day, &q.segment.pattern()]))?;
        Ok(rows
            .iter()
            .map(|r| Day { date: r.get(0), impressions: r.get::<_, i64>(1) as u64, purchases: r.get::<_, i64>(2) as u64 })
            .collect())
    }
    fn select(&self, sql: &str, args: &[Sql]) -> Result<Vec<Vec<Sql>>, String> {
        use postgres::types::{ToSql, Type};
        let sql = dialect(sql);
        let owned: Vec<Box<dyn ToSql + Sync>> = args
            .iter()
            .map(|a| -> Box<dyn ToSql + Sync> {
                match a {
                    Sql::Null => Box::new(None::<String>),
                    Sql::Int(n) => Box::new(*n),
                    Sql::Real(x) => Box::new(*x),
                    Sql::Text(s) => Box::new(s.clone()),
                }
            })
            .collect();
        let params: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let rows = self.with(&self.reader, |c| c.query(&sql, &params))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let t = r.columns()[i].type_();
                        Ok(if *t == Type::INT8 {
                            r.try_get::<_, Option<i64>>(i)?.map_or(Sql::Null, Sql::Int)
                        } else if *t == Type::INT4 {
                            r.try_get::<_, Option<i32>>(i)?.map_or(Sql::Null, |n| Sql::Int(n.into()))
                        } else if *t == Type::FLOAT8 {
                            r.try_get::<_, Option<f64>>(i)?.map_or(Sql::Null, Sql::Real)
                        } else {
                            r.try_get::<_, Option<String>>(i)?.map_or(Sql::Null, Sql::Text)
                        })
                    })
                    .collect::<Result<Vec<_>, postgres::Error>>()
                    .map_err(|e| format!("PostgreSQL: {e}"))
            })
            .collect()
    }
}

fn version_of(r: &postgres::Row) -> Result<Version, postgres::Error> {
    Version::from_row(|i| r.try_get(i), |i| r.try_get(i))
}

impl ConfigStore for PgStore {
    fn publish(&self, v: &NewVersion, actor: &str) -> Result<Published, String> {
        self.with(&self.writer, |c| {
            let mut tx = c.transaction()?;
            // Collectors publishing for one site at once take turns: consecutive numbers.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('shopcue-config:' || $1::text)::int8)", &[&v.site])?;
            let n: i64 = tx.query_one(&dialect(configs::NEXT_VERSION_SQL), &[&v.site])?.get(0);
            // Either way nothing is written: the transaction rolls back.
            if v.based_on.is_some_and(|b| b != n - 1) {
                return Ok(Published::Conflict); // another version went live since
            }
            if let Some(r) = tx.query_opt(&dialect(&configs::version_sql()), &[&v.site, &(n - 1)])? {
                if v.repeats(r.try_get(8)?, r.try_get(9)?) {
                    return Ok(Published::Unchanged(version_of(&r)?));
                }
            }
            let etag = v.etag(n);
            tx.execute(
                &dialect(configs::INSERT_VERSION_SQL),
                &[&v.site, &n, &v.now, &v.author, &v.note, &v.action, &v.source_version, &etag, &v.raw, &v.runtime],
            )?;
            tx.execute(&dialect(configs::INSERT_AUDIT_SQL), &[&v.site, &v.now, &actor, &v.action, &Some(n), &v.note])?;
            tx.commit()?;
            Ok(Published::New(v.published(n, etag)))
        })
    }

    fn versions(&self, site: &str) -> Result<Vec<Version>, String> {
        let rows = self.with(&self.reader, |c| c.query(&dialect(&configs::versions_sql()), &[&site]))?;
        rows.iter().map(version_of).collect::<Result<_, _>>().map_err(|e| format!("PostgreSQL: {e}"))
    }

    fn version(&self, site: &str, version: i64) -> Result<Option<(Version, String, String)>, String> {
        let row = self.with(&self.reader, |c| c.query_opt(&dialect(&configs::version_sql()), &[&site, &version]))?;
        row.map(|r| Ok((version_of(&r)?, r.try_get(8)?, r.try_get(9)?)))
            .transpose()
            .map_err(|e: postgres::Error| format!("PostgreSQL: {e}"))
    }

    fn live(&self, site: &str) -> Result<Option<(Version, String)>, String> {
        let row = self.with(&self.reader, |c| c.query_opt(&dialect(&configs::live_sql()), &[&site]))?;
        row.map(|r| Ok((version_of(&r)?, r.try_get(8)?))).transpose().map_err(|e: postgres::Error| format!("PostgreSQL: {e}"))
    }

    fn record(&self, e: &AuditEntry) -> Result<(), String> {
        self.with(&self.writer, |c| {
            c.execute(&dialect(configs::INSERT_AUDIT_SQL), &[&e.site, &e.ts, &e.actor, &e.action, &e.version, &e.detail])
        })
        .map(drop)
    }

    fn audit(&self, site: &str) -> Result<Vec<AuditEntry>, String> {
        let rows = self.with(&self.reader, |c| c.query(&dialect(configs::AUDIT_SQL), &[&site]))?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                site: r.get(0),
                ts: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                version: r.get(4),
                detail: r.get(5),
            })
            .collect())
    }

    fn save_draft(&self, site: &str, id: &str, runtime: &str, expires_at: i64) -> Result<(), String> {
        self.with(&self.writer, |c| c.execute(&dialect(configs::INSERT_DRAFT_SQL), &[&site, &id, &expires_at, &runtime]))
            .map(drop)
    }

    fn draft(&self, site: &str, id: &str) -> Result<Option<(String, i64)>, String> {
        let row = self.with(&self.reader, |c| c.query_opt(&dialect(configs::DRAFT_SQL), &[&site, &id]))?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}
