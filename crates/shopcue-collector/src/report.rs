//! Scenario KPIs: per scenario and variant, exposures, impressions, clicks, dismissals and
//! conversions (the scenario's goal, a `purchase` unless it names another event, reached by the
//! same visitor within the attribution window after their first exposure), CTR, CVR, and uplift
//! against the scenario's holdout with a 95 % confidence interval (normal approximation for a
//! difference of two proportions).

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
    /// Exposed visitors who reached their goal (a purchase unless the scenario names another
    /// event) within the attribution window.
    pub converted: u64,
    /// The goals its exposed visitors were counted against, sorted: one, unless the scenario's
    /// goal changed within the period.
    pub goals: Vec<String>,
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

/// An uplift as the report writes it: `{diff, diff_ci95, relative, relative_ci95, significant}`
/// (significant: the 95 % interval leaves out zero).
fn uplift_json(u: &Uplift) -> Value {
    let pair = |c: (f64, f64)| Value::Array(vec![rate(Some(c.0)), rate(Some(c.1))]);
    object([
        ("diff", rate(Some(u.diff))),
        ("diff_ci95", pair(u.diff_ci)),
        ("relative", rate(u.relative)),
        ("relative_ci95", u.relative_ci.map_or(Value::Null, pair)),
        ("significant", (u.diff_ci.0 > 0.0 || u.diff_ci.1 < 0.0).into()),
    ])
}

/// The report as JSON: `{site, from, to, attribution_days, scenarios: [{scenario_id, goals,
/// variants: […]}]}` (`goals`: the events its conversions count, sorted; `["purchase"]` unless
/// the scenario names another); with an average order value, each variant with an uplift on a
/// purchase goal also gets its estimated `incremental_revenue` (`{value, ci95}`,
/// [`incremental_revenue`]).
pub fn to_json(site: &str, from: i64, to: i64, window_days: f64, rows: &[Row], aov: Option<f64>) -> Value {
    let mut scenarios: Vec<(String, Vec<String>, Vec<Value>)> = Vec::new();
    for row in rows {
        let control = rows.iter().find(|r| r.scenario_id == row.scenario_id && r.variant == "holdout");
        // Revenue follows from purchases only: another goal (a sign-up) has no order value.
        let purchases = control.iter().flat_map(|c| &c.goals).chain(&row.goals).all(|g| g == crate::goal::DEFAULT_GOAL);
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
            v.set("uplift", uplift_json(&u));
            let money = |x: f64| Value::Number(x.round());
            if let Some(r) = aov.filter(|_| purchases).zip(control).and_then(|(aov, c)| incremental_revenue(row, c, aov)) {
                v.set(
                    "incremental_revenue",
                    object([("value", money(r.value)), ("ci95", Value::Array(vec![money(r.ci.0), money(r.ci.1)]))]),
                );
            }
        }
        match scenarios.iter_mut().find(|(id, ..)| *id == row.scenario_id) {
            Some((_, goals, variants)) => {
                goals.extend(row.goals.iter().cloned());
                variants.push(v);
            }
            None => scenarios.push((row.scenario_id.clone(), row.goals.clone(), vec![v])),
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
                    .map(|(id, mut goals, variants)| {
                        goals.sort();
                        goals.dedup();
                        let goals = goals.into_iter().map(Value::from).collect();
                        object([("scenario_id", id.into()), ("goals", Value::Array(goals)), ("variants", Value::Array(variants))])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// The list under `key` of a report's object (its `scenarios`, a scenario's `variants`), to
/// annotate in place.
fn list_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    let Value::Object(members) = v else { return None };
    match members.iter_mut().find(|(k, _)| k == key) {
        Some((_, Value::Array(list))) => Some(list),
        _ => None,
    }
}

/// Below this p-value a scenario's split is reported as a sample ratio mismatch (the threshold
/// experimentation platforms use: at 0.001 a healthy split raises it once in a thousand checks).
pub const SRM_P: f64 = 0.001;

/// The shares of its exposed visitors a scenario's split should give each variant under
/// `config`: `"holdout"` its holdout, and the rest to its variants by weight (`""` for a scenario
/// without variants). `None` when `config` has no such scenario, or no holdout and no variants
/// (one group: nothing to compare).
///
/// ```
/// use shopcue::config::Config;
/// use shopcue_collector::report::expected_split;
/// let c = Config::parse(r#"{"version":1,"site":"s","holdout":0.1,"scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
/// assert_eq!(expected_split(&c, "page_low_stock"), Some(vec![("".to_string(), 0.9), ("holdout".to_string(), 0.1)]));
/// ```
pub fn expected_split(config: &shopcue::config::Config, scenario_id: &str) -> Option<Vec<(String, f64)>> {
    let sc = config.scenarios.iter().find(|s| s.id == scenario_id)?;
    let total: f64 = sc.variants.iter().map(|v| v.1).sum();
    let mut split: Vec<(String, f64)> = match sc.variants.len() {
        0 => vec![(String::new(), 1.0 - sc.holdout)],
        _ => sc.variants.iter().map(|v| (v.0.clone(), (1.0 - sc.holdout) * v.1 / total)).collect(),
    };
    if sc.holdout > 0.0 {
        split.push(("holdout".into(), sc.holdout));
    }
    (split.len() > 1).then_some(split)
}

/// The p-value of Pearson's χ² test of `observed` counts against the `shares` they should
/// follow: how likely a split this far off is by chance. `None` where the test does not hold
/// (an expected count below 5, or no counts).
///
/// ```
/// use shopcue_collector::report::srm_p_value;
/// // 10 % held out: 100 of 1,000 is exactly right, 150 of 1,000 is not chance.
/// assert!(srm_p_value(&[900, 100], &[0.9, 0.1]).unwrap() > 0.99);
/// assert!(srm_p_value(&[850, 150], &[0.9, 0.1]).unwrap() < 1e-6);
/// assert_eq!(srm_p_value(&[30, 2], &[0.9, 0.1]), None); // 3.2 expected in the holdout
/// ```
pub fn srm_p_value(observed: &[u64], shares: &[f64]) -> Option<f64> {
    let n = observed.iter().sum::<u64>() as f64;
    let expected: Vec<f64> = shares.iter().map(|s| s * n).collect();
    if n == 0.0 || observed.len() != shares.len() || observed.len() < 2 || expected.iter().any(|e| *e < 5.0) {
        return None;
    }
    let x2: f64 = observed.iter().zip(&expected).map(|(o, e)| (*o as f64 - e).powi(2) / e).sum();
    Some(upper_gamma((observed.len() - 1) as f64 / 2.0, x2 / 2.0))
}

/// The regularized upper incomplete gamma function Q(a, x): χ²'s survival function with `2a`
/// degrees of freedom at `2x`. A series below `a + 1`, a continued fraction above (Lentz).
fn upper_gamma(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut k) = (1.0 / a, 1.0 / a, a);
        while term.abs() > sum.abs() * 1e-15 {
            k += 1.0;
            term *= x / k;
            sum += term;
        }
        return (1.0 - front * sum).max(0.0);
    }
    let tiny = 1e-300;
    let (mut b, mut c, mut d) = (x + 1.0 - a, 1.0 / tiny, 1.0 / (x + 1.0 - a));
    let mut h = d;
    for i in 1..300 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        d = if d.abs() < tiny { tiny } else { d };
        c = b + an / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[1..].iter().enumerate().fold(G[0], |acc, (i, g)| acc + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// What a sample-ratio check reads: one published config (`version`) and the report's rows for
/// the visitors first exposed on the whole UTC days it was live, `since` to `until`, within the
/// period (the day a version was published mixes two versions and belongs to neither).
#[derive(Debug, Clone)]
pub struct SrmBasis {
    /// The config, whose split the exposures should follow.
    pub config: shopcue::config::Config,
    /// Its version number.
    pub version: i64,
    /// The first whole UTC day under it, or the period's start if later (Unix ms).
    pub since: i64,
    /// The start of the UTC day the next version was published, or the period's end if earlier.
    pub until: i64,
    /// The rows of the visitors first exposed from `since` to `until`.
    pub rows: Vec<Row>,
}

/// Checks each scenario of `report` (its JSON, [`to_json`]) for a sample ratio mismatch under
/// each of `bases` (newest first: the live version, then the ones before it): the visitors
/// first exposed while it was live against the split it gives ([`expected_split`],
/// [`srm_p_value`]). A scenario gets its newest check as `srm: {since, until, version, expected,
/// observed, p, mismatch}` (`p` to 9 decimals: 0 below 0.000000001; `mismatch` below
/// [`SRM_P`]) and the older ones, newest first, as `srm_earlier: [...]`. A version that does not
/// have the scenario, a split with a variant it does not name, or too few visitors for the test
/// gives no check.
pub fn add_srm(report: &mut Value, bases: &[SrmBasis]) {
    let Some(scenarios) = list_mut(report, "scenarios") else { return };
    for sc in scenarios.iter_mut() {
        let id = sc.get("scenario_id").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut checks = bases.iter().filter_map(|basis| srm_check(basis, &id));
        if let Some(newest) = checks.next() {
            sc.set("srm", newest);
        }
        let earlier: Vec<Value> = checks.collect();
        if !earlier.is_empty() {
            sc.set("srm_earlier", Value::Array(earlier));
        }
    }
}

/// Scenario `id`'s sample-ratio check under `basis` ([`add_srm`]), if it has one.
fn srm_check(basis: &SrmBasis, id: &str) -> Option<Value> {
    let SrmBasis { config, version, since, until, rows } = basis;
    let split = expected_split(config, id)?;
    let mine: Vec<&Row> = rows.iter().filter(|r| r.scenario_id == id && r.exposed > 0).collect();
    if mine.iter().any(|r| !split.iter().any(|(v, _)| *v == r.variant)) {
        return None;
    }
    let observed: Vec<u64> = split.iter().map(|(v, _)| mine.iter().find(|r| r.variant == *v).map_or(0, |r| r.exposed)).collect();
    let shares: Vec<f64> = split.iter().map(|s| s.1).collect();
    let p = srm_p_value(&observed, &shares)?;
    let named =
        |f: &dyn Fn(usize) -> Value| Value::Object(split.iter().enumerate().map(|(i, (v, _))| (v.clone(), f(i))).collect());
    Some(object([
        ("since", (*since).into()),
        ("until", (*until).into()),
        ("version", (*version).into()),
        ("expected", named(&|i| rate(Some(shares[i])))),
        ("observed", named(&|i| (observed[i] as f64).into())),
        ("p", Value::Number(p)),
        ("mismatch", (p < SRM_P).into()),
    ]))
}

/// The chance that each of `rows` (one scenario's variants shown to shoppers; the holdout left
/// out) has the highest true conversion rate, from the same data: each variant's rate taken as
/// Beta(1 + conversions, 1 + exposed − conversions) (a uniform prior), approximated by the
/// normal of that mean and variance, and P(i best) = ∫ pdfᵢ(x) ∏ⱼ≠ᵢ cdfⱼ(x) dx by Simpson's rule
/// over the rates' range. The figures sum to 1; with two variants, P(b best) is
/// Φ((mean_b − mean_a) / √(var_a + var_b)) (GrowthBook's and VWO's "chance to win").
///
/// ```
/// use shopcue_collector::report::{chance_to_be_best, Row};
/// let a = Row { exposed: 1000, converted: 100, ..Row::default() };
/// let b = Row { exposed: 1000, converted: 130, ..Row::default() };
/// let p = chance_to_be_best(&[&a, &b]);
/// assert!(p[1] > 0.97 && (p[0] + p[1] - 1.0).abs() < 1e-9);
/// ```
pub fn chance_to_be_best(rows: &[&Row]) -> Vec<f64> {
    let posterior: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            let (a, b) = (1.0 + r.converted as f64, 1.0 + r.exposed.saturating_sub(r.converted) as f64);
            let mean = a / (a + b);
            (mean, (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt())
        })
        .collect();
    let lo = posterior.iter().map(|(m, sd)| m - 8.0 * sd).fold(f64::INFINITY, f64::min);
    let hi = posterior.iter().map(|(m, sd)| m + 8.0 * sd).fold(f64::NEG_INFINITY, f64::max);
    const STEPS: usize = 4000; // even, for Simpson's rule
    let h = (hi - lo) / STEPS as f64;
    let mut best = vec![0.0; rows.len()];
    for k in 0..=STEPS {
        let x = lo + h * k as f64;
        let weight = if k == 0 || k == STEPS {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let cdf: Vec<f64> = posterior.iter().map(|(m, sd)| normal_cdf((x - m) / sd)).collect();
        for (i, (m, sd)) in posterior.iter().enumerate() {
            let z = (x - m) / sd;
            let pdf = (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt());
            let others: f64 = cdf.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).product();
            best[i] += weight * pdf * others;
        }
    }
    let total: f64 = best.iter().sum();
    best.iter().map(|b| if total > 0.0 { b / total } else { 1.0 / rows.len() as f64 }).collect()
}

/// Φ(z), the standard normal's distribution function, from erfc (Numerical Recipes' Chebyshev
/// fit: relative error below 1.2e-7).
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' `erfcc`).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// What a group of exposed visitors spent: each visitor's order values within the attribution
/// window after their first exposure (0 for most), summed and squared for a mean and its spread.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Revenue {
    /// Exposed visitors.
    pub visitors: u64,
    /// Their order values together.
    pub sum: f64,
    /// The sum of each visitor's total squared.
    pub sum_sq: f64,
}

impl Revenue {
    /// Counts one visitor who spent `spent`.
    pub fn add(&mut self, spent: f64) {
        self.visitors += 1;
        self.sum += spent;
        self.sum_sq += spent * spent;
    }

    /// Revenue per visitor.
    pub fn mean(&self) -> Option<f64> {
        (self.visitors > 0).then(|| self.sum / self.visitors as f64)
    }

    /// The variance of one visitor's spend (the sample variance), with at least two visitors.
    fn variance(&self) -> Option<f64> {
        let n = self.visitors as f64;
        (self.visitors > 1).then(|| ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0))
    }
}

