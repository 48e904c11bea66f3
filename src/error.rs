//! The one error type of the core. The wasm binding converts it, once, into a JS `Error`
//! whose `code` is [`Error::code`] and whose `problems` lists each [`Problem`].

use std::fmt;

/// One problem found while validating input, located by its JSON path (`$.scenarios[2].preset`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the offending value, starting at `$`.
    pub path: String,
    /// What is wrong, in words a marketer can act on.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: path.into(), message: message.into() }
    }

    /// The one problem the shopper's runtime reports for a compiled config it cannot read:
    /// built without the `compiler` feature, it keeps no validation texts (see [`crate::problem!`]).
    pub fn unexplained() -> Self {
        Problem::new("$", "not a valid compiled config: compile it again (shopcue-collector config compile)")
    }
}

/// A config [`Problem`] at a path, with words a marketer can act on: `problem!(path, message)`.
///
/// With the `compiler` feature (the collector, the CLI, the lazily loaded compiler module, the
/// tools) this is [`Problem::new`]. The shopper's runtime is built without it: it reads configs
/// that the compiler already checked, so neither the path nor the message is built (the
/// arguments sit in a closure that is never called, and the linker drops them and their texts),
/// and every problem is [`Problem::unexplained`].
#[cfg(feature = "compiler")]
#[macro_export]
macro_rules! problem {
    ($path:expr, $message:expr $(,)?) => {
        $crate::error::Problem::new($path, $message)
    };
}

/// See the `compiler` build of this macro: without that feature, the arguments are never
/// evaluated and the problem is [`Problem::unexplained`].
#[cfg(not(feature = "compiler"))]
#[macro_export]
macro_rules! problem {
    ($path:expr, $message:expr $(,)?) => {{
        let _unbuilt = || ($path, $message);
        $crate::error::Problem::unexplained()
    }};
}

/// The JSON path of member `key` of the value at `path` (`$.caps` + `per_day`).
pub fn member(path: &str, key: &str) -> String {
    let mut s = String::with_capacity(path.len() + 1 + key.len());
    s.push_str(path);
    s.push('.');
    s.push_str(key);
    s
}

/// The JSON path of element `i` of the array at `path` (`$.scenarios[2]`).
pub fn element(path: &str, i: usize) -> String {
    let mut s = String::with_capacity(path.len() + 6);
    s.push_str(path);
    s.push('[');
    crate::json::format_number(i as f64, &mut s);
    s.push(']');
    s
}

// Text is put together with `push_str`, never `write!`: the widget carries no formatting
// machinery (`core::fmt`'s argument handling, padding and integer printing).
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::text::concat(&[self.path.as_str(), ": ", &self.message]))
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Text that is not valid JSON.
    Json {
        /// Byte offset where parsing stopped.
        offset: usize,
        /// What was expected.
        reason: String,
    },
    /// A config that failed validation; it is rejected as a whole.
    InvalidConfig(Vec<Problem>),
    /// A command or event with bad arguments; it is rejected, everything else keeps working.
    InvalidEvent(Vec<Problem>),
    /// A command that needs `init` first.
    NotInitialized,
    /// A command name Shopcue does not know.
    UnknownCommand(String),
    /// The config could not be had (HTTP status, network): why.
    ConfigUnavailable(String),
}

/// Every [`Error::code`], for the generated TypeScript types.
pub const ERROR_CODES: &[&str] = &[
    "SHOPCUE_INVALID_JSON",
    "SHOPCUE_INVALID_CONFIG",
    "SHOPCUE_INVALID_EVENT",
    "SHOPCUE_NOT_INITIALIZED",
    "SHOPCUE_UNKNOWN_COMMAND",
    "SHOPCUE_CONFIG_UNAVAILABLE",
];

