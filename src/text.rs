//! Small text helpers that the widget uses instead of std's generic ones. `str::find(&str)`
//! brings in the Two-Way searcher, `str::parse::<T>` one digit parser per integer type and
//! `u32::from_str_radix` another, `[..].concat()` and `.join()` a slice join specialised for
//! every separator length, and `str::split(char)` & co. a char searcher with `memchr`: several
//! kilobytes of wasm for inputs of a few bytes (a URL's `://`, a glob's parts, a date's fields, a
//! `\u` escape, a message's words). `scripts/dist.sh` fails if the widget links the last two.

/// The byte offset of the first `needle` in `hay`: `str::find` for a string pattern, by
/// plain comparison at each position (the texts searched are short).
///
/// ```
/// use shopcue::text::find;
/// assert_eq!(find("https://shop.example/a", "://"), Some(5));
/// assert_eq!(find("abc", ""), Some(0));
/// assert_eq!(find("ab", "abc"), None);
/// ```
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..=h.len().checked_sub(n.len())?).find(|&i| &h[i..i + n.len()] == n)
}

/// The value of a run of ASCII digits: `None` when `s` is empty, holds anything but digits
/// (no sign, no spaces) or does not fit in a `u64`.
///
/// ```
/// use shopcue::text::digits;
/// assert_eq!(digits("0042"), Some(42));
/// assert_eq!(digits("+1"), None);
/// assert_eq!(digits(""), None);
/// assert_eq!(digits("18446744073709551616"), None);
/// ```
pub fn digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| match b {
        b'0'..=b'9' => n.checked_mul(10)?.checked_add(u64::from(b - b'0')),
        _ => None,
    })
}

/// The value of hexadecimal digits (either case): `None` when `s` is empty, holds anything
/// else or does not fit in a `u32`. Bytes, not `&str`: a JSON `\uXXXX` escape is read from
/// its four bytes as they stand, with no UTF-8 check (which would cost the widget 1 KB).
///
/// ```
/// use shopcue::text::hex;
/// assert_eq!(hex(b"00e9"), Some(0xe9));
/// assert_eq!(hex(b"1F600"), Some(0x1f600));
/// assert_eq!(hex(b"+1"), None);
/// assert_eq!(hex("é".as_bytes()), None);
/// assert_eq!(hex(b""), None);
/// ```
pub fn hex(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u32, |n, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        n.checked_mul(16)?.checked_add(u32::from(d))
    })
}

/// `parts` one after another: `[a, b].concat()` without std's `join_generic_copy`, which is
/// specialised for every separator length (about 1 KB of wasm for texts of a few words).
///
/// ```
/// use shopcue::text::concat;
/// assert_eq!(concat(&["config not loaded: ", "/x.json"]), "config not loaded: /x.json");
/// assert_eq!(concat(&[]), "");
/// ```
pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// `parts` with `sep` between them: `[a, b].join(sep)`, as [`concat()`] is `concat()`.
///
/// ```
/// use shopcue::text::join;
/// assert_eq!(join(&["a", "b", "c"], ", "), "a, b, c");
/// assert_eq!(join(&["a"], ", "), "a");
/// assert_eq!(join(&[], ", "), "");
/// ```
pub fn join(parts: &[&str], sep: &str) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + sep.len()).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out
}

/// `s` split around its first `sep`: `str::split_once` for an ASCII separator, without std's
/// character searcher (and the `memchr` it brings along).
///
/// ```
/// use shopcue::text::split_once;
/// assert_eq!(split_once("a.b.c", b'.'), Some(("a", "b.c")));
/// assert_eq!(split_once("abc", b'.'), None);
/// ```
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((&s[..i], &s[i + 1..]))
}

/// `s` up to its first `sep`, or all of it: `s.split(sep).next().unwrap()`.
///
/// ```
/// use shopcue::text::before;
/// assert_eq!(before("ja-JP", b'-'), "ja");
/// assert_eq!(before("ja", b'-'), "ja");
/// ```
pub fn before(s: &str, sep: u8) -> &str {
    split_once(s, sep).map_or(s, |(head, _)| head)
}

/// The parts of `s` between its `sep`s: `str::split` for an ASCII separator.
///
/// ```
/// use shopcue::text::split;
/// assert_eq!(split("a..b", b'.').collect::<Vec<_>>(), ["a", "", "b"]);
/// assert_eq!(split("", b'.').collect::<Vec<_>>(), [""]);
/// ```
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        let (part, after) = split_once(r, sep).map_or((r, None), |(part, after)| (part, Some(after)));
        rest = after;
        Some(part)
    })
}

/// `s` without the `b`s it starts with: `trim_start_matches` for an ASCII byte.
///
/// ```
/// use shopcue::text::trim_start;
/// assert_eq!(trim_start("0042", b'0'), "42");
/// ```
pub fn trim_start(s: &str, b: u8) -> &str {
    &s[s.bytes().take_while(|&x| x == b).count()..]
}

/// `s` without the `b`s it ends with: `trim_end_matches` for an ASCII byte.
///
/// ```
/// use shopcue::text::trim_end;
/// assert_eq!(trim_end("2500", b'0'), "25");
/// ```
pub fn trim_end(s: &str, b: u8) -> &str {
    &s[..s.len() - s.bytes().rev().take_while(|&x| x == b).count()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_agrees_with_std() {
        let hays = ["", "a", "aaab", "/products/*/x", "ab*ab*", "日本語/テスト", "xx://yy://"];
        let needles = ["", "a", "ab", "aab", "*", "://", "語/", "テスト", "zz"];
        for hay in hays {
            for needle in needles {
                assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
            }
        }
    }

    #[test]
    fn digits_and_hex_agree_with_std_on_what_they_accept() {
        for s in ["0", "7", "12", "0012", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616"] {
            assert_eq!(digits(s), s.parse::<u64>().ok(), "{s}");
        }
        for s in ["0", "ff", "FF", "00e9", "ffffffff", "100000000", "dEaD"] {
            assert_eq!(hex(s.as_bytes()), u32::from_str_radix(s, 16).ok(), "{s}");
        }
        for s in ["", "+1", "-1", " 1", "1 ", "1.0", "１"] {
            assert_eq!(digits(s), None, "{s:?}");
            assert_eq!(hex(s.as_bytes()), None, "{s:?}");
        }
        assert_eq!(hex(b"g"), None);
    }

    #[test]
    fn splitting_and_joining_agree_with_std() {
        let texts = ["", ".", "..", "a", "a.b", ".a.", "a..b.", "ja-JP", "00120.500", "日本.語-テ", "?q=1&x=2#f"];
        for text in texts {
            for sep in [b'.', b'-', b'&', b'0', b'#'] {
                let c = char::from(sep);
                assert_eq!(split(text, sep).collect::<Vec<_>>(), text.split(c).collect::<Vec<_>>(), "{text:?} {c:?}");
                assert_eq!(split_once(text, sep), text.split_once(c), "{text:?} {c:?}");
                assert_eq!(before(text, sep), text.split(c).next().unwrap(), "{text:?} {c:?}");
                assert_eq!(trim_start(text, sep), text.trim_start_matches(c), "{text:?} {c:?}");
                assert_eq!(trim_end(text, sep), text.trim_end_matches(c), "{text:?} {c:?}");
            }
            let parts: Vec<&str> = text.split('.').collect();
            for glue in ["", ", ", "&", "・"] {
                assert_eq!(join(&parts, glue), parts.join(glue), "{text:?} {glue:?}");
            }
            assert_eq!(concat(&parts), parts.concat(), "{text:?}");
        }
    }
}
