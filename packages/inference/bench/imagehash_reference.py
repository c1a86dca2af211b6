"""Reference side of bench/imageHashes.bench.ts: Python imagehash on Pillow, the four hashes the
validator computes, on the PNG files named on the command line. It stays running so the bench can
time it and our code in turn:

- first it prints `REF {"hashes": [[average, perceptual, difference, colour], ...], "imagehash":
  version, "pillow": version}` (hashes of each file, for the equality check);
- then for each line it reads on stdin (`total`: decode + hashes, `hashes`: the hashes of the
  decoded images, `decode`: the decode alone) it runs that once over every file and prints
  `REF {"ms": milliseconds per image}`. It exits when stdin closes.
"""

import json
import sys
import time

import imagehash
import PIL
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


def reply(value):
    print("REF " + json.dumps(value), flush=True)


def main():
    paths = sys.argv[1:]
    decoded = [decode(p) for p in paths]
    runs = {
        "total": lambda: [hashes(decode(p)) for p in paths],
        "hashes": lambda: [hashes(rgb) for rgb in decoded],
        "decode": lambda: [decode(p) for p in paths],
    }
    reply(
        {
            "hashes": [list(hashes(rgb)) for rgb in decoded],
            "imagehash": imagehash.__version__,
            "pillow": PIL.__version__,
        }
    )
    for line in sys.stdin:
        run = runs[line.strip()]
        start = time.perf_counter()
        run()
        reply({"ms": (time.perf_counter() - start) * 1000 / len(paths)})


if __name__ == "__main__":
    main()
