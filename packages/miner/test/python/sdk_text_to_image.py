"""The reference SDK's dendrite (bittensor 10.x, hotkey //Alice) asks our miner for a TextToImage.
Usage: sdk_text_to_image.py <port> <miner_hotkey_ss58>. Prints one JSON object.

The synapse class is the Python mirror of our task synapses kept with the protocol package's tests
(packages/protocol/test/python/task_synapses.py), so both ends hash the same fields."""
import asyncio
import json
import os
import sys

import bittensor.utils.networking as networking

# Offline: the SDK would look up our public IP over the internet when a Dendrite is created.
networking.get_external_ip = lambda: "127.0.0.9"

import bittensor as bt  # noqa: E402
from bittensor_wallet import Keypair  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../protocol/test/python"))
from task_synapses import TextToImage  # noqa: E402


async def main() -> None:
    port, miner_hotkey = int(sys.argv[1]), sys.argv[2]
    dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//Alice"))
    target = bt.AxonInfo(version=0, ip="127.0.0.1", port=port, ip_type=4, hotkey=miner_hotkey, coldkey=miner_hotkey)
    synapse = TextToImage(prompt="a lighthouse at dusk", steps=2, cfg_scale=2.0, width=512, height=512, seed=42, model="tiny-sd")
    r = await dendrite.call(target, synapse, timeout=60, deserialize=False)
    await dendrite.aclose_session()
    print(json.dumps({
        "dendrite_status": int(r.dendrite.status_code) if r.dendrite.status_code is not None else None,
        "dendrite_message": r.dendrite.status_message,
        "axon_status": r.axon.status_code,
        "image_b64": r.image_b64,
        "image_hashes": r.image_hashes.model_dump() if r.image_hashes else None,
        "clip_dims": len(r.clip_embedding) if r.clip_embedding else 0,
        "is_nsfw": r.is_nsfw,
    }))


asyncio.run(main())
