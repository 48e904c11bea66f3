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
//! - The **channel** comes from the event's `traffic` (where the visit came from, as the widget
//!   read it when the session started: its source, medium and campaign, one per line), grouped
//!   as GA4's default channel group groups them ([`Channel::of`]).
//!
//! Events stored before segments existed, and events from clients that send neither, are
//! `unknown` in that dimension: they count in unfiltered reports and under `unknown`. An event
//! without `traffic` (an older widget, or stored before channels existed) has no channel: it
//! counts in reports not filtered by channel only.
//!
//! A segment is stored as one text column, `device:visit` (`mobile:new`), followed by
//! `:channel` where the event said (`mobile:new:organic_search`), and a filter is a `LIKE`
//! pattern over it (`mobile:%`), so every statement takes one parameter for it, and the events
//! stored before channels read as they did.

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

/// Where a visit came from, grouped as GA4's default channel group groups source and medium
/// (its rules in its order, for the groups a store's traffic has: shopping and video sites count
/// as search and social).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Typed, bookmarked, or a link the browser did not say (`(direct)` / `(none)`).
    Direct,
    /// A search engine's ad (`google` / `cpc`, a `gclid`).
    PaidSearch,
    /// A social network's ad (`instagram` / `paid_social`).
    PaidSocial,
    /// A display ad (`display`, `banner`, `cpm` …).
    Display,
    /// Any other paid medium (`cpc`, `ppc`, `paid…` from elsewhere).
    PaidOther,
    /// A social network's post or profile (`instagram`, `line`, `t.co` …, or `social`).
    OrganicSocial,
    /// A search engine's results (`organic`).
    OrganicSearch,
    /// Another site's link (`referral`).
    Referral,
    /// An email (`email`).
    Email,
    /// An affiliate (`affiliate`).
    Affiliates,
    /// None of these (an own `utm_medium` such as `qr`).
    Unassigned,
}

/// Search engines, by a name their hosts hold as one of their labels.
const SEARCH: [&str; 8] = ["google", "bing", "yahoo", "baidu", "duckduckgo", "yandex", "naver", "ecosia"];
/// Social networks and video sites, by a name their hosts hold as one of their labels.
const SOCIAL: [&str; 14] = [
    "facebook",
    "fb",
    "instagram",
    "ig",
    "twitter",
    "x",
    "t",
    "line",
    "tiktok",
    "youtube",
    "pinterest",
    "linkedin",
    "threads",
    "reddit",
];

impl Channel {
    /// Every channel, in the order reports list them.
    pub const ALL: [Channel; 11] = [
        Channel::Direct,
        Channel::OrganicSearch,
        Channel::PaidSearch,
        Channel::OrganicSocial,
        Channel::PaidSocial,
        Channel::Email,
        Channel::Referral,
        Channel::Display,
        Channel::Affiliates,
        Channel::PaidOther,
        Channel::Unassigned,
    ];

