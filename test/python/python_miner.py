"""A miner built on the reference Python SDK (bittensor 10.x): a `bt.axon` serving the subnet's
`Capacity` and `Completion` synapses (the mirrors in packages/protocol/test/python/task_synapses.py),
with the SDK's own request verification. Completions run the tiny test LLM in onnxruntime
(tiny_llm.py) and stream `token` / `done` events in the subnet's framing.

    python_miner.py --hotkey-uri //Charlie//hotkey --model-dir DIR [--mode honest|random]
                    [--external-ip 127.0.0.2] [--port 0] [--model-id tiny-llm] [--volume 3]

Prints `READY <port> <hotkey ss58>` once the axon accepts connections, then one JSON line per
answered synapse ({"served": name, "dendrite": hotkey, ...}); stops when stdin closes. With
PYTHON_MINER_DEBUG=1 it prints the exceptions the SDK axon turns into 500 answers.
"""
import argparse
import asyncio
import json
import os
import socket
import sys
import time
from types import SimpleNamespace

import bittensor as bt
from bittensor_wallet import Keypair

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "packages", "protocol", "test", "python"))

import task_synapses  # noqa: E402
from task_synapses import Capacity, TaskCapacity  # noqa: E402
from tiny_llm import Request, TinyLlm  # noqa: E402


class Completion(task_synapses.Completion):
    """The mirror with `prompt` unbounded: an SDK axon first builds the synapse from the request
    headers, where the SDK (ours too) sends required fields as empty placeholders ("" for a
    string), so a `min_length=1` there refuses every request before its body is read. The forward
    function refuses an empty prompt instead."""

    prompt: str


def report(entry: dict) -> None:
    print(json.dumps(entry), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def frame(event: dict) -> dict:
    return {"type": "http.response.body", "body": f"data: {json.dumps(event)}\n\n".encode(), "more_body": True}


def print_axon_errors() -> None:
    """Debug aid: the SDK axon answers 500 for an exception in its middleware and logs it at trace
    level only; this prints each one to stderr."""
    import traceback

    import bittensor.core.axon as axon_module

    original = axon_module.log_and_handle_error

    def logged(synapse, exception, *args, **kwargs):
        traceback.print_exception(exception, file=sys.stderr)
        return original(synapse, exception, *args, **kwargs)

    axon_module.log_and_handle_error = logged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hotkey-uri", required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--model-id", default="tiny-llm")
    parser.add_argument("--mode", choices=["honest", "random"], default="honest")
    parser.add_argument("--external-ip", default="127.0.0.2")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--volume", type=float, default=3)
    args = parser.parse_args()

    if os.environ.get("PYTHON_MINER_DEBUG"):
        print_axon_errors()
    llm = TinyLlm(args.model_dir)
    hotkey = Keypair.create_from_uri(args.hotkey_uri)

    def forward_capacity(synapse: Capacity) -> Capacity:
        synapse.capacities = {
            "Completion": TaskCapacity(volume=args.volume, models=[args.model_id], loras=[]),
        }
        report({"served": "Capacity", "dendrite": synapse.dendrite.hotkey})
        return synapse

    def forward_completion(synapse: Completion):
        request = Request(
            prompt=synapse.prompt,
            max_tokens=synapse.max_tokens,
            temperature=synapse.temperature,
            top_p=synapse.top_p,
            top_k=synapse.top_k,
            top_logprobs=synapse.top_logprobs,
            stop=list(synapse.stop),
            seed=synapse.seed,
        )
        dendrite = synapse.dendrite.hotkey

        async def streamer(send):
            if not request.prompt:
                await send(frame({"type": "error", "message": "prompt: must not be empty"}))
                return
            if synapse.model != args.model_id or synapse.lora is not None:
                await send(frame({"type": "error", "message": f"model {synapse.model} is not served"}))
                return
            events = llm.generate(request, random_tokens=args.mode == "random")
            ids: list[int] = []
            try:
                while True:
                    # onnxruntime runs off the event loop, so the axon keeps answering meanwhile.
                    event = await asyncio.to_thread(next, events, None)
                    if event is None:
                        break
                    if event["type"] == "token":
                        ids.append(event["token_id"])
                    await send(frame(event))
            except Exception as err:  # the stream has started: report the failure in it
                await send(frame({"type": "error", "message": str(err)[:1024]}))
                return
            report({"served": "Completion", "dendrite": dendrite, "seed": request.seed, "token_ids": ids})

        return synapse.create_streaming_response(streamer)

    port = args.port or free_port()
    wallet = SimpleNamespace(hotkey=hotkey, coldkeypub=hotkey)
    axon = bt.Axon(wallet=wallet, port=port, ip=args.external_ip, external_ip=args.external_ip, external_port=port)
    axon.attach(forward_fn=forward_capacity)
    axon.attach(forward_fn=forward_completion)
    axon.start()
    for _ in range(400):
        try:
            with socket.create_connection((args.external_ip, port), timeout=0.1):
                break
        except OSError:
            time.sleep(0.05)
    print(f"READY {port} {hotkey.ss58_address}", flush=True)
    sys.stdin.read()
    axon.stop()


if __name__ == "__main__":
    main()