/// A difference of two means with its intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Treatment minus control.
    pub diff: f64,
    /// Its 95 % interval, for one reading.
    pub ci95: (f64, f64),
    /// Its sequential interval, which holds however often it is read.
    pub sequential: (f64, f64),
}

/// `treatment`'s revenue per visitor minus `control`'s, with its 95 % interval (normal, Welch's
/// standard error) and its sequential interval at `1 − alpha` (as [`sequential_interval`]'s, for
/// means). Spend is skewed (most visitors spend nothing, a few a lot), so the intervals need
/// more visitors than a conversion rate's to mean much.
///
/// ```
/// use shopcue_collector::report::{revenue_difference, Revenue};
/// let (mut a, mut b) = (Revenue::default(), Revenue::default());
/// for i in 0..1000 {
///     a.add(if i % 10 == 0 { 5000.0 } else { 0.0 }); // 10 % buy ¥5,000
///     b.add(if i % 10 < 2 { 5000.0 } else { 0.0 }); // 20 % do
/// }
/// let d = revenue_difference(&b, &a, 0.05).unwrap();
/// assert_eq!(d.diff, 500.0);
/// assert!(d.ci95.0 > 0.0 && d.sequential.0 < d.ci95.0 && d.sequential.1 > d.ci95.1);
/// ```
pub fn revenue_difference(treatment: &Revenue, control: &Revenue, alpha: f64) -> Option<Difference> {
    let diff = treatment.mean()? - control.mean()?;
    let var = treatment.variance()? / treatment.visitors as f64 + control.variance()? / control.visitors as f64;
    let n = (treatment.visitors + control.visitors) as f64;
    let (se, h) = (var.sqrt(), sequential_halfwidth(n * var, n, alpha));
    Some(Difference { diff, ci95: (diff - 1.96 * se, diff + 1.96 * se), sequential: (diff - h, diff + h) })
}

