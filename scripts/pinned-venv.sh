#!/usr/bin/env bash
# A Python venv holding exactly a pinned requirements file, for a tool whose pins conflict with
# the project venv's: `pinned-venv.sh <venv> <requirements.txt> <program>`. (Re)installs when
# <venv>/bin/<program> is missing or the requirements file changed since the last install.
set -euo pipefail
venv="${1:?usage: pinned-venv.sh <venv> <requirements.txt> <program>}"
req="${2:?usage: pinned-venv.sh <venv> <requirements.txt> <program>}"
program="${3:?usage: pinned-venv.sh <venv> <requirements.txt> <program>}"
stamp="$venv/.requirements.sha256"
sum="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/$program" || ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
  echo "pinned-venv: installing $(basename "$req") into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$sum" >"$stamp"
fi
