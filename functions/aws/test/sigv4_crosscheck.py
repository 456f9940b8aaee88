#!/usr/bin/env python3
"""SigV4 cross-check: dn::aws's own SigV4 signature against botocore's.

Starts a capture HTTP server on 127.0.0.1:0, runs aws_sigv4_probe against it, and for every
captured request asks botocore's signer (SigV4Auth, or S3SigV4Auth for S3) to sign the same
request with the same credentials, region, service and X-Amz-Date. The Authorization header
botocore computes must be byte-identical to the one dn::aws sent. Each case is also re-signed with
one header value tampered, which must change the signature, so the comparison can fail.

Usage: sigv4_crosscheck.py <path to aws_sigv4_probe>
Exit: 0 all identical, 1 a mismatch or error, 77 botocore missing outside CI (skip).
"""

import datetime
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from unittest import mock

SKIP = 77

try:
    import botocore
    import botocore.auth as botocore_auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as error:
    if os.environ.get("CI"):
        print(f"sigv4: botocore is required in CI ({error}); install requirements-test.txt")
        sys.exit(1)
    print(f"sigv4: SKIP, botocore not importable ({error}); pip install -r requirements-test.txt")
    sys.exit(SKIP)

# Headers libcurl adds on its own and never signs; botocore must not sign them either.
TRANSPORT = {"accept", "content-length", "user-agent", "expect", "connection"}
# Headers the signer itself sets (from the date, the credentials, the body).
SIGNER_SET = {"host", "authorization", "x-amz-date", "x-amz-security-token"}


