#!/usr/bin/env bash
# Resumable delivery under chaos (docs/benchmarks.md, "Chaos"): three nodes behind HAProxy on one redis-server,
# subscribers forced to reconnect, a node SIGKILLed every minute. Installs haproxy and redis-server (apt-get) when missing.
# Extra arguments go to the bench, e.g. bench/chaos.sh --smoke, or bench/chaos.sh --write docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${missing[*]} (apt-get)…"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian's packages may start system-wide services: they are never used; the bench starts its own on free ports.

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dotnet build bench/ChaosServer -c Release -v q -nologo
dotnet build bench/Chaos -c Release -v q -nologo
exec dotnet bench/Chaos/bin/Release/net10.0/Chaos.dll "$@"
