//! `/healthz`, `/readyz` and `/metrics`, served without authentication.

use actix_web::{HttpResponse, web};
use serde_json::json;
use std::time::Duration;

use crate::db::{DbPool, ping};
use crate::metrics::Metrics;

/// Registers the three operational endpoints. Expects `web::Data<DbPool>` and `web::Data<Metrics>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// A reason the service is ready but degraded (still 200 on `/readyz`, with a body that says so). A service that can
/// degrade registers one as app data and sets it from its background work.
#[derive(Debug, Default)]
pub struct Degradation(std::sync::RwLock<Option<String>>);

impl Degradation {
    pub fn set(&self, reason: Option<String>) {
        if let Ok(mut g) = self.0.write() {
            *g = reason;
        }
    }
    pub fn get(&self) -> Option<String> {
        self.0.read().ok().and_then(|g| g.clone())
    }
}

async fn readyz(
    pool: web::Data<DbPool>,
    degradation: Option<web::Data<Degradation>>,
) -> HttpResponse {
    match ping(&pool, Duration::from_secs(2)).await {
        Ok(()) => match degradation.and_then(|d| d.get()) {
            Some(reason) => HttpResponse::Ok()
                .json(json!({"status": "degraded", "database": "ok", "reason": reason})),
            None => HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})),
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            let mut res = HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "database": "unreachable"}));
            // The readiness body is the answer, not an error for the middleware to re-render.
            res.extensions_mut().insert(errors::RenderedError);
            res
        }
    }
}

async fn metrics(metrics: web::Data<Metrics>, pool: web::Data<DbPool>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(Some(&pool)))
}
