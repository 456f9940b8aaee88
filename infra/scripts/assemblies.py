"""The synthesized templates the template checks' own tests read: DN_IAM_TEMPLATES names the cloud
assembly directories (os.pathsep-separated; the app's and the delivery app's), as
infra/scripts/check-templates.sh passes them. Standard library only (each check runs in its own venv).
"""
from __future__ import annotations

import os
import tempfile
import unittest
from pathlib import Path


def assembly_dirs() -> list[Path]:
    dirs = os.environ.get("DN_IAM_TEMPLATES")
    if not dirs:
        raise RuntimeError("DN_IAM_TEMPLATES is not set: run infra/scripts/check-templates.sh")
    return [Path(d) for d in dirs.split(os.pathsep)]


def template_files() -> list[Path]:
    found = sorted(p for d in assembly_dirs() for p in d.glob("*.template.json"))
    if not found:
        raise RuntimeError(f"no *.template.json under {os.environ['DN_IAM_TEMPLATES']}")
    return found


class TemplatesTest(unittest.TestCase):
    """A test class over the assemblies (cls.dirs) with a scratch directory (cls.tmp) for broken copies."""

    @classmethod
    def setUpClass(cls):
        cls.dirs = assembly_dirs()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)
