//! A small JSON value with a parser and a writer.
//!
//! Shopcue's core moves every piece of data (config, events, stored profile, beacons) as JSON
//! text. A hand-written value type keeps `serde_json` (tens of KB) out of the wasm bundle and
//! lets config validation report *every* problem with its JSON path instead of the first one.

use crate::error::Error;

/// Maximum nesting depth accepted by [`parse`]; deeper input is rejected, never overflows the stack.
pub const MAX_DEPTH: usize = 64;

/// A JSON value. Objects keep their keys in insertion order.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number (JSON has one number type; so does JavaScript).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object with keys in insertion order.
    Object(Vec<(String, Value)>),
}

/// What a path that leads nowhere reads.
static NULL: Value = Value::Null;

impl Value {
    /// The member `key` of an object, or `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a dotted path (`"item.price"`); array elements are addressed by index (`"items.0"`).
    /// `None` where there is nothing, or `null`.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        Some(self.at_path(path)).filter(|v| !v.is_null())
    }

    /// GrowthBook's `getPath`: a dotted path into objects and arrays (a canonical index only:
    /// `"1"`, not `"01"` or `"+1"`); missing is `null`.
    ///
    /// ```
    /// use shopcue::json::{parse, Value};
    /// let v = parse(r#"{"items":[{"price":5}]}"#).unwrap();
    /// assert_eq!(v.at_path("items.0.price"), &Value::Number(5.0));
    /// assert_eq!(v.at_path("items.00.price"), &Value::Null);
    /// ```
    pub fn at_path(&self, path: &str) -> &Value {
        let mut cur = self;
        for part in crate::text::split(path, b'.') {
            cur = match cur {
                Value::Object(_) => cur.get(part),
                Value::Array(a) => crate::text::digits(part)
                    .filter(|_| part == "0" || !part.starts_with('0'))
                    .and_then(|i| a.get(usize::try_from(i).ok()?)),
                _ => None,
            }
            .unwrap_or(&NULL);
            if cur.is_null() {
                return &NULL;
            }
        }
        cur
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Sets `key` on an object (replacing an existing member); does nothing on other values.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    /// Serializes to compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(self, &mut out);
        out
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(n as f64)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// Builds an object value from `(key, value)` pairs.
pub fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    object_from(&mut members.into_iter())
}

/// The one non-generic body behind [`object`] (one copy in the wasm, not one per length).
fn object_from(members: &mut dyn Iterator<Item = (&str, Value)>) -> Value {
    let mut out = Vec::with_capacity(members.size_hint().0);
    for (k, v) in members {
        out.push((k.to_string(), v));
    }
    Value::Object(out)
}

/// Parses JSON text. Rejects trailing garbage and nesting deeper than [`MAX_DEPTH`]. Meant for
/// text the site itself wrote (configs, stored state, its pages' data), and so lenient in one
/// way `JSON.parse` is not: a string may hold raw control characters (a JSON-LD template's
/// line breaks). A stranger's bytes go through [`parse_untrusted`], which refuses them.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_with::<SITE>(text)
}

/// Like [`parse`], for a stranger's bytes (a collector's request body): an object's repeated
/// keys are resolved in O(n log n) whatever their number, and a number beyond ±1.8e308 becomes
/// ±infinity, as `JSON.parse` reads it, instead of failing the whole text, so a collector can
/// reject the one event that holds it and keep the rest of the batch. (A separate entry point:
/// the shopper's bundle, which never calls it, carries none of this.)
pub fn parse_untrusted(text: &str) -> Result<Value, Error> {
    parse_with::<UNTRUSTED>(text)
}

/// Like [`parse`], for a config as someone wrote it by hand: a key repeated in one object is an
/// error at the repetition, where `JSON.parse` would silently keep the last value (a second
/// `"scenarios"` at the end of a long config would drop every scenario above it).
///
/// ```
/// use shopcue::json::parse_strict;
/// let e = parse_strict(r#"{"priority": 10, "priority": 90}"#).unwrap_err();
/// assert_eq!(e.message(), "invalid JSON at byte 17: \"priority\" is already set in this object (a key may appear once)");
/// assert!(shopcue::json::parse(r#"{"priority": 10, "priority": 90}"#).is_ok());
/// ```
#[cfg(feature = "compiler")]
pub fn parse_strict(text: &str) -> Result<Value, Error> {
    parse_with::<STRICT>(text)
}

