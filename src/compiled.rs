//! The runtime config: a [`Config`] as the publishing side compiles it once
//! ([`crate::config::compile`]) and the shopper's widget reads it on every page view.
//!
//! It is the compiled config itself, written out position by position: presets expanded,
//! parameters substituted, templates split into text and slots, conditions as their operator
//! trees with regexes as programs, every default filled in, and nothing left to check. Reading
//! it is a walk that takes each value where the writer put it; the widget carries none of the
//! authoring config's validation, messages or compilers. Anything out of place (a runtime
//! config edited by hand, or cut short) is refused as a whole, with one problem that says to
//! compile it again.
//!
//! The texts of a message are picked by the page's language, which only the page knows. So
//! what a language changes (the labels; a scenario's message, variants and params) is written
//! once if every language gets the same, or else as an object by language: one member for each
//! language the config's texts are written in (`ja`, `en`, …) whose texts differ, and `""` for
//! every other language.
//!
//! ```text
//! {"version": 1, "runtime": 3, "site": "…",
//!  "config": [locale, currency, timezone, low_stock, price_drop_pct, links, caps, holdout,
//!             stores, saved_groups, capture, feed, theme, banner_top_below, labels, scenarios,
//!             free_shipping?]}
//!
//! scenario   [id, priority, group, [on, paths, delay_ms], audience, subject, schedule, caps,
//!             holdout, [message, variants, params], goal?]
//! message    [placement, title, body, cta, image, choose]      template: [text | [path, filter?], …]
//! condition  [path, test] · [0, c…] all · [1, c…] any · [2, c…] none · [3, c] not · [4] never
//! test       "s" · 1 · true · null · [json] · [op, …]           op: [tag, operands…]
//! ```
//!
//! ```
//! use shopcue::{config::{compile, Config}, json::parse};
//! let raw = parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
//! let runtime = compile(&raw).unwrap();
//! let config = Config::from_value(&runtime).unwrap();
//! assert_eq!(config.scenarios[0].id, "page_low_stock");
//! assert!(runtime.get("scenarios").is_none() && runtime.get("config").is_some());
//! ```

use std::cell::Cell;

use crate::capture::Switches;
use crate::condition::{CmpOp, Condition, Op, Test};
use crate::config::{Caps, Collection, Config, Labels, Message, PageFormat, Placement, Scenario, Schedule, Store, Subject};
use crate::config::{Trigger, RUNTIME_FORMAT};
use crate::error::{Error, Problem};
use crate::feed::FeedSource;
use crate::json::Value;
use crate::template::{Format, Template};

/// Reads a runtime config for a page (its own `locale` and `currency` win, and pick the
/// language of the texts).
///
/// ```
/// use shopcue::{compiled, config::{compile, PageFormat}, json::parse};
/// let raw = parse(r#"{"version":1,"site":"s","scenarios":[{"id":"hi","message":{"title":{"ja":"こんにちは","en":"Hello"}}}]}"#).unwrap();
/// let runtime = compile(&raw).unwrap();
/// let page = PageFormat { locale: Some("en-GB".into()), currency: None };
/// let config = compiled::read(&runtime, &page).unwrap();
/// assert_eq!(config.scenarios[0].message.title, shopcue::template::Template::compile("Hello", "$").unwrap());
/// let broken = parse(r#"{"version":1,"runtime":3,"site":"s","config":[]}"#).unwrap();
/// assert_eq!(compiled::read(&broken, &page).unwrap_err().problems()[0].path, "$");
/// ```
pub fn read(v: &Value, page: &PageFormat) -> Result<Config, Error> {
    if v.get("runtime").and_then(Value::as_f64) != Some(RUNTIME_FORMAT) {
        return Err(refused("$.runtime", "compiled for another release of Shopcue: compile it again"));
    }
    // Every reader below returns a value whatever it finds (an empty one where the value is
    // not what the writer puts there) and flags that: one check at the end, rather than a way
    // out, and a drop of what was built so far, at each of the many values.
    let bad = Cell::new(false);
    let config = config(v, page, &bad);
    if bad.get() {
        return Err(refused("$", "not a runtime config this release can read: compile it again"));
    }
    Ok(config)
}

fn refused(path: &str, message: &str) -> Error {
    Error::InvalidConfig(vec![Problem::new(path, message)])
}

/// A reader of one kind of value.
type Reader<T> = fn(&Value, &Cell<bool>) -> T;

