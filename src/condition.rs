//! Conditions in the GrowthBook condition language (Mongo-style), with GrowthBook's exact
//! semantics — JavaScript's coercions included — compiled once into a typed tree and evaluated
//! many times. `tests/conformance.rs` runs GrowthBook's own test cases against this module.
//!
//! Two ways to compile: [`Condition::compile`] (config load) reports every problem with its
//! JSON path — unknown operators, operands of the wrong shape, regexes that do not compile;
//! [`Condition::compile_lenient`] follows GrowthBook at run time, where such a clause is simply
//! false. Regexes run on [`crate::regex`]: linear time, never catastrophic backtracking.

use crate::case::lower_str;
#[cfg(feature = "compiler")]
use crate::error::{element, member, Problem};
use crate::json::{format_number, Value};
use crate::regex::Regex;

/// Deepest nesting of conditions accepted.
#[cfg(feature = "compiler")]
const MAX_DEPTH: usize = 32;

/// Every operator of the condition language, for "did you mean" hints.
#[cfg(feature = "compiler")]
const OPERATORS: &[&str] = &[
    "$eq",
    "$ne",
    "$lt",
    "$lte",
    "$gt",
    "$gte",
    "$in",
    "$nin",
    "$ini",
    "$nini",
    "$all",
    "$alli",
    "$exists",
    "$regex",
    "$regexi",
    "$elemMatch",
    "$size",
    "$type",
    "$not",
    "$and",
    "$or",
    "$nor",
    "$inGroup",
    "$notInGroup",
    "$veq",
    "$vne",
    "$vgt",
    "$vgte",
    "$vlt",
    "$vlte",
];

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// All must hold (an object's members, or `$and`).
    And(Vec<Condition>),
    /// At least one must hold (`$or`; an empty list holds).
    Or(Vec<Condition>),
    /// None may hold (`$nor`; an empty list holds).
    Nor(Vec<Condition>),
    /// Negation (`$not`).
    Not(Box<Condition>),
    /// A test of the value at a dotted path.
    Field {
        /// The dotted path, as written.
        path: String,
        /// What the value there must satisfy.
        test: Test,
        /// The path resolved to a slot of the context it is evaluated on
        /// ([`Condition::resolve`]): read by number, not searched for by name.
        slot: Option<u16>,
    },
    /// A clause that can never hold (lenient compilation of something invalid).
    Never,
}

/// A test on one value.
#[derive(Debug, Clone)]
pub enum Test {
    /// `"text"`: `String(value) === text`.
    Str(String),
    /// `42`: `Number(value) === 42`.
    Num(f64),
    /// `true`/`false`: `value !== null && !!value === b`.
    Bool(bool),
    /// `null`: `value === null` (missing counts as null).
    Null,
    /// An array or a plain object: `JSON.stringify(value) === json`.
    Json(String),
    /// An operator object: all must hold.
    Ops(Vec<Op>),
}

/// One operator with its compiled operand.
#[derive(Debug, Clone)]
pub enum Op {
    /// `$eq` (strict equality; objects and arrays are never `===`).
    Eq(Value),
    /// `$ne`
    Ne(Value),
    /// `$lt`, `$lte`, `$gt`, `$gte` (JavaScript relational comparison).
    Cmp(CmpOp, Value),
    /// `$exists`
    Exists(bool),
    /// `$in` / `$ini` (case-insensitive), negated for `$nin` / `$nini`.
    In {
        /// The list.
        list: Vec<Value>,
        /// Case-insensitive.
        insensitive: bool,
        /// `$nin` / `$nini`.
        negate: bool,
    },
    /// `$inGroup` / `$notInGroup`: membership in a saved group.
    InGroup {
        /// Group id.
        group: String,
        /// `$notInGroup`.
        negate: bool,
    },
    /// `$not` on a value.
    Not(Box<Test>),
    /// `$size`: the array length satisfies the test.
    Size(Box<Test>),
    /// `$elemMatch` with an operator object (tests each element's value).
    ElemMatchValue(Box<Test>),
    /// `$elemMatch` with a condition (evaluated on each element).
    ElemMatch(Box<Condition>),
    /// `$all` / `$alli`: every test matches some element.
    All {
        /// One test per expected element.
        tests: Vec<Test>,
        /// Case-insensitive string equality.
        insensitive: bool,
    },
    /// `$regex` / `$regexi`.
    Regex(Regex),
    /// `$type`
    Type(String),
    /// `$veq` … `$vlte` on padded version strings.
    Version(CmpOp, String),
    /// Something invalid under lenient compilation: always false.
    Invalid,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

impl CmpOp {
    fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::Lte => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Gte => o != Less,
        }
    }
}

