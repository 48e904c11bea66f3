//! Analytics for the PDCA loop of the store playbooks, beside the scenario report
//! ([`crate::report`]):
//!
//! - **The RF table** of the data-integration playbook: customers by *Recency* (months since
//!   their last purchase: `<1`, `<2`, … `<14`, `14+`) × *Frequency* (paid purchases: `0` for
//!   sample/trial only, `1` … `5`, `6+`), each cell with its share of customers, its *repeat
//!   rate* (share who bought again in the follow-up period) and its share of revenue; and, per
//!   scenario, how many of the cell's customers it reached, so that a scenario's audience can
//!   be read on the table ([`rf`]).
//! - **Orders**: count, revenue and average order value in the report's period ([`orders`]),
//!   which turn a scenario's CVR uplift into an estimated incremental revenue
//!   ([`crate::report::incremental_revenue`]).
//! - **Daily trend per scenario**: impressions, clicks and visitors first exposed per UTC day.
//!
//! Definitions (they are the README's too):
//! - A *customer* is the `user_id` (or `member_id`) a purchase event carries, else its visitor
//!   id; a shopper who signs in on two devices is one customer.
//! - A purchase is a *trial* when it says `"trial": true`, or when every item's
//!   `item_category` has a segment `sample` or `trial` (`food/sample`). Trial purchases count
//!   for recency but not for frequency: a customer with only trial purchases is in column `0`.
//! - Revenue is the purchase's `value`, else the sum of its items' `price × quantity` (numbers, or
//!   amounts as text, `"35.43"` or `"¥1,980"`, read as the widget reads prices).
//! - A month is 30.4375 days (a year / 12). The table is taken *as of* the period's start:
//!   recency and frequency count the purchases before it, revenue share is each cell's share
//!   of those purchases' revenue, and the repeat rate is the share of the cell's customers
//!   with a purchase within the period.

use std::collections::{BTreeMap, HashMap};

use shopcue::json::{object, parse, Value};
use shopcue::time::DAY_MS;

use crate::segment::{Channel, Filter, Segment};
use crate::store::{EventStore, Sql};

/// Recency rows: months since the last purchase.
pub const RECENCY: [&str; 15] = ["<1", "<2", "<3", "<4", "<5", "<6", "<7", "<8", "<9", "<10", "<11", "<12", "<13", "<14", "14+"];
/// Frequency columns: paid purchases (`0`: sample or trial purchases only).
pub const FREQUENCY: [&str; 7] = ["0", "1", "2", "3", "4", "5", "6+"];
/// One month for recency, in ms.
pub const MONTH_MS: f64 = 30.4375 * DAY_MS as f64;

/// One purchase, as the analytics read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    /// Who bought: the event's `user_id` / `member_id`, else its visitor id.
    pub customer: String,
    /// The visitor id that sent it.
    pub visitor: String,
    /// When (Unix ms).
    pub ts: i64,
    /// Order value.
    pub revenue: f64,
    /// A sample or trial purchase.
    pub trial: bool,
    /// The channel of the visit it was made in, where the event said ([`Channel`]).
    pub channel: Option<Channel>,
}

fn is_trial_category(category: &str) -> bool {
    category.split('/').any(|s| matches!(s.trim().to_ascii_lowercase().as_str(), "sample" | "samples" | "trial"))
}

