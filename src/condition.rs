//! Conditions in the GrowthBook condition language (Mongo-style), compiled once into a typed
//! tree at config load and evaluated many times against a context [`Value`].

use crate::error::Problem;
use crate::json::Value;

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// All must hold (an object's members, or `$and`).
    And(Vec<Condition>),
    /// At least one must hold (`$or`; an empty `$or` holds).
    Or(Vec<Condition>),
    /// None may hold (`$nor`).
    Nor(Vec<Condition>),
    /// Negation (`$not`).
    Not(Box<Condition>),
    /// A test of the value at `path`.
    Field {
        /// Dotted path into the context.
        path: String,
        /// What the value must satisfy.
        test: Test,
    },
}

/// A test on one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Plain value: equality with GrowthBook's coercions.
    Equals(Value),
    /// Operators that must all hold.
    Ops(Vec<Op>),
}

/// One operator with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `$eq`
    Eq(Value),
    /// `$ne`
    Ne(Value),
    /// `$lt`
    Lt(Value),
    /// `$lte`
    Lte(Value),
    /// `$gt`
    Gt(Value),
    /// `$gte`
    Gte(Value),
    /// `$in`
    In(Vec<Value>),
    /// `$nin`
    Nin(Vec<Value>),
    /// `$exists`
    Exists(bool),
    /// `$not` on a value
    Not(Box<Test>),
}

impl Condition {
    /// A condition that always holds.
    pub fn always() -> Condition {
        Condition::And(Vec::new())
    }

    /// Compiles a condition object; every problem is reported with its JSON path under `path`.
    ///
    /// ```
    /// use shopcue::{condition::Condition, json::parse};
    /// let c = Condition::compile(&parse(r#"{"stock":{"$gte":1,"$lte":3}}"#).unwrap(), "$.where").unwrap();
    /// assert!(c.eval(&parse(r#"{"stock":2}"#).unwrap()));
    /// ```
    pub fn compile(v: &Value, path: &str) -> Result<Condition, Vec<Problem>> {
        let mut problems = Vec::new();
        let c = compile_condition(v, path, &mut problems);
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(problems)
        }
    }

    /// Evaluates against a context object.
    pub fn eval(&self, ctx: &Value) -> bool {
        match self {
            Condition::And(cs) => cs.iter().all(|c| c.eval(ctx)),
            Condition::Or(cs) => cs.is_empty() || cs.iter().any(|c| c.eval(ctx)),
            Condition::Nor(cs) => !cs.iter().any(|c| c.eval(ctx)),
            Condition::Not(c) => !c.eval(ctx),
            Condition::Field { path, test } => test.eval(ctx.get_path(path)),
        }
    }

    /// The first failing field clause with the actual value, for `explain`.
    pub fn first_failure(&self, ctx: &Value) -> Option<(String, Value)> {
        match self {
            Condition::And(cs) => cs.iter().find_map(|c| c.first_failure(ctx)),
            Condition::Field { path, test } if !test.eval(ctx.get_path(path)) => {
                Some((path.clone(), ctx.get_path(path).cloned().unwrap_or_default()))
            }
            other if !other.eval(ctx) => Some(("$".into(), Value::Null)),
            _ => None,
        }
    }
}

fn compile_list(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Vec<Condition> {
    match v.as_array() {
        Some(list) => list.iter().enumerate().map(|(i, c)| compile_condition(c, &format!("{path}[{i}]"), problems)).collect(),
        None => {
            problems.push(Problem::new(path, "must be an array of conditions"));
            Vec::new()
        }
    }
}

fn compile_condition(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Condition {
    let Some(members) = v.as_object() else {
        problems.push(Problem::new(path, "a condition must be an object"));
        return Condition::always();
    };
    let mut all = Vec::new();
    for (k, x) in members {
        let at = format!("{path}.{k}");
        all.push(match k.as_str() {
            "$and" => Condition::And(compile_list(x, &at, problems)),
            "$or" => Condition::Or(compile_list(x, &at, problems)),
            "$nor" => Condition::Nor(compile_list(x, &at, problems)),
            "$not" => Condition::Not(Box::new(compile_condition(x, &at, problems))),
            _ if k.starts_with('$') => {
                problems.push(Problem::new(&at, format!("unknown logical operator {k}")));
                continue;
            }
            _ => Condition::Field { path: k.clone(), test: compile_test(x, &at, problems) },
        });
    }
    match all.len() {
        1 => all.pop().unwrap_or_else(Condition::always),
        _ => Condition::And(all),
    }
}

fn is_operator_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty() && m.iter().all(|(k, _)| k.starts_with('$')))
}

