//! Compact simple case mapping for the scripts store data is written in: ASCII, Latin-1,
//! Latin Extended-A, Greek, Cyrillic and full-width Latin (Ａ–Ｚ, common on Japanese sites).
//! Used by case-insensitive conditions (`$ini`, `$alli`, `$regexi`). std's full Unicode tables
//! would add about 27 KB to the wasm bundle; characters of other scripts map to themselves.

/// Lowercase of `c` (itself where it has none or lies outside the covered scripts).
pub fn lower(c: char) -> char {
    let u = c as u32;
    let mapped = match u {
        0x41..=0x5A | 0xC0..=0xDE if u != 0xD7 => u + 0x20,
        0x391..=0x3A9 if u != 0x3A2 => u + 0x20,
        0x410..=0x42F | 0xFF21..=0xFF3A => u + 0x20,
        0x400..=0x40F => u + 0x50,
        0x178 => 0xFF,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if u % 2 == 0 => u + 1,
        0x139..=0x148 | 0x179..=0x17E if u % 2 == 1 => u + 1,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// Uppercase of `c` (the inverse of [`lower`] on the covered scripts).
pub fn upper(c: char) -> char {
    let u = c as u32;
    let mapped = match u {
        0x61..=0x7A | 0xE0..=0xFE if u != 0xF7 => u - 0x20,
        0xFF => 0x178,
        0x3B1..=0x3C9 if u != 0x3C2 => u - 0x20,
        0x430..=0x44F | 0xFF41..=0xFF5A => u - 0x20,
        0x450..=0x45F => u - 0x50,
        0x101..=0x12F | 0x133..=0x137 | 0x14B..=0x177 if u % 2 == 1 => u - 1,
        0x13A..=0x149 | 0x17A..=0x17F if u % 2 == 0 && u <= 0x17E && u != 0x149 => u - 1,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `s` with every character mapped by [`lower`].
pub fn lower_str(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(lower).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_on_the_covered_scripts() {
        let covered = (0x20u32..0x250).chain(0x370..0x460).chain(0xFF01..0xFF60).filter_map(char::from_u32);
        let mut mapped = 0;
        for c in covered {
            if lower(c) != c {
                mapped += 1;
                assert_eq!(c.to_lowercase().collect::<Vec<_>>(), [lower(c)], "lower({c:?})");
                assert_eq!(upper(lower(c)), c, "round trip of {c:?}");
            }
            if upper(c) != c {
                assert_eq!(c.to_uppercase().collect::<Vec<_>>(), [upper(c)], "upper({c:?})");
            }
        }
        assert!(mapped >= 216, "{mapped} characters mapped");
        assert_eq!(lower_str("ÀÉÎ Straße ΑΩ ДЯ Ａｂ"), "àéî straße αω дя ａｂ");
        assert_eq!(upper('ｑ'), 'Ｑ');
        assert_eq!(lower('日'), '日');
    }
}
