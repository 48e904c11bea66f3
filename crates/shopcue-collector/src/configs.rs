//! Site configs on the publishing side (the control plane): every publish is a new, immutable
//! version (author, time, note) that goes live at once; a rollback publishes an earlier
//! version's config again as the next version; every publish, rollback, refused publish and
//! preview link is in an audit log. Stored next to the events, in the same database (SQLite or
//! PostgreSQL), through [`ConfigStore`]; the statements are written once here, in the stores'
//! shared dialect (`$n` parameters, `{INT}`).

use shopcue::json::{object, Value};

/// The tables. Created with the events' tables when a store opens.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS config_versions (
  site           TEXT NOT NULL,
  version        {INT} NOT NULL,
  created_at     {INT} NOT NULL,
  author         TEXT NOT NULL,
  note           TEXT NOT NULL,
  action         TEXT NOT NULL,
  source_version {INT},
  etag           TEXT NOT NULL,
  raw            TEXT NOT NULL,
  runtime        TEXT NOT NULL,
  PRIMARY KEY (site, version)
);
CREATE TABLE IF NOT EXISTS config_audit (
  site    TEXT NOT NULL,
  ts      {INT} NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  version {INT},
  detail  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS config_audit_site ON config_audit(site, ts);
CREATE TABLE IF NOT EXISTS config_drafts (
  site       TEXT NOT NULL,
  id         TEXT NOT NULL,
  expires_at {INT} NOT NULL,
  runtime    TEXT NOT NULL,
  PRIMARY KEY (site, id)
);";

/// The columns of a [`Version`], in [`Version::from_row`]'s order.
const COLUMNS: &str = "site, version, created_at, author, note, action, source_version, etag";

/// The next version number of a site (inside the publishing transaction).
pub const NEXT_VERSION_SQL: &str = "SELECT coalesce(max(version), 0) + 1 FROM config_versions WHERE site = $1";
/// Stores a version: `COLUMNS`, then the raw and runtime texts.
pub const INSERT_VERSION_SQL: &str = "INSERT INTO config_versions (site, version, created_at, author, note, action, \
     source_version, etag, raw, runtime) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
/// Appends to the audit log.
pub const INSERT_AUDIT_SQL: &str =
    "INSERT INTO config_audit (site, ts, actor, action, version, detail) VALUES ($1, $2, $3, $4, $5, $6)";
/// Stores a preview draft under its random token.
pub const INSERT_DRAFT_SQL: &str = "INSERT INTO config_drafts (site, id, expires_at, runtime) VALUES ($1, $2, $3, $4)";

/// A site's versions, newest first.
pub fn versions_sql() -> String {
    format!("SELECT {COLUMNS} FROM config_versions WHERE site = $1 ORDER BY version DESC")
}

/// One version with its texts (raw, runtime) after the `COLUMNS`.
pub fn version_sql() -> String {
    format!("SELECT {COLUMNS}, raw, runtime FROM config_versions WHERE site = $1 AND version = $2")
}

/// The live version (the newest) with its runtime text after the `COLUMNS`.
pub fn live_sql() -> String {
    format!("SELECT {COLUMNS}, runtime FROM config_versions WHERE site = $1 ORDER BY version DESC LIMIT 1")
}

/// A site's audit log, newest first (at most 500 entries).
pub const AUDIT_SQL: &str =
    "SELECT site, ts, actor, action, version, detail FROM config_audit WHERE site = $1 ORDER BY ts DESC LIMIT 500";
/// A draft's runtime text and expiry.
pub const DRAFT_SQL: &str = "SELECT runtime, expires_at FROM config_drafts WHERE site = $1 AND id = $2";

/// A published version (without its texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Site id.
    pub site: String,
    /// 1, 2, 3 … per site; the highest is live.
    pub version: i64,
    /// When it was published (Unix ms).
    pub created_at: i64,
    /// Who published it.
    pub author: String,
    /// Why (free text, may be empty).
    pub note: String,
    /// `publish` or `rollback`.
    pub action: String,
    /// For a rollback: the version whose config it published again.
    pub source_version: Option<i64>,
    /// The strong ETag of its runtime config (quotes included).
    pub etag: String,
}

