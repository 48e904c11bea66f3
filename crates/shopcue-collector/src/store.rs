//! Event storage behind one trait, [`EventStore`]: SQLite (one file, WAL) is the default; a
//! store that forwards to an existing pipeline (Kafka, ClickHouse …) is another implementation,
//! not a rewrite. A batch is one transaction; the HTTP reply is sent only after it commits.
//! Duplicate event ids are ignored (clients re-send after failures).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection};

use crate::batch::StoredEvent;
use crate::report::Row;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// New rows.
    pub inserted: usize,
    /// Events already stored (same id).
    pub duplicates: usize,
}

/// A report's scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    /// Site id.
    pub site: String,
    /// Exposures from (Unix ms, inclusive).
    pub from: i64,
    /// Exposures until (Unix ms, exclusive).
    pub to: i64,
    /// Attribution window after the first exposure (ms).
    pub window_ms: i64,
}

/// One day of activity (UTC date).
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Message impressions.
    pub impressions: u64,
    /// Purchases.
    pub purchases: u64,
}

/// Where events go. Errors are text for the log; the client only ever sees "retry later".
pub trait EventStore: Send + Sync {
    /// Stores `events` atomically; returns only after they are durable.
    fn write(&self, events: &[StoredEvent], received_at: i64) -> Result<Written, String>;
    /// The store answers.
    fn healthy(&self) -> bool;
    /// Per scenario × variant figures.
    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String>;
    /// Impressions and purchases per day.
    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String>;
}

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  id          TEXT PRIMARY KEY,
  site        TEXT NOT NULL,
  name        TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  visitor_id  TEXT NOT NULL,
  session_id  TEXT NOT NULL,
  url         TEXT NOT NULL,
  scenario_id TEXT,
  json        TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_site_name_ts ON events(site, name, ts);
CREATE INDEX IF NOT EXISTS events_visitor ON events(site, visitor_id, name, ts);
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;
";

const REPORT_SQL: &str = "
WITH exp AS (
  SELECT scenario_id AS sc, coalesce(json_extract(json, '$.params.variant'), '') AS v, visitor_id AS vis, min(ts) AS first_ts
  FROM events
  WHERE site = ?1 AND name = 'shopcue_exposure' AND ts >= ?2 AND ts < ?3 AND scenario_id IS NOT NULL
  GROUP BY 1, 2, 3),
life AS (
  SELECT scenario_id AS sc, coalesce(json_extract(json, '$.params.variant'), '') AS v,
         sum(name = 'shopcue_impression') AS imp, sum(name = 'shopcue_click') AS clk, sum(name = 'shopcue_dismiss') AS dis
  FROM events
  WHERE site = ?1 AND name IN ('shopcue_impression', 'shopcue_click', 'shopcue_dismiss') AND ts >= ?2 AND ts < ?3
        AND scenario_id IS NOT NULL
  GROUP BY 1, 2),
agg AS (
  SELECT sc, v, count(*) AS exposed,
         sum(EXISTS (SELECT 1 FROM events p
                     WHERE p.site = ?1 AND p.visitor_id = exp.vis AND p.name = 'purchase'
                       AND p.ts >= exp.first_ts AND p.ts <= exp.first_ts + ?4)) AS converted
  FROM exp GROUP BY sc, v)
SELECT agg.sc, agg.v, agg.exposed, agg.converted, coalesce(life.imp, 0), coalesce(life.clk, 0), coalesce(life.dis, 0)
FROM agg LEFT JOIN life ON life.sc = agg.sc AND life.v = agg.v
ORDER BY agg.sc, agg.v";

const DAILY_SQL: &str = "
SELECT date(ts / 1000, 'unixepoch') AS d, sum(name = 'shopcue_impression'), sum(name = 'purchase')
FROM events
WHERE site = ?1 AND ts >= ?2 AND ts < ?3 AND name IN ('shopcue_impression', 'purchase')
GROUP BY d ORDER BY d";

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<SqliteStore> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventStore for SqliteStore {
    fn write(&self, events: &[StoredEvent], received_at: i64) -> Result<Written, String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        let mut inserted = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, json, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(|e| e.to_string())?;
            for e in events {
                inserted += stmt
                    .execute(params![
                        e.id,
                        e.site,
                        e.name,
                        e.ts,
                        e.visitor_id,
                        e.session_id,
                        e.url,
                        e.scenario_id,
                        e.json,
                        received_at
                    ])
                    .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().map_err(|e| e.to_string())?;
        Ok(Written { inserted, duplicates: events.len() - inserted })
    }

    fn healthy(&self) -> bool {
        self.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()
    }

    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(REPORT_SQL).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![q.site, q.from, q.to, q.window_ms], |r| {
                Ok(Row {
                    scenario_id: r.get(0)?,
                    variant: r.get(1)?,
                    exposed: r.get::<_, i64>(2)? as u64,
                    converted: r.get::<_, i64>(3)? as u64,
                    impressions: r.get::<_, i64>(4)? as u64,
                    clicks: r.get::<_, i64>(5)? as u64,
                    dismissals: r.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(DAILY_SQL).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![q.site, q.from, q.to], |r| {
                Ok(Day { date: r.get(0)?, impressions: r.get::<_, i64>(1)? as u64, purchases: r.get::<_, i64>(2)? as u64 })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
}
