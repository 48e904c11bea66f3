//! The marketer's JSON config, validated and compiled once: every problem is reported with its
//! JSON path, and a config with any problem is rejected as a whole.

use crate::condition::Condition;
use crate::error::{Error, Problem};
use crate::json::{parse, Value};
use crate::template::{Format, Template};

/// The preset library: named scenario templates (data, not code), overridable field by field.
pub const PRESETS_JSON: &str = include_str!("presets.json");

/// Config format version this build reads.
pub const CONFIG_VERSION: f64 = 1.0;

/// A validated, compiled config.
#[derive(Debug, Clone)]
pub struct Config {
    /// Site id; must match `init`'s `site`.
    pub site: String,
    /// Locale and currency for messages.
    pub format: Format,
    /// Stock at or below this (and above 0) is "low" (`thresholds.low_stock`, default 3).
    pub low_stock: f64,
    /// Site links used by messages (`{{links.cart}}`).
    pub links: Value,
    /// Global caps.
    pub caps: Caps,
    /// Scenarios in config order.
    pub scenarios: Vec<Scenario>,
}

/// Global frequency caps.
#[derive(Debug, Clone, PartialEq)]
pub struct Caps {
    /// Messages shown on one page view (default 1).
    pub per_page: u32,
}

/// One compiled scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Unique id (defaults to the preset name).
    pub id: String,
    /// Higher wins arbitration.
    pub priority: f64,
    /// Exclusion group: at most one message per group.
    pub group: Option<String>,
    /// Event names that make this scenario eligible on the current page.
    pub trigger: Vec<String>,
    /// Condition on the visitor/page context.
    pub audience: Condition,
    /// The items the message is about, if any.
    pub subject: Option<Subject>,
    /// What to show.
    pub message: Message,
}

/// Item collections a subject can draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// Items of the last `view_item` on this page.
    Page,
    /// Items in the cart.
    Cart,
    /// Favorited items.
    Favorites,
    /// Viewed items.
    Viewed,
    /// Purchased items.
    Purchased,
}

/// Which items a message is about.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The collection.
    pub from: Collection,
    /// Per-item condition.
    pub filter: Condition,
    /// Sort key and direction (`true` = descending).
    pub order: Option<(String, bool)>,
    /// How many items to keep (the message uses the first).
    pub limit: usize,
}

/// Where a message appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Fixed bar at the top of the viewport.
    BannerTop,
    /// Fixed bar at the bottom of the viewport.
    BannerBottom,
}

impl Placement {
    /// The name used in config and beacons.
    pub fn as_str(&self) -> &'static str {
        match self {
            Placement::BannerTop => "banner-top",
            Placement::BannerBottom => "banner-bottom",
        }
    }
}

/// A message template.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Placement.
    pub placement: Placement,
    /// Headline.
    pub title: Template,
    /// Optional second line.
    pub body: Option<Template>,
    /// Optional call to action: label and URL templates.
    pub cta: Option<(Template, Template)>,
}

/// Parses and validates config JSON text.
///
/// ```
/// let c = shopcue::config::Config::parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
/// assert_eq!(c.scenarios[0].id, "page_low_stock");
/// ```
impl Config {
    /// Parses and validates config JSON text.
    pub fn parse(text: &str) -> Result<Config, Error> {
        Config::from_value(&parse(text)?)
    }

