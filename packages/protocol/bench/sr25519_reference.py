"""The reference for the sr25519 bench: the Python SDK's native verify, on one core.

`bittensor.Keypair` is `bittensor_wallet.Keypair`, whose `verify` runs schnorrkel compiled
natively (Rust, through PyO3); the SDK's axon verifies each request signature with it.

Input on stdin: the first line is a JSON list of [message, signature_hex, ss58_address]
triples (every one must verify). Each further line asks for one sample and is answered with
one line `{"verifies_per_s": N}`; with no further lines, one sample is taken. Keypairs are
built once per address, so a sample times the bare verify (the axon also builds a Keypair per
request, which only makes the SDK slower).

  echo '[["msg", "0x…", "5Grw…"]]' | .venv/bin/python sr25519_reference.py --seconds 1
"""

import argparse
import json
import sys
import time

from bittensor_wallet import Keypair


def sample(triples, seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for keypair, message, signature in triples:
            keypair.verify(message, signature)
        done += len(triples)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one sample")
    args = parser.parse_args()

    first = sys.stdin.readline()
    if not first.strip():
        print("sr25519_reference: expected a JSON list of triples on stdin", file=sys.stderr)
        return 2
    keypairs: dict[str, Keypair] = {}
    triples = []
    for message, signature, address in json.loads(first):
        keypair = keypairs.setdefault(address, Keypair(ss58_address=address))
        if not keypair.verify(message, signature):
            print(f"sr25519_reference: a signature by {address} does not verify", file=sys.stderr)
            return 1
        triples.append((keypair, message, signature))
    sample(triples, min(args.seconds, 0.2))  # warm-up

    asked = False
    for _ in sys.stdin:
        asked = True
        print(json.dumps({"verifies_per_s": sample(triples, args.seconds)}), flush=True)
    if not asked:
        print(json.dumps({"verifies_per_s": sample(triples, args.seconds)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
