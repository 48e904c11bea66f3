//! Demo data: simulated shoppers driven through the real Shopcue core runtime, so that a new
//! collector's dashboard and RF table show meaningful figures out of the box (`./x demo` seeds
//! its database with `shopcue-collector simulate`).
//!
//! Every event is made by [`shopcue::runtime::Runtime`] exactly as the widget makes it — page
//! views, `view_item`, `add_to_cart`, `purchase`, and the exposures, impressions and clicks of
//! the messages its engine decides under the given config (holdout included) — then taken from
//! its outbox as beacon batches, decoded by [`crate::batch::decode`] and written to the store
//! as `/collect` would write them, dated in the past.
//!
//! The simulation's assumptions (they are the README's too):
//! - Shoppers arrive uniformly over the period. A quarter are *regulars* (a visit every 2 days
//!   on average), the rest *casual* (every 9 days); gaps are exponential.
//! - Each visit comes from a source (`TRAFFIC`: organic search 30 %, direct 25 %, a search
//!   ad, an Instagram ad, LINE, the newsletter 10 % each, a blog 5 %), and *bounces* (its
//!   landing page only: the home page, or a product page half the time) with that source's
//!   probability: 35 % from the newsletter, 45 % direct, 55 % from a search ad, 60 % from
//!   organic search or the blog, 70 % from LINE, 75 % from the Instagram ad.
//! - 40 % are members: `identify({member: true})`, and their purchases carry a `user_id`.
//! - 60 % shop on a phone, 32 % on a desktop, 8 % on a tablet (each shopper always on the same
//!   one; it is the device class of every request their beacons arrive in). A phone visit's
//!   purchase probability is 0.8 times the figures below, a desktop visit's 1.2 times. Visits
//!   are hours apart, so each is a new session: a shopper's first visit is *new*, the rest
//!   *returning* (from the widget's own `session_number`).
//! - A visit that does not bounce: the home page, then 1–4 product views (popular items more
//!   often), each with a 30 % chance of `add_to_cart`; a visit with something in the cart ends
//!   in a purchase with probability 22 %, 35 % for members. A visit lasts at most 11 minutes,
//!   and only visits that end (beacon sent) before the period's end are made, so a report over
//!   exactly the period counts every simulated purchase.
//! - A message is seen (impression) 90 % of the time it is decided, and its call to action is
//!   clicked 12 % of the time. **The assumed effect:** each scenario whose message a shopper
//!   saw in the last 7 days raises their purchase probability by 40 % of itself (up to three
//!   scenarios); a shopper in a scenario's holdout sees nothing of it, so the report's uplift
//!   is this assumption measured back through the real pipeline. In a split test, the variants
//!   after the first (in the config's order) work 1.5 times as well as the first (a raise of
//!   60 %, a goal reached 6 % of the time), so that the report's comparison of variants has a
//!   difference to find.
//! - A scenario whose goal is not a purchase (the demo's newsletter banner, goal `sign_up`)
//!   leads to that goal instead: a shopper who is not a member and has not reached it yet
//!   reaches it on a visit's home page with probability 0.5 %, 4 % when they saw that
//!   scenario's message in the last 7 days (6 % for a later variant); its messages do not
//!   raise the purchase probability.
//! - One first purchase in eight is a sample (`food/sample`, F0 in the RF table); stock of
//!   each item varies from visit to visit, so the low-stock scenarios fire now and then.

use shopcue::id::{Entropy, SeededEntropy};
use shopcue::json::{object, Value};
use shopcue::outbox::Flush;
use shopcue::runtime::{Lifecycle, Runtime};
use shopcue::time::DAY_MS;

use crate::batch;
use crate::segment::Device;
use crate::store::{EventStore, Incoming};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Site id (the config's).
    pub site: String,
    /// Days of history, ending at `end_ms`.
    pub days: u32,
    /// Shoppers.
    pub shoppers: u32,
    /// Seed: the same seed gives the same history.
    pub seed: u64,
    /// End of the period (Unix ms).
    pub end_ms: i64,
}

/// What a simulation wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Simulated {
    /// Events stored.
    pub events: usize,
    /// Visits (sessions) made.
    pub sessions: usize,
    /// Purchases among them.
    pub purchases: usize,
    /// Goal events other than purchases (`sign_up` …) among them.
    pub goals: usize,
    /// Message impressions among them.
    pub impressions: usize,
}

