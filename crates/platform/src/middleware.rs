//! The request-context middleware: every request gets a correlation id (generated, or the client's where the
//! API allows it), runs inside [`errors::context::scope`] so error bodies and handlers read it (the one place the
//! id is kept: `errors::context::request_id()`), answers with it in a header,
//! is counted in the metrics and logged in one line. Error responses that actix produced itself (bad JSON,
//! unknown route, wrong method, body too large) are re-rendered in the API's own error dialect.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use std::time::Instant;

use crate::metrics::Metrics;

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

    let mut res = errors::context::scope(id.clone(), async move {
        if let Some(e) = early {
            return Ok::<_, Error>(req.into_response(D::render(&e)));
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
