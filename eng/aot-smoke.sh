#!/usr/bin/env bash
# Publishes samples/Echo with Native AOT, fails on any trim/AOT warning, starts the binary on a free
# port and echoes text and binary through it with an independent client (Debian's python3-websockets).
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/echo-aot
rm -rf "$out"
log=artifacts/echo-aot-publish.log
mkdir -p artifacts
dotnet publish samples/Echo -c Release -r linux-x64 -o "$out" 2>&1 | tee "$log"
if grep -E 'warning IL[0-9]{4}' "$log"; then
  echo "Native AOT publish printed trim/AOT warnings" >&2
  exit 1
fi

if ! /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq python3-websockets >/dev/null
fi

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$out/Echo" --urls "http://127.0.0.1:$port" > artifacts/echo-aot-run.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

/usr/bin/python3 - "$port" <<'PY'
import asyncio, sys, websockets
port = sys.argv[1]
async def main():
    for _ in range(100):
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/echo")
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise SystemExit("the AOT Echo binary never accepted a connection")
    try:
        await ws.send("native text ✓")
        assert await ws.recv() == "native text ✓"
        await ws.send(bytes(range(256)))
        assert await ws.recv() == bytes(range(256))
    finally:
        await ws.close()
    assert ws.close_code == 1000, ws.close_code
    print("AOT echo: text and binary echoed, closed with 1000")
asyncio.run(main())
PY