/// Revenue per visitor in the split tests of `report` (after [`add_variant_comparisons`]): each
/// shown variant of a scenario with a `baseline` gets `revenue_per_visitor` (order values within
/// the attribution window after a visitor's first exposure, per exposed visitor), and each that
/// has `vs_baseline` gets its `revenue_per_visitor` there too: `{diff, diff_ci95,
/// sequential_ci95}` ([`revenue_difference`]). `revenue`: per scenario, each variant's
/// [`Revenue`] in the report's period. The scenario's `verdict` reads spend over the figures it
/// reads ([`add_guardrail`]): its test's run from `tests`, else the period.
pub fn add_revenue_per_visitor(report: &mut Value, revenue: &[(String, Vec<(String, Revenue)>)], tests: &[SplitTest]) {
    let Some(scenarios) = list_mut(report, "scenarios") else { return };
    for sc in scenarios.iter_mut() {
        let id = sc.get("scenario_id").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(baseline) = sc.get("baseline").and_then(Value::as_str).map(str::to_string) else { continue };
        let period = revenue.iter().find(|(s, _)| *s == id).map(|(_, v)| v.as_slice());
        let run = tests.iter().find(|t| t.scenario_id == id).map(|t| t.revenue.as_slice());
        if let Some(verdict) = sc.get("verdict").cloned() {
            let over_run = verdict.get("since_test_began") == Some(&Value::Bool(true));
            if let Some(revenue) = if over_run { run } else { period } {
                sc.set("verdict", add_guardrail(verdict, revenue));
            }
        }
        let Some(variants) = period else { continue };
        let of = |v: &str| variants.iter().find(|(name, _)| name == v).map(|(_, r)| r);
        let shown = variants.iter().filter(|(v, r)| v != "holdout" && r.visitors > 0).count();
        let alpha = shared_alpha(shown);
        let Some(list) = list_mut(sc, "variants") else { continue };
        for v in list.iter_mut() {
            let name = v.get("variant").and_then(Value::as_str).unwrap_or_default().to_string();
            let Some(r) = of(&name).filter(|_| v.get("chance_to_be_best").is_some()) else { continue };
            v.set("revenue_per_visitor", r.mean().map_or(Value::Null, crate::analytics::money));
            let (Some(base), Some(mut vs)) = (of(&baseline).filter(|_| name != baseline), v.get("vs_baseline").cloned()) else {
                continue;
            };
            if let Some(Difference { diff, ci95, sequential }) = revenue_difference(r, base, alpha) {
                let pair = |c: (f64, f64)| Value::Array(vec![crate::analytics::money(c.0), crate::analytics::money(c.1)]);
                vs.set(
                    "revenue_per_visitor",
                    object([
                        ("diff", crate::analytics::money(diff)),
                        ("diff_ci95", pair(ci95)),
                        ("sequential_ci95", pair(sequential)),
                    ]),
                );
                v.set("vs_baseline", vs);
            }
        }
    }
}

/// A split test's `verdict` (its JSON) with what it leaves out, judging the goal alone: each of
/// its `variants` gets `revenue_per_visitor` from `revenue` (over the same visitors: the
/// verdict's run, or its period), and the verdict gets `guardrail` when its leader's visitors
/// surely spend less than another variant's — `{variant, diff, sequential_ci95}`, the leader's
/// spend per visitor minus that variant's, with its sequential interval below zero (at the 5 %
/// the verdict shares among its comparisons); of several, the surest. A bigger discount that
/// wins sign-ups may lose money.
///
/// ```
/// use shopcue_collector::report::{add_guardrail, Revenue};
/// use shopcue::json::{object, Value};
/// let figure = |v: &str| object([("variant", v.into())]);
/// let verdict = object([("leader", "b".into()), ("variants", Value::Array(vec![figure("a"), figure("b")]))]);
/// let (mut a, mut b) = (Revenue::default(), Revenue::default());
/// for i in 0..2000 {
///     a.add(if i % 10 == 0 { 5000.0 } else { 0.0 }); // 10 % buy ¥5,000
///     b.add(if i % 10 < 2 { 1000.0 } else { 0.0 }); // 20 % buy ¥1,000
/// }
/// let v = add_guardrail(verdict, &[("a".into(), a), ("b".into(), b)]);
/// let g = v.get("guardrail").unwrap();
/// assert_eq!(g.get("variant").and_then(|x| x.as_str()), Some("a"));
/// assert_eq!(g.get("diff").and_then(|x| x.as_f64()), Some(-300.0));
/// ```
pub fn add_guardrail(mut verdict: Value, revenue: &[(String, Revenue)]) -> Value {
    let of = |v: &str| revenue.iter().find(|(name, _)| name == v).map(|(_, r)| r);
    let leader = verdict.get("leader").and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(figures) = list_mut(&mut verdict, "variants") else { return verdict };
    let alpha = shared_alpha(figures.len());
    let mut surest: Option<(String, Difference)> = None;
    for f in figures.iter_mut() {
        let name = f.get("variant").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(r) = of(&name) else { continue };
        f.set("revenue_per_visitor", r.mean().map_or(Value::Null, crate::analytics::money));
        let d = of(&leader).filter(|_| name != leader).and_then(|lead| revenue_difference(lead, r, alpha));
        if let Some(d) = d.filter(|d| d.sequential.1 < 0.0) {
            if surest.as_ref().is_none_or(|(_, s)| d.sequential.1 < s.sequential.1) {
                surest = Some((name, d));
            }
        }
    }
    if let Some((variant, d)) = surest {
        let money = crate::analytics::money;
        verdict.set(
            "guardrail",
            object([
                ("variant", variant.into()),
                ("diff", money(d.diff)),
                ("sequential_ci95", Value::Array(vec![money(d.sequential.0), money(d.sequential.1)])),
            ]),
        );
    }
    verdict
}

/// Scenario `id`'s variants that showed shoppers something in `rows` (exposed, not the holdout):
/// two or more make it a split test.
pub fn shown_variants<'a>(rows: &'a [Row], id: &str) -> Vec<&'a Row> {
    rows.iter().filter(|r| r.scenario_id == id && r.variant != "holdout" && r.exposed > 0).collect()
}

/// A split test's run: its variants' figures from the day its current variants went live to the
/// report's end (the collector finds that day in the site's versions).
#[derive(Debug, Clone)]
pub struct SplitTest {
    /// The scenario.
    pub scenario_id: String,
    /// The start of the UTC day its run began (Unix ms).
    pub since: i64,
    /// The end of what its figures hold: the report's end, or now if that is sooner (the pace
    /// that `more_days` assumes is the run's figures over `until - since`).
    pub until: i64,
    /// Its variants' figures over the run (the variants its live config lists).
    pub rows: Vec<Row>,
    /// What each variant's visitors spent over the run ([`add_revenue_per_visitor`]).
    pub revenue: Vec<(String, Revenue)>,
}

/// The 5 % of a split test of `variants` shown variants shared among its comparisons
/// (Bonferroni): each of a variant's comparisons with the others is read at this `alpha`.
fn shared_alpha(variants: usize) -> f64 {
    0.05 / variants.saturating_sub(1).max(1) as f64
}

/// The number of visitors (two variants' exposed visitors together) at which the sequential
/// intervals are narrowest ([`sequential_interval`]): a small store's split test. They are valid
/// at every size; away from this one they are a little wider.
pub const SEQUENTIAL_TUNING: f64 = 2_000.0;

/// The half-width of an always-valid `1 − alpha` interval of a mean after `n` observations of
/// variance `s2`: the asymptotic confidence sequence of Waudby-Smith, Arnold, Wu, Ramdas and
/// Howard ("Time-uniform central limit theory and asymptotic confidence sequences", 2023; the
/// one GrowthBook's sequential testing uses), from Robbins' normal mixture with its ρ² tuned to
/// be narrowest at [`SEQUENTIAL_TUNING`] observations:
/// `√(s2 · 2(nρ² + 1) / (n²ρ²) · ln(√(nρ² + 1) / alpha))`.
fn sequential_halfwidth(s2: f64, n: f64, alpha: f64) -> f64 {
    let l = -2.0 * alpha.ln();
    let rho2 = (l + (l + 1.0).ln()) / SEQUENTIAL_TUNING;
    let nr = n * rho2;
    (s2 * 2.0 * (nr + 1.0) / (n * nr) * ((nr + 1.0).sqrt() / alpha).ln()).sqrt()
}

