//! Incremental rollups: what reports read instead of scanning every event. Kept in the same
//! transaction as the events they count, from the events that were new (a resent duplicate
//! adds nothing), so a report is always exactly the events committed so far.
//!
//! - `rollup_daily(site, day, scenario_id, variant, segment)`: impressions, clicks, dismissals
//!   and purchases per UTC day (purchases, and events without a scenario, under `''`).
//! - `exposures(site, scenario_id, variant, visitor_id)`: the visitor's first exposure
//!   (`first_ts`, its `segment` and the scenario's `goal`, the event that converts: `purchase`
//!   unless the exposure names another) and their first goal event at or after it
//!   (`converted_ts`), recomputed for each visitor a write touches (a late exposure or goal
//!   event moves them).
//!
//! - `exposure_daily(site, scenario_id, variant, segment, goal, day)`: visitors first exposed
//!   that UTC day; `conversion_daily(…, day, delay_days)`: how many of them converted after how
//!   many days (rounded up). Kept from the difference each write makes to `exposures`.
//!
//! - `sessions(site, session_id)`: each visit's first event (`first_ts`, and its `segment`);
//!   `session_daily(site, day, segment)`: the visits that began that UTC day. Kept from what
//!   each write changes in `sessions`, which its upsert returns (a new visit, or one moved to
//!   the day of an earlier event that arrived late), so that a site's conversion rate (orders
//!   per visit), by channel too, reads a row per day.
//!
//! Every count is kept per [`crate::segment`] (device class and new vs returning, of the event
//! counted; of the first exposure for a visitor), so a filtered report reads the same rows as
//! an unfiltered one, with `segment LIKE` the filter's pattern.
//!
//! A report then reads one row per scenario-day (and per delay), however many events and
//! visitors there are; an attribution window that is not a whole number of days reads the
//! per-visitor table instead. Its figures: visitors *first* exposed on the UTC days `[from,
//! to)` touches, converted when `converted_ts - first_ts` is within the window; impressions,
//! clicks, dismissals and the daily chart over the same days.

use std::collections::{BTreeMap, BTreeSet};

use crate::batch::StoredEvent;
use crate::goal::{may_be_goal, DEFAULT_GOAL};

pub use shopcue::time::DAY_MS;

/// `[first, last)` UTC day numbers covering `[from, to)` ms.
pub fn days(from: i64, to: i64) -> (i64, i64) {
    (from.div_euclid(DAY_MS), (to + DAY_MS - 1).div_euclid(DAY_MS))
}

/// One `rollup_daily` key: site, day, scenario (`''` for none), variant (`''` for none),
/// segment.
pub type DayKey = (String, i64, String, String, String);
/// One `exposures` key: site, scenario, variant (`''` for none), visitor.
pub type ExposureKey = (String, String, String, String);
/// One `sessions` key: site, session id.
pub type SessionKey = (String, String);

/// What a group of newly stored events adds to the rollups.
#[derive(Debug, Default, PartialEq)]
pub struct Rollup {
    /// Per day key: impressions, clicks, dismissals, purchases to add.
    pub daily: BTreeMap<DayKey, [i64; 4]>,
    /// Per exposure key: the earliest exposure among the new events, its segment and goal.
    pub exposures: BTreeMap<ExposureKey, (i64, String, String)>,
    /// (site, visitor) whose conversion must be recomputed: a new exposure or purchase.
    pub visitors: BTreeSet<(String, String)>,
    /// (site, visitor, event name) of the other new events (Shopcue's own aside), which may be
    /// a scenario's goal: a store recomputes the visitor when one of their exposures has it as
    /// its goal ([`IS_GOAL`]). SQLite's store asks per entry; PostgreSQL's in its insert.
    pub goal_candidates: BTreeSet<(String, String, String)>,
    /// Per visit: the earliest of its new events, and that event's segment (events without a
    /// session id belong to no visit). PostgreSQL's store adds them in its insert instead.
    pub sessions: BTreeMap<SessionKey, (i64, String)>,
}

