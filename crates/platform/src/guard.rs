//! The text guard at each service's boundary: what PostgreSQL's `text` and `jsonb` cannot hold (the NUL
//! character, `\u0000` in JSON, `%00` in a URL) is found here, in the path, the query, the headers and the JSON
//! body, before any handler runs, so no store call can fail on content. The request middleware asks the dialect
//! what to do with a finding ([`crate::dialect::Dialect::unstorable`]): answer 400 at once, or mark the request
//! ([`Unstorable`] in its extensions) for a handler that must refuse it itself (the router, which audits every
//! refusal).

use actix_web::dev::ServiceRequest;
use serde_json::Value;
use std::fmt;

/// Where a request carries text PostgreSQL cannot store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unstorable {
    /// In the URL path (a path parameter).
    Path,
    /// In the query parameter of this name (or its name).
    Query(String),
    /// In the header of this name.
    Header(String),
    /// In the JSON body, at this path (`targets[1].name`; a key's own path when the key holds it; `` for the
    /// whole body).
    Body(String),
}

impl fmt::Display for Unstorable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path => f.write_str("The path contains a NUL character, which cannot be stored"),
            Self::Query(name) => write!(
                f,
                "Query parameter '{name}' contains a NUL character, which cannot be stored"
            ),
            Self::Header(name) => write!(
                f,
                "Header '{name}' contains a NUL character, which cannot be stored"
            ),
            Self::Body(path) if path.is_empty() => {
                f.write_str("The body contains a NUL character, which cannot be stored")
            }
            Self::Body(path) => write!(
                f,
                "Field '{path}' contains a NUL character (\\u0000), which cannot be stored"
            ),
        }
    }
}

/// The first place in the request line or headers holding a NUL.
pub fn in_head(req: &ServiceRequest) -> Option<Unstorable> {
    if has_encoded_nul(req.path()) {
        return Some(Unstorable::Path);
    }
    for pair in req.query_string().split('&') {
        if has_encoded_nul(pair) {
            let name = pair.split_once('=').map_or(pair, |(k, _)| k);
            return Some(Unstorable::Query(decode_lossy(name)));
        }
    }
    req.headers()
        .iter()
        .find(|(_, v)| v.as_bytes().contains(&0))
        .map(|(k, _)| Unstorable::Header(k.as_str().to_owned()))
}

/// `%00` anywhere in URL text (any case: `0` has no case, so only the digits matter).
fn has_encoded_nul(text: &str) -> bool {
    text.contains("%00") || text.contains('\0')
}

/// Percent-decodes a query parameter name for messages; what does not decode to UTF-8 is replaced.
fn decode_lossy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
            _ => None,
        };
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).replace('\0', "\\u0000")
}

/// Where a JSON body holds a NUL: a cheap scan for the `\u0000` escape first (raw control characters are not
/// JSON, the parser refuses those), then, only when one is there, a parse to name the field. `None` also when the
/// body is not JSON at all: the handler refuses that in its own words.
pub fn in_json(body: &[u8]) -> Option<Unstorable> {
    if !has_escaped_nul(body) {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let mut path = String::new();
    find_nul(&value, &mut path).then_some(Unstorable::Body(path))
}

/// Where an already parsed JSON value holds a NUL (for a handler that refuses the parts of a marked request one by
/// one).
pub fn in_value(value: &Value) -> Option<Unstorable> {
    let mut path = String::new();
    find_nul(value, &mut path).then_some(Unstorable::Body(path))
}

/// Whether JSON text holds the escape `\u0000` (not an escaped backslash followed by `u0000`).
fn has_escaped_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(b"0000".as_slice())
            {
                return true;
            }
            i += 2; // the escaped character, whatever it is, is not the start of an escape
        } else {
            i += 1;
        }
    }
    false
}

/// Depth-first: leaves in `path` the path of the first string or key holding a NUL.
fn find_nul(value: &Value, path: &mut String) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = find_nul(v, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        Value::Object(map) => map.iter().any(|(k, v)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&k.replace('\0', "\\u0000"));
            let found = k.contains('\0') || find_nul(v, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_the_field_holding_a_nul() {
        let at = |body: &str| in_json(body.as_bytes());
        assert_eq!(
            at(r#"{"summary":"a\u0000b"}"#),
            Some(Unstorable::Body("summary".into()))
        );
        assert_eq!(
            at(r#"{"targets":[{"name":"x"},{"parameters":{"host":"\u0000"}}]}"#),
            Some(Unstorable::Body("targets[1].parameters.host".into()))
        );
        assert_eq!(
            at(r#"{"doc_references":["ok","\u0000"]}"#),
            Some(Unstorable::Body("doc_references[1]".into()))
        );
        assert_eq!(
            at(r#"{"parameters":{"a\u0000":1}}"#),
            Some(Unstorable::Body("parameters.a\\u0000".into()))
        );
        assert_eq!(at(r#""\u0000""#), Some(Unstorable::Body(String::new())));
        // An escaped backslash before "u0000" is text, not a NUL; other escapes are fine.
        assert_eq!(at(r#"{"summary":"a\\u0000b"}"#), None);
        assert_eq!(at(r#"{"summary":"\u0001\n\\"}"#), None);
        // Not JSON: the handler answers that.
        assert_eq!(at(r#"{"summary":"\u0000"#), None);
    }

    #[test]
    fn query_names_are_decoded_for_the_message() {
        assert_eq!(decode_lossy("na%6De+x"), "name x");
        assert_eq!(decode_lossy("a%00"), "a\\u0000");
        assert_eq!(decode_lossy("bad%zz"), "bad%zz");
    }
}