impl Error {
    /// A stable, machine-readable code (`SHOPCUE_INVALID_CONFIG` …) for JS callers and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Json { .. } => "SHOPCUE_INVALID_JSON",
            Error::InvalidConfig(_) => "SHOPCUE_INVALID_CONFIG",
            Error::InvalidEvent(_) => "SHOPCUE_INVALID_EVENT",
            Error::NotInitialized => "SHOPCUE_NOT_INITIALIZED",
            Error::UnknownCommand(_) => "SHOPCUE_UNKNOWN_COMMAND",
            Error::ConfigUnavailable(_) => "SHOPCUE_CONFIG_UNAVAILABLE",
        }
    }

    /// The located problems, if any.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::InvalidConfig(p) | Error::InvalidEvent(p) => p,
            _ => &[],
        }
    }

    /// The problems as JSON, `[{"path": …, "message": …}, …]` (what JS callers see).
    pub fn problems_value(&self) -> crate::json::Value {
        crate::json::Value::Array(
            self.problems()
                .iter()
                .map(|p| crate::json::object([("path", p.path.as_str().into()), ("message", p.message.as_str().into())]))
                .collect(),
        )
    }
}

impl Error {
    /// The error as one text: what went wrong, then each problem on its own line (what
    /// [`Error`]'s `Display` writes, without going through `core::fmt`).
    ///
    /// ```
    /// use shopcue::{Error, Problem};
    /// let e = Error::InvalidEvent(vec![Problem::new("$.items", "must be an array of items")]);
    /// assert_eq!(e.message(), "invalid event (1 problem)\n  $.items: must be an array of items");
    /// assert_eq!(e.message(), e.to_string());
    /// ```
    pub fn message(&self) -> String {
        self.message_about("event")
    }

    /// [`Error::message`] for an error in `text`, a config as someone wrote it: a JSON syntax
    /// error is placed at its line and column, with the likely slip when it is one of the usual
    /// ones of hand-edited JSON (a comma before a closing bracket, a comment, single quotes, a
    /// text that ends too soon), or an HTML page where a config was expected. For the publishing
    /// side and the compiler module: the widget's own parser names the byte.
    ///
    /// ```
    /// use shopcue::json::parse;
    /// let text = "{\n  \"version\": 1,\n  \"scenarios\": [],\n}";
    /// let e = parse(text).unwrap_err();
    /// assert_eq!(e.message(), "invalid JSON at byte 37: expected a string key");
    /// assert_eq!(
    ///     e.message_in(text),
    ///     "invalid JSON at line 4, column 1: expected a string key, found '}' (a comma with nothing after it: remove the last comma)"
    /// );
    /// ```
    #[cfg(feature = "compiler")]
    pub fn message_in(&self, text: &str) -> String {
        let (Error::Json { reason, .. }, Some((before, rest))) = (self, self.json_split(text)) else { return self.message() };
        let (line, column) = line_column_of(before);
        let found = match rest.chars().next() {
            // Only a syntax error is about the character where it stopped.
            _ if !reason.contains("expected") => String::new(),
            None => String::new(),
            Some('\'') => ", found \"'\"".to_string(), // not '\''
            Some(c) => format!(", found {c:?}"),
        };
        // The last character before the slip; `None` when nothing but white space came before.
        let last = before.iter().rev().find(|b| !b.is_ascii_whitespace());
        let slip = if last == Some(&b',') && (rest.starts_with('}') || rest.starts_with(']')) {
            " (a comma with nothing after it: remove the last comma)"
        } else if rest.starts_with("//") || rest.starts_with("/*") {
            " (JSON has no comments)"
        } else if rest.starts_with('\'') {
            " (JSON strings and keys take double quotes)"
        } else if last.is_none() && rest.starts_with('<') {
            " (an HTML page, not a config: is its URL right?)"
        } else if rest.is_empty() && last.is_none() {
            " (the text is empty)"
        } else if rest.is_empty() {
            " (the text ends here: a closing bracket or brace is missing, or the file was cut short)"
        } else {
            ""
        };
        format!("invalid JSON at line {line}, column {column}: {reason}{found}{slip}")
    }

    /// Where in `text` (a config as someone wrote it) a JSON syntax error stopped: its line and
    /// column, both from 1, columns counted in characters. `None` for any other error.
    ///
    /// ```
    /// use shopcue::json::parse;
    /// let text = "{\n  \"a\": 1,\n}";
    /// assert_eq!(parse(text).unwrap_err().line_column(text), Some((3, 1)));
    /// ```
    #[cfg(feature = "compiler")]
    pub fn line_column(&self, text: &str) -> Option<(usize, usize)> {
        self.json_split(text).map(|(before, _)| line_column_of(before))
    }