impl Rollup {
    /// Counts one newly stored event.
    pub fn add(&mut self, e: &StoredEvent) {
        let column = match e.name.as_str() {
            "shopcue_impression" => Some(0),
            "shopcue_click" => Some(1),
            "shopcue_dismiss" => Some(2),
            "purchase" => Some(3),
            _ => None,
        };
        let scenario = e.scenario_id.clone().unwrap_or_default();
        let variant = e.variant.clone().unwrap_or_default();
        let segment = e.segment.to_string();
        if let Some(c) = column {
            let (sc, v) = if c == 3 { (String::new(), String::new()) } else { (scenario.clone(), variant.clone()) };
            self.daily.entry((e.site.clone(), e.ts.div_euclid(DAY_MS), sc, v, segment.clone())).or_default()[c] += 1;
        }
        let exposure = e.name == "shopcue_exposure" && !scenario.is_empty();
        if exposure || e.name == DEFAULT_GOAL {
            self.visitors.insert((e.site.clone(), e.visitor_id.clone()));
        } else if may_be_goal(&e.name) {
            self.goal_candidates.insert((e.site.clone(), e.visitor_id.clone(), e.name.clone()));
        }
        if !e.session_id.is_empty() {
            earliest(self.sessions.entry((e.site.clone(), e.session_id.clone())), (e.ts, segment.clone()));
        }
        if exposure {
            let goal = e.goal.clone().unwrap_or_else(|| DEFAULT_GOAL.to_string());
            earliest(self.exposures.entry((e.site.clone(), scenario, variant, e.visitor_id.clone())), (e.ts, segment, goal));
        }
    }
}

/// Whether any of a visitor's exposures has this goal (`$1` site, `$2` visitor, `$3` event
/// name), or a page goal when the event is a page view: the visitor's conversions are then
/// recomputed.
pub const IS_GOAL: &str = "SELECT EXISTS (SELECT 1 FROM exposures {EXPOSURES_BY_VISITOR} WHERE site = $1 AND visitor_id = $2
  AND (goal = $3 OR $3 = 'page_view' AND substr(goal, 1, 1) = '/'))";

/// Keeps the earliest `(ts, segment, …)` in `entry`; at the same moment, the smallest segment
/// (and goal), as the upserts and the rebuild choose.
fn earliest<K: Ord, V: Ord + Clone>(entry: std::collections::btree_map::Entry<'_, K, V>, new: V) {
    let first = entry.or_insert_with(|| new.clone());
    if new < *first {
        *first = new;
    }
}

/// What [`UPSERT_SESSIONS`] returns for a visit it added or moved: site, first event and its
/// segment, and the first event and segment it had before (none for a new visit).
pub type SessionChange = (String, i64, String, Option<i64>, Option<String>);
/// `session_daily` deltas by (site, day, segment).
pub type SessionDeltas = BTreeMap<(String, i64, String), i64>;

/// What the visits [`UPSERT_SESSIONS`] changed do to `session_daily` (entries that cancel out are
/// left out): a new visit counts on the day it began, and one whose earlier event arrived late
/// moves to that event's day and segment. PostgreSQL's store does the same in SQL.
pub fn session_deltas(changes: &[SessionChange]) -> SessionDeltas {
    let mut deltas = SessionDeltas::new();
    for (site, first, segment, was_first, was_segment) in changes {
        *deltas.entry((site.clone(), first.div_euclid(DAY_MS), segment.clone())).or_default() += 1;
        if let (Some(at), Some(segment)) = (was_first, was_segment) {
            *deltas.entry((site.clone(), at.div_euclid(DAY_MS), segment.clone())).or_default() -= 1;
        }
    }
    deltas.retain(|_, n| *n != 0);
    deltas
}

/// An [`ExposureRow`]'s columns, in its order, from `exposures` (a store adds its `WHERE`).
pub const SELECT_EXPOSURES: &str =
    "SELECT site, scenario_id, variant, visitor_id, first_ts, converted_ts, segment, goal FROM exposures";

/// One `exposures` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    /// Site, scenario, variant (`''` for none) and visitor.
    pub key: ExposureKey,
    /// The first exposure (Unix ms).
    pub first: i64,
    /// The first goal event at or after it.
    pub converted: Option<i64>,
    /// The segment of the first exposure.
    pub segment: String,
    /// The event that converts (the first exposure's goal).
    pub goal: String,
}

/// A cohort of `exposure_daily`: site, scenario, variant, segment, goal, day.
pub type CohortKey = (String, String, String, String, String, i64);
/// `exposure_daily` deltas by cohort.
pub type CohortDeltas = BTreeMap<CohortKey, i64>;
/// `conversion_daily` deltas by cohort and delay in days (rounded up).
pub type ConversionDeltas = BTreeMap<(CohortKey, i64), i64>;

