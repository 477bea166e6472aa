//! Talking to a service under test over real HTTP: a request sent, its answer read whole into a [`Reply`].

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// An answer read whole: status, headers and body text.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// Sends `req` and reads the whole answer; a transport failure fails the test, naming the request.
    pub async fn send(req: RequestBuilder) -> Self {
        let described = req
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| {
                let url: String = r.url().as_str().chars().take(200).collect();
                format!("{} {url}", r.method())
            })
            .unwrap_or_default();
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{described}: {e}"));
        let status = res.status();
        let headers = res.headers().clone();
        let text = res
            .text()
            .await
            .unwrap_or_else(|e| panic!("{described}: reading the body: {e}"));
        Self {
            status,
            headers,
            text,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `X-Trace-ID` header (the router's request id).
    pub fn trace(&self) -> String {
        self.header("x-trace-id")
            .unwrap_or_else(|| panic!("no X-Trace-ID header ({})", self.status))
            .to_owned()
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag header ({}): {}", self.status, self.text))
            .to_owned()
    }

    /// Fails the test unless the status is `status`.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer (X-Trace-ID {:?}): {}",
            self.header("x-trace-id"),
            self.text
        );
        self
    }

    /// The JSON error body with its correlation id `field` checked against the `header` and then blanked, so a
    /// test can compare the rest exactly.
    #[track_caller]
    pub fn error_with_id(&self, header: &str, field: &str) -> Value {
        let mut body = self.json();
        let id = self
            .header(header)
            .unwrap_or_else(|| panic!("no {header} header ({}): {}", self.status, self.text))
            .to_owned();
        assert!(!id.is_empty(), "empty {header} header");
        assert_eq!(
            body[field],
            json!(id),
            "{field} differs from the {header} header: {}",
            self.text
        );
        body[field] = json!("");
        body
    }
}

/// A request to `base` + `path` with the bearer `token` when given and exactly these extra `headers`.
pub fn request(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> RequestBuilder {
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

/// A raw HTTP/1.1 exchange with the server at `base_url` (`http://host:port`), for what a client library will not
/// send (a URL or header over its limits, malformed HTTP, a body that stops): writes `head` and `body_start`, then
/// reads until the server closes or `within` has passed. Returns the answer as text and how long the wait took.
pub async fn raw_exchange(
    base_url: &str,
    head: String,
    body_start: &'static [u8],
    within: std::time::Duration,
) -> (String, std::time::Duration) {
    use std::io::{Read, Write};
    let addr = base_url.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        conn.set_read_timeout(Some(within)).unwrap();
        // A server may answer and close before it read everything: a failed write is then not an error here.
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(body_start);
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        (
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap()
}
