"""The reference SDK's axon (bt.Axon, hotkey //Ferdie) serving Capacity on 127.0.0.1 for the axon
benches: the default verification (nonce window, body hash, sr25519 signature), no blacklist or
priority function. Prints one JSON line when it accepts connections:
  {"ready": true, "port": N, "pid": P, "hotkey": "<ss58>", "version": "<bittensor version>"}
and stops when stdin closes or on SIGTERM."""
import json
import os
import signal
import socket
import sys
import time
from types import SimpleNamespace

import bittensor as bt
from bittensor_wallet import Keypair

from python_capacity import BENCH_CAPACITIES, Capacity


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forward_capacity(synapse: Capacity) -> Capacity:
    synapse.capacities = BENCH_CAPACITIES
    return synapse


def main() -> None:
    hotkey = Keypair.create_from_uri("//Ferdie")
    wallet = SimpleNamespace(hotkey=hotkey, coldkeypub=hotkey)
    port = free_port()
    axon = bt.Axon(wallet=wallet, port=port, ip="127.0.0.1", external_ip="127.0.0.1")
    axon.attach(forward_fn=forward_capacity)
    axon.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"bt.Axon did not accept connections on port {port} within 30 s")
            time.sleep(0.05)

    def stop(*_args) -> None:
        axon.stop()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    ready = {"ready": True, "port": port, "pid": os.getpid(), "hotkey": hotkey.ss58_address, "version": bt.__version__}
    print(json.dumps(ready), flush=True)
    sys.stdin.read()
    stop()


if __name__ == "__main__":
    main()