class Capture(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client reuses its connection
    captured = []
    lock = threading.Lock()

    def log_message(self, *args):  # quiet
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        with Capture.lock:
            Capture.captured.append(
                {"method": self.command, "target": self.path,
                 "headers": list(self.headers.items()), "body": body})
        target = self.headers.get("X-Amz-Target", "")
        status, headers, out = 200, {}, b""
        if target == "DynamoDB_20120810.Query":
            out = b'{"Items":[],"Count":0,"ScannedCount":0}'
        elif target == "AmazonSQS.SendMessageBatch":
            entries = json.loads(body)["Entries"]
            out = json.dumps({"Successful": [{"Id": e["Id"], "MessageId": "m-" + e["Id"]}
                                             for e in entries], "Failed": []}).encode()
        elif target == "DynamoDB_20120810.BatchWriteItem":
            out = b'{"UnprocessedItems":{}}'
        elif target == "secretsmanager.GetSecretValue":
            out = b'{"SecretString":"not-a-real-secret"}'
        elif self.command == "GET":
            out = b"a,b\n1,2\n"
            headers = {"ETag": '"etag"'}
        elif self.command == "PUT":
            headers = {"ETag": '"etag"'}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle


def request_headers(case, captured):
    """The captured headers the request itself carries (not curl's transport or signer ones)."""
    headers = []
    for name, value in captured["headers"]:
        lname = name.lower()
        if lname in TRANSPORT or lname in SIGNER_SET:
            continue
        if case["service"] == "s3" and lname == "x-amz-content-sha256":
            continue  # S3SigV4Auth computes it from the body itself
        headers.append((name, value))
    return headers


def botocore_sign(case, captured, endpoint, tamper=None):
    """The request as botocore signs it; `tamper` ("header", "path") alters one signed part."""
    path = urllib.parse.quote(case["path"] + ("x" if tamper == "path" else ""), safe="/~")
    headers = request_headers(case, captured)
    if tamper == "header":
        name, value = headers[0]
        headers[0] = (name, value + "x")
    request = AWSRequest(method=captured["method"], url=endpoint + path,
                         headers=dict(headers), data=captured["body"],
                         params=[tuple(pair) for pair in case["query"]] or None)
    credentials = Credentials(case["access_key"], case["secret_key"],
                              case["session_token"] or None)
    signer_class = botocore_auth.S3SigV4Auth if case["service"] == "s3" else botocore_auth.SigV4Auth
    signer = signer_class(credentials, case["service"], case["region"])
    amz_date = dict((n.lower(), v) for n, v in captured["headers"])["x-amz-date"]
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch.object(botocore_auth, "get_current_datetime", return_value=when):
        signer.add_auth(request)
    return request, signer


def signed_headers_of(authorization):
    return authorization.split("SignedHeaders=")[1].split(",")[0].split(";")


def control_reason(name, sent, request, botocore_auth_value):
    """Evidence that curl 7.88 showed the defect the control is about ('' when it did not)."""
    curl_names = signed_headers_of(sent.get("authorization", "SignedHeaders=,"))
    if name.endswith("prefix_header_order"):
        if curl_names.index("x-amz-meta-a-b") < curl_names.index("x-amz-meta-a"):
            return "curl signed x-amz-meta-a-b before x-amz-meta-a"
    elif name.endswith("blank_header"):
        if "x-amz-meta-blank" in curl_names and "x-amz-meta-blank" not in sent:
            return "curl signed x-amz-meta-blank but did not send it"
    elif name.endswith("unsorted_query"):
        if request["target"].endswith("?prefix=a&list-type=2"):
            return "curl signed the query in the order given, not sorted"
    return ""


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 1
    probe = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        run = subprocess.run([probe, endpoint], capture_output=True, text=True, timeout=120,
                             check=False)
    finally:
        server.shutdown()
        server.server_close()
    if run.returncode != 0:
        print(f"sigv4: probe failed ({run.returncode}):\n{run.stderr}")
        return 1
    cases = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    captured = Capture.captured
    if len(cases) != len(captured) or not cases:
        print(f"sigv4: {len(cases)} cases announced but {len(captured)} requests captured")
        return 1

    print(f"sigv4: botocore {botocore.__version__} vs dn::aws's signer, {len(cases)} requests")
    failures = 0
    controls = 0
    for case, request in zip(cases, captured):
        sent = dict((n.lower(), v) for n, v in request["headers"])
        problems = []
        signed, signer = botocore_sign(case, request, endpoint)
        expected_auth = signed.headers["Authorization"]
        if case["expect"] == "mismatch":
            # A control: raw libcurl 7.88 signing what its signer gets wrong must be caught,
            # for the documented reason.
            caught = sent.get("authorization") != expected_auth
            why = control_reason(case["case"], sent, request, expected_auth)
            print(f"  {'ok  ' if caught and why else 'FAIL'} {case['case']:<40} "
                  f"{why or 'defect not reproduced'}; botocore "
                  f"{'disagrees, as expected' if caught else 'AGREES: comparison blind'}")
            failures += not (caught and why)
            controls += 1
            continue
        if sent.get("authorization") != expected_auth:
            problems.append(f"Authorization differs:\n    dn::aws:  {sent.get('authorization')}"
                            f"\n    botocore: {expected_auth}")
        path, _, query = request["target"].partition("?")
        if path != urllib.parse.quote(case["path"], safe="/~"):
            problems.append(f"path {path!r} is not the RFC 3986 encoding of {case['path']!r}")
        if query != signer.canonical_query_string(signed):
            problems.append(f"query {query!r} is not canonical "
                            f"({signer.canonical_query_string(signed)!r})")
        if sent.get("x-amz-security-token", "") != case["session_token"]:
            problems.append("X-Amz-Security-Token missing or wrong")
        if case["service"] == "s3":
            if sent.get("x-amz-content-sha256") != hashlib.sha256(request["body"]).hexdigest():
                problems.append("x-amz-content-sha256 is not the SHA-256 of the body")
        tampers = ["path"] + (["header"] if request_headers(case, request) else [])
        for tamper in tampers:
            tampered, _ = botocore_sign(case, request, endpoint, tamper=tamper)
            if tampered.headers["Authorization"] == sent.get("authorization"):
                problems.append(f"self-check: a tampered {tamper} did not change the signature")
        status = "FAIL" if problems else "ok  "
        signed_headers = expected_auth.split("SignedHeaders=")[1].split(",")[0]
        print(f"  {status} {case['case']:<40} SignedHeaders={signed_headers}")
        for problem in problems:
            print(f"       {problem}")
        failures += bool(problems)
    checked = len(cases) - controls
    print(f"sigv4: {checked}/{checked} Authorization headers byte-identical to botocore's, every "
          f"tampered variant differed, {controls}/{controls} raw-curl controls detected"
          if not failures else f"sigv4: {failures} of {len(cases)} checks FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