impl Version {
    /// The version from a row's `COLUMNS`, read by `get(i)` (either database's row type).
    pub fn from_row<E>(
        text: impl Fn(usize) -> Result<String, E>,
        int: impl Fn(usize) -> Result<Option<i64>, E>,
    ) -> Result<Version, E> {
        Ok(Version {
            site: text(0)?,
            version: int(1)?.unwrap_or_default(),
            created_at: int(2)?.unwrap_or_default(),
            author: text(3)?,
            note: text(4)?,
            action: text(5)?,
            source_version: int(6)?,
            etag: text(7)?,
        })
    }

    /// As JSON for the API.
    pub fn to_value(&self) -> Value {
        object([
            ("site", self.site.as_str().into()),
            ("version", Value::Number(self.version as f64)),
            ("created_at", Value::Number(self.created_at as f64)),
            ("author", self.author.as_str().into()),
            ("note", self.note.as_str().into()),
            ("action", self.action.as_str().into()),
            ("source_version", self.source_version.map_or(Value::Null, |v| Value::Number(v as f64))),
            ("etag", self.etag.as_str().into()),
        ])
    }
}

/// A version to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    /// Site id.
    pub site: String,
    /// Now (Unix ms).
    pub now: i64,
    /// Who publishes.
    pub author: String,
    /// Why.
    pub note: String,
    /// `publish` or `rollback`.
    pub action: &'static str,
    /// For a rollback, the version published again.
    pub source_version: Option<i64>,
    /// The authored config (JSON text), kept for diffs and for rollbacks.
    pub raw: String,
    /// The compiled runtime config (JSON text) that shoppers get.
    pub runtime: String,
    /// The live version this change was made to (`If-Match`): it is published only while that
    /// version is still the live one, checked in the same transaction.
    pub based_on: Option<i64>,
}

impl NewVersion {
    /// The [`Version`] this becomes as number `version` with tag `etag`.
    pub fn published(&self, version: i64, etag: String) -> Version {
        Version {
            site: self.site.clone(),
            version,
            created_at: self.now,
            author: self.author.clone(),
            note: self.note.clone(),
            action: self.action.into(),
            source_version: self.source_version,
            etag,
        }
    }

    /// Whether publishing this would only repeat the live version, whose texts are `raw` and
    /// `runtime`: a publish of what is live makes no new version (a rollback always does).
    pub fn repeats(&self, raw: &str, runtime: &str) -> bool {
        self.action == "publish" && self.raw == raw && self.runtime == runtime
    }

    /// The strong ETag of this version's runtime config: its version number and a 64-bit FNV-1a
    /// hash of the text, computed once at publishing (every collector serves the same tag).
    pub fn etag(&self, version: i64) -> String {
        etag(version, &self.runtime)
    }
}

/// What [`ConfigStore::publish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored as the site's next version, live at once.
    New(Version),
    /// Nothing stored: the live version (this one) is what it would publish
    /// ([`NewVersion::repeats`]).
    Unchanged(Version),
    /// Nothing stored: the version it was made to (`based_on`) is no longer live.
    Conflict,
}

/// The strong ETag of version `version` served as `runtime` (see [`NewVersion::etag`]).
pub fn etag(version: i64, runtime: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in runtime.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"v{version}-{h:016x}\"")
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Site id.
    pub site: String,
    /// When (Unix ms).
    pub ts: i64,
    /// Who (the author given, and the client address).
    pub actor: String,
    /// `publish`, `rollback`, `refused` (an invalid config, nothing changed) or `preview`.
    pub action: String,
    /// The version it made, if any.
    pub version: Option<i64>,
    /// The note, or what was refused and why.
    pub detail: String,
}

impl AuditEntry {
    /// As JSON for the API.
    pub fn to_value(&self) -> Value {
        object([
            ("ts", Value::Number(self.ts as f64)),
            ("actor", self.actor.as_str().into()),
            ("action", self.action.as_str().into()),
            ("version", self.version.map_or(Value::Null, |v| Value::Number(v as f64))),
            ("detail", self.detail.as_str().into()),
        ])
    }
}

