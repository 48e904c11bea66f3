//! Contrast of a message's colours, as WCAG 2 measures it: a config's `theme` is checked where
//! it is published, so that no store ships a message its shoppers with low vision cannot read.
//! (Publishing only: the widget draws what the checked config says.)

use crate::error::member;
use crate::json::Value;
use crate::Problem;

/// The least contrast text needs (WCAG 2, level AA, text of normal size).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// A member of the theme and the colour the widget uses without it (`pkg-config/render.js`; a
/// test checks that the widget and the studio draw these).
type Member = (&'static str, &'static str);

/// The pairs a message draws text in: its text on its background, its button's text on the
/// button, and its text on an inline badge.
const PAIRS: [(Member, Member); 3] = [
    (("fg", "#ffffff"), ("bg", "#1f2937")),
    (("accent_fg", "#111827"), ("accent", "#f59e0b")),
    (("fg", "#ffffff"), ("badge_bg", "#b91c1c")),
];

/// A colour written as `#rgb`, `#rrggbb` or `rgb(r, g, b)` (also `rgb(r g b)`), as red, green
/// and blue 0–255; `None` for anything else (a name, `var(…)`, `hsl(…)`, a colour with alpha):
/// such a colour is not checked.
///
/// ```
/// use shopcue::contrast::color;
/// assert_eq!(color("#0f766e"), Some([15, 118, 110]));
/// assert_eq!(color("#FFF"), Some([255, 255, 255]));
/// assert_eq!(color("rgb(31, 41, 55)"), Some([31, 41, 55]));
/// assert_eq!(color("var(--brand)"), None);
/// ```
pub fn color(css: &str) -> Option<[u8; 3]> {
    let css = css.trim();
    if let Some(hex) = css.strip_prefix('#') {
        let v = crate::text::hex(hex.as_bytes())?;
        let byte = |shift: u32| (v >> shift) as u8;
        return match hex.len() {
            3 => Some([(byte(8) & 15) * 17, (byte(4) & 15) * 17, (byte(0) & 15) * 17]),
            6 => Some([byte(16), byte(8), byte(0)]),
            _ => None,
        };
    }
    // `rgb(r, g, b)` or `rgb(r g b)`: three whole numbers 0–255, read byte by byte (std's
    // integer parser and Unicode whitespace would grow the compiler module).
    let inner = css.strip_prefix("rgb(")?.strip_suffix(')')?.as_bytes();
    let (mut rgb, mut n, mut count, mut digits) = ([0u8; 3], 0u16, 0, 0);
    for &b in inner.iter().chain(b" ") {
        if b.is_ascii_digit() && digits < 3 {
            n = n * 10 + u16::from(b - b'0');
            digits += 1;
        } else if b == b',' || b == b' ' {
            if digits > 0 {
                *rgb.get_mut(count)? = u8::try_from(n).ok()?;
                (n, digits, count) = (0, 0, count + 1);
            }
        } else {
            return None;
        }
    }
    (count == 3).then_some(rgb)
}

/// An sRGB channel (0–255) in linear light: WCAG's `((c + 0.055) / 1.055) ^ 2.4` (`c / 12.92`
/// at the darkest), the power taken as `x² · (x^⅕)²` with the fifth root found by Newton's
/// method: a float power would bring its maths library into the compiler module. Eight steps
/// from 1 reach the exact value to the last bit of an `f64` for every channel.
fn linear(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.040_45 {
        return c / 12.92;
    }
    let x = (c + 0.055) / 1.055;
    let mut root = 1.0;
    for _ in 0..8 {
        root = (4.0 * root + x / (root * root * root * root)) / 5.0;
    }
    x * x * root * root
}