    /// Validates and compiles a config value; all problems are collected.
    pub fn from_value(v: &Value) -> Result<Config, Error> {
        let mut p = Vec::new();
        let presets = parse(PRESETS_JSON).unwrap_or_default();
        let Some(members) = v.as_object() else {
            return Err(Error::InvalidConfig(vec![Problem::new("$", "the config must be a JSON object")]));
        };
        check_keys(members, "$", &["version", "site", "currency", "locale", "thresholds", "links", "caps", "scenarios"], &mut p);
        match v.get("version").and_then(Value::as_f64) {
            Some(CONFIG_VERSION) => {}
            _ => p.push(Problem::new("$.version", "must be 1".to_string())),
        }
        let site = required_string(v, "site", "$", &mut p);
        let locale = optional_string(v, "locale", "$", &mut p).unwrap_or_else(|| "ja-JP".into());
        let currency = optional_string(v, "currency", "$", &mut p).unwrap_or_else(|| "JPY".into());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            p.push(Problem::new("$.currency", "must be an ISO 4217 code such as \"JPY\""));
        }
        let mut low_stock = 3.0;
        if let Some(t) = v.get("thresholds") {
            check_keys(t.as_object().unwrap_or(&[]), "$.thresholds", &["low_stock"], &mut p);
            match t.get("low_stock") {
                None => {}
                Some(Value::Number(n)) if *n >= 1.0 => low_stock = *n,
                Some(_) => p.push(Problem::new("$.thresholds.low_stock", "must be a number ≥ 1")),
            }
        }
        let links = v.get("links").cloned().unwrap_or(Value::Object(Vec::new()));
        if !links.as_object().is_some_and(|m| m.iter().all(|(_, x)| x.as_str().is_some())) {
            p.push(Problem::new("$.links", "must be an object of URL strings"));
        }
        let mut caps = Caps { per_page: 1 };
        if let Some(c) = v.get("caps") {
            check_keys(c.as_object().unwrap_or(&[]), "$.caps", &["per_page"], &mut p);
            if let Some(n) = c.get("per_page") {
                match n.as_f64() {
                    Some(n) if n >= 1.0 && n.fract() == 0.0 => caps.per_page = n as u32,
                    _ => p.push(Problem::new("$.caps.per_page", "must be a whole number ≥ 1")),
                }
            }
        }
        let lang = locale.split('-').next().unwrap_or("en").to_string();
        let mut scenarios: Vec<Scenario> = Vec::new();
        match v.get("scenarios").map(|s| s.as_array()) {
            Some(Some(list)) => {
                for (i, s) in list.iter().enumerate() {
                    let path = format!("$.scenarios[{i}]");
                    if let Some(sc) = compile_scenario(s, &path, &presets, &lang, &mut p) {
                        if scenarios.iter().any(|o| o.id == sc.id) {
                            p.push(Problem::new(format!("{path}.id"), format!("duplicate scenario id \"{}\"", sc.id)));
                        }
                        scenarios.push(sc);
                    }
                }
            }
            _ => p.push(Problem::new("$.scenarios", "must be an array of scenarios")),
        }
        if !p.is_empty() {
            return Err(Error::InvalidConfig(p));
        }
        Ok(Config { site, format: Format { locale, currency }, low_stock, links, caps, scenarios })
    }
}

fn check_keys(members: &[(String, Value)], path: &str, allowed: &[&str], p: &mut Vec<Problem>) {
    for (k, _) in members {
        if !allowed.contains(&k.as_str()) {
            p.push(Problem::new(format!("{path}.{k}"), format!("unknown field; expected one of {}", allowed.join(", "))));
        }
    }
}

fn optional_string(v: &Value, key: &str, path: &str, p: &mut Vec<Problem>) -> Option<String> {
    match v.get(key) {
        None => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            p.push(Problem::new(format!("{path}.{key}"), "must be a non-empty string"));
            None
        }
    }
}

fn required_string(v: &Value, key: &str, path: &str, p: &mut Vec<Problem>) -> String {
    if v.get(key).is_none() {
        p.push(Problem::new(format!("{path}.{key}"), "is required"));
    }
    optional_string(v, key, path, p).unwrap_or_default()
}

/// Overlays `over` on `base`: objects merge member by member, anything else replaces.
fn merge(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(_), Value::Object(o)) => {
            let mut out = base.clone();
            for (k, v) in o {
                let merged = base.get(k).map_or_else(|| v.clone(), |b| merge(b, v));
                out.set(k, merged);
            }
            out
        }
        _ => over.clone(),
    }
}

/// Picks the text for `lang` from a string or a `{ "ja": …, "en": … }` object.
fn localized<'a>(v: &'a Value, lang: &str) -> Option<&'a str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) => v.get(lang).or_else(|| v.get("en")).or_else(|| m.first().map(|(_, x)| x)).and_then(Value::as_str),
        _ => None,
    }
}

