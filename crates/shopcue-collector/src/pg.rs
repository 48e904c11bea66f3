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
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

use crate::report::Row;
use crate::store::{Day, EventStore, Incoming, ReportQuery, Written};

/// The PostgreSQL store: one connection for the group-commit writer, one for reports.
pub struct PgStore {
    config: Config,
    writer: Mutex<Option<Client>>,
    reader: Mutex<Option<Client>>,
}

/// Created by the first collector to start; concurrent starts serialise on an advisory lock.
const SCHEMA: &str = "
BEGIN;
SELECT pg_advisory_xact_lock(7421000001);
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
  PRIMARY KEY (site, id)
);
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
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;
COMMIT;";

const INSERT_SQL: &str = "
INSERT INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::int8[])
ON CONFLICT (site, id) DO NOTHING
RETURNING site, id";

/// The same figures as the SQLite report (`crate::sqlite`), in PostgreSQL's dialect.
const REPORT_SQL: &str = "
WITH exp AS (
  SELECT scenario_id AS sc, coalesce(variant, '') AS v, visitor_id AS vis, min(ts) AS first_ts
  FROM events
  WHERE site = $1 AND name = 'shopcue_exposure' AND ts >= $2 AND ts < $3 AND scenario_id IS NOT NULL
  GROUP BY 1, 2, 3),
life AS (
  SELECT scenario_id AS sc, coalesce(variant, '') AS v,
         count(*) FILTER (WHERE name = 'shopcue_impression') AS imp,
         count(*) FILTER (WHERE name = 'shopcue_click') AS clk,
         count(*) FILTER (WHERE name = 'shopcue_dismiss') AS dis
  FROM events
  WHERE site = $1 AND name IN ('shopcue_impression', 'shopcue_click', 'shopcue_dismiss') AND ts >= $2 AND ts < $3
        AND scenario_id IS NOT NULL
  GROUP BY 1, 2),
agg AS (
  SELECT sc, v, count(*) AS exposed,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events p
                     WHERE p.site = $1 AND p.visitor_id = exp.vis AND p.name = 'purchase'
                       AND p.ts >= exp.first_ts AND p.ts <= exp.first_ts + $4)) AS converted
  FROM exp GROUP BY sc, v)
SELECT agg.sc, agg.v, agg.exposed, agg.converted, coalesce(life.imp, 0), coalesce(life.clk, 0), coalesce(life.dis, 0)
FROM agg LEFT JOIN life ON life.sc = agg.sc AND life.v = agg.v
ORDER BY agg.sc COLLATE \"C\", agg.v COLLATE \"C\"";

const DAILY_SQL: &str = "
SELECT to_char(to_timestamp(ts / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d,
       count(*) FILTER (WHERE name = 'shopcue_impression'), count(*) FILTER (WHERE name = 'purchase')
FROM events
WHERE site = $1 AND ts >= $2 AND ts < $3 AND name IN ('shopcue_impression', 'purchase')
GROUP BY d ORDER BY d";

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
        store.with(&store.writer, |c| c.batch_execute(SCHEMA))?;
        Ok(store)
    }

    /// Runs `f` on the connection in `slot`, connecting first when there is none or it broke.
    fn with<T>(
        &self,
        slot: &Mutex<Option<Client>>,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        let mut guard: MutexGuard<'_, Option<Client>> = slot.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = Some(self.config.connect(NoTls).map_err(|e| format!("PostgreSQL: {e}"))?);
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
        let new_ids: HashSet<(String, String)> = self.with(&self.writer, |c| {
            let mut tx = c.transaction()?;
            let rows = tx.query(
                INSERT_SQL,
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
                ],
            )?;
            tx.commit()?;
            Ok(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))).collect())
        })?;
        // An id is new for the first batch (and the first time within it) that carried it.
        let mut unclaimed = new_ids;
        Ok(batches
            .iter()
            .map(|b| {
                let inserted = b.events.iter().filter(|e| unclaimed.remove(&(e.site.clone(), e.id.clone()))).count();
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
        let rows = self.with(&self.reader, |c| c.query(REPORT_SQL, &[&q.site, &q.from, &q.to, &q.window_ms]))?;
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
            })
            .collect())
    }

    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String> {
        let rows = self.with(&self.reader, |c| c.query(DAILY_SQL, &[&q.site, &q.from, &q.to]))?;
        Ok(rows
            .iter()
            .map(|r| Day { date: r.get(0), impressions: r.get::<_, i64>(1) as u64, purchases: r.get::<_, i64>(2) as u64 })
            .collect())
    }
}
