//! Distances between the shopper and stores (haversine on a spherical Earth).

/// Mean Earth radius in km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

// Small polynomial sin/asin: std's versions pull libm's large-argument reduction (~5 KB of wasm)
// into every shopper's download. Angles here are within ±π; accuracy is far below a metre.

/// sin(x) for any finite x: reduced to [-π/2, π/2], then a Taylor series to x¹⁷.
fn sin(x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI, TAU};
    let x = x - TAU * ((x + PI) / TAU).floor();
    let x = if x > FRAC_PI_2 {
        PI - x
    } else if x < -FRAC_PI_2 {
        -PI - x
    } else {
        x
    };
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    for k in 1..=8 {
        term *= -x2 / f64::from((2 * k) * (2 * k + 1));
        sum += term;
    }
    sum
}

fn cos(x: f64) -> f64 {
    sin(x + std::f64::consts::FRAC_PI_2)
}

/// atan(t) for t ≥ 0: halve the angle until t is small, then a Taylor series.
fn atan(t: f64) -> f64 {
    let mut t = t;
    let mut scale = 1.0;
    while t > 0.1 {
        t /= 1.0 + (1.0 + t * t).sqrt();
        scale *= 2.0;
    }
    let t2 = t * t;
    let mut term = t;
    let mut sum = t;
    for k in 1..=8 {
        term *= -t2;
        sum += term / f64::from(2 * k + 1);
    }
    sum * scale
}

/// asin(x) for x in [0, 1].
fn asin(x: f64) -> f64 {
    2.0 * atan(x / (1.0 + (1.0 - x * x).max(0.0).sqrt()))
}

/// Great-circle distance in km between two `(lat, lon)` points in degrees.
///
/// ```
/// // Shibuya → Shinjuku stations: about 3.5 km.
/// let d = shopcue::geo::distance_km((35.658, 139.7016), (35.6896, 139.7006));
/// assert!((d - 3.5).abs() < 0.2, "{d}");
/// ```
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let (s1, s2) = (sin(dlat / 2.0), sin(dlon / 2.0));
    let h = s1 * s1 + cos(lat1) * cos(lat2) * s2 * s2;
    2.0 * EARTH_RADIUS_KM * asin(h.sqrt().min(1.0))
}

#[cfg(test)]
mod tests {
    use super::distance_km;

    #[test]
    fn polynomial_trig_matches_std() {
        for i in -2000..=2000 {
            let x = f64::from(i) / 250.0;
            assert!((super::sin(x) - x.sin()).abs() < 1e-9, "sin {x}");
            assert!((super::cos(x) - x.cos()).abs() < 1e-9, "cos {x}");
        }
        for i in 0..=1000 {
            let x = f64::from(i) / 1000.0;
            assert!((super::asin(x) - x.asin()).abs() < 1e-9, "asin {x}");
        }
    }

    #[test]
    fn known_distances() {
        assert_eq!(distance_km((35.0, 139.0), (35.0, 139.0)), 0.0);
        // Tokyo → Osaka ≈ 397 km; London → New York ≈ 5570 km.
        assert!((distance_km((35.6812, 139.7671), (34.7025, 135.4959)) - 403.0).abs() < 10.0);
        assert!((distance_km((51.5074, -0.1278), (40.7128, -74.006)) - 5570.0).abs() < 15.0);
        // Antipodes: half the circumference, no NaN.
        assert!((distance_km((0.0, 0.0), (0.0, 180.0)) - 20_015.1).abs() < 1.0);
    }
}
