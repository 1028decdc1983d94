#!/usr/bin/env bash
# The contract tests: openapi.yaml against the running local stack, by schemathesis with every check
# (tests/contract/schemathesis.toml: `checks.enabled = true`, the 4.x spelling of `--checks all`, and its one
# narrowed check in tests/contract/hooks.py). Starts moto (scripts/moto_server.py) on a free loopback port and the
# local stack on it exactly as `make dev` does (devstack up: provisioned from infra/template.yaml, demo data, one key
# per role), runs schemathesis once per role's key (webshop, operator, warehouse: every operation) and once with a
# buyer's portal session (the portal's operations), and stops both whatever happened. Any failure, or a run that
# could not test what it should (no stack, no key or session, one that stopped working during its run, a warning of
# an untestable part), fails the script. Reports (JUnit, NDJSON, the console output) go to .local/contract/<run>/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
devstack="${DEVSTACK:-$root/target/debug/devstack}"
python="$root/.local/venv/bin/python"
st="$root/.local/contract/bin/schemathesis"
[ -x "$python" ] || { echo "contract-tests: $python missing; run 'make emulator'" >&2; exit 1; }
[ -x "$st" ] || { echo "contract-tests: $st missing; run 'make contract-tests'" >&2; exit 1; }
[ -x "$devstack" ] || { echo "contract-tests: $devstack missing; run 'cargo build -p devstack'" >&2; exit 1; }

out="$root/.local/contract"
mkdir -p "$out"
rm -rf "$out/webshop" "$out/operator" "$out/warehouse" "$out/buyer"
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
started=$(date +%s)

moto_port="$(free_port)"
"$python" "$root/scripts/moto_server.py" -H 127.0.0.1 -p "$moto_port" >"$out/moto.log" 2>&1 &
moto_pid=$!
stack_pid=""
stop() {
  if [ -n "$stack_pid" ]; then kill -INT "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; fi
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 1 200); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null; then break; fi
  kill -0 "$moto_pid" 2>/dev/null || { echo "contract-tests: moto exited; see $out/moto.log" >&2; exit 1; }
  sleep 0.1
done

port="$(free_port)"
env_file="$out/stack.env"
rm -f "$env_file"
env -u AWS_ENDPOINT_URL -u ORDERS_TEST_ENDPOINT "$devstack" up --port "$port" --endpoint "http://127.0.0.1:$moto_port" \
  --stack orders-contract --env-file "$env_file" >"$out/stack.log" 2>&1 &
stack_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  if [ -s "$env_file" ] && curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$stack_pid" 2>/dev/null || { echo "contract-tests: devstack exited; see $out/stack.log" >&2; cat "$out/stack.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$url/healthz" >/dev/null || { echo "contract-tests: the stack did not come up; see $out/stack.log" >&2; exit 1; }
echo "contract-tests: stack on $url (log $out/stack.log)"

env_value() { sed -n "s/^$1=//p" "$env_file"; }
declare -A keys=(
  [webshop]="$(env_value ORDERS_API_KEY)"
  [operator]="$(env_value ORDERS_OPERATOR_KEY)"
  [warehouse]="$(env_value ORDERS_WAREHOUSE_KEY)"
)
for role in webshop operator warehouse; do
  [ -n "${keys[$role]}" ] || { echo "contract-tests: no $role key in $env_file" >&2; exit 1; }
done

json_field() { "$python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The key DELETE /v1/api-keys/{id} revokes (tests/contract/schemathesis.toml): a spare one, not a key under test.
export ORDERS_CONTRACT_SPARE_KEY_ID
ORDERS_CONTRACT_SPARE_KEY_ID="$(curl -fsS -X POST "$url/v1/api-keys" -H "Authorization: Bearer ${keys[operator]}" \
  -H 'Content-Type: application/json' -d '{"name": "contract tests: revoked by them", "role": "webshop"}' \
  | json_field id)"

# The buyer portal's routes take a buyer's portal session, not a key: the demo customer C-1 is invited (a buyer
# account key, as POST /v1/customers/{id}/buyer-keys makes it) and the key opens a session, whose cookie and CSRF
# token the buyer run sends. It runs first, before the operator's run may revoke or block C-1's portal access.
buyer_key="$(curl -fsS -X POST "$url/v1/customers/C-1/buyer-keys" -H "Authorization: Bearer ${keys[operator]}" \
  -H 'Content-Type: application/json' -d '{}' | json_field key)"
session_headers="$(mktemp)"
buyer_csrf="$(curl -fsS -D "$session_headers" -X POST "$url/v1/portal/session" -H 'Content-Type: application/json' \
  -d "{\"link\": \"$buyer_key\"}" | json_field csrf_token)"
buyer_session="$(sed -n 's/^set-cookie: orders_portal=\([^;]*\);.*/\1/Ip' "$session_headers")"
rm -f "$session_headers"
[ -n "$buyer_session" ] && [ -n "$buyer_csrf" ] || { echo "contract-tests: no buyer portal session" >&2; exit 1; }

# One run: schemathesis with the key (or portal session) of `role`; extra arguments go to `schemathesis run`.
failed=()
run() {
  local role="$1" key="$2" portal="$3"
  shift 3
  echo "contract-tests: $role"
  local dir="$out/$role" status=0
  mkdir -p "$dir"
  (cd "$root" && ORDERS_CONTRACT_KEY="$key" ORDERS_CONTRACT_PORTAL="$portal" "$st" \
    --config-file tests/contract/schemathesis.toml run openapi.yaml --url "$url" --no-color \
    --report junit,ndjson --report-dir "$dir" "$@" >"$dir/output.txt" 2>&1) || status=$?
  sed -n '/^=* SUMMARY =*$/,$p' "$dir/output.txt"
  if [ "$status" -ne 0 ]; then
    failed+=("$role")
    echo "contract-tests: $role: schemathesis exited with $status; every failure is in $dir/output.txt" >&2
  fi
}
# What a run's credential must still open afterwards: a run whose credential stopped working tested nothing after.
still_opens() {
  local role="$1" code
  shift
  code="$(curl -sS -o /dev/null -w '%{http_code}' "$@")"
  if [ "$code" = "401" ]; then
    failed+=("$role")
    echo "contract-tests: $role: the credential no longer opens the API after the run" >&2
  fi
}

# The buyer: the portal's operations (the rest take keys), writes with the session's CSRF token.
run buyer no-key "$buyer_session" --include-path-regex '^/(v1/)?portal' -H "X-CSRF-Token: $buyer_csrf"
still_opens buyer "$url/v1/portal/session" -H "Cookie: orders_portal=$buyer_session"
for role in webshop operator warehouse; do
  # Every operation with the role's key; the portal's get no session (a cookie that opens nothing).
  run "$role" "${keys[$role]}" no-session
  still_opens "$role" "$url/v1/orders/ord_00000000000000000000000000000000" -H "Authorization: Bearer ${keys[$role]}"
done

echo "contract-tests: $(( $(date +%s) - started )) s"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "contract-tests: FAILED for ${failed[*]}" >&2
  exit 1
fi
echo "contract-tests: no failures for the buyer and the webshop, operator and warehouse keys"
