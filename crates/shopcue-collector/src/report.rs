//! Scenario KPIs: per scenario and variant, exposures, impressions, clicks, dismissals and
//! conversions (a `purchase` by the same visitor within the attribution window after their
//! first exposure), CTR, CVR, and uplift against the scenario's holdout with a 95 % confidence
//! interval (normal approximation for a difference of two proportions).

use shopcue::json::{format_number, object, Value};

/// One scenario × variant row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// Scenario id.
    pub scenario_id: String,
    /// Variant id: `""` for a scenario without variants, `"holdout"` for its control group.
    pub variant: String,
    /// Visitors exposed (first exposure counted once per visitor).
    pub exposed: u64,
    /// Impressions (messages seen).
    pub impressions: u64,
    /// Clicks on the call to action.
    pub clicks: u64,
    /// Dismissals.
    pub dismissals: u64,
    /// Exposed visitors who purchased within the attribution window.
    pub converted: u64,
}

/// Uplift of a treatment over the holdout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uplift {
    /// Absolute difference of conversion rates (treatment − holdout).
    pub diff: f64,
    /// 95 % interval of the difference.
    pub diff_ci: (f64, f64),
    /// Relative uplift (diff / holdout CVR), when the holdout converted at all.
    pub relative: Option<f64>,
    /// 95 % interval of the relative uplift.
    pub relative_ci: Option<(f64, f64)>,
}

impl Row {
    /// Click-through rate (clicks / impressions).
    pub fn ctr(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.clicks as f64 / self.impressions as f64)
    }

    /// Conversion rate (converted / exposed).
    pub fn cvr(&self) -> Option<f64> {
        (self.exposed > 0).then(|| self.converted as f64 / self.exposed as f64)
    }
}

/// Uplift of `treatment` over `control` (the holdout), `None` without exposures on both sides.
///
/// ```
/// use shopcue_collector::report::{uplift, Row};
/// let t = Row { exposed: 1000, converted: 60, ..Row::default() };
/// let c = Row { exposed: 1000, converted: 40, ..Row::default() };
/// let u = uplift(&t, &c).unwrap();
/// assert!((u.diff - 0.02).abs() < 1e-12 && u.diff_ci.0 > 0.0); // significant at 95 %
/// ```
pub fn uplift(treatment: &Row, control: &Row) -> Option<Uplift> {
    let (p1, p0) = (treatment.cvr()?, control.cvr()?);
    let (n1, n0) = (treatment.exposed as f64, control.exposed as f64);
    let se = (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0).sqrt();
    let diff = p1 - p0;
    let ci = (diff - 1.96 * se, diff + 1.96 * se);
    let relative = (p0 > 0.0).then(|| diff / p0);
    Some(Uplift { diff, diff_ci: ci, relative, relative_ci: relative.map(|_| (ci.0 / p0, ci.1 / p0)) })
}

/// Estimated incremental revenue of a treatment: reach × CVR uplift × average order value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incremental {
    /// Visitors reached (exposed to the treatment).
    pub reach: u64,
    /// The estimate.
    pub value: f64,
    /// Its 95 % interval (from the uplift's; the average order value is taken as known).
    pub ci: (f64, f64),
}

/// The playbooks' ROI formula for management: `reach × (CVR − holdout CVR) × AOV`, with the
/// uplift's 95 % interval carried through; `None` without an uplift.
///
/// ```
/// use shopcue_collector::report::{incremental_revenue, Row};
/// let t = Row { exposed: 1000, converted: 60, ..Row::default() };
/// let c = Row { exposed: 1000, converted: 40, ..Row::default() };
/// let r = incremental_revenue(&t, &c, 5000.0).unwrap();
/// assert!((r.value - 100_000.0).abs() < 1e-6); // 1000 × 0.02 × 5000
/// ```
pub fn incremental_revenue(treatment: &Row, control: &Row, aov: f64) -> Option<Incremental> {
    let u = uplift(treatment, control)?;
    let reach = treatment.exposed as f64;
    Some(Incremental {
        reach: treatment.exposed,
        value: reach * u.diff * aov,
        ci: (reach * u.diff_ci.0 * aov, reach * u.diff_ci.1 * aov),
    })
}

/// A rate for JSON, to six decimals (`null` when there is none).
pub(crate) fn rate(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| Value::Number((x * 1e6).round() / 1e6))
}

