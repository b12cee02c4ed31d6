"""Echoes messages through the server with python-websockets' permessage-deflate, for every parameter combination
the client offers. Prints one line per combination; exits 1 on the first wrong echo or failed connection."""
import asyncio
import itertools
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

MESSAGES = ["", "Hello", "κόσμε " * 200, "compress me " * 6000, b"", bytes(range(256)) * 300]


async def run(uri):
    combos = itertools.product([False, True], [False, True], [None, 15, 10], [True, None, 9, 15])
    for server_nct, client_nct, server_bits, client_bits in combos:
        factory = ClientPerMessageDeflateFactory(
            server_no_context_takeover=server_nct,
            client_no_context_takeover=client_nct,
            server_max_window_bits=server_bits,
            client_max_window_bits=client_bits,
        )
        name = f"server_nct={server_nct} client_nct={client_nct} server_bits={server_bits} client_bits={client_bits}"
        try:
            async with websockets.connect(uri, extensions=[factory], compression=None, max_size=None) as ws:
                negotiated = any(e.name == "permessage-deflate" for e in ws.extensions)
                for _ in range(2):  # twice: the second round refers back when context is kept
                    for message in MESSAGES:
                        await ws.send(message)
                        echo = await ws.recv()
                        if echo != message:
                            print(f"WRONG ECHO {name}: sent {len(message)} got {len(echo)}")
                            return 1
                print(f"ok {name} negotiated={negotiated}")
        except Exception as error:  # noqa: BLE001 - any failure is the test's answer
            print(f"FAILED {name}: {type(error).__name__}: {error}")
            return 1
    return 0


sys.exit(asyncio.run(run(sys.argv[1])))
