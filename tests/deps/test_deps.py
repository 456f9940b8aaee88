"""The dependency step behaves the same from a shell, from make and from CI (issue 9).

An outer make exports MAKEFLAGS/MAKELEVEL (jobserver, -j, variable overrides) to every command it
runs; a nested PostgreSQL build that inherits them skipped generating its headers. So:
- every script that drives another project's build system starts from a clean make environment
  (scripts/clean-make-env.sh), checked over scripts/;
- the libcurl and libpq builds run for real through `make -j2 deps-package`, as `make demo` runs
  them, into fresh prefixes;
- they run while pip downloads, and a pip failure stops them (no build left running).

Run from the repository root: python -m unittest -v tests.deps.test_deps (make test-deps).
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Commands that run another project's build: autotools configure, or make in its tree.
FOREIGN_BUILD = re.compile(r"^\s*(\./configure\b|make\s+(-j\S*\s+)?-C\b|make\s+-j)", re.M)


class ForeignBuilds(unittest.TestCase):
    def test_every_script_driving_a_foreign_build_starts_from_a_clean_make_environment(self):
        drivers = [p for p in sorted((ROOT / "scripts").rglob("*.sh")) if FOREIGN_BUILD.search(p.read_text())]
        self.assertTrue(drivers, "found no script that builds libcurl or libpq: the pattern is stale")
        for script in drivers:
            text = script.read_text()
            sourced = re.search(r'^source "\$root/scripts/clean-make-env.sh"', text, re.M)
            self.assertIsNotNone(sourced, f"{script.relative_to(ROOT)} drives another build system "
                                          "without sourcing scripts/clean-make-env.sh")
            first_build = FOREIGN_BUILD.search(text).start()
            self.assertLess(sourced.start(), first_build,
                            f"{script.relative_to(ROOT)} sources clean-make-env.sh after its first build command")

    def test_libcurl_and_libpq_build_through_make(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="dn-deps-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        env = {**os.environ, "DN_APT_SRC_CACHE": str(tmp / "apt-src")}
        # Variables on make's command line reach the scripts through MAKEFLAGS, and -j2 adds the
        # jobserver: the environment that broke the nested PostgreSQL build.
        done = subprocess.run(["make", "-j2", "--no-print-directory", "deps-package",
                               f"DN_CURL_PREFIX={tmp / 'curl'}", f"DN_LIBPQ_PREFIX={tmp / 'libpq'}"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        self.assertEqual(done.returncode, 0, done.stdout[-4000:] + done.stderr[-4000:])
        for lib in ("curl/lib/libcurl.a", "libpq/lib/libpq.a", "libpq/lib/libpgcommon_shlib.a",
                    "libpq/include/libpq-fe.h"):
            self.assertTrue((tmp / lib).is_file(), f"{lib} not built: {done.stdout[-2000:]}")


STUB_BUILD = """#!/usr/bin/env bash
# Stands in for a static library build: a child that would outlive an unstopped build.
sleep 300 &
echo "$!" >"$(dirname "$0")/../$(basename "$0" .sh).child"
wait
"""


class PipBesideTheBuilds(unittest.TestCase):
    def test_a_pip_failure_names_itself_and_stops_the_builds_started_beside_it(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="dn-deps-pip-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        (tmp / "scripts").mkdir()
        shutil.copy(ROOT / "scripts" / "deps.sh", tmp / "scripts" / "deps.sh")
        for name in ("build-curl", "build-libpq"):
            (tmp / "scripts" / f"{name}.sh").write_text(STUB_BUILD)
            (tmp / "scripts" / f"{name}.sh").chmod(0o755)
        (tmp / "requirements-test.txt").write_text("dn-no-such-package-anywhere==0.0.1\n")
        done = subprocess.run(["bash", str(tmp / "scripts" / "deps.sh"), "package"], cwd=tmp,
                              capture_output=True, text=True, timeout=600)
        self.assertNotEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("deps: FAILED: pip install -r requirements-test.txt", done.stderr)
        children = [int((tmp / f"{name}.child").read_text()) for name in ("build-curl", "build-libpq")]
        for pid in children:
            deadline = time.monotonic() + 20
            while self._alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertFalse(self._alive(pid), f"a build's child {pid} still runs after deps.sh failed")

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            state = pathlib.Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            return False
        return state != "Z"


if __name__ == "__main__":
    unittest.main(verbosity=2)
