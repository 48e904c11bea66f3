//! The SQLite store: one file, WAL, zero set-up. `synchronous=NORMAL` survives a process
//! crash (tested by `tests/crash.rs`), not a power cut.

use std::path::Path;
use std::sync::{LazyLock, Mutex};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::configs::{self, AuditEntry, ConfigStore, NewVersion, Published, Version};
use crate::report::Row;
use crate::rollup::{self, Rollup};
use crate::segment;
use crate::store::{Day, EventStore, Incoming, ReportQuery, Sql, Written};

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
  segment     TEXT NOT NULL DEFAULT 'unknown:unknown',
  PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_site_name_ts ON events(site, name, ts);
CREATE INDEX IF NOT EXISTS events_visitor ON events(site, visitor_id, name, ts);
CREATE INDEX IF NOT EXISTS events_scenario ON events(site, scenario_id) WHERE scenario_id IS NOT NULL;
";

/// A rollup statement in SQLite's dialect (`$n` read as the numbered `?n`).
fn dialect(sql: &str) -> String {
    sql.replace('$', "?")
        .replace("{C}", "")
        .replace("{I}", "")
        .replace("{INT}", "INTEGER")
        .replace("{TABLE}", " WITHOUT ROWID")
        .replace("{DATE}", "date(day * 86400, 'unixepoch')")
        .replace("{EVENTS_BY_VISITOR}", "INDEXED BY events_visitor")
        .replace("{EXPOSURES_BY_VISITOR}", "INDEXED BY exposures_visitor")
        .replace("{GOALS}", "group_concat(DISTINCT goal)")
        .replace("{GOAL_OF_JSON}", "json_extract(json, '$.params.goal')")
}

/// An upsert of [`crate::rollup`], one row of `n` values per execution.
fn upsert(sql: &str, n: usize) -> String {
    let values: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    dialect(&sql.replace("{ROWS}", &format!("VALUES ({})", values.join(", "))))
}

/// The write path's statements, in this dialect once (every group commit runs them).
struct Statements {
    daily: String,
    exposures: String,
    conversion: String,
    /// The `exposures` rows of one (site, visitor) pair (read before and after a write).
    exposures_of: String,
    cohort: String,
    conversions: String,
    is_goal: String,
    sessions: String,
    session_daily: String,
}

static STATEMENTS: LazyLock<Statements> = LazyLock::new(|| Statements {
    daily: upsert(rollup::UPSERT_DAILY, 9),
    exposures: upsert(rollup::UPSERT_EXPOSURES, 7),
    // Without statistics, SQLite's planner may walk a whole site's exposures per visitor
    // (30 s for 20,000 visitors) instead of using `exposures_visitor`.
    conversion: dialect(&format!(
        "UPDATE exposures INDEXED BY exposures_visitor {} WHERE site = $1 AND visitor_id = $2",
        rollup::SET_CONVERSION
    )),
    exposures_of: format!("{} INDEXED BY exposures_visitor WHERE site = ?1 AND visitor_id = ?2", rollup::SELECT_EXPOSURES),
    cohort: upsert(rollup::UPSERT_COHORT, 7),
    conversions: upsert(rollup::UPSERT_CONVERSIONS, 8),
    is_goal: dialect(rollup::IS_GOAL),
    sessions: upsert(rollup::UPSERT_SESSIONS, 4),
    session_daily: upsert(rollup::UPSERT_SESSION_DAILY, 4),
});

/// Rebuilds the rollups from the events, inside `tx`.
fn backfill(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    rollup::rebuild_steps().try_for_each(|step| tx.execute_batch(&dialect(step)))
}

/// Whether `table` exists and has `column`.
fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", [table, column], |r| r.get::<_, i64>(0))
        .map(|n| n > 0)
}

/// Databases written by earlier versions: the variant was read from the JSON at report time.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    if !has_column(conn, "events", "variant")? {
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
    // Segments (device class, new vs returning) came later: older events are unknown in both,
    // and rollups without them are rebuilt.
    if !has_column(conn, "events", "segment")? {
        conn.execute_batch(&format!("ALTER TABLE events ADD COLUMN segment TEXT NOT NULL DEFAULT '{}'", segment::UNKNOWN))?;
    }
    if has_column(conn, "rollup_daily", "day")? && !has_column(conn, "rollup_daily", "segment")? {
        let drops: Vec<String> = rollup::TABLES.iter().map(|t| format!("DROP TABLE IF EXISTS {t};")).collect();
        conn.execute_batch(&format!("BEGIN; {} COMMIT;", drops.join(" ")))?;
    }
    // Goals (the event that converts a scenario's visitors) came later: cohorts without them are
    // dropped, and every rollup is rebuilt with them.
    if has_column(conn, "exposures", "first_ts")? && !has_column(conn, "exposures", "goal")? {
        let drops: Vec<String> = rollup::COHORT_TABLES.iter().map(|t| format!("DROP TABLE IF EXISTS {t};")).collect();
        conn.execute_batch(&format!("BEGIN; {} COMMIT;", drops.join(" ")))?;
    }
    Ok(())
}

