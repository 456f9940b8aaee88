"""Access to one deployed environment, from its CDK outputs file (.local/cdk-outputs-<env>.json):
AWS clients (pointed at MiniStack for `local`), the signed API caller and table helpers. Shared by
the seeding/run-day tools and the deployment tests, so every environment is exercised the same way."""
from __future__ import annotations

import datetime
import json
import os
import pathlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from dataclasses import dataclass

import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.session

from tools.local_config import account_and_region

ROOT = pathlib.Path(__file__).resolve().parents[1]
# MiniStack: AWS_ENDPOINT_URL when the local scripts set it, else the port DN_LOCAL_PORT names.
LOCAL_ENDPOINT = (os.environ.get("AWS_ENDPOINT_URL")
                  or f"http://localhost:{os.environ.get('DN_LOCAL_PORT', '4566')}")


def local_region() -> str:
    return account_and_region()[1]


def outputs_file(env: str) -> pathlib.Path:
    return ROOT / ".local" / f"cdk-outputs-{env}.json"


def seed_file(env: str) -> pathlib.Path:
    """What tools.seed wrote to `env`: its date, users and expected inbox records."""
    return ROOT / ".local" / f"seed-{env}.json"


def seed_of(env: str) -> dict | None:
    """The seed file of `env`, read; None where `env` was never seeded."""
    path = seed_file(env)
    return json.loads(path.read_text()) if path.exists() else None


def today_in(tz: str) -> str:
    """Today's date (YYYY-MM-DD) in time zone `tz`: the day find-daily runs."""
    return datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date().isoformat()


@dataclass
class ApiResponse:
    status: int
    body: dict
    headers: dict


class Environment:
    def __init__(self, env: str):
        path = outputs_file(env)
        if not path.exists():
            raise SystemExit(f"{path} not found: deploy first (make deploy ENV={env})")
        stacks = json.loads(path.read_text())
        self.name = env
        self.outputs = {k: v for stack in stacks.values() for k, v in stack.items()}
        self.local = env == "local"
        self.session = botocore.session.get_session()
        self.region = local_region() if self.local else self.session.get_config_variable("region")
        self._clients: dict[str, object] = {}

    def out(self, name: str) -> str:
        if name not in self.outputs:
            raise KeyError(f"stack output {name} missing in {outputs_file(self.name)}")
        return self.outputs[name]

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.new_client(service)
        return self._clients[service]

    def new_client(self, service: str):
        """A client of its own (botocore clients are not shared between threads here)."""
        kwargs = {"region_name": self.region,
                  "config": botocore.config.Config(retries={"max_attempts": 5, "mode": "standard"},
                                                   read_timeout=120)}
        if self.local:
            kwargs.update(endpoint_url=LOCAL_ENDPOINT, aws_access_key_id="test",
                          aws_secret_access_key="test")
        return self.session.create_client(service, **kwargs)

    # ---- API -------------------------------------------------------------------------------
    def api(self, user_id: str, limit: int | str | None = None, cursor: str | None = None,
            method: str = "GET", signed: bool = True, status: str | None = None) -> ApiResponse:
        """Calls GET /users/{userId}/notifications signed with SigV4 (IAM authorization), or
        without any credentials when `signed` is false."""
        query = {}
        if limit is not None:
            query["limit"] = str(limit)
        if cursor is not None:
            query["cursor"] = cursor
        if status is not None:
            query["status"] = status
        path = f"/users/{urllib.parse.quote(user_id, safe='')}/notifications"
        return self.call(method, path, query, signed=signed)

    def call(self, method: str, path: str, query: dict | None = None, body: object = None,
             signed: bool = True) -> ApiResponse:
        """Any route of the API: `path` below the stage (already percent-encoded), `body` sent as
        JSON when given; signed with SigV4 unless `signed` is false."""
        query = query or {}
        stage = self.out("ApiStageName")
        headers = {}
        if self.local:
            # MiniStack routes execute-api calls by Host: <apiId>.execute-api.localhost.
            port = urllib.parse.urlsplit(LOCAL_ENDPOINT).port or 4566
            host = f"{self.out('ApiId')}.execute-api.localhost:{port}"
            url = f"{LOCAL_ENDPOINT}/{stage}{path}"
            headers["Host"] = host
        else:
            base = self.out("ApiUrl").rstrip("/")
            url = f"{base}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        creds = (botocore.credentials.Credentials("test", "test") if self.local
                 else self.session.get_credentials().get_frozen_credentials())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=headers, data=data)
        if signed:
            botocore.auth.SigV4Auth(creds, "execute-api", self.region).add_auth(request)
        prepared = request.prepare()
        req = urllib.request.Request(prepared.url, method=method, headers=dict(prepared.headers),
                                     data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return ApiResponse(resp.status, json.loads(resp.read() or b"{}"), dict(resp.headers))
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"raw": raw.decode(errors="replace")}
            return ApiResponse(err.code, body, dict(err.headers))

    # ---- table -----------------------------------------------------------------------------
    def count_inbox(self, date: str) -> int:
        """Inbox records of one day across all users (a paginated COUNT scan)."""
        ddb = self.client("dynamodb")
        total, start = 0, None
        while True:
            kwargs = {"TableName": self.out("TableName"), "Select": "COUNT",
                      "FilterExpression": "begins_with(sk, :p)",
                      "ExpressionAttributeValues": {":p": {"S": f"INBOX#{date}#"}}}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = ddb.scan(**kwargs)
            total += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return total

    def batch_write(self, items: list[dict]) -> None:
        ddb = self.client("dynamodb")
        table = self.out("TableName")
        for i in range(0, len(items), 25):
            pending = [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]
            delay = 0.05
            while pending:
                resp = ddb.batch_write_item(RequestItems={table: pending})
                pending = resp.get("UnprocessedItems", {}).get(table, [])
                if pending:
                    time.sleep(delay)  # backoff between resends, not synchronisation
                    delay = min(delay * 2, 2.0)

    def invoke(self, function_output: str, payload: dict) -> tuple[dict | None, str | None]:
        resp = self.client("lambda").invoke(FunctionName=self.out(function_output),
                                            Payload=json.dumps(payload).encode())
        raw = resp["Payload"].read()
        return (json.loads(raw) if raw else None), resp.get("FunctionError")