/// The demo store's catalog (`www/products.js`): id, name, category, price, popularity.
const CATALOG: &[(&str, &str, &str, f64, u32)] = &[
    ("tee-basic", "ベーシックTシャツ", "apparel/tops", 1980.0, 9),
    ("linen-shirt", "リネンシャツ", "apparel/tops", 5990.0, 6),
    ("denim-jacket", "デニムジャケット", "apparel/outer", 12800.0, 4),
    ("wool-coat", "ウールチェスターコート", "apparel/outer", 29800.0, 3),
    ("canvas-sneakers", "キャンバススニーカー", "apparel/shoes", 6490.0, 6),
    ("wireless-earbuds", "ワイヤレスイヤホン Pro", "electronics/audio", 14800.0, 5),
    ("mirrorless-camera", "ミラーレスカメラ α10", "electronics/camera", 89800.0, 2),
    ("sd-card-128", "SDカード 128GB", "electronics/accessories", 3280.0, 5),
];

const SAMPLE: (&str, &str, &str, f64) = ("supplement-sample", "サプリメント お試しパック", "food/sample", 500.0);

/// The simulation's dice: the core's deterministic [`SeededEntropy`], read as numbers.
struct Dice(SeededEntropy);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.0.fill(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `items`, each as likely as its `weight` among all of theirs.
    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u64) -> &'a T {
        let mut at = self.below(items.iter().map(&weight).sum());
        for item in items {
            if at < weight(item) {
                return item;
            }
            at -= weight(item);
        }
        &items[0]
    }
}

fn item(d: &mut Dice, (id, name, category, price): (&str, &str, &str, f64)) -> Value {
    // Stock moves: now and then an item is down to its last few.
    let stock = if d.chance(0.25) { 1 + d.below(3) } else { 4 + d.below(30) };
    object([
        ("item_id", id.into()),
        ("item_name", name.into()),
        ("item_category", category.into()),
        ("price", price.into()),
        ("quantity", 1.0.into()),
        ("stock", (stock as f64).into()),
    ])
}

fn pick(d: &mut Dice) -> (&'static str, &'static str, &'static str, f64) {
    let &(id, name, category, price, _) = d.weighted(CATALOG, |c| u64::from(c.4));
    (id, name, category, price)
}

/// Where simulated visits come from (source, medium and campaign, one per line, as the widget's
/// loader reads them), with their weights (the dashboard's channels) and how often a visit from
/// there bounces.
const TRAFFIC: [(&str, u64, f64); 7] = [
    ("google\norganic\n", 30, 0.6),
    ("(direct)\n(none)\n", 25, 0.45),
    ("google\ncpc\nbrand", 10, 0.55),
    ("instagram\npaid_social\nfw26", 10, 0.75),
    ("line\nsocial\n", 10, 0.7),
    ("newsletter\nemail\nweekly", 10, 0.35),
    ("blog.example\nreferral\n", 5, 0.6),
];

/// One shopper's runtime and state.
struct Shopper {
    rt: Runtime,
    device: Device,
    member: Option<String>,
    cart: Vec<Value>,
    purchases: u32,
    /// (scenario, when, how well its message works) of the messages seen: 1, or
    /// [`LATER_VARIANT`] for a split test's variant after its first.
    seen: Vec<(String, i64, f64)>,
    /// The config's split tests: (scenario, its first variant).
    first_variants: std::rc::Rc<Vec<(String, String)>>,
    /// The config's scenarios whose goal is not a purchase: (scenario, goal).
    goals: std::rc::Rc<Vec<(String, String)>>,
    /// The goals (other than a purchase) this shopper has reached.
    reached: Vec<String>,
}

/// What a scenario's message seen in the last 7 days does to a shopper's purchase probability:
/// raises it by this share of itself.
const EFFECT: f64 = 0.4;

/// A split test's variants after its first (in the config's order) work this many times as well
/// as its first: a purchase's raise, or the chance of reaching another goal.
const LATER_VARIANT: f64 = 1.5;

/// The longest a simulated visit lasts, its beacon included: up to four product pages of at most
/// 145 s each, then 30 s to the cart and 60 s to the order (11 min 10 s), rounded up. A visit
/// that would not end inside the period is not made.
const VISIT_MS: i64 = 15 * 60_000;