/// The values of one array, taken in order; `bad` is set when one is missing or of another
/// kind than asked for.
struct Fields<'a, 'b> {
    values: std::slice::Iter<'a, Value>,
    bad: &'b Cell<bool>,
}

impl<'a, 'b> Fields<'a, 'b> {
    fn of(v: &'a Value, bad: &'b Cell<bool>) -> Fields<'a, 'b> {
        Fields { values: flag(v.as_array(), bad).unwrap_or_default().iter(), bad }
    }
    fn any(&mut self) -> &'a Value {
        flag(self.values.next(), self.bad).unwrap_or(&Value::Null)
    }
    fn fields(&mut self) -> Fields<'a, 'b> {
        Fields::of(self.any(), self.bad)
    }
    fn read<T>(&mut self, f: Reader<T>) -> T {
        f(self.any(), self.bad)
    }
    fn string(&mut self) -> String {
        self.read(string)
    }
    fn number(&mut self) -> f64 {
        flag(self.any().as_f64(), self.bad).unwrap_or_default()
    }
    fn bool(&mut self) -> bool {
        flag(self.any().as_bool(), self.bad).unwrap_or_default()
    }
    /// `null`, or what `f` reads.
    fn maybe<T>(&mut self, f: Reader<T>) -> Option<T> {
        match self.any() {
            Value::Null => None,
            v => Some(f(v, self.bad)),
        }
    }
    fn list<T>(&mut self, f: Reader<T>) -> Vec<T> {
        self.fields().rest(f)
    }
    /// The rest of the array, each read by `f`.
    fn rest<T>(self, f: Reader<T>) -> Vec<T> {
        self.values.map(|v| f(v, self.bad)).collect()
    }
}

/// `o`, with `bad` set when it is `None`.
fn flag<T>(o: Option<T>, bad: &Cell<bool>) -> Option<T> {
    if o.is_none() {
        bad.set(true);
    }
    o
}

fn string(v: &Value, bad: &Cell<bool>) -> String {
    flag(v.as_str(), bad).unwrap_or_default().to_string()
}

fn config(v: &Value, page: &PageFormat, bad: &Cell<bool>) -> Config {
    let mut c = Fields::of(v.get("config").unwrap_or(&Value::Null), bad);
    let (locale, currency) = (c.string(), c.string());
    let format = Format { locale: page.locale.clone().unwrap_or(locale), currency: page.currency.clone().unwrap_or(currency) };
    let lang = format.lang().to_string();
    Config {
        site: string(v.get("site").unwrap_or(&Value::Null), bad),
        format,
        timezone: c.string(),
        low_stock: c.number(),
        price_drop_pct: c.number(),
        links: c.any().clone(),
        caps: c.read(caps),
        holdout: c.number(),
        stores: c.list(|s, bad| {
            let mut s = Fields::of(s, bad);
            Store { id: s.string(), name: s.string(), lat: s.number(), lon: s.number(), pickup: s.bool() }
        }),
        saved_groups: c.any().clone(),
        capture: {
            let mut s = c.fields();
            let (datalayer, jsonld, attributes, history) = (s.bool(), s.bool(), s.bool(), s.bool());
            // Compiled before cart forms were read: they are on, as by default.
            let forms = s.values.next().is_none_or(|f| flag(f.as_bool(), s.bad).unwrap_or_default());
            Switches { datalayer, jsonld, attributes, history, forms }
        },
        feed: c.maybe(|f, bad| {
            let mut f = Fields::of(f, bad);
            FeedSource { url: f.string(), max_age_s: f.number() }
        }),
        theme: c.list(|t, bad| {
            let mut t = Fields::of(t, bad);
            (t.string(), t.string())
        }),
        banner_top_below: c.maybe(string),
        labels: {
            let mut t = Fields::of(by_lang(c.any(), &lang), bad);
            Labels { close: t.string(), notice: t.string(), choose_store: t.string(), use_store: t.string(), locate: t.string() }
        },
        scenarios: c.fields().values.map(|s| scenario(s, &lang, bad)).collect(),
        // Last, and only where the config gives it: a config without one reads as before it
        // was added, by this release and by earlier ones.
        free_shipping: c.values.next().and_then(Value::as_f64),
    }
}

/// What `lang` reads of a value written by language: the member for `lang` or for `""`, or the
/// value itself when it is the same in every language.
fn by_lang<'a>(v: &'a Value, lang: &str) -> &'a Value {
    match v {
        Value::Object(_) => v.get(lang).or_else(|| v.get("")).unwrap_or(&Value::Null),
        _ => v,
    }
}