/// What changing the touched visitors' `exposures` rows from `before` to `after` does to the
/// daily cohorts (entries that cancel out are left out).
pub fn cohort_deltas(before: &[ExposureRow], after: &[ExposureRow]) -> (CohortDeltas, ConversionDeltas) {
    let (mut cohorts, mut conversions) = (CohortDeltas::new(), ConversionDeltas::new());
    for (rows, sign) in [(before, -1), (after, 1)] {
        for row in rows {
            let (site, sc, v, _) = &row.key;
            let cohort =
                (site.clone(), sc.clone(), v.clone(), row.segment.clone(), row.goal.clone(), row.first.div_euclid(DAY_MS));
            if let Some(at) = row.converted {
                let delay = (at - row.first + DAY_MS - 1).div_euclid(DAY_MS);
                *conversions.entry((cohort.clone(), delay)).or_default() += sign;
            }
            *cohorts.entry(cohort).or_default() += sign;
        }
    }
    cohorts.retain(|_, n| *n != 0);
    conversions.retain(|_, n| *n != 0);
    (cohorts, conversions)
}

/// The rollups' upserts, each written once. `{ROWS}` is where a store puts its rows (SQLite:
/// `VALUES (?1, …)`, one row per execution; PostgreSQL: `SELECT * FROM unnest($1::…[], …)`, a
/// whole group in one round trip).
///
/// The daily deltas: site, day, scenario, variant, segment, impressions, clicks, dismissals,
/// purchases.
pub const UPSERT_DAILY: &str = "
INSERT INTO rollup_daily (site, day, scenario_id, variant, segment, impressions, clicks, dismissals, purchases) {ROWS}
ON CONFLICT (site, day, scenario_id, variant, segment) DO UPDATE SET
  impressions = rollup_daily.impressions + excluded.impressions, clicks = rollup_daily.clicks + excluded.clicks,
  dismissals = rollup_daily.dismissals + excluded.dismissals, purchases = rollup_daily.purchases + excluded.purchases";

/// The earliest new exposures: site, scenario, variant, visitor, first_ts, segment, goal (as
/// [`UPSERT_DAILY`]). A row changes only for an earlier exposure (at the same moment, the
/// smaller segment, then goal), as a rebuild chooses.
pub const UPSERT_EXPOSURES: &str = "
INSERT INTO exposures (site, scenario_id, variant, visitor_id, first_ts, segment, goal) {ROWS}
ON CONFLICT (site, scenario_id, variant, visitor_id) DO UPDATE SET
  first_ts = excluded.first_ts, segment = excluded.segment, goal = excluded.goal
WHERE excluded.first_ts < exposures.first_ts
   OR (excluded.first_ts = exposures.first_ts AND excluded.segment {C} < exposures.segment {C})
   OR (excluded.first_ts = exposures.first_ts AND excluded.segment = exposures.segment AND excluded.goal {C} < exposures.goal {C})";

/// The earliest new event of each visit: site, session id, first_ts, segment (as
/// [`UPSERT_EXPOSURES`]). A visit is updated only when the new event is earlier (at the same
/// moment, its segment smaller, as a rebuild chooses), keeping what it replaces in `prev_ts` and
/// `prev_segment`; it returns each visit added or moved ([`SessionChange`]). The update works
/// on the row as it is when locked, so two collectors writing one visit at once see each
/// other's change, where a read before the upsert would not.
pub const UPSERT_SESSIONS: &str = "
INSERT INTO sessions (site, session_id, first_ts, segment) {ROWS}
ON CONFLICT (site, session_id) DO UPDATE SET prev_ts = sessions.first_ts, prev_segment = sessions.segment,
  first_ts = excluded.first_ts, segment = excluded.segment
WHERE excluded.first_ts < sessions.first_ts
   OR (excluded.first_ts = sessions.first_ts AND excluded.segment {C} < sessions.segment {C})
RETURNING site, first_ts, segment, prev_ts, prev_segment";

/// Visit deltas: site, day, segment, n (as [`UPSERT_DAILY`]).
pub const UPSERT_SESSION_DAILY: &str = "
INSERT INTO session_daily (site, day, segment, sessions) {ROWS}
ON CONFLICT (site, day, segment) DO UPDATE SET sessions = session_daily.sessions + excluded.sessions";

/// Cohort deltas: site, scenario, variant, segment, goal, day, n (as [`UPSERT_DAILY`]).
pub const UPSERT_COHORT: &str = "
INSERT INTO exposure_daily (site, scenario_id, variant, segment, goal, day, exposed) {ROWS}
ON CONFLICT (site, day, scenario_id, variant, segment, goal) DO UPDATE SET exposed = exposure_daily.exposed + excluded.exposed";

