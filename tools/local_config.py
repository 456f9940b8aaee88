"""The local environment's AWS account and region, read from infra/config/local.ts (their one
source: the CDK app deploys with them, MiniStack accepts them). The scripts and tools that talk to
MiniStack read them here instead of repeating them.

  python3 tools/local_config.py     prints `<account> <region>` (scripts/local/env.sh reads it)
"""
from __future__ import annotations

import pathlib
import re
import sys

CONFIG = pathlib.Path(__file__).resolve().parents[1] / "infra" / "config" / "local.ts"


def account_and_region(path: pathlib.Path = CONFIG) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    account = re.search(r"^\s*account:\s*'(\d{12})'", text, re.M)
    region = re.search(r"^\s*region:\s*'([a-z]{2}(?:-[a-z]+)+-\d)'", text, re.M)
    if not account or not region:
        raise SystemExit(f"{path}: no `account: '<12 digits>'` and `region: '<aws region>'` found")
    return account.group(1), region.group(1)


if __name__ == "__main__":
    print(*account_and_region())
    sys.exit(0)
