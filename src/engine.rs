//! Where every message is decided: context from profile + page + clock, scenario evaluation,
//! and deterministic arbitration. Pure: same inputs, same decisions.

use crate::config::{Collection, Config, Scenario};
use crate::event::Item;
use crate::json::{object, Value};
use crate::profile::{ItemState, Profile};
use crate::url::safe_link;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What the engine knows about the current page view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// URL without query string or fragment.
    pub url: String,
    /// Path part of the URL.
    pub path: String,
    /// Names of events tracked during this page view (`page_view` first).
    pub events: Vec<String>,
    /// Items of the last `view_item` on this page.
    pub items: Vec<Item>,
    /// Scenario ids shown on this page view.
    pub shown: Vec<String>,
}

/// A message to show: the output of arbitration, all text already rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The scenario that produced it.
    pub scenario_id: String,
    /// The subject item, if the scenario has one.
    pub item_id: Option<String>,
    /// Placement name (`banner-bottom` …).
    pub placement: &'static str,
    /// Headline text.
    pub title: String,
    /// Second line.
    pub body: Option<String>,
    /// Call to action `(label, url)`; only safe (http(s) or relative) URLs survive.
    pub cta: Option<(String, String)>,
}

/// Why a scenario did or did not show, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Shown now.
    Shown,
    /// Shown earlier on this page view.
    AlreadyShown,
    /// None of its trigger events happened on this page.
    NotTriggered {
        /// The events it waits for.
        waiting_for: Vec<String>,
    },
    /// The audience condition failed.
    Audience {
        /// Path of the failing clause.
        path: String,
        /// The value it saw.
        actual: Value,
    },
    /// No item of its collection matched.
    NoSubject {
        /// The collection searched.
        collection: &'static str,
        /// Items looked at.
        candidates: usize,
    },
    /// The shopper dismissed it.
    Dismissed,
    /// Another scenario of its exclusion group won.
    GroupTaken {
        /// The group.
        group: String,
        /// The winner.
        winner: String,
    },
    /// The per-page cap was reached.
    PageCap {
        /// The cap.
        cap: u32,
    },
}

/// One scenario's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Scenario id.
    pub scenario_id: String,
    /// Priority it ran with.
    pub priority: f64,
    /// What happened.
    pub verdict: Verdict,
}

impl Verdict {
    /// The verdict as JSON for `explain`.
    pub fn to_value(&self) -> Value {
        let reason = |r: &str| ("reason", Value::from(r));
        match self {
            Verdict::Shown => object([reason("shown")]),
            Verdict::AlreadyShown => object([reason("already_shown")]),
            Verdict::NotTriggered { waiting_for } => object([
                reason("not_triggered"),
                ("waiting_for", Value::Array(waiting_for.iter().map(|e| Value::from(e.as_str())).collect())),
            ]),
            Verdict::Audience { path, actual } => {
                object([reason("audience"), ("path", path.as_str().into()), ("actual", actual.clone())])
            }
            Verdict::NoSubject { collection, candidates } => {
                object([reason("no_subject"), ("collection", (*collection).into()), ("candidates", (*candidates as u32).into())])
            }
            Verdict::Dismissed => object([reason("dismissed")]),
            Verdict::GroupTaken { group, winner } => {
                object([reason("group"), ("group", group.as_str().into()), ("winner", winner.as_str().into())])
            }
            Verdict::PageCap { cap } => object([reason("page_cap"), ("cap", (*cap).into())]),
        }
    }
}

