//! Static files for the demo: `--static` directories searched in order, first match wins.
//! Paths are resolved safely (no `..`, no absolute paths), directories serve `index.html`.
//!
//! Precompressed siblings are served to clients that accept them, as nginx's `brotli_static` /
//! `gzip_static` do: `shopcue_bg.wasm.br` (or `.gz`, both written by `scripts/dist.sh`) for
//! `shopcue_bg.wasm`, with `Content-Encoding` and `Vary: Accept-Encoding`. Every response
//! carries an `ETag` (length and modification time of what is sent) and is revalidated
//! (`Cache-Control: no-cache`, the widget's own files in the background: [`cache_control`]); a
//! matching `If-None-Match` gets `304 Not Modified` without the file being read, so a returning
//! shopper's page view costs no widget download. Files are
//! streamed, never read whole; a symlink that leads out of its root is not followed.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::{is_read, App};

/// Content type by file extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path onto `root`, refusing anything that could escape it.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in Path::new(url_path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Content codings with a precompressed sibling file, best first: (coding, file suffix).
const CODINGS: [(&str, &str); 2] = [("br", "br"), ("gzip", "gz")];

/// Whether an `Accept-Encoding` header value accepts `coding` (`q=0` refuses it; `*` accepts
/// what is not named).
pub fn accepts(header: &str, coding: &str) -> bool {
    let mut star = false;
    for entry in header.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        if name.eq_ignore_ascii_case(coding) {
            return !refused;
        }
        star |= name == "*" && !refused;
    }
    star
}

/// Whether `If-None-Match` names `etag` (or is `*`), by the weak comparison HTTP asks for
/// there: `W/"v2"` names `"v2"` (a proxy that compresses a response weakens its ETag).
pub(crate) fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*")
}

/// A request header's text ("" when missing or not text).
fn header_text(req: &Request, name: header::HeaderName) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// A URL path with its `%XX` escapes decoded; `None` when they do not decode to UTF-8.
pub fn percent_decode(path: &str) -> Option<String> {
    String::from_utf8(percent_decode_bytes(path)).ok()
}

/// The bytes of `text` with its `%XX` escapes decoded (a `%` not followed by two hex digits
/// stays as it is).
pub fn percent_decode_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// How a browser may reuse its copy of `file`. The widget's own files (`shopcue.js`, its wasm
/// and the compiler module) are used from the browser's cache at once on every page, which asks
/// the server again in the background (`stale-while-revalidate`, for a day): the shopper's page
/// no longer waits a round trip for a `304` before the script runs. The loader starts only a
/// script and a wasm of one build, so a cache that holds one file of a release and a newer one of
/// the other costs that page its messages, never a mismatched pair (`pkg-config/loader.js`).
/// Everything else must be asked for again each time (`no-cache`, answered `304` while unchanged).
pub fn cache_control(file: &Path) -> &'static str {
    match file.file_name().and_then(|n| n.to_str()) {
        Some("shopcue.js" | "shopcue_bg.wasm" | "shopcue_compile.wasm") => "max-age=300, stale-while-revalidate=86400",
        _ => "no-cache",
    }
}

/// Whether `file`, with every symlink followed, is still inside `root`.
async fn inside(root: &Path, file: &Path) -> bool {
    match (tokio::fs::canonicalize(root).await, tokio::fs::canonicalize(file).await) {
        (Ok(root), Ok(file)) => file.starts_with(root),
        _ => false,
    }
}