/// Conversion deltas: site, scenario, variant, segment, goal, day, delay_days, n (as
/// [`UPSERT_DAILY`]).
pub const UPSERT_CONVERSIONS: &str = "
INSERT INTO conversion_daily (site, scenario_id, variant, segment, goal, day, delay_days, visitors) {ROWS}
ON CONFLICT (site, day, scenario_id, variant, segment, goal, delay_days) DO UPDATE SET
  visitors = conversion_daily.visitors + excluded.visitors";

/// `converted_ts`'s one definition: the first goal event at or after the visitor's first
/// exposure: an event of the goal's name, or for a page goal a page view whose address matches
/// it ([`crate::goal::page_matches`]).
/// `{EVENTS_BY_VISITOR}` is where SQLite names `events_visitor` (without statistics its planner
/// may walk a whole site's purchases per visitor).
macro_rules! set_conversion {
    () => {
        "SET converted_ts = (
  SELECT min(p.ts) FROM events p {EVENTS_BY_VISITOR}
  WHERE p.site = exposures.site AND p.visitor_id = exposures.visitor_id AND p.ts >= exposures.first_ts
    AND (p.name = exposures.goal
         OR p.name = 'page_view' AND substr(exposures.goal, 1, 1) = '/' AND shopcue_page_matches(p.url, exposures.goal)))"
    };
}

/// `UPDATE exposures … ` [`SET_CONVERSION`] `WHERE …`: a store recomputes the visitors a write
/// touched.
pub const SET_CONVERSION: &str = set_conversion!();

/// Impressions, clicks and dismissals per scenario × variant (`$1` site, `$2`/`$3` day bounds,
/// `$5` the segment pattern).
const LIFE: &str = "
life AS (
  SELECT scenario_id AS sc, variant AS v, sum(impressions){I} AS imp, sum(clicks){I} AS clk, sum(dismissals){I} AS dis
  FROM rollup_daily WHERE site = $1 AND day >= $2 AND day < $3 AND scenario_id <> '' AND segment LIKE $5
  GROUP BY 1, 2)";

/// A report's rows: every scenario × variant with exposures or lifecycle events in the days
/// read. A segment may hold a variant's impressions but none of its first exposures (the
/// impression came from another device than the exposure, or on a later day): its row is kept,
/// so that the rows by segment add up to the unfiltered report.
const ROWS: &str = "
k AS (SELECT sc, v FROM agg UNION SELECT sc, v FROM life)";

/// The report from the daily cohorts, for a window of whole days (`$1` site, `$2`/`$3` day
/// bounds, `$4` window in days, `$5` the segment pattern, [`crate::segment::Filter::pattern`]).
/// `{C}` is where a dialect puts a byte-order collation, `{I}` a cast to a 64-bit integer
/// (PostgreSQL's `sum` of `bigint` is `numeric`), `{GOALS}` its comma-joined distinct `goal`s
/// (the last column: [`goals`] reads it). A cohort whose visitors all moved to another day
/// (an earlier exposure arrived late) keeps a row of 0, left out with its goal.
pub fn report_sql() -> String {
    format!(
        "WITH agg AS (
  SELECT scenario_id AS sc, variant AS v, sum(exposed){{I}} AS exposed, {{GOALS}} AS goals
  FROM exposure_daily WHERE site = $1 AND day >= $2 AND day < $3 AND segment LIKE $5 AND exposed > 0
  GROUP BY 1, 2),
conv AS (
  SELECT scenario_id AS sc, variant AS v, sum(visitors){{I}} AS converted
  FROM conversion_daily WHERE site = $1 AND day >= $2 AND day < $3 AND delay_days <= $4 AND segment LIKE $5
  GROUP BY 1, 2),{LIFE},{ROWS}
SELECT k.sc, k.v, coalesce(agg.exposed, 0), coalesce(conv.converted, 0), coalesce(life.imp, 0), coalesce(life.clk, 0),
       coalesce(life.dis, 0), agg.goals
FROM k LEFT JOIN agg ON agg.sc = k.sc AND agg.v = k.v LEFT JOIN conv ON conv.sc = k.sc AND conv.v = k.v
  LEFT JOIN life ON life.sc = k.sc AND life.v = k.v
WHERE coalesce(agg.exposed, 0) > 0 OR coalesce(life.imp, 0) + coalesce(life.clk, 0) + coalesce(life.dis, 0) > 0
ORDER BY k.sc {{C}}, k.v {{C}}"
    )
}