impl Purchase {
    /// Reads a stored `purchase` event (its JSON as the widget sent it).
    ///
    /// ```
    /// use shopcue_collector::analytics::Purchase;
    /// let p = Purchase::from_event("v1", 5, r#"{"params":{"user_id":"m9","items":[
    ///   {"item_id":"a","price":500,"quantity":2,"item_category":"food/sample"}]}}"#);
    /// assert_eq!((p.customer.as_str(), p.revenue, p.trial), ("m9", 1000.0, true));
    /// ```
    pub fn from_event(visitor: &str, ts: i64, json: &str) -> Purchase {
        let event = parse(json).unwrap_or_default();
        let params = event.get("params").cloned().unwrap_or_default();
        let customer = ["user_id", "member_id"]
            .iter()
            .find_map(|k| params.get(k).and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 200))
            .unwrap_or(visitor)
            .to_string();
        let items = params.get("items").and_then(Value::as_array).unwrap_or(&[]);
        // Amounts as the widget reads them: numbers, or texts such as "35.43" and "¥1,980"
        // (Universal Analytics' pushes give every amount as text).
        let amount = |v: &Value, k: &str| v.get(k).and_then(|a| shopcue::event::parse_amount(a).ok());
        let revenue = amount(&params, "value").filter(|v| v.is_finite() && *v >= 0.0).unwrap_or_else(|| {
            items
                .iter()
                .map(|i| amount(i, "price").unwrap_or(0.0) * amount(i, "quantity").unwrap_or(1.0))
                .filter(|x| x.is_finite() && *x >= 0.0)
                .sum()
        });
        let trial = params.get("trial").and_then(Value::as_bool).unwrap_or(false)
            || (!items.is_empty()
                && items.iter().all(|i| i.get("item_category").and_then(Value::as_str).is_some_and(is_trial_category)));
        Purchase { customer, visitor: visitor.to_string(), ts, revenue, trial, channel: None }
    }
}

/// One RF cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RfCell {
    /// Customers in it.
    pub customers: u64,
    /// Of them, customers who bought again within the follow-up period.
    pub repeaters: u64,
    /// Their revenue before the table's date.
    pub revenue: f64,
    /// Per scenario id: how many of them it reached (exposed, not holdout) in the period.
    pub reached: BTreeMap<String, u64>,
}

/// The RF table as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Rf {
    /// The table's date (Unix ms): recency and frequency count the purchases before it.
    pub as_of: i64,
    /// End of the follow-up period (exclusive).
    pub until: i64,
    /// `cells[recency][frequency]`, [`RECENCY`] × [`FREQUENCY`].
    pub cells: Vec<Vec<RfCell>>,
    /// Customers in the table.
    pub customers: u64,
    /// Their revenue before `as_of`.
    pub revenue: f64,
}

#[derive(Default)]
struct Customer<'a> {
    paid: u64,
    last: Option<i64>,
    revenue: f64,
    again: bool,
    visitors: Vec<&'a str>,
}

/// Builds the RF table as of `as_of`, with repeat purchases in `[as_of, until)`. `reached`
/// lists `(scenario id, visitor id)` for the visitors each scenario reached.
///
/// ```
/// use shopcue_collector::analytics::{rf, Purchase};
/// let day = 86_400_000;
/// let p = |c: &str, ts: i64| Purchase { customer: c.into(), visitor: c.into(), ts, revenue: 100.0, trial: false, channel: None };
/// let t = rf(&[p("a", 0), p("a", 10 * day), p("a", 50 * day), p("b", 20 * day)], 40 * day, 70 * day, &[]);
/// assert_eq!(t.cells[0][2].customers, 1); // a: 2 purchases before day 40, the last 30 days before
/// assert_eq!(t.cells[0][2].repeaters, 1); // … and one more on day 50
/// assert_eq!(t.cells[0][1].customers, 1); // b: 1 purchase, 20 days before
/// ```
pub fn rf(purchases: &[Purchase], as_of: i64, until: i64, reached: &[(String, String)]) -> Rf {
    let mut customers: BTreeMap<&str, Customer<'_>> = BTreeMap::new();
    for p in purchases {
        let c = customers.entry(&p.customer).or_default();
        if !c.visitors.contains(&p.visitor.as_str()) {
            c.visitors.push(&p.visitor);
        }
        if p.ts < as_of {
            c.paid += u64::from(!p.trial);
            c.last = Some(c.last.map_or(p.ts, |l| l.max(p.ts)));
            c.revenue += p.revenue;
        } else if p.ts < until {
            c.again = true;
        }
    }
    let mut by_visitor: HashMap<&str, Vec<&str>> = HashMap::new();
    for (scenario, visitor) in reached {
        by_visitor.entry(visitor).or_default().push(scenario);
    }
    let mut table =
        Rf { as_of, until, cells: vec![vec![RfCell::default(); FREQUENCY.len()]; RECENCY.len()], customers: 0, revenue: 0.0 };
    for c in customers.values() {
        let Some(last) = c.last else { continue };
        let months = (((as_of - last) as f64) / MONTH_MS).floor() as usize;
        let cell = &mut table.cells[months.min(RECENCY.len() - 1)][(c.paid as usize).min(FREQUENCY.len() - 1)];
        cell.customers += 1;
        cell.repeaters += u64::from(c.again);
        cell.revenue += c.revenue;
        let mut scenarios: Vec<&str> = c.visitors.iter().flat_map(|v| by_visitor.get(v).into_iter().flatten().copied()).collect();
        scenarios.sort_unstable();
        scenarios.dedup();
        for s in scenarios {
            *cell.reached.entry(s.to_string()).or_default() += 1;
        }
        table.customers += 1;
        table.revenue += c.revenue;
    }
    table
}