/// Makes [`crate::goal::page_matches`] callable as `shopcue_page_matches(url, goal)` on a SQLite
/// connection (the conversion's SQL, [`crate::rollup::SET_CONVERSION`], calls it).
fn register_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("shopcue_page_matches", 2, flags, |ctx| {
        let (url, goal) = (ctx.get_raw(0).as_str_or_null()?, ctx.get_raw(1).as_str_or_null()?);
        Ok(url.zip(goal).map(|(url, goal)| crate::goal::page_matches(url, goal)))
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<SqliteStore> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        register_functions(&conn)?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        // Rollups arrived after the events table: a database without them gets them built.
        let table = |name: &str| {
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [name], |r| r.get::<_, i64>(0)).map(|n| n > 0)
        };
        let (has_rollups, has_sessions) = (table("exposures")?, table("sessions")?);
        let tx = conn.transaction()?;
        tx.execute_batch(&dialect(rollup::SCHEMA))?;
        tx.execute_batch(&dialect(configs::SCHEMA))?;
        if !has_rollups {
            backfill(&tx)?;
        } else if !has_sessions {
            // Visits were counted later than the other rollups: only theirs are built.
            rollup::BACKFILL_SESSIONS.iter().try_for_each(|step| tx.execute_batch(&dialect(step)))?;
        }
        tx.commit()?;
        let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        register_functions(&reader)?;
        Ok(SqliteStore { conn: Mutex::new(conn), reader: Mutex::new(reader) })
    }

    /// Rebuilds the rollups from the events, in one transaction (what opening a database
    /// written before rollups does; incremental upkeep must always agree with it).
    pub fn rebuild_rollups(&self) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        backfill(&tx)?;
        tx.commit()
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Adds `r` to the rollups, inside the events' transaction.
fn apply(tx: &rusqlite::Transaction<'_>, r: &Rollup) -> rusqlite::Result<()> {
    let sql = &*STATEMENTS;
    let mut daily = tx.prepare_cached(&sql.daily)?;
    for ((site, day, sc, v, segment), [imp, clk, dis, buy]) in &r.daily {
        daily.execute(params![site, day, sc, v, segment, imp, clk, dis, buy])?;
    }
    // The visitors to recompute: a new exposure or purchase, or an event one of their exposures
    // has as its goal.
    let mut visitors = r.visitors.clone();
    let mut is_goal = tx.prepare_cached(&sql.is_goal)?;
    for (site, visitor, name) in &r.goal_candidates {
        if !visitors.contains(&(site.clone(), visitor.clone()))
            && is_goal.query_row(params![site, visitor, name], |row| row.get(0))?
        {
            visitors.insert((site.clone(), visitor.clone()));
        }
    }
    // The touched visitors' cohorts before and after: their difference updates the daily ones.
    let before = exposures_of(tx, &visitors)?;
    let mut exposure = tx.prepare_cached(&sql.exposures)?;
    for ((site, sc, v, visitor), (first, segment, goal)) in &r.exposures {
        exposure.execute(params![site, sc, v, visitor, first, segment, goal])?;
    }
    let mut conversion = tx.prepare_cached(&sql.conversion)?;
    for (site, visitor) in &visitors {
        conversion.execute(params![site, visitor])?;
    }
    let (cohorts, conversions) = rollup::cohort_deltas(&before, &exposures_of(tx, &visitors)?);
    let mut cohort = tx.prepare_cached(&sql.cohort)?;
    for ((site, sc, v, segment, goal, day), n) in &cohorts {
        cohort.execute(params![site, sc, v, segment, goal, day, n])?;
    }
    let mut converted = tx.prepare_cached(&sql.conversions)?;
    for (((site, sc, v, segment, goal, day), delay), n) in &conversions {
        converted.execute(params![site, sc, v, segment, goal, day, delay, n])?;
    }
    // The visits added or moved, and what that changes by day.
    let mut session = tx.prepare_cached(&sql.sessions)?;
    let mut changes = Vec::new();
    for ((site, id), (first, segment)) in &r.sessions {
        let mut rows = session.query(params![site, id, first, segment])?;
        while let Some(row) = rows.next()? {
            changes.push((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?));
        }
    }
    let mut daily = tx.prepare_cached(&sql.session_daily)?;
    for ((site, day, segment), n) in &rollup::session_deltas(&changes) {
        daily.execute(params![site, day, segment, n])?;
    }
    Ok(())
}

