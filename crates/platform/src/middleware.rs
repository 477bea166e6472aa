//! The request-context middleware: every request gets a correlation id (generated, or the client's where the
//! API allows it), runs inside [`errors::context::scope`] so error bodies and handlers read it (the one place the
//! id is kept: `errors::context::request_id()`), answers with it in a header,
//! is counted in the metrics and logged in one line. Error responses that actix produced itself (bad JSON,
//! unknown route, wrong method, body too large) are re-rendered in the API's own error dialect.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use std::time::{Duration, Instant};

use crate::guard;
use crate::metrics::Metrics;
use crate::server::Draining;

/// How long a request body may take to arrive, whole: a slow sender (a byte every few seconds) cannot hold a
/// connection and a worker's attention for longer. At 1 MiB, the largest body accepted, this still allows
/// 100 KiB/s.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// Longest request target (path and query) answered: 414 above, in the API's error body. Room for the longest
/// search (4,096 characters, percent-encoded as 3 bytes each) and the other parameters. From 64 KiB on, actix
/// cannot parse the target at all and answers 400 itself, with an empty body.
pub const MAX_URL_BYTES: usize = 32 * 1024;
/// Most header bytes (names and values) answered: 431 above, in the API's error body (same actix limit).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

pub use crate::dialect::{Dialect, ForeignError};

pub async fn request_context<D: Dialect>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let (id, early) = match D::request_id(&req) {
        Ok(id) => (id, None),
        Err(e) => (uuid::Uuid::new_v4().to_string(), Some(e)),
    };
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let draining = req
        .app_data::<web::Data<Draining>>()
        .is_some_and(|d| d.is_draining());

    let mut res = errors::context::scope(id.clone(), async move {
        let mut req = req;
        if let Some(e) = early {
            return Ok::<_, Error>(req.into_response(D::render(&e)));
        }
        if let Some(refusal) = oversized::<D>(&req) {
            return Ok(req.into_response(refusal));
        }
        let found = match guard::in_head(&req) {
            Some(found) => Some(found),
            None => match read_body::<D>(&mut req).await {
                Ok(found) => found,
                Err(mut timed_out) => {
                    timed_out
                        .head_mut()
                        .set_connection_type(ConnectionType::Close);
                    return Ok(req.into_response(timed_out));
                }
            },
        };
        if let Some(found) = found
            && let Some(refusal) = D::unstorable(&req, found)
        {
            return Ok(req.into_response(refusal));
        }
        // Handlers and extractors turn their errors into responses; an `Err` here comes from an inner
        // middleware and is rendered by actix (the request cannot be kept: cloning it before routing breaks actix).
        let res = next.call(req).await?.map_into_boxed_body();
        let status = res.status();
        if status.as_u16() >= 400
            && res
                .response()
                .extensions()
                .get::<errors::RenderedError>()
                .is_none()
        {
            let detail = res
                .response()
                .error()
                .map(ToString::to_string)
                .unwrap_or_default();
            let foreign = ForeignError {
                status,
                detail,
                header: None,
            };
            let (req, _) = res.into_parts();
            return Ok(ServiceResponse::new(req, D::render(&foreign)));
        }
        Ok(res)
    })
    .await?;

    if draining {
        // Shutting down: this connection ends after this answer, so the client opens its next request elsewhere
        // instead of sending it into a closing socket.
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(D::REQUEST_ID_HEADER), value);
    }
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    if let Some(m) = metrics {
        m.observe_request(&route, &method, status, elapsed.as_secs_f64());
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(correlation_id = %id, %method, %path, %route, status, latency_ms, "request");
    } else {
        tracing::info!(correlation_id = %id, %method, %path, %route, status, latency_ms, "request");
    }
    Ok(res)
}

/// The 414 or 431 for a request head over [`MAX_URL_BYTES`] or [`MAX_HEADER_BYTES`].
fn oversized<D: Dialect>(req: &ServiceRequest) -> Option<HttpResponse> {
    let url = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    let (status, detail) = if url > MAX_URL_BYTES {
        (
            StatusCode::URI_TOO_LONG,
            format!("The request URL is longer than {MAX_URL_BYTES} bytes"),
        )
    } else if headers > MAX_HEADER_BYTES {
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("The request headers are larger than {MAX_HEADER_BYTES} bytes"),
        )
    } else {
        return None;
    };
    let mut res = D::render(&ForeignError::new(status, detail));
    res.head_mut().set_connection_type(ConnectionType::Close);
    Some(res)
}

/// Reads a request body of at most the dialect's limit for it ([`Dialect::body_limit`]) into memory, within [`BODY_DEADLINE`], and puts it
/// back for the handler; returns where it holds text PostgreSQL cannot store. A body announced or found larger
/// is handed on unread (the extractor answers 413). `Err` is the 408 for a body that did not arrive in time.
async fn read_body<D: Dialect>(
    req: &mut ServiceRequest,
) -> Result<Option<guard::Unstorable>, HttpResponse> {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    let limit = D::body_limit(req);
    match length {
        Some(n) if n > u64::try_from(limit).unwrap_or(u64::MAX) => return Ok(None),
        Some(0) if !chunked => return Ok(None),
        None if !chunked => return Ok(None),
        _ => {}
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    let deadline = tokio::time::Instant::now() + BODY_DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, payload.next()).await {
            Err(_) => {
                return Err(D::render(&ForeignError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "The request body did not arrive within {} seconds",
                        BODY_DEADLINE.as_secs()
                    ),
                )));
            }
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => {
                body.extend_from_slice(&chunk);
                if body.len() > limit {
                    // Too large: the extractor reads on, counts and answers 413.
                    req.set_payload(replay(body.freeze(), payload, None));
                    return Ok(None);
                }
            }
            Ok(Some(Err(e))) => {
                req.set_payload(replay(body.freeze(), payload, Some(e)));
                return Ok(None);
            }
        }
    }
    let body = body.freeze();
    let found = guard::in_json(&body);
    req.set_payload(Payload::from(body));
    Ok(found)
}

/// A payload that yields `read` again, then `error` or the rest of `rest`.
fn replay(read: Bytes, rest: Payload, error: Option<PayloadError>) -> Payload {
    let head = futures_util::stream::once(async move { Ok::<_, PayloadError>(read) });
    let tail: futures_util::stream::LocalBoxStream<'static, Result<Bytes, PayloadError>> =
        match error {
            Some(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
            None => Box::pin(rest),
        };
    Payload::Stream {
        payload: Box::pin(head.chain(tail)),
    }
}
