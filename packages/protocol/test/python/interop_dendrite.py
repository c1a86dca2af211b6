"""The reference SDK's dendrite (hotkey //Alice) against a TypeScript axon (hotkey //Bob).
Usage: interop_dendrite.py <port> <axon_hotkey_ss58>. Prints one JSON object of results."""
import asyncio
import copy
import json
import sys

import aiohttp

import bittensor.utils.networking as networking

# Offline: the SDK would look up our public IP over the internet when a Dendrite is created.
networking.get_external_ip = lambda: "127.0.0.9"

import bittensor as bt  # noqa: E402
from bittensor_wallet import Keypair  # noqa: E402

from interop_synapses import Dummy, Prompting, Sampling, Tokens  # noqa: E402


def summary(s: bt.Synapse, **outputs) -> dict:
    return {
        "dendrite_status": int(s.dendrite.status_code) if s.dendrite.status_code is not None else None,
        "dendrite_message": s.dendrite.status_message,
        "axon_status": s.axon.status_code,
        "axon_hotkey": s.axon.hotkey,
        **outputs,
    }


async def raw_post(url: str, headers: dict, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, json=body) as r:
            return r.status, await r.json(content_type=None)


async def main() -> None:
    port, axon_hotkey = int(sys.argv[1]), sys.argv[2]
    alice = Keypair.create_from_uri("//Alice")
    d = bt.Dendrite(wallet=alice)
    target = bt.AxonInfo(version=0, ip="127.0.0.1", port=port, ip_type=4, hotkey=axon_hotkey, coldkey=axon_hotkey)
    out: dict = {}

    r = await d.call(target, Dummy(dummy_input=21), timeout=10, deserialize=False)
    out["dummy"] = summary(r, dummy_output=r.dummy_output)

    r = await d.call(target, Prompting(roles=["system", "user"], messages=["be brief", "What is 2+2? ünï"]), timeout=10, deserialize=False)
    out["prompting"] = summary(r, completion=r.completion)

    r = await d.call(target, Sampling(prompt="a cat", temperature=0.7, seed=42, stops=["\n", "'"]), timeout=10, deserialize=False)
    out["sampling"] = summary(r, scores=r.scores)

    r = await d.call(target, Sampling(prompt="hot", temperature=5.0, seed=1), timeout=10, deserialize=False)
    out["out_of_range"] = summary(r)

    events, final = [], None
    async for item in d.call_stream(target, Tokens(prompt="tok", n=3), timeout=10, deserialize=False):
        if isinstance(item, bt.Synapse):
            final = item
        else:
            events.append(item)
    out["stream"] = summary(final, events=events)

    # Hand-made requests from the SDK's own signing code, then tampered.
    url = f"http://127.0.0.1:{port}/Dummy"
    signed = d.preprocess_synapse_for_request(target, Dummy(dummy_input=7), timeout=10)
    headers, body = signed.to_headers(), signed.model_dump()
    out["fresh_status"], _ = await raw_post(url, headers, body)
    out["replay_status"], replay = await raw_post(url, headers, body)
    out["replay_message"] = replay.get("message")

    signed = d.preprocess_synapse_for_request(target, Dummy(dummy_input=8), timeout=10)
    headers, body = signed.to_headers(), signed.model_dump()
    bad_sig = dict(headers)
    bad_sig["bt_header_dendrite_signature"] = "0x" + "11" * 64
    out["bad_signature_status"], _ = await raw_post(url, bad_sig, body)

    signed = d.preprocess_synapse_for_request(target, Dummy(dummy_input=9), timeout=10)
    headers, body = signed.to_headers(), copy.deepcopy(signed.model_dump())
    body["dummy_input"] = 10
    out["body_changed_status"], changed = await raw_post(url, headers, body)
    out["body_changed_message"] = changed.get("message")

    await d.aclose_session()
    print(json.dumps(out))


asyncio.run(main())
