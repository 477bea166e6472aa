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
use logs_router::audit::cadf::{
    AuditEvent, CredentialKind, EventTarget, Host, Initiator, Observer, Reason, RequestData,
    ResponseData,
};
use logs_router::store::outbox;
use logs_router::store::rows::{NewOutboxEvent, OutboxRow};

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

/// The admin event recording that `row` was requeued: in its account, about its target and tenant. A stored event
/// that does not read as an audit event (it was written by a router of another version) still gets one, about an
/// unknown target.
fn admin_event(row: &OutboxRow, initiator: &str, reason: &str, region: &str) -> NewOutboxEvent {
    let event_id = Uuid::new_v4();
    let original = serde_json::from_value::<AuditEvent>(row.event.clone()).ok();
    let action = original
        .as_ref()
        .map_or("unknown action", |e| e.action.as_str());
    let event = AuditEvent {
        id: event_id.to_string(),
        event_time: domain::timefmt::format_utc(time::OffsetDateTime::now_utc()),
        action: REQUEUE_ACTION.into(),
        outcome: "success".into(),
        message: format!(
            "Logs Routing: requeue audit event {} ({action})",
            row.event_id
        ),
        severity: "warning".into(),
        correlation_id: original
            .as_ref()
            .map(|e| e.correlation_id.clone())
            .unwrap_or_default(),
        data_event: false,
        observer: Observer {
            name: "ActivityTracker".into(),
        },
        initiator: Initiator {
            id: initiator.into(),
            name: initiator.into(),
            type_uri: "service/security/account/operator".into(),
            credential: CredentialKind {
                kind: "database".into(),
            },
            host: Host {
                address: String::new(),
            },
        },
        target: original.as_ref().map_or_else(
            || EventTarget {
                id: String::new(),
                name: String::new(),
                type_uri: String::new(),
            },
            |e| e.target.clone(),
        ),
        reason: Reason {
            reason_code: 200,
            reason_type: "OK".into(),
            reason_for_failure: None,
        },
        request_data: RequestData {
            region: region.into(),
            tenant_id: original.and_then(|e| e.request_data.tenant_id),
            event_id: Some(row.event_id.to_string()),
            last_error: Some(row.last_error.clone()),
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
            ..RequestData::default()
        },
        response_data: ResponseData::default(),
    };
    NewOutboxEvent {
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
