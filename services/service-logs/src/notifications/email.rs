//! E-mail deliveries through the SMTP relay of `SMTP_URL`: the log's summary as the subject, a plain-text body
//! and an HTML one, whose description is rendered from Markdown and then sanitised (no scripts, no event
//! handlers, no foreign elements: `ammonia`'s allow-list), with a link to the log: its API path, made absolute by
//! `NOTIFICATION_LINK_BASE_URL` when set (an e-mail client cannot follow a bare path).
//!
//! `SMTP_URL`: `smtps://[user:pass@]host[:465]` (TLS from the start), `smtp://[user:pass@]host[:587]` (STARTTLS,
//! required), `smtp://host:25?tls=none` (plain, development and tests only). `?from=<address>` sets the sender
//! (default `service-logs@localhost`).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::store::rows::LogRow;
use crate::wire::log_href;

/// A configured relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Put before a log's path to make its link (`NOTIFICATION_LINK_BASE_URL`, no trailing `/`).
    link_base: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The relay of `smtp_url` (see the module's note); a message the operator can act on when it is wrong.
    pub fn from_url(
        smtp_url: &str,
        timeout: Duration,
        link_base: Option<&str>,
    ) -> Result<Self, String> {
        let mut url =
            url::Url::parse(smtp_url).map_err(|e| format!("SMTP_URL is not a URL: {e}"))?;
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let from = pairs
            .iter()
            .find(|(k, _)| k == "from")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "service-logs@localhost".to_owned());
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("SMTP_URL's from '{from}' is not an address: {e}"))?;
        let tls = pairs
            .iter()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.as_str());
        // lettre reads `smtp://` without `tls` as plain text: ours requires STARTTLS unless told `tls=none`.
        let tls = match (url.scheme(), tls) {
            ("smtp", None | Some("required")) => Some("required"),
            ("smtp", Some("none")) => None,
            ("smtp", Some(other)) => {
                return Err(format!("SMTP_URL's tls '{other}': use required or none"));
            }
            ("smtps", _) => None,
            (scheme, _) => return Err(format!("SMTP_URL's scheme '{scheme}': use smtp or smtps")),
        };
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            if let Some(t) = tls {
                q.append_pair("tls", t);
            }
        }
        let text = url.as_str().trim_end_matches('?').to_owned();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&text)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from,
            link_base: link_base.unwrap_or("").trim_end_matches('/').to_owned(),
        })
    }

    /// Where the message sends its reader: the log's path, after the link base when one is set.
    fn link(&self, log: &LogRow) -> String {
        format!("{}{}", self.link_base, log_href(&log.id))
    }

    /// Sends the notice of `log` to `to`; the relay's refusal or the connection's failure as text.
    pub async fn send(&self, log: &LogRow, to: &[String]) -> Result<(), String> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(subject(log));
        for address in to {
            let mailbox: Mailbox = address
                .parse()
                .map_err(|e| format!("'{address}' is not an address: {e}"))?;
            message = message.to(mailbox);
        }
        let link = self.link(log);
        let message = message
            .multipart(MultiPart::alternative_plain_html(
                text_body(log, &link),
                html_body(log, &link),
            ))
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP relay: {e}"))
    }
}

fn subject(log: &LogRow) -> String {
    // A header holds one line.
    log.summary.replace(['\r', '\n'], " ")
}

fn cluster(log: &LogRow) -> &str {
    if log.cluster_uuid.is_empty() {
        &log.cluster_id
    } else {
        &log.cluster_uuid
    }
}

/// The plain-text body: the description as written (Markdown reads well as text), then the facts.
pub fn text_body(log: &LogRow, link: &str) -> String {
    format!(
        "{}\n\n{}\n\nSeverity: {}\nService: {}\nCluster: {}\nLog: {}\n",
        log.summary,
        log.description,
        log.severity,
        log.service_name,
        cluster(log),
        link
    )
}

/// The HTML body: the summary escaped, the description rendered from Markdown and sanitised, the facts escaped.
pub fn html_body(log: &LogRow, link: &str) -> String {
    let mut rendered = String::new();
    pulldown_cmark::html::push_html(&mut rendered, pulldown_cmark::Parser::new(&log.description));
    let description = ammonia::clean(&rendered);
    let e = escape;
    format!(
        "<html><body><h2>{}</h2>{description}<p>Severity: {}<br>Service: {}<br>Cluster: {}<br>Log: {}</p></body></html>",
        e(&log.summary),
        e(&log.severity),
        e(&log.service_name),
        e(cluster(log)),
        if link.starts_with('/') {
            e(link)
        } else {
            format!("<a href=\"{0}\">{0}</a>", e(link))
        }
    )
}

/// Text as HTML character data or an attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(description: &str) -> LogRow {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        LogRow {
            id: "2bK".into(),
            cluster_uuid: "c-1".into(),
            cluster_id: String::new(),
            subscription_id: String::new(),
            account_id: String::new(),
            severity: "Error".into(),
            service_name: "s".into(),
            summary: "Disk <full>".into(),
            description: description.into(),
            internal_only: false,
            log_type: String::new(),
            doc_references: vec![],
            event_stream_id: String::new(),
            timestamp: now,
            username: String::new(),
            created_at: now,
            created_by: String::new(),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
        }
    }

    #[test]
    fn the_link_is_absolute_with_a_link_base() {
        let t = Duration::from_secs(1);
        let l = log("d");
        let m = Mailer::from_url(
            "smtp://relay?tls=none",
            t,
            Some("https://console.example.com/"),
        )
        .unwrap();
        let link = m.link(&l);
        assert_eq!(
            link,
            format!(
                "https://console.example.com/api/service_logs/v1/cluster_logs/{}",
                l.id
            )
        );
        assert!(text_body(&l, &link).contains(&format!("Log: {link}\n")));
        assert!(html_body(&l, &link).contains(&format!("Log: <a href=\"{link}\">{link}</a>")));
        let bare = Mailer::from_url("smtp://relay?tls=none", t, None).unwrap();
        assert_eq!(bare.link(&l), log_href(&l.id));
    }

    #[test]
    fn html_is_rendered_and_sanitised() {
        let l = log(
            "**Act** now: [docs](https://docs.example.com)\n\n<script>alert(1)</script><img src=x onerror=alert(2)>",
        );
        let html = html_body(&l, &log_href(&l.id));
        assert!(html.contains("<strong>Act</strong>"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://docs.example.com\" rel=\"noopener noreferrer\">docs</a>"
            ),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<h2>Disk &lt;full&gt;</h2>"), "{html}");
        assert!(
            html.contains("Log: /api/service_logs/v1/cluster_logs/2bK"),
            "{html}"
        );
    }

    #[test]
    fn urls() {
        let t = Duration::from_secs(1);
        assert!(
            Mailer::from_url("smtp://relay.example.com:587?from=ops@example.com", t, None).is_ok()
        );
        assert!(Mailer::from_url("smtps://u:p@relay.example.com", t, None).is_ok());
        assert!(Mailer::from_url("smtp://127.0.0.1:2525?tls=none", t, None).is_ok());
        assert_eq!(
            Mailer::from_url("http://relay", t, None).err().as_deref(),
            Some("SMTP_URL's scheme 'http': use smtp or smtps")
        );
        assert_eq!(
            Mailer::from_url("smtp://relay?tls=maybe", t, None)
                .err()
                .as_deref(),
            Some("SMTP_URL's tls 'maybe': use required or none")
        );
        assert!(Mailer::from_url("smtp://relay?from=nope", t, None).is_err());
    }
}
