//! What converts a scenario's visitors: the goal its exposures name (`params.goal`, the
//! scenario's `goal` in the config). Either an event name (`sign_up`; [`DEFAULT_GOAL`] when
//! they name none), or a page (`/contact/thanks`): a page view whose path matches it
//! ([`page_matches`]), so that a thank-you page converts without a line of tracking code.
//!
//! The conversion itself is found in SQL ([`crate::rollup::SET_CONVERSION`]). There SQLite calls
//! [`page_matches`] as `shopcue_page_matches` ([`crate::sqlite`] registers it), and PostgreSQL runs
//! [`PG_PAGE_MATCHES`], the same rule written in SQL; a test runs both on the same cases.

/// The event that converts a scenario's visitors when its exposures name none.
pub const DEFAULT_GOAL: &str = "purchase";

/// Whether an event named `name` may convert a visitor: any but Shopcue's own lifecycle events
/// (`shopcue_…`). A page view converts through a page goal.
pub fn may_be_goal(name: &str) -> bool {
    !name.starts_with("shopcue_")
}

/// An exposure's `params.goal` as the collector keeps it: `None` for a purchase. An event name
/// (lowercase ASCII letters, digits and `_`, up to 40), but not a page view, which every visit
/// has, nor a `shopcue_` event; or a page as the compiler writes it
/// ([`shopcue::config::page_goal`]).
///
/// ```
/// use shopcue_collector::goal::read;
/// assert_eq!(read("sign_up"), Ok(Some("sign_up".to_string())));
/// assert_eq!(read("purchase"), Ok(None));
/// assert_eq!(read("/contact/thanks"), Ok(Some("/contact/thanks".to_string())));
/// assert!(read("page_view").is_err());
/// assert!(read("/thanks/").is_err(), "not as the compiler writes it");
/// ```
pub fn read(goal: &str) -> Result<Option<String>, &'static str> {
    let event = shopcue::event::is_event_name(goal) && may_be_goal(goal) && goal != "page_view";
    if event || goal.starts_with('/') && shopcue::config::page_goal(goal).is_ok_and(|page| page == goal) {
        Ok(Some(goal.to_string()).filter(|g| g != DEFAULT_GOAL))
    } else {
        Err("params.goal must be an event name (lowercase letters, digits and _; not a page view or a shopcue_ event) or a page's path as the compiler writes it")
    }
}

/// The path a page goal is matched against: the URL without its query and fragment, its scheme
/// and host (`https://shop.example`), and the slashes it ends with (the site's home is `""`).
///
/// ```
/// use shopcue_collector::goal::page_path;
/// assert_eq!(page_path("https://shop.example/contact/thanks/?from=mail#top"), "/contact/thanks");
/// assert_eq!(page_path("/p/1"), "/p/1");
/// assert_eq!(page_path("https://shop.example"), "");
/// ```
pub fn page_path(url: &str) -> &str {
    let url = &url[..url.find(['?', '#']).unwrap_or(url.len())];
    let scheme = url.find("://").filter(|&i| {
        let s = &url.as_bytes()[..i];
        s.first().is_some_and(u8::is_ascii_alphabetic)
            && s.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    });
    let path = match scheme {
        Some(i) => url[i + 3..].find('/').map_or("", |j| &url[i + 3 + j..]),
        None => url,
    };
    path.trim_end_matches('/')
}

/// Whether a page view at `url` reaches the page goal `goal`: its [`page_path`] is the goal with
/// each `*` standing for any run of characters (`/` too), compared case by case, and the
/// slashes the goal ends with left out.
///
/// ```
/// use shopcue_collector::goal::page_matches;
/// assert!(page_matches("https://shop.example/orders/42/thanks/", "/orders/*/thanks"));
/// assert!(!page_matches("https://shop.example/Contact/Thanks", "/contact/thanks"));
/// assert!(!page_matches("https://shop.example/contact/thanks/more", "/contact/thanks"));
/// ```
pub fn page_matches(url: &str, goal: &str) -> bool {
    let (path, goal) = (page_path(url).as_bytes(), goal.trim_end_matches('/').as_bytes());
    // The greedy match with one point to return to: the last `*` and where its run ended.
    let (mut p, mut g, mut star) = (0, 0, None);
    while p < path.len() {
        if g < goal.len() && goal[g] == b'*' {
            star = Some((g, p));
            g += 1;
        } else if g < goal.len() && goal[g] == path[p] {
            g += 1;
            p += 1;
        } else if let Some((at, from)) = star {
            star = Some((at, from + 1));
            g = at + 1;
            p = from + 1;
        } else {
            return false;
        }
    }
    goal[g..].iter().all(|&b| b == b'*')
}

