//! Event storage in one SQLite file (WAL). A batch is one transaction; the HTTP reply is sent
//! only after it commits. Duplicate event ids are ignored (the client re-sends after failures).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection};

use crate::batch::StoredEvent;

/// The event store.
pub struct Store {
    conn: Mutex<Connection>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// New rows.
    pub inserted: usize,
    /// Events already stored (same id).
    pub duplicates: usize,
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
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;
";

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    /// Stores `events` in one transaction.
    pub fn write(&self, events: &[StoredEvent], received_at: i64) -> rusqlite::Result<Written> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction()?;
        let mut inserted = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (id, site, name, ts, visitor_id, session_id, url, scenario_id, json, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for e in events {
                inserted += stmt.execute(params![
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
                ])?;
            }
        }
        tx.commit()?;
        Ok(Written { inserted, duplicates: events.len() - inserted })
    }

    /// `SELECT 1`: the database answers.
    pub fn healthy(&self) -> bool {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()
    }
}