#[cfg(feature = "compiler")]
struct Compiler {
    strict: bool,
    problems: Vec<Problem>,
}

impl Condition {
    /// Whether any clause tests `root` or a path under it (`nearest_store.stock` reads
    /// `nearest_store`). Clauses inside `$elemMatch` are relative to elements and not counted.
    pub fn reads(&self, root: &str) -> bool {
        match self {
            Condition::And(list) | Condition::Or(list) | Condition::Nor(list) => list.iter().any(|c| c.reads(root)),
            Condition::Not(c) => c.reads(root),
            Condition::Field { path, .. } => path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
            Condition::Never => false,
        }
    }

    /// Resolves every field's path to a slot of the context it will be evaluated on, where
    /// `slot_of` knows the path (compile once, evaluate many times: a lookup by number instead
    /// of by name). The context must then answer [`Fields::lookup_slot`] for those slots.
    ///
    /// ```
    /// use shopcue::condition::{Condition, Fields};
    /// use shopcue::json::{parse, Value};
    /// use std::borrow::Cow;
    /// struct Row(f64);
    /// impl Fields for Row {
    ///     fn lookup(&self, _path: &str) -> Cow<'_, Value> { Cow::Owned(Value::Null) }
    ///     fn lookup_slot(&self, slot: u16, _path: &str) -> Cow<'_, Value> {
    ///         Cow::Owned(if slot == 0 { Value::Number(self.0) } else { Value::Null })
    ///     }
    /// }
    /// let mut c = Condition::compile(&parse(r#"{"price":{"$lt":10}}"#).unwrap(), "$").unwrap();
    /// c.resolve(&|path| (path == "price").then_some(0));
    /// assert!(c.eval_fields(&Row(5.0), &Value::Null) && !c.eval_fields(&Row(50.0), &Value::Null));
    /// ```
    pub fn resolve(&mut self, slot_of: &dyn Fn(&str) -> Option<u16>) {
        match self {
            Condition::And(list) | Condition::Or(list) | Condition::Nor(list) => list.iter_mut().for_each(|c| c.resolve(slot_of)),
            Condition::Not(c) => c.resolve(slot_of),
            Condition::Field { path, slot, .. } => *slot = slot_of(path),
            Condition::Never => {}
        }
    }

    /// A condition that always holds.
    pub fn always() -> Condition {
        Condition::And(Vec::new())
    }

    /// Compiles a condition for a config: every problem is reported with its JSON path.
    ///
    /// ```
    /// use shopcue::{condition::Condition, json::parse};
    /// let c = Condition::compile(&parse(r#"{"stock":{"$gte":1,"$lte":3}}"#).unwrap(), "$.where").unwrap();
    /// assert!(c.eval(&parse(r#"{"stock":2}"#).unwrap()));
    /// assert!(Condition::compile(&parse(r#"{"name":{"$regex":"("}}"#).unwrap(), "$").is_err());
    /// ```
    #[cfg(feature = "compiler")]
    pub fn compile(v: &Value, path: &str) -> Result<Condition, Vec<Problem>> {
        let mut c = Compiler { strict: true, problems: Vec::new() };
        let cond = c.condition(v, path, 0);
        if c.problems.is_empty() {
            Ok(cond)
        } else {
            Err(c.problems)
        }
    }

    /// Compiles with GrowthBook's run-time leniency: what is invalid evaluates to false.
    #[cfg(feature = "compiler")]
    pub fn compile_lenient(v: &Value) -> Condition {
        Compiler { strict: false, problems: Vec::new() }.condition(v, "$", 0)
    }

    /// Evaluates against a context object (no saved groups).
    pub fn eval(&self, ctx: &Value) -> bool {
        self.eval_with_groups(ctx, &Value::Null)
    }

    /// Evaluates with saved groups (`{"group_id": [members…]}`) for `$inGroup`.
    pub fn eval_with_groups(&self, ctx: &Value, groups: &Value) -> bool {
        self.eval_fields(ctx, groups)
    }

