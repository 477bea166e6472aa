#!/usr/bin/env python3
"""Writes the Grafana dashboards of both charts (deploy/helm/<chart>/dashboards/<chart>.json).

The JSON is generated so that both dashboards share one layout and one set of variables ($namespace, $job);
run it after changing a panel and commit the output. `make prometheus-check` fails when the committed files
differ from what this script writes, and the Prometheus end-to-end test checks that every series they name
exists with the labels they use.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEL = 'job="$job",namespace="$namespace"'


def panel(pid, title, exprs, unit, x, y, w=12, h=8, legend=None):
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": e, "legendFormat": l}
            for i, (e, l) in enumerate(exprs)
        ],
    }


def http_panels():
    return [
        panel(1, "Requests by route and status",
              [(f'sum by (route, status) (rate(http_requests_total{{{SEL}}}[5m]))', "{{route}} {{status}}")],
              "reqps", 0, 0),
        panel(2, "5xx ratio",
              [(f'sum(rate(http_requests_total{{{SEL},status=~"5.."}}[5m])) / sum(rate(http_requests_total{{{SEL}}}[5m]))', "5xx")],
              "percentunit", 12, 0),
        panel(3, "Latency by route (p50, p99)",
              [(f'histogram_quantile(0.5, sum by (le, route) (rate(http_request_duration_seconds_bucket{{{SEL}}}[5m])))', "p50 {{route}}"),
               (f'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{{{SEL}}}[5m])))', "p99 {{route}}")],
              "s", 0, 8),
        panel(4, "Database pool",
              [(f'sum by (instance) (db_pool_connections{{{SEL}}})', "connections {{instance}}"),
               (f'sum by (instance) (db_pool_available{{{SEL}}})', "idle {{instance}}"),
               (f'sum by (instance) (db_pool_waiting{{{SEL}}})', "waiting {{instance}}"),
               (f'max by (instance) (db_pool_max_size{{{SEL}}})', "max {{instance}}")],
              "short", 12, 8),
    ]


def outbox_panels():
    return [
        panel(5, "Audit outbox depth",
              [(f'max(audit_outbox_pending{{{SEL}}})', "pending"),
               (f'max(audit_outbox_parked{{{SEL}}})', "parked")],
              "short", 0, 16),
        panel(6, "Oldest pending audit event",
              [(f'max(audit_outbox_oldest_pending_age_seconds{{{SEL}}})', "age")],
              "s", 12, 16),
        panel(7, "Audit deliveries by outcome",
              [(f'sum by (outcome) (rate(audit_deliveries_total{{{SEL}}}[5m]))', "{{outcome}}")],
              "ops", 0, 24),
        panel(8, "Audit delivery lag (p50, p99)",
              [(f'histogram_quantile(0.5, sum by (le) (rate(audit_delivery_lag_seconds_bucket{{{SEL}}}[5m])))', "p50"),
               (f'histogram_quantile(0.99, sum by (le) (rate(audit_delivery_lag_seconds_bucket{{{SEL}}}[5m])))', "p99")],
              "s", 12, 24),
    ]


def notification_panels():
    return [
        panel(9, "Notifications by outcome and action type",
              [(f'sum by (type) (rate(notifications_queued_total{{{SEL}}}[5m]))', "queued {{type}}"),
               (f'sum by (type) (rate(notifications_sent_total{{{SEL}}}[5m]))', "sent {{type}}"),
               (f'sum by (type) (rate(notifications_retried_total{{{SEL}}}[5m]))', "retried {{type}}"),
               (f'sum by (type) (rate(notifications_given_up_total{{{SEL}}}[5m]))', "given up {{type}}")],
              "ops", 0, 16),
        panel(10, "Notifications pending, and the oldest",
              [(f'max(notifications_pending{{{SEL}}})', "pending"),
               (f'max(notifications_oldest_pending_age_seconds{{{SEL}}})', "oldest (s)")],
              "short", 12, 16),
    ]


def dashboard(chart, title, panels):
    var = lambda name, query: {
        "name": name, "label": name, "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": name}, "definition": query,
        "refresh": 2, "includeAll": False, "multi": False, "current": {},
    }
    return {
        "uid": chart,
        "title": title,
        "tags": ["logs", chart],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "datasource", "type": "datasource", "query": "prometheus", "current": {}},
            var("namespace", 'label_values(http_requests_total, namespace)'),
            var("job", 'label_values(http_requests_total{namespace="$namespace"}, job)'),
        ]},
        "panels": panels,
    }


def main() -> int:
    out = {
        "service-logs": dashboard("service-logs", "service-logs", http_panels() + notification_panels()),
        "logs-router": dashboard("logs-router", "logs-router", http_panels() + outbox_panels()),
    }
    check = "--check" in sys.argv
    stale = 0
    for chart, doc in out.items():
        path = ROOT / "deploy" / "helm" / chart / "dashboards" / f"{chart}.json"
        text = json.dumps(doc, indent=2) + "\n"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run python3 deploy/prometheus/make-dashboards.py", file=sys.stderr)
                stale += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
