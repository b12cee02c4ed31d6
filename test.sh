#!/usr/bin/env bash
# Runs every test in the solution (needs the .NET SDK; installs redis-server from Debian if missing) and ends with
# "tests: N passed, N failed".
# Extra arguments go to each `dotnet test`, e.g. ./test.sh --filter FullyQualifiedName~Snapshot
set -uo pipefail
cd "$(dirname "$0")"

# The scale-out tests start private redis-server instances (free loopback ports, temp directories, stopped at the
# end); install the server from Debian when it is missing.
if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing redis-server (apt-get)…"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null \
    || echo "Could not install redis-server: the Endpoints.Redis tests will fail saying so." >&2
fi
# The Debian package may start a system-wide server; the tests never use it (their own ports), so leave it be.

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

status=0
if ! dotnet build Endpoints.sln --configuration Release; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  # One results file per project: names made from timestamps can collide when projects finish together.
  dotnet test "$project" --configuration Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "No test results from $name: its test host did not run" >&2
    failed=$((failed + 1))
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the test host failed without reporting a failed test: never call that a pass
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