/// The per-visitor variance of `treatment`'s CVR minus `control`'s, and the visitors of both:
/// `(N · Var(diff), N)`. Each rate's variance is taken at (conversions + 1) / (exposed + 2), so
/// that a variant with no conversion yet (or nothing but) does not count as certain.
fn difference_variance(treatment: &Row, control: &Row) -> Option<(f64, f64)> {
    let var = |r: &Row| {
        let p = (r.converted as f64 + 1.0) / (r.exposed as f64 + 2.0);
        p * (1.0 - p) / r.exposed as f64
    };
    (treatment.exposed > 0 && control.exposed > 0).then(|| {
        let n = (treatment.exposed + control.exposed) as f64;
        (n * (var(treatment) + var(control)), n)
    })
}

/// `treatment`'s CVR minus `control`'s with an interval that holds at `1 − alpha` **however
/// often it is looked at** (an asymptotic confidence sequence, [`SEQUENTIAL_TUNING`]): a split
/// test may be read every day and stopped on the first day this interval leaves out zero, and
/// its false winners stay under `alpha`. A fixed-sample interval read so picks a winner between
/// two equal variants far more often than 5 % of the time. `None` without exposures on both
/// sides.
///
/// ```
/// use shopcue_collector::report::{sequential_interval, uplift, Row};
/// let a = Row { exposed: 1000, converted: 100, ..Row::default() };
/// let b = Row { exposed: 1000, converted: 160, ..Row::default() };
/// let (lo, hi) = sequential_interval(&b, &a, 0.05).unwrap();
/// let fixed = uplift(&b, &a).unwrap().diff_ci;
/// assert!(lo < fixed.0 && hi > fixed.1 && lo > 0.0); // wider, and still sure here
/// ```
pub fn sequential_interval(treatment: &Row, control: &Row, alpha: f64) -> Option<(f64, f64)> {
    let diff = treatment.cvr()? - control.cvr()?;
    let (s2, n) = difference_variance(treatment, control)?;
    let h = sequential_halfwidth(s2, n, alpha);
    // A difference of two rates lies in [−1, 1]: with a few visitors the interval is wider.
    Some(((diff - h).max(-1.0), (diff + h).min(1.0)))
}