/// The same report from the per-visitor table, for any window (`$4` in ms).
pub fn report_by_visitor_sql() -> String {
    format!(
        "WITH agg AS (
  SELECT scenario_id AS sc, variant AS v, count(*) AS exposed,
         sum(CASE WHEN converted_ts IS NOT NULL AND converted_ts <= first_ts + $4 THEN 1 ELSE 0 END) AS converted,
         {{GOALS}} AS goals
  FROM exposures
  WHERE site = $1 AND first_ts >= $2 * CAST(86400000 AS BIGINT) AND first_ts < $3 * CAST(86400000 AS BIGINT)
    AND segment LIKE $5
  GROUP BY 1, 2),{LIFE},{ROWS}
SELECT k.sc, k.v, coalesce(agg.exposed, 0), coalesce(agg.converted, 0), coalesce(life.imp, 0), coalesce(life.clk, 0),
       coalesce(life.dis, 0), agg.goals
FROM k LEFT JOIN agg ON agg.sc = k.sc AND agg.v = k.v LEFT JOIN life ON life.sc = k.sc AND life.v = k.v
ORDER BY k.sc {{C}}, k.v {{C}}"
    )
}

/// The goals of a report row's last column, sorted (none for a row without exposures).
///
/// ```
/// assert_eq!(shopcue_collector::rollup::goals(Some("sign_up,purchase".into())), ["purchase", "sign_up"]);
/// ```
pub fn goals(column: Option<String>) -> Vec<String> {
    let mut goals: Vec<String> = column.iter().flat_map(|c| c.split(',')).filter(|g| !g.is_empty()).map(str::to_string).collect();
    goals.sort();
    goals.dedup();
    goals
}

/// A report's statement and its `$4`: the daily cohorts and the window in days when it is a
/// whole number of days, else the per-visitor table and the window in ms. Both take `$1` site,
/// `$2`/`$3` the day bounds ([`days`]) and `$5` the segment pattern.
pub fn report_plan(window_ms: i64) -> (String, i64) {
    if window_ms % DAY_MS == 0 {
        (report_sql(), window_ms / DAY_MS)
    } else {
        (report_by_visitor_sql(), window_ms)
    }
}

/// Impressions and purchases per UTC day from the rollups (`$1` site, `$2`/`$3` day bounds,
/// `$4` the segment pattern); `{DATE}` is the dialect's `YYYY-MM-DD` of `day`, `{I}` as in
/// [`report_sql`].
pub const DAILY_SQL: &str = "
SELECT {DATE}, sum(impressions){I}, sum(purchases){I}
FROM rollup_daily WHERE site = $1 AND day >= $2 AND day < $3 AND segment LIKE $4
GROUP BY day HAVING sum(impressions) + sum(purchases) > 0 ORDER BY day";

/// Visits per segment that began in `[from, to)`: the whole UTC days inside it from
/// `session_daily`, the partial days at its ends from `sessions` (`$1` site, `$2`/`$3` the whole
/// days, `$4`–`$5` and `$6`–`$7` the ends in ms, `$8` the segment pattern: [`session_bounds`]),
/// so that a period of any length reads at most two days of visits one by one. A segment whose
/// visits all moved to another day (an earlier event arrived late) keeps a row of 0, left out.
pub const SESSIONS_SQL: &str = "
SELECT segment, sum(n){I} FROM (
  SELECT segment, sessions AS n FROM session_daily WHERE site = $1 AND day >= $2 AND day < $3 AND segment LIKE $8
  UNION ALL
  SELECT segment, 1 AS n FROM sessions WHERE site = $1 AND first_ts >= $4 AND first_ts < $5 AND segment LIKE $8
  UNION ALL
  SELECT segment, 1 AS n FROM sessions WHERE site = $1 AND first_ts >= $6 AND first_ts < $7 AND segment LIKE $8
) v GROUP BY segment HAVING sum(n) > 0 ORDER BY segment {C}";