/// Runs the simulation under `config` (raw or compiled) and writes its events to `store`.
pub fn simulate(store: &dyn EventStore, config: &Value, sim: &Simulation) -> Result<Simulated, String> {
    let runtime_config = if shopcue::config::is_compiled(config) {
        config.clone()
    } else {
        shopcue::config::compile(config).map_err(|e| e.to_string())?
    };
    let start = sim.end_ms - i64::from(sim.days) * DAY_MS;
    let mut dice = Dice(SeededEntropy(sim.seed));
    // Apart, so that the shoppers' visits, orders and messages are what they were before visits
    // had a source.
    let mut sources = Dice(SeededEntropy(sim.seed ^ 0x50_0ce));
    let mut entropy = SeededEntropy(sim.seed ^ 0x5eed);
    let mut pending: Vec<Incoming> = Vec::new();
    let mut out = Simulated::default();
    let page = shopcue::config::PageFormat::default();
    let scenarios = shopcue::compiled::read(&runtime_config, &page).map_err(|e| e.to_string())?.scenarios;
    let first_variants: std::rc::Rc<Vec<(String, String)>> =
        std::rc::Rc::new(scenarios.iter().filter_map(|sc| Some((sc.id.clone(), sc.variants.first()?.0.clone()))).collect());
    let goals: std::rc::Rc<Vec<(String, String)>> =
        std::rc::Rc::new(scenarios.into_iter().filter_map(|sc| Some((sc.id, sc.goal?))).collect());
    for n in 0..sim.shoppers {
        let first = start + (dice.unit() * (sim.end_ms - start) as f64) as i64;
        let (mut rt, _) = Runtime::new(None, None, first, &mut entropy);
        let init =
            object([("site", sim.site.as_str().into()), ("config", "/config.json".into()), ("endpoint", "/collect".into())]);
        rt.init(&init).map_err(|e| e.to_string())?;
        rt.set_config(&runtime_config).map_err(|e| e.to_string())?;
        rt.set_utc_offset(540);
        let member = dice.chance(0.4).then(|| format!("member-{}", n + 1));
        if member.is_some() {
            let _ = rt.identify(&object([("member", true.into())]));
        }
        let device = match dice.below(100) {
            0..60 => Device::Mobile,
            60..92 => Device::Desktop,
            _ => Device::Tablet,
        };
        let mut shopper = Shopper {
            rt,
            device,
            member,
            cart: Vec::new(),
            purchases: 0,
            seen: Vec::new(),
            first_variants: first_variants.clone(),
            goals: goals.clone(),
            reached: Vec::new(),
        };
        let gap_days = if dice.chance(0.25) { 2.0 } else { 9.0 };
        let mut at = first;
        while at < sim.end_ms {
            // Daytime visits, in the store's time zone (JST): 9:00–23:00 of `at`'s day, or of the
            // next day when that hour has passed (time only moves forward, from the period's start).
            let day = (at + 9 * 3_600_000).div_euclid(DAY_MS);
            let mut at_visit =
                day * DAY_MS - 9 * 3_600_000 + (9 + dice.below(14) as i64) * 3_600_000 + dice.below(3_600_000) as i64;
            if at_visit < at {
                at_visit += DAY_MS;
            }
            if at_visit + VISIT_MS > sim.end_ms {
                break; // a visit that would not end (and send its beacon) inside the period
            }
            let &(traffic, _, bounce) = sources.weighted(&TRAFFIC, |t| t.1);
            shopper.rt.set_traffic(traffic);
            let purchased = if sources.chance(bounce) {
                land(&mut shopper, &mut dice, &mut entropy, at_visit);
                false
            } else {
                visit(&mut shopper, &mut dice, &mut entropy, at_visit)
            };
            out.sessions += 1;
            out.purchases += usize::from(purchased);
            let (batches, events, impressions) = drain(&mut shopper.rt, shopper.device, at_visit + VISIT_MS)?;
            out.events += events;
            out.impressions += impressions;
            pending.extend(batches);
            if pending.len() >= 200 {
                store.write(&std::mem::take(&mut pending))?;
            }
            let gap = -gap_days * (1.0 - dice.unit()).ln();
            at = at_visit + (gap.max(0.05) * DAY_MS as f64) as i64;
        }
        out.goals += shopper.reached.len();
    }
    if !pending.is_empty() {
        store.write(&pending)?;
    }
    Ok(out)
}

/// Shows a page: its decisions are seen (90 %) and their calls to action followed (12 %).
fn look(s: &mut Shopper, d: &mut Dice, e: &mut SeededEntropy, now: i64) {
    for m in s.rt.decide(now, e) {
        if d.chance(0.9) {
            s.rt.lifecycle(&m.id, Lifecycle::Impression, now + 1500, e);
            let (id, variant) = (&m.decision.scenario_id, &m.decision.variant);
            let later = variant.as_ref().is_some_and(|v| s.first_variants.iter().any(|(sc, first)| sc == id && v != first));
            s.seen.push((id.clone(), now, if later { LATER_VARIANT } else { 1.0 }));
            if m.decision.cta.is_some() && d.chance(0.12) {
                s.rt.lifecycle(&m.id, Lifecycle::Click, now + 6000, e);
            }
        }
    }
}

/// A product page (popular items more often) and its `view_item`; returns the item.
fn view_product(s: &mut Shopper, d: &mut Dice, e: &mut SeededEntropy, now: i64) -> Value {
    let chosen = pick(d);
    let product = item(d, chosen);
    let id = product.get("item_id").and_then(Value::as_str).unwrap_or_default().to_string();
    s.rt.page_view(&format!("/product.html?id={id}"), now, e);
    let _ = s.rt.track("view_item", &object([("items", Value::Array(vec![product.clone()]))]), now, e);
    product
}

