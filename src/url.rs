//! URL hygiene: only http(s) and relative links reach the page, and beacons carry URLs
//! without their query string (which may hold e-mail addresses, tokens, coupon codes).

/// Returns the link if it is `http:`, `https:` or relative; `None` for `javascript:`, `data:`
/// and every other scheme (also when hidden behind whitespace or control characters).
///
/// ```
/// use shopcue::url::safe_link;
/// assert_eq!(safe_link("/cart"), Some("/cart".to_string()));
/// assert_eq!(safe_link(" JavaScript:alert(1)"), None);
/// ```
pub fn safe_link(link: &str) -> Option<String> {
    // Browsers strip leading/trailing C0 controls and spaces, and remove tabs and newlines
    // anywhere in a URL before parsing it: judge the link the way the browser will read it.
    let cleaned: String = link.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if cleaned.is_empty() || cleaned.chars().any(|c| c.is_control()) {
        return None;
    }
    let scheme_end = cleaned.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    match scheme_end {
        Some(i) if i > 0 && cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            (scheme == "http" || scheme == "https").then_some(cleaned)
        }
        _ if cleaned.starts_with('\\') || cleaned.starts_with("/\\") => None,
        _ => Some(cleaned),
    }
}

/// The URL without query string and fragment, as sent in beacons.
pub fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The path of an absolute or relative URL (`/products/a.html`).
pub fn path_of(url: &str) -> &str {
    let u = strip_query(url);
    match crate::text::find(u, "://") {
        Some(i) => crate::text::find(&u[i + 3..], "/").map_or("/", |j| &u[i + 3 + j..]),
        None => u,
    }
}

/// `link` as read on the page at `base` (an absolute address, as `location.href`), made to
/// lead to the same place from every page: a link relative to the page's folder (`tee.html`,
/// `../img/tee.jpg`) or to the page itself (`?variant=2`) gets the page's address in front of
/// it. The browser removes the dot segments when it follows the link. Links from the site's
/// root (`/products/tee`, `//cdn.example/a.jpg`) or within the page (`#reviews`), links with a
/// colon (a scheme: `https:`), and any link read on a page with no address are kept as they are.
///
/// ```
/// use shopcue::url::resolve;
/// let page = "https://shop.example/store/tee.html?ref=mail";
/// assert_eq!(resolve(page, "img/tee.jpg"), "https://shop.example/store/img/tee.jpg");
/// assert_eq!(resolve(page, "?size=m"), "https://shop.example/store/tee.html?size=m");
/// assert_eq!(resolve(page, "/products/tee"), "/products/tee");
/// ```
pub fn resolve(base: &str, link: &str) -> String {
    let page = strip_query(base);
    let folder = match link.as_bytes().first() {
        _ if page.is_empty() || crate::text::find(link, ":").is_some() => return link.to_string(),
        None | Some(b'/' | b'#') => return link.to_string(),
        Some(b'?') => page,
        _ => page.trim_end_matches(|c| c != '/'),
    };
    crate::text::concat(&[folder, link])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_relative_links_pass() {
        for ok in ["https://shop.example/a", "http://x", "/cart", "cart.html", "../x", "?q=1", "#top", "//cdn.example/x"] {
            assert!(safe_link(ok).is_some(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "",
            "  ",
            "\\\\evil",
            "/\\evil.example",
        ] {
            assert!(safe_link(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn links_relative_to_the_page_lead_to_the_same_place_from_every_page() {
        let page = "https://shop.example/store/items/tee.html?ref=x#top";
        for (link, to) in [
            ("tee.jpg", "https://shop.example/store/items/tee.jpg"),
            ("./img/tee.jpg", "https://shop.example/store/items/./img/tee.jpg"),
            ("../cap.html", "https://shop.example/store/items/../cap.html"),
            ("?variant=2", "https://shop.example/store/items/tee.html?variant=2"),
            ("/products/tee", "/products/tee"),
            ("//cdn.example/a.jpg", "//cdn.example/a.jpg"),
            ("https://shop.example/a", "https://shop.example/a"),
            ("#reviews", "#reviews"),
            ("javascript:x", "javascript:x"),
        ] {
            assert_eq!(resolve(page, link), to, "{link}");
        }
        assert_eq!(resolve("https://shop.example/", "tee.html"), "https://shop.example/tee.html");
        assert_eq!(resolve("", "tee.html"), "tee.html", "no page address: kept");
    }

    #[test]
    fn strips_queries_and_finds_paths() {
        assert_eq!(strip_query("https://s.example/p?email=a@b#x"), "https://s.example/p");
        assert_eq!(path_of("https://s.example/products/a.html?x=1"), "/products/a.html");
        assert_eq!(path_of("https://s.example"), "/");
        assert_eq!(path_of("/cart.html#top"), "/cart.html");
    }
}