/// [`page_matches`] in PostgreSQL's SQL, created with the schema: the same steps, with `LIKE`
/// (its `%` for the goal's `*`; the goal's own `%`, `_` and `\` escaped).
pub const PG_PAGE_MATCHES: &str = r"
CREATE OR REPLACE FUNCTION shopcue_page_matches(url text, goal text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT rtrim(regexp_replace(regexp_replace(url, '[?#].*$', ''), '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*', ''), '/')
    LIKE replace(replace(replace(replace(rtrim(goal, '/'), '\', '\\'), '%', '\%'), '_', '\_'), '*', '%')
$f$;";

/// The pages a site's visitors reach, from its page views counted by address (`(url, views)`,
/// as [`crate::publish::reach`] reads them): the `top` paths by views (the home page as `/`),
/// and how many of those views reach the page goal `goal` — so that a marketer picks a goal from
/// the pages visitors really reach, and sees a typo reach none.
///
/// ```
/// use shopcue_collector::goal::reached;
/// let views = [("https://s.example/contact/thanks?x=1".to_string(), 3), ("https://s.example/contact/thanks/".to_string(), 2),
///     ("https://s.example/".to_string(), 9)];
/// let (top, goal) = reached(&views, Some("/contact/*"), 10);
/// assert_eq!(top, [("/".to_string(), 9), ("/contact/thanks".to_string(), 5)]);
/// assert_eq!(goal, Some(5));
/// ```
pub fn reached(views: &[(String, i64)], goal: Option<&str>, top: usize) -> (Vec<(String, i64)>, Option<i64>) {
    let mut paths: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for (url, n) in views {
        *paths.entry(page_path(url)).or_default() += n;
    }
    let mut paths: Vec<(String, i64)> =
        paths.into_iter().map(|(p, n)| (if p.is_empty() { "/" } else { p }.to_string(), n)).collect();
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    paths.truncate(top);
    let goal = goal.map(|g| views.iter().filter(|(url, _)| page_matches(url, g)).map(|(_, n)| n).sum());
    (paths, goal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_matches_its_goal_with_stars_for_any_run_and_nothing_else() {
        let cases = [
            ("https://s.example/contact/thanks", "/contact/thanks", true),
            ("https://s.example/contact/thanks/", "/contact/thanks", true),
            ("https://s.example/contact/thanks?x=1#y", "/contact/thanks", true),
            ("http://localhost:8080/contact/thanks", "/contact/thanks", true),
            ("/contact/thanks", "/contact/thanks", true),
            ("https://s.example/contact/thanks2", "/contact/thanks", false),
            ("https://s.example/contact", "/contact/thanks", false),
            ("https://s.example/CONTACT/thanks", "/contact/thanks", false),
            ("https://s.example/orders/42/thanks", "/orders/*/thanks", true),
            ("https://s.example/orders/a/b/thanks", "/orders/*/thanks", true),
            ("https://s.example/orders//thanks", "/orders/*/thanks", true),
            ("https://s.example/orders/42/thanks/x", "/orders/*/thanks", false),
            ("https://s.example/orders/42/thanks/x", "/orders/*", true),
            ("https://s.example/a_b/100%25", "/a_b/100%25", true),
            ("https://s.example/axb/100%25", "/a_b/100%25", false),
            ("https://s.example/a/b", "/a*b*c", false),
            ("https://s.example/abcbc", "/a*bc", true),
            ("https://s.example/%E3%81%8A%E7%A4%BC", "/%E3%81%8A%E7%A4%BC", true),
            ("https://s.example", "/x", false),
            ("https://s.example/x/", "/x/", true),
        ];
        for (url, goal, expected) in cases {
            assert_eq!(page_matches(url, goal), expected, "{url} {goal}");
        }
    }

    #[test]
    fn a_goal_is_an_event_or_a_page_as_the_compiler_writes_it() {
        for good in ["sign_up", "generate_lead", "/contact/thanks", "/orders/*/thanks", "/%E3%81%8A"] {
            assert_eq!(read(good), Ok(Some(good.to_string())), "{good}");
        }
        assert_eq!(read("purchase"), Ok(None));
        for bad in ["page_view", "shopcue_click", "Sign Up", "", "/", "/*", "/x/", "/x?y", "/お", "/a b", &"x".repeat(41)] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