    /// [`Condition::eval_with_groups`] on fields computed as they are read ([`Fields`]): the
    /// engine's items compute only what a condition asks of them.
    pub fn eval_fields<F: Fields + ?Sized>(&self, ctx: &F, groups: &Value) -> bool {
        match self {
            Condition::And(cs) => cs.iter().all(|c| c.eval_fields(ctx, groups)),
            Condition::Or(cs) => cs.is_empty() || cs.iter().any(|c| c.eval_fields(ctx, groups)),
            Condition::Nor(cs) => !cs.iter().any(|c| c.eval_fields(ctx, groups)),
            Condition::Not(c) => !c.eval_fields(ctx, groups),
            Condition::Field { path, test, slot: None } => test.eval(&ctx.lookup(path), groups, false),
            Condition::Field { path, test, slot: Some(slot) } => test.eval(&ctx.lookup_slot(*slot, path), groups, false),
            Condition::Never => false,
        }
    }

    /// The first failing field clause and the value it saw, for `explain`.
    pub fn first_failure(&self, ctx: &Value) -> Option<(String, Value)> {
        self.first_failure_with_groups(ctx, &Value::Null)
    }

    /// [`Condition::first_failure`] with saved groups for `$inGroup`.
    pub fn first_failure_with_groups(&self, ctx: &Value, groups: &Value) -> Option<(String, Value)> {
        match self {
            Condition::And(cs) => cs.iter().find_map(|c| c.first_failure_with_groups(ctx, groups)),
            Condition::Field { path, test, .. } if !test.eval(get_path(ctx, path), groups, false) => {
                Some((path.clone(), get_path(ctx, path).clone()))
            }
            other if !other.eval_with_groups(ctx, groups) => Some(("$".into(), Value::Null)),
            _ => None,
        }
    }
}

#[cfg(feature = "compiler")]
impl Compiler {
    fn problem(&mut self, problem: Problem) {
        if self.strict {
            self.problems.push(problem);
        }
    }

    fn list(&mut self, v: &Value, path: &str, depth: usize) -> Option<Vec<Condition>> {
        match v.as_array() {
            Some(items) => Some(items.iter().enumerate().map(|(i, c)| self.condition(c, &element(path, i), depth + 1)).collect()),
            None => {
                self.problem(crate::problem!(path, "must be an array of conditions"));
                None
            }
        }
    }

    fn condition(&mut self, v: &Value, path: &str, depth: usize) -> Condition {
        if depth > MAX_DEPTH {
            self.problem(crate::problem!(path, "conditions nest too deeply"));
            return Condition::Never;
        }
        let Some(members) = v.as_object() else {
            self.problem(crate::problem!(path, "a condition must be an object"));
            return Condition::Never;
        };
        let mut all = Vec::with_capacity(members.len());
        for (k, x) in members {
            let at = member(path, k);
            all.push(match k.as_str() {
                "$and" => self.list(x, &at, depth).map_or(Condition::Never, Condition::And),
                "$or" => self.list(x, &at, depth).map_or(Condition::Never, Condition::Or),
                "$nor" => self.list(x, &at, depth).map_or(Condition::Never, Condition::Nor),
                "$not" => Condition::Not(Box::new(self.condition(x, &at, depth + 1))),
                _ => Condition::Field { path: k.clone(), test: self.test(x, &at, depth), slot: None },
            });
        }
        if all.len() == 1 {
            all.pop().unwrap_or_else(Condition::always)
        } else {
            Condition::And(all)
        }
    }

    fn test(&mut self, v: &Value, path: &str, depth: usize) -> Test {
        match v {
            Value::String(s) => Test::Str(s.clone()),
            Value::Number(n) => Test::Num(*n),
            Value::Bool(b) => Test::Bool(*b),
            Value::Null => Test::Null,
            _ if !is_operator_object(v) => Test::Json(v.to_json()),
            _ => Test::Ops(v.as_object().unwrap_or(&[]).iter().map(|(k, x)| self.op(k, x, &member(path, k), depth)).collect()),
        }
    }

    fn array(&mut self, v: &Value, path: &str, op: &str) -> Option<Vec<Value>> {
        let list = v.as_array().map(<[Value]>::to_vec);
        if list.is_none() {
            self.problem(crate::problem!(path, format!("{op} needs an array")));
        }
        list
    }

