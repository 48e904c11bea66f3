//! Segments: which device class an event was sent from and whether it happened in the
//! visitor's first visit. Every stored event has one, and every rollup row is kept per segment,
//! so a report filtered by device or by new vs returning reads the same rollups as an
//! unfiltered one (pure).
//!
//! - The **device class** comes from the request that delivered the event: the
//!   `Sec-CH-UA-Mobile` client hint where the browser sends it, else the `User-Agent`. A beacon
//!   carries no device field, so nothing about the device is added to the shopper's bundle.
//! - **New or returning** comes from the event's `session_number` (the widget's count of the
//!   visitor's sessions, as GA4's `ga_session_number`): 1 is the visitor's first visit.
//!
//! Events stored before segments existed, and events from clients that send neither, are
//! `unknown` in that dimension: they count in unfiltered reports and under `unknown`.
//!
//! A segment is stored as one text column, `device:visit` (`mobile:new`), and a filter is a
//! `LIKE` pattern over it (`mobile:%`), so every statement takes one parameter for it.

use std::fmt;

use shopcue::json::{object, Value};

/// The class of device an event was sent from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// A phone.
    Mobile,
    /// A tablet.
    Tablet,
    /// A desktop or laptop browser.
    Desktop,
    /// No `User-Agent` (or stored before segments existed).
    #[default]
    Unknown,
}

/// Whether an event happened in the visitor's first visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Visit {
    /// The visitor's first session (`session_number` 1).
    New,
    /// A later session.
    Returning,
    /// The event did not say (an older widget, or stored before segments existed).
    #[default]
    Unknown,
}

impl Device {
    /// Every class, in the order reports list them.
    pub const ALL: [Device; 4] = [Device::Mobile, Device::Tablet, Device::Desktop, Device::Unknown];

    /// The class of the browser that sent a request, from its `Sec-CH-UA-Mobile` and
    /// `User-Agent` headers. Tablets first (an Android tablet's UA has `Android` without
    /// `Mobile`; its client hint says `?0`), then phones, then any other browser. An iPad that
    /// asks for desktop sites (iPadOS' default) says it is a Mac and counts as a desktop.
    ///
    /// ```
    /// use shopcue_collector::segment::Device;
    /// let pixel = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    /// assert_eq!(Device::from_headers(Some(pixel), None), Device::Mobile);
    /// assert_eq!(Device::from_headers(Some("Mozilla/5.0 (X11; Linux x86_64)"), Some("?0")), Device::Desktop);
    /// assert_eq!(Device::from_headers(None, None), Device::Unknown);
    /// ```
    pub fn from_headers(user_agent: Option<&str>, ch_mobile: Option<&str>) -> Device {
        let ua = user_agent.unwrap_or_default();
        let has = |needle: &str| ua.contains(needle);
        let hint = ch_mobile.map(str::trim);
        if has("iPad") || has("Tablet") || has("Kindle") || has("Silk/") || (has("Android") && !has("Mobile")) {
            Device::Tablet
        } else if hint == Some("?1") || has("Mobi") || has("iPhone") || has("iPod") {
            Device::Mobile
        } else if !ua.trim().is_empty() || hint == Some("?0") {
            Device::Desktop
        } else {
            Device::Unknown
        }
    }

    /// The class's name in reports and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
            Device::Unknown => "unknown",
        }
    }
}

impl Visit {
    /// Every value, in the order reports list them.
    pub const ALL: [Visit; 3] = [Visit::New, Visit::Returning, Visit::Unknown];

    /// From an event's `session_number`: 1 is new, more is returning.
    pub fn from_session_number(n: Option<u64>) -> Visit {
        match n {
            None | Some(0) => Visit::Unknown,
            Some(1) => Visit::New,
            Some(_) => Visit::Returning,
        }
    }

    /// The value's name in reports and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Visit::New => "new",
            Visit::Returning => "returning",
            Visit::Unknown => "unknown",
        }
    }
}

/// One event's segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Segment {
    /// Device class.
    pub device: Device,
    /// New or returning.
    pub visit: Visit,
}

impl fmt::Display for Segment {
    /// The stored form, `device:visit`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.device.as_str(), self.visit.as_str())
    }
}

