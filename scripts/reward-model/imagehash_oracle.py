"""Oracle for the dataset builder's hash tests: prints Python imagehash's four hashes of each
image file given on the command line, one JSON object per line."""

import json
import sys

import imagehash
from PIL import Image

for path in sys.argv[1:]:
    image = Image.open(path)
    print(
        json.dumps(
            {
                "average": str(imagehash.average_hash(image)),
                "perceptual": str(imagehash.phash(image)),
                "difference": str(imagehash.dhash(image)),
                "color": str(imagehash.colorhash(image)),
            }
        )
    )