/// `a / b` as a rate (`null` without a `b`).
fn ratio(a: f64, b: f64) -> Value {
    crate::report::rate((b > 0.0).then(|| a / b))
}

impl Rf {
    /// One cell's figures: customers, customer share, repeat rate, revenue share.
    fn figures(&self, c: &RfCell) -> [Value; 4] {
        [
            (c.customers as f64).into(),
            ratio(c.customers as f64, self.customers as f64),
            ratio(c.repeaters as f64, c.customers as f64),
            ratio(c.revenue, self.revenue),
        ]
    }

    /// As JSON: `{as_of, until, customers, revenue, recency: […], frequency: […], cells:
    /// [[{customers, customer_share, repeat_rate, revenue_share, reached: {scenario: n}}]]}`.
    pub fn to_json(&self) -> Value {
        let cells = self
            .cells
            .iter()
            .map(|row| {
                Value::Array(
                    row.iter()
                        .map(|c| {
                            let [customers, share, repeat, revenue] = self.figures(c);
                            object([
                                ("customers", customers),
                                ("customer_share", share),
                                ("repeat_rate", repeat),
                                ("revenue_share", revenue),
                                (
                                    "reached",
                                    Value::Object(c.reached.iter().map(|(k, n)| (k.clone(), (*n as f64).into())).collect()),
                                ),
                            ])
                        })
                        .collect(),
                )
            })
            .collect();
        object([
            ("as_of", self.as_of.into()),
            ("until", self.until.into()),
            ("customers", (self.customers as f64).into()),
            ("revenue", money(self.revenue)),
            ("recency", Value::Array(RECENCY.iter().map(|&r| r.into()).collect())),
            ("frequency", Value::Array(FREQUENCY.iter().map(|&f| f.into()).collect())),
            ("cells", Value::Array(cells)),
        ])
    }

    /// As CSV: one row per cell, with every scenario's reach.
    pub fn to_csv(&self) -> String {
        let mut scenarios: Vec<&String> = self.cells.iter().flatten().flat_map(|c| c.reached.keys()).collect();
        scenarios.sort();
        scenarios.dedup();
        let mut out = String::from("recency_months,frequency,customers,customer_share,repeat_rate,revenue_share");
        for s in &scenarios {
            out.push(',');
            out.push_str(&crate::report::csv_field(&Value::String(format!("reached:{s}"))));
        }
        out.push('\n');
        for (r, row) in self.cells.iter().enumerate() {
            for (f, c) in row.iter().enumerate() {
                let mut line = vec![RECENCY[r].to_string(), FREQUENCY[f].to_string()];
                line.extend(self.figures(c).iter().map(crate::report::csv_field));
                line.extend(scenarios.iter().map(|s| c.reached.get(*s).copied().unwrap_or(0).to_string()));
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
        out
    }
}

/// Orders in a period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Orders {
    /// Purchases.
    pub count: u64,
    /// Their revenue.
    pub revenue: f64,
}

impl Orders {
    /// Average order value, when there was an order.
    pub fn aov(&self) -> Option<f64> {
        (self.count > 0).then(|| self.revenue / self.count as f64)
    }
}

/// The orders placed in `[from, to)`.
pub fn orders(purchases: &[Purchase], from: i64, to: i64) -> Orders {
    tally(purchases.iter(), from, to)
}

/// The orders among `purchases` placed in `[from, to)`.
fn tally<'a>(purchases: impl Iterator<Item = &'a Purchase>, from: i64, to: i64) -> Orders {
    purchases
        .filter(|p| (from..to).contains(&p.ts))
        .fold(Orders::default(), |o, p| Orders { count: o.count + 1, revenue: o.revenue + p.revenue })
}

