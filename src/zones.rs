//! The time zone names a config may give (`"timezone": "Asia/Tokyo"`), checked when it is
//! compiled: a misspelt zone is not an error a shopper's browser would show anyone (the widget
//! logs a warning and schedules in Asia/Tokyo), so the compiler refuses it with the closest
//! name. The list (`src/zones.txt`) is every zone and link of the IANA tz database, which is in
//! the public domain; browsers' `Intl` takes names in any case, and so does [`known`].

const ZONES: &str = include_str!("zones.txt");

/// Every name, in order.
fn names() -> impl Iterator<Item = &'static str> {
    ZONES.lines().filter(|l| !l.starts_with('#') && !l.is_empty())
}

/// Whether `name` is an IANA time zone (or link) name, in any case.
///
/// ```
/// use shopcue::zones::known;
/// assert!(known("Asia/Tokyo") && known("Europe/Berlin") && known("UTC") && known("Etc/GMT+9"));
/// assert!(known("Japan") && known("asia/tokyo"));
/// assert!(!known("Asia/Tokio") && !known("JST") && !known(""));
/// ```
pub fn known(name: &str) -> bool {
    names().any(|z| z.eq_ignore_ascii_case(name))
}

/// ` Did you mean "Asia/Tokyo"?` for a misspelt zone, or nothing.
///
/// ```
/// assert_eq!(shopcue::zones::hint("Asia/Tokio"), " Did you mean \"Asia/Tokyo\"?");
/// assert_eq!(shopcue::zones::hint("Nowhere"), "");
/// ```
pub fn hint(name: &str) -> String {
    crate::suggest::hint(name, &names().collect::<Vec<_>>())
}
