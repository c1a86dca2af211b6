"""Python mirrors of the synapses the interop tests exchange (see src/testing/exampleSynapses.ts and
test/interop.test.ts for the TypeScript side)."""
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