/// Orders per visit: `None` without a visit.
pub fn conversion_rate(orders: u64, sessions: u64) -> Option<f64> {
    (sessions > 0).then(|| orders as f64 / sessions as f64)
}

/// One channel's visits and orders in a period ([`channels`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelRow {
    /// The channel; `None` for the visits and orders whose events said none (an older widget,
    /// a server's own `/collect`).
    pub channel: Option<Channel>,
    /// Visits that began in the period from it.
    pub sessions: u64,
    /// Orders placed in the period in its visits.
    pub orders: Orders,
}

impl ChannelRow {
    /// Its orders per visit ([`conversion_rate`]).
    pub fn conversion_rate(&self) -> Option<f64> {
        conversion_rate(self.orders.count, self.sessions)
    }
}

/// The visits (per stored segment, as [`load_sessions`] gives them) and the orders placed in
/// `[from, to)` by the channel of their visit: the channels with either, in [`Channel::ALL`]'s
/// order, then `None`. Together they are all the visits and [`orders`].
///
/// ```
/// use shopcue_collector::analytics::{channels, Purchase};
/// use shopcue_collector::segment::Channel;
/// let buy = |ts, channel| Purchase { channel, ..Purchase::from_event("v", ts, r#"{"params":{"value":100}}"#) };
/// let purchases = [buy(1, Some(Channel::Email)), buy(2, None), buy(3, Some(Channel::Direct)), buy(4, Some(Channel::Email))];
/// let sessions = [("mobile:new:email".to_string(), 8), ("desktop:new:email".into(), 2), ("mobile:new:referral".into(), 5)];
/// let by = channels(&purchases, &sessions, 0, 10);
/// let rows: Vec<_> = by.iter().map(|r| (r.channel, r.sessions, r.orders.count)).collect();
/// assert_eq!(rows, [(Some(Channel::Direct), 0, 1), (Some(Channel::Email), 10, 2), (Some(Channel::Referral), 5, 0), (None, 0, 1)]);
/// assert_eq!(by[1].conversion_rate(), Some(0.2));
/// assert_eq!(by[0].conversion_rate(), None, "an order with no visit counted (it began before the period)");
/// ```
pub fn channels(purchases: &[Purchase], sessions: &[(String, u64)], from: i64, to: i64) -> Vec<ChannelRow> {
    Channel::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .map(|c| ChannelRow {
            channel: c,
            sessions: sessions.iter().filter(|(segment, _)| Segment::channel_of(segment) == c).map(|(_, n)| n).sum(),
            orders: tally(purchases.iter().filter(|p| p.channel == c), from, to),
        })
        .filter(|r| r.sessions > 0 || r.orders.count > 0)
        .collect()
}

/// Visits that began in `[from, to)` in `segment`: per stored segment (`device:visit[:channel]`),
/// from the visits' rollups ([`crate::rollup::SESSIONS_SQL`]), and per UTC day over the days the
/// period touches (`YYYY-MM-DD`).
pub fn load_sessions(store: &dyn EventStore, site: &str, from: i64, to: i64, segment: &Filter) -> Result<Sessions, String> {
    let (first, end, a, b, c, d) = crate::rollup::session_bounds(from, to);
    let mut args = vec![Sql::Text(site.into())];
    args.extend([first, end, a, b, c, d].map(Sql::Int));
    args.push(Sql::Text(segment.pattern()));
    let by_segment = counts(store.select(crate::rollup::SESSIONS_SQL, &args)?);
    let (first, end) = crate::rollup::days(from, to);
    let by_day = counts(store.select(crate::rollup::SESSION_DAILY_SQL, &scope(site, first, end, segment))?);
    Ok(Sessions { by_segment, by_day })
}

/// A period's visits ([`load_sessions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    /// Per stored segment.
    pub by_segment: Vec<(String, u64)>,
    /// Per UTC day (`YYYY-MM-DD`), the days without one left out.
    pub by_day: Vec<(String, u64)>,
}

/// Rows of a name and a count.
fn counts(rows: Vec<Vec<Sql>>) -> Vec<(String, u64)> {
    rows.iter().map(|r| (r[0].text().to_string(), r[1].int().max(0) as u64)).collect()
}