/// The attributes one item exposes to `subject.where` conditions and `{{item.*}}` templates.
pub fn item_context(state: &ItemState, config: &Config, now: i64) -> Value {
    let it = &state.item;
    let low = it.stock.is_some_and(|s| s >= 1.0 && s <= config.low_stock);
    let reference = state.cart_price.or(state.favorite_price).or(state.first_price);
    let drop = match (reference, it.price) {
        (Some(r), Some(p)) if r > 0.0 && p < r => Some((r - p, (r - p) / r)),
        _ => None,
    };
    let mut v = object([
        ("id", it.id.as_str().into()),
        ("name", it.name.clone().unwrap_or_else(|| it.id.clone()).into()),
        ("brand", it.brand.clone().into()),
        ("category", it.category.clone().into()),
        ("price", it.price.into()),
        ("stock", it.stock.into()),
        ("low_stock", low.into()),
        ("in_stock", it.stock.map(|s| s > 0.0).into()),
        ("in_cart", (state.cart_qty > 0.0).into()),
        ("favorite", state.favorite_at.is_some().into()),
        ("views", state.view_count.into()),
        ("views_7d", (state.views_within(now, 7 * DAY_MS) as u32).into()),
        ("first_price", state.first_price.into()),
        ("lowest_price", state.lowest_price.into()),
        ("price_drop", drop.map(|d| d.0).into()),
        ("price_drop_pct", drop.map(|d| d.1).into()),
        ("cart_added_at", state.cart_added_at.into()),
        ("minutes_since_cart_add", state.cart_added_at.map(|t| ((now - t) / 60_000) as f64).into()),
        ("days_since_purchase", state.purchased_at.map(|t| ((now - t) / DAY_MS) as f64).into()),
    ]);
    if let Some(url) = it.url.as_deref().and_then(safe_link) {
        v.set("url", url.into());
    }
    if let Some(image) = it.image.as_deref().and_then(safe_link) {
        v.set("image", image.into());
    }
    v
}

/// The visitor/page context the `audience` conditions see.
pub fn visitor_context(profile: &Profile, page: &Page, now: i64) -> Value {
    let days = |t: Option<i64>| t.map(|t| ((now - t) / DAY_MS) as f64);
    object([
        (
            "visitor",
            object([
                ("sessions", profile.sessions.into()),
                ("purchase_count", profile.purchase_count.into()),
                ("days_since_first_purchase", days(profile.first_purchase_at).into()),
                ("days_since_last_purchase", days(profile.last_purchase_at).into()),
                ("cart_size", (profile.cart().count() as u32).into()),
            ]),
        ),
        ("page", object([("url", page.url.as_str().into()), ("path", page.path.as_str().into())])),
    ])
}

fn collection_items<'a>(profile: &'a Profile, page: &Page, from: Collection) -> Vec<ItemState> {
    let pick = |f: &dyn Fn(&&'a ItemState) -> bool| profile.items.values().filter(f).cloned().collect();
    match from {
        // Page items carry the freshest data; merge with what the profile knows about them.
        Collection::Page => page
            .items
            .iter()
            .map(|it| {
                let mut s = profile.items.get(&it.id).cloned().unwrap_or_default();
                s.item = it.clone();
                s
            })
            .collect(),
        Collection::Cart => pick(&|s| s.cart_qty > 0.0),
        Collection::Favorites => pick(&|s| s.favorite_at.is_some()),
        Collection::Viewed => pick(&|s| s.view_count > 0),
        Collection::Purchased => pick(&|s| s.purchased_at.is_some()),
    }
}

fn collection_name(from: Collection) -> &'static str {
    match from {
        Collection::Page => "page",
        Collection::Cart => "cart",
        Collection::Favorites => "favorites",
        Collection::Viewed => "viewed",
        Collection::Purchased => "purchased",
    }
}

/// Orders JSON values: numbers and strings by value, missing last.
fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.partial_cmp(y).unwrap_or(Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Null) | None, Some(Value::Null) | None) => Equal,
        (Some(Value::Null) | None, _) => Greater,
        (_, Some(Value::Null) | None) => Less,
        _ => Equal,
    }
}

/// Contexts computed at most once per [`decide`] call and shared by every scenario.
struct Contexts<'a> {
    config: &'a Config,
    profile: &'a Profile,
    page: &'a Page,
    now: i64,
    visitor: Value,
    /// Per collection, each item's context; built on first use.
    collections: [Option<Vec<Value>>; 5],
}

impl Contexts<'_> {
    fn items(&mut self, from: Collection) -> &[Value] {
        let (config, profile, page, now) = (self.config, self.profile, self.page, self.now);
        self.collections[from as usize]
            .get_or_insert_with(|| collection_items(profile, page, from).iter().map(|s| item_context(s, config, now)).collect())
    }
}

