//! Answering a list request: a JSON page with its total, or CSV, streamed row by row either way.

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use bytes::Bytes;
use errors::ocm::OcmError;
use futures_util::StreamExt;
use platform::db::DbPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::fields::Field;
use crate::listing::{ClusterScope, DEFAULT_SIZE, Format, ListQuery, Visibility};
use crate::store::rows::LogRow;
use crate::store::{self, StoreError, logs::Conditions};
use crate::wire::{self, ClusterLog, ClusterLogList};

/// Rows per CSV chunk sent to the client.
const CSV_ROWS_PER_CHUNK: usize = 256;

/// JSON items are sent in chunks of about this many bytes.
const JSON_CHUNK_BYTES: usize = 64 * 1024;

pub async fn respond(
    pool: &DbPool,
    visibility: Visibility,
    clusters: ClusterScope,
    query: ListQuery,
) -> Result<HttpResponse, OcmError> {
    if query.format == Format::Json && query.size == 0 {
        return count_only(pool, &visibility, &clusters, &query).await;
    }
    stream(pool, visibility, clusters, query).await
}

/// `size=0`: only the total.
async fn count_only(
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
    let total = store::logs::total(&mut conn, &cond).await?;
    Ok(HttpResponse::Ok().json(ClusterLogList {
        kind: wire::LIST_KIND,
        page: query.page,
        size: 0,
        total,
        items: Vec::new(),
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

/// How a page is written: CSV records or JSON items, chunk by chunk.
enum Writer {
    Csv(Vec<Field>),
    Json {
        fields: Option<Vec<Field>>,
        page: i64,
    },
}

impl Writer {
    fn for_query(query: &ListQuery) -> Self {
        match query.format {
            Format::Csv => Writer::Csv(wire::csv_columns(query.fields.as_deref())),
            Format::Json => Writer::Json {
                fields: query.fields.clone(),
                page: query.page,
            },
        }
    }

    /// What comes before the rows. JSON puts `size` last: it is the number of items, known once they are sent.
    fn head(&self, total: Option<i64>) -> Bytes {
        match self {
            Writer::Csv(columns) => {
                encode(&[columns.iter().map(|f| f.name().to_owned()).collect()])
            }
            Writer::Json { page, .. } => Bytes::from(format!(
                "{{\"kind\":\"{}\",\"page\":{page},\"total\":{},\"items\":[",
                wire::LIST_KIND,
                total.unwrap_or_default()
            )),
        }
    }

    /// Whether the chunk is full enough to send.
    fn full(&self, rows: usize, bytes: usize) -> bool {
        match self {
            Writer::Csv(_) => rows >= CSV_ROWS_PER_CHUNK,
            Writer::Json { .. } => bytes >= JSON_CHUNK_BYTES,
        }
    }

    fn row(&self, row: LogRow, index: usize, out: &mut Vec<u8>) -> Result<(), Stop> {
        match self {
            Writer::Csv(columns) => {
                out.extend_from_slice(&encode(&[wire::csv_record(&row, columns)]));
            }
            Writer::Json { fields, .. } => {
                if index > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, &ClusterLog::from_row(row, fields.as_deref()))
                    .map_err(|_| Stop::Abort("a log could not be written as JSON"))?;
            }
        }
        Ok(())
    }

    fn tail(&self, rows: usize) -> Option<Bytes> {
        match self {
            Writer::Csv(_) => None,
            Writer::Json { .. } => Some(Bytes::from(format!("],\"size\":{rows}}}"))),
        }
    }
}

/// Streams the page, as CSV or JSON. A task holds the connection and reads rows as PostgreSQL sends them; a
/// bounded channel carries encoded chunks to the response, so memory stays flat however many rows there are
/// and however large each is, and a client that stops reading stops the query. Exports (CSV, and JSON pages of
/// more than the default size) take turns ([`export_turns`]), and a stalled client is dropped after
/// [`EXPORT_WRITE_TIMEOUT`], so readers that do not read cannot exhaust the pool. The response starts only once
/// the query runs: an exhausted pool or a failed query is still an error answer, not a broken download.
async fn stream(
    pool: &DbPool,
    visibility: Visibility,
    clusters: ClusterScope,
    query: ListQuery,
) -> Result<HttpResponse, OcmError> {
    let turn = if query.format == Format::Csv || query.size > DEFAULT_SIZE {
        let turn = tokio::time::timeout(EXPORT_WAIT, export_turns(pool).acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| OcmError::unavailable("every export turn is taken"))?;
        Some(turn)
    } else {
        None
    };
    let conn = store::conn(pool).await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let (started_tx, started_rx) = oneshot::channel::<Result<(), StoreError>>();
    let aborted = Arc::new(AtomicBool::new(false));
    let flag = aborted.clone();
    let format = query.format;
    actix_web::rt::spawn(async move {
        let writer = Writer::for_query(&query);
        let export = async {
            let cond = Conditions {
                visibility: &visibility,
                clusters: &clusters,
                query: &query,
            };
            let mut lent = store::logs::Lent::new(&conn);
            let with_total = format == Format::Json;
            let (total, rows) = match store::logs::page(&mut lent, &cond, with_total).await {
                Ok(started) => {
                    let _ = started_tx.send(Ok(()));
                    started
                }
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return Err(Stop::Gone);
                }
            };
            let mut rows = Box::pin(rows);
            send(&tx, writer.head(total)).await?;
            let (mut sent, mut in_chunk, mut chunk) = (0usize, 0usize, Vec::new());
            while let Some(row) = rows.next().await {
                let row = row.map_err(|e| {
                    tracing::error!(error = %e, "reading a list's rows failed");
                    Stop::Abort("reading the list's rows failed")
                })?;
                writer.row(row, sent, &mut chunk)?;
                sent += 1;
                in_chunk += 1;
                if writer.full(in_chunk, chunk.len()) {
                    send(&tx, Bytes::from(std::mem::take(&mut chunk))).await?;
                    in_chunk = 0;
                }
            }
            if let Some(tail) = writer.tail(sent) {
                chunk.extend_from_slice(&tail);
            }
            if !chunk.is_empty() {
                send(&tx, Bytes::from(chunk)).await?;
            }
            Ok(())
        };
        let outcome = tokio::time::timeout(EXPORT_DEADLINE, export)
            .await
            .unwrap_or(Err(Stop::Abort("the list ran past its deadline")));
        if let Err(Stop::Abort(reason)) = outcome {
            tracing::warn!(reason, "streamed list cut off");
            flag.store(true, Ordering::Release);
        }
        // The connection and the turn are given back here, whatever the client does next.
        drop((conn, turn));
    });
    started_rx
        .await
        .map_err(|_| OcmError::internal("the list's task ended before its query ran"))??;
    let body = futures_util::stream::unfold((rx, aborted), |(mut rx, aborted)| async move {
        match rx.recv().await {
            Some(item) => Some((item, (rx, aborted))),
            // Once: the error ends the response without its last chunk.
            None if aborted.swap(false, Ordering::AcqRel) => Some((
                Err(std::io::Error::other("streamed list cut off")),
                (rx, aborted),
            )),
            None => None,
        }
    });
    Ok(match format {
        Format::Json => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/json"))
            .streaming(body),
        Format::Csv => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                CONTENT_DISPOSITION,
                "attachment; filename=\"cluster_logs.csv\"",
            ))
            .streaming(body),
    })
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