/// The `exposures` rows of these (site, visitor) pairs.
fn exposures_of(
    tx: &rusqlite::Transaction<'_>,
    visitors: &std::collections::BTreeSet<(String, String)>,
) -> rusqlite::Result<Vec<rollup::ExposureRow>> {
    let mut stmt = tx.prepare_cached(&STATEMENTS.exposures_of)?;
    let mut rows = Vec::new();
    for (site, visitor) in visitors {
        let found = stmt.query_map(params![site, visitor], |row| {
            Ok(rollup::ExposureRow {
                key: (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?),
                first: row.get(4)?,
                converted: row.get(5)?,
                segment: row.get(6)?,
                goal: row.get(7)?,
            })
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    Ok(rows)
}

impl EventStore for SqliteStore {
    fn write(&self, batches: &[Incoming]) -> Result<Vec<Written>, String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        let mut written = Vec::with_capacity(batches.len());
        let mut rollup = Rollup::default();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events
                       (id, site, name, ts, visitor_id, session_id, url, scenario_id, variant, json, received_at, segment)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(|e| e.to_string())?;
            for b in batches {
                let mut inserted = 0;
                for e in &b.events {
                    let new = stmt
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
                            b.received_at,
                            e.segment.to_string()
                        ])
                        .map_err(|e| e.to_string())?;
                    if new == 1 {
                        rollup.add(e);
                    }
                    inserted += new;
                }
                written.push(Written { inserted, duplicates: b.events.len() - inserted });
            }
        }
        apply(&tx, &rollup).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        Ok(written)
    }

    fn healthy(&self) -> bool {
        self.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()
    }

    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String> {
        let conn = self.reader();
        let (sql, window) = rollup::report_plan(q.window_ms);
        let mut stmt = conn.prepare_cached(&dialect(&sql)).map_err(|e| e.to_string())?;
        let (first_day, end_day) = rollup::days(q.from, q.to);
        let rows = stmt
            .query_map(params![q.site, first_day, end_day, window, q.segment.pattern()], |r| {
                Ok(Row {
                    scenario_id: r.get(0)?,
                    variant: r.get(1)?,
                    exposed: r.get::<_, i64>(2)? as u64,
                    converted: r.get::<_, i64>(3)? as u64,
                    impressions: r.get::<_, i64>(4)? as u64,
                    clicks: r.get::<_, i64>(5)? as u64,
                    dismissals: r.get::<_, i64>(6)? as u64,
                    goals: rollup::goals(r.get(7)?),
                })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&dialect(rollup::DAILY_SQL)).map_err(|e| e.to_string())?;
        let (first_day, end_day) = rollup::days(q.from, q.to);
        let rows = stmt
            .query_map(params![q.site, first_day, end_day, q.segment.pattern()], |r| {
                Ok(Day { date: r.get(0)?, impressions: r.get::<_, i64>(1)? as u64, purchases: r.get::<_, i64>(2)? as u64 })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    fn select(&self, sql: &str, args: &[Sql]) -> Result<Vec<Vec<Sql>>, String> {
        use rusqlite::types::{Value as V, ValueRef};
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&dialect(sql)).map_err(|e| e.to_string())?;
        let args: Vec<V> = args
            .iter()
            .map(|a| match a {
                Sql::Null => V::Null,
                Sql::Int(n) => V::Integer(*n),
                Sql::Real(x) => V::Real(*x),
                Sql::Text(s) => V::Text(s.clone()),
            })
            .collect();
        let columns = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                (0..columns)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            ValueRef::Null => Sql::Null,
                            ValueRef::Integer(n) => Sql::Int(n),
                            ValueRef::Real(x) => Sql::Real(x),
                            ValueRef::Text(t) | ValueRef::Blob(t) => Sql::Text(String::from_utf8_lossy(t).into_owned()),
                        })
                    })
                    .collect()
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
}

fn version_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    Version::from_row(|i| r.get(i), |i| r.get(i))
}