/// A site's purchases in `[from, until)` of a segment (`$4`, a [`Filter::pattern`]).
const PURCHASES_SQL: &str = "SELECT visitor_id, ts{I}, json, segment FROM events
WHERE site = $1 AND name = 'purchase' AND ts >= $2 AND ts < $3 AND segment LIKE $4";

/// Visitors each scenario reached (first exposed, not in its holdout) in `[from, to)`, whose
/// first exposure is in the segment `$4`.
const REACHED_SQL: &str = "SELECT scenario_id, visitor_id FROM exposures
WHERE site = $1 AND variant <> 'holdout' AND first_ts >= $2 AND first_ts < $3 AND segment LIKE $4";

/// Per UTC day and scenario: impressions, clicks, and visitors first exposed (holdout included),
/// in the segment `$4`.
const SCENARIO_DAILY_SQL: &str = "
SELECT {DATE}, scenario_id, sum(impressions){I}, sum(clicks){I}, sum(exposed){I} FROM (
  SELECT day, scenario_id, impressions, clicks, 0 AS exposed FROM rollup_daily
  WHERE site = $1 AND day >= $2 AND day < $3 AND scenario_id <> '' AND segment LIKE $4
  UNION ALL
  SELECT day, scenario_id, 0, 0, exposed FROM exposure_daily WHERE site = $1 AND day >= $2 AND day < $3 AND segment LIKE $4
) d GROUP BY day, scenario_id ORDER BY day, scenario_id";

/// The parameters every loader's statement starts with: site, two bounds, segment pattern.
fn scope(site: &str, from: i64, to: i64, segment: &Filter) -> [Sql; 4] {
    [Sql::Text(site.into()), Sql::Int(from), Sql::Int(to), Sql::Text(segment.pattern())]
}

/// A site's purchases in `[from, until)` made in `segment`, read from the store.
pub fn load_purchases(
    store: &dyn EventStore,
    site: &str,
    from: i64,
    until: i64,
    segment: &Filter,
) -> Result<Vec<Purchase>, String> {
    let rows = store.select(PURCHASES_SQL, &scope(site, from, until, segment))?;
    Ok(rows
        .iter()
        .map(|r| Purchase {
            channel: Segment::channel_of(r[3].text()),
            ..Purchase::from_event(r[0].text(), r[1].int(), r[2].text())
        })
        .collect())
}

/// `(scenario id, visitor id)` for every visitor a scenario reached in `[from, to)` (first
/// exposed in `segment`).
pub fn load_reached(
    store: &dyn EventStore,
    site: &str,
    from: i64,
    to: i64,
    segment: &Filter,
) -> Result<Vec<(String, String)>, String> {
    let rows = store.select(REACHED_SQL, &scope(site, from, to, segment))?;
    Ok(rows.into_iter().map(|r| (r[0].text().to_string(), r[1].text().to_string())).collect())
}

/// One scenario's first exposures in `[from, to)` whose first exposure is in the segment `$4`
/// (`$5` the scenario): variant, visitor, when.
const FIRST_EXPOSURES_SQL: &str = "SELECT variant, visitor_id, first_ts{I} FROM exposures
WHERE site = $1 AND first_ts >= $2 AND first_ts < $3 AND segment LIKE $4 AND scenario_id = $5";

/// Per scenario, each variant's [`crate::report::Revenue`].
pub type SplitRevenue = Vec<(String, Vec<(String, crate::report::Revenue)>)>;