    fn op(&mut self, op: &str, x: &Value, path: &str, depth: usize) -> Op {
        let cmp = |c| Op::Cmp(c, x.clone());
        match op {
            "$eq" => Op::Eq(x.clone()),
            "$ne" => Op::Ne(x.clone()),
            "$lt" => cmp(CmpOp::Lt),
            "$lte" => cmp(CmpOp::Lte),
            "$gt" => cmp(CmpOp::Gt),
            "$gte" => cmp(CmpOp::Gte),
            // GrowthBook reads any value as true or false: "no" would read as true.
            "$exists" => {
                if !matches!(x, Value::Bool(_)) {
                    self.problem(crate::problem!(path, "$exists needs true or false, such as {\"$exists\": true}"));
                }
                Op::Exists(truthy(x))
            }
            "$in" | "$ini" | "$nin" | "$nini" => match self.array(x, path, op) {
                // `$ini` / `$nini`: the list's strings folded once, here.
                Some(list) => {
                    let insensitive = op.ends_with('i');
                    let list = if insensitive { list.iter().map(fold_case).collect() } else { list };
                    Op::In { list, insensitive, negate: op.starts_with("$n") }
                }
                None => Op::Invalid,
            },
            "$inGroup" | "$notInGroup" => match x.as_str() {
                Some(g) => Op::InGroup { group: g.to_string(), negate: op == "$notInGroup" },
                None => {
                    self.problem(crate::problem!(path, format!("{op} needs a saved group id (string)")));
                    Op::Invalid
                }
            },
            "$not" => Op::Not(Box::new(self.test(x, path, depth + 1))),
            "$size" => Op::Size(Box::new(self.test(x, path, depth + 1))),
            "$elemMatch" if is_operator_object(x) => Op::ElemMatchValue(Box::new(self.test(x, path, depth + 1))),
            "$elemMatch" => Op::ElemMatch(Box::new(self.condition(x, path, depth + 1))),
            "$all" | "$alli" => match self.array(x, path, op) {
                Some(list) => Op::All {
                    tests: list.iter().enumerate().map(|(i, t)| self.test(t, &element(path, i), depth + 1)).collect(),
                    insensitive: op == "$alli",
                },
                None => Op::Invalid,
            },
            "$regex" | "$regexi" => match x.as_str().map(|s| compile_regex(s, op == "$regexi")) {
                Some(Ok(re)) => Op::Regex(re),
                Some(Err(e)) => {
                    self.problem(crate::problem!(path, e));
                    Op::Invalid
                }
                None => {
                    self.problem(crate::problem!(path, format!("{op} needs a pattern string")));
                    Op::Invalid
                }
            },
            "$type" => match x.as_str() {
                Some(t @ ("string" | "number" | "boolean" | "object" | "array" | "null" | "undefined")) => {
                    Op::Type(t.to_string())
                }
                _ => {
                    self.problem(crate::problem!(path, "$type must be one of string, number, boolean, object, array, null"));
                    Op::Invalid
                }
            },
            "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
                let c = match op {
                    "$veq" => CmpOp::Eq,
                    "$vne" => CmpOp::Ne,
                    "$vgt" => CmpOp::Gt,
                    "$vgte" => CmpOp::Gte,
                    "$vlt" => CmpOp::Lt,
                    _ => CmpOp::Lte,
                };
                Op::Version(c, padded_version(x))
            }
            _ => {
                self.problem(crate::problem!(
                    path,
                    format!("unknown operator {op}.{}", crate::suggest::field_hint(op, OPERATORS))
                ));
                Op::Invalid
            }
        }
    }
}

/// Compiles a GrowthBook regex (`$regex` operand) with the linear-time engine.
#[cfg(feature = "compiler")]
fn compile_regex(source: &str, insensitive: bool) -> Result<Regex, String> {
    Regex::new(source, insensitive).map_err(|e| format!("invalid regex: {e}"))
}

/// A regex as the runtime config carries it: its program, as [`Regex::to_program`] writes it.
pub(crate) fn regex_program(v: &Value) -> Option<Regex> {
    let numbers = v
        .as_array()?
        .iter()
        .map(|n| n.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n)).map(|n| n as u32));
    Regex::from_program(&numbers.collect::<Option<Vec<u32>>>()?)
}

#[cfg(feature = "compiler")]
fn is_operator_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty() && m.iter().all(|(k, _)| k.starts_with('$')))
}

/// What a condition reads fields from: a JSON object ([`get_path`]), or a value that computes
/// each field when it is asked for (the engine's items).
pub trait Fields {
    /// The value at a dotted path; `Null` when there is none.
    fn lookup(&self, path: &str) -> std::borrow::Cow<'_, Value>;

