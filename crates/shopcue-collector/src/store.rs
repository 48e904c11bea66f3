//! Event storage behind one trait, [`EventStore`]: SQLite ([`crate::sqlite`], one file, WAL)
//! is the default, PostgreSQL ([`crate::pg`]) for collectors that scale out; a store that
//! forwards to an existing pipeline (Kafka, ClickHouse …) is another implementation, not a
//! rewrite. Requests are written in groups ([`crate::commit`]): one transaction for every batch
//! that arrived while the previous one committed; each HTTP reply is sent only after its group
//! commits. Duplicate event ids are ignored (clients re-send after failures).

use crate::batch::StoredEvent;
use crate::report::Row;

/// One request's valid events, as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The events, in batch order.
    pub events: Vec<StoredEvent>,
    /// When the collector received them (Unix ms).
    pub received_at: i64,
}

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
    /// Only events of these device classes and visits (exposures: the first one's).
    pub segment: crate::segment::Filter,
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
    /// Stores every batch in one transaction and returns, per batch, what was new; returns only
    /// after the transaction is durable. On `Err` nothing was stored.
    fn write(&self, batches: &[Incoming]) -> Result<Vec<Written>, String>;
    /// The store answers.
    fn healthy(&self) -> bool;
    /// Per scenario × variant figures.
    fn report(&self, q: &ReportQuery) -> Result<Vec<Row>, String>;
    /// Impressions and purchases per day.
    fn daily(&self, q: &ReportQuery) -> Result<Vec<Day>, String>;
    /// Rows of a read-only query written for both dialects (`$1`… parameters, `{I}` after an
    /// integer column, `{DATE}` for a `day` column as `YYYY-MM-DD`): what [`crate::analytics`]
    /// reads, without a method per query in every store.
    fn select(&self, sql: &str, args: &[Sql]) -> Result<Vec<Vec<Sql>>, String>;
}

/// A value in or out of [`EventStore::select`].
#[derive(Debug, Clone, PartialEq)]
pub enum Sql {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
}

impl Sql {
    /// The integer, or 0.
    pub fn int(&self) -> i64 {
        match self {
            Sql::Int(n) => *n,
            Sql::Real(x) => *x as i64,
            _ => 0,
        }
    }

    /// The text, or `""`.
    pub fn text(&self) -> &str {
        match self {
            Sql::Text(s) => s,
            _ => "",
        }
    }
}

/// A database that holds both events and site configs ([`crate::configs::ConfigStore`]): what a
/// collector runs on (SQLite or PostgreSQL).
pub trait Database: EventStore + crate::configs::ConfigStore {}

impl<T: EventStore + crate::configs::ConfigStore> Database for T {}