/// The fallback handler.
pub async fn serve(State(app): State<App>, req: Request) -> Response {
    if !is_read(req.method()) {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
    }
    // Decoded before it is resolved: `%2e%2e/` is `../`, and refused like it.
    let Some(path) = percent_decode(req.uri().path()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if path.contains('\\') || path.contains('\0') {
        return StatusCode::BAD_REQUEST.into_response();
    }
    // Owned copies: the request (its body is not `Sync`) is not held across the awaits below.
    let (accept_encoding, if_none_match) = (header_text(&req, header::ACCEPT_ENCODING), header_text(&req, header::IF_NONE_MATCH));
    let origin = req.headers().get(header::ORIGIN).cloned();
    // Only the root's fallback asks, so a file's request does not pay for reading Accept.
    let browser_at_root =
        path == "/" && req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    drop(req);
    for root in app.statics.iter() {
        let Some(mut file) = resolve(root, &path) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let Ok(mut meta) = tokio::fs::metadata(&file).await else { continue };
        if meta.is_dir() {
            file.push("index.html");
            let Ok(index) = tokio::fs::metadata(&file).await else { continue };
            meta = index;
        }
        // The representation to send: a precompressed sibling the client accepts, or the file.
        let mut chosen = (None, file.clone(), meta);
        for (coding, suffix) in CODINGS.into_iter().filter(|(c, _)| accepts(&accept_encoding, c)) {
            let mut sibling = file.clone().into_os_string();
            sibling.push(".");
            sibling.push(suffix);
            if let Ok(m) = tokio::fs::metadata(&sibling).await {
                chosen = (Some(coding), sibling.into(), m);
                break;
            }
        }
        let (coding, source, meta) = chosen;
        if !inside(root, &source).await {
            continue; // a symlink out of the root is not served
        }
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
        let etag =
            format!("\"{:x}-{:x}{}\"", meta.len(), modified.as_millis(), coding.map_or(String::new(), |c| format!("-{c}")));
        let mut response = if matches(&if_none_match, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            // Streamed in 64 KiB reads: a slow reader holds one buffer, not the whole file.
            let Ok(opened) = tokio::fs::File::open(&source).await else { continue };
            let stream = tokio_util::io::ReaderStream::with_capacity(opened, 64 * 1024);
            let mut r = axum::body::Body::from_stream(stream).into_response();
            if let Ok(v) = HeaderValue::from_str(&meta.len().to_string()) {
                r.headers_mut().insert(header::CONTENT_LENGTH, v);
            }
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
            if let Some(c) = coding {
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
            }
            r
        };
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control(&file)));
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        return crate::cors(&app, origin.as_ref(), response);
    }
    if path.starts_with("/api/") {
        // A client of the API reads JSON, also when it asks for a route that is not there.
        return crate::error_reply(
            StatusCode::NOT_FOUND,
            &format!("no such API route: {path} (see the README's \"Publishing configs\")"),
        );
    }
    if browser_at_root {
        // No store's index here (a collector started without --static, or with the widget
        // only): say what this server is and where its pages are, not "not found".
        return crate::login_page(StatusCode::OK, &["home"], true);
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widgets_own_files_are_cached_and_the_rest_revalidated() {
        for widget in ["/srv/dist/shopcue/shopcue.js", "/srv/dist/shopcue/shopcue_bg.wasm", "/srv/shopcue_compile.wasm"] {
            assert_eq!(cache_control(Path::new(widget)), "max-age=300, stale-while-revalidate=86400", "{widget}");
        }
        for other in ["/srv/www/index.html", "/srv/www/store.js", "/srv/www/shopcue/config.json", "/srv/shopcue.js.map"] {
            assert_eq!(cache_control(Path::new(other)), "no-cache", "{other}");
        }
    }

    #[test]
    fn never_escapes_the_root() {
        let root = Path::new("/srv/www");
        assert_eq!(resolve(root, "/a/b.html"), Some(PathBuf::from("/srv/www/a/b.html")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/../../x"), None);
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(percent_decode("/%E3%83%AA%E3%83%8D%E3%83%B3.html").as_deref(), Some("/リネン.html"));
        assert_eq!(percent_decode("/%2e%2e/etc/passwd").as_deref().and_then(|p| resolve(root, p)), None);
        assert_eq!(percent_decode("/%ff"), None);
        assert_eq!(percent_decode("/100%").as_deref(), Some("/100%"));
    }

    #[test]
    fn reads_accept_encoding_with_quality_values() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("GZIP;q=0.5", "gzip"));
        assert!(!accepts("gzip;q=0, br", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(accepts("*", "br"));
        assert!(!accepts("*, br;q=0", "br"));
        assert!(!accepts("identity", "gzip"));
        assert!(matches("\"a\", W/\"b\"", "\"b\""));
        assert!(matches("*", "\"x\""));
        assert!(!matches("\"a\"", "\"b\""));
    }
}