/// What a [`Parser`] is reading: the site's own text ([`parse`]), a stranger's bytes
/// ([`parse_untrusted`]) or a config written by hand ([`parse_strict`]).
const SITE: u8 = 0;
const UNTRUSTED: u8 = 1;
#[cfg(feature = "compiler")]
const STRICT: u8 = 2;

fn parse_with<const MODE: u8>(text: &str) -> Result<Value, Error> {
    let mut p = Parser::<MODE> { text, s: text.as_bytes(), i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected trailing characters"));
    }
    Ok(v)
}

/// A recursive-descent parser; `MODE` says whose text it reads ([`SITE`] …).
struct Parser<'a, const MODE: u8> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<const MODE: u8> Parser<'_, MODE> {
    fn err(&self, what: &str) -> Error {
        Error::Json { offset: self.i, reason: what.to_string() }
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> Result<(), Error> {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.eat("null").map(|_| Value::Null),
            Some(b't') => self.eat("true").map(|_| Value::Bool(true)),
            Some(b'f') => self.eat("false").map(|_| Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut members: Vec<(String, Value)> = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Object(members));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let key_at = self.i;
                    let key = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    if MODE == UNTRUSTED {
                        members.push((key, v)); // repeated keys resolved at the end
                    } else {
                        // Like JSON.parse: a repeated key keeps its place and its last value.
                        match members.iter_mut().find(|(k, _)| *k == key) {
                            Some(_) if MODE > UNTRUSTED => {
                                // parse_strict: a hand-written config (compiler builds only).
                                let reason = ["\"", &key, "\" is already set in this object (a key may appear once)"];
                                return Err(Error::Json { offset: key_at, reason: crate::text::concat(&reason) });
                            }
                            Some((_, old)) => *old = v,
                            None => members.push((key, v)),
                        }
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            if MODE == UNTRUSTED {
                                dedupe_keys(&mut members);
                            }
                            return Ok(Value::Object(members));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.i;
        while matches!(self.s.get(self.i), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
            self.i += 1;
        }
        // Stopped on ASCII bytes: the slice is on character boundaries.
        let text = &self.text[start..self.i];
        if !is_json_number(text) {
            return Err(self.err("invalid number"));
        }
        Some(parse_f64(text))
            .filter(|n| n.is_finite() || MODE == UNTRUSTED)
            .map(Value::Number)
            .ok_or_else(|| self.err("number out of range"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("short \\u escape"))?;
        let n = crate::text::hex(h).ok_or_else(|| self.err("bad \\u escape"))?;
        self.i += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, Error> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            // A raw control character (a line break, a tab) ends the run as an error, except in
            // the site's own text: a product page's JSON-LD written by a template (`"description":
            // "{{ product.description }}"`) keeps the description's line breaks raw, which
            // `JSON.parse` refuses; the product is still the page's.
            while match self.s.get(self.i) {
                None | Some(b'"' | b'\\') => false,
                Some(0..=0x1f) => MODE == SITE,
                _ => true,
            } {
                self.i += 1;
            }
            // The input is a &str, and we stopped on ASCII bytes: the slice is on character
            // boundaries (no UTF-8 to validate again).
            let run = &self.text[start..self.i];
            match self.s.get(self.i) {
                Some(b'"') if out.is_empty() => {
                    self.i += 1;
                    return Ok(run.to_string()); // no escapes: one allocation of the exact size
                }
                Some(b'"') => {
                    self.i += 1;
                    out.push_str(run);
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(run);
                    self.i += 1;
                    let c = *self.s.get(self.i).ok_or_else(|| self.err("unterminated escape"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            // Lone surrogates cannot live in a Rust string: replace them, never fail.
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }
}

/// Like `JSON.parse`, a repeated key keeps its first position and its last value. O(n log n)
/// (a sort), never quadratic: an object of 300,000 keys in a stranger's request body must cost
/// milliseconds, not minutes.
fn dedupe_keys(members: &mut Vec<(String, Value)>) {
    let n = members.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| members[a].0.cmp(&members[b].0).then(a.cmp(&b)));
    let mut keep = vec![true; n];
    // (first, last) index of each repeated key; the later ones are dropped.
    let mut moves = Vec::new();
    for run in order.chunk_by(|&a, &b| members[a].0 == members[b].0) {
        if let [first, .., last] = *run {
            moves.push((first, last));
            run[1..].iter().for_each(|&i| keep[i] = false);
        }
    }
    for &(first, last) in &moves {
        members[first].1 = std::mem::replace(&mut members[last].1, Value::Null);
    }
    if !moves.is_empty() {
        let mut i = 0;
        members.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
}

/// Reads a number written in JSON syntax (surrounding whitespace allowed), as conditions and
/// price strings need: `" 42 "` → 42, `"4e2"` → 400, `"0x10"` → `None`.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    is_json_number(t).then(|| parse_f64(t)).filter(|n| n.is_finite())
}

/// An exponent's value ("+5", "-3", "12"), held within ±10,000: far beyond any finite double,
/// so a longer one (`1e99999999999999999999`) overflows or underflows as it should.
fn exponent(e: &str) -> i64 {
    let (sign, d) = match e.as_bytes().first() {
        Some(b'-') => (-1, &e[1..]),
        Some(b'+') => (1, &e[1..]),
        _ => (1, e),
    };
    let magnitude = match crate::text::digits(d) {
        Some(n) => n.min(10_000) as i64,
        None if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => 10_000,
        None => 0,
    };
    sign * magnitude
}

/// Converts a validated JSON number. Exact (correctly rounded) whenever the digits fit in
/// 15 significant figures and the decimal exponent in ±22 — every price, stock count,
/// timestamp and coordinate Shopcue sees; beyond that, within a few units in the last place.
/// Hand-written so the wasm build carries none of core's float-parsing tables (about 10 KB).
fn parse_f64(text: &str) -> f64 {
    let (neg, t) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (mantissa_part, mut exp) = match t.bytes().position(|b| b | 0x20 == b'e') {
        Some(i) => (&t[..i], exponent(&t[i + 1..])),
        None => (t, 0),
    };
    let mut digits: u64 = 0;
    let mut significant = 0;
    let mut seen_point = false;
    for b in mantissa_part.bytes() {
        match b {
            b'.' => seen_point = true,
            b'0'..=b'9' if significant < 19 => {
                digits = digits * 10 + u64::from(b - b'0');
                if digits > 0 {
                    significant += 1;
                }
                if seen_point {
                    exp -= 1;
                }
            }
            _ if !seen_point => exp += 1, // digits beyond u64 precision before the point
            _ => {}
        }
    }
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
        1e22,
    ];
    let m = digits as f64;
    let value = if digits < (1 << 53) && (-22..=22).contains(&exp) {
        // Both operands exact: one IEEE operation, one rounding — the correctly rounded result.
        if exp >= 0 {
            m * POW10[exp as usize]
        } else {
            m / POW10[(-exp) as usize]
        }
    } else {
        let mut v = m;
        let mut e = exp;
        while e > 22 {
            v *= 1e22;
            e -= 22;
        }
        while e < -22 {
            v /= 1e22;
            e += 22;
        }
        if e >= 0 {
            v * POW10[e as usize]
        } else {
            v / POW10[(-e) as usize]
        }
    };
    if neg {
        -value
    } else {
        value
    }
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
fn is_json_number(t: &str) -> bool {
    let b = t.strip_prefix('-').unwrap_or(t).as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(0);
    if int == 0 || (int > 1 && b[0] == b'0') {
        return false;
    }
    let mut i = int;
    if b.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// Writes a number for JSON and display: integers exactly (like JavaScript's `String(n)`),
/// fractions with up to 9 decimals. Hand-written so the wasm build carries none of core's
/// float-formatting machinery (about 25 KB).
pub fn format_number(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
        return;
    }
    if n < 0.0 {
        out.push('-');
    }
    let mut a = n.abs();
    if a >= 1e18 {
        // Beyond u64 precision: mantissa and exponent, like 1.5e+21.
        let mut exp = 0u32;
        while a >= 10.0 {
            a /= 10.0;
            exp += 1;
        }
        format_number(a, out);
        out.push_str("e+");
        push_u64(u64::from(exp), out);
        return;
    }
    let mut int = a.trunc() as u64;
    let mut frac = ((a - a.trunc()) * 1e9).round() as u64;
    if frac >= 1_000_000_000 {
        int += 1;
        frac -= 1_000_000_000;
    }
    push_u64(int, out);
    if frac > 0 {
        out.push('.');
        let digits = format_fraction(frac, 9);
        out.push_str(crate::text::trim_end(&digits, b'0'));
    }
}

/// [`format_number`] into a new string: `number_text(3.0)` is `"3"`.
pub fn number_text(n: f64) -> String {
    let mut s = String::new();
    format_number(n, &mut s);
    s
}

/// Formats `n` rounded to `decimals` places (`fixed(3.256, 1)` is `"3.3"`), without `format!`.
pub fn fixed(n: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals.min(9));
    let scaled = (n.abs() * scale as f64).round() as u64;
    let mut out = String::new();
    if n < 0.0 && scaled > 0 {
        out.push('-');
    }
    push_u64(scaled / scale, &mut out);
    if decimals > 0 {
        out.push('.');
        out.push_str(&format_fraction(scaled % scale, decimals.min(9) as usize));
    }
    out
}

fn format_fraction(frac: u64, width: usize) -> String {
    let mut digits = String::new();
    push_u64(frac, &mut digits);
    let mut padded = "0".repeat(width.saturating_sub(digits.len()));
    padded.push_str(&digits);
    padded
}

fn push_u64(mut n: u64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
}

/// Writes `s` as a JSON string: runs of characters that need no escape are copied whole, and
/// U+2028 / U+2029 are escaped too (a JSON text may then sit inside a JavaScript string).
pub fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push('"');
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        let (escape, len): (&str, usize) = match bytes[i] {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            b @ 0..=0x1f => {
                out.push_str(&s[run..i]);
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
                i += 1;
                run = i;
                continue;
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) => {
                (if bytes[i + 2] == 0xA8 { "\\u2028" } else { "\\u2029" }, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[run..i]);
        out.push_str(escape);
        i += len;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Writes a JSON object member by member straight into text, with no [`Value`] tree in
/// between: what serializing a large record (the stored profile) costs is then its text alone.
///
/// ```
/// use shopcue::json::Members;
/// let mut out = String::new();
/// let mut m = Members::open(&mut out);
/// m.number("n", 2.5);
/// m.string("s", "a\"b");
/// m.maybe("none", None);
/// m.times("at", &[1, 2]);
/// m.close();
/// assert_eq!(out, r#"{"n":2.5,"s":"a\"b","none":null,"at":[1,2]}"#);
/// ```
pub struct Members<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Members<'a> {
    /// Starts an object at the end of `out`.
    pub fn open(out: &'a mut String) -> Members<'a> {
        out.push('{');
        Members { out, empty: true }
    }

    /// Writes the key of the next member, and returns the text for its value to be written to.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(key, self.out);
        self.out.push(':');
        self.out
    }

    /// A member holding a number.
    pub fn number(&mut self, key: &str, n: f64) {
        format_number(n, self.key(key));
    }

    /// A member holding a number, or `null`.
    pub fn maybe(&mut self, key: &str, n: Option<f64>) {
        match n {
            Some(n) => self.number(key, n),
            None => self.key(key).push_str("null"),
        }
    }

    /// A member holding a string.
    pub fn string(&mut self, key: &str, s: &str) {
        write_string(s, self.key(key));
    }

    /// A member holding any value.
    pub fn value(&mut self, key: &str, v: &Value) {
        write_value(v, self.key(key));
    }

    /// A member holding a list of times (or any whole numbers).
    pub fn times(&mut self, key: &str, times: &[i64]) {
        let out = self.key(key);
        out.push('[');
        for (i, t) in times.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            format_number(*t as f64, out);
        }
        out.push(']');
    }

    /// Ends the object.
    pub fn close(self) {
        self.out.push('}');
    }
}

/// Writes `v` as compact JSON text at the end of `out` (what [`Value::to_json`] returns).
pub fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => format_number(*n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let text = r#"{"a":[1,2.5,-3e2,true,false,null],"b":"x\"y\n\u00e9\ud83d\ude00","c":{}}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.get_path("a.1"), Some(&Value::Number(2.5)));
        assert_eq!(v.get_path("a.2"), Some(&Value::Number(-300.0)));
        assert_eq!(v.get("b").unwrap().as_str(), Some("x\"y\né😀"));
        assert_eq!(parse(&v.to_json()).unwrap(), v);
        assert_eq!(v.to_json(), r#"{"a":[1,2.5,-300,true,false,null],"b":"x\"y\né😀","c":{}}"#);
    }

    #[test]
    fn strings_are_escaped_where_json_and_script_tags_need_it() {
        let text = "\u{1}a\\b\"c\td\re\u{2028}f\u{2029}g\u{2027}é😀\n";
        let json = Value::String(text.to_string()).to_json();
        assert_eq!(json, "\"\\u0001a\\\\b\\\"c\\td\\re\\u2028f\\u2029g\u{2027}é😀\\n\"");
        assert_eq!(parse(&json).unwrap().as_str(), Some(text));
        assert_eq!(Value::String(String::new()).to_json(), "\"\"");
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value_like_json_parse() {
        for parse in [parse, parse_untrusted] {
            assert_eq!(parse(r#"{"a":1,"b":2,"a":3}"#).unwrap().to_json(), r#"{"a":3,"b":2}"#);
            assert_eq!(parse(r#"{"a":1,"a":{"x":1,"x":2}}"#).unwrap().to_json(), r#"{"a":{"x":2}}"#);
        }
        for n in [20, 40] {
            let text = format!(
                "{{{},\"k3\":\"last\",\"k0\":null}}",
                (0..n).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",")
            );
            let v = parse_untrusted(&text).unwrap();
            assert_eq!(v, parse(&text).unwrap(), "both entry points agree");
            let keys: Vec<&str> = v.as_object().unwrap().iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>());
            assert_eq!(v.get("k3").and_then(Value::as_str), Some("last"));
            assert_eq!(v.get("k0"), Some(&Value::Null));
            assert_eq!(v.get("k19").and_then(Value::as_f64), Some(19.0));
        }
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        for bad in ["", "{", "[1,]", "01", "1.", "-", "\"abc", "{\"a\" 1}", "nul", "[1] x", "\"\\x\"", "1e999", "\"\\u+0e9\""] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "[".repeat(MAX_DEPTH + 2);
        assert!(parse(&deep).is_err());
        assert!(parse_untrusted(&deep).is_err());
        // A number out of range: an error for the site's own text, infinity (as in JS) for a
        // stranger's, whose reader rejects just the part that holds it.
        assert_eq!(
            parse_untrusted("[1e999,-1e400]").unwrap(),
            Value::Array(vec![f64::INFINITY.into(), f64::NEG_INFINITY.into()])
        );
    }

    /// A JSON-LD template's description keeps its line breaks and tabs raw: the site's own text
    /// is read with them, a stranger's is not.
    #[test]
    fn raw_control_characters_in_strings_are_read_only_in_the_site_s_own_text() {
        let text = "{\"description\":\"Linen.\r\n\tWashable.\",\"sku\":\"A\u{1}\"}";
        let v = parse(text).unwrap();
        assert_eq!(v.get("description").and_then(Value::as_str), Some("Linen.\r\n\tWashable."));
        assert_eq!(v.get("sku").and_then(Value::as_str), Some("A\u{1}"));
        assert_eq!(parse_untrusted(text).unwrap_err().message(), "invalid JSON at byte 22: control character in string");
        assert_eq!(parse("\"a\nb"), Err(Error::Json { offset: 4, reason: "unterminated string".into() }));
    }

    #[test]
    fn numbers_parse_exactly_in_the_common_range() {
        for text in [
            "0",
            "-0",
            "1980",
            "19.99",
            "0.1",
            "1.1",
            "123456789012345",
            "1e22",
            "2.5e-3",
            "-47.25",
            "35.659",
            "139.7003",
            "1700000000123",
            "0.000001",
            "9007199254740991",
        ] {
            assert_eq!(parse_f64(text), text.parse::<f64>().unwrap(), "{text}");
        }
        for text in ["1e300", "1.7976931348623157e308", "5e-324", "123456789012345678901234567890"] {
            let (got, want) = (parse_f64(text), text.parse::<f64>().unwrap());
            assert!(((got - want) / want).abs() < 1e-14, "{text}: {got} vs {want}");
        }
        assert!(parse("1e400").is_err(), "overflow is an error, not infinity");
        // An exponent too long for an integer still overflows or underflows (it read as 1e0).
        assert!(parse("1e99999999999999999999").is_err());
        assert_eq!(parse_f64("1e-99999999999999999999"), 0.0);
        assert_eq!(parse_f64("5E+2"), 500.0);
    }

    #[test]
    fn numbers_format_like_javascript() {
        for (n, want) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1980.0, "1980"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.333333333"),
            (1_700_000_000_123.0, "1700000000123"),
            (1.5e21, "1.5e+21"),
            (0.9999999999, "1"),
            (f64::NAN, "null"),
        ] {
            let mut s = String::new();
            format_number(n, &mut s);
            assert_eq!(s, want, "{n}");
        }
        assert_eq!(fixed(3.256, 1), "3.3");
        assert_eq!(fixed(12800.0, 2), "12800.00");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(0.05, 0), "0");
    }

    #[test]
    fn lone_surrogates_are_replaced() {
        assert_eq!(parse(r#""\ud800x""#).unwrap(), Value::String("\u{FFFD}x".into()));
    }
}