fn caps(v: &Value, bad: &Cell<bool>) -> Caps {
    let mut c = Fields::of(v, bad);
    let mut whole = || c.maybe(|n, bad| flag(n.as_f64(), bad).unwrap_or_default());
    Caps {
        per_page: whole().map(|n| n as u32),
        per_session: whole().map(|n| n as u32),
        per_day: whole().map(|n| n as u32),
        per_visitor: whole().map(|n| n as u32),
        cooldown_days: whole(),
        min_gap_s: whole(),
    }
}

fn scenario(v: &Value, lang: &str, bad: &Cell<bool>) -> Scenario {
    let mut s = Fields::of(v, bad);
    let (id, priority, group) = (s.string(), s.number(), s.maybe(string));
    let mut t = s.fields();
    let trigger = Trigger { on: t.list(string), paths: t.list(string), delay_ms: t.number() as u32 };
    let (audience, subject, schedule, caps, holdout) =
        (s.read(condition), s.maybe(subject), s.read(schedule), s.read(caps), s.number());
    let mut texts = Fields::of(by_lang(s.any(), lang), bad);
    let shown = texts.read(message);
    let mut variants = texts.list(|v, bad| {
        let mut v = Fields::of(v, bad);
        (v.string(), v.number(), v.read(message))
    });
    // Written as shares of 1 with nine decimals: made to add up to exactly 1 again.
    let total: f64 = variants.iter().map(|v| v.1).sum();
    variants.iter_mut().for_each(|v| v.1 /= total);
    Scenario {
        id,
        priority,
        group,
        trigger,
        audience,
        subject,
        message: shown,
        schedule,
        caps,
        variants,
        holdout,
        params: texts.any().clone(),
        // Last, and only where the scenario names one, as the config's free_shipping.
        goal: s.values.next().map(|g| string(g, bad)),
    }
}

fn schedule(v: &Value, bad: &Cell<bool>) -> Schedule {
    let mut s = Fields::of(v, bad);
    Schedule {
        days: s.maybe(|d, bad| Fields::of(d, bad).rest(|n, bad| flag(n.as_f64(), bad).unwrap_or_default() as usize)),
        hours: s.maybe(|h, bad| {
            let mut h = Fields::of(h, bad);
            (h.number() as u32, h.number() as u32)
        }),
        from: s.maybe(string),
        until: s.maybe(string),
    }
}

fn subject(v: &Value, bad: &Cell<bool>) -> Subject {
    let mut s = Fields::of(v, bad);
    let from = flag(crate::config::ALL_COLLECTIONS.get(s.number() as usize), bad).copied().unwrap_or(Collection::Page);
    let mut filter = s.read(condition);
    // An item's fields are read by slot, as the engine numbers them in this release.
    if from != Collection::Coupons {
        filter.resolve(&crate::engine::item_slot);
    }
    let order = s.maybe(|o, bad| {
        let mut o = Fields::of(o, bad);
        (o.string(), o.bool())
    });
    Subject { from, filter, order, limit: s.number() as usize }
}

fn message(v: &Value, bad: &Cell<bool>) -> Message {
    let mut m = Fields::of(v, bad);
    Message {
        placement: flag(m.any().as_str().and_then(Placement::parse), bad).unwrap_or(Placement::BannerBottom),
        title: m.read(template),
        body: m.maybe(template),
        cta: m.maybe(|c, bad| {
            let mut c = Fields::of(c, bad);
            (c.read(template), c.read(template))
        }),
        image: m.maybe(template),
        choose: m.maybe(template),
    }
}

fn template(v: &Value, bad: &Cell<bool>) -> Template {
    flag(Template::from_parts(v), bad).unwrap_or_default()
}

fn condition(v: &Value, bad: &Cell<bool>) -> Condition {
    let mut c = Fields::of(v, bad);
    match c.any() {
        Value::String(path) => Condition::Field { path: path.clone(), test: c.read(test), slot: None },
        Value::Number(n) if *n == 0.0 => Condition::And(c.rest(condition)),
        Value::Number(n) if *n == 1.0 => Condition::Or(c.rest(condition)),
        Value::Number(n) if *n == 2.0 => Condition::Nor(c.rest(condition)),
        Value::Number(n) if *n == 3.0 => Condition::Not(Box::new(c.read(condition))),
        Value::Number(n) if *n == 4.0 => Condition::Never,
        _ => {
            bad.set(true);
            Condition::Never
        }
    }
}

