"""Toxiproxy (pinned, scripts/faults/toxiproxy.sh) for TCP-level faults in front of the HTTP fault
proxy: latency, resets by chance, connections that stall. A small client of its REST API."""
from __future__ import annotations

import json
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".venv" / "bin" / "toxiproxy-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Toxiproxy:
    def __init__(self, api_port: int | None = None):
        self.api_port = api_port or free_port()
        self.api = f"http://127.0.0.1:{self.api_port}"
        self._proc: subprocess.Popen | None = None

    def start(self, log_path: pathlib.Path) -> "Toxiproxy":
        log = open(log_path, "ab")  # noqa: SIM115 (kept open for the server's life)
        self._proc = subprocess.Popen([str(BINARY), "-host", "127.0.0.1", "-port", str(self.api_port)],
                                      stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                self._call("GET", "/version")
                return self
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError(f"toxiproxy-server did not start (log {log_path})")
                time.sleep(0.1)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def proxy(self, name: str, listen_port: int, upstream: str) -> None:
        self._call("POST", "/proxies", {"name": name, "listen": f"127.0.0.1:{listen_port}",
                                        "upstream": upstream, "enabled": True})

    def toxic(self, proxy: str, name: str, kind: str, attributes: dict, toxicity: float = 1.0,
              stream: str = "downstream") -> None:
        self._call("POST", f"/proxies/{proxy}/toxics", {"name": name, "type": kind, "stream": stream,
                                                       "toxicity": toxicity, "attributes": attributes})

    def clear(self, proxy: str) -> None:
        for toxic in self._call("GET", f"/proxies/{proxy}/toxics") or []:
            self._call("DELETE", f"/proxies/{proxy}/toxics/{toxic['name']}")
