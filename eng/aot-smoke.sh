#!/usr/bin/env bash
# Publishes samples/Echo and samples/Dashboard with Native AOT, fails on any trim/AOT warning, starts the binaries
# on free ports and drives them with an independent client (eng/aot-smoke-client.py on Debian's python3-websockets):
# echo, echo with permessage-deflate, and typed messages both ways; then the dashboard's typed C# client (`Dashboard
# watch`, compiled into the same binary) against a running dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts

if ! /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq python3-websockets >/dev/null
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# publish SAMPLE: a Native AOT binary in artifacts/SAMPLE-aot; any trim, AOT or Endpoints warning fails.
publish() {
  local sample=$1 out="artifacts/${1,,}-aot" log="artifacts/${1,,}-aot-publish.log"
  rm -rf "$out"
  dotnet publish "samples/$sample" -c Release -r linux-x64 -o "$out" 2>&1 | tee "$log"
  if grep -E 'warning (IL|WS)[0-9]{4}' "$log"; then
    echo "Native AOT publish of $sample printed warnings" >&2
    exit 1
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# run SAMPLE CHECK [ARGS…]: starts the binary on a free port (from its own folder: wwwroot) and runs the client check.
run() {
  local sample=$1 check=$2 port
  shift 2
  port=$(free_port)
  (cd "artifacts/${sample,,}-aot" && exec "./$sample" --urls "http://127.0.0.1:$port" "$@" > "../${sample,,}-$check-run.log" 2>&1) &
  pids+=($!)
  /usr/bin/python3 eng/aot-smoke-client.py "$check" "$port"
}

publish Echo
run Echo echo
run Echo echo-compressed --EnableCompression=true
publish Dashboard
run Dashboard dashboard

# The typed C# client ([WebSocketClient]) in Native AOT: `Dashboard watch` connects to a dashboard, subscribes with a
# typed send and prints the prices it decodes; it reconnects until that dashboard listens.
port=$(free_port)
(cd artifacts/dashboard-aot && exec ./Dashboard --urls "http://127.0.0.1:$port" > ../dashboard-watch-server.log 2>&1) &
pids+=($!)
(cd artifacts/dashboard-aot && timeout 60 ./Dashboard watch "http://127.0.0.1:$port" ACME 2) | tee artifacts/dashboard-watch.log
if [ "$(grep -c '^ACME [0-9]' artifacts/dashboard-watch.log)" -ne 2 ]; then
  echo "The AOT typed client did not print two ACME prices" >&2
  exit 1
fi
echo "AOT typed client: typed subscribe out, typed prices in"