/// The report as JSON: `{site, from, to, attribution_days, scenarios: [{scenario_id, variants:
/// […]}]}`; with an average order value, each variant with an uplift also gets its estimated
/// `incremental_revenue` (`{value, ci95}`, [`incremental_revenue`]).
pub fn to_json(site: &str, from: i64, to: i64, window_days: f64, rows: &[Row], aov: Option<f64>) -> Value {
    let mut scenarios: Vec<(String, Vec<Value>)> = Vec::new();
    for row in rows {
        let control = rows.iter().find(|r| r.scenario_id == row.scenario_id && r.variant == "holdout");
        let up = control.filter(|_| row.variant != "holdout").and_then(|c| uplift(row, c));
        let mut v = object([
            ("variant", if row.variant.is_empty() { Value::Null } else { row.variant.as_str().into() }),
            ("exposed", (row.exposed as f64).into()),
            ("impressions", (row.impressions as f64).into()),
            ("clicks", (row.clicks as f64).into()),
            ("dismissals", (row.dismissals as f64).into()),
            ("conversions", (row.converted as f64).into()),
            ("ctr", rate(row.ctr())),
            ("cvr", rate(row.cvr())),
        ]);
        if let Some(u) = up {
            v.set(
                "uplift",
                object([
                    ("diff", rate(Some(u.diff))),
                    ("diff_ci95", Value::Array(vec![rate(Some(u.diff_ci.0)), rate(Some(u.diff_ci.1))])),
                    ("relative", rate(u.relative)),
                    (
                        "relative_ci95",
                        u.relative_ci.map_or(Value::Null, |c| Value::Array(vec![rate(Some(c.0)), rate(Some(c.1))])),
                    ),
                    ("significant", (u.diff_ci.0 > 0.0 || u.diff_ci.1 < 0.0).into()),
                ]),
            );
            let money = |x: f64| Value::Number(x.round());
            if let Some(r) = aov.zip(control).and_then(|(aov, c)| incremental_revenue(row, c, aov)) {
                v.set(
                    "incremental_revenue",
                    object([("value", money(r.value)), ("ci95", Value::Array(vec![money(r.ci.0), money(r.ci.1)]))]),
                );
            }
        }
        match scenarios.iter_mut().find(|(id, _)| *id == row.scenario_id) {
            Some((_, variants)) => variants.push(v),
            None => scenarios.push((row.scenario_id.clone(), vec![v])),
        }
    }
    object([
        ("site", site.into()),
        ("from", from.into()),
        ("to", to.into()),
        ("attribution_days", window_days.into()),
        (
            "scenarios",
            Value::Array(
                scenarios
                    .into_iter()
                    .map(|(id, variants)| object([("scenario_id", id.into()), ("variants", Value::Array(variants))]))
                    .collect(),
            ),
        ),
    ])
}

/// One CSV cell. Text is escaped as OWASP advises for CSV injection: a cell that a spreadsheet
/// would read as a formula (`= + - @`, tab, carriage return first) gets a leading `'`, and a
/// cell holding a separator, quote or line break is quoted with its quotes doubled.
pub(crate) fn csv_field(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => {
            let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.clone() };
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        }
        Value::Number(n) => {
            let mut out = String::new();
            format_number(*n, &mut out);
            out
        }
        other => other.to_json(),
    }
}