    /// The value in `slot`, the number [`Condition::resolve`] gave `path` (by default, looked up
    /// by its path).
    fn lookup_slot(&self, slot: u16, path: &str) -> std::borrow::Cow<'_, Value> {
        let _ = slot;
        self.lookup(path)
    }
}

impl Fields for Value {
    fn lookup(&self, path: &str) -> std::borrow::Cow<'_, Value> {
        std::borrow::Cow::Borrowed(get_path(self, path))
    }
}

/// GrowthBook's `getPath` ([`Value::at_path`]): dotted path into objects and arrays; missing is
/// `null`.
pub fn get_path<'a>(obj: &'a Value, path: &str) -> &'a Value {
    obj.at_path(path)
}

impl Test {
    fn eval(&self, actual: &Value, groups: &Value, insensitive: bool) -> bool {
        match self {
            Test::Str(s) if insensitive => lower_str(&js_string(actual)) == lower_str(s),
            // Without allocating for the usual case: a string compared with a string.
            Test::Str(s) => match actual {
                Value::String(a) => a == s,
                other => js_string(other) == *s,
            },
            Test::Num(n) => js_number(actual) == *n,
            Test::Bool(b) => !actual.is_null() && truthy(actual) == *b,
            Test::Null => actual.is_null(),
            Test::Json(j) => actual.to_json() == *j,
            Test::Ops(ops) => ops.iter().all(|op| op.eval(actual, groups)),
        }
    }
}

impl Op {
    fn eval(&self, actual: &Value, groups: &Value) -> bool {
        match self {
            Op::Eq(x) => strict_equals(actual, x),
            Op::Ne(x) => !strict_equals(actual, x),
            Op::Cmp(c, x) => js_compare(actual, x).is_some_and(|o| c.holds(o)),
            Op::Exists(want) => actual.is_null() != *want,
            Op::In { list, insensitive, negate } => is_in(actual, list, *insensitive) != *negate,
            Op::InGroup { group, negate } => {
                let members = groups.get(group).and_then(Value::as_array).unwrap_or(&[]);
                is_in(actual, members, false) != *negate
            }
            Op::Not(t) => !t.eval(actual, groups, false),
            Op::Size(t) => actual.as_array().is_some_and(|a| t.eval(&Value::Number(a.len() as f64), groups, false)),
            Op::ElemMatchValue(t) => actual.as_array().is_some_and(|a| a.iter().any(|e| truthy(e) && t.eval(e, groups, false))),
            Op::ElemMatch(c) => actual.as_array().is_some_and(|a| a.iter().any(|e| truthy(e) && c.eval_with_groups(e, groups))),
            Op::All { tests, insensitive } => {
                actual.as_array().is_some_and(|a| tests.iter().all(|t| a.iter().any(|e| t.eval(e, groups, *insensitive))))
            }
            Op::Regex(re) => match actual {
                Value::String(text) => re.is_match(text),
                other => re.is_match(&js_string(other)),
            },
            Op::Type(t) => type_name(actual) == t,
            Op::Version(c, expected) => c.holds(with_padded_version(actual, |padded| padded.cmp(expected.as_bytes()))),
            Op::Invalid => false,
        }
    }
}

/// JavaScript truthiness.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `===`: same type and value; arrays and objects are distinct objects, never `===`.
fn strict_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        _ => a == b,
    }
}

/// `Array.prototype.includes` (SameValueZero), optionally case-folding strings; an array
/// `actual` matches when any of its elements does (GrowthBook's intersection).
fn is_in(actual: &Value, list: &[Value], insensitive: bool) -> bool {
    let member = |x: &Value| match x {
        // `list` was folded when the condition was compiled.
        Value::String(_) if insensitive => {
            let x = fold_case(x);
            list.iter().any(|l| strict_equals(&x, l))
        }
        _ => list.iter().any(|l| strict_equals(x, l)),
    };
    match actual {
        Value::Array(items) => items.iter().any(member),
        _ => member(actual),
    }
}

/// A string in lower case (for the `…i` operators); anything else as it is.
fn fold_case(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(lower_str(s)),
        other => other.clone(),
    }
}