/// Where site configs live. Errors are text for the log; clients see 503.
pub trait ConfigStore: Send + Sync {
    /// Stores `v` as the site's next version, live at once, with its audit entry (`actor`), in
    /// one transaction; concurrent publishers (other collectors) get consecutive numbers. In the
    /// same transaction, nothing is stored when `v.based_on` is no longer the live version
    /// ([`Published::Conflict`]) or when `v` repeats the live version ([`Published::Unchanged`]).
    fn publish(&self, v: &NewVersion, actor: &str) -> Result<Published, String>;
    /// A site's versions, newest first.
    fn versions(&self, site: &str) -> Result<Vec<Version>, String>;
    /// One version with its raw and runtime texts.
    fn version(&self, site: &str, version: i64) -> Result<Option<(Version, String, String)>, String>;
    /// The live version and its runtime text.
    fn live(&self, site: &str) -> Result<Option<(Version, String)>, String>;
    /// Appends an audit entry that made no version (a refused publish, a preview link).
    fn record(&self, entry: &AuditEntry) -> Result<(), String>;
    /// A site's audit log, newest first.
    fn audit(&self, site: &str) -> Result<Vec<AuditEntry>, String>;
    /// Keeps a draft's runtime config for a preview link, under `id` (a random token), until
    /// `expires_at` (Unix ms).
    fn save_draft(&self, site: &str, id: &str, runtime: &str, expires_at: i64) -> Result<(), String>;
    /// A draft's runtime config and expiry.
    fn draft(&self, site: &str, id: &str) -> Result<Option<(String, i64)>, String>;
}

/// Pretty-prints JSON with two-space indents, one member or element per line: the form that
/// [`diff`] compares (and that people read).
pub fn pretty(v: &Value) -> String {
    fn write(v: &Value, depth: usize, out: &mut String) {
        let pad = |d: usize, out: &mut String| out.extend(std::iter::repeat_n("  ", d));
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push_str("{\n");
                for (i, (k, x)) in m.iter().enumerate() {
                    pad(depth + 1, out);
                    out.push_str(&Value::String(k.clone()).to_json());
                    out.push_str(": ");
                    write(x, depth + 1, out);
                    out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
                }
                pad(depth, out);
                out.push('}');
            }
            Value::Array(a) if !a.is_empty() => {
                out.push_str("[\n");
                for (i, x) in a.iter().enumerate() {
                    pad(depth + 1, out);
                    write(x, depth + 1, out);
                    out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
                }
                pad(depth, out);
                out.push(']');
            }
            other => out.push_str(&other.to_json()),
        }
    }
    let mut out = String::new();
    write(v, 0, &mut out);
    out.push('\n');
    out
}

/// A unified line diff of two texts (`-` removed, `+` added, ` ` kept), by longest common
/// subsequence. Texts of more than 4,000 lines each are shown as all removed and all added.
///
/// ```
/// let d = shopcue_collector::configs::diff("a\nb\nc\n", "a\nB\nc\n");
/// assert_eq!(d, " a\n-b\n+B\n c\n");
/// ```
pub fn diff(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = String::new();
    let mut line = |mark: char, text: &str| {
        out.push(mark);
        out.push_str(text);
        out.push('\n');
    };
    if a.len() > 4000 || b.len() > 4000 {
        a.iter().for_each(|l| line('-', l));
        b.iter().for_each(|l| line('+', l));
        return out;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            line(' ', a[i]);
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            line('-', a[i]);
            i += 1;
        } else {
            line('+', b[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopcue::json::parse;

    #[test]
    fn a_diff_shows_what_changed_in_a_config() {
        let old = pretty(&parse(r#"{"site":"s","scenarios":[{"id":"a","priority":1}]}"#).unwrap());
        let new = pretty(&parse(r#"{"site":"s","scenarios":[{"id":"a","priority":2},{"id":"b"}]}"#).unwrap());
        let d = diff(&old, &new);
        assert!(d.contains("-      \"priority\": 1\n"), "{d}");
        assert!(d.contains("+      \"priority\": 2\n"), "{d}");
        assert!(d.contains("+      \"id\": \"b\"\n"), "{d}");
        assert!(d.contains(" {\n"), "{d}");
        assert_eq!(diff(&old, &old).lines().filter(|l| !l.starts_with(' ')).count(), 0);
    }

    #[test]
    fn etags_differ_by_content_and_version() {
        let v = NewVersion {
            site: "s".into(),
            now: 0,
            author: "a".into(),
            note: String::new(),
            action: "publish",
            source_version: None,
            raw: "{}".into(),
            runtime: "{\"runtime\":1}".into(),
            based_on: None,
        };
        let other = NewVersion { runtime: "{\"runtime\":1} ".into(), ..v.clone() };
        assert_ne!(v.etag(1), other.etag(1));
        assert_ne!(v.etag(1), v.etag(2));
        assert!(v.etag(1).starts_with("\"v1-") && v.etag(1).ends_with('"'));
    }
}