/// Evaluates one scenario: its rendered message, or why not.
fn evaluate(sc: &Scenario, cx: &mut Contexts) -> Result<Decision, Verdict> {
    if !sc.trigger.iter().any(|t| cx.page.events.contains(t)) {
        return Err(Verdict::NotTriggered { waiting_for: sc.trigger.clone() });
    }
    if let Some((path, actual)) = sc.audience.first_failure(&cx.visitor) {
        return Err(Verdict::Audience { path, actual });
    }
    let mut ctx = cx.visitor.clone();
    let mut item_id = None;
    if let Some(subject) = &sc.subject {
        let items = cx.items(subject.from);
        let candidates = items.len();
        let mut matching: Vec<&Value> = items.iter().filter(|c| subject.filter.eval(c)).collect();
        if let Some((key, desc)) = &subject.order {
            crate::sort::sort_by(&mut matching, |a, b| {
                let o = cmp_values(a.get(key), b.get(key));
                if *desc {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        let Some(first) = matching.into_iter().take(subject.limit).next() else {
            return Err(Verdict::NoSubject { collection: collection_name(subject.from), candidates });
        };
        item_id = first.get("id").and_then(Value::as_str).map(str::to_string);
        ctx.set("item", first.clone());
    }
    ctx.set("links", cx.config.links.clone());
    let m = &sc.message;
    let f = &cx.config.format;
    let cta = m.cta.as_ref().and_then(|(label, url)| {
        let label = label.render(&ctx, f);
        let url = safe_link(&url.render(&ctx, f))?;
        (!label.trim().is_empty()).then_some((label, url))
    });
    Ok(Decision {
        scenario_id: sc.id.clone(),
        item_id,
        placement: m.placement.as_str(),
        title: m.title.render(&ctx, f),
        body: m.body.as_ref().map(|b| b.render(&ctx, f)).filter(|b| !b.trim().is_empty()),
        cta,
    })
}

/// Evaluates every scenario and arbitrates: highest priority first (config order breaks ties),
/// one message per exclusion group, at most `caps.per_page` per page view, nothing the shopper
/// dismissed. Returns the new messages to show and an explanation for every scenario.
///
/// ```
/// use shopcue::{config::Config, engine::{decide, Page}, event::Event, json::parse, profile::Profile};
/// let config = Config::parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
/// let view = Event::parse("view_item", &parse(r#"{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}"#).unwrap()).unwrap();
/// let page = Page { events: vec!["page_view".into(), "view_item".into()], items: view.items.clone(), ..Page::default() };
/// let (shown, _) = decide(&config, &Profile::default(), &page, 0);
/// assert_eq!(shown[0].title, "残りわずか：Teeは残り2点です");
/// ```
pub fn decide(config: &Config, profile: &Profile, page: &Page, now: i64) -> (Vec<Decision>, Vec<Explanation>) {
    let mut order: Vec<&Scenario> = config.scenarios.iter().collect();
    crate::sort::sort_by(&mut order, |a, b| b.priority.partial_cmp(&a.priority).unwrap_or(std::cmp::Ordering::Equal));
    let mut shown = Vec::new();
    let mut explanations = Vec::new();
    // Groups already taken on this page (by earlier messages) or now.
    let mut taken: Vec<(String, String)> = config
        .scenarios
        .iter()
        .filter(|s| page.shown.contains(&s.id))
        .filter_map(|s| Some((s.group.clone()?, s.id.clone())))
        .collect();
    let mut on_page = page.shown.len() as u32;
    let visitor = visitor_context(profile, page, now);
    let mut cx = Contexts { config, profile, page, now, visitor, collections: Default::default() };
    for sc in order {
        let verdict = if page.shown.contains(&sc.id) {
            Verdict::AlreadyShown
        } else if profile.dismissed.contains_key(&sc.id) {
            Verdict::Dismissed
        } else {
            match evaluate(sc, &mut cx) {
                Err(v) => v,
                Ok(decision) => {
                    let group_winner = sc.group.as_ref().and_then(|g| taken.iter().find(|(tg, _)| tg == g));
                    if let Some((group, winner)) = group_winner {
                        Verdict::GroupTaken { group: group.clone(), winner: winner.clone() }
                    } else if on_page >= config.caps.per_page {
                        Verdict::PageCap { cap: config.caps.per_page }
                    } else {
                        if let Some(g) = &sc.group {
                            taken.push((g.clone(), sc.id.clone()));
                        }
                        on_page += 1;
                        shown.push(decision);
                        Verdict::Shown
                    }
                }
            }
        };
        explanations.push(Explanation { scenario_id: sc.id.clone(), priority: sc.priority, verdict });
    }
    (shown, explanations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::json::parse;

    const CONFIG: &str = r#"{"version":1,"site":"s","locale":"en-US","links":{"cart":"/cart.html"},
        "scenarios":[{"preset":"page_low_stock"},{"preset":"cart_low_stock"}]}"#;

    fn ev(name: &str, json: &str) -> Event {
        Event::parse(name, &parse(json).unwrap()).unwrap()
    }

    fn page(events: &[&str], items: Vec<Item>) -> Page {
        Page { events: events.iter().map(|e| e.to_string()).collect(), items, ..Page::default() }
    }

    fn reasons(ex: &[Explanation]) -> Vec<(String, Value)> {
        ex.iter().map(|e| (e.scenario_id.clone(), e.verdict.to_value().get("reason").cloned().unwrap())).collect()
    }

    #[test]
    fn page_low_stock_fires_only_for_stock_1_to_3() {
        let config = Config::parse(CONFIG).unwrap();
        let profile = Profile::default();
        for (stock, fires) in [(0.0, false), (1.0, true), (3.0, true), (4.0, false)] {
            let view = ev("view_item", &format!(r#"{{"items":[{{"item_id":"a","item_name":"Tee","stock":{stock}}}]}}"#));
            let (shown, _) = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), 0);
            assert_eq!(shown.len(), usize::from(fires), "stock {stock}");
        }
        let view = ev("view_item", r#"{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}"#);
        let (shown, _) = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), 0);
        assert_eq!(shown[0].title, "Only 2 left: Tee");
        assert_eq!(shown[0].item_id.as_deref(), Some("a"));
    }

    #[test]
    fn cart_low_stock_uses_the_freshest_stock_and_arbitrates() {
        let config = Config::parse(CONFIG).unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","item_name":"Tee","stock":8}]}"#), 0);
        let (shown, ex) = decide(&config, &profile, &page(&["page_view"], vec![]), 10);
        assert!(shown.is_empty());
        assert_eq!(ex[1].verdict, Verdict::NoSubject { collection: "cart", candidates: 1 });
        profile.update_catalog(&ev("view_item", r#"{"items":[{"item_id":"a","stock":2}]}"#).items, 20);
        let (shown, ex) = decide(&config, &profile, &page(&["page_view"], vec![]), 30);
        assert_eq!(shown[0].scenario_id, "cart_low_stock");
        assert_eq!(shown[0].cta, Some(("View cart".into(), "/cart.html".into())));
        assert_eq!(reasons(&ex)[0].1, Value::from("not_triggered"));

        // Both eligible on a product page: one message, the higher priority one, the other explained.
        let view = ev("view_item", r#"{"items":[{"item_id":"b","item_name":"Cap","stock":1}]}"#);
        let (shown, ex) = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), 40);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].scenario_id, "page_low_stock");
        assert_eq!(ex[1].verdict, Verdict::GroupTaken { group: "stock".into(), winner: "page_low_stock".into() });
    }

    #[test]
    fn dismissed_and_already_shown_stay_hidden() {
        let config = Config::parse(CONFIG).unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","stock":1}]}"#), 0);
        let mut p = page(&["page_view"], vec![]);
        p.shown.push("cart_low_stock".into());
        assert!(decide(&config, &profile, &p, 1).0.is_empty());
        profile.dismissed.insert("cart_low_stock".into(), 1);
        let (shown, ex) = decide(&config, &profile, &page(&["page_view"], vec![]), 2);
        assert!(shown.is_empty());
        assert_eq!(ex[1].verdict, Verdict::Dismissed);
    }

    #[test]
    fn unsafe_links_never_reach_a_message() {
        let config = Config::parse(
            r#"{"version":1,"site":"s","links":{"cart":"javascript:alert(1)"},"scenarios":[{"preset":"cart_low_stock"}]}"#,
        )
        .unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","stock":1}]}"#), 0);
        let (shown, _) = decide(&config, &profile, &page(&["page_view"], vec![]), 1);
        assert_eq!(shown[0].cta, None);
    }
}