    /// The channel of a visit from `source` by `medium` (as `utm_source` and `utm_medium` name
    /// them, in any case), by GA4's rules in their order.
    ///
    /// ```
    /// use shopcue_collector::segment::Channel;
    /// assert_eq!(Channel::of("google", "cpc"), Channel::PaidSearch);
    /// assert_eq!(Channel::of("l.instagram.com", "referral"), Channel::OrganicSocial);
    /// assert_eq!(Channel::of("Newsletter", "Email"), Channel::Email);
    /// assert_eq!(Channel::of("(direct)", "(none)"), Channel::Direct);
    /// ```
    pub fn of(source: &str, medium: &str) -> Channel {
        let (source, medium) = (source.to_ascii_lowercase(), medium.to_ascii_lowercase());
        let named = |sites: &[&str]| source.split('.').any(|label| sites.contains(&label));
        let (search, social) = (named(&SEARCH), named(&SOCIAL));
        let paid = medium.contains("cp") || medium == "ppc" || medium == "retargeting" || medium.starts_with("paid");
        let email = |t: &str| matches!(t, "email" | "e-mail" | "e_mail" | "e mail" | "mail");
        match () {
            _ if source == "(direct)" && matches!(medium.as_str(), "(none)" | "(not set)" | "") => Channel::Direct,
            _ if search && paid => Channel::PaidSearch,
            _ if social && paid => Channel::PaidSocial,
            _ if matches!(medium.as_str(), "display" | "banner" | "expandable" | "interstitial" | "cpm") => Channel::Display,
            _ if paid => Channel::PaidOther,
            _ if social
                || matches!(
                    medium.as_str(),
                    "social" | "social-network" | "social-media" | "sm" | "social network" | "social media"
                ) =>
            {
                Channel::OrganicSocial
            }
            _ if search || medium == "organic" => Channel::OrganicSearch,
            _ if matches!(medium.as_str(), "referral" | "app" | "link") => Channel::Referral,
            _ if email(&source) || email(&medium) => Channel::Email,
            _ if medium == "affiliate" => Channel::Affiliates,
            _ => Channel::Unassigned,
        }
    }

    /// The channel of an event's `traffic`: its source, medium and campaign, one per line.
    pub fn of_traffic(traffic: &str) -> Channel {
        let mut lines = traffic.split('\n');
        Channel::of(lines.next().unwrap_or_default(), lines.next().unwrap_or_default())
    }

    /// The channel's name in reports and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "direct",
            Channel::PaidSearch => "paid_search",
            Channel::PaidSocial => "paid_social",
            Channel::Display => "display",
            Channel::PaidOther => "paid_other",
            Channel::OrganicSocial => "organic_social",
            Channel::OrganicSearch => "organic_search",
            Channel::Referral => "referral",
            Channel::Email => "email",
            Channel::Affiliates => "affiliates",
            Channel::Unassigned => "unassigned",
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
    /// Where its visit came from, where the event said.
    pub channel: Option<Channel>,
}

impl Segment {
    /// The channel of a stored segment (`mobile:new:email`), `None` for one without.
    ///
    /// ```
    /// use shopcue_collector::segment::{Channel, Segment};
    /// assert_eq!(Segment::channel_of("mobile:new:email"), Some(Channel::Email));
    /// assert_eq!(Segment::channel_of("mobile:new"), None);
    /// ```
    pub fn channel_of(stored: &str) -> Option<Channel> {
        let name = stored.splitn(3, ':').nth(2)?;
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Segment {
    /// The stored form, `device:visit`, then `:channel` where there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.device.as_str(), self.visit.as_str())?;
        match self.channel {
            Some(c) => write!(f, ":{}", c.as_str()),
            None => Ok(()),
        }
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
    /// Only the events of visits from this channel.
    pub channel: Option<Channel>,
}

impl Filter {
    /// From the query parameters `device` (`mobile`, `tablet`, `desktop`, `unknown`),
    /// `visitor` (`new`, `returning`, `unknown`) and `channel` ([`Channel::as_str`]); absent,
    /// empty or `all` is every value. `Err` is a 400 reason.
    ///
    /// ```
    /// use shopcue_collector::segment::Filter;
    /// let f = Filter::parse(Some("mobile"), Some("new"), None).unwrap();
    /// assert_eq!(f.pattern(), "mobile:new%");
    /// assert_eq!(Filter::parse(None, Some("returning"), Some("email")).unwrap().pattern(), "%:returning:email");
    /// assert!(Filter::parse(Some("phone"), None, None).is_err());
    /// ```
    pub fn parse(device: Option<&str>, visitor: Option<&str>, channel: Option<&str>) -> Result<Filter, String> {
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
            channel: pick(channel, &Channel::ALL, Channel::as_str, "channel")?,
        })
    }