fn test(v: &Value, bad: &Cell<bool>) -> Test {
    match v {
        Value::String(s) => Test::Str(s.clone()),
        Value::Number(n) => Test::Num(*n),
        Value::Bool(b) => Test::Bool(*b),
        Value::Null => Test::Null,
        Value::Array(a) => match a.first() {
            Some(Value::String(json)) => Test::Json(json.clone()),
            _ => Test::Ops(Fields::of(v, bad).rest(op)),
        },
        Value::Object(_) => {
            bad.set(true);
            Test::Null
        }
    }
}

fn op(v: &Value, bad: &Cell<bool>) -> Op {
    let mut o = Fields::of(v, bad);
    match o.number() as u32 {
        0 => Op::Eq(o.any().clone()),
        1 => Op::Ne(o.any().clone()),
        2 => Op::Cmp(o.read(cmp), o.any().clone()),
        3 => Op::Exists(o.bool()),
        4 => Op::In { list: o.list(|v, _| v.clone()), insensitive: o.bool(), negate: o.bool() },
        5 => Op::InGroup { group: o.string(), negate: o.bool() },
        6 => Op::Not(Box::new(o.read(test))),
        7 => Op::Size(Box::new(o.read(test))),
        8 => Op::ElemMatchValue(Box::new(o.read(test))),
        9 => Op::ElemMatch(Box::new(o.read(condition))),
        10 => Op::All { tests: o.list(test), insensitive: o.bool() },
        11 => flag(crate::condition::regex_program(o.any()), bad).map_or(Op::Invalid, Op::Regex),
        12 => Op::Type(o.string()),
        13 => Op::Version(o.read(cmp), o.string()),
        14 => Op::Invalid,
        _ => flag(None, bad).unwrap_or(Op::Invalid),
    }
}

/// Reads a condition that [`write_condition`] wrote; `None` if `v` is not one.
pub fn read_condition(v: &Value) -> Option<Condition> {
    let bad = Cell::new(false);
    let c = condition(v, &bad);
    (!bad.get()).then_some(c)
}

const CMP: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Lte, CmpOp::Gt, CmpOp::Gte];

fn cmp(v: &Value, bad: &Cell<bool>) -> CmpOp {
    flag(v.as_f64().and_then(|n| CMP.get(n as usize)), bad).copied().unwrap_or(CmpOp::Eq)
}

/// The languages a runtime config has texts for: `""` (every other language) and each member
/// of its values written by language (the labels, each scenario's texts). A runtime config is
/// checked by reading it in each ([`crate::config::compile`]): a page reads only its own.
///
/// ```
/// use shopcue::{compiled::languages, config::compile, json::parse};
/// let raw = parse(r#"{"version":1,"site":"s","scenarios":[{"id":"x","message":{"title":{"ja":"やあ","de":"Hallo"}}}]}"#).unwrap();
/// assert_eq!(languages(&compile(&raw).unwrap()), ["", "ja", "de"]);
/// ```
#[cfg(feature = "compiler")]
pub fn languages(v: &Value) -> Vec<String> {
    let mut out = vec![String::new()];
    let fields = v.get("config").and_then(Value::as_array).unwrap_or_default();
    let scenarios = fields.get(15).and_then(Value::as_array).unwrap_or_default();
    let texts = scenarios.iter().filter_map(|s| s.as_array()?.get(9));
    for by_lang in fields.get(14).into_iter().chain(texts) {
        for (lang, _) in by_lang.as_object().unwrap_or_default() {
            if !out.contains(lang) {
                out.push(lang.clone());
            }
        }
    }
    out
}

