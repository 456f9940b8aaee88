#!/usr/bin/env bash
# Installs Toxiproxy's server (TCP-level faults for the deployment fault suite), pinned, built
# from the Go module proxy with the machine's Go, as .venv/bin/toxiproxy-server. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="v2.5.0"
bin="$root/.venv/bin/toxiproxy-server"
stamp="$bin.version"
if [[ -x "$bin" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi
command -v go >/dev/null || {
  echo "toxiproxy: FAILED: building Toxiproxy needs Go (https://go.dev/doc/install, or Debian's golang-go)" >&2
  exit 1
}
mkdir -p "$root/.venv/bin"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
echo "toxiproxy: go install github.com/Shopify/toxiproxy/v2/cmd/server@$version"
GOBIN="$build" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$version"
mv "$build/server" "$bin"
echo "$version" >"$stamp"