/// The stored segment of events written before segments existed.
pub const UNKNOWN: &str = "unknown:unknown";

/// A report's segment filter: `None` in a dimension is every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filter {
    /// Only this device class.
    pub device: Option<Device>,
    /// Only new, or only returning, visitors' events.
    pub visit: Option<Visit>,
}

impl Filter {
    /// From the query parameters `device` (`mobile`, `tablet`, `desktop`, `unknown`) and
    /// `visitor` (`new`, `returning`, `unknown`); absent, empty or `all` is every value. `Err` is
    /// a 400 reason.
    ///
    /// ```
    /// use shopcue_collector::segment::Filter;
    /// let f = Filter::parse(Some("mobile"), Some("new")).unwrap();
    /// assert_eq!(f.pattern(), "mobile:new");
    /// assert_eq!(Filter::parse(None, Some("returning")).unwrap().pattern(), "%:returning");
    /// assert!(Filter::parse(Some("phone"), None).is_err());
    /// ```
    pub fn parse(device: Option<&str>, visitor: Option<&str>) -> Result<Filter, String> {
        fn pick<T: Copy>(value: Option<&str>, all: &[T], name: fn(T) -> &'static str, param: &str) -> Result<Option<T>, String> {
            match value.map(str::trim) {
                None | Some("" | "all") => Ok(None),
                Some(v) => all.iter().copied().find(|x| name(*x) == v).map(Some).ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
                    format!("{param} must be all, {}", names.join(", "))
                }),
            }
        }
        Ok(Filter {
            device: pick(device, &Device::ALL, Device::as_str, "device")?,
            visit: pick(visitor, &Visit::ALL, Visit::as_str, "visitor")?,
        })
    }

    /// The `LIKE` pattern over stored segments that this filter keeps (`%` in a dimension it
    /// does not filter).
    pub fn pattern(self) -> String {
        format!("{}:{}", self.device.map_or("%", Device::as_str), self.visit.map_or("%", Visit::as_str))
    }

    /// The filter as JSON, `{device, visitor}` (`"all"` where it does not filter).
    pub fn to_json(self) -> Value {
        object([
            ("device", self.device.map_or("all", Device::as_str).into()),
            ("visitor", self.visit.map_or("all", Visit::as_str).into()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_classes_of_real_user_agents() {
        let cases = [
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", None, Device::Mobile),
            ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", None, Device::Tablet),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", Some("?0"), Device::Tablet),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", Some("?1"), Device::Mobile),
            ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", None, Device::Mobile),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", Some("?0"), Device::Desktop),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", None, Device::Desktop),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", None, Device::Desktop),
            ("", Some("?1"), Device::Mobile),
            ("  ", None, Device::Unknown),
        ];
        for (ua, hint, want) in cases {
            assert_eq!(Device::from_headers(Some(ua), hint), want, "{ua} {hint:?}");
        }
    }

    #[test]
    fn visits_and_stored_form() {
        assert_eq!(Visit::from_session_number(Some(1)), Visit::New);
        assert_eq!(Visit::from_session_number(Some(7)), Visit::Returning);
        assert_eq!(Visit::from_session_number(None), Visit::Unknown);
        assert_eq!(Segment::default().to_string(), UNKNOWN);
        assert_eq!(Segment { device: Device::Tablet, visit: Visit::Returning }.to_string(), "tablet:returning");
    }

    #[test]
    fn filters_parse_into_like_patterns() {
        let all = Filter::parse(Some("all"), Some("")).unwrap();
        assert_eq!((all, all.pattern()), (Filter::default(), "%:%".to_string()));
        assert_eq!(Filter::parse(Some("desktop"), None).unwrap().pattern(), "desktop:%");
        assert_eq!(Filter::parse(Some(" tablet "), Some("unknown")).unwrap().pattern(), "tablet:unknown");
        assert_eq!(Filter::parse(None, Some("old")).unwrap_err(), "visitor must be all, new, returning, unknown");
        assert_eq!(Filter::parse(Some("phone"), None).unwrap_err(), "device must be all, mobile, tablet, desktop, unknown");
    }
}