/// [`SESSIONS_SQL`]'s bounds for `[from, to)`: the whole days `[first, end)` inside it and the
/// two ends left over, in ms (a period within one day is all ends).
///
/// ```
/// use shopcue_collector::rollup::{session_bounds, DAY_MS};
/// assert_eq!(session_bounds(DAY_MS / 2, 3 * DAY_MS), (1, 3, DAY_MS / 2, DAY_MS, 3 * DAY_MS, 3 * DAY_MS));
/// assert_eq!(session_bounds(5, 9), (0, 0, 5, 9, 9, 9));
/// ```
pub fn session_bounds(from: i64, to: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (first, end) = ((from + DAY_MS - 1).div_euclid(DAY_MS), to.div_euclid(DAY_MS));
    if first < end {
        (first, end, from, first * DAY_MS, end * DAY_MS, to)
    } else {
        (0, 0, from, to, to, to)
    }
}

/// Visits per UTC day (`$1` site, `$2`/`$3` day bounds, `$4` the segment pattern), as
/// [`DAILY_SQL`].
pub const SESSION_DAILY_SQL: &str = "
SELECT {DATE}, sum(sessions){I} FROM session_daily WHERE site = $1 AND day >= $2 AND day < $3 AND segment LIKE $4
GROUP BY day HAVING sum(sessions) > 0 ORDER BY day";

/// Creates the rollup tables (`{INT}`: the dialect's 64-bit integer type; `{TABLE}`: table
/// options). Rollups without a `segment` column (written before segments) are dropped by the
/// store and rebuilt ([`BACKFILL`]); [`TABLES`] lists them.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rollup_daily (
  site TEXT NOT NULL, day {INT} NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, segment TEXT NOT NULL,
  impressions {INT} NOT NULL, clicks {INT} NOT NULL, dismissals {INT} NOT NULL, purchases {INT} NOT NULL,
  PRIMARY KEY (site, day, scenario_id, variant, segment)){TABLE};
CREATE TABLE IF NOT EXISTS exposures (
  site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, visitor_id TEXT NOT NULL,
  first_ts {INT} NOT NULL, converted_ts {INT}, segment TEXT NOT NULL, goal TEXT NOT NULL,
  PRIMARY KEY (site, scenario_id, variant, visitor_id)){TABLE};
CREATE INDEX IF NOT EXISTS exposures_visitor ON exposures(site, visitor_id);
CREATE INDEX IF NOT EXISTS exposures_first ON exposures(site, first_ts);
CREATE TABLE IF NOT EXISTS exposure_daily (
  site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, segment TEXT NOT NULL, goal TEXT NOT NULL,
  day {INT} NOT NULL, exposed {INT} NOT NULL,
  PRIMARY KEY (site, day, scenario_id, variant, segment, goal)){TABLE};
CREATE TABLE IF NOT EXISTS conversion_daily (
  site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, segment TEXT NOT NULL, goal TEXT NOT NULL,
  day {INT} NOT NULL, delay_days {INT} NOT NULL, visitors {INT} NOT NULL,
  PRIMARY KEY (site, day, scenario_id, variant, segment, goal, delay_days)){TABLE};
CREATE TABLE IF NOT EXISTS sessions (
  site TEXT NOT NULL, session_id TEXT NOT NULL, first_ts {INT} NOT NULL, segment TEXT NOT NULL,
  prev_ts {INT}, prev_segment TEXT,
  PRIMARY KEY (site, session_id)){TABLE};
CREATE INDEX IF NOT EXISTS sessions_first ON sessions(site, first_ts, segment);
CREATE TABLE IF NOT EXISTS session_daily (
  site TEXT NOT NULL, day {INT} NOT NULL, segment TEXT NOT NULL, sessions {INT} NOT NULL,
  PRIMARY KEY (site, day, segment)){TABLE};";

/// The cohort tables, which a store drops when they predate goals (then rebuilds every rollup).
pub const COHORT_TABLES: [&str; 3] = ["exposures", "exposure_daily", "conversion_daily"];

/// The rollup tables, which a store drops when they predate segments (then rebuilds them).
pub const TABLES: [&str; 6] = ["rollup_daily", "exposures", "exposure_daily", "conversion_daily", "sessions", "session_daily"];

/// Rebuilds the visits' rollups from the events (part of [`BACKFILL`]; alone, for a database
/// whose other rollups predate them).
pub const BACKFILL_SESSIONS: [&str; 4] = [
    "DELETE FROM sessions",
    "DELETE FROM session_daily",
    "INSERT INTO sessions (site, session_id, first_ts, segment)
     SELECT site, session_id, ts, segment FROM (
       SELECT site, session_id, ts, segment, row_number() OVER (PARTITION BY site, session_id ORDER BY ts, segment {C}) AS n
       FROM events WHERE session_id <> '') AS firsts
     WHERE n = 1",
    "INSERT INTO session_daily (site, day, segment, sessions)
     SELECT site, first_ts / 86400000, segment, count(*) FROM sessions GROUP BY 1, 2, 3",
];