/// Writes the runtime config of `base` (the config read in its own locale), with what each
/// language changes taken from `langs`: `(language, the config read in that language)`, `""`
/// (every other language) among them.
#[cfg(feature = "compiler")]
pub fn write(base: &Config, langs: &[(String, Config)]) -> Value {
    let c = base;
    let list = |v: Vec<Value>| Value::Array(v);
    let labels = by_language(langs, |l| {
        let b = &l.labels;
        list([&b.close, &b.notice, &b.choose_store, &b.use_store, &b.locate].map(|t| Value::from(t.as_str())).to_vec())
    });
    let scenarios = c
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let texts = by_language(langs, |l| {
                let s = &l.scenarios[i];
                let variants =
                    s.variants.iter().map(|(id, w, m)| list(vec![id.as_str().into(), (*w).into(), write_message(m)])).collect();
                list(vec![write_message(&s.message), list(variants), s.params.clone()])
            });
            write_scenario(s, texts)
        })
        .collect();
    let mut config = vec![
        c.format.locale.as_str().into(),
        c.format.currency.as_str().into(),
        c.timezone.as_str().into(),
        c.low_stock.into(),
        c.price_drop_pct.into(),
        c.links.clone(),
        write_caps(&c.caps),
        c.holdout.into(),
        list(
            c.stores
                .iter()
                .map(|s| list(vec![s.id.as_str().into(), s.name.as_str().into(), s.lat.into(), s.lon.into(), s.pickup.into()]))
                .collect(),
        ),
        c.saved_groups.clone(),
        list(
            [c.capture.datalayer, c.capture.jsonld, c.capture.attributes, c.capture.history, c.capture.forms]
                .map(Value::from)
                .to_vec(),
        ),
        c.feed.as_ref().map_or(Value::Null, |f| list(vec![f.url.as_str().into(), f.max_age_s.into()])),
        list(c.theme.iter().map(|(k, v)| list(vec![k.as_str().into(), v.as_str().into()])).collect()),
        c.banner_top_below.as_deref().into(),
        labels,
        list(scenarios),
    ];
    config.extend(c.free_shipping.map(Value::from));
    crate::json::object([
        ("version", crate::config::CONFIG_VERSION.into()),
        ("runtime", RUNTIME_FORMAT.into()),
        ("site", c.site.as_str().into()),
        ("config", list(config)),
    ])
}

/// `write` of each language's config: one value if all are the same, or else an object of the
/// one for `""` and of each language that differs from it (what [`by_lang`] reads).
#[cfg(feature = "compiler")]
fn by_language(langs: &[(String, Config)], write: impl Fn(&Config) -> Value) -> Value {
    let written: Vec<(&str, Value)> = langs.iter().map(|(lang, c)| (lang.as_str(), write(c))).collect();
    let other = written.iter().find(|(lang, _)| lang.is_empty()).map(|(_, v)| v.clone()).unwrap_or_default();
    if written.iter().all(|(_, v)| *v == other) {
        return other;
    }
    let mut members = vec![(String::new(), other.clone())];
    members.extend(written.into_iter().filter(|(lang, v)| !lang.is_empty() && *v != other).map(|(l, v)| (l.to_string(), v)));
    Value::Object(members)
}

#[cfg(feature = "compiler")]
fn write_caps(c: &Caps) -> Value {
    let whole = |n: Option<u32>| n.map_or(Value::Null, Value::from);
    let number = |n: Option<f64>| n.map_or(Value::Null, Value::from);
    Value::Array(vec![
        whole(c.per_page),
        whole(c.per_session),
        whole(c.per_day),
        whole(c.per_visitor),
        number(c.cooldown_days),
        number(c.min_gap_s),
    ])
}

#[cfg(feature = "compiler")]
fn write_scenario(s: &Scenario, texts: Value) -> Value {
    let strings = |v: &[String]| Value::Array(v.iter().map(|s| s.as_str().into()).collect());
    let t = &s.trigger;
    let subject = s.subject.as_ref().map_or(Value::Null, |sub| {
        let order = sub.order.as_ref().map_or(Value::Null, |(k, desc)| Value::Array(vec![k.as_str().into(), (*desc).into()]));
        Value::Array(vec![(sub.from as u32).into(), write_condition(&sub.filter), order, (sub.limit as u32).into()])
    });
    let sc = &s.schedule;
    let schedule = Value::Array(vec![
        sc.days.as_ref().map_or(Value::Null, |d| Value::Array(d.iter().map(|n| (*n as u32).into()).collect())),
        sc.hours.map_or(Value::Null, |(a, b)| Value::Array(vec![a.into(), b.into()])),
        sc.from.as_deref().into(),
        sc.until.as_deref().into(),
    ]);
    Value::Array(
        vec![
            s.id.as_str().into(),
            s.priority.into(),
            s.group.as_deref().into(),
            Value::Array(vec![strings(&t.on), strings(&t.paths), t.delay_ms.into()]),
            write_condition(&s.audience),
            subject,
            schedule,
            write_caps(&s.caps),
            s.holdout.into(),
            texts,
        ]
        .into_iter()
        .chain(s.goal.as_deref().map(Value::from))
        .collect(),
    )
}

