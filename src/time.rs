//! Calendar arithmetic on Unix milliseconds, without a time-zone database: the shell tells the
//! core the site's UTC offset (it asks `Intl` for the config's IANA zone), the core does the rest.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Weekday names as configs write them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The name a config writes for a day named otherwise (`"Friday"`, `"FRI"`): its first three
/// letters, in lowercase, where they name a day.
///
/// ```
/// assert_eq!(shopcue::time::weekday_as_written("Saturday").as_deref(), Some("sat"));
/// assert_eq!(shopcue::time::weekday_as_written("weekend"), None);
/// ```
#[cfg(feature = "compiler")]
pub fn weekday_as_written(name: &str) -> Option<String> {
    name.get(..3).map(str::to_ascii_lowercase).filter(|s| WEEKDAYS.contains(&s.as_str()))
}

/// A civil date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: usize,
}

/// `YYYY-MM-DD` of a civil date (`iso_date(2026, 12, 1)` is `"2026-12-01"`), without `format!`:
/// the widget carries no formatting machinery.
///
/// ```
/// assert_eq!(shopcue::time::iso_date(2026, 12, 1), "2026-12-01");
/// ```
pub fn iso_date(year: i64, month: u32, day: u32) -> String {
    let mut s = String::with_capacity(10);
    for (n, width) in [(year.clamp(0, 9999) as u32, 4), (month, 2), (day, 2)] {
        if !s.is_empty() {
            s.push('-');
        }
        let text = crate::json::number_text(f64::from(n));
        s.extend(std::iter::repeat_n('0', width - text.len().min(width)));
        s.push_str(&text);
    }
    s
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date and time at `ms` shifted by `offset_min` minutes (the site's local time).
pub fn civil(ms: i64, offset_min: i32) -> Civil {
    let local = ms + i64::from(offset_min) * 60_000;
    let days = local.div_euclid(DAY_MS);
    let of_day = local.rem_euclid(DAY_MS);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (of_day / 3_600_000) as u32,
        minute: (of_day / 60_000 % 60) as u32,
        weekday: (days + 3).rem_euclid(7) as usize, // 1970-01-01 was a Thursday
    }
}

/// An `until` bound as a schedule reads it: [`parse_iso`], a bare date running to the end of
/// that day.
///
/// ```
/// use shopcue::time::parse_until;
/// assert_eq!(parse_until("1970-01-01", 0), Some(86_400_000));
/// assert_eq!(parse_until("1970-01-01T09:00", 0), Some(9 * 3_600_000));
/// ```
#[inline] // the widget's one caller keeps it inline, as before it was shared (15 B of gzip otherwise)
pub fn parse_until(s: &str, offset_min: i32) -> Option<i64> {
    parse_iso(s, offset_min).map(|t| if s.len() == 10 { t + DAY_MS } else { t })
}

/// Reads an ISO 8601 date or date-time (`2026-11-30`, `2026-11-30T10:00`,
/// `2026-11-30T10:00:00+09:00`, `…Z`) as Unix ms. A date or a time without an offset is read
/// in the site's local time (`offset_min`).
///
/// ```
/// use shopcue::time::parse_iso;
/// assert_eq!(parse_iso("1970-01-02T00:00:00Z", 0), Some(86_400_000));
/// assert_eq!(parse_iso("1970-01-02", 540), Some(86_400_000 - 9 * 3_600_000));
/// ```
pub fn parse_iso(s: &str, offset_min: i32) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        crate::text::digits(part).map(|n| n as i64)
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)? as u32, num(8, 2)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * DAY_MS;
    let mut offset = i64::from(offset_min);
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (h, mi) = (num(11, 2)?, num(14, 2)?);
        let mut i = 16;
        let mut sec = 0;
        if b.get(16) == Some(&b':') {
            sec = num(17, 2)?;
            i = 19;
            if b.get(19) == Some(&b'.') {
                i = 20;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
        }
        if h > 24 || mi > 59 || sec > 60 {
            return None;
        }
        ms += (h * 3600 + mi * 60 + sec) * 1000;
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => offset = 0,
            Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let o = num(i + 1, 2)? * 60 + num(i + 4, 2)?;
                offset = if *sign == b'+' { o } else { -o };
            }
            _ => return None,
        }
    }
    Some(ms - offset * 60_000)
}

