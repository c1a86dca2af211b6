"""The reference SDK's dendrite (bt.Dendrite, hotkey //Alice) fanning out Capacity to many axons,
for the dendrite fan-out bench. Usage: python_fanout.py <axon_hotkey_ss58> <port>[,<port>...]
Prints {"ready": true, "version": ...}; then for each stdin line `round <n> <k>` it queries the
first n ports k times in a row (one dendrite.forward each, all axons at once) and prints
{"ms": <mean ms per fan-out>, "ok": <fewest answers with status 200 in one fan-out>}.
Exits when stdin closes."""
import asyncio
import json
import sys
import time

import bittensor.utils.networking as networking

# Offline: the SDK would look up our public IP over the internet when a Dendrite is created.
networking.get_external_ip = lambda: "127.0.0.9"

import bittensor as bt  # noqa: E402
from bittensor_wallet import Keypair  # noqa: E402

from python_capacity import Capacity  # noqa: E402


async def main() -> None:
    axon_hotkey = sys.argv[1]
    ports = [int(p) for p in sys.argv[2].split(",")]
    dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//Alice"))
    axons = [
        bt.AxonInfo(version=0, ip="127.0.0.1", port=p, ip_type=4, hotkey=axon_hotkey, coldkey=axon_hotkey)
        for p in ports
    ]
    print(json.dumps({"ready": True, "version": bt.__version__}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        parts = line.split()
        if len(parts) != 3 or parts[0] != "round":
            print(json.dumps({"error": f"unknown command {line.strip()!r}"}), flush=True)
            continue
        n, k = int(parts[1]), int(parts[2])
        total, fewest = 0.0, n
        for _ in range(k):
            t0 = time.perf_counter()
            answers = await dendrite.forward(axons[:n], Capacity(), timeout=12, deserialize=False)
            total += time.perf_counter() - t0
            fewest = min(fewest, sum(1 for a in answers if str(a.dendrite.status_code) == "200"))
        print(json.dumps({"ms": total * 1000 / k, "ok": fewest}), flush=True)
    await dendrite.aclose_session()


asyncio.run(main())