/// The relative luminance of a colour, 0 (black) to 1 (white).
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// The contrast ratio of two colours, 1 to 21, as WCAG 2 defines it.
///
/// ```
/// use shopcue::contrast::contrast;
/// assert_eq!((contrast([255, 255, 255], [0, 0, 0]) * 10.0).round(), 210.0);
/// assert_eq!((contrast([0x71, 0x80, 0x96], [0xfa, 0xf9, 0xf7]) * 100.0).round(), 382.0);
/// ```
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// Each pair of the config's `theme` (with the widget's own colours where it gives none) whose
/// text would be drawn below [`MIN_TEXT_CONTRAST`], as a problem at the member the theme gives
/// (its text colour, if it gives that): `{"bg": "#ffffff"}` leaves the default white text on
/// white.
pub fn check_theme(theme: &Value, p: &mut Vec<Problem>) {
    for ((fg_key, fg_default), (bg_key, bg_default)) in PAIRS {
        let given = |key: &str| theme.get(key).and_then(Value::as_str);
        let (fg, bg) = (given(fg_key).unwrap_or(fg_default), given(bg_key).unwrap_or(bg_default));
        let (Some(fg_rgb), Some(bg_rgb)) = (color(fg), color(bg)) else { continue };
        let ratio = contrast(fg_rgb, bg_rgb);
        if ratio >= MIN_TEXT_CONTRAST || (given(fg_key).is_none() && given(bg_key).is_none()) {
            continue;
        }
        let at = if given(fg_key).is_some() { fg_key } else { bg_key };
        let shown = crate::json::number_text((ratio * 10.0).floor() / 10.0);
        let why = [
            "text in \"",
            fg,
            "\" (",
            fg_key,
            ") on \"",
            bg,
            "\" (",
            bg_key,
            ") has a contrast of ",
            &shown,
            ":1; text needs at least 4.5:1 (WCAG 2, AA) for shoppers with low vision to read it",
        ];
        p.push(crate::problem!(member("$.theme", at), why.concat()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(theme: &str) -> Vec<String> {
        let mut p = Vec::new();
        check_theme(&crate::json::parse(theme).unwrap(), &mut p);
        p.iter().map(|p| [p.path.as_str(), ": ", &p.message].concat()).collect()
    }

    #[test]
    fn a_channel_in_linear_light_is_wcag_s_power_to_the_last_bits() {
        for c in 0..=255u8 {
            let srgb = f64::from(c) / 255.0;
            let exact = if srgb <= 0.040_45 { srgb / 12.92 } else { ((srgb + 0.055) / 1.055).powf(2.4) };
            assert!((linear(c) - exact).abs() < 1e-12, "{c}: {} vs {exact}", linear(c));
        }
    }

    #[test]
    fn a_theme_whose_text_cannot_be_read_is_refused_at_the_colour_it_gives() {
        // The widget's own colours, and a brand's that read well, pass.
        assert_eq!(problems("{}"), Vec::<String>::new());
        assert_eq!(problems(r##"{"bg": "#0f766e", "accent": "#fbbf24", "badge_bg": "rgb(127, 29, 29)"}"##), Vec::<String>::new());
        // White on white; grey on the default dark; yellow text on an amber button.
        assert_eq!(
            problems(r##"{"bg": "#fff", "accent": "#f59e0b", "accent_fg": "#fde68a"}"##),
            [
                "$.theme.bg: text in \"#ffffff\" (fg) on \"#fff\" (bg) has a contrast of 1:1; text needs at least 4.5:1 (WCAG 2, AA) for shoppers with low vision to read it",
                "$.theme.accent_fg: text in \"#fde68a\" (accent_fg) on \"#f59e0b\" (accent) has a contrast of 1.7:1; text needs at least 4.5:1 (WCAG 2, AA) for shoppers with low vision to read it",
            ]
        );
        assert_eq!(
            problems(r##"{"fg": "#6b7280"}"##),
            [
                "$.theme.fg: text in \"#6b7280\" (fg) on \"#1f2937\" (bg) has a contrast of 3:1; text needs at least 4.5:1 (WCAG 2, AA) for shoppers with low vision to read it",
                "$.theme.fg: text in \"#6b7280\" (fg) on \"#b91c1c\" (badge_bg) has a contrast of 1.3:1; text needs at least 4.5:1 (WCAG 2, AA) for shoppers with low vision to read it",
            ]
        );
        // Colours it cannot read (a name, a variable, alpha) are not judged.
        assert_eq!(problems(r##"{"fg": "var(--brand-fg)", "bg": "white", "accent_fg": "#ffffff80"}"##), Vec::<String>::new());
    }

    /// The theme's default colours as a file writes them: each `var(--shopcue-<member>,<colour>)`
    /// (the widget's and the studio's CSS), and each `['…', '<member>', '<colour>']` (the studio's
    /// colour fields), with the scheme each is in (`true` under `prefers-color-scheme:dark`).
    fn defaults_in(file: &str) -> Vec<(String, [u8; 3], bool)> {
        let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        let dark_from = text.find("prefers-color-scheme:dark").unwrap_or(usize::MAX);
        let mut found = Vec::new();
        for (at, _) in text.match_indices("var(--shopcue-") {
            let rest = &text[at + "var(--shopcue-".len()..];
            let (name, value) = rest.split_once(')').unwrap().0.split_once(',').unwrap_or((rest, ""));
            if let Some(rgb) = color(value) {
                let dark = at > dark_from && text[dark_from..at].matches('}').count() < 2;
                found.push((name.replace('-', "_"), rgb, dark));
            }
        }
        for (at, _) in text.match_indices("', '#") {
            let member = text[..at].rsplit('\'').next().unwrap();
            let value = &text[at + 4..at + 4 + text[at + 4..].find('\'').unwrap()];
            found.push((member.to_string(), color(value).unwrap(), false));
        }
        found
    }

    #[test]
    fn the_colours_checked_are_those_the_widget_and_the_studio_draw() {
        let checked: Vec<(&str, [u8; 3])> =
            PAIRS.iter().flat_map(|(fg, bg)| [fg, bg]).map(|(member, css)| (*member, color(css).unwrap())).collect();
        for file in ["pkg-config/render.js", "crates/shopcue-collector/src/studio.html"] {
            let defaults = defaults_in(file);
            for (member, default) in &checked {
                let light: Vec<_> = defaults.iter().filter(|(m, _, dark)| m == member && !dark).collect();
                assert!(!light.is_empty(), "{file} draws no default for {member}");
                for (_, rgb, _) in light {
                    assert_eq!(rgb, default, "{file}: the default {member} is not the one contrast.rs checks");
                }
            }
            // The dark scheme's own backgrounds still read with the default text.
            for (member, rgb, _) in defaults.iter().filter(|d| d.2) {
                for (fg, bg) in PAIRS.iter().filter(|(_, bg)| bg.0 == member) {
                    let ratio = contrast(color(fg.1).unwrap(), *rgb);
                    assert!(ratio >= MIN_TEXT_CONTRAST, "{file}: dark {member} {rgb:?} against {}: {ratio}", bg.0);
                }
            }
        }
    }
}
