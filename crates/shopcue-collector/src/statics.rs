//! Static files for the demo: `--static` directories searched in order, first match wins.
//! Paths are resolved safely (no `..`, no absolute paths), directories serve `index.html`.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
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

/// The fallback handler.
pub async fn serve(State(app): State<App>, req: Request) -> Response {
    if !is_read(req.method()) {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
    }
    let path = req.uri().path();
    if path.contains('\\') || path.contains('\0') {
        return StatusCode::BAD_REQUEST.into_response();
    }
    for root in app.statics.iter() {
        let Some(mut file) = resolve(root, path) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
            file.push("index.html");
        }
        if let Ok(bytes) = tokio::fs::read(&file).await {
            return ([(header::CONTENT_TYPE, content_type(&file)), (header::CACHE_CONTROL, "no-cache")], bytes).into_response();
        }
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_escapes_the_root() {
        let root = Path::new("/srv/www");
        assert_eq!(resolve(root, "/a/b.html"), Some(PathBuf::from("/srv/www/a/b.html")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/../../x"), None);
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
    }
}