fn template(v: Option<&Value>, path: &str, lang: &str, p: &mut Vec<Problem>) -> Option<Template> {
    let text = localized(v?, lang);
    let Some(text) = text else {
        p.push(Problem::new(path, "must be a string or an object of strings by language"));
        return None;
    };
    Template::compile(text, path).map_err(|e| p.extend(e)).ok()
}

fn compile_scenario(s: &Value, path: &str, presets: &Value, lang: &str, p: &mut Vec<Problem>) -> Option<Scenario> {
    let Some(members) = s.as_object() else {
        p.push(Problem::new(path, "a scenario must be an object"));
        return None;
    };
    check_keys(members, path, &["id", "preset", "name", "priority", "group", "trigger", "audience", "subject", "message"], p);
    let preset = optional_string(s, "preset", path, p);
    let base = match &preset {
        Some(name) => match presets.get(name) {
            Some(b) => b.clone(),
            None => {
                let known: Vec<_> = presets.as_object().unwrap_or(&[]).iter().map(|(k, _)| k.as_str()).collect();
                p.push(Problem::new(format!("{path}.preset"), format!("unknown preset \"{name}\"; known: {}", known.join(", "))));
                return None;
            }
        },
        None => Value::Object(Vec::new()),
    };
    let s = merge(&base, s);
    let id = optional_string(&s, "id", path, p).or(preset).unwrap_or_else(|| {
        p.push(Problem::new(format!("{path}.id"), "is required when no preset is given"));
        String::new()
    });
    let priority = match s.get("priority") {
        None => 0.0,
        Some(Value::Number(n)) => *n,
        Some(_) => {
            p.push(Problem::new(format!("{path}.priority"), "must be a number"));
            0.0
        }
    };
    let group = optional_string(&s, "group", path, p);
    let trigger = match s.get("trigger").and_then(|t| t.get("on")) {
        None => vec!["page_view".to_string()],
        Some(Value::String(e)) => vec![e.clone()],
        Some(Value::Array(a)) if a.iter().all(|e| e.as_str().is_some()) && !a.is_empty() => {
            a.iter().filter_map(Value::as_str).map(str::to_string).collect()
        }
        Some(_) => {
            p.push(Problem::new(format!("{path}.trigger.on"), "must be an event name or a list of event names"));
            Vec::new()
        }
    };
    let audience = match s.get("audience") {
        None => Condition::always(),
        Some(a) => {
            Condition::compile(a, &format!("{path}.audience")).map_err(|e| p.extend(e)).unwrap_or_else(|_| Condition::always())
        }
    };
    let subject = s.get("subject").and_then(|sub| compile_subject(sub, &format!("{path}.subject"), p));
    let message = compile_message(s.get("message"), &format!("{path}.message"), lang, p)?;
    Some(Scenario { id, priority, group, trigger, audience, subject, message })
}

fn compile_subject(sub: &Value, path: &str, p: &mut Vec<Problem>) -> Option<Subject> {
    check_keys(sub.as_object().unwrap_or(&[]), path, &["from", "where", "order", "limit"], p);
    let from = match sub.get("from").and_then(Value::as_str) {
        Some("page") => Collection::Page,
        Some("cart") => Collection::Cart,
        Some("favorites") => Collection::Favorites,
        Some("viewed") => Collection::Viewed,
        Some("purchased") => Collection::Purchased,
        _ => {
            p.push(Problem::new(format!("{path}.from"), "must be one of page, cart, favorites, viewed, purchased"));
            return None;
        }
    };
    let filter = match sub.get("where") {
        None => Condition::always(),
        Some(w) => Condition::compile(w, &format!("{path}.where")).map_err(|e| p.extend(e)).ok()?,
    };
    let order = match sub.get("order") {
        None => None,
        Some(Value::String(o)) => Some(match o.strip_prefix('-') {
            Some(k) => (k.to_string(), true),
            None => (o.clone(), false),
        }),
        Some(_) => {
            p.push(Problem::new(format!("{path}.order"), "must be a field name, prefixed with '-' for descending"));
            None
        }
    };
    let limit = match sub.get("limit") {
        None => 1,
        Some(Value::Number(n)) if *n >= 1.0 && n.fract() == 0.0 && *n <= 20.0 => *n as usize,
        Some(_) => {
            p.push(Problem::new(format!("{path}.limit"), "must be a whole number from 1 to 20"));
            1
        }
    };
    Some(Subject { from, filter, order, limit })
}