/// Whole days from `from` to `to` (negative when `to` is earlier), counted on the site's
/// calendar: "expires in 1 day" means tomorrow, whatever the hour.
pub fn calendar_days(from: i64, to: i64, offset_min: i32) -> i64 {
    let day = |ms: i64| (ms + i64::from(offset_min) * 60_000).div_euclid(DAY_MS);
    day(to) - day(from)
}

/// Zones whose offset never changes (no daylight saving in current tzdata), in minutes east of
/// UTC. The shell asks `Intl` only for the others: a page's first `Intl.DateTimeFormat` with a
/// `timeZone` loads ICU's zone data, 30–100 ms on a slow device, for an answer known here.
pub const FIXED_ZONES: [(&str, i32); 18] = [
    ("Asia/Tokyo", 540),
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("GMT", 0),
    ("Etc/GMT", 0),
    ("Asia/Seoul", 540),
    ("Asia/Shanghai", 480),
    ("Asia/Hong_Kong", 480),
    ("Asia/Taipei", 480),
    ("Asia/Singapore", 480),
    ("Asia/Kuala_Lumpur", 480),
    ("Asia/Manila", 480),
    ("Asia/Bangkok", 420),
    ("Asia/Jakarta", 420),
    ("Asia/Ho_Chi_Minh", 420),
    ("Asia/Kolkata", 330),
    ("Asia/Dubai", 240),
    ("Australia/Brisbane", 600),
];

/// The UTC offset in minutes of IANA zone `zone` when it has no daylight saving and is one the
/// core knows (`Asia/Tokyo`, `UTC`, most of East and South-East Asia); `None` otherwise.
pub fn fixed_offset(zone: &str) -> Option<i32> {
    FIXED_ZONES.iter().find(|(z, _)| *z == zone).map(|&(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_offsets_only_for_zones_without_daylight_saving() {
        assert_eq!(fixed_offset("Asia/Tokyo"), Some(540));
        assert_eq!(fixed_offset("Asia/Kolkata"), Some(330));
        assert_eq!(fixed_offset("UTC"), Some(0));
        assert_eq!(fixed_offset("Europe/London"), None, "daylight saving: asked of Intl");
        assert_eq!(fixed_offset("America/New_York"), None);
        assert_eq!(fixed_offset("asia/tokyo"), None, "IANA names are matched exactly");
    }

    #[test]
    fn civil_round_trips() {
        for (ms, want) in [
            (0, (1970, 1, 1, 0, 3)),
            (951_782_400_000, (2000, 2, 29, 0, 1)),
            (1_795_000_000_000, (2026, 11, 18, 11, 2)),
            (-86_400_000, (1969, 12, 31, 0, 2)),
        ] {
            let c = civil(ms, 0);
            assert_eq!((c.year, c.month, c.day, c.hour, c.weekday), want, "{ms}");
            assert_eq!(
                days_from_civil(c.year, c.month, c.day) * DAY_MS + i64::from(c.hour) * 3_600_000 + i64::from(c.minute) * 60_000,
                ms - ms.rem_euclid(60_000)
            );
        }
        // Tokyo is 9 hours ahead: 2026-11-22 20:00 UTC is Monday 05:00 there.
        let t = parse_iso("2026-11-22T20:00:00Z", 0).unwrap();
        let c = civil(t, 540);
        assert_eq!((c.day, c.hour, WEEKDAYS[c.weekday]), (23, 5, "mon"));
    }

    #[test]
    fn parses_iso_forms_and_rejects_garbage() {
        let base = parse_iso("2026-11-30T00:00:00Z", 0).unwrap();
        assert_eq!(parse_iso("2026-11-30T09:00:00+09:00", 0), Some(base));
        assert_eq!(parse_iso("2026-11-30T10:30", 540), Some(base + 90 * 60_000));
        assert_eq!(parse_iso("2026-11-30T01:00:00.123Z", 0), Some(base + 3_600_000));
        for bad in ["", "2026-13-01", "2026/11/30", "2026-11-30T25", "2026-11-30T10:00+0900", "tomorrow", "2026-11-3x"] {
            assert_eq!(parse_iso(bad, 0), None, "{bad}");
        }
    }

    #[test]
    fn calendar_days_follow_the_site_calendar() {
        let evening = parse_iso("2026-11-30T23:00", 540).unwrap();
        let next_morning = parse_iso("2026-12-01T01:00", 540).unwrap();
        assert_eq!(calendar_days(evening, next_morning, 540), 1);
        assert_eq!(calendar_days(next_morning, evening, 540), -1);
    }
}