/// `String(v)` as JavaScript writes it.
pub fn js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => {
            let mut s = String::new();
            format_number(*n, &mut s);
            s
        }
        Value::String(s) => s.clone(),
        // Array.prototype.toString: elements joined by ",", null and undefined as "".
        Value::Array(items) => {
            let mut out = String::new();
            for (k, i) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                if !i.is_null() {
                    out.push_str(&js_string(i));
                }
            }
            out
        }
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `Number(v)` as JavaScript computes it (NaN where JavaScript gives NaN).
pub fn js_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        Value::Array(_) => string_to_number(&js_string(v)),
        Value::Object(_) => f64::NAN,
    }
}

/// JavaScript's `StringToNumber`: trimmed decimal (sign, optional digits around `.`,
/// exponent), `Infinity`, `0x`/`0o`/`0b` integers; empty is 0; anything else NaN.
fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return if !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)) {
                digits.chars().fold(0.0, |acc, c| acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0)))
            } else {
                f64::NAN
            };
        }
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    // Normalize "5." / ".5" / "5.e3" into JSON number syntax, then parse.
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    let (int, frac) = crate::text::split_once(mantissa, b'.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return f64::NAN;
    }
    let int = crate::text::trim_start(int, b'0');
    let mut json = String::from(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(power) = exponent.get(1..) {
        json.push('e');
        json.push_str(power.strip_prefix('+').unwrap_or(power));
    }
    crate::json::parse_number(&json).map_or(f64::NAN, |n| sign * n)
}