/// Every step of a rebuild from the events: [`BACKFILL`], then [`BACKFILL_SESSIONS`].
pub fn rebuild_steps() -> impl Iterator<Item = &'static str> {
    BACKFILL.iter().chain(BACKFILL_SESSIONS.iter()).copied()
}

/// Rebuilds every rollup but the visits' ([`BACKFILL_SESSIONS`]) from the events (a database
/// written before rollups existed). Written, like every statement here, with PostgreSQL's `$n`,
/// which SQLite reads as `?n`; `{GOAL_OF_JSON}` is where a dialect reads an event's
/// `params.goal` from its JSON.
pub const BACKFILL: [&str; 9] = [
    "DELETE FROM rollup_daily",
    "DELETE FROM exposures",
    "DELETE FROM exposure_daily",
    "DELETE FROM conversion_daily",
    "INSERT INTO rollup_daily (site, day, scenario_id, variant, segment, impressions, clicks, dismissals, purchases)
     SELECT site, ts / 86400000 AS day,
            CASE WHEN name = 'purchase' THEN '' ELSE coalesce(scenario_id, '') END AS sc,
            CASE WHEN name = 'purchase' THEN '' ELSE coalesce(variant, '') END AS v, segment,
            sum(CASE WHEN name = 'shopcue_impression' THEN 1 ELSE 0 END), sum(CASE WHEN name = 'shopcue_click' THEN 1 ELSE 0 END),
            sum(CASE WHEN name = 'shopcue_dismiss' THEN 1 ELSE 0 END), sum(CASE WHEN name = 'purchase' THEN 1 ELSE 0 END)
     FROM events WHERE name IN ('shopcue_impression', 'shopcue_click', 'shopcue_dismiss', 'purchase')
     GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO exposures (site, scenario_id, variant, visitor_id, first_ts, segment, goal)
     SELECT site, scenario_id, v, visitor_id, ts, segment, goal FROM (
       SELECT site, scenario_id, v, visitor_id, ts, segment, goal,
              row_number() OVER (PARTITION BY site, scenario_id, v, visitor_id ORDER BY ts, segment {C}, goal {C}) AS n
       FROM (SELECT site, scenario_id, coalesce(variant, '') AS v, visitor_id, ts, segment,
                    coalesce({GOAL_OF_JSON}, 'purchase') AS goal
             FROM events WHERE name = 'shopcue_exposure' AND scenario_id IS NOT NULL) AS exposed) AS firsts
     WHERE n = 1",
    concat!("UPDATE exposures ", set_conversion!()),
    "INSERT INTO exposure_daily (site, scenario_id, variant, segment, goal, day, exposed)
     SELECT site, scenario_id, variant, segment, goal, first_ts / 86400000, count(*) FROM exposures GROUP BY 1, 2, 3, 4, 5, 6",
    "INSERT INTO conversion_daily (site, scenario_id, variant, segment, goal, day, delay_days, visitors)
     SELECT site, scenario_id, variant, segment, goal, first_ts / 86400000, (converted_ts - first_ts + 86399999) / 86400000,
            count(*)
     FROM exposures WHERE converted_ts IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{Device, Segment, Visit};

    fn event(id: &str, name: &str, visitor: &str, ts: i64, scenario: Option<&str>) -> StoredEvent {
        StoredEvent {
            id: id.into(),
            site: "s".into(),
            name: name.into(),
            ts,
            visitor_id: visitor.into(),
            session_id: String::new(),
            url: String::new(),
            scenario_id: scenario.map(str::to_string),
            variant: scenario.map(|_| "a".to_string()),
            json: String::new(),
            goal: None,
            segment: Segment {
                device: Device::Mobile,
                visit: if id == "6" { Visit::Returning } else { Visit::New },
                channel: None,
            },
        }
    }

    #[test]
    fn counts_per_day_and_keeps_the_first_exposure() {
        let mut r = Rollup::default();
        let day = 20_000 * DAY_MS;
        for e in [
            event("1", "shopcue_impression", "v", day + 5, Some("sc")),
            event("2", "shopcue_impression", "v", day + DAY_MS, Some("sc")),
            event("3", "shopcue_click", "v", day + 6, Some("sc")),
            event("4", "purchase", "v", day + 7, None),
            event("5", "shopcue_exposure", "v", day + 9, Some("sc")),
            event("6", "shopcue_exposure", "v", day + 3, Some("sc")),
            event("7", "shopcue_exposure", "w", day + 3, None),
            event("8", "view_item", "x", day, None),
            event("9", "shopcue_impression", "y", day, Some("other")),
        ] {
            r.add(&e);
        }
        let key =
            |d: i64, sc: &str, v: &str| ("s".to_string(), 20_000 + d, sc.to_string(), v.to_string(), "mobile:new".to_string());
        assert_eq!(r.daily[&key(0, "sc", "a")], [1, 1, 0, 0]);
        assert_eq!(r.daily[&key(1, "sc", "a")], [1, 0, 0, 0]);
        assert_eq!(r.daily[&key(0, "", "")], [0, 0, 0, 1]);
        assert_eq!(r.daily.len(), 4);
        assert_eq!(
            r.exposures.values().cloned().collect::<Vec<_>>(),
            [(day + 3, "mobile:returning".to_string(), "purchase".to_string())],
            "the earliest, with its segment and goal; none without a scenario"
        );
        assert_eq!(r.visitors.len(), 1, "v only: w's exposure has no scenario, y's is an impression");
        assert_eq!(
            r.goal_candidates.iter().map(|(_, v, name)| (v.as_str(), name.as_str())).collect::<Vec<_>>(),
            [("x", "view_item")],
            "x's view may be a scenario's goal"
        );
    }

    #[test]
    fn cohort_deltas_move_a_visitor_between_days_and_delays() {
        let row = |first: i64, converted: Option<i64>, segment: &str| ExposureRow {
            key: ("s".to_string(), "sc".to_string(), "a".to_string(), "v".to_string()),
            first,
            converted,
            segment: segment.to_string(),
            goal: "sign_up".to_string(),
        };
        let day = 20_000 * DAY_MS;
        // An earlier exposure arrives (day 20,000 → 19,999; on a phone, not the desktop) and a
        // purchase 1.5 days after it.
        let (cohorts, conversions) = cohort_deltas(
            &[row(day + 5, None, "desktop:returning")],
            &[row(day - 5, Some(day - 5 + DAY_MS * 3 / 2), "mobile:new")],
        );
        let k = |segment: &str, d: i64| {
            ("s".to_string(), "sc".to_string(), "a".to_string(), segment.to_string(), "sign_up".to_string(), d)
        };
        assert_eq!(cohorts, [(k("desktop:returning", 20_000), -1), (k("mobile:new", 19_999), 1)].into_iter().collect());
        assert_eq!(conversions, [((k("mobile:new", 19_999), 2), 1)].into_iter().collect());
        // Nothing changed: nothing to write.
        let same = row(day, Some(day), "mobile:new");
        let once = std::slice::from_ref(&same);
        assert_eq!(cohort_deltas(once, once), Default::default());
        assert_eq!(cohort_deltas(&[], &[same]).1.keys().next().map(|k| k.1), Some(0), "same-moment purchase: delay 0");
    }

    #[test]
    fn session_deltas_count_a_new_visit_and_move_one_whose_earlier_event_came_late() {
        let day = 20_000 * DAY_MS;
        let changes = [
            ("s".to_string(), day + 5, "mobile:new".to_string(), None, None),
            ("s".into(), day - 5, "mobile:new:email".into(), Some(day + 7), Some("mobile:new".into())),
            ("t".into(), day + 1, "desktop:returning".into(), Some(day + 2), Some("desktop:returning".into())),
        ];
        let k = |site: &str, d: i64, segment: &str| (site.to_string(), d, segment.to_string());
        // s: +1 on day 20,000 (new), then -1 there and +1 on day 19,999 (moved); t: -1 and +1
        // on the same day and segment.
        assert_eq!(session_deltas(&changes), [(k("s", 19_999, "mobile:new:email"), 1)].into_iter().collect());
        assert_eq!(session_deltas(&[]), SessionDeltas::new());
    }

    #[test]
    fn day_bounds_cover_every_touched_day() {
        assert_eq!(days(0, DAY_MS), (0, 1));
        assert_eq!(days(5, DAY_MS + 1), (0, 2));
        assert_eq!(days(DAY_MS, 2 * DAY_MS), (1, 2));
    }
}
