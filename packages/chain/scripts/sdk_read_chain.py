"""Reads a subnet with the reference Python SDK and prints what it read as JSON.

    .venv/bin/python packages/chain/scripts/sdk_read_chain.py <ws-url> <netuid> [--hotkey SS58] [--direct URL]

Each read is one SDK call that operators use. A call that raises is reported as
{"call": name, "error": "<type>: <message>"} and the others go on, so a caller can name each call
that cannot work on a runtime and why. With --direct, `neurons_lite` is also tried against that
second endpoint (e.g. a chopsticks devnet without packages/chain/src/testing/rpcNormalizer.ts in
front). packages/chain/test/pythonSdk.test.ts compares the output with what @subnet/chain reads.

Output: {"sdk": version, "netuid": n, "calls": [{"call", "value" | "error"}...], "direct": [...]}.
Stakes are in rao, as strings; integers beyond 2**53 are strings too (JSON numbers in JS are doubles).
"""

import argparse
import dataclasses
import json
import os
import sys

# The SDK's logging may write to stdout: keep stdout for the JSON alone.
_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)

import bittensor  # noqa: E402

SAFE_INT = 2**53


def plain(value):
    """JSON-ready: big ints as strings, dataclasses as dicts, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= SAFE_INT else value
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "rao"):  # Balance
        return str(value.rao)
    if hasattr(value, "tolist"):  # numpy / torch
        return plain(value.tolist())
    return repr(value)


def neuron(n):
    axon = n.axon_info
    return {
        "uid": n.uid,
        "hotkey": n.hotkey,
        "coldkey": n.coldkey,
        "stake_rao": str(n.stake.rao),
        "active": bool(n.active),
        "axon": {
            "ip": axon.ip,
            "port": axon.port,
            "ip_type": axon.ip_type,
            "protocol": axon.protocol,
            "version": axon.version,
        },
        "validator_permit": bool(n.validator_permit),
        "last_update": n.last_update,
    }


def metagraph(m):
    return {
        "n": int(m.n),
        "uids": plain(m.uids),
        "hotkeys": list(m.hotkeys),
        "coldkeys": list(m.coldkeys),
        "stake": plain(m.stake),
        "validator_permit": plain(m.validator_permit),
        "last_update": plain(m.last_update),
        "axons": [{"ip": a.ip, "port": a.port} for a in m.axons],
    }


def weights(rows):
    return [[uid, [[dest, w] for dest, w in row]] for uid, row in rows]


def attempt(name, read):
    try:
        return {"call": name, "value": read()}
    except Exception as e:  # noqa: BLE001 - each failure is the report
        return {"call": name, "error": f"{type(e).__name__}: {e}"}


def read_all(subtensor, netuid, hotkey):
    calls = [
        ("get_current_block", lambda: subtensor.get_current_block()),
        ("neurons_lite", lambda: [neuron(n) for n in subtensor.neurons_lite(netuid)]),
        ("neurons", lambda: [neuron(n) for n in subtensor.neurons(netuid)]),
        ("metagraph", lambda: metagraph(subtensor.metagraph(netuid))),
        ("get_metagraph_info", lambda: plain(subtensor.get_metagraph_info(netuid))),
        ("weights", lambda: weights(subtensor.weights(netuid))),
        ("get_subnet_hyperparameters", lambda: plain(subtensor.get_subnet_hyperparameters(netuid))),
        ("tempo", lambda: subtensor.tempo(netuid)),
        ("commit_reveal_enabled", lambda: subtensor.commit_reveal_enabled(netuid)),
        ("get_next_epoch_start_block", lambda: subtensor.get_next_epoch_start_block(netuid)),
    ]
    results = [attempt(name, read) for name, read in calls]
    if hotkey:
        found = attempt(
            "get_uid_for_hotkey_on_subnet",
            lambda: subtensor.get_uid_for_hotkey_on_subnet(hotkey, netuid),
        )
        uid = found.get("value")
        results.append(found)
        calls = [
            (
                "get_neuron_for_pubkey_and_subnet",
                lambda: neuron(subtensor.get_neuron_for_pubkey_and_subnet(hotkey, netuid)),
            ),
            ("blocks_since_last_update", lambda: subtensor.blocks_since_last_update(netuid, uid)),
            ("get_commitment", lambda: subtensor.get_commitment(netuid, uid)),
        ]
        results += [attempt(name, read) for name, read in calls]
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="ws:// endpoint")
    parser.add_argument("netuid", type=int)
    parser.add_argument("--hotkey", help="ss58 of a registered hotkey, for the per-neuron calls")
    parser.add_argument("--direct", help="a second endpoint to try neurons_lite on")
    args = parser.parse_args()

    result = {"sdk": bittensor.__version__, "netuid": args.netuid}
    subtensor = bittensor.Subtensor(network=args.url)
    try:
        result["calls"] = read_all(subtensor, args.netuid, args.hotkey)
    finally:
        subtensor.close()
    if args.direct:
        direct = bittensor.Subtensor(network=args.direct)
        try:
            result["direct"] = [
                attempt(
                    "neurons_lite",
                    lambda: [neuron(n) for n in direct.neurons_lite(args.netuid)],
                )
            ]
        finally:
            direct.close()
    json.dump(result, _out)
    _out.write("\n")
    _out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