/// JavaScript's relational comparison (`<`, `<=`, …): strings compare by UTF-16 code units,
/// everything else as numbers after `ToPrimitive`; `None` where JavaScript's answer is "false
/// whatever the operator" (a NaN).
fn js_compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use std::borrow::Cow;
    // The usual case, a number against a number, without the conversions below.
    if let (Value::Number(x), Value::Number(y)) = (a, b) {
        return x.partial_cmp(y);
    }
    // Only arrays and objects become text first; nothing else is copied.
    fn primitive(v: &Value) -> Cow<'_, Value> {
        match v {
            Value::Array(_) | Value::Object(_) => Cow::Owned(Value::String(js_string(v))),
            other => Cow::Borrowed(other),
        }
    }
    match (&*primitive(a), &*primitive(b)) {
        (Value::String(x), Value::String(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        (x, y) => js_number(x).partial_cmp(&js_number(y)),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// GrowthBook's `paddedVersionString`: `"v1.2.3-rc.1+build"` → comparable text where numeric
/// parts are left-padded and a release sorts after its pre-releases.
pub fn padded_version(v: &Value) -> String {
    with_padded_version(v, |padded| String::from_utf8_lossy(padded).into_owned())
}

/// `f` of [`padded_version`]'s bytes, padded on the stack for a version of up to 20 bytes:
/// `$veq` & co. compare it with their operand on every evaluation.
fn with_padded_version<R>(v: &Value, f: impl FnOnce(&[u8]) -> R) -> R {
    let owned;
    let text = match v {
        Value::Number(_) => {
            owned = js_string(v);
            owned.as_str()
        }
        Value::String(s) if !s.is_empty() => s.as_str(),
        _ => "0",
    };
    let text = crate::text::before(text.strip_prefix('v').unwrap_or(text), b'+').as_bytes();
    // Room for the longest result: every byte a part of its own, padded, and `-~`.
    let need = 6 * text.len() + 8;
    let (mut stack, mut heap) = ([0u8; 128], Vec::new());
    let out = if need <= stack.len() {
        &mut stack[..]
    } else {
        heap.resize(need, 0);
        &mut heap[..]
    };
    // The parts between `.` and `-`, joined by `-`; an all-digit part left-padded with spaces
    // to 5 bytes; `-~` after a release's three parts, which sorts after a pre-release's fourth.
    let (mut n, mut parts, mut start) = (0, 0, 0);
    for i in 0..=text.len() {
        if i < text.len() && !matches!(text[i], b'-' | b'.') {
            continue;
        }
        let part = &text[start..i];
        if parts > 0 {
            out[n] = b'-';
            n += 1;
        }
        if !part.is_empty() && part.iter().all(u8::is_ascii_digit) {
            for _ in part.len()..5 {
                out[n] = b' ';
                n += 1;
            }
        }
        out[n..n + part.len()].copy_from_slice(part);
        (n, parts, start) = (n + part.len(), parts + 1, i + 1);
    }
    if parts == 3 {
        out[n..n + 2].copy_from_slice(b"-~");
        n += 2;
    }
    f(&out[..n])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn check(cond: &str, ctx: &str) -> bool {
        Condition::compile(&parse(cond).unwrap(), "$").unwrap().eval(&parse(ctx).unwrap())
    }

    #[test]
    fn operators() {
        assert!(check(r#"{"item.stock":{"$gte":1,"$lte":3}}"#, r#"{"item":{"stock":3}}"#));
        assert!(!check(r#"{"item.stock":{"$gte":1,"$lte":3}}"#, r#"{"item":{"stock":0}}"#));
        assert!(!check(r#"{"item.stock":{"$gte":1}}"#, r#"{}"#), "missing is null, and null ≥ 1 is false");
        assert!(check(r#"{"low_stock":true,"in_cart":false}"#, r#"{"low_stock":true,"in_cart":false}"#));
        assert!(check(r#"{"$or":[{"a":1},{"b":2}]}"#, r#"{"b":2}"#));
        assert!(check(r#"{"tags":{"$in":["sale"]}}"#, r#"{"tags":["new","sale"]}"#));
        assert!(check(r#"{"n":"3"}"#, r#"{"n":3}"#), "GrowthBook coerces plain string equality");
        assert!(check(r#"{"name":{"$regexi":"^ca"}}"#, r#"{"name":"Camera"}"#));
        assert!(check(r#"{"v":{"$vgt":"1.9.0"}}"#, r#"{"v":"1.10.0"}"#));
    }

    #[test]
    fn compile_errors_carry_paths() {
        let err =
            Condition::compile(&parse(r#"{"a":{"$bogus":1},"$and":{"x":1},"b":{"$regex":"(","$in":3}}"#).unwrap(), "$.where")
                .unwrap_err();
        let paths: Vec<_> = err.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.where.a.$bogus", "$.where.$and", "$.where.b.$regex", "$.where.b.$in"]);
    }

    #[test]
    fn regexes_run_in_linear_time() {
        // The classic catastrophic-backtracking pattern: instant with a linear-time engine.
        let c = Condition::compile(&parse(r#"{"s":{"$regex":"^(a+)+$"}}"#).unwrap(), "$").unwrap();
        let evil = format!(r#"{{"s":"{}!"}}"#, "a".repeat(10_000));
        assert!(!c.eval(&parse(&evil).unwrap()));
    }

    #[test]
    fn explains_the_failing_clause() {
        let c = Condition::compile(&parse(r#"{"a":1,"b":{"$gt":5}}"#).unwrap(), "$").unwrap();
        assert_eq!(c.first_failure(&parse(r#"{"a":1,"b":2}"#).unwrap()), Some(("b".into(), Value::Number(2.0))));
        assert_eq!(c.first_failure(&parse(r#"{"a":1,"b":9}"#).unwrap()), None);
    }

    #[test]
    fn javascript_coercions() {
        for (s, n) in [
            ("", 0.0),
            ("  12 ", 12.0),
            ("0x1A", 26.0),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("-Infinity", f64::NEG_INFINITY),
        ] {
            assert_eq!(string_to_number(s), n, "{s:?}");
        }
        for s in ["abc", "1,000", "0x", "--1", "1e"] {
            assert!(string_to_number(s).is_nan(), "{s:?}");
        }
        assert_eq!(js_string(&parse(r#"[1,null,"a",[2,3]]"#).unwrap()), "1,,a,2,3");
        assert_eq!(padded_version(&Value::from("v1.2.3+build")), "    1-    2-    3-~");
        assert_eq!(padded_version(&Value::from("1.0.0-rc.1")), "    1-    0-    0-rc-    1");
        assert_eq!(padded_version(&Value::from(123456.0)), "123456");
        assert_eq!(padded_version(&Value::from("")), "    0");
        assert_eq!(padded_version(&Value::from("v")), "");
        // Longer than the stack's room: padded on the heap, the same way.
        let long = "1.2.3.4.5.6.7.8.9.10.11.12";
        assert_eq!(padded_version(&Value::from(long)), long.split('.').map(|p| format!("{p:>5}")).collect::<Vec<_>>().join("-"));
        assert!(check(r#"{"v":{"$vgt":"1.2.3.4.5.6.7.8.9.10.11.12"}}"#, r#"{"v":"1.2.3.4.5.6.7.8.9.10.11.13"}"#));
        assert!(!check(r#"{"v":{"$vgt":"1.2.3.4.5.6.7.8.9.10.11.12"}}"#, r#"{"v":"1.2.3.4.5.6.7.8.9.10.11.12"}"#));
    }
}