/// The home page: its messages, then the goals (other than a purchase) a shopper who is not a
/// member may reach there (0.5 %, 4 % after seeing a message of a scenario with that goal).
fn home(s: &mut Shopper, d: &mut Dice, e: &mut SeededEntropy, now: i64) {
    s.rt.page_view("/", now, e);
    look(s, d, e, now);
    if s.member.is_some() {
        return;
    }
    for (scenario, goal) in s.goals.clone().iter() {
        if s.reached.contains(goal) {
            continue;
        }
        // The strongest message of the scenario seen in the last 7 days.
        let saw = s.seen.iter().filter(|(id, t, _)| id == scenario && now - t <= 7 * DAY_MS).map(|e| e.2).fold(0.0, f64::max);
        if d.chance(if saw > 0.0 { 0.04 * saw } else { 0.005 }) {
            let _ = s.rt.track(goal, &object([("method", "email".into())]), now + 20_000, e);
            s.reached.push(goal.clone());
        }
    }
}

/// A visit that bounces: its landing page only, the home page or (half the time) a product's.
fn land(s: &mut Shopper, d: &mut Dice, e: &mut SeededEntropy, now: i64) {
    if d.chance(0.5) {
        home(s, d, e, now);
    } else {
        view_product(s, d, e, now);
        look(s, d, e, now);
    }
}

/// One visit that does not bounce; returns whether it ended in a purchase.
fn visit(s: &mut Shopper, d: &mut Dice, e: &mut SeededEntropy, start: i64) -> bool {
    let mut now = start;
    home(s, d, e, now);
    for _ in 0..1 + d.below(4) {
        now += 20_000 + d.below(120_000) as i64;
        let product = view_product(s, d, e, now);
        look(s, d, e, now);
        if d.chance(0.3) {
            now += 5_000;
            let _ = s.rt.track("add_to_cart", &object([("items", Value::Array(vec![product.clone()]))]), now, e);
            s.cart.push(product);
        }
    }
    if s.cart.is_empty() {
        return false;
    }
    now += 30_000;
    s.rt.page_view("/cart.html", now, e);
    look(s, d, e, now);
    let mut p = if s.member.is_some() { 0.35 } else { 0.22 };
    p *= match s.device {
        Device::Mobile => 0.8,
        Device::Desktop => 1.2,
        _ => 1.0,
    };
    s.seen.retain(|(_, t, _)| now - t <= 7 * DAY_MS);
    // The scenarios seen that lead to a purchase (not those with another goal), each with the
    // strongest of its messages seen.
    let mut scenarios: Vec<(&str, f64)> = Vec::new();
    for (id, _, effect) in s.seen.iter().filter(|(id, ..)| !s.goals.iter().any(|(sc, _)| sc == id)) {
        match scenarios.iter_mut().find(|(sc, _)| sc == id) {
            Some(seen) => seen.1 = seen.1.max(*effect),
            None => scenarios.push((id, *effect)),
        }
    }
    // Up to three scenarios, the strongest first.
    scenarios.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    p *= 1.0 + scenarios.iter().take(3).map(|(_, effect)| EFFECT * effect).sum::<f64>();
    if !d.chance(p) {
        return false;
    }
    now += 60_000;
    let sample = s.purchases == 0 && d.chance(0.125);
    let items = if sample { vec![item(d, SAMPLE)] } else { std::mem::take(&mut s.cart) };
    let value: f64 = items.iter().filter_map(|i| i.get("price").and_then(Value::as_f64)).sum();
    let mut params = object([
        ("transaction_id", format!("T{}-{}", start, d.below(1_000_000)).into()),
        ("currency", "JPY".into()),
        ("value", value.into()),
        ("items", Value::Array(items)),
    ]);
    if let Some(m) = &s.member {
        params.set("user_id", m.as_str().into());
    }
    s.rt.page_view("/thanks.html", now, e);
    let _ = s.rt.track("purchase", &params, now, e);
    s.purchases += 1;
    true
}

/// Takes everything the runtime queued, as `/collect` would receive it at `now` from `device`.
fn drain(rt: &mut Runtime, device: Device, now: i64) -> Result<(Vec<Incoming>, usize, usize), String> {
    let (mut batches, mut events, mut impressions) = (Vec::new(), 0, 0);
    while let Some(b) = rt.next_batch(now, Flush::Unload) {
        let decoded = batch::decode(&b.body, now)?.sent_from(device);
        if let Some((i, why)) = decoded.rejected.first() {
            return Err(format!("the simulated widget sent an event the collector refuses (#{i}): {why}"));
        }
        events += decoded.events.len();
        impressions += decoded.events.iter().filter(|e| e.name == "shopcue_impression").count();
        batches.push(Incoming { events: decoded.events, received_at: now });
        rt.settle(b.seq, 200, None, now, 0.0);
    }
    Ok((batches, events, impressions))
}