fn compile_test(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Test {
    if !is_operator_object(v) {
        return Test::Equals(v.clone());
    }
    let mut ops = Vec::new();
    for (k, x) in v.as_object().unwrap_or(&[]) {
        let at = format!("{path}.{k}");
        let list = |problems: &mut Vec<Problem>| match x.as_array() {
            Some(a) => a.to_vec(),
            None => {
                problems.push(Problem::new(&at, format!("{k} needs an array")));
                Vec::new()
            }
        };
        ops.push(match k.as_str() {
            "$eq" => Op::Eq(x.clone()),
            "$ne" => Op::Ne(x.clone()),
            "$lt" => Op::Lt(x.clone()),
            "$lte" => Op::Lte(x.clone()),
            "$gt" => Op::Gt(x.clone()),
            "$gte" => Op::Gte(x.clone()),
            "$in" => Op::In(list(problems)),
            "$nin" => Op::Nin(list(problems)),
            "$exists" => Op::Exists(truthy(x)),
            "$not" => Op::Not(Box::new(compile_test(x, &at, problems))),
            _ => {
                problems.push(Problem::new(&at, format!("unknown operator {k}")));
                continue;
            }
        });
    }
    Test::Ops(ops)
}

impl Test {
    /// Evaluates against the value found at the clause's path (`None` when missing).
    pub fn eval(&self, actual: Option<&Value>) -> bool {
        match self {
            Test::Equals(expected) => equals_loose(expected, actual),
            Test::Ops(ops) => ops.iter().all(|op| op.eval(actual)),
        }
    }
}

impl Op {
    fn eval(&self, actual: Option<&Value>) -> bool {
        let a = actual.unwrap_or(&Value::Null);
        match self {
            Op::Eq(x) => same(a, x),
            Op::Ne(x) => !same(a, x),
            Op::Lt(x) => compare(a, x).is_some_and(|o| o.is_lt()),
            Op::Lte(x) => compare(a, x).is_some_and(|o| o.is_le()),
            Op::Gt(x) => compare(a, x).is_some_and(|o| o.is_gt()),
            Op::Gte(x) => compare(a, x).is_some_and(|o| o.is_ge()),
            Op::In(list) => in_list(a, list),
            Op::Nin(list) => !in_list(a, list),
            Op::Exists(want) => (actual.is_some() && !a.is_null()) == *want,
            Op::Not(test) => !test.eval(actual),
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Strict equality for scalars, structural for arrays and objects.
fn same(a: &Value, b: &Value) -> bool {
    a == b
}

/// GrowthBook's plain-value comparison: strings and numbers compare after coercion.
fn equals_loose(expected: &Value, actual: Option<&Value>) -> bool {
    let a = actual.unwrap_or(&Value::Null);
    match expected {
        Value::String(s) => match a {
            Value::String(x) => x == s,
            Value::Number(n) => {
                let mut t = String::new();
                crate::json::format_number(*n, &mut t);
                &t == s
            }
            Value::Bool(b) => s == if *b { "true" } else { "false" },
            _ => false,
        },
        Value::Number(n) => match a {
            Value::Number(x) => x == n,
            Value::String(x) => crate::json::parse_number(x) == Some(*n),
            Value::Bool(b) => f64::from(u8::from(*b)) == *n,
            _ => false,
        },
        Value::Bool(b) => !a.is_null() && truthy(a) == *b,
        Value::Null => a.is_null(),
        _ => a == expected,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Number(x), Value::String(y)) => crate::json::parse_number(y).and_then(|y| x.partial_cmp(&y)),
        (Value::String(x), Value::Number(y)) => crate::json::parse_number(x).and_then(|x| x.partial_cmp(y)),
        _ => None,
    }
}

fn in_list(a: &Value, list: &[Value]) -> bool {
    match a {
        Value::Array(items) => items.iter().any(|i| list.contains(i)),
        _ => list.contains(a),
    }
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
        assert!(!check(r#"{"item.stock":{"$gte":1}}"#, r#"{}"#), "missing values never compare");
        assert!(check(r#"{"low_stock":true,"in_cart":false}"#, r#"{"low_stock":true,"in_cart":false}"#));
        assert!(check(r#"{"$or":[{"a":1},{"b":2}]}"#, r#"{"b":2}"#));
        assert!(check(r#"{"$nor":[{"a":1}]}"#, r#"{"a":2}"#));
        assert!(check(r#"{"$not":{"a":1}}"#, r#"{"a":2}"#));
        assert!(check(r#"{"tags":{"$in":["sale"]}}"#, r#"{"tags":["new","sale"]}"#));
        assert!(check(r#"{"x":{"$exists":false}}"#, r#"{}"#));
        assert!(check(r#"{"n":"3"}"#, r#"{"n":3}"#), "GrowthBook coerces plain string equality");
    }

    #[test]
    fn compile_errors_carry_paths() {
        let err = Condition::compile(&parse(r#"{"a":{"$bogus":1},"$and":{"x":1}}"#).unwrap(), "$.where").unwrap_err();
        let paths: Vec<_> = err.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.where.a.$bogus", "$.where.$and"]);
    }

    #[test]
    fn explains_the_failing_clause() {
        let c = Condition::compile(&parse(r#"{"a":1,"b":{"$gt":5}}"#).unwrap(), "$").unwrap();
        assert_eq!(c.first_failure(&parse(r#"{"a":1,"b":2}"#).unwrap()), Some(("b".into(), Value::Number(2.0))));
        assert_eq!(c.first_failure(&parse(r#"{"a":1,"b":9}"#).unwrap()), None);
    }
}
