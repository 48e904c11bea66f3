//! Distances between the shopper and stores (haversine on a spherical Earth).

/// Mean Earth radius in km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

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
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::distance_km;

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