/// How many times its current visitors the comparison of `treatment` with `control` needs for
/// its sequential interval to leave out zero, should the difference and the spread stay as they
/// are (both variants growing at their pace); `None` for no difference, or beyond 100 times.
fn growth_to_decide(treatment: &Row, control: &Row, alpha: f64) -> Option<f64> {
    let diff = (treatment.cvr()? - control.cvr()?).abs();
    let (s2, n) = difference_variance(treatment, control)?;
    let sure = |f: f64| sequential_halfwidth(s2, n * f, alpha) < diff;
    if diff == 0.0 || !sure(100.0) {
        return None;
    }
    let (mut lo, mut hi) = (1.0, 100.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if sure(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// A split test's verdict: the variant with the highest CVR (`leader`, with its
/// `chance_to_be_best` over the same figures), compared with each other shown variant at 5 %
/// divided among those comparisons (Bonferroni), by [`sequential_interval`]. `decided` once each of those intervals is above zero. `runner_up`
/// is the variant of the least sure comparison, with its `diff` and `sequential_ci95`; while
/// undecided, `more_days` says how many more days at the pace of the `days` read that
/// comparison needs should the difference hold (`null`: no difference, or not within 100 times
/// its visitors). `variants` gives the figures it read, each variant's `{variant, exposed,
/// conversions, cvr}`: over a test's whole run they are not the table's, which are the period's.
/// `chances`: each of `shown`'s [`chance_to_be_best`], where the caller has them for the same
/// figures.
fn verdict(shown: &[&Row], days: f64, chances: Option<&[f64]>) -> Option<Value> {
    let leader = shown.iter().copied().max_by(|a, b| a.cvr().partial_cmp(&b.cvr()).unwrap_or(std::cmp::Ordering::Equal))?;
    let alpha = shared_alpha(shown.len());
    let (runner_up, ci) = shown
        .iter()
        .filter(|r| r.variant != leader.variant)
        .filter_map(|r| Some((*r, sequential_interval(leader, r, alpha)?)))
        .min_by(|a, b| a.1 .0.partial_cmp(&b.1 .0).unwrap_or(std::cmp::Ordering::Equal))?;
    let decided = ci.0 > 0.0;
    let more = (!decided).then(|| growth_to_decide(leader, runner_up, alpha)).flatten();
    let computed;
    let chances = match chances {
        Some(known) => known,
        None => {
            computed = chance_to_be_best(shown);
            &computed
        }
    };
    let chance = shown.iter().position(|r| r.variant == leader.variant).map(|i| chances[i]);
    Some(object([
        ("leader", leader.variant.as_str().into()),
        ("chance_to_be_best", rate(chance)),
        ("decided", decided.into()),
        ("runner_up", runner_up.variant.as_str().into()),
        ("diff", rate(Some(leader.cvr()? - runner_up.cvr()?))),
        ("sequential_ci95", Value::Array(vec![rate(Some(ci.0)), rate(Some(ci.1))])),
        ("more_days", more.map_or(Value::Null, |f| ((f - 1.0) * days).ceil().max(1.0).into())),
        ("variants", Value::Array(shown.iter().map(|r| figures(r)).collect())),
    ]))
}

/// A variant's figures as a verdict gives them: `{variant, exposed, conversions, cvr}`.
fn figures(r: &Row) -> Value {
    object([
        ("variant", r.variant.as_str().into()),
        ("exposed", (r.exposed as f64).into()),
        ("conversions", (r.converted as f64).into()),
        ("cvr", rate(r.cvr())),
    ])
}

/// A split test's variants compared with each other, in each scenario of `report` (its JSON,
/// [`to_json`]) that showed shoppers two or more variants in the period (`rows`, the report's):
/// the scenario gets `baseline`, the variant the others are compared with — the first that
/// `live` (the site's live config) lists for it, else the first in the report — and each of
/// its shown variants `chance_to_be_best` ([`chance_to_be_best`]); each but the baseline also
/// gets `vs_baseline`: its CVR minus the baseline's with a 95 % interval, as `uplift` is against
/// the holdout (`{diff, diff_ci95, relative, relative_ci95, significant}`), and with
/// `sequential_ci95`, the interval that holds however often the report is read
/// ([`sequential_interval`], at 95 % shared among the comparisons with the baseline). The
/// scenario's `verdict` says which variant leads and whether that is sure yet (its sequential
/// intervals against every other variant above zero) or how long it may take,
/// over the test's whole run where `tests` has it ([`SplitTest`]; `since`, and
/// `since_test_began: true`), else over the report's period. The holdout, which is shown
/// nothing, is neither compared nor ranked. A split test that `live` no longer has gets
/// `in_live_config: false` (there is nothing left to roll out).
///
/// ```
/// use shopcue_collector::report::{add_variant_comparisons, to_json, Row};
/// let row = |v: &str, exposed, converted| Row { scenario_id: "s".into(), variant: v.into(), exposed, converted, ..Row::default() };
/// let rows = [row("a", 1000, 100), row("b", 1000, 150), row("holdout", 100, 8)];
/// let mut report = to_json("site", 0, 1, 7.0, &rows, None);
/// add_variant_comparisons(&mut report, &rows, None, &[]);
/// let s = &report.get("scenarios").unwrap().as_array().unwrap()[0];
/// assert_eq!(s.get("baseline").and_then(|b| b.as_str()), Some("a"));
/// let b = &s.get("variants").unwrap().as_array().unwrap()[1];
/// assert_eq!(b.get("vs_baseline").and_then(|u| u.get("significant")).and_then(|x| x.as_bool()), Some(true));
/// ```
pub fn add_variant_comparisons(report: &mut Value, rows: &[Row], live: Option<&shopcue::config::Config>, tests: &[SplitTest]) {
    let ms = |k: &str| report.get(k).and_then(Value::as_f64).unwrap_or_default() as i64;
    let (from, to) = (ms("from"), ms("to"));
    let days = |since: i64, until: i64| ((until - since) as f64 / crate::rollup::DAY_MS as f64).max(1.0 / 24.0);
    let Some(scenarios) = list_mut(report, "scenarios") else { return };
    for sc in scenarios.iter_mut() {
        let id = sc.get("scenario_id").and_then(Value::as_str).unwrap_or_default().to_string();
        let shown = shown_variants(rows, &id);
        if shown.len() < 2 {
            continue;
        }
        let in_live = live.and_then(|c| c.scenarios.iter().find(|s| s.id == id));
        if live.is_some() && in_live.is_none() {
            sc.set("in_live_config", false.into());
        }
        let listed = in_live.and_then(|s| s.variants.first());
        let baseline = listed.and_then(|(v, ..)| shown.iter().find(|r| r.variant == *v)).unwrap_or(&shown[0]);
        let chances = chance_to_be_best(&shown);
        sc.set("baseline", baseline.variant.as_str().into());
        // The verdict reads the test's whole run where it is known, else the report's period.
        let run = tests.iter().find(|t| t.scenario_id == id);
        let run_rows: Vec<&Row> = run.map_or(shown.clone(), |t| t.rows.iter().filter(|r| r.exposed > 0).collect());
        let (since, until) = run.map_or((from, to), |t| (t.since, t.until));
        // Over the period, the table's chances are the verdict's.
        let known = run.is_none().then_some(chances.as_slice());
        if let Some(mut v) = (run_rows.len() >= 2).then(|| verdict(&run_rows, days(since, until), known)).flatten() {
            v.set("since", since.into());
            v.set("since_test_began", run.is_some().into());
            sc.set("verdict", v);
        }
        let alpha = shared_alpha(shown.len());
        let Some(variants) = list_mut(sc, "variants") else { continue };
        for v in variants.iter_mut() {
            let name = v.get("variant").and_then(Value::as_str).unwrap_or_default().to_string();
            let Some(i) = shown.iter().position(|r| r.variant == name) else { continue };
            v.set("chance_to_be_best", rate(Some(chances[i])));
            if name != baseline.variant {
                if let Some(u) = uplift(shown[i], baseline) {
                    let mut json = uplift_json(&u);
                    if let Some((lo, hi)) = sequential_interval(shown[i], baseline, alpha) {
                        json.set("sequential_ci95", Value::Array(vec![rate(Some(lo)), rate(Some(hi))]));
                    }
                    v.set("vs_baseline", json);
                }
            }
        }
    }
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

/// A CSV cell's value: `v`, or its element `i` (an interval's end), empty where missing.
fn cell(v: Option<&Value>, i: Option<usize>) -> Value {
    match i {
        Some(i) => v.and_then(Value::as_array).and_then(|a| a.get(i)),
        None => v,
    }
    .cloned()
    .unwrap_or_default()
}

/// The report as CSV, one row per scenario × variant.
pub fn to_csv(report: &Value) -> String {
    let mut out = String::from(
        "scenario_id,variant,exposed,impressions,clicks,dismissals,conversions,ctr,cvr,uplift_diff,uplift_ci95_low,uplift_ci95_high,uplift_relative,incremental_revenue,incremental_revenue_ci95_low,incremental_revenue_ci95_high,srm_p,srm_mismatch,goals,baseline,vs_baseline_diff,vs_baseline_ci95_low,vs_baseline_ci95_high,chance_to_be_best,vs_baseline_sequential_ci95_low,vs_baseline_sequential_ci95_high,winner,revenue_per_visitor,vs_baseline_revenue_per_visitor_diff,vs_baseline_revenue_per_visitor_sequential_ci95_low,vs_baseline_revenue_per_visitor_sequential_ci95_high,guardrail_variant,guardrail_revenue_per_visitor_diff,guardrail_sequential_ci95_low,guardrail_sequential_ci95_high\n",
    );
    for sc in report.get("scenarios").and_then(Value::as_array).unwrap_or(&[]) {
        for v in sc.get("variants").and_then(Value::as_array).unwrap_or(&[]) {
            let of = |what: &str, k: &str| v.get(what).and_then(|u| u.get(k)).cloned().unwrap_or_default();
            let ci = |what: &str, i: usize| of(what, "diff_ci95").as_array().and_then(|a| a.get(i)).cloned().unwrap_or_default();
            let seq =
                |i: usize| of("vs_baseline", "sequential_ci95").as_array().and_then(|a| a.get(i)).cloned().unwrap_or_default();
            // Revenue per visitor against the baseline's: the difference, or its sequential
            // interval's end i.
            let rpv = |i: Option<usize>| {
                let r = of("vs_baseline", "revenue_per_visitor");
                cell(r.get(if i.is_some() { "sequential_ci95" } else { "diff" }), i)
            };
            let guardrail = |k: &str, i| cell(sc.get("verdict").and_then(|v| v.get("guardrail")).and_then(|g| g.get(k)), i);
            let revenue = |k: &str, i| cell(v.get("incremental_revenue").and_then(|r| r.get(k)), i);
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
                of("uplift", "diff"),
                ci("uplift", 0),
                ci("uplift", 1),
                of("uplift", "relative"),
                revenue("value", None),
                revenue("ci95", Some(0)),
                revenue("ci95", Some(1)),
                // The scenario's sample-ratio check, on each of its rows.
                sc.get("srm").and_then(|r| r.get("p")).cloned().unwrap_or_default(),
                sc.get("srm").and_then(|r| r.get("mismatch")).cloned().unwrap_or_default(),
                // The events its conversions count, joined by spaces (one, as a rule).
                Value::String(
                    sc.get("goals")
                        .and_then(Value::as_array)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                // A split test's: the variant each is compared with, and how.
                sc.get("baseline").cloned().unwrap_or_default(),
                of("vs_baseline", "diff"),
                ci("vs_baseline", 0),
                ci("vs_baseline", 1),
                v.get("chance_to_be_best").cloned().unwrap_or_default(),
                seq(0),
                seq(1),
                // The split test's winner, on each of its rows, once the sequential test says so.
                sc.get("verdict")
                    .filter(|v| v.get("decided") == Some(&Value::Bool(true)))
                    .and_then(|v| v.get("leader"))
                    .cloned()
                    .unwrap_or_default(),
                v.get("revenue_per_visitor").cloned().unwrap_or_default(),
                rpv(None),
                rpv(Some(0)),
                rpv(Some(1)),
                // The split test's guardrail, on each of its rows: a variant whose visitors
                // surely spend more than the leader's, over the test's run.
                guardrail("variant", None),
                guardrail("diff", None),
                guardrail("sequential_ci95", Some(0)),
                guardrail("sequential_ci95", Some(1)),
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

    /// Uniform draws in `[0, 1)` from a fixed generator (xorshift64 from `seed`).
    fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Scenario `id`'s entry in a report.
    fn scenario_of<'a>(report: &'a Value, id: &str) -> &'a Value {
        let scenarios = report.get("scenarios").and_then(Value::as_array).unwrap();
        scenarios.iter().find(|s| s.get("scenario_id").and_then(Value::as_str) == Some(id)).unwrap()
    }

    #[test]
    fn chance_to_be_best_of_two_is_the_closed_form_and_of_three_what_sampling_finds() {
        let row = |exposed, converted| Row { exposed, converted, ..Row::default() };
        let moments = |r: &Row| {
            let (a, b) = (1.0 + r.converted as f64, 1.0 + (r.exposed - r.converted) as f64);
            (a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1.0)))
        };
        for (a, b) in [
            (row(1000, 100), row(1000, 130)),
            (row(50, 3), row(40, 5)),
            (row(20_000, 410), row(19_000, 400)),
            (row(10, 0), row(10, 0)),
            (row(300, 290), row(5, 1)),
        ] {
            let ((ma, va), (mb, vb)) = (moments(&a), moments(&b));
            let want = normal_cdf((mb - ma) / (va + vb).sqrt());
            let got = chance_to_be_best(&[&a, &b]);
            assert!((got[1] - want).abs() < 1e-5, "{a:?} {b:?}: {got:?}, not {want}");
            assert!((got[0] + got[1] - 1.0).abs() < 1e-9);
        }
        // Alike: alike chances, whatever their order.
        let same = chance_to_be_best(&[&row(500, 40), &row(500, 40), &row(500, 40)]);
        assert!(same.iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-6), "{same:?}");
        // Three arms against a million draws from the same normals (a fixed generator).
        let arms = [row(800, 64), row(820, 74), row(790, 71)];
        let got = chance_to_be_best(&arms.iter().collect::<Vec<_>>());
        let mut uniform = uniforms(0x2545_f491_4f6c_dd1d);
        let mut wins = [0u32; 3];
        let draws = 1_000_000;
        for _ in 0..draws {
            let x: Vec<f64> = arms
                .iter()
                .map(|r| {
                    let (m, v) = moments(r);
                    let z = (-2.0 * (1.0 - uniform()).ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
                    m + v.sqrt() * z
                })
                .collect();
            let best = (0..3).max_by(|&i, &j| x[i].total_cmp(&x[j])).unwrap();
            wins[best] += 1;
        }
        for i in 0..3 {
            let sampled = f64::from(wins[i]) / f64::from(draws);
            assert!((got[i] - sampled).abs() < 0.003, "arm {i}: {} integrated, {sampled} sampled", got[i]);
        }
        assert!(got[1] > got[2] && got[2] > got[0], "{got:?}");
    }

    /// A/A and A/B tests read every day for 30 days (100 visitors a variant a day, a fixed
    /// generator): how often each interval ever leaves out zero.
    fn daily_reads(cvr_b: f64, tests: usize) -> (f64, f64) {
        let mut uniform = uniforms(0x9e37_79b9_7f4a_7c15);
        let (mut fixed, mut sequential) = (0, 0);
        for _ in 0..tests {
            let (mut a, mut b) = (Row::default(), Row::default());
            let (mut fixed_said, mut sequential_said) = (false, false);
            for _day in 0..30 {
                for (r, p) in [(&mut a, 0.05), (&mut b, cvr_b)] {
                    r.exposed += 100;
                    r.converted += (0..100).filter(|_| uniform() < p).count() as u64;
                }
                let u = uplift(&b, &a).unwrap();
                fixed_said |= u.diff_ci.0 > 0.0 || u.diff_ci.1 < 0.0;
                let (lo, hi) = sequential_interval(&b, &a, 0.05).unwrap();
                sequential_said |= lo > 0.0 || hi < 0.0;
            }
            fixed += usize::from(fixed_said);
            sequential += usize::from(sequential_said);
        }
        (fixed as f64 / tests as f64, sequential as f64 / tests as f64)
    }

    #[test]
    fn sequential_intervals_keep_their_95_percent_however_often_they_are_read() {
        // Two equal variants: read daily, the fixed interval names a winner in about a quarter
        // of the tests; the sequential one in under 5 %.
        let (fixed, sequential) = daily_reads(0.05, 1000);
        assert!(fixed > 0.12, "the fixed interval read daily: {fixed}");
        assert!(sequential < 0.05, "the sequential interval read daily: {sequential}");
        // A real difference (5 % against 8 %) is still found within the month in most tests.
        let (fixed_found, found) = daily_reads(0.08, 300);
        println!("read daily for 30 days: A/A winners {fixed} fixed, {sequential} sequential; 5 % vs 8 % found {fixed_found} fixed, {found} sequential");
        assert!(found > 0.8, "a real difference found in {found} of the tests");
    }

    #[test]
    fn a_verdict_names_the_leader_and_how_long_an_open_test_may_take() {
        let row = |v: &str, exposed: f64, converted: f64| Row {
            scenario_id: "s".into(),
            variant: v.into(),
            exposed: exposed.round() as u64,
            converted: converted.round() as u64,
            ..Row::default()
        };
        let verdict_of = |rows: &[Row], days: i64| {
            let mut report = to_json("site", 0, days * crate::rollup::DAY_MS, 7.0, rows, None);
            add_variant_comparisons(&mut report, rows, None, &[]);
            scenario_of(&report, "s").get("verdict").cloned().unwrap()
        };
        let get = |v: &Value, k: &str| v.get(k).cloned().unwrap_or_default();
        // 10 % against 12 % over a week: b leads, not surely yet.
        let week = [row("a", 1000.0, 100.0), row("b", 1000.0, 120.0)];
        let open = verdict_of(&week, 7);
        assert_eq!((get(&open, "leader"), get(&open, "runner_up")), ("b".into(), "a".into()), "{}", open.to_json());
        assert_eq!(get(&open, "decided"), Value::Bool(false));
        assert_eq!(get(&open, "diff"), Value::Number(0.02));
        let days = get(&open, "more_days").as_f64().expect("an estimate");
        // That many more days at the same pace and rates decide it; half as many do not.
        let grown = |extra: f64| {
            let f = 1.0 + extra / 7.0;
            [row("a", 1000.0 * f, 100.0 * f), row("b", 1000.0 * f, 120.0 * f)]
        };
        assert_eq!(get(&verdict_of(&grown(days), 7), "decided"), Value::Bool(true), "after {days} more days");
        assert_eq!(get(&verdict_of(&grown(days / 2.0), 7), "decided"), Value::Bool(false));
        // The same figures over a month: the same wait, in months' days.
        let month = get(&verdict_of(&week, 28), "more_days").as_f64().unwrap();
        assert!((month - 4.0 * days).abs() <= 4.0, "{month} against {days}");
        // A handful of visitors: the interval is all a difference of rates can be, no more.
        let few = sequential_interval(&row("b", 10.0, 5.0), &row("a", 10.0, 2.0), 0.05).unwrap();
        assert_eq!(few, (-1.0, 1.0));
        // Alike variants: no leader surely, and no wait that would make one.
        let alike = verdict_of(&[row("a", 1000.0, 100.0), row("b", 1000.0, 100.0)], 7);
        assert_eq!((get(&alike, "decided"), get(&alike, "more_days")), (Value::Bool(false), Value::Null));
        // Given the test's run, the verdict reads it (and says since when), not the period.
        let run = SplitTest {
            scenario_id: "s".into(),
            since: -21 * crate::rollup::DAY_MS,
            until: 7 * crate::rollup::DAY_MS,
            rows: grown(days * 4.0).to_vec(),
            revenue: Vec::new(),
        };
        let mut report = to_json("site", 0, 7 * crate::rollup::DAY_MS, 7.0, &week, None);
        add_variant_comparisons(&mut report, &week, None, std::slice::from_ref(&run));
        let over_run = scenario_of(&report, "s").get("verdict").cloned().unwrap();
        assert_eq!(get(&over_run, "decided"), Value::Bool(true), "{}", over_run.to_json());
        assert_eq!(
            (get(&over_run, "since"), get(&over_run, "since_test_began")),
            (Value::Number(-21.0 * 86_400_000.0), Value::Bool(true))
        );
        assert_eq!((get(&open, "since"), get(&open, "since_test_began")), (Value::Number(0.0), Value::Bool(false)));
        // Its figures are the run's, not the period's the table has.
        let exposed = |v: &Value| get(v, "variants").as_array().unwrap().iter().map(|f| get(f, "exposed")).collect::<Vec<_>>();
        assert_eq!(exposed(&open), [Value::Number(1000.0), Value::Number(1000.0)]);
        let ran = run.rows.iter().map(|r| Value::Number(r.exposed as f64)).collect::<Vec<_>>();
        assert_eq!(ran.len(), 2);
        assert_eq!(exposed(&over_run), ran);
        assert_ne!(ran[0], Value::Number(1000.0));
        let figures = get(&over_run, "variants");
        let b = &figures.as_array().unwrap()[1];
        assert_eq!((get(b, "variant"), get(b, "cvr")), ("b".into(), rate(run.rows[1].cvr())));
        assert_eq!(get(b, "conversions"), Value::Number(run.rows[1].converted as f64));
        // A third variant shares the 5 %: the same pair's interval is wider.
        let pair = verdict_of(&[row("a", 1000.0, 100.0), row("b", 1000.0, 160.0)], 7);
        let three = verdict_of(&[row("a", 1000.0, 100.0), row("b", 1000.0, 160.0), row("c", 1000.0, 60.0)], 7);
        let width = |v: &Value| {
            let ci = get(v, "sequential_ci95");
            ci.as_array().unwrap()[1].as_f64().unwrap() - ci.as_array().unwrap()[0].as_f64().unwrap()
        };
        assert_eq!((get(&three, "leader"), get(&three, "runner_up")), ("b".into(), "a".into()));
        assert!(width(&three) > width(&pair), "{} against {}", three.to_json(), pair.to_json());
        assert_eq!((get(&pair, "decided"), get(&three, "decided")), (Value::Bool(true), Value::Bool(true)));
    }

    #[test]
    fn a_split_tests_variants_are_compared_with_the_first_the_live_config_lists() {
        let row = |sc: &str, v: &str, exposed, converted| Row {
            scenario_id: sc.into(),
            variant: v.into(),
            exposed,
            converted,
            goals: vec!["purchase".into()],
            ..Row::default()
        };
        let rows = [
            row("split", "a", 1000, 150),
            row("split", "b", 1000, 100),
            row("split", "holdout", 200, 12),
            row("plain", "", 500, 40),
            row("plain", "holdout", 50, 2),
            row("one_left", "b", 300, 20),
        ];
        let live = shopcue::config::Config::parse(
            r#"{"version":1,"site":"s","scenarios":[
                {"id":"split","trigger":{"on":"page_view"},"message":{"title":"T"},"variants":[{"id":"b"},{"id":"a"}]}]}"#,
        )
        .unwrap();
        let scenario = |report: &Value, id: &str| scenario_of(report, id).clone();
        let variant = |sc: &Value, v: &str| {
            sc.get("variants")
                .and_then(Value::as_array)
                .unwrap()
                .iter()
                .find(|x| x.get("variant").and_then(Value::as_str) == Some(v))
                .cloned()
        };
        let mut report = to_json("s", 0, 1, 7.0, &rows, None);
        add_variant_comparisons(&mut report, &rows, Some(&live), &[]);
        let split = scenario(&report, "split");
        // b, listed first, is the baseline: a converts 5 points better, and it shows.
        assert_eq!(split.get("baseline"), Some(&Value::String("b".into())), "{}", split.to_json());
        let (a, b, hold) = (variant(&split, "a").unwrap(), variant(&split, "b").unwrap(), variant(&split, "holdout").unwrap());
        let vs = a.get("vs_baseline").unwrap();
        assert_eq!(vs.get("diff"), Some(&Value::Number(0.05)));
        assert_eq!(vs.get("relative"), Some(&Value::Number(0.5)));
        assert_eq!(vs.get("significant"), Some(&Value::Bool(true)));
        let ci = vs.get("diff_ci95").and_then(Value::as_array).unwrap();
        assert!(ci[0].as_f64().unwrap() > 0.0 && ci[1].as_f64().unwrap() > 0.05, "{}", vs.to_json());
        assert!(b.get("vs_baseline").is_none(), "the baseline is not compared with itself");
        let chance = |v: &Value| v.get("chance_to_be_best").and_then(Value::as_f64).unwrap();
        assert!(chance(&a) > 0.999 && (chance(&a) + chance(&b) - 1.0).abs() < 1e-5, "{}", split.to_json());
        assert!(hold.get("chance_to_be_best").is_none() && hold.get("vs_baseline").is_none(), "the holdout is shown nothing");
        assert!(split.get("in_live_config").is_none(), "{}", split.to_json());
        // A scenario without variants, or with one left in the period, is no split test.
        for id in ["plain", "one_left"] {
            let sc = scenario(&report, id);
            assert!(sc.get("baseline").is_none() && !sc.to_json().contains("chance_to_be_best"), "{}", sc.to_json());
        }
        // Without a live config naming it, the report's first variant is the baseline; a live
        // config without it says so.
        let mut report = to_json("s", 0, 1, 7.0, &rows, None);
        add_variant_comparisons(&mut report, &rows, None, &[]);
        let split = scenario(&report, "split");
        assert_eq!(split.get("baseline"), Some(&Value::String("a".into())));
        assert!(split.get("in_live_config").is_none());
        let other = shopcue::config::Config::parse(
            r#"{"version":1,"site":"s","scenarios":[{"id":"plain","trigger":{"on":"page_view"},"message":{"title":"T"}}]}"#,
        )
        .unwrap();
        let mut gone = to_json("s", 0, 1, 7.0, &rows, None);
        add_variant_comparisons(&mut gone, &rows, Some(&other), &[]);
        let gone = scenario(&gone, "split");
        assert_eq!(
            (gone.get("in_live_config"), gone.get("baseline")),
            (Some(&Value::Bool(false)), Some(&Value::String("a".into())))
        );
        let vs = variant(&split, "b").unwrap().get("vs_baseline").cloned().unwrap();
        assert_eq!(vs.get("diff"), Some(&Value::Number(-0.05)));
        let csv = to_csv(&report);
        assert!(csv.lines().any(|l| l.starts_with("split,a,1000,") && l.contains(",purchase,a,,,,0.999")), "{csv}");
        let b_line = csv.lines().find(|l| l.starts_with("split,b,1000,")).unwrap();
        assert!(b_line.contains(",purchase,a,-0.05,-0.0"), "{b_line}");
        assert!(csv.lines().any(|l| l.starts_with("split,holdout,") && l.ends_with(",purchase,a,,,,,,,a,,,,,,,,")), "{csv}");
    }

    #[test]
    fn chi_square_survival_matches_its_closed_forms_and_tables() {
        for i in 1..400 {
            let x = f64::from(i) * 0.25;
            let close = |got: f64, want: f64| (got - want).abs() <= 1e-6 * want.max(1e-12) + 1e-12;
            let df1 = erfc((x / 2.0).sqrt());
            let df2 = (-x / 2.0).exp();
            let df3 = df1 + (2.0 * x / std::f64::consts::PI).sqrt() * (-x / 2.0).exp();
            assert!(close(upper_gamma(0.5, x / 2.0), df1), "df 1 at {x}: {} vs {df1}", upper_gamma(0.5, x / 2.0));
            assert!(close(upper_gamma(1.0, x / 2.0), df2), "df 2 at {x}");
            assert!(close(upper_gamma(1.5, x / 2.0), df3), "df 3 at {x}");
        }
        // The critical values of the usual tables.
        for (x, df, p) in [
            (3.841_459, 1.0, 0.05),
            (10.827_566, 1.0, 0.001),
            (5.991_465, 2.0, 0.05),
            (13.815_511, 2.0, 0.001),
            (7.814_728, 3.0, 0.05),
            (18.466_827, 4.0, 0.001),
        ] {
            let got = upper_gamma(df / 2.0, x / 2.0);
            assert!((got - p).abs() < p * 1e-5, "χ²({df}) at {x}: {got}, not {p}");
        }
    }

    #[test]
    fn a_split_off_its_shares_is_a_mismatch_and_a_fair_one_is_not() {
        let config = shopcue::config::Config::parse(
            r#"{"version":1,"site":"s","scenarios":[
                {"id":"a","holdout":0.2,"trigger":{"on":"page_view"},"message":{"title":"A"},
                 "variants":[{"id":"x","weight":3},{"id":"y","weight":1}]},
                {"id":"b","holdout":0.1,"trigger":{"on":"page_view"},"message":{"title":"B"}},
                {"id":"c","trigger":{"on":"page_view"},"message":{"title":"C"}}]}"#,
        )
        .unwrap();
        let split = expected_split(&config, "a").unwrap();
        assert_eq!(split, [("x".to_string(), 0.6000000000000001), ("y".to_string(), 0.2), ("holdout".to_string(), 0.2)]);
        assert_eq!(expected_split(&config, "c"), None, "one group, nothing to compare");
        let row = |sc: &str, v: &str, exposed: u64| Row { scenario_id: sc.into(), variant: v.into(), exposed, ..Row::default() };
        // a: as configured (600/200/200); b: 20 % held out where 10 % should be; c: no split.
        let rows = [
            row("a", "x", 590),
            row("a", "y", 205),
            row("a", "holdout", 205),
            row("b", "", 800),
            row("b", "holdout", 200),
            row("c", "", 50),
        ];
        let mut report = to_json("s", 0, 1, 7.0, &rows, None);
        let basis =
            SrmBasis { config: config.clone(), version: 3, since: 86_400_000, until: 5 * 86_400_000, rows: rows.to_vec() };
        add_srm(&mut report, &[basis]);
        let srm = |id: &str| scenario_of(&report, id).get("srm").cloned();
        let a = srm("a").unwrap();
        assert_eq!(a.get("mismatch"), Some(&Value::Bool(false)), "{}", a.to_json());
        assert_eq!(a.get("observed").map(Value::to_json).as_deref(), Some(r#"{"x":590,"y":205,"holdout":205}"#));
        let b = srm("b").unwrap();
        assert_eq!(b.get("mismatch"), Some(&Value::Bool(true)), "{}", b.to_json());
        assert!(b.get("p").and_then(Value::as_f64).unwrap() < 1e-20);
        assert_eq!(b.get("expected").map(Value::to_json).as_deref(), Some(r#"{"":0.9,"holdout":0.1}"#));
        assert_eq!((b.get("since"), b.get("version")), (Some(&Value::Number(86_400_000.0)), Some(&Value::Number(3.0))));
        assert_eq!(srm("c"), None);
        let csv = to_csv(&report);
        assert!(csv.lines().next().unwrap().ends_with(",chance_to_be_best,vs_baseline_sequential_ci95_low,vs_baseline_sequential_ci95_high,winner,revenue_per_visitor,vs_baseline_revenue_per_visitor_diff,vs_baseline_revenue_per_visitor_sequential_ci95_low,vs_baseline_revenue_per_visitor_sequential_ci95_high,guardrail_variant,guardrail_revenue_per_visitor_diff,guardrail_sequential_ci95_low,guardrail_sequential_ci95_high"), "{csv}");
        assert!(csv.lines().any(|l| l.starts_with("b,holdout,200,") && l.ends_with(",0,true,,,,,,,,,,,,,,,,,")), "{csv}");
        assert!(csv.lines().any(|l| l.starts_with("c,,50,") && l.ends_with(",,,")), "{csv}");
        // A variant the live config does not name: exposed under an older version, not comparable.
        let older = [row("b", "", 800), row("b", "old", 100), row("b", "holdout", 100)];
        let mut report = to_json("s", 0, 1, 7.0, &older, None);
        add_srm(
            &mut report,
            &[SrmBasis { config: config.clone(), version: 3, since: 0, until: 86_400_000, rows: older.to_vec() }],
        );
        assert!(report.to_json().find("srm").is_none());
        // Under the version before, which named it (and held out 50 %), it gets a check of its
        // own, after the live version's.
        let before = shopcue::config::Config::parse(
            r#"{"version":1,"site":"s","scenarios":[{"id":"b","holdout":0.5,"trigger":{"on":"page_view"},"message":{"title":"B"},
                "variants":[{"id":"old"},{"id":"new"}]}]}"#,
        )
        .unwrap();
        let fair = [row("b", "", 900), row("b", "holdout", 100)];
        let then = [row("b", "old", 150), row("b", "new", 150), row("b", "holdout", 100)];
        let bases = [
            SrmBasis { config, version: 3, since: 2 * 86_400_000, until: 3 * 86_400_000, rows: fair.to_vec() },
            SrmBasis { config: before, version: 2, since: 0, until: 86_400_000, rows: then.to_vec() },
        ];
        let mut report = to_json("s", 0, 1, 7.0, &older, None);
        add_srm(&mut report, &bases);
        let b = &report.get("scenarios").and_then(Value::as_array).unwrap()[0];
        assert_eq!(b.get("srm").and_then(|c| c.get("version")), Some(&Value::Number(3.0)), "{}", b.to_json());
        let earlier = b.get("srm_earlier").and_then(Value::as_array).unwrap();
        assert_eq!(earlier.len(), 1, "{}", b.to_json());
        assert_eq!(earlier[0].get("version"), Some(&Value::Number(2.0)));
        assert_eq!(earlier[0].get("observed").map(Value::to_json).as_deref(), Some(r#"{"old":150,"new":150,"holdout":100}"#));
        assert_eq!(earlier[0].get("mismatch"), Some(&Value::Bool(true)), "25 % held out of 50 %: {}", b.to_json());
        assert_eq!(b.get("srm").and_then(|c| c.get("mismatch")), Some(&Value::Bool(false)));
    }

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
        assert_eq!(csv.lines().nth(1).unwrap(), "\"a,\"\"b\"\"\",x,1,2,1,0,0,0.5,0,,,,,,,,,,,,,,,,,,,,,,,,,,");
    }

    /// Hand-checked: treatment 120/2000, holdout 40/1000, AOV 8000.
    /// diff = 0.06 − 0.04 = 0.02; se = √(0.06·0.94/2000 + 0.04·0.96/1000) = √(0.0000282 + 0.0000384)
    /// = 0.0081609…; 95 %: 0.02 ± 0.0159953 = [0.0040047, 0.0359953];
    /// revenue = 2000 × 0.02 × 8000 = 320,000, interval × 16,000,000 = [64,075, 575,925].
    #[test]
    fn incremental_revenue_is_reach_times_uplift_times_aov() {
        let purchase = vec!["purchase".to_string()];
        let t = Row { scenario_id: "s".into(), exposed: 2000, converted: 120, goals: purchase.clone(), ..Row::default() };
        let c = Row {
            scenario_id: "s".into(),
            variant: "holdout".into(),
            exposed: 1000,
            converted: 40,
            goals: purchase,
            ..Row::default()
        };
        let r = incremental_revenue(&t, &c, 8000.0).unwrap();
        assert_eq!(r.reach, 2000);
        assert!((r.value - 320_000.0).abs() < 1e-6);
        assert!((r.ci.0 - 64_075.0).abs() < 1.0 && (r.ci.1 - 575_925.0).abs() < 1.0, "{:?}", r.ci);
        let csv = to_csv(&to_json("site", 0, 1, 7.0, &[t.clone(), c.clone()], Some(8000.0)));
        assert!(csv.lines().nth(1).unwrap().ends_with(",320000,64075,575925,,,purchase,,,,,,,,,,,,,,,,"), "{csv}");
        assert!(csv.lines().nth(2).unwrap().ends_with(",,,,purchase,,,,,,,,,,,,,,,,"), "the holdout has no uplift of its own");
        let without_orders = to_csv(&to_json("site", 0, 1, 7.0, &[Row::default()], None));
        assert!(without_orders.lines().nth(1).unwrap().ends_with(",,,,"));
        // A sign-up goal has an uplift, and no order value to make revenue of.
        let sign_up = vec!["sign_up".to_string()];
        let rows = [Row { goals: sign_up.clone(), ..t }, Row { goals: sign_up, ..c }];
        let report = to_json("site", 0, 1, 7.0, &rows, Some(8000.0));
        let scenario = &report.get("scenarios").and_then(Value::as_array).unwrap()[0];
        assert_eq!(scenario.get("goals").map(Value::to_json).as_deref(), Some(r#"["sign_up"]"#));
        let variant = &scenario.get("variants").and_then(Value::as_array).unwrap()[0];
        assert!(variant.get("uplift").is_some() && variant.get("incremental_revenue").is_none(), "{}", variant.to_json());
        assert!(to_csv(&report).lines().nth(1).unwrap().ends_with(",,,,,,sign_up,,,,,,,,,,,,,,,,"), "{}", to_csv(&report));
    }
}