fn compile_message(m: Option<&Value>, path: &str, lang: &str, p: &mut Vec<Problem>) -> Option<Message> {
    let Some(m) = m.filter(|m| m.as_object().is_some()) else {
        p.push(Problem::new(path, "is required: an object with placement and title"));
        return None;
    };
    check_keys(m.as_object().unwrap_or(&[]), path, &["placement", "title", "body", "cta"], p);
    let placement = match m.get("placement").and_then(Value::as_str) {
        None | Some("banner-bottom") => Placement::BannerBottom,
        Some("banner-top") => Placement::BannerTop,
        Some(other) => {
            p.push(Problem::new(
                format!("{path}.placement"),
                format!("unknown placement \"{other}\"; use banner-top or banner-bottom"),
            ));
            Placement::BannerBottom
        }
    };
    let title = template(m.get("title"), &format!("{path}.title"), lang, p);
    if m.get("title").is_none() {
        p.push(Problem::new(format!("{path}.title"), "is required"));
    }
    let body = template(m.get("body"), &format!("{path}.body"), lang, p);
    let cta = m.get("cta").and_then(|c| {
        let label = template(c.get("label"), &format!("{path}.cta.label"), lang, p);
        let url = template(c.get("url"), &format!("{path}.cta.url"), lang, p);
        if label.is_none() || url.is_none() {
            p.push(Problem::new(format!("{path}.cta"), "needs both label and url"));
        }
        Some((label?, url?))
    });
    Some(Message { placement, title: title?, body, cta })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_compile_and_can_be_overridden() {
        let c = Config::parse(
            r#"{"version":1,"site":"s","locale":"en-US","thresholds":{"low_stock":5},
                "scenarios":[{"preset":"page_low_stock"},{"preset":"cart_low_stock","id":"cart2","priority":99,"message":{"placement":"banner-top"}}]}"#,
        )
        .unwrap();
        assert_eq!(c.low_stock, 5.0);
        assert_eq!(c.scenarios[1].id, "cart2");
        assert_eq!(c.scenarios[1].priority, 99.0);
        assert_eq!(c.scenarios[1].message.placement, Placement::BannerTop);
        assert_eq!(c.scenarios[1].subject.as_ref().unwrap().from, Collection::Cart, "untouched preset fields are kept");
        assert!(c.scenarios[1].message.cta.is_some());
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let err = Config::parse(
            r#"{"version":2,"currency":"yen","colour":"red","thresholds":{"low_stock":0},
                "scenarios":[{"preset":"nope"},{"id":"x","message":{"placement":"popup","title":"{{item.bogus|shout}}"}},
                             {"id":"y","subject":{"from":"attic","where":{"a":{"$zz":1}}},"message":{"title":"t"}},
                             {"preset":"page_low_stock"},{"preset":"page_low_stock"}]}"#,
        )
        .unwrap_err();
        let paths: Vec<_> = err.problems().iter().map(|p| p.path.as_str()).collect();
        for want in [
            "$.colour",
            "$.version",
            "$.site",
            "$.currency",
            "$.thresholds.low_stock",
            "$.scenarios[0].preset",
            "$.scenarios[1].message.placement",
            "$.scenarios[1].message.title",
            "$.scenarios[2].subject.from",
            "$.scenarios[4].id",
        ] {
            assert!(paths.contains(&want), "missing {want} in {paths:?}");
        }
        assert_eq!(err.code(), "SHOPCUE_INVALID_CONFIG");
    }

    #[test]
    fn example_configs_validate() {
        for text in [include_str!("../examples/apparel/config.json"), include_str!("../www/shopcue/config.json")] {
            Config::parse(text).unwrap();
        }
    }
}
