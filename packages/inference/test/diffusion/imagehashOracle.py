"""Reference for the image-hash tests: prints Python imagehash's hashes of each PNG named on the
command line, one JSON object per line, with the field names of the inference package."""

import json
import sys

import imagehash
from PIL import Image

for path in sys.argv[1:]:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        print(
            json.dumps(
                {
                    "average_hash": str(imagehash.average_hash(rgb)),
                    "perceptual_hash": str(imagehash.phash(rgb)),
                    "difference_hash": str(imagehash.dhash(rgb)),
                    "color_hash": str(imagehash.colorhash(rgb)),
                }
            )
        )