/// Revenue per exposed visitor of each variant of each of `scenarios`, the holdout's too: for
/// every visitor a scenario first exposed in `[from, to)` (first exposed in `segment`), the order
/// values of their purchases from that first exposure until `window_ms` after it, as the
/// conversions are counted (`purchases`: the site's, made from `from` on, in any segment: a
/// visitor counts where their first exposure was).
pub fn revenue_per_visitor(
    store: &dyn EventStore,
    q: &crate::store::ReportQuery,
    scenarios: &[&str],
    purchases: &[Purchase],
) -> Result<SplitRevenue, String> {
    let mut by_visitor: std::collections::HashMap<&str, Vec<&Purchase>> = std::collections::HashMap::new();
    for p in purchases {
        by_visitor.entry(p.visitor.as_str()).or_default().push(p);
    }
    let mut out = Vec::new();
    for scenario in scenarios {
        let [site, from, to, segment] = scope(&q.site, q.from, q.to, &q.segment);
        let rows = store.select(FIRST_EXPOSURES_SQL, &[site, from, to, segment, Sql::Text(scenario.to_string())])?;
        let mut variants: std::collections::BTreeMap<String, crate::report::Revenue> = std::collections::BTreeMap::new();
        for r in &rows {
            let first = r[2].int();
            let spent: f64 = by_visitor
                .get(r[1].text())
                .map_or(0.0, |ps| ps.iter().filter(|p| p.ts >= first && p.ts <= first + q.window_ms).map(|p| p.revenue).sum());
            variants.entry(r[0].text().to_string()).or_default().add(spent);
        }
        out.push((scenario.to_string(), variants.into_iter().collect()));
    }
    Ok(out)
}

/// The daily trend per scenario over the UTC days `[from, to)` touches, in `segment`, as JSON
/// rows `{date, scenario_id, impressions, clicks, exposed}`.
pub fn load_scenario_daily(
    store: &dyn EventStore,
    site: &str,
    from: i64,
    to: i64,
    segment: &Filter,
) -> Result<Vec<Value>, String> {
    let (first, end) = crate::rollup::days(from, to);
    let rows = store.select(SCENARIO_DAILY_SQL, &scope(site, first, end, segment))?;
    Ok(rows
        .iter()
        .map(|r| {
            object([
                ("date", r[0].text().into()),
                ("scenario_id", r[1].text().into()),
                ("impressions", (r[2].int() as f64).into()),
                ("clicks", (r[3].int() as f64).into()),
                ("exposed", (r[4].int() as f64).into()),
            ])
        })
        .collect())
}

/// The UTC date (`YYYY-MM-DD`) of a time in ms.
pub fn utc_date(ms: i64) -> String {
    let c = shopcue::time::civil(ms, 0);
    shopcue::time::iso_date(c.year, c.month, c.day)
}

/// Daily rows (sorted by `date`, then by `key`'s member where there is one) with a row for every
/// UTC day from `first` up to `end` (day numbers, `end` excluded) that has none, for each value
/// of `key` the rows hold: its `counts` zero. A quiet day is then a zero in a chart or a
/// spreadsheet, not a gap that joins the days around it. Days after `today` are not added (a
/// period that runs into tomorrow has no quiet days there yet).
pub fn every_day(rows: Vec<Value>, (first, end): (i64, i64), today: i64, key: Option<&str>, counts: &[&str]) -> Vec<Value> {
    let member = |row: &Value, name: &str| row.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let key_of = |row: &Value| key.map_or(String::new(), |k| member(row, k));
    let keys: std::collections::BTreeSet<String> = rows.iter().map(key_of).collect();
    let mut by_day: BTreeMap<(String, String), Value> = rows.into_iter().map(|r| ((member(&r, "date"), key_of(&r)), r)).collect();
    let last = end.min(today + 1).max(first);
    let mut out = Vec::with_capacity(by_day.len().max(keys.len() * (last - first) as usize));
    for day in first..last {
        let date = utc_date(day * DAY_MS);
        for k in &keys {
            out.push(by_day.remove(&(date.clone(), k.clone())).unwrap_or_else(|| {
                let mut zero = object([("date", date.as_str().into())]);
                if let Some(name) = key {
                    zero.set(name, k.as_str().into());
                }
                for c in counts {
                    zero.set(c, 0.0.into());
                }
                zero
            }));
        }
    }
    if !by_day.is_empty() {
        // Rows dated after today (a visitor's clock ahead of the collector's) keep their place.
        out.extend(by_day.into_values());
        out.sort_by_cached_key(|r| (member(r, "date"), key_of(r)));
    }
    out
}

