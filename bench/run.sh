#!/usr/bin/env bash
# Runs the load benchmarks (docs/benchmarks.md): three servers, scenarios a–k (and r), alternating reps.
# Extra arguments go to the harness, e.g. bench/run.sh --scenarios a,b --reps 1 --seconds 2
# Add --write docs/benchmarks.md to update the committed figures.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dotnet build bench/EchoServers -c Release -v q -nologo
dotnet build bench/LoadHarness -c Release -v q -nologo
# A lean client: complete socket operations inline instead of hopping to the thread pool.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
exec dotnet bench/LoadHarness/bin/Release/net10.0/LoadHarness.dll "$@"
