//! Answering a list request: JSON page with totals, or CSV streamed row by row.

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use bytes::Bytes;
use errors::ocm::OcmError;
use futures_util::StreamExt;
use platform::db::DbPool;
use tokio::sync::mpsc;

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

/// Streams the page as CSV. A task holds the connection and reads rows as PostgreSQL sends them; a bounded
/// channel carries encoded chunks to the response, so memory stays flat however many rows there are, and a client
/// that stops reading stops the query.
async fn csv_stream(
    pool: &DbPool,
    visibility: Visibility,
    clusters: ClusterScope,
    query: ListQuery,
) -> Result<HttpResponse, OcmError> {
    // Take the connection before answering, so an exhausted pool is a 503 rather than a broken download.
    let mut conn = store::conn(pool).await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let columns = wire::csv_columns(query.fields.as_deref());
    let header = encode(&[columns.iter().map(|f| f.name().to_owned()).collect()]);
    actix_web::rt::spawn(async move {
        let cond = Conditions {
            visibility: &visibility,
            clusters: &clusters,
            query: &query,
        };
        let mut rows = match store::logs::stream(&mut conn, &cond).await {
            Ok(rows) => Box::pin(rows),
            Err(e) => {
                tracing::error!(error = %e, "CSV export query failed");
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                return;
            }
        };
        if tx.send(Ok(header)).await.is_err() {
            return;
        }
        let mut batch = Vec::with_capacity(CSV_ROWS_PER_CHUNK);
        while let Some(row) = rows.next().await {
            match row {
                Ok(row) => batch.push(wire::csv_record(&row, &columns)),
                Err(e) => {
                    tracing::error!(error = %e, "CSV export row failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
            if batch.len() == CSV_ROWS_PER_CHUNK
                && tx
                    .send(Ok(encode(&std::mem::take(&mut batch))))
                    .await
                    .is_err()
            {
                return; // the client went away
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(Ok(encode(&batch))).await;
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
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
