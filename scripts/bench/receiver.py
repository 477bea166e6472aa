#!/usr/bin/env python3
"""Webhook receiver for the notify part of `make bench` (scripts/bench/notify.sh).

Usage: receiver.py <host:port> <output file>

Answers every POST with 200 and an empty body, and appends one line per delivery to the output file:

    <path> <arrival, Unix seconds> <data.created_at of the body, Unix seconds> <webhook-id> <webhook-timestamp>

(created_at -1 when the body holds none). The arrival is taken when the request's headers have been read, before
the body is parsed. GET /ready answers 200 (the bench waits for it). It checks no signature: the tests do that
(services/service-logs/tests), the bench only times the deliveries. Stops on SIGTERM or SIGINT.
"""

import datetime
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def epoch(text):
    """An RFC 3339 date-time (any number of fraction digits, `Z` or an offset) as Unix seconds; -1 if unreadable."""
    if not isinstance(text, str):
        return -1.0
    t = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # fromisoformat takes at most 6 fraction digits.
    head, dot, rest = t.partition(".")
    if dot:
        n = 0
        while n < len(rest) and rest[n].isdigit():
            n += 1
        digits, zone = rest[:n], rest[n:]
        t = head + "." + (digits[:6].ljust(6, "0")) + zone
    try:
        return datetime.datetime.fromisoformat(t).timestamp()
    except ValueError:
        return -1.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    out = None
    lock = threading.Lock()

    def log_message(self, *args):  # no line per request on stderr
        pass

    def _answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self._answer(200 if self.path == "/ready" else 404)

    def do_POST(self):
        arrival = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        created = -1.0
        try:
            created = epoch(json.loads(body)["data"]["created_at"])
        except (ValueError, KeyError, TypeError):
            pass
        line = "%s %.6f %.6f %s %s\n" % (
            self.path.split("?")[0] or "/",
            arrival,
            created,
            self.headers.get("webhook-id") or "-",
            self.headers.get("webhook-timestamp") or "-",
        )
        with Handler.lock:
            Handler.out.write(line)
            Handler.out.flush()
        self._answer(200)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: receiver.py <host:port> <output file>")
    host, _, port = sys.argv[1].rpartition(":")
    Handler.out = open(sys.argv[2], "a", encoding="ascii")
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    Handler.out.close()


if __name__ == "__main__":
    main()
