//! `shopcue-collector config check|compile`, run as a user runs it: the real binary, real files,
//! standard input, exit codes and what it prints.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopcue-collector"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start shopcue-collector");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default().as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn demo_config() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/shopcue/config.json").to_string()
}

const BAD: &str = r#"{"version": 1, "site": "s", "colour": 1,
  "scenarios": [{"id": "a", "preset": "nope"}, {"id": "b", "message": {"title": "t", "cta": {"label": "Go", "url": "javascript:go()"}}}]}"#;

#[test]
fn check_says_ok_with_the_number_of_scenarios() {
    let out = run(&["config", "check", &demo_config()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("config.json: ok (3 scenarios)\n"), "{}", text(&out.stdout));
}

#[test]
fn check_lists_every_problem_with_its_path_and_exits_1() {
    let out = run(&["config", "check", "-"], Some(BAD));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("-: invalid config (3 problems)\n"), "{err}");
    for path in ["$.colour: unknown field", "$.scenarios[0].preset: unknown preset \"nope\"", "$.scenarios[1].message.cta.url: "]
    {
        assert!(err.contains(&format!("\n  {path}")), "{path} in {err}");
    }
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn compile_prints_the_runtime_config_that_check_and_the_collector_accept() {
    let out = run(&["config", "compile", &demo_config()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let runtime = shopcue::json::parse(text(&out.stdout).trim_end()).expect("JSON on stdout");
    assert!(shopcue::config::is_compiled(&runtime));
    let config = shopcue::config::Config::from_value(&runtime).expect("the widget reads it");
    assert_eq!(config.scenarios.len(), 3);
    // Compiled again from standard input, it is the same text.
    let again = run(&["config", "compile", "-"], Some(&std::fs::read_to_string(demo_config()).unwrap()));
    assert_eq!(text(&again.stdout), text(&out.stdout));
}

#[test]
fn broken_json_is_located_by_line_and_column_and_compile_prints_nothing() {
    let out = run(&["config", "compile", "-"], Some("{\"version\": 1,"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "-: invalid JSON at line 1, column 15: expected a string key (the text ends here: a closing bracket or brace is missing, or the file was cut short)\n"
    );
    assert!(text(&out.stdout).is_empty());
    // A byte order mark, as Windows editors write one, is not a mistake; a trailing comma is,
    // and is named.
    let config = std::fs::read_to_string(demo_config()).unwrap();
    let saved = run(&["config", "check", "-"], Some(&format!("\u{feff}{config}")));
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved.stderr));
    let comma = run(&["config", "check", "-"], Some("{\n  \"version\": 1,\n}"));
    assert_eq!(
        text(&comma.stderr),
        "-: invalid JSON at line 3, column 1: expected a string key, found '}' (a comma with nothing after it: remove the last comma)\n"
    );
}

#[test]
fn a_command_it_cannot_run_says_why_and_exits_2() {
    let missing = run(&["config", "check", "/nonexistent/config.json"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).starts_with("shopcue-collector: cannot read /nonexistent/config.json: "));
    for args in [&["config"][..], &["config", "compile"], &["config", "frob", "x.json"]] {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("shopcue-collector config: expected `config check FILE...` or `config compile FILE`"), "{err}");
        assert!(first.ends_with(&format!("got `{}`", args.join(" "))), "{err}");
        assert!(err.contains("\nusage: shopcue-collector config check FILE..."), "then how it is used: {err}");
    }
    let help = run(&["config", "--help"], None);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).starts_with("usage: shopcue-collector config check FILE..."), "{}", text(&help.stdout));
}

/// A repository of several sites' configs is checked in one run: each file is named with its
/// problems or its scenarios, and the exit code is the worst of them.
#[test]
fn check_takes_several_files_and_exits_with_the_worst() {
    let dir = std::env::temp_dir().join(format!("shopcue-cli-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, BAD).unwrap();
    let (good, bad) = (demo_config(), bad.to_str().unwrap().to_string());
    let out = run(&["config", "check", &good, &bad], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).ends_with("config.json: ok (3 scenarios)\n"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).starts_with(&format!("{bad}: invalid config (3 problems)\n")), "{}", text(&out.stderr));
    // A file that cannot be read is the worst, and the others are still checked.
    let out = run(&["config", "check", "/nonexistent/a.json", &bad, &good], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("{bad}: invalid config")), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("config.json: ok (3 scenarios)\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The server's arguments: a `--static` directory that is not there is refused before anything
/// starts (it once served nothing from it, silently), as is an argument it does not know.
#[test]
fn the_server_refuses_a_static_directory_that_is_not_there() {
    let db = std::env::temp_dir().join(format!("shopcue-cli-{}.sqlite", std::process::id()));
    let db = db.to_str().unwrap();
    for (args, said) in [
        (
            &["--listen", "127.0.0.1:0", "--db", db, "--static", "/nonexistent/www"][..],
            "shopcue-collector: --static /nonexistent/www: no such directory",
        ),
        (&["--listen", "127.0.0.1:0", "--db", db, "--bogus"][..], "shopcue-collector: unknown argument --bogus"),
    ] {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with(said) && err.contains("usage: shopcue-collector"), "{err}");
    }
    assert!(!std::path::Path::new(db).exists(), "nothing started, not even the database");
}

#[test]
fn version_names_the_release_and_the_runtime_config_format() {
    for flag in ["--version", "-V"] {
        let out = run(&[flag], None);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), format!("shopcue-collector {} (runtime config format 3)\n", env!("CARGO_PKG_VERSION")));
    }
}

/// `simulate` writes a history and publishes the config it ran under as the version live from
/// its first day (so that a split test in it is read from then), and `./x demo` runs it so.
#[test]
fn simulate_publishes_the_config_its_history_ran_under_from_its_first_day() {
    let dir = std::env::temp_dir().join(format!("shopcue-cli-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("history.sqlite");
    let history = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo-store-history.json");
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let args = ["simulate", "--db", db.to_str().unwrap(), "--config", history, "--days", "20", "--shoppers", "50"];
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (version, author, created_at, raw): (i64, String, i64, String) = conn
        .query_row("SELECT version, author, created_at, raw FROM config_versions WHERE site = 'demo-store'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    let start = before - 20 * 86_400_000;
    assert_eq!((version, author.as_str()), (1, "simulate"));
    assert!((start..start + 60_000).contains(&created_at), "published {} ms after the history began", created_at - start);
    assert!(raw.contains("\"yen_500\""), "the history's config: {raw}");
    std::fs::remove_dir_all(&dir).ok();
}
