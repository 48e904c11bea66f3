//! Publishing over real HTTP: versions, the live runtime config with its ETag, 422 with paths,
//! rollback, diff, audit, preview drafts, credentials and CSRF — on SQLite, and on a real
//! PostgreSQL with two collectors publishing at once.

mod common;

use std::sync::Arc;

use common::{request, start_sqlite, start_with, Postgres};
use shopcue::json::{parse, Value};
use shopcue_collector::configs::{ConfigStore, NewVersion, Published};
use shopcue_collector::pg::PgStore;
use shopcue_collector::App;

const SITE: &str = "demo-store";

fn config(title: &str) -> String {
    format!(
        r#"{{"version":1,"site":"{SITE}","locale":"en-US","scenarios":[{{"preset":"page_low_stock","message":{{"title":"{title} {{{{item.name}}}}"}}}}]}}"#
    )
}

fn json(body: &str) -> Value {
    parse(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn put(addr: &str, body: &str, query: &str) -> (u16, String, String) {
    request(addr, "PUT", &format!("/api/sites/{SITE}/config{query}"), "", body.as_bytes())
}

fn live(addr: &str, extra: &str) -> (u16, String, String) {
    request(addr, "GET", &format!("/shopcue/sites/{SITE}/config.json"), extra, b"")
}

fn live_title(addr: &str) -> String {
    let (status, _, body) = live(addr, "");
    assert_eq!(status, 200, "{body}");
    // As the widget reads it, the title written back as authored (`{{item.name}}`).
    let config = shopcue::config::Config::from_value(&json(&body)).unwrap();
    let parts = config.scenarios[0].message.title.to_parts();
    let part = |p: &Value| match p {
        Value::String(text) => text.clone(),
        slot => format!("{{{{{}}}}}", slot.as_array().unwrap().iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|")),
    };
    parts.as_array().unwrap().iter().map(part).collect()
}

#[test]
fn publish_serve_revalidate_roll_back_and_audit() {
    let server = start_sqlite();
    let addr = &server.addr;
    // Readable by a store on another origin, so that its page says why (not a CORS failure).
    let (status, head, _) = live(addr, "");
    assert_eq!((status, header(&head, "access-control-allow-origin")), (404, Some("*")), "nothing published yet");

    let (status, _, body) = put(addr, &config("Only a few left:"), "?author=mika&note=first%20cut");
    assert_eq!(status, 201, "{body}");
    let v1 = json(&body);
    assert_eq!(v1.get("version").and_then(Value::as_f64), Some(1.0));
    assert_eq!(v1.get("author").and_then(Value::as_str), Some("mika"));
    assert_eq!(v1.get("note").and_then(Value::as_str), Some("first cut"));

    // The runtime config: presets expanded, compiled, cacheable, revalidated by its ETag.
    let (status, head, body) = live(addr, "");
    assert_eq!(status, 200);
    let runtime = json(&body);
    assert_eq!(runtime.get("runtime").and_then(Value::as_f64), Some(shopcue::config::RUNTIME_FORMAT));
    assert!(!body.contains("\"preset\""), "{body}");
    assert_eq!(header(&head, "cache-control"), Some("max-age=60, stale-while-revalidate=600"));
    assert_eq!(header(&head, "access-control-allow-origin"), Some("*"));
    let etag = header(&head, "etag").unwrap().to_string();
    assert!(etag.starts_with("\"v1-"), "a strong ETag: {etag}");
    let (status, head304, body304) = live(addr, &format!("If-None-Match: {etag}\r\n"));
    assert_eq!((status, body304.as_str()), (304, ""));
    assert_eq!(header(&head304, "etag"), Some(etag.as_str()));
    assert_eq!(live(addr, "If-None-Match: \"v0-0\"\r\n").0, 200, "another tag gets the body");
    // The weak comparison If-None-Match asks for: a compressing proxy hands the browser W/"…".
    assert_eq!(live(addr, &format!("If-None-Match: W/{etag}\r\n")).0, 304, "a weakened tag still matches");
    assert_eq!(live(addr, &format!("If-None-Match: \"v0-0\", W/{etag}\r\n")).0, 304);

    // The same config again (a deploy that publishes the file every time), spaced differently:
    // no new version, the same ETag, so shoppers keep what they cached.
    let again = config("Only a few left:").replace(",\"", ", \"");
    let (status, _, body) = put(addr, &again, "?author=ci&note=deploy");
    assert_eq!(status, 200, "{body}");
    let same = json(&body);
    assert_eq!(same.get("unchanged"), Some(&Value::Bool(true)));
    assert_eq!(same.get("version").and_then(Value::as_f64), Some(1.0));
    assert_eq!(same.get("note").and_then(Value::as_str), Some("first cut"), "the live version's own");
    assert_eq!(live(addr, &format!("If-None-Match: {etag}\r\n")).0, 304);

    // Version 2 goes live; the old ETag no longer matches.
    assert_eq!(put(addr, &config("Last chance:"), "?author=mika").0, 201);
    assert_eq!(live_title(addr), "Last chance: {{item.name}}");
    let (status, head, _) = live(addr, &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(status, 200);
    assert_ne!(header(&head, "etag"), Some(etag.as_str()));

    // A bad config: 422 with every problem and its path; nothing changes.
    // (A preset's param misspelt, a value its field never holds, and a link the config does not
    // give — cart_abandonment's "View cart" goes to {{links.cart}} — were published as valid.)
    let bad = r#"{"version":1,"site":"demo-store","scenarios":[{"preset":"page_low_stok"},{"id":"x","message":{"title":"{{item.nmae}}"}},
        {"preset":"cart_abandonment","params":{"min_minute":30}},{"id":"y","audience":{"visitor.member":"yes"},"message":{"title":"t"}}]}"#;
    let (status, _, body) = put(addr, bad, "");
    assert_eq!(status, 422, "{body}");
    let problems = json(&body).get("problems").unwrap().as_array().unwrap().to_vec();
    let paths: Vec<&str> = problems.iter().filter_map(|p| p.get("path").and_then(Value::as_str)).collect();
    assert_eq!(
        paths,
        [
            "$.scenarios[0].preset",
            "$.scenarios[1].message.title",
            "$.scenarios[2].params.min_minute",
            "$.scenarios[2].message.cta.url",
            "$.scenarios[3].audience.visitor.member"
        ]
    );
    assert!(problems[0].get("message").and_then(Value::as_str).unwrap().contains("page_low_stock"), "a did-you-mean");
    assert_eq!(live_title(addr), "Last chance: {{item.name}}", "a refused config changes nothing");
    // Another site's config, and text that is not JSON.
    let (status, _, body) = put(addr, &config("x").replace("demo-store", "other-store"), "");
    assert_eq!(status, 422);
    assert!(body.contains("$.site"), "{body}");
    assert_eq!(put(addr, "{not json", "").0, 400);

    // Versions, newest first; diff between them.
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/versions"), "", b"");
    assert_eq!(status, 200);
    let versions = json(&body);
    let numbers: Vec<f64> = versions.as_array().unwrap().iter().filter_map(|v| v.get("version")?.as_f64()).collect();
    assert_eq!(numbers, [2.0, 1.0]);
    // The newest `limit`; a parameter it does not read, or a limit that is none, refused.
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/versions?limit=1"), "", b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body).as_array().map(|v| v.iter().filter_map(|v| v.get("version")?.as_f64()).collect::<Vec<_>>()),
        Some(vec![2.0])
    );
    for (query, said) in [
        ("?limt=1", r#"unknown parameter \"limt\". Did you mean \"limit\"? This request reads limit"#),
        ("?limit=0", r#"limit must be a whole number from 1 to 10000, got \"0\""#),
        ("?limit=ten", r#"limit must be a whole number from 1 to 10000, got \"ten\""#),
    ] {
        let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/versions{query}"), "", b"");
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.contains(said), "{query}: {body}");
    }
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/diff?from=1&to=2&format=unified"), "", b"");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("This request reads from, to"), "{body}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/versions/1?pretty=1"), "", b"");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("This request reads no parameter"), "{body}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/diff?from=1&to=2"), "", b"");
    assert_eq!(status, 200, "{body}");
    let diff = json(&body).get("diff").and_then(Value::as_str).unwrap().to_string();
    assert!(diff.contains("-        \"title\": \"Only a few left: {{item.name}}\""), "{diff}");
    assert!(diff.contains("+        \"title\": \"Last chance: {{item.name}}\""), "{diff}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/diff?from=1&to=9"), "", b"");
    assert_eq!(status, 404);
    assert!(body.contains("this site has no version 9"), "the missing one named: {body}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/versions/0"), "", b"");
    assert_eq!(status, 400);
    assert!(body.contains(r#"the version in the path must be a version number (1, 2, …), got \"0\""#), "{body}");

    // Rollback publishes version 1 again, as version 3.
    let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback?version=1&author=kenji"), "", b"");
    assert_eq!(status, 201, "{body}");
    let v3 = json(&body);
    assert_eq!(v3.get("version").and_then(Value::as_f64), Some(3.0));
    assert_eq!(v3.get("source_version").and_then(Value::as_f64), Some(1.0));
    assert_eq!(live_title(addr), "Only a few left: {{item.name}}");
    let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback?version=7"), "", b"");
    assert_eq!(status, 404);
    assert!(body.contains("this site has no version 7"), "{body}");
    // The version belongs in the query; a client that put it in a JSON body is told so.
    let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback"), "", br#"{"version":1}"#);
    assert_eq!(status, 400);
    assert!(body.contains("version is required in the query string: ?version=N"), "{body}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/config/diff?from=one&to=2"), "", b"");
    assert_eq!(status, 400);
    assert!(body.contains(r#"from must be a version number (1, 2, …), got \"one\""#), "{body}");

    // The audit log has each publish, the refusals and the rollback, newest first.
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/audit"), "", b"");
    assert_eq!(status, 200);
    let actions: Vec<String> =
        json(&body).as_array().unwrap().iter().map(|e| e.get("action").and_then(Value::as_str).unwrap().to_string()).collect();
    assert_eq!(actions, ["rollback", "refused", "refused", "refused", "publish", "publish"]);
    assert!(body.contains("kenji (127.0.0.1)"), "{body}");
}

/// A campaign that is over is nothing wrong with a config: it is published, and the reply says
/// which scenario will not show again (at its `schedule.until`), as a rollback to it does; a
/// config with nothing over gets no `warnings`. `config check` says it too and exits 0.
#[test]
fn a_scenario_whose_schedule_has_ended_is_published_with_a_warning() {
    let server = start_sqlite();
    let addr = &server.addr;
    let with_until = |until: &str| {
        config("Winter sale:").replacen(
            r#""preset":"page_low_stock","#,
            &format!(r#""preset":"page_low_stock","schedule":{{"until":"{until}"}},"#),
            1,
        )
    };
    let (status, _, body) = put(addr, &with_until("2020-02-29"), "");
    assert_eq!(status, 201, "{body}");
    let said = "[{\"path\":\"$.scenarios[0].schedule.until\",\"message\":\"has passed: the scenario will not show again (pause it, or give it a later date)\"}]";
    assert_eq!(json(&body).get("warnings").map(Value::to_json).as_deref(), Some(said), "{body}");
    // Checked while it is edited: valid, with the same warning.
    let (status, _, body) =
        request(addr, "POST", &format!("/api/sites/{SITE}/config/check"), "", with_until("2020-02-29").as_bytes());
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body).get("warnings").map(Value::to_json).as_deref(), Some(said), "{body}");
    let (status, _, body) = put(addr, &with_until("2999-12-31"), "");
    assert_eq!(status, 201, "{body}");
    assert!(json(&body).get("warnings").is_none(), "{body}");
    let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback?version=1"), "", b"");
    assert_eq!(status, 201, "{body}");
    assert_eq!(json(&body).get("warnings").map(Value::to_json).as_deref(), Some(said), "{body}");
    // The command line: ok, with the warning on stderr.
    let file = std::env::temp_dir().join(format!("shopcue-ended-{}.json", std::process::id()));
    std::fs::write(&file, with_until("2020-02-29")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopcue-collector"))
        .args(["config", "check"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_file(&file).ok();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: $.scenarios[0].schedule.until: has passed"), "{stderr}");
}

/// What an earlier release compiled (another runtime format) is compiled again when it is
/// served or rolled back to: upgrading Shopcue never leaves a live site on a config its widget
/// refuses, and the new text gets its own ETag so that no browser keeps the old one by a 304.
/// A config as an editor saved it: a byte order mark and CRLF line ends are read; the usual
/// slips of hand-edited JSON (a key written twice among them, which JSON.parse would let the
/// last one win silently) are placed at their line and column, and named, in the message and
/// as the answer's one problem (`$`, with `line` and `column`).
#[test]
fn a_config_as_an_editor_saved_it_is_read_and_its_json_slips_are_placed() {
    let server = start_sqlite();
    let addr = &server.addr;
    let windows = format!("\u{feff}{}\r\n", config("Saved on Windows:").replace(",\"", ",\r\n  \""));
    let (status, _, body) = put(addr, &windows, "");
    assert_eq!(status, 201, "{body}");
    assert_eq!(live_title(addr), "Saved on Windows: {{item.name}}");

    let check = |body: &str| request(addr, "POST", &format!("/api/sites/{SITE}/config/check"), "", body.as_bytes());
    for (text, error) in [
        (
            "{\n  \"version\": 1,\n  \"site\": \"demo-store\",\n  \"scenarios\": [{\"preset\": \"page_low_stock\"},]\n}",
            "invalid JSON at line 4, column 46: unexpected character, found ']' (a comma with nothing after it: remove the last comma)",
        ),
        (
            "{\n  // the demo store\n  \"version\": 1\n}",
            "invalid JSON at line 2, column 3: expected a string key, found '/' (JSON has no comments)",
        ),
        (
            "{\n  \"version\": 1,\n  \"site\": \"demo-store\",\n  \"scenarios\": [{\"preset\": \"page_low_stock\"}],\n  \"scenarios\": []\n}",
            "invalid JSON at line 5, column 3: \"scenarios\" is already set in this object (a key may appear once)",
        ),
        ("{'version': 1}", "invalid JSON at line 1, column 2: expected a string key, found \"'\" (JSON strings and keys take double quotes)"),
        (
            "{\"version\": 1, \"scenarios\": [{\"preset\": \"page_low_stock\"}\n",
            "invalid JSON at line 2, column 1: expected ',' or ']' (the text ends here: a closing bracket or brace is missing, or the file was cut short)",
        ),
        (" \n", "invalid JSON at line 2, column 1: unexpected end of input (the text is empty)"),
        (
            "\n<!doctype html>\n<title>Maintenance</title>",
            "invalid JSON at line 2, column 1: unexpected character, found '<' (an HTML page, not a config: is its URL right?)",
        ),
    ] {
        for (status, _, body) in [put(addr, text, ""), check(text)] {
            assert_eq!(status, 400, "{body}");
            let body = json(&body);
            assert_eq!(body.get("error").and_then(Value::as_str), Some(error), "{text}");
            // The same, as the one problem an editor can place its cursor at.
            let problems = body.get("problems").and_then(Value::as_array).unwrap();
            let [problem] = problems else { panic!("{problems:?}") };
            let (line, column) = error.strip_prefix("invalid JSON at line ").unwrap().split_once(':').unwrap().0.split_once(", column ").unwrap();
            assert_eq!(problem.get("path").and_then(Value::as_str), Some("$"));
            assert_eq!(problem.get("message").and_then(Value::as_str), Some(error));
            assert_eq!(problem.get("line").and_then(Value::as_f64), Some(line.parse().unwrap()));
            assert_eq!(problem.get("column").and_then(Value::as_f64), Some(column.parse().unwrap()));
        }
    }
    assert_eq!(live_title(addr), "Saved on Windows: {{item.name}}", "nothing refused was published");
}

#[test]
fn a_config_compiled_by_another_release_is_compiled_again_when_served() {
    let server = start_sqlite();
    let addr = &server.addr;
    assert_eq!(put(addr, &config("Only a few left:"), "").0, 201);
    // As an older release would have stored it: another format mark, and no `caps` it adds.
    let db = rusqlite::Connection::open(&server.db).unwrap();
    let stale = format!("{{\"version\":1,\"runtime\":0,\"site\":\"{SITE}\",\"scenarios\":[]}}");
    let old_tag = "\"v1-old\"";
    db.execute("UPDATE config_versions SET runtime = ?1, etag = ?2 WHERE version = 1", (&stale, old_tag)).unwrap();

    let (status, head, body) = live(addr, &format!("If-None-Match: {old_tag}\r\n"));
    assert_eq!(status, 200, "a new text, not a 304 for the old one: {body}");
    let runtime = json(&body);
    assert_eq!(runtime.get("runtime").and_then(Value::as_f64), Some(shopcue::config::RUNTIME_FORMAT));
    assert_eq!(live_title(addr), "Only a few left: {{item.name}}", "compiled from the stored raw config");
    let tag = header(&head, "etag").unwrap().to_string();
    assert!(tag != old_tag && tag.starts_with("\"v1-"), "{tag}");
    assert_eq!(live(addr, &format!("If-None-Match: {tag}\r\n")).0, 304);

    // A rollback to it publishes it compiled again as well.
    assert_eq!(put(addr, &config("Last chance:"), "").0, 201);
    let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback?version=1"), "", b"");
    assert_eq!(status, 201, "{body}");
    let stored: String = db.query_row("SELECT runtime FROM config_versions WHERE version = 3", [], |r| r.get(0)).unwrap();
    assert_eq!(json(&stored).get("runtime").and_then(Value::as_f64), Some(shopcue::config::RUNTIME_FORMAT));
    assert_eq!(live_title(addr), "Only a few left: {{item.name}}");
}

#[test]
fn preview_links_serve_a_draft_until_they_expire() {
    let server = start_sqlite();
    let addr = &server.addr;
    assert_eq!(put(addr, &config("Live:"), "").0, 201);
    let (status, _, body) =
        request(addr, "POST", &format!("/api/sites/{SITE}/preview?ttl_s=60"), "", config("Draft:").as_bytes());
    assert_eq!(status, 201, "{body}");
    let token = json(&body).get("token").and_then(Value::as_str).unwrap().to_string();
    assert!(token.starts_with("draft.") && token.len() == 6 + 32, "{token}");
    let (status, head, body) = request(addr, "GET", &format!("/shopcue/sites/{SITE}/config.json?preview={token}"), "", b"");
    assert_eq!(status, 200);
    assert!(body.contains(r#""Draft: ",["item.name"]"#), "{body}");
    assert_eq!(header(&head, "cache-control"), Some("no-store"));
    assert_eq!(header(&head, "access-control-allow-origin"), Some("*"));
    assert_eq!(live_title(addr), "Live: {{item.name}}", "everyone else still gets the live config");
    let forged = format!("{}{}", &token[..token.len() - 1], if token.ends_with('0') { '1' } else { '0' });
    let (status, head, body) = request(addr, "GET", &format!("/shopcue/sites/{SITE}/config.json?preview={forged}"), "", b"");
    assert_eq!((status, header(&head, "access-control-allow-origin")), (404, Some("*")), "{body}");
    assert!(body.contains("expired or never existed"), "{body}");
    // An invalid draft gets the same 422 as a publish; a ttl out of range a 400.
    assert_eq!(request(addr, "POST", &format!("/api/sites/{SITE}/preview"), "", b"{\"version\":1}").0, 422);
    assert_eq!(request(addr, "POST", &format!("/api/sites/{SITE}/preview?ttl_s=5"), "", config("x").as_bytes()).0, 400);
}

#[test]
fn publishing_needs_the_admin_token_and_refuses_cross_site_requests() {
    let dir = common::temp_dir("publish-auth");
    let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap();
    let mut app = App::new(Arc::new(store), Vec::new(), Vec::new());
    app.admin_token = Some(Arc::new("publish-token-0123456789".into()));
    let addr = &common::serve(app);
    let body = config("Hi");
    assert_eq!(put(addr, &body, "").0, 401, "loopback is not enough once a token is set");
    let bearer = "Authorization: Bearer publish-token-0123456789\r\n";
    let path = format!("/api/sites/{SITE}/config");
    assert_eq!(request(addr, "PUT", &path, "Authorization: Bearer wrong\r\n", body.as_bytes()).0, 401);
    // A browser that remembers the credential, driven by another site: refused.
    let cross = format!("{bearer}Origin: https://evil.example\r\n");
    assert_eq!(request(addr, "PUT", &path, &cross, body.as_bytes()).0, 403);
    let fetch_cross = format!("{bearer}Sec-Fetch-Site: cross-site\r\n");
    assert_eq!(request(addr, "PUT", &path, &fetch_cross, body.as_bytes()).0, 403);
    let same = format!("{bearer}Origin: http://{addr}\r\n");
    assert_eq!(request(addr, "PUT", &path, &same, body.as_bytes()).0, 201);
    assert_eq!(request(addr, "GET", &format!("{path}/versions"), "", b"").0, 401);
    assert_eq!(request(addr, "GET", &format!("{path}/versions"), bearer, b"").0, 200);
    // Which pages the site's visitors reach is the admin's to read too.
    let pages = format!("/api/sites/{SITE}/reach?goal=/contact/thanks");
    assert_eq!(request(addr, "GET", &pages, "", b"").0, 401);
    assert_eq!(request(addr, "GET", &pages, bearer, b"").0, 200);
    // Shoppers need no credential for the live config.
    assert_eq!(live(addr, "").0, 200);
    assert_eq!(request(addr, "GET", "/api/sites/bad%20site/config", bearer, b"").0, 400);
}

#[test]
fn two_collectors_on_one_postgresql_publish_consecutive_versions() {
    let pg = Postgres::start();
    let (a, b) = (start_with(Arc::new(PgStore::open(&pg.url).unwrap())), start_with(Arc::new(PgStore::open(&pg.url).unwrap())));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let addr = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || put(&addr, &config(&format!("Take {i}:")), "").0)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 201);
    }
    let (_, _, body) = request(&b, "GET", &format!("/api/sites/{SITE}/config/versions"), "", b"");
    let numbers: Vec<f64> = json(&body).as_array().unwrap().iter().filter_map(|v| v.get("version")?.as_f64()).collect();
    assert_eq!(numbers, [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
    // Both serve the same live config with the same ETag.
    let (ha, hb) = (live(&a, "").1, live(&b, "").1);
    assert_eq!(header(&ha, "etag"), header(&hb, "etag"));
    let (status, _, body) = request(&a, "POST", &format!("/api/sites/{SITE}/config/rollback?version=2"), "", b"");
    assert_eq!(status, 201, "{body}");
    // The other collector serves its live configs from memory for at most LIVE_TTL.
    std::thread::sleep(shopcue_collector::publish::LIVE_TTL + std::time::Duration::from_millis(100));
    let (ha, hb) = (live(&a, "").1, live(&b, "").1);
    assert_eq!(header(&ha, "etag"), header(&hb, "etag"), "rolled back on the other collector too");
    assert!(header(&hb, "etag").unwrap().starts_with("\"v7-"));
    assert_eq!(json(&body).get("version").and_then(Value::as_f64), Some(7.0));
    let (_, _, v2) = request(&b, "GET", &format!("/api/sites/{SITE}/config/versions/2"), "", b"");
    let (_, _, v7) = request(&b, "GET", &format!("/api/sites/{SITE}/config/versions/7"), "", b"");
    assert_eq!(json(&v2).get("runtime"), json(&v7).get("runtime"));
}

#[test]
fn a_password_login_gives_a_session_whose_writes_need_its_csrf_token() {
    let dir = common::temp_dir("publish-login");
    let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap();
    let mut app = App::new(Arc::new(store), Vec::new(), Vec::new());
    let hash = shopcue_collector::session::hash_password("marketing-team-password").unwrap();
    app.login = Some(Arc::new(shopcue_collector::session::Login::new(&hash).unwrap()));
    let addr = &common::serve(app);
    let body = config("Hi");
    assert_eq!(put(addr, &body, "").0, 401, "a configured password closes the loopback door too");

    assert_eq!(request(addr, "POST", "/login", "", b"password=wrong-password").0, 401);
    let (status, head, reply) = request(addr, "POST", "/login", "", b"password=marketing-team-password");
    assert_eq!(status, 200, "{reply}");
    let set_cookie = header(&head, "set-cookie").unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = json(&reply).get("csrf").and_then(Value::as_str).unwrap().to_string();

    let path = format!("/api/sites/{SITE}/config");
    let with_cookie = format!("Cookie: {cookie}\r\n");
    assert_eq!(request(addr, "GET", &format!("{path}/versions"), &with_cookie, b"").0, 200, "reads need the session only");
    assert_eq!(request(addr, "PUT", &path, &with_cookie, body.as_bytes()).0, 403, "a write without the CSRF token");
    let wrong = format!("{with_cookie}X-CSRF-Token: {}\r\n", "0".repeat(64));
    assert_eq!(request(addr, "PUT", &path, &wrong, body.as_bytes()).0, 403);
    let (_, _, info) = request(addr, "GET", "/api/session", &with_cookie, b"");
    assert_eq!(json(&info).get("csrf").and_then(Value::as_str), Some(csrf.as_str()));
    let right = format!("{with_cookie}X-CSRF-Token: {csrf}\r\n");
    assert_eq!(request(addr, "PUT", &path, &right, body.as_bytes()).0, 201);
    // A forged cookie is no session: its last hex digit changed (to one it is not).
    let last = if cookie.ends_with('0') { '1' } else { '0' };
    let forged = format!("Cookie: {}{last}\r\nX-CSRF-Token: {csrf}\r\n", &cookie[..cookie.len() - 1]);
    assert_eq!(request(addr, "PUT", &path, &forged, body.as_bytes()).0, 401);
    // JSON logins work too; after five tries a minute, 429.
    assert_eq!(request(addr, "POST", "/login", "", br#"{"password":"marketing-team-password"}"#).0, 200);
    let statuses: Vec<u16> = (0..4).map(|_| request(addr, "POST", "/login", "", b"password=x").0).collect();
    assert_eq!(statuses, [401, 401, 429, 429]);
    let (_, head, _) = request(addr, "POST", "/logout", "", b"");
    assert!(header(&head, "set-cookie").unwrap().contains("Max-Age=0"));
}

#[test]
fn a_browser_signs_in_through_the_login_page_and_lands_where_it_was_going() {
    let dir = common::temp_dir("publish-login-page");
    let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap();
    let mut app = App::new(Arc::new(store), Vec::new(), Vec::new());
    let hash = shopcue_collector::session::hash_password("marketing-team-password").unwrap();
    app.login = Some(Arc::new(shopcue_collector::session::Login::new(&hash).unwrap()));
    let addr = &common::serve(app);

    // The dashboard sends a browser without a session to the sign-in page, and remembers where.
    let (status, head, _) = request(addr, "GET", "/dashboard?site=demo-store", "", b"");
    assert_eq!(status, 303);
    assert_eq!(header(&head, "location"), Some("/login?next=/dashboard%3Fsite%3Ddemo-store"));
    let (status, head, page) = request(addr, "GET", "/login?next=%2Fdashboard%3Fsite%3Ddemo-store", "", b"");
    assert_eq!(status, 200);
    assert!(page.contains(r#"<label for="password">"#) && page.contains(r#"id="wrong" role="alert" hidden>"#));
    assert!(header(&head, "content-security-policy").unwrap().contains("form-action 'self'"));

    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let path = "/login?next=%2Fdashboard%3Fsite%3Ddemo-store";
    let (status, _, page) = request(addr, "POST", path, form, b"password=wrong");
    assert_eq!(status, 401);
    assert!(page.contains(r#"id="wrong" role="alert">Wrong password."#), "the page says what went wrong");
    let (status, head, _) = request(addr, "POST", path, form, b"password=marketing-team-password");
    assert_eq!(status, 303);
    assert_eq!(header(&head, "location"), Some("/dashboard?site=demo-store"));
    let cookie = header(&head, "set-cookie").unwrap().split(';').next().unwrap().to_string();
    assert_eq!(request(addr, "GET", "/dashboard?site=demo-store", &format!("Cookie: {cookie}\r\n"), b"").0, 200);
    // Never onward to another site.
    let (_, head, _) = request(addr, "POST", "/login?next=%2F%2Fevil.example", form, b"password=marketing-team-password");
    assert_eq!(header(&head, "location"), Some("/dashboard"));
}

/// Two people editing the same live version: the second publish, made to a version that is no
/// longer live, is refused with `412` and the live version, instead of undoing the first.
#[test]
fn a_change_made_to_an_older_version_is_refused_with_412() {
    let server = start_sqlite();
    let addr = &server.addr;
    let put_if = |body: &str, tag: &str| {
        request(addr, "PUT", &format!("/api/sites/{SITE}/config"), &format!("If-Match: {tag}\r\n"), body.as_bytes())
    };
    assert_eq!(put_if(&config("First:"), "*").0, 412, "If-Match: * needs a live version");
    let (_, _, body) = put(addr, &config("First:"), "?author=mika");
    let v1 = json(&body).get("etag").and_then(Value::as_str).unwrap().to_string();

    // Both start from version 1; one publishes.
    let (status, _, body) = put_if(&config("Mika's:"), &v1);
    assert_eq!(status, 201, "{body}");
    let v2 = json(&body).get("etag").and_then(Value::as_str).unwrap().to_string();
    // The other's change, made to version 1, is refused; version 2 stays live.
    let (status, _, body) = put_if(&config("Kenji's:"), &v1);
    assert_eq!(status, 412, "{body}");
    let refused = json(&body);
    assert_eq!(refused.get("code").and_then(Value::as_str), Some("SHOPCUE_CONFLICT"));
    assert_eq!(refused.get("live").and_then(|l| l.get("version")).and_then(Value::as_f64), Some(2.0));
    assert!(refused.get("error").and_then(Value::as_str).unwrap().starts_with("version 2 is live now (by admin)"), "{body}");
    assert_eq!(live_title(addr), "Mika's: {{item.name}}");
    // A weak tag never matches (strong comparison); the live one, or `*`, does.
    assert_eq!(put_if(&config("Kenji's:"), &format!("W/{v2}")).0, 412);
    assert_eq!(put_if(&config("Kenji's:"), &format!("\"v9-0\", {v2}")).0, 201);
    assert_eq!(put_if(&config("Anyone's:"), "*").0, 201);
    assert_eq!(live_title(addr), "Anyone's: {{item.name}}");
    // A rollback made to a version no longer live, likewise; to the live one, it goes through.
    let rollback = |tag: &str| {
        request(addr, "POST", &format!("/api/sites/{SITE}/config/rollback?version=1"), &format!("If-Match: {tag}\r\n"), b"")
    };
    assert_eq!(rollback(&v2).0, 412);
    assert_eq!(live_title(addr), "Anyone's: {{item.name}}");
    assert_eq!(rollback("\"v4-x\"").0, 201);
    assert_eq!(live_title(addr), "First: {{item.name}}");
    let (_, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/audit"), "", b"");
    let refusals =
        json(&body).as_array().unwrap().iter().filter(|e| e.get("action").and_then(Value::as_str) == Some("refused")).count();
    assert_eq!(refusals, 4, "each refusal is in the audit log: {body}");
}

/// The precondition is checked in the publishing transaction itself: a change made to version 1
/// that reaches the store after version 2 went live (another publish between the handler's check
/// and its write) stores nothing — on SQLite and on PostgreSQL.
fn publish_is_refused_in_the_transaction_once_its_base_is_gone(store: &dyn ConfigStore) {
    let v = |based_on, text: &str| NewVersion {
        site: SITE.into(),
        now: 1,
        author: "a".into(),
        note: String::new(),
        action: "publish",
        source_version: None,
        raw: text.into(),
        runtime: text.into(),
        based_on,
    };
    let number = |p: Published| match p {
        Published::New(v) => v.version,
        other => panic!("not published: {other:?}"),
    };
    assert_eq!(number(store.publish(&v(None, "{}"), "a").unwrap()), 1);
    assert_eq!(number(store.publish(&v(Some(1), "{\"a\":1}"), "a").unwrap()), 2);
    assert_eq!(store.publish(&v(Some(1), "{\"a\":2}"), "a").unwrap(), Published::Conflict, "version 1 is no longer live");
    // What is live already is told apart in the same transaction: two identical publishes that
    // both passed the handler make one version, not two.
    match store.publish(&v(None, "{\"a\":1}"), "a").unwrap() {
        Published::Unchanged(live) => assert_eq!(live.version, 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(number(store.publish(&v(None, "{}"), "a").unwrap()), 3, "what an older version held is new again");
    assert_eq!(store.versions(SITE).unwrap().len(), 3);
    assert_eq!(store.audit(SITE).unwrap().len(), 3, "nothing of the refused or unchanged ones stored");
}

#[test]
fn the_base_version_is_checked_in_the_transaction_on_sqlite() {
    let dir = common::temp_dir("publish-based-on");
    publish_is_refused_in_the_transaction_once_its_base_is_gone(
        &shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap(),
    );
}

#[test]
fn the_base_version_is_checked_in_the_transaction_on_postgresql() {
    let pg = Postgres::start();
    publish_is_refused_in_the_transaction_once_its_base_is_gone(&PgStore::open(&pg.url).unwrap());
}

/// `GET /api/sites`: the sites with a published config and the sites heard from, on either store.
fn sites_are_listed_from_configs_and_events(addr: &str) {
    let names = |body: &str| -> Vec<(String, Option<f64>, bool)> {
        json(body)
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let site = s.get("site").and_then(Value::as_str).unwrap().to_string();
                (site, s.get("live_version").and_then(Value::as_f64), s.get("events") == Some(&Value::Bool(true)))
            })
            .collect()
    };
    let (status, _, body) = request(addr, "GET", "/api/sites", "", b"");
    assert_eq!((status, body.as_str()), (200, "[]"), "a new collector knows no site");
    assert_eq!(put(addr, &config("Hello"), "").0, 201);
    assert_eq!(put(addr, &config("Again"), "").0, 201);
    for site in ["zz-shop", "demo", "a-shop"] {
        let batch = common::report_batch().replace(r#""site":"demo""#, &format!(r#""site":"{site}""#));
        assert_eq!(request(addr, "POST", "/collect", "", batch.as_bytes()).0, 200);
    }
    let (status, _, body) = request(addr, "GET", "/api/sites", "", b"");
    assert_eq!(status, 200, "{body}");
    let heard = |site: &str| (site.to_string(), None, true);
    assert_eq!(names(&body), [heard("a-shop"), heard("demo"), (SITE.to_string(), Some(2.0), false), heard("zz-shop")], "{body}");
    assert!(json(&body).as_array().unwrap()[2].get("published_at").and_then(Value::as_f64).unwrap() > 1.7e12, "{body}");
}

#[test]
fn sites_are_listed_on_sqlite() {
    sites_are_listed_from_configs_and_events(&start_sqlite().addr);
}

#[test]
fn sites_are_listed_on_postgresql() {
    let pg = Postgres::start();
    sites_are_listed_from_configs_and_events(&start_with(Arc::new(PgStore::open(&pg.url).unwrap())));
}

/// A preview's `page`: the latest `page_view` of the site with an absolute URL on the origin most
/// of its page views came from, its query and fragment replaced by the preview's. Before any,
/// `/` on a collector that serves a store's files (`serves_files`), else `null`.
fn preview_opens_the_latest_page_of_the_site(addr: &str, serves_files: bool) {
    let page = |addr: &str| {
        let (status, _, body) = request(addr, "POST", &format!("/api/sites/{SITE}/preview"), "", config("Draft:").as_bytes());
        assert_eq!(status, 201, "{body}");
        let reply = json(&body);
        let query = reply.get("query").and_then(Value::as_str).unwrap().to_string();
        (reply.get("page").cloned().unwrap(), query)
    };
    let (before, query) = page(addr);
    let expected = if serves_files { Value::String(format!("/?{query}")) } else { Value::Null };
    assert_eq!(before, expected, "no page of the site seen yet");
    let now = common::now_ms();
    let view = |id: &str, site: &str, name: &str, url: &str, ago: i64| {
        let event = common::ev_at(url, id, name, "v", now - ago, "{}");
        let batch = format!(r#"{{"v":1,"site":"{site}","events":[{event}]}}"#);
        assert_eq!(request(addr, "POST", "/collect", "", batch.as_bytes()).0, 200, "{batch}");
    };
    view("a", SITE, "page_view", "https://shop.example/", 50_000);
    view("b", SITE, "page_view", "https://shop.example/items/a?utm_source=mail#top", 40_000);
    view("c", SITE, "page_view", "/relative-only", 30_000); // not a page to open
    view("d", SITE, "add_to_cart", "https://shop.example/cart", 20_000); // not a page view
    view("e", "other-shop", "page_view", "https://other.example/", 10_000);
    // Anyone may post to /collect: the latest page view of the site, from an origin fewer of its
    // page views came from, is not the store.
    view("f", SITE, "page_view", "https://phish.example/login", 5_000);
    let (page, query) = page(addr);
    assert_eq!(page.as_str(), Some(format!("https://shop.example/items/a?{query}").as_str()));
}

#[test]
fn preview_opens_the_latest_page_on_sqlite() {
    preview_opens_the_latest_page_of_the_site(&start_sqlite().addr, true);
}

#[test]
fn preview_opens_the_latest_page_on_postgresql() {
    let pg = Postgres::start();
    preview_opens_the_latest_page_of_the_site(&start_with(Arc::new(PgStore::open(&pg.url).unwrap())), false);
}

/// A browser sent to `/login` on a collector without an admin password gets a page that says how
/// the dashboard opens there (it once got a bare JSON 404); anything else still gets JSON.
#[test]
fn login_without_a_password_says_how_the_dashboard_opens() {
    let browser = "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n";
    let shown = |page: &str, id: &str| page.contains(&format!("id=\"{id}\">"));

    let open = start_sqlite();
    let (status, head, page) = request(&open.addr, "GET", "/login", browser, b"");
    assert_eq!(status, 404);
    assert!(header(&head, "content-type").unwrap().starts_with("text/html"));
    assert!(page.contains("nothing to sign in to") && page.contains(r#"<a href="/dashboard">"#), "{page}");
    assert!(shown(&page, "none") && shown(&page, "this-machine") && !shown(&page, "token"), "{page}");
    assert!(page.contains("<form hidden "), "no password field to fill in: {page}");
    let (status, head, body) = request(&open.addr, "GET", "/login", "", b"");
    assert_eq!((status, header(&head, "content-type")), (404, Some("application/json")));
    assert!(body.contains("no admin password is configured"), "{body}");

    let dir = common::temp_dir("publish-login-token");
    let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap();
    let mut app = App::new(Arc::new(store), Vec::new(), Vec::new());
    app.admin_token = Some(Arc::new("a-long-enough-admin-token-0123456789".into()));
    let addr = &common::serve(app);
    let (status, _, page) = request(addr, "GET", "/login", browser, b"");
    assert_eq!(status, 404);
    assert!(shown(&page, "token") && !shown(&page, "this-machine"), "{page}");
}

/// `GET …/reach`: the paths a site's visitors reached in the last 30 days, the most viewed
/// first, and how often a goal was reached — the page views a page goal matches, the events of a
/// name; another site's views and another event are not counted, and a goal that is neither a
/// page's path nor an event's name is refused.
fn goals_reached_are_counted_for_the_studio(addr: &str) {
    let now = common::now_ms();
    let view = |id: usize, name: &str, url: &str| {
        common::ev_at(url, &format!("p{id}"), name, &format!("v{id}"), now - common::DAY, "{}")
    };
    let mut events = Vec::new();
    let pages = [
        ("https://s.example/", 5),
        ("https://s.example/contact/thanks?x=1", 2),
        ("https://s.example/contact/thanks/", 1),
        ("https://s.example/contact", 3),
    ];
    for (url, n) in pages {
        for _ in 0..n {
            events.push(view(events.len(), "page_view", url));
        }
    }
    events.push(view(events.len(), "view_item", "https://s.example/contact/thanks")); // not a page view
    let batch = format!(r#"{{"site":"{SITE}","events":[{}]}}"#, events.join(","));
    assert_eq!(request(addr, "POST", "/collect", "", batch.as_bytes()).0, 200);
    let other = format!(r#"{{"site":"other","events":[{}]}}"#, view(99, "page_view", "https://o.example/contact/thanks"));
    assert_eq!(request(addr, "POST", "/collect", "", other.as_bytes()).0, 200);
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/reach?goal=%2Fcontact%2Fthanks%2F"), "", b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"days":30,"pages":[{"path":"/","views":5},{"path":"/contact","views":3},{"path":"/contact/thanks","views":3}],"goal":{"path":"/contact/thanks","views":3}}"#
    );
    let typo = request(addr, "GET", &format!("/api/sites/{SITE}/reach?goal=/contact/thnks"), "", b"").2;
    assert!(typo.ends_with(r#""goal":{"path":"/contact/thnks","views":0}}"#), "{typo}");
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/reach?goal=/*"), "", b"");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("every page matches this path"), "{body}");
    // An event's name: how many such events arrived (the one view_item), and none for an event
    // the site never sends.
    let ask = |goal: &str| request(addr, "GET", &format!("/api/sites/{SITE}/reach?goal={goal}"), "", b"").2;
    assert!(ask("view_item").ends_with(r#""goal":{"event":"view_item","count":1}}"#), "{}", ask("view_item"));
    assert!(ask("newsletter_signup").ends_with(r#""goal":{"event":"newsletter_signup","count":0}}"#));
    assert!(ask("purchase").ends_with(r#""goal":{"event":"purchase","count":0}}"#));
    let (status, _, body) = request(addr, "GET", &format!("/api/sites/{SITE}/reach?goal=page_view"), "", b"");
    assert_eq!(status, 400, "{body}");
}

#[test]
fn goals_reached_are_counted_on_sqlite() {
    goals_reached_are_counted_for_the_studio(&start_sqlite().addr);
}

#[test]
fn goals_reached_are_counted_on_postgresql() {
    let pg = Postgres::start();
    goals_reached_are_counted_for_the_studio(&start_with(Arc::new(PgStore::open(&pg.url).unwrap())));
}
