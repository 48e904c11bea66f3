//! Deterministic bucketing with GrowthBook's hashes, so a visitor stays in the same variant
//! (and the same holdout) on every page and every device clock: FNV-1a over UTF-16 code units,
//! bucket ranges with coverage, variation choice and namespaces.

/// FNV-1a 32-bit over the UTF-16 code units (JavaScript's `charCodeAt`) of `parts` joined,
/// without joining them.
fn fnv1a32(parts: &[&str]) -> u32 {
    parts.iter().flat_map(|s| s.encode_utf16()).fold(0x811c_9dc5u32, |h, unit| (h ^ u32::from(unit)).wrapping_mul(16_777_619))
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)`, or `None` for an
/// unknown version. Version 2 is unbiased; version 1 is kept for compatibility.
///
/// ```
/// assert_eq!(shopcue::bucket::hash("", "a", 1), Some(0.22));
/// ```
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        2 => {
            let inner = fnv1a32(&[seed, value]);
            Some(f64::from(fnv1a32(&[&crate::json::number_text(f64::from(inner))]) % 10_000) / 10_000.0)
        }
        1 => Some(f64::from(fnv1a32(&[value, seed]) % 1000) / 1000.0),
        _ => None,
    }
}

/// `n` equal weights summing to 1 (empty for `n < 1`).
pub fn equal_weights(n: i64) -> Vec<f64> {
    if n <= 0 {
        return Vec::new();
    }
    vec![1.0 / n as f64; n as usize]
}

/// Bucket ranges `[start, end)` for `n` variations: `coverage` (clamped to 0–1) of each
/// variation's weight. Weights of the wrong length or not summing to 1 (±0.01) fall back to
/// equal weights.
pub fn bucket_ranges(n: i64, coverage: Option<f64>, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let coverage = coverage.unwrap_or(1.0).clamp(0.0, 1.0);
    let equal = equal_weights(n);
    let weights = match weights {
        Some(w) if w.len() == equal.len() && (0.99..=1.01).contains(&w.iter().sum::<f64>()) => w.to_vec(),
        _ => equal,
    };
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// The variation whose range holds `n`, if any.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(start, end)| n >= start && n < end)
}

/// Whether `id` falls in namespace `(name, start, end)`.
pub fn in_namespace(id: &str, namespace: (&str, f64, f64)) -> bool {
    let (name, start, end) = namespace;
    hash(&crate::text::concat(&["__", name]), id, 1).is_some_and(|n| n >= start && n < end)
}