    /// The `LIKE` pattern over stored segments that this filter keeps (`%` in a dimension it
    /// does not filter; a segment with no channel is kept unless the filter names one).
    pub fn pattern(self) -> String {
        let channel = self.channel.map_or("%".to_string(), |c| [":", c.as_str()].concat());
        format!("{}:{}{channel}", self.device.map_or("%", Device::as_str), self.visit.map_or("%", Visit::as_str))
    }

    /// The filter as JSON, `{device, visitor, channel}` (`"all"` where it does not filter).
    pub fn to_json(self) -> Value {
        object([
            ("device", self.device.map_or("all", Device::as_str).into()),
            ("visitor", self.visit.map_or("all", Visit::as_str).into()),
            ("channel", self.channel.map_or("all", Channel::as_str).into()),
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
        assert_eq!(Segment { device: Device::Tablet, visit: Visit::Returning, channel: None }.to_string(), "tablet:returning");
        let from_mail = Segment { device: Device::Mobile, visit: Visit::New, channel: Some(Channel::Email) };
        assert_eq!(from_mail.to_string(), "mobile:new:email");
    }

    #[test]
    fn channels_group_sources_and_mediums_as_ga4_does() {
        let cases = [
            ("(direct)\n(none)\n", Channel::Direct),
            ("(direct)\n(not set)\nx", Channel::Direct),
            ("google\ncpc\nbrand", Channel::PaidSearch),
            ("yahoo\ncpc\n", Channel::PaidSearch),
            ("google\norganic\n", Channel::OrganicSearch),
            ("search.yahoo.co.jp\nreferral\n", Channel::OrganicSearch),
            ("instagram\npaid_social\nfw26", Channel::PaidSocial),
            ("Facebook\nCPC\n", Channel::PaidSocial),
            ("l.instagram.com\nreferral\n", Channel::OrganicSocial),
            ("t.co\nreferral\n", Channel::OrganicSocial),
            ("line\nsocial\n", Channel::OrganicSocial),
            ("mynewsletter\nsocial\n", Channel::OrganicSocial),
            ("criteo\ndisplay\n", Channel::Display),
            ("criteo\ncpm\n", Channel::Display),
            ("smartnews\npaid\n", Channel::PaidOther),
            ("blog.example\nreferral\n", Channel::Referral),
            ("newsletter\nemail\n", Channel::Email),
            ("mail\n(not set)\n", Channel::Email),
            ("a8\naffiliate\n", Channel::Affiliates),
            ("flyer\nqr\n", Channel::Unassigned),
        ];
        for (traffic, want) in cases {
            assert_eq!(Channel::of_traffic(traffic), want, "{traffic:?}");
        }
        // Every channel has a name of its own, which parses back.
        for c in Channel::ALL {
            assert_eq!(Filter::parse(None, None, Some(c.as_str())).unwrap().channel, Some(c));
        }
    }

    #[test]
    fn filters_parse_into_like_patterns() {
        let all = Filter::parse(Some("all"), Some(""), Some("all")).unwrap();
        assert_eq!((all, all.pattern()), (Filter::default(), "%:%%".to_string()));
        assert_eq!(Filter::parse(Some("desktop"), None, None).unwrap().pattern(), "desktop:%%");
        assert_eq!(Filter::parse(Some(" tablet "), Some("unknown"), None).unwrap().pattern(), "tablet:unknown%");
        assert_eq!(Filter::parse(Some("mobile"), None, Some("paid_social")).unwrap().pattern(), "mobile:%:paid_social");
        assert_eq!(Filter::parse(None, Some("old"), None).unwrap_err(), "visitor must be all, new, returning, unknown");
        assert_eq!(Filter::parse(Some("phone"), None, None).unwrap_err(), "device must be all, mobile, tablet, desktop, unknown");
        assert!(Filter::parse(None, None, Some("social"))
            .unwrap_err()
            .starts_with("channel must be all, direct, organic_search,"));
    }
}
