//! Text that more than one layer writes for people and JSON: a path as printable text, an
//! error with its causes. It lives at the bottom so that `discover` and `store` word their
//! notes and problems exactly as the cli words everything else (the cli re-exports these
//! from `cli::output` and `cli::exit`).

/// An error and its causes on one line each: `msg\n  caused by: cause`.
pub fn chain(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !out.contains(&cause) {
            out.push_str("\n  caused by: ");
            out.push_str(&cause);
        }
    }
    out
}

/// A path as text for JSON and messages: paths need not be UTF-8, JSON strings must be.
pub fn path_text(p: &std::path::Path) -> String {
    super::cert::printable(&p.to_string_lossy())
}

/// An optional path as JSON text or `null`.
pub fn opt_path_text(p: Option<&std::path::Path>) -> serde_json::Value {
    p.map_or(serde_json::Value::Null, |p| {
        serde_json::Value::String(path_text(p))
    })
}
