//! Answering a list request: JSON page with totals, or CSV streamed row by row.

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use bytes::Bytes;
use errors::ocm::OcmError;
use futures_util::StreamExt;
use platform::db::DbPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

use crate::listing::{ClusterScope, Format, ListQuery, Visibility};
use crate::store::{self, logs::Conditions};
use crate::wire::{self, ClusterLog, ClusterLogList};

/// Rows per CSV chunk sent to the client.
const CSV_ROWS_PER_CHUNK: usize = 256;

pub async fn respond(
    pool: &DbPool,
    visibility: Visibility,
    clusters: ClusterScope,
    query: ListQuery,
) -> Result<HttpResponse, OcmError> {
    match query.format {
        Format::Json => json_page(pool, &visibility, &clusters, &query).await,
        Format::Csv => csv_stream(pool, visibility, clusters, query).await,
    }
}

async fn json_page(
    pool: &DbPool,
    visibility: &Visibility,
    clusters: &ClusterScope,
    query: &ListQuery,
) -> Result<HttpResponse, OcmError> {
    let cond = Conditions {
        visibility,
        clusters,
        query,
    };
    let mut conn = store::conn(pool).await?;
    let (total, rows) = store::logs::list(&mut conn, &cond).await?;
    drop(conn);
    let items: Vec<ClusterLog> = rows
        .into_iter()
        .map(|r| ClusterLog::from_row(r, query.fields.as_deref()))
        .collect();
    Ok(HttpResponse::Ok().json(ClusterLogList {
        kind: wire::LIST_KIND,
        page: query.page,
        size: i64::try_from(items.len()).unwrap_or(i64::MAX),
        total,
        items,
    }))
}

/// At most this share of the pool serves CSV exports at once (at least one connection): an export holds its
/// connection while it waits on the client, so slow or stalled readers must never be able to take them all.
const EXPORT_POOL_DIVISOR: usize = 4;
/// How long an export waits for its turn before answering 503.
const EXPORT_WAIT: Duration = Duration::from_secs(3);
/// A client that accepts no chunk for this long is dropped (a write timeout).
const EXPORT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// No export runs longer than this (65,500 rows take a few seconds for a client that reads).
const EXPORT_DEADLINE: Duration = Duration::from_secs(600);

/// The exports' turns, sized from the pool on first use (one pool per process).
fn export_turns(pool: &DbPool) -> Arc<Semaphore> {
    static TURNS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    TURNS
        .get_or_init(|| {
            Arc::new(Semaphore::new(
                (pool.status().max_size / EXPORT_POOL_DIVISOR).max(1),
            ))
        })
        .clone()
}

/// Why an export stopped before its last row.
enum Stop {
    /// The client went away: nothing to tell it.
    Gone,
    /// The client stalled, the deadline passed, or the database failed: the response is cut off, so the client
    /// sees a broken download rather than a short file that looks whole.
    Abort(&'static str),
}

async fn send(tx: &mpsc::Sender<Result<Bytes, std::io::Error>>, chunk: Bytes) -> Result<(), Stop> {
    match tokio::time::timeout(EXPORT_WRITE_TIMEOUT, tx.send(Ok(chunk))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Stop::Gone),
        Err(_) => Err(Stop::Abort(
            "the client accepted no data within the write timeout",
        )),
    }
}

/// Streams the page as CSV. A task holds the connection and reads rows as PostgreSQL sends them; a bounded
/// channel carries encoded chunks to the response, so memory stays flat however many rows there are, and a client
/// that stops reading stops the query. Exports take turns ([`export_turns`]), and a stalled client is dropped
/// after [`EXPORT_WRITE_TIMEOUT`], so readers that do not read cannot exhaust the pool.
async fn csv_stream(
    pool: &DbPool,
    visibility: Visibility,
    clusters: ClusterScope,
    query: ListQuery,
) -> Result<HttpResponse, OcmError> {
    let turn = tokio::time::timeout(EXPORT_WAIT, export_turns(pool).acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| OcmError::unavailable("every CSV export turn is taken"))?;
    // Take the connection before answering, so an exhausted pool is a 503 rather than a broken download.
    let mut conn = store::conn(pool).await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let aborted = Arc::new(AtomicBool::new(false));
    let columns = wire::csv_columns(query.fields.as_deref());
    let header = encode(&[columns.iter().map(|f| f.name().to_owned()).collect()]);
    let flag = aborted.clone();
    actix_web::rt::spawn(async move {
        let export = async {
            let cond = Conditions {
                visibility: &visibility,
                clusters: &clusters,
                query: &query,
            };
            let mut rows = match store::logs::stream(&mut conn, &cond).await {
                Ok(rows) => Box::pin(rows),
                Err(e) => {
                    tracing::error!(error = %e, "CSV export query failed");
                    return Err(Stop::Abort("the export query failed"));
                }
            };
            send(&tx, header).await?;
            let mut batch = Vec::with_capacity(CSV_ROWS_PER_CHUNK);
            while let Some(row) = rows.next().await {
                match row {
                    Ok(row) => batch.push(wire::csv_record(&row, &columns)),
                    Err(e) => {
                        tracing::error!(error = %e, "CSV export row failed");
                        return Err(Stop::Abort("reading the export's rows failed"));
                    }
                }
                if batch.len() == CSV_ROWS_PER_CHUNK {
                    send(&tx, encode(&std::mem::take(&mut batch))).await?;
                }
            }
            if !batch.is_empty() {
                send(&tx, encode(&batch)).await?;
            }
            Ok(())
        };
        let outcome = tokio::time::timeout(EXPORT_DEADLINE, export)
            .await
            .unwrap_or(Err(Stop::Abort("the export ran past its deadline")));
        if let Err(Stop::Abort(reason)) = outcome {
            tracing::warn!(reason, "CSV export cut off");
            flag.store(true, Ordering::Release);
        }
        // The connection and the turn are given back here, whatever the client does next.
        drop((conn, turn));
    });
    let body = futures_util::stream::unfold((rx, aborted), |(mut rx, aborted)| async move {
        match rx.recv().await {
            Some(item) => Some((item, (rx, aborted))),
            // Once: the error ends the response without its last chunk.
            None if aborted.swap(false, Ordering::AcqRel) => Some((
                Err(std::io::Error::other("CSV export cut off")),
                (rx, aborted),
            )),
            None => None,
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            "attachment; filename=\"cluster_logs.csv\"",
        ))
        .streaming(body))
}

fn encode(records: &[Vec<String>]) -> Bytes {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        // Writing to a Vec cannot fail except on a broken record shape, which our columns rule out.
        if let Err(e) = w.write_record(r) {
            tracing::error!(error = %e, "CSV encoding failed");
        }
    }
    Bytes::from(w.into_inner().unwrap_or_default())
}
