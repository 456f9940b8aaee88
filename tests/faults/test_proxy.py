"""The HTTP fault proxy itself: pass-through, and each fault kind does what it says (checked
against an upstream that counts what it receives)."""
from __future__ import annotations

import http.client
import http.server
import json
import socketserver
import threading
import time
import unittest

from tests.faults.proxy import FaultProxy, Rule


class _Upstream(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start_upstream():
    received: list[tuple[str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((self.headers.get("X-Amz-Target", ""), body))
            out = json.dumps({"ok": len(received)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = _Upstream(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


class FaultProxyTest(unittest.TestCase):
    def setUp(self):
        self.upstream, self.received = start_upstream()
        self.proxy = FaultProxy(f"http://127.0.0.1:{self.upstream.server_address[1]}").start()
        self.addCleanup(self.proxy.stop)
        self.addCleanup(self.upstream.server_close)
        self.addCleanup(self.upstream.shutdown)

    def call(self, target: str, body: str = "{}") -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=10)
        try:
            conn.request("POST", "/", body=body, headers={"X-Amz-Target": target,
                                                          "Content-Type": "application/x-amz-json-1.0"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def test_passes_through_without_rules(self):
        self.assertEqual(self.call("DynamoDB_20120810.Query"), (200, {"ok": 1}))
        self.assertEqual(self.received[0][0], "DynamoDB_20120810.Query")
        self.assertEqual(self.proxy.calls, {"Query": 1})

    def test_lose_applies_the_request_and_never_answers(self):
        self.proxy.set(Rule(operation="PutItem", kind="lose"))
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.call("DynamoDB_20120810.PutItem")
        self.assertEqual(len(self.received), 1)  # applied
        self.assertEqual(self.call("DynamoDB_20120810.PutItem"), (200, {"ok": 2}))  # times=1
        self.assertEqual(self.proxy.injected, ["PutItem lose"])

    def test_error_is_not_applied_and_error_after_is(self):
        self.proxy.set(Rule(operation="PutItem", kind="error", status=503, error_type="ServiceUnavailable",
                            times=2))
        status, body = self.call("DynamoDB_20120810.PutItem")
        self.assertEqual(status, 503)
        self.assertEqual(body["__type"], "com.amazonaws.dynamodb.v20120810#ServiceUnavailable")
        self.assertEqual(self.received, [])
        self.proxy.set(Rule(operation="PutItem", kind="error_after"))
        self.assertEqual(self.call("DynamoDB_20120810.PutItem")[0], 500)
        self.assertEqual(len(self.received), 1)

    def test_throttle_uses_the_services_code(self):
        self.proxy.set(Rule(operation="*", kind="throttle", times=2))
        self.assertEqual(self.call("AmazonSQS.SendMessageBatch"),
                         (400, {"__type": "com.amazonaws.sqs#RequestThrottled", "message": "injected fault"}))
        status, body = self.call("DynamoDB_20120810.BatchWriteItem")
        self.assertEqual((status, body["__type"]),
                         (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"))

    def test_skip_contains_and_span(self):
        self.proxy.set(Rule(operation="Query", contains="SEGMENT#", kind="error", skip=1, span_s=0.3))
        self.assertEqual(self.call("DynamoDB_20120810.Query", '{"k":"USER#1"}')[0], 200)  # no match
        self.assertEqual(self.call("DynamoDB_20120810.Query", '{"k":"SEGMENT#a"}')[0], 200)  # skipped
        self.assertEqual(self.call("DynamoDB_20120810.Query", '{"k":"SEGMENT#a"}')[0], 500)
        self.assertEqual(self.call("DynamoDB_20120810.Query", '{"k":"SEGMENT#a"}')[0], 500)
        deadline = time.monotonic() + 5
        while self.call("DynamoDB_20120810.Query", '{"k":"SEGMENT#a"}')[0] != 200:
            self.assertLess(time.monotonic(), deadline, "the span never ended")

    def test_slow_answers_after_the_delay(self):
        self.proxy.set(Rule(operation="Query", kind="slow", delay_s=0.4))
        started = time.monotonic()
        self.assertEqual(self.call("DynamoDB_20120810.Query")[0], 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.4)

    def test_reset_drops_the_connection_before_forwarding(self):
        self.proxy.set(Rule(operation="Query", kind="reset"))
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected)):
            self.call("DynamoDB_20120810.Query")
        self.assertEqual(self.received, [])

    def test_twice_applies_the_request_twice(self):
        self.proxy.set(Rule(operation="SendMessageBatch", kind="twice"))
        self.assertEqual(self.call("AmazonSQS.SendMessageBatch"), (200, {"ok": 2}))
        self.assertEqual(len(self.received), 2)


if __name__ == "__main__":
    unittest.main()
