"""Serves a reference-SDK axon (hotkey //Bob) on 127.0.0.1 for the interop tests.
Prints `READY <port>` once it listens; stops when stdin closes."""
import socket
import sys
from types import SimpleNamespace

import bittensor as bt
from bittensor_wallet import Keypair

import json

from interop_synapses import Dummy, Prompting, Sampling, Tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forward_dummy(synapse: Dummy) -> Dummy:
    synapse.dummy_output = synapse.dummy_input * 2
    return synapse


def forward_prompting(synapse: Prompting) -> Prompting:
    synapse.completion = " | ".join(f"{r}: {m}" for r, m in zip(synapse.roles, synapse.messages))
    return synapse


def forward_sampling(synapse: Sampling) -> Sampling:
    synapse.scores = [synapse.temperature * 2, 1e-05, float(synapse.seed)]
    return synapse


def forward_tokens(synapse: Tokens):
    async def streamer(send):
        for i in range(synapse.n):
            event = json.dumps({"index": i, "text": f"{synapse.prompt}-{i}"})
            await send({"type": "http.response.body", "body": f"data: {event}\n\n".encode(), "more_body": True})

    return synapse.create_streaming_response(streamer)


def main() -> None:
    hotkey = Keypair.create_from_uri("//Bob")
    wallet = SimpleNamespace(hotkey=hotkey, coldkeypub=hotkey)
    port = free_port()
    axon = bt.Axon(wallet=wallet, port=port, ip="127.0.0.1", external_ip="127.0.0.1")
    axon.attach(forward_fn=forward_dummy)
    axon.attach(forward_fn=forward_prompting)
    axon.attach(forward_fn=forward_sampling)
    axon.attach(forward_fn=forward_tokens)
    axon.start()
    # wait until uvicorn accepts connections
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            import time

            time.sleep(0.05)
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    axon.stop()


if __name__ == "__main__":
    main()