/// The report as CSV, one row per scenario × variant.
pub fn to_csv(report: &Value) -> String {
    let mut out = String::from(
        "scenario_id,variant,exposed,impressions,clicks,dismissals,conversions,ctr,cvr,uplift_diff,uplift_ci95_low,uplift_ci95_high,uplift_relative,incremental_revenue,incremental_revenue_ci95_low,incremental_revenue_ci95_high\n",
    );
    for sc in report.get("scenarios").and_then(Value::as_array).unwrap_or(&[]) {
        for v in sc.get("variants").and_then(Value::as_array).unwrap_or(&[]) {
            let u = |k: &str| v.get("uplift").and_then(|u| u.get(k)).cloned().unwrap_or_default();
            let ci = |i: usize| u("diff_ci95").as_array().and_then(|a| a.get(i)).cloned().unwrap_or_default();
            let revenue = |k: &str, i: Option<usize>| {
                let r = v.get("incremental_revenue").and_then(|r| r.get(k));
                match i {
                    Some(i) => r.and_then(Value::as_array).and_then(|a| a.get(i)).cloned(),
                    None => r.cloned(),
                }
                .unwrap_or_default()
            };
            let fields = [
                sc.get("scenario_id").cloned().unwrap_or_default(),
                v.get("variant").cloned().unwrap_or_default(),
                v.get("exposed").cloned().unwrap_or_default(),
                v.get("impressions").cloned().unwrap_or_default(),
                v.get("clicks").cloned().unwrap_or_default(),
                v.get("dismissals").cloned().unwrap_or_default(),
                v.get("conversions").cloned().unwrap_or_default(),
                v.get("ctr").cloned().unwrap_or_default(),
                v.get("cvr").cloned().unwrap_or_default(),
                u("diff"),
                ci(0),
                ci(1),
                u("relative"),
                revenue("value", None),
                revenue("ci95", Some(0)),
                revenue("ci95", Some(1)),
            ];
            out.push_str(&fields.iter().map(csv_field).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_become_formulas_or_split_rows() {
        let cell = |s: &str| csv_field(&Value::String(s.into()));
        assert_eq!(cell("cart_low_stock"), "cart_low_stock");
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("a\rb"), "\"a\rb\"", "a bare carriage return is quoted");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(csv_field(&Value::Number(-0.25)), "-0.25", "numbers are numbers");
    }

    #[test]
    fn no_difference_is_not_significant_and_zero_control_has_no_relative_uplift() {
        let t = Row { exposed: 200, converted: 10, ..Row::default() };
        let c = Row { exposed: 200, converted: 10, ..Row::default() };
        let u = uplift(&t, &c).unwrap();
        assert_eq!(u.diff, 0.0);
        assert!(u.diff_ci.0 < 0.0 && u.diff_ci.1 > 0.0);
        let zero = Row { exposed: 50, converted: 0, ..Row::default() };
        assert_eq!(uplift(&t, &zero).unwrap().relative, None);
        assert_eq!(uplift(&t, &Row::default()), None);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows =
            [Row { scenario_id: "a,\"b\"".into(), variant: "x".into(), exposed: 1, impressions: 2, clicks: 1, ..Row::default() }];
        let csv = to_csv(&to_json("s", 0, 1, 7.0, &rows, Some(100.0)));
        assert_eq!(csv.lines().nth(1).unwrap(), "\"a,\"\"b\"\"\",x,1,2,1,0,0,0.5,0,,,,,,,");
    }

    /// Hand-checked: treatment 120/2000, holdout 40/1000, AOV 8000.
    /// diff = 0.06 − 0.04 = 0.02; se = √(0.06·0.94/2000 + 0.04·0.96/1000) = √(0.0000282 + 0.0000384)
    /// = 0.0081609…; 95 %: 0.02 ± 0.0159953 = [0.0040047, 0.0359953];
    /// revenue = 2000 × 0.02 × 8000 = 320,000, interval × 16,000,000 = [64,075, 575,925].
    #[test]
    fn incremental_revenue_is_reach_times_uplift_times_aov() {
        let t = Row { scenario_id: "s".into(), variant: String::new(), exposed: 2000, converted: 120, ..Row::default() };
        let c = Row { scenario_id: "s".into(), variant: "holdout".into(), exposed: 1000, converted: 40, ..Row::default() };
        let r = incremental_revenue(&t, &c, 8000.0).unwrap();
        assert_eq!(r.reach, 2000);
        assert!((r.value - 320_000.0).abs() < 1e-6);
        assert!((r.ci.0 - 64_075.0).abs() < 1.0 && (r.ci.1 - 575_925.0).abs() < 1.0, "{:?}", r.ci);
        let csv = to_csv(&to_json("site", 0, 1, 7.0, &[t, c], Some(8000.0)));
        assert!(csv.lines().nth(1).unwrap().ends_with(",320000,64075,575925"), "{csv}");
        assert!(csv.lines().nth(2).unwrap().ends_with(",,,"), "the holdout has no uplift of its own");
        let without_orders = to_csv(&to_json("site", 0, 1, 7.0, &[Row::default()], None));
        assert!(without_orders.lines().nth(1).unwrap().ends_with(",,,"));
    }
}
