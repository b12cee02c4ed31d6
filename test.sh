#!/usr/bin/env bash
# Runs every test in the solution (needs the .NET SDK; installs redis-server, chromium, chromium-driver, python3-websockets and nodejs/npm
# from Debian when missing, and @asyncapi/parser and typescript from npm into artifacts/npm) and ends with "tests: N passed, N failed".
# Extra arguments go to each `dotnet test`, e.g. ./test.sh --filter FullyQualifiedName~Snapshot
set -uo pipefail
cd "$(dirname "$0")"

# The scale-out tests start private redis-server instances (free loopback ports, temp directories, stopped at the
# end); the browser tests drive headless Chromium through Debian's chromedriver. Install what is missing.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; } || missing+=(chromium)
{ [ -x /usr/bin/chromedriver ] || command -v chromedriver >/dev/null 2>&1; } || missing+=(chromium-driver)
# The compression interop test drives Debian's python-websockets client (it imports only under /usr/bin/python3).
/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 || missing+=(python3-websockets)
# The AsyncAPI test validates documents with the official parser (@asyncapi/parser, from npm) under node; the
# TypeScript client tests run tsc (typescript, from npm) under node; the browser client's tests run under node --test.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${missing[*]} (apt-get)…"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || echo "Could not install ${missing[*]}: the tests that need them will fail saying so." >&2
fi
# A system-wide redis-server the package may start is never used: the tests run their own on their own ports.

# The AsyncAPI parser, installed once into artifacts/npm (kept between runs; the test installs it too when missing).
if command -v npm >/dev/null 2>&1 && [ ! -d artifacts/npm/node_modules/@asyncapi/parser ]; then
  mkdir -p artifacts/npm
  npm install --prefix artifacts/npm --no-audit --no-fund @asyncapi/parser@3 >/dev/null \
    || echo "Could not install @asyncapi/parser: the AsyncAPI parser test will fail saying so." >&2
fi
# TypeScript (tsc), for the generated TypeScript client's tests; installed the same way.
if command -v npm >/dev/null 2>&1 && [ ! -f artifacts/npm/node_modules/typescript/bin/tsc ]; then
  mkdir -p artifacts/npm
  npm install --prefix artifacts/npm --no-audit --no-fund typescript@5 >/dev/null \
    || echo "Could not install typescript: the TypeScript client's tsc tests will fail saying so." >&2
fi

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
# Browser tests put screenshots of failures here.
export ENDPOINTS_TEST_RESULTS="$PWD/$results"

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
