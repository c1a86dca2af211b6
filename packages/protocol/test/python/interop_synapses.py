"""Python mirrors of the synapses the interop tests exchange (see src/testing/exampleSynapses.ts and
test/interop.test.ts for the TypeScript side)."""
import json
from typing import ClassVar, Optional

import bittensor as bt


class Dummy(bt.Synapse):
    dummy_input: int
    dummy_output: Optional[int] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ("dummy_input",)


class Prompting(bt.Synapse):
    roles: list[str]
    messages: list[str]
    completion: Optional[str] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ("roles", "messages")


class Sampling(bt.Synapse):
    prompt: str
    temperature: float
    seed: int
    stops: list[str] = []
    scores: Optional[list[float]] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt", "temperature", "seed", "stops")


class Tokens(bt.StreamingSynapse):
    """A streamed synapse: the answer is `data: <json>\\n\\n` events (our framing, src/streamEvents.ts)."""

    prompt: str
    n: int
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt", "n")

    async def process_streaming_response(self, response):
        buffer = ""
        async for chunk in response.content.iter_any():
            buffer += chunk.decode("utf-8")
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                if block.startswith("data: "):
                    yield json.loads(block[len("data: "):])

    def extract_response_json(self, response) -> dict:
        return {"prompt": self.prompt, "n": self.n, "name": self.name, "timeout": self.timeout}