    /// [`Error::problems_value`] for an error about `text`: a JSON error is its one problem at
    /// `$`, with [`Error::message_in`] and the `line` and `column` where it stopped, for an
    /// editor to put its cursor there.
    ///
    /// ```
    /// use shopcue::json::parse;
    /// let text = "{\n  \"a\": 1,\n}";
    /// let placed = parse(text).unwrap_err().problems_in(text);
    /// assert_eq!(placed.get_path("0.line").and_then(|l| l.as_f64()), Some(3.0));
    /// assert_eq!(placed.get_path("0.path").and_then(|p| p.as_str()), Some("$"));
    /// ```
    #[cfg(feature = "compiler")]
    pub fn problems_in(&self, text: &str) -> crate::json::Value {
        let Some((line, column)) = self.line_column(text) else { return self.problems_value() };
        crate::json::Value::Array(vec![crate::json::object([
            ("path", "$".into()),
            ("message", self.message_in(text).into()),
            ("line", crate::json::Value::Number(line as f64)),
            ("column", crate::json::Value::Number(column as f64)),
        ])])
    }

    /// A JSON error's text split where it stopped (after a byte order mark, as
    /// config::parse_authored reads): the bytes before, the text from there on. `None` for any
    /// other error.
    #[cfg(feature = "compiler")]
    fn json_split<'t>(&self, text: &'t str) -> Option<(&'t [u8], &'t str)> {
        let Error::Json { offset, .. } = self else { return None };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let offset = (*offset).min(text.len());
        // `get` (a char-boundary check), not a UTF-8 check of the rest: it is a str already.
        Some((&text.as_bytes()[..offset], text.get(offset..).unwrap_or_default()))
    }

    /// [`Error::message`], with `noun` naming what an [`Error::InvalidEvent`] was about when it
    /// was not an event: the shell names `init`'s options, `on()`'s arguments and a product feed.
    ///
    /// ```
    /// use shopcue::{Error, Problem};
    /// let e = Error::InvalidEvent(vec![Problem::new("$.site", "is required")]);
    /// assert_eq!(e.message_about("init options"), "invalid init options (1 problem)\n  $.site: is required");
    /// ```
    pub fn message_about(&self, noun: &str) -> String {
        match self {
            Error::Json { offset, reason } => {
                crate::text::concat(&["invalid JSON at byte ", &crate::json::number_text(*offset as f64), ": ", reason])
            }
            Error::InvalidConfig(p) | Error::InvalidEvent(p) => {
                let what = if matches!(self, Error::InvalidConfig(_)) { "config" } else { noun };
                let count = crate::json::number_text(p.len() as f64);
                let mut text =
                    crate::text::concat(&["invalid ", what, " (", &count, if p.len() == 1 { " problem)" } else { " problems)" }]);
                for problem in p {
                    text.push_str("\n  ");
                    text.push_str(&problem.path);
                    text.push_str(": ");
                    text.push_str(&problem.message);
                }
                text
            }
            Error::NotInitialized => "call shopcue('init', …) first".to_string(),
            Error::UnknownCommand(name) => crate::text::concat(&["unknown command \"", name, "\""]),
            Error::ConfigUnavailable(why) => crate::text::concat(&["config not loaded: ", why]),
        }
    }
}

/// The line and column (both from 1, columns in characters: a UTF-8 continuation byte is not a
/// column of its own) just after `before`.
#[cfg(feature = "compiler")]
fn line_column_of(before: &[u8]) -> (usize, usize) {
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = before[line_start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
    (line, column)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_for_typescript() {
        let all = [
            Error::Json { offset: 0, reason: String::new() },
            Error::InvalidConfig(Vec::new()),
            Error::InvalidEvent(Vec::new()),
            Error::NotInitialized,
            Error::UnknownCommand(String::new()),
            Error::ConfigUnavailable(String::new()),
        ];
        assert_eq!(all.iter().map(Error::code).collect::<Vec<_>>(), ERROR_CODES);
    }

    #[test]
    fn paths_are_built_without_format() {
        assert_eq!(member("$.caps", "per_day"), "$.caps.per_day");
        assert_eq!(member(&element("$.scenarios", 12), "message.cta.url"), "$.scenarios[12].message.cta.url");
        assert_eq!(element("$", 0), "$[0]");
    }
}
