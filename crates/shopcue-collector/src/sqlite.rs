//! The SQLite store: one file, WAL, zero set-up. `synchronous=NORMAL` survives a process
//! crash (tested by `tests/crash.rs`), not a power cut.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags};

use crate::report::Row;
use crate::store::{Day, EventStore, Incoming, ReportQuery, Written};

/// The SQLite store: one connection for the group-commit writer (and `/healthz`), one for
/// reports. In WAL mode a report reads a snapshot while writes go on: a slow report never
/// holds up ingestion or the health check.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    reader: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  id          TEXT NOT NULL,
  site        TEXT NOT NULL,
  name        TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  visitor_id  TEXT NOT NULL,
  session_id  TEXT NOT NULL,
  url         TEXT NOT NULL,
  scenario_id TEXT,
  variant     TEXT,
  json        TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_site_name_ts ON events(site, name, ts);
CREATE INDEX IF NOT EXISTS events_visitor ON events(site, visitor_id, name, ts);
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;
";

const REPORT_SQL: &str = "
WITH exp AS (
  SELECT scenario_id AS sc, coalesce(variant, '') AS v, visitor_id AS vis, min(ts) AS first_ts
  FROM events
  WHERE site = ?1 AND name = 'shopcue_exposure' AND ts >= ?2 AND ts < ?3 AND scenario_id IS NOT NULL
  GROUP BY 1, 2, 3),
life AS (
  SELECT scenario_id AS sc, coalesce(variant, '') AS v,
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

/// Databases written by earlier versions: the variant was read from the JSON at report time.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_variant: bool =
        conn.query_row("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'variant'", [], |r| r.get::<_, i64>(0))?
            > 0;
    if !has_variant {
        conn.execute_batch(
            "BEGIN;
             ALTER TABLE events ADD COLUMN variant TEXT;
             UPDATE events SET variant = json_extract(json, '$.params.variant') WHERE scenario_id IS NOT NULL;
             COMMIT;",
        )?;
    }
    // Event ids were once unique across all sites: an id sent first under another site dropped
    // the real one. They are unique per site now; SQLite changes a key by rebuilding the table.
    let keyed_by_id_alone: bool =
        conn.query_row("SELECT count(*) FROM pragma_table_info('events') WHERE pk > 0", [], |r| r.get::<_, i64>(0))? == 1;
    if keyed_by_id_alone {
        let create = SCHEMA.split(';').next().unwrap_or_default().replace("IF NOT EXISTS events", "events_by_site");
        conn.execute_batch(&format!(
            "BEGIN;
             {create};
             INSERT INTO events_by_site (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at)
               SELECT id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at FROM events;
             DROP TABLE events;
             ALTER TABLE events_by_site RENAME TO events;
             {SCHEMA}
             COMMIT;"
        ))?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<SqliteStore> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(SqliteStore { conn: Mutex::new(conn), reader: Mutex::new(reader) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventStore for SqliteStore {
    fn write(&self, batches: &[Incoming]) -> Result<Vec<Written>, String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        let mut written = Vec::with_capacity(batches.len());
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events
                       (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(|e| e.to_string())?;
            for b in batches {
                let mut inserted = 0;
                for e in &b.events {
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
                            e.variant,
                            e.json,
                            b.received_at
                        ])
                        .map_err(|e| e.to_string())?;
                }
                written.push(Written { inserted, duplicates: b.events.len() - inserted });
            }
        }
        tx.commit().map_err(|e| e.to_string())?;
        Ok(written)
    }

    fn healthy(&self) -> bool {
        self.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()
    }

    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String> {
        let conn = self.reader();
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
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(DAILY_SQL).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![q.site, q.from, q.to], |r| {
                Ok(Day { date: r.get(0)?, impressions: r.get::<_, i64>(1)? as u64, purchases: r.get::<_, i64>(2)? as u64 })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
}
