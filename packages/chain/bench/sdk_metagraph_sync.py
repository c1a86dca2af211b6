"""The reference side of metagraph.bench.ts: the Python SDK's own metagraph sync, timed warm.

    .venv/bin/python packages/chain/bench/sdk_metagraph_sync.py <ws-url> <netuid>

Connects once (`Subtensor`), builds one `Metagraph(netuid, lite=True, sync=False)` and prints
{"ready": true, "sdk": version}. Then, for each line read on stdin, runs `Metagraph.sync(lite=True)`
and prints one JSON line: {"ms": wall time of the sync, "n", "block", "hotkeys"}.

`sync` is the SDK's whole code path but its last step: `_apply_extra_info` asks
`get_metagraph_info`, which on a runtime without mechanisms (spec 293) fails inside the SDK before
the chain is asked (packages/chain/test/pythonSdk.test.ts names the bug), so it is skipped here. What
stays is what a lite sync reads: the current block, `neurons_lite` (NeuronInfoRuntimeApi) and
`get_subnet_state` (stakes), at that block.
"""

import json
import os
import sys
import time

# The SDK's logging may write to stdout: keep stdout for the JSON lines alone.
_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

import bittensor  # noqa: E402


def emit(value):
    _out.write(json.dumps(value) + "\n")
    _out.flush()


def main():
    url, netuid = sys.argv[1], int(sys.argv[2])
    subtensor = bittensor.Subtensor(network=url)
    metagraph = bittensor.Metagraph(
        netuid=netuid, network=url, lite=True, sync=False, subtensor=subtensor
    )
    # The one step that cannot run on spec 293 (see the module docstring).
    metagraph._apply_extra_info = lambda block: None
    emit({"ready": True, "sdk": bittensor.__version__})
    for _line in sys.stdin:
        start = time.perf_counter()
        metagraph.sync(lite=True, subtensor=subtensor)
        ms = (time.perf_counter() - start) * 1000
        emit(
            {
                "ms": ms,
                "n": int(metagraph.n),
                "block": int(metagraph.block),
                "hotkeys": list(metagraph.hotkeys),
            }
        )


if __name__ == "__main__":
    main()