/// Rows of JSON objects as CSV with the given columns.
pub fn rows_to_csv(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns.join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = columns.iter().map(|c| crate::report::csv_field(row.get(c).unwrap_or(&Value::Null))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A money amount rounded to a cent, for JSON.
pub fn money(x: f64) -> Value {
    Value::Number((x * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_MS;

    fn buy(customer: &str, day: i64, revenue: f64) -> Purchase {
        Purchase {
            customer: customer.into(),
            visitor: format!("v-{customer}"),
            ts: day * DAY,
            revenue,
            trial: false,
            channel: None,
        }
    }

    #[test]
    fn every_day_fills_quiet_days_with_zeros_per_key_up_to_today() {
        let row =
            |date: &str, id: &str, n: f64| object([("date", date.into()), ("scenario_id", id.into()), ("impressions", n.into())]);
        let day = |date: &str| shopcue::time::parse_iso(date, 0).unwrap().div_euclid(DAY);
        let rows = vec![row("2026-11-29", "a", 3.0), row("2026-12-01", "a", 1.0), row("2026-12-01", "b", 2.0)];
        // The period is 2026-11-28 .. 2026-12-05 (excluded); today is 2026-12-02.
        let filled =
            every_day(rows, (day("2026-11-28"), day("2026-12-05")), day("2026-12-02"), Some("scenario_id"), &["impressions"]);
        let seen: Vec<String> = filled
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.get("date").unwrap().as_str().unwrap(),
                    r.get("scenario_id").unwrap().as_str().unwrap(),
                    r.get("impressions").unwrap().to_json()
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                "2026-11-28 a 0",
                "2026-11-28 b 0",
                "2026-11-29 a 3",
                "2026-11-29 b 0",
                "2026-11-30 a 0",
                "2026-11-30 b 0",
                "2026-12-01 a 1",
                "2026-12-01 b 2",
                "2026-12-02 a 0",
                "2026-12-02 b 0",
            ]
        );
        // Without a key, one row a day; a row dated after today keeps its place.
        let rows = vec![object([("date", "2026-12-04".into()), ("purchases", 1.0.into())])];
        let filled = every_day(rows, (day("2026-12-01"), day("2026-12-05")), day("2026-12-02"), None, &["purchases"]);
        let dates: Vec<&str> = filled.iter().map(|r| r.get("date").unwrap().as_str().unwrap()).collect();
        assert_eq!(dates, ["2026-12-01", "2026-12-02", "2026-12-04"]);
        assert_eq!(filled[0].to_json(), r#"{"date":"2026-12-01","purchases":0}"#);
        assert!(
            every_day(vec![], (day("2026-12-01"), day("2026-12-05")), day("2026-12-02"), Some("scenario_id"), &[]).is_empty(),
            "no scenario, no rows"
        );
    }

    /// A hand-checked table: as of day 400, follow-up until day 430.
    ///
    /// | customer | purchases before day 400 (day: revenue) | months since last | F | again? |
    /// |---|---|---|---|---|
    /// | a | 10: 1000, 390: 3000 | 10/30.44 → 0 | 2 | yes (day 410) |
    /// | b | 340: 2000 | 60/30.44 → 1 | 1 | no |
    /// | c | 380: trial 300 | 20 → 0 | 0 | yes (day 420, paid) |
    /// | d | 1..=7 × 100 on days 0–6 | 393/30.44 → 12 | 6+ | no |
    /// | e | day 405 only | — | — | not a customer yet |
    /// | f | day -100: 500 | 500/30.44 → 16 → 14+ | 1 | no |
    #[test]
    fn rf_table_matches_hand_counts() {
        let mut purchases = vec![buy("a", 10, 1000.0), buy("a", 390, 3000.0), buy("a", 410, 999.0), buy("b", 340, 2000.0)];
        purchases.push(Purchase { trial: true, ..buy("c", 380, 300.0) });
        purchases.push(buy("c", 420, 4000.0));
        purchases.extend((0..7).map(|d| buy("d", d, 100.0)));
        purchases.push(buy("e", 405, 50.0));
        purchases.push(buy("f", -100, 500.0));
        let reached = [("sc".to_string(), "v-a".to_string()), ("sc".to_string(), "v-e".to_string()), ("x".into(), "v-c".into())];
        let t = rf(&purchases, 400 * DAY, 430 * DAY, &reached);
        assert_eq!(t.customers, 5, "a b c d f");
        assert_eq!(t.revenue, 1000.0 + 3000.0 + 2000.0 + 300.0 + 700.0 + 500.0);
        let a = &t.cells[0][2];
        assert_eq!((a.customers, a.repeaters, a.revenue), (1, 1, 4000.0));
        assert_eq!(a.reached.get("sc"), Some(&1));
        assert_eq!(t.cells[1][1].customers, 1, "b");
        assert_eq!(t.cells[1][1].repeaters, 0);
        let c = &t.cells[0][0];
        assert_eq!((c.customers, c.repeaters, c.revenue), (1, 1, 300.0), "c: trial only → F0");
        assert_eq!(c.reached.get("x"), Some(&1));
        assert_eq!(t.cells[12][6].customers, 1, "d: 7 purchases → 6+, 393 days → <13");
        assert_eq!(t.cells[14][1].customers, 1, "f: 500 days → 14+");
        let total: u64 = t.cells.iter().flatten().map(|c| c.customers).sum();
        assert_eq!(total, 5);
        let json = t.to_json();
        let cell = |r: usize, f: usize, k: &str| {
            json.get("cells").and_then(Value::as_array).unwrap()[r].as_array().unwrap()[f].get(k).cloned().unwrap()
        };
        assert_eq!(cell(0, 2, "customer_share"), Value::Number(0.2));
        assert_eq!(cell(0, 2, "repeat_rate"), Value::Number(1.0));
        assert_eq!(cell(0, 2, "revenue_share"), Value::Number(0.533333), "4000 / 7500");
        assert_eq!(cell(3, 3, "repeat_rate"), Value::Null, "an empty cell has no rate");
        let csv = t.to_csv();
        assert_eq!(csv.lines().count(), 1 + 15 * 7);
        assert!(
            csv.starts_with("recency_months,frequency,customers,customer_share,repeat_rate,revenue_share,reached:sc,reached:x\n")
        );
        assert!(csv.contains("\n<1,2,1,0.2,1,0.533333,1,0\n"), "{csv}");
    }

    #[test]
    fn a_member_on_two_devices_is_one_customer() {
        let one = Purchase::from_event("v1", 0, r#"{"params":{"user_id":"m1","value":1200}}"#);
        let two = Purchase::from_event("v2", DAY, r#"{"params":{"user_id":"m1","value":800}}"#);
        let reached = [("sc".to_string(), "v2".to_string())];
        let t = rf(&[one, two], 10 * DAY, 20 * DAY, &reached);
        assert_eq!(t.customers, 1);
        assert_eq!(t.cells[0][2].customers, 1);
        assert_eq!(t.cells[0][2].revenue, 2000.0);
        assert_eq!(t.cells[0][2].reached.get("sc"), Some(&1), "reached on the other device");
    }

    #[test]
    fn purchases_read_value_items_and_trials() {
        let p = Purchase::from_event("v", 1, r#"{"params":{"value":1980,"items":[{"item_id":"a","price":1}]}}"#);
        assert_eq!((p.customer.as_str(), p.revenue, p.trial), ("v", 1980.0, false));
        let p = Purchase::from_event("v", 1, r#"{"params":{"items":[{"price":100,"quantity":3},{"price":50}]}}"#);
        assert_eq!(p.revenue, 350.0);
        let text = Purchase::from_event("v", 1, r#"{"params":{"value":"13800","items":[{"price":"12800"}]}}"#);
        let items = Purchase::from_event("v", 1, r#"{"params":{"value":"many","items":[{"price":"¥1,980","quantity":"2"}]}}"#);
        assert_eq!((text.revenue, items.revenue), (13800.0, 3960.0), "amounts as text, as Universal Analytics pushes them");
        let mixed =
            r#"{"params":{"items":[{"price":100,"item_category":"food/sample"},{"price":50,"item_category":"food/main"}]}}"#;
        assert!(!Purchase::from_event("v", 1, mixed).trial, "a sample beside a full-size item is a paid order");
        assert!(Purchase::from_event("v", 1, r#"{"params":{"trial":true,"value":0}}"#).trial);
        assert_eq!(Purchase::from_event("v", 1, "not json").revenue, 0.0);
        let o = orders(&[buy("a", 1, 100.0), buy("b", 2, 300.0), buy("c", 5, 1000.0)], DAY, 3 * DAY);
        assert_eq!((o.count, o.revenue, o.aov()), (2, 400.0, Some(200.0)));
        assert_eq!(Orders::default().aov(), None);
    }
}
