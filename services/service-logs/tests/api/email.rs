//! E-mail actions through a real SMTP server: Python's aiosmtpd, started by the test (`pip install aiosmtpd`;
//! `.ci/run` installs it).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use std::io::{BufRead, BufReader};

use crate::common::*;
use crate::triggers::{owner_token, post_trigger};

/// An aiosmtpd process printing every message it receives; killed when dropped.
struct SmtpServer {
    port: u16,
    output: Arc<Mutex<String>>,
    child: std::process::Child,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new("python3")
            .args([
                "-u",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let output = Arc::new(Mutex::new(String::new()));
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut o = sink.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        });
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self {
                    port,
                    output,
                    child,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    fn messages(&self) -> Vec<String> {
        let out = self.output.lock().unwrap().clone();
        out.split("---------- MESSAGE FOLLOWS ----------")
            .skip(1)
            .filter_map(|m| m.split("------------ END MESSAGE ------------").next())
            .map(|m| m.replace("=\n", "").replace("=3D", "="))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_the_smtp_relay_rendered_safely() {
    let smtp = SmtpServer::start().await;
    let url = format!(
        "smtp://127.0.0.1:{}?tls=none&from=notices@example.com",
        smtp.port
    );
    let app =
        spawn_with(|s| s.notifications.smtp_url = Some(platform::settings::Secret::new(url))).await;
    let token = owner_token("acc-1");
    let r = post_trigger(
        &app,
        &token,
        json!({"name": "mail", "actions": [{"type": "email", "to": ["ops@example.com", "oncall@example.com"]}]}),
    )
    .await;
    r.expect(201);
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    let log = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&sre),
            Some(json!({"cluster_uuid": "c-1", "account_id": "acc-1", "severity": "Error", "service_name": "s",
                        "summary": "Disk full on c-1", "description": "**Act** now.\n\n<script>alert(1)</script>"})),
        )
        .await;
    log.expect(201);
    let id = log.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        if !smtp.messages().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    for expected in [
        "From: notices@example.com",
        "To: ops@example.com, oncall@example.com",
        "Subject: Disk full on c-1",
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
        "**Act** now.",
        "Severity: Error",
        &format!("Log: /api/service_logs/v1/cluster_logs/{id}"),
        "<h2>Disk full on c-1</h2><p><strong>Act</strong> now.</p>",
    ] {
        assert!(m.contains(expected), "{expected:?} not in:\n{m}");
    }
    let html = m.split("Content-Type: text/html").nth(1).unwrap();
    assert!(!html.contains("<script"), "{m}");
    // Completed and recorded.
    let mut conn = app.db.connect().await;
    for _ in 0..100 {
        let rows = service_logs::store::notifications::rows_for_log(&mut conn, &id)
            .await
            .unwrap();
        if rows[0].outcome.as_deref() == Some("completed") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the e-mail delivery was not recorded as completed");
}
