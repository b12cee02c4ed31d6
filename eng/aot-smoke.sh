#!/usr/bin/env bash
# Publishes samples/Echo and samples/Dashboard with Native AOT, fails on any trim/AOT warning, starts the binaries
# on free ports and drives them with an independent client (Debian's python3-websockets): echo, and typed messages.
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

# The same binary with permessage-deflate offered (--EnableCompression=true): python's client negotiates it.
cport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$out/Echo" --urls "http://127.0.0.1:$cport" --EnableCompression=true > artifacts/echo-aot-compressed-run.log 2>&1 &
cpid=$!
trap 'kill $pid $cpid 2>/dev/null || true' EXIT
/usr/bin/python3 - "$cport" <<'PY'
import asyncio, sys, websockets
port = sys.argv[1]
async def main():
    for _ in range(100):
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/echo", compression="deflate", max_size=2**22)
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise SystemExit("the compressed AOT Echo never accepted a connection")
    try:
        headers = ws.response_headers if hasattr(ws, "response_headers") else ws.response.headers
        extensions = headers.get("Sec-WebSocket-Extensions", "")
        assert "permessage-deflate" in extensions, extensions
        text = "compress me, I repeat myself ✓ " * 5000
        for _ in range(3):
            await ws.send(text)
            assert await ws.recv() == text
        await ws.send(bytes(range(256)) * 100)
        assert await ws.recv() == bytes(range(256)) * 100
    finally:
        await ws.close()
    print("AOT echo with permessage-deflate: negotiated, text and binary echoed")
asyncio.run(main())
PY

# The Dashboard sample: typed messages both ways through its JsonSerializerContext, under Native AOT.
dash=artifacts/dashboard-aot
rm -rf "$dash"
dashlog=artifacts/dashboard-aot-publish.log
dotnet publish samples/Dashboard -c Release -r linux-x64 -o "$dash" 2>&1 | tee "$dashlog"
if grep -E 'warning (IL|WS)[0-9]{4}' "$dashlog"; then
  echo "Native AOT publish of the Dashboard printed warnings" >&2
  exit 1
fi
dport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
(cd "$dash" && ./Dashboard --urls "http://127.0.0.1:$dport" > ../dashboard-aot-run.log 2>&1) &
dpid=$!
trap 'kill $pid $cpid $dpid 2>/dev/null || true' EXIT

/usr/bin/python3 - "$dport" <<'PY'
import asyncio, json, sys, websockets
port = sys.argv[1]
async def main():
    for _ in range(100):
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/dashboard")
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise SystemExit("the AOT Dashboard binary never accepted a connection")
    try:
        symbols = json.loads(await ws.recv())
        assert symbols["type"] == "symbols" and any(s["symbol"] == "ACME" for s in symbols["symbols"]), symbols
        await ws.send("{not json")                       # OnInvalidMessage: the connection stays
        await ws.send(json.dumps({"type": "subscribe", "symbol": "ACME"}))
        prices = 0
        while prices < 2:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "price":
                assert message["symbol"] == "ACME" and message["value"] > 0, message
                prices += 1
    finally:
        await ws.close()
    print("AOT dashboard: typed subscribe in, typed prices out, invalid JSON survived")
asyncio.run(main())
PY
