"""An operation-aware HTTP fault proxy between the deployed functions and MiniStack.

The functions' AWS calls reach it (MiniStack hands its own AWS_ENDPOINT_URL to every function
process it starts; scripts/local/up.sh sets that to DN_FUNCTIONS_ENDPOINT_URL when given), and it
forwards each call to MiniStack unchanged unless a rule matches. Rules are set per test, in
process, while the environment keeps running (no redeploy):

  Rule(operation="PutItem", kind="lose", times=1)           # applied, then no answer
  Rule(operation="BatchWriteItem", kind="throttle", span_s=20)  # throttled for 20 s
  Rule(operation="Query", contains="SEGMENT#", kind="slow", delay_s=4)

An operation is the X-Amz-Target's suffix ("PutItem", "SendMessageBatch"); `contains` narrows a
rule to requests whose body holds that text. Kinds:
  lose         forward (the request is applied), then close the connection without answering
  error_after  forward, then answer `status` with an AWS error body
  error        answer `status` with an AWS error body, do not forward
  throttle     error with HTTP 400 and the service's throttling code
  slow         wait `delay_s`, then forward
  reset        reset the connection (TCP RST), do not forward
  twice        forward twice (e.g. a SendMessage that delivers two copies), answer the second
TCP-level faults for every connection (latency, resets by chance, stalls) come from Toxiproxy in
front of this proxy (tests/faults/toxiproxy.py)."""
from __future__ import annotations

import http.client
import http.server
import json
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
              "trailer", "content-length"}


@dataclass
class Rule:
    operation: str = "*"
    kind: str = "error"
    contains: str | None = None
    skip: int = 0           # matching calls let through before the fault starts
    times: int = 1          # calls it applies to (ignored with span_s)
    span_s: float = 0.0     # when > 0: every matching call for this long after the first hit
    status: int = 500
    error_type: str = "InternalServerError"
    delay_s: float = 0.0
    seen: int = field(default=0, repr=False)
    applied: int = field(default=0, repr=False)
    started: float = field(default=0.0, repr=False)

    def matches(self, operation: str, body: bytes) -> bool:
        if self.operation not in ("*", operation):
            return False
        return self.contains is None or self.contains.encode() in body


def operation_of(target: str) -> str:
    return target.split(".", 1)[1] if "." in target else target


def error_body(target: str, error_type: str) -> bytes:
    namespace = "com.amazonaws.sqs#" if target.startswith("AmazonSQS.") else "com.amazonaws.dynamodb.v20120810#"
    return json.dumps({"__type": namespace + error_type, "message": "injected fault"}).encode()


def throttling_code(target: str) -> str:
    return "RequestThrottled" if target.startswith("AmazonSQS.") else "ProvisionedThroughputExceededException"


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    def __init__(self, upstream: str, port: int = 0, host: str = "127.0.0.1"):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self.injected: list[str] = []
        self.calls: dict[str, int] = {}
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the suite prints what matters
                pass

            def finish(self) -> None:
                super().finish()
                conn = getattr(self, "_conn", None)
                if conn is not None:
                    conn.close()

            def _upstream(self) -> http.client.HTTPConnection:
                conn = getattr(self, "_conn", None)
                if conn is None:
                    conn = http.client.HTTPConnection(*proxy.upstream, timeout=300)
                    self._conn = conn
                return conn

            def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                for attempt in (1, 2):  # a kept-alive upstream connection may have gone stale
                    conn = self._upstream()
                    try:
                        conn.request(self.command, self.path, body=body, headers=headers)
                        resp = conn.getresponse()
                        data = resp.read()
                        return resp.status, resp.getheaders(), data
                    except (http.client.HTTPException, OSError):
                        conn.close()
                        self._conn = None
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _drop(self, reset: bool) -> None:
                if reset:  # RST instead of FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Amz-Target", "")
                op = operation_of(target) if target else f"{self.command} {self.path.split('?')[0]}"
                rule = proxy._pick(op, body)
                if rule is None:
                    self._answer(*self._forward(body))
                    return
                kind = rule.kind
                if kind == "lose":
                    self._forward(body)
                    self._drop(reset=False)
                elif kind == "reset":
                    self._drop(reset=True)
                elif kind == "slow":
                    time.sleep(rule.delay_s)  # the fault is the passing of time
                    self._answer(*self._forward(body))
                elif kind == "twice":
                    self._forward(body)
                    self._answer(*self._forward(body))
                elif kind in ("error", "throttle", "error_after"):
                    if kind == "error_after":
                        self._forward(body)
                    status = 400 if kind == "throttle" else rule.status
                    code = throttling_code(target) if kind == "throttle" else rule.error_type
                    self._answer(status, [("Content-Type", "application/x-amz-json-1.0")],
                                 error_body(target, code))
                else:
                    raise ValueError(f"unknown fault kind {kind}")

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = _Server((host, port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _pick(self, op: str, body: bytes) -> Rule | None:
        with self._lock:
            self.calls[op] = self.calls.get(op, 0) + 1
            now = time.monotonic()
            for rule in self._rules:
                if not rule.matches(op, body):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.span_s > 0:
                    if rule.applied == 0:
                        rule.started = now
                    if now - rule.started > rule.span_s:
                        continue
                elif rule.applied >= rule.times:
                    continue
                rule.applied += 1
                self.injected.append(f"{op} {rule.kind}")
                return rule
        return None

    def set(self, *rules: Rule) -> None:
        with self._lock:
            self._rules = list(rules)
            self.injected = []
            self.calls = {}

    def clear(self) -> None:
        self.set()

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
