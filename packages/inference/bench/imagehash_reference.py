"""Reference timing for bench/imageHashes.bench.ts: Python imagehash 4.3.2 on Pillow, the four
hashes the validator computes, on the PNG files named on the command line. Prints one JSON object:
milliseconds per image (median over repeats) for decode + hashes, the hashes alone and the
decode alone."""

import json
import sys
import time

import imagehash
from PIL import Image


def hashes(rgb):
    return (
        str(imagehash.average_hash(rgb)),
        str(imagehash.phash(rgb)),
        str(imagehash.dhash(rgb)),
        str(imagehash.colorhash(rgb)),
    )


def decode(path):
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    rgb.load()
    return rgb


def median_ms(repeats, fn):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1000


repeats = int(sys.argv[1])
paths = sys.argv[2:]
decoded = [decode(p) for p in paths]
total = median_ms(repeats, lambda: [hashes(decode(p)) for p in paths]) / len(paths)
only = median_ms(repeats, lambda: [hashes(rgb) for rgb in decoded]) / len(paths)
decode_only = median_ms(repeats, lambda: [decode(p) for p in paths]) / len(paths)
result = {"total_ms": total, "hashes_ms": only, "decode_ms": decode_only}
print(json.dumps({**result, "hashes": [list(hashes(r)) for r in decoded]}))
