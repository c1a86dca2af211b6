"""The Capacity synapse as the reference SDK sees it: the same name and field as ours
(packages/protocol/src/tasks/capacity.ts), so that both axons get the same request body, and the
same answer our bench axon gives its validator (see benchAxon.ts)."""
from typing import Optional

import bittensor as bt

BENCH_CAPACITIES = {"TextToImage": {"volume": 100, "models": ["sdxl"], "loras": []}}


class Capacity(bt.Synapse):
    capacities: Optional[dict] = None