def deployed_or_nan(env: str, figure: str, bench: str) -> Environment | None:
    """The environment `env` for a benchmark, or None when it is not deployed: then the benchmark's
    `figure` is printed as nan and the reason goes to stderr, so `make bench` still reports it."""
    if outputs_file(env).exists():
        return Environment(env)
    print(f"{figure}: nan")
    print(f"{bench}: {outputs_file(env)} missing (make up && make deploy)", file=sys.stderr)
    return None


def users_header() -> str:
    """The users contract's column names as a CSV header line (a header-only file empties an
    object's rows: the contract deletes absent keys)."""
    contract = json.loads((ROOT / "data" / "contracts" / "users.json").read_text(encoding="utf-8"))
    return ",".join(c["name"] for c in contract["columns"]) + "\n"


def wait_for_outcome(s3, bucket: str, key: str, version: str, timeout_s: float = 300,
                     interval_s: float = 0.5) -> dict:
    """The loader's outcome record (loaded/<key without incoming/>.json) of exactly this version
    of `key`: an outcome of an earlier upload of the same key does not count."""
    outcome_key = "loaded/" + key[len("incoming/"):] + ".json"

    def ready():
        try:
            got = json.loads(s3.get_object(Bucket=bucket, Key=outcome_key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None
        return got if got.get("versionId") == version else None

    return poll(f"the loader's outcome for {key}", ready, timeout_s, interval_s)


def poll(what: str, check, timeout_s: float, interval_s: float = 0.5):
    """Calls check() until it returns a truthy value or the deadline passes (then raises)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


def _main(argv: list[str]) -> int:
    """`python -m tools.dn_env database-secret <env>`: print the deployed database secret (for local set-up)."""
    import sys
    if len(argv) != 3 or argv[1] != "database-secret":
        print("usage: python -m tools.dn_env database-secret <env>", file=sys.stderr)
        return 2
    env = Environment(argv[2])
    secret = env.client("secretsmanager").get_secret_value(SecretId=env.out("DatabaseSecretArn"))
    sys.stdout.write(secret["SecretString"])
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(_main(sys.argv))
