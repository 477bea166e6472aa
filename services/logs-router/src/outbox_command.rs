//! `logs-router outbox`: the operator's view of the audit outbox. `list` shows undelivered events (`--parked`:
//! those service-logs refused for good); `requeue <event-id>` or `requeue --all-parked` puts parked events
//! back in the queue. A requeue is itself audited: for each event requeued, an admin event
//! (`logs-router.outbox.requeue`) is written to the outbox in the same transaction, in that event's account
//! and under the same tenant, so the account's audit trail says who sent it again and why.

use clap::{Args, Subcommand};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use logs_router::Settings;
use logs_router::store::outbox;
use logs_router::store::rows::{NewOutboxRow, OutboxRow};

/// The action name of the admin event a requeue writes.
pub const REQUEUE_ACTION: &str = "logs-router.outbox.requeue";

#[derive(Debug, Clone, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    command: OutboxCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum OutboxCommand {
    /// Print undelivered audit events, one JSON object a line, oldest first.
    List {
        /// Only the parked ones: service-logs refused them for good; they wait for `requeue`.
        #[arg(long)]
        parked: bool,
    },
    /// Put parked audit events back in the delivery queue (audited as an admin action).
    Requeue {
        /// The event id (`event_id` in `list`) of one parked event.
        #[arg(required_unless_present = "all_parked", conflicts_with = "all_parked")]
        event_id: Option<Uuid>,
        /// Every parked event.
        #[arg(long)]
        all_parked: bool,
        /// Who requeues, recorded as the admin event's initiator.
        #[arg(long, env = "USER", default_value = "operator", hide_env = true)]
        initiator: String,
        /// Why, recorded in the admin event (e.g. the ticket that fixed the cause).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// Runs the subcommand against `DATABASE_URL`; the text is what to print, the error why it failed.
pub fn run(args: &OutboxArgs, settings: &Settings) -> Result<(), String> {
    let url = settings
        .common
        .database_url
        .as_ref()
        .ok_or("DATABASE_URL is not set: the outbox is in the router's database")?
        .expose()
        .to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let mut conn = AsyncPgConnection::establish(&url)
            .await
            .map_err(|e| format!("connecting to the database: {e}"))?;
        match &args.command {
            OutboxCommand::List { parked } => list(&mut conn, *parked).await,
            OutboxCommand::Requeue {
                event_id,
                all_parked,
                initiator,
                reason,
            } => {
                let target = if *all_parked { None } else { *event_id };
                requeue(&mut conn, target, initiator, reason, &settings.region).await
            }
        }
    })
}

async fn list(conn: &mut AsyncPgConnection, parked_only: bool) -> Result<(), String> {
    let rows = outbox::undelivered(conn, parked_only)
        .await
        .map_err(|e| format!("reading the outbox: {e}"))?;
    for row in &rows {
        print_line(&summary(row).to_string())?;
    }
    eprintln!(
        "{} {} event(s)",
        rows.len(),
        if parked_only { "parked" } else { "undelivered" }
    );
    Ok(())
}

async fn requeue(
    conn: &mut AsyncPgConnection,
    event_id: Option<Uuid>,
    initiator: &str,
    reason: &str,
    region: &str,
) -> Result<(), String> {
    let rows = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let rows = outbox::requeue_parked(conn, event_id).await?;
            for row in &rows {
                outbox::insert(conn, &admin_event(row, initiator, reason, region)).await?;
            }
            Ok(rows)
        })
        .await
        .map_err(|e| format!("requeueing: {e}"))?;
    if let (Some(id), true) = (event_id, rows.is_empty()) {
        return Err(format!(
            "no parked event {id}: `logs-router outbox list --parked` shows the parked ones"
        ));
    }
    for row in &rows {
        print_line(&summary(row).to_string())?;
    }
    eprintln!("{} event(s) requeued", rows.len());
    Ok(())
}

/// One outbox row as `list` prints it.
fn summary(row: &OutboxRow) -> Value {
    let at = |t: Option<time::OffsetDateTime>| t.map(domain::timefmt::format_utc);
    json!({
        "event_id": row.event_id.to_string(),
        "account_id": row.account_id,
        "action": row.event.get("action"),
        "message": row.event.get("message"),
        "created_at": domain::timefmt::format_utc(row.created_at),
        "attempts": row.attempts,
        "next_attempt_at": domain::timefmt::format_utc(row.next_attempt_at),
        "parked_at": at(row.parked_at),
        "last_error": row.last_error,
    })
}

/// The admin event recording that `row` was requeued: in its account, about its target and tenant.
fn admin_event(row: &OutboxRow, initiator: &str, reason: &str, region: &str) -> NewOutboxRow {
    let event_id = Uuid::new_v4();
    let e = &row.event;
    let mut request = serde_json::Map::new();
    request.insert("region".into(), json!(region));
    request.insert("eventID".into(), json!(row.event_id.to_string()));
    request.insert("lastError".into(), json!(row.last_error));
    if !reason.is_empty() {
        request.insert("reason".into(), json!(reason));
    }
    if let Some(tenant) = e.pointer("/requestData/tenantID") {
        request.insert("tenantID".into(), tenant.clone());
    }
    let event = json!({
        "id": event_id.to_string(),
        "eventTime": domain::timefmt::format_utc(time::OffsetDateTime::now_utc()),
        "action": REQUEUE_ACTION,
        "outcome": "success",
        "message": format!(
            "Logs Routing: requeue audit event {} ({})",
            row.event_id,
            e.get("action").and_then(Value::as_str).unwrap_or("unknown action")
        ),
        "severity": "warning",
        "correlationId": e.get("correlationId").cloned().unwrap_or(json!("")),
        "dataEvent": false,
        "observer": {"name": "ActivityTracker"},
        "initiator": {
            "id": initiator,
            "name": initiator,
            "typeURI": "service/security/account/operator",
            "credential": {"type": "database"},
            "host": {"address": ""},
        },
        "target": e.get("target").cloned().unwrap_or(json!({})),
        "reason": {"reasonCode": 200, "reasonType": "OK"},
        "requestData": Value::Object(request),
        "responseData": {},
    });
    NewOutboxRow {
        event_id,
        account_id: row.account_id.clone(),
        event,
        traceparent: row.traceparent.clone(),
    }
}

/// Prints to stdout; a closed pipe (`| head`) is an error message, not a panic.
fn print_line(text: &str) -> Result<(), String> {
    use std::io::Write;
    writeln!(std::io::stdout(), "{text}").map_err(|e| format!("writing to stdout: {e}"))
}
