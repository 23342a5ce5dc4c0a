#!/usr/bin/env bash
# The OpenAPI document as a contract: starts `congso serve` on a fresh database in a temporary folder, on a free
# port, with an operator, a registry official of the nation (each with an API token) and a small synthetic
# population, and runs schemathesis against it with every check, a fixed seed and a bounded number of examples.
# It must end at zero failures; the few exceptions, each with its reason, are in .ci/schemathesis.toml.
#
#   .ci/schemathesis.sh                     on SQLite
#   .ci/schemathesis.sh postgres://…/db     on that PostgreSQL database, which must be empty
#   .ci/schemathesis.sh --install           only install schemathesis (before runs side by side)
#
# More options for `st run` (to look into a failure: `--include-operation-id ID --report vcr`) go in
# CONGSO_SCHEMATHESIS_ARGS. Runs alone (it builds the binary) or from .ci/run (which gives it CONGSO_BIN). schemathesis is installed, pinned, into a virtual
# environment under the user's cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${CONGSO_SCHEMATHESIS_EXAMPLES:-20}"
SEED="${CONGSO_SCHEMATHESIS_SEED:-20251201}"
DATABASE_URL="${1:-}"

venv="${XDG_CACHE_HOME:-$HOME/.cache}/congso/schemathesis-${SCHEMATHESIS_VERSION}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==${SCHEMATHESIS_VERSION}"
fi
[ "$DATABASE_URL" = "--install" ] && exit 0

# From .ci/run, the binary the tests built (CONGSO_BIN): building it again alone would resolve the crates'
# features differently and compile much of the workspace a second time.
if [ -n "${CONGSO_BIN:-}" ]; then
  congso="$CONGSO_BIN"
else
  cargo build --locked -q -p congso
  congso="$(pwd)/target/debug/congso"
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export CONGSO_DATA_DIR="$work/data"
export CONGSO_LISTEN="127.0.0.1:$port"
export CONGSO_PUBLIC_URL="http://127.0.0.1:$port"
if [ -n "$DATABASE_URL" ]; then
  export CONGSO_DATABASE_URL="$DATABASE_URL"
fi

token() { "$congso" admin token --account "$1" 2>/dev/null | grep -o 'congso_[A-Za-z0-9_-]*'; }
"$congso" admin create --username quantri --display-name "Quản trị viên" >/dev/null
"$congso" admin create --username canbo.dancu --display-name "Cán bộ dân cư" --role registry_clerk --territory VN \
  >/dev/null
CONGSO_OPERATOR_TOKEN="$(token quantri)"
CONGSO_CLERK_TOKEN="$(token canbo.dancu)"
export CONGSO_OPERATOR_TOKEN CONGSO_CLERK_TOKEN
"$congso" generate citizens --count 200 --seed 7 >/dev/null

"$congso" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done

# One worker: with several, Hypothesis describes its strategies by parsing source in threads, which CPython 3.11's
# parser does not survive ("AST constructor recursion depth mismatch"). The back office last, on its own: disabling officials and revoking roles with generated ids could otherwise
# take the registry official's powers away while the rest is being tested.
status=0
for part in "--exclude-tag officials" "--include-tag officials"; do
  # shellcheck disable=SC2086 # the options are words on purpose
  "$venv/bin/st" --config-file .ci/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks all \
    --seed "$SEED" \
    --max-examples "$EXAMPLES" \
    --workers 1 \
    --no-color $part ${CONGSO_SCHEMATHESIS_ARGS:-} || status=$?
done
if grep -q 'ERROR' "$work/server.log"; then
  echo "the server logged errors:" >&2
  grep 'ERROR' "$work/server.log" | head -n 20 >&2
  status=1
fi
exit "$status"
