"""The local environment as a user meets it (issue 17), through the real scripts and servers.

Failures: each one is forced for real (a port already taken, a data directory the server user
cannot write, an initdb that fails) and the message must name the cause and say what to do.

FreshClone: the repository cloned into a fresh 0700 directory (as root's home is), then the
README's commands there: make up, make deploy ENV=local (of the zips built here), make load-csv,
make down, and nothing of that clone's environment left running or on disk outside it.

Run from the repository root: python -m unittest -v tests.local.test_local_env (make test-local).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def listener():
    """A real process (not this one) listening on a free loopback port."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import socket,sys,time\n"
         "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print(s.getsockname()[1], flush=True)\n"
         "time.sleep(600)"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        yield port, proc.pid
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def run(cmd: list[str], env: dict, cwd: pathlib.Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


class Failures(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="dn-local-failures-"))
        self.tmp.chmod(0o755)
        self.env = {**os.environ, "DN_LOCAL_DIR": str(self.tmp / ".local"),
                    "DN_LOCAL_PORT": str(free_port()), "DN_LOCAL_PG_PORT": str(free_port())}
        self.env.pop("DN_PG_DIR", None)
        self.env.pop("MAKEFLAGS", None)

    def tearDown(self):
        run(["bash", "scripts/local/down.sh"], self.env)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assertFailsSaying(self, done: subprocess.CompletedProcess, *fragments: str):
        self.assertNotEqual(done.returncode, 0, done.stdout + done.stderr)
        for fragment in fragments:
            self.assertIn(fragment, done.stderr, done.stdout + done.stderr)

    def test_ministack_port_in_use_names_the_holder_and_the_variable(self):
        with listener() as (port, pid):
            self.env["DN_LOCAL_PORT"] = str(port)
            # Through make, as a user types it: the cause comes before make's own "Error 1".
            done = run(["make", "--no-print-directory", "up"], self.env)
        self.assertFailsSaying(done, f"MiniStack's port {port} (DN_LOCAL_PORT) is taken by pid {pid}",
                               "export DN_LOCAL_PORT=")
        # Nothing was started for this clone.
        self.assertFalse((self.tmp / ".local" / "ministack.pid").exists())

    def test_postgres_port_in_use_names_the_holder_and_the_variable(self):
        with listener() as (port, pid):
            self.env["DN_LOCAL_PG_PORT"] = str(port)
            done = run(["bash", "scripts/local/postgres.sh", "start"], self.env)
        self.assertFailsSaying(done, f"port {port} (DN_LOCAL_PG_PORT) is taken by pid {pid}",
                               "export DN_LOCAL_PG_PORT=")

    def test_a_data_directory_the_server_user_cannot_write_is_named(self):
        private = self.tmp / "private"
        private.mkdir(mode=0o700)
        if os.geteuid() != 0:
            private.chmod(0o500)  # not even its owner may create the data directory
        self.env["DN_PG_DIR"] = str(private / "pg")
        done = run(["bash", "scripts/local/postgres.sh", "start"], self.env)
        if os.geteuid() == 0:
            self.assertFailsSaying(done, f"cannot write its data directory {private / 'pg'}",
                                   f"cannot enter {private} (mode 700", "DN_PG_DIR")
        else:
            self.assertFailsSaying(done, f"cannot create the server's state directory {private / 'pg'}",
                                   "DN_PG_DIR")

    def test_initdb_failing_shows_its_log(self):
        # A left-over, non-empty data directory without PG_VERSION: initdb refuses it.
        state = self.tmp / "pg"
        (state / "data").mkdir(parents=True)
        (state / "data" / "left-over").write_text("not a database\n")
        state.chmod(0o755)
        self.env["DN_PG_DIR"] = str(state)
        done = run(["bash", "scripts/local/postgres.sh", "start"], self.env)
        self.assertFailsSaying(done, f"initdb failed for {state / 'data'}", "exists but is not empty",
                               "next:")


class FreshClone(unittest.TestCase):
    """make up, deploy, load-csv and down in a clone under a fresh 0700 directory."""

    def test_the_local_environment_works_from_a_0700_directory(self):
        home = pathlib.Path(tempfile.mkdtemp(prefix="dn-fresh-"))  # mode 0700, like /root
        self.addCleanup(shutil.rmtree, home, True)
        self.assertEqual(home.stat().st_mode & 0o777, 0o700)
        clone = home / "daily-notifications"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        # The zips are location-independent build outputs: the clone deploys the outer clone's
        # (make deploy ARTIFACTS=..., as the delivery pipeline promotes one build); building them
        # from a fresh clone is what make demo does.
        artifacts = ROOT / "functions" / "dist"
        self.assertTrue((artifacts / "loader.zip").is_file(), "run make package first")
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "DN_PG_DIR",
                                                                "DN_LOCAL_DIR", "AWS_ENDPOINT_URL")}
        env.update(DN_LOCAL_PORT=str(free_port()), DN_LOCAL_PG_PORT=str(free_port()))
        make = ["make", "--no-print-directory", "-C", str(clone)]
        self.addCleanup(run, make + ["down"], env, clone)

        up = run(make + ["up"], env, clone)
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        pg_dir = run(["bash", "scripts/local/postgres.sh", "where"], env, clone).stdout.strip()
        self.assertTrue(os.path.isdir(pg_dir), pg_dir)
        self.assertFalse(pg_dir.startswith(str(home)), "the server's state must be reachable by its user")

        deploy = run(make + ["deploy", "ENV=local", f"ARTIFACTS={artifacts}"], env, clone, timeout=1200)
        self.assertEqual(deploy.returncode, 0, deploy.stdout[-3000:] + deploy.stderr[-3000:])

        csv = home / "users.csv"
        subprocess.run([str(clone / ".venv" / "bin" / "python"), str(clone / "data" / "generate_sample.py"),
                        "--rows", "500", "--bad-rows", "3", "--out", str(csv)], check=True, capture_output=True)
        load = run(make + ["load-csv", f"FILE={csv}"], env, clone)
        self.assertEqual(load.returncode, 0, load.stdout + load.stderr)
        loaded = re.search(r"loaded (\d+)", load.stdout)
        self.assertIsNotNone(loaded, load.stdout)
        self.assertGreater(int(loaded.group(1)), 450, load.stdout)
        rows = run(["bash", "scripts/local/postgres.sh", "psql", "-d", "daily_notifications", "-tAc",
                    "SELECT count(*) FROM users"], env, clone)
        self.assertEqual(rows.stdout.strip(), loaded.group(1), rows.stdout + rows.stderr)

        pid = int((clone / ".local" / "ministack.pid").read_text())
        down = run(make + ["down"], env, clone)
        self.assertEqual(down.returncode, 0, down.stdout + down.stderr)
        self.assertFalse(os.path.exists(pg_dir), f"make down left {pg_dir}")
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        for port in (env["DN_LOCAL_PORT"], env["DN_LOCAL_PG_PORT"]):
            with socket.socket() as s:
                self.assertNotEqual(s.connect_ex(("127.0.0.1", int(port))), 0, f"port {port} still answers")


if __name__ == "__main__":
    unittest.main(verbosity=2)