#[cfg(feature = "compiler")]
fn write_message(m: &Message) -> Value {
    let placement = match &m.placement {
        Placement::Inline(selector) => format!("inline:{selector}"),
        other => other.as_str().to_string(),
    };
    let maybe = |t: &Option<Template>| t.as_ref().map_or(Value::Null, Template::to_parts);
    let cta = m.cta.as_ref().map_or(Value::Null, |(label, url)| Value::Array(vec![label.to_parts(), url.to_parts()]));
    Value::Array(vec![placement.into(), m.title.to_parts(), maybe(&m.body), cta, maybe(&m.image), maybe(&m.choose)])
}

/// A condition as the runtime config writes it: each clause of a field `[path, test]`, each
/// combinator a number followed by its clauses, each operator a number followed by its
/// operands (a regex by its program).
///
/// ```
/// use shopcue::{compiled::{read_condition, write_condition}, condition::Condition, json::parse};
/// let c = Condition::compile(&parse(r#"{"stock":{"$gte":1,"$lte":3},"$or":[{"new":true},{"tags":{"$in":["sale"]}}]}"#).unwrap(), "$").unwrap();
/// let written = write_condition(&c);
/// assert_eq!(written.to_json(), r#"[0,["stock",[[2,5,1],[2,3,3]]],[1,["new",true],["tags",[[4,["sale"],false,false]]]]]"#);
/// let back = read_condition(&written).unwrap();
/// assert!(back.eval(&parse(r#"{"stock":2,"new":true}"#).unwrap()) && !back.eval(&parse(r#"{"stock":5,"new":true}"#).unwrap()));
/// ```
#[cfg(feature = "compiler")]
pub fn write_condition(c: &Condition) -> Value {
    let tagged = |tag: u32, list: &[Condition]| {
        Value::Array(std::iter::once(tag.into()).chain(list.iter().map(write_condition)).collect())
    };
    match c {
        Condition::Field { path, test, .. } => Value::Array(vec![path.as_str().into(), write_test(test)]),
        Condition::And(list) => tagged(0, list),
        Condition::Or(list) => tagged(1, list),
        Condition::Nor(list) => tagged(2, list),
        Condition::Not(c) => tagged(3, std::slice::from_ref(c)),
        Condition::Never => tagged(4, &[]),
    }
}

#[cfg(feature = "compiler")]
fn write_test(t: &Test) -> Value {
    match t {
        Test::Str(s) => s.as_str().into(),
        Test::Num(n) => (*n).into(),
        Test::Bool(b) => (*b).into(),
        Test::Null => Value::Null,
        Test::Json(json) => Value::Array(vec![json.as_str().into()]),
        Test::Ops(ops) => Value::Array(ops.iter().map(write_op).collect()),
    }
}

#[cfg(feature = "compiler")]
fn write_op(o: &Op) -> Value {
    let cmp = |c: &CmpOp| Value::from(CMP.iter().position(|x| x == c).unwrap_or(0) as u32);
    let (tag, operands): (u32, Vec<Value>) = match o {
        Op::Eq(v) => (0, vec![v.clone()]),
        Op::Ne(v) => (1, vec![v.clone()]),
        Op::Cmp(c, v) => (2, vec![cmp(c), v.clone()]),
        Op::Exists(b) => (3, vec![(*b).into()]),
        Op::In { list, insensitive, negate } => (4, vec![Value::Array(list.clone()), (*insensitive).into(), (*negate).into()]),
        Op::InGroup { group, negate } => (5, vec![group.as_str().into(), (*negate).into()]),
        Op::Not(t) => (6, vec![write_test(t)]),
        Op::Size(t) => (7, vec![write_test(t)]),
        Op::ElemMatchValue(t) => (8, vec![write_test(t)]),
        Op::ElemMatch(c) => (9, vec![write_condition(c)]),
        Op::All { tests, insensitive } => (10, vec![Value::Array(tests.iter().map(write_test).collect()), (*insensitive).into()]),
        Op::Regex(re) => (11, vec![Value::Array(re.to_program().into_iter().map(Value::from).collect())]),
        Op::Type(t) => (12, vec![t.as_str().into()]),
        Op::Version(c, v) => (13, vec![cmp(c), v.as_str().into()]),
        Op::Invalid => (14, Vec::new()),
    };
    Value::Array(std::iter::once(tag.into()).chain(operands).collect())
}