impl ConfigStore for SqliteStore {
    fn publish(&self, v: &NewVersion, actor: &str) -> Result<Published, String> {
        let mut conn = self.conn();
        let run = |conn: &mut Connection| -> rusqlite::Result<Published> {
            // Immediate: the write lock from the first read, so that collectors sharing the file
            // take turns (a deferred one could read, then fail to upgrade to writing).
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let n: i64 = tx.query_row(&dialect(configs::NEXT_VERSION_SQL), params![v.site], |r| r.get(0))?;
            // Either way nothing is written: the transaction rolls back.
            if v.based_on.is_some_and(|b| b != n - 1) {
                return Ok(Published::Conflict); // another version went live since
            }
            let live = tx
                .query_row(&dialect(&configs::version_sql()), params![v.site, n - 1], |r| {
                    Ok((version_of(r)?, r.get::<_, String>(8)?, r.get::<_, String>(9)?))
                })
                .optional()?;
            if let Some((live, ..)) = live.filter(|(_, raw, runtime)| v.repeats(raw, runtime)) {
                return Ok(Published::Unchanged(live));
            }
            let etag = v.etag(n);
            tx.execute(
                &dialect(configs::INSERT_VERSION_SQL),
                params![v.site, n, v.now, v.author, v.note, v.action, v.source_version, etag, v.raw, v.runtime],
            )?;
            tx.execute(&dialect(configs::INSERT_AUDIT_SQL), params![v.site, v.now, actor, v.action, n, v.note])?;
            tx.commit()?;
            Ok(Published::New(v.published(n, etag)))
        };
        run(&mut conn).map_err(|e| format!("SQLite: {e}"))
    }

    fn versions(&self, site: &str) -> Result<Vec<Version>, String> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<Version>> {
            let mut stmt = conn.prepare_cached(&dialect(&configs::versions_sql()))?;
            let rows = stmt.query_map(params![site], version_of)?;
            rows.collect()
        };
        run().map_err(|e| format!("SQLite: {e}"))
    }

    fn version(&self, site: &str, version: i64) -> Result<Option<(Version, String, String)>, String> {
        let conn = self.reader();
        conn.query_row(&dialect(&configs::version_sql()), params![site, version], |r| Ok((version_of(r)?, r.get(8)?, r.get(9)?)))
            .optional()
            .map_err(|e| format!("SQLite: {e}"))
    }

    fn live(&self, site: &str) -> Result<Option<(Version, String)>, String> {
        let conn = self.reader();
        conn.query_row(&dialect(&configs::live_sql()), params![site], |r| Ok((version_of(r)?, r.get(8)?)))
            .optional()
            .map_err(|e| format!("SQLite: {e}"))
    }

    fn record(&self, e: &AuditEntry) -> Result<(), String> {
        let conn = self.conn();
        conn.execute(&dialect(configs::INSERT_AUDIT_SQL), params![e.site, e.ts, e.actor, e.action, e.version, e.detail])
            .map(drop)
            .map_err(|e| format!("SQLite: {e}"))
    }

    fn audit(&self, site: &str) -> Result<Vec<AuditEntry>, String> {
        let conn = self.reader();
        let run = || -> rusqlite::Result<Vec<AuditEntry>> {
            let mut stmt = conn.prepare_cached(&dialect(configs::AUDIT_SQL))?;
            let rows = stmt.query_map(params![site], |r| {
                Ok(AuditEntry {
                    site: r.get(0)?,
                    ts: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    version: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| format!("SQLite: {e}"))
    }

    fn save_draft(&self, site: &str, id: &str, runtime: &str, expires_at: i64) -> Result<(), String> {
        let conn = self.conn();
        conn.execute(&dialect(configs::INSERT_DRAFT_SQL), params![site, id, expires_at, runtime])
            .map(drop)
            .map_err(|e| format!("SQLite: {e}"))
    }

    fn draft(&self, site: &str, id: &str) -> Result<Option<(String, i64)>, String> {
        let conn = self.reader();
        conn.query_row(&dialect(configs::DRAFT_SQL), params![site, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(|e| format!("SQLite: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_goals_are_matched_by_the_goal_modules_rule() {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        let ask = |url: Option<&str>, goal: &str| -> Option<bool> {
            conn.query_row("SELECT shopcue_page_matches(?1, ?2)", (url, goal), |r| r.get(0)).unwrap()
        };
        assert_eq!(ask(Some("https://s.example/orders/1/thanks/"), "/orders/*/thanks"), Some(true));
        assert_eq!(ask(Some("https://s.example/orders"), "/orders/*/thanks"), Some(false));
        assert_eq!(ask(None, "/x"), None);
    }
}
