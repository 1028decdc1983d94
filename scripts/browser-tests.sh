#!/usr/bin/env bash
# The console's and the buyer portal's browser tests: starts the local stack exactly as `make dev` does (devstack up: its own moto,
# provisioned from infra/template.yaml, demo data, the HTTP API with the console) on a free port, runs
# tests/browser/ in headless Chromium against it, and stops it whatever happened. Screenshots: target/browser/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
devstack="${DEVSTACK:-$root/target/debug/devstack}"
python="$root/.local/browser/bin/python"
[ -x "$python" ] || { echo "browser-tests: $python missing; run 'make test'" >&2; exit 1; }
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
env_file="$root/.local/browser-stack.env"
log="$root/.local/browser-stack.log"
rm -f "$env_file"
# devstack starts and stops its own emulator when no endpoint is given.
env -u AWS_ENDPOINT_URL "$devstack" up --port "$port" --stack orders-browser --env-file "$env_file" >"$log" 2>&1 &
stack_pid=$!
trap 'kill -INT "$stack_pid" 2>/dev/null; wait "$stack_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if [ -s "$env_file" ] && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$stack_pid" 2>/dev/null || { echo "browser-tests: devstack exited; see $log" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
echo "browser-tests: stack on http://127.0.0.1:$port (log $log)"
artifacts="${ORDERS_BROWSER_ARTIFACTS:-$root/target/browser}"
rm -rf "$artifacts"
ORDERS_ENV_FILE="$env_file" DEVSTACK="$devstack" ORDERS_BROWSER_ARTIFACTS="$artifacts" \
  "$python" "$root/tests/browser/test_console.py"
ORDERS_ENV_FILE="$env_file" ORDERS_BROWSER_ARTIFACTS="$artifacts" "$python" "$root/tests/browser/test_portal.py"
