"""The independent client of eng/aot-smoke.sh (Debian's python3-websockets): drives a Native AOT sample binary.

    aot-smoke-client.py echo PORT             text and binary echoed, closed with 1000
    aot-smoke-client.py echo-compressed PORT  the same with permessage-deflate negotiated
    aot-smoke-client.py dashboard PORT        typed subscribe in, typed prices out, invalid JSON survived
"""
import asyncio, json, sys, websockets


async def connect(url, **options):
    # The binary was just started: wait for it to listen.
    for _ in range(100):
        try:
            return await websockets.connect(url, **options)
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit(f"the AOT binary never accepted a connection at {url}")


async def echo(port):
    ws = await connect(f"ws://127.0.0.1:{port}/echo")
    try:
        await ws.send("native text ✓")
        assert await ws.recv() == "native text ✓"
        await ws.send(bytes(range(256)))
        assert await ws.recv() == bytes(range(256))
    finally:
        await ws.close()
    assert ws.close_code == 1000, ws.close_code
    print("AOT echo: text and binary echoed, closed with 1000")


async def echo_compressed(port):
    ws = await connect(f"ws://127.0.0.1:{port}/echo", compression="deflate", max_size=2**22)
    try:
        headers = ws.response_headers if hasattr(ws, "response_headers") else ws.response.headers
        assert "permessage-deflate" in headers.get("Sec-WebSocket-Extensions", ""), headers
        text = "compress me, I repeat myself ✓ " * 5000
        for _ in range(3):
            await ws.send(text)
            assert await ws.recv() == text
        await ws.send(bytes(range(256)) * 100)
        assert await ws.recv() == bytes(range(256)) * 100
    finally:
        await ws.close()
    print("AOT echo with permessage-deflate: negotiated, text and binary echoed")


async def dashboard(port):
    ws = await connect(f"ws://127.0.0.1:{port}/dashboard")
    try:
        symbols = json.loads(await ws.recv())
        assert symbols["type"] == "symbols" and any(s["symbol"] == "ACME" for s in symbols["symbols"]), symbols
        await ws.send("{not json")  # OnInvalidMessage: the connection stays
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


checks = {"echo": echo, "echo-compressed": echo_compressed, "dashboard": dashboard}
asyncio.run(checks[sys.argv[1]](sys.argv[2]))
