#!/usr/bin/env bash
# Runs a command with one moto server for the whole run: starts scripts/moto_server.py on a free loopback port,
# exports ORDERS_TEST_ENDPOINT (and AWS_* dummies), runs "$@", then stops the server whatever happened.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="$root/.local/venv/bin/python"
[ -x "$python" ] || { echo "with-emulator: $python missing; run 'make emulator'" >&2; exit 1; }
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$root/.local/moto-test.log"
"$python" "$root/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$moto_pid" 2>/dev/null || { echo "with-emulator: moto exited; see $log" >&2; exit 1; }
  sleep 0.1
done
export ORDERS_TEST_ENDPOINT="http://127.0.0.1:$port"
export AWS_REGION=eu-north-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
echo "with-emulator: moto on $ORDERS_TEST_ENDPOINT"
"$@"
