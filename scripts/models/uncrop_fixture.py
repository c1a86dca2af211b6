#!/usr/bin/env python3
"""The uncrop (outpainting) case of packages/inference/test/fixtures/hf/sd: diffusers'
StableDiffusionInpaintPipeline on the extended canvas and mask that the project's uncrop builds,
with the tiny inpainting model of the sd fixtures.

    .venv-export/bin/python scripts/models/uncrop_fixture.py [--work DIR]

make_fixtures.py calls `uncrop_case` after the other sd cases; run alone, this rebuilds the
sd-inpaint source (seeded, so the same weights as the committed export) and writes only
sd/inputs/uncrop-*.png, sd/cases/sd-uncrop/ and sd/uncrop-reference.json.

The canvas: the image at (left, top), every new pixel a copy of the nearest image pixel (numpy's
"edge" padding). The mask: white (repaint) on the new area, black on the image; extensions are
multiples of 8, so the mask is whole latent cells.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True

import make_fixtures as mf  # noqa: E402

# The original: a 48 x 40 cut of sd/inputs/image.png (x 8..56, y 8..48), extended to 64 x 64.
CUT = {"x": 8, "y": 8, "width": 48, "height": 40}
EXTEND = {"left": 8, "right": 8, "top": 16, "bottom": 8}


def uncrop_inputs() -> dict:
    import numpy as np
    from PIL import Image

    inputs = mf.FIX / "sd" / "inputs"
    full = np.asarray(Image.open(inputs / "image.png").convert("RGB"))
    cut = full[CUT["y"] : CUT["y"] + CUT["height"], CUT["x"] : CUT["x"] + CUT["width"]]
    Image.fromarray(np.ascontiguousarray(cut), "RGB").save(inputs / "uncrop-image.png")
    pad = ((EXTEND["top"], EXTEND["bottom"]), (EXTEND["left"], EXTEND["right"]), (0, 0))
    canvas = np.pad(cut, pad, mode="edge")
    Image.fromarray(canvas, "RGB").save(inputs / "uncrop-canvas.png")
    mask = np.full(canvas.shape[:2], 255, dtype=np.uint8)
    mask[EXTEND["top"] : EXTEND["top"] + CUT["height"], EXTEND["left"] : EXTEND["left"] + CUT["width"]] = 0
    Image.fromarray(mask, "L").convert("RGB").save(inputs / "uncrop-mask.png")
    return {
        "uncrop_image": "sd/inputs/uncrop-image.png",
        "uncrop_canvas": "sd/inputs/uncrop-canvas.png",
        "uncrop_mask": "sd/inputs/uncrop-mask.png",
    }


def uncrop_case(source: Path) -> None:
    from diffusers import StableDiffusionInpaintPipeline

    images = uncrop_inputs()
    case = dict(
        model_dir="sd/sd-inpaint", latent_seed=6, generator_seed=44,
        kwargs=dict(
            prompt="the rest of the garden behind the bench", negative_prompt="frame, border",
            image="uncrop_canvas", mask_image="uncrop_mask",
            guidance_scale=7.5, num_inference_steps=4, height=64, width=64,
        ),
        notes={"noise_use": (
            "uncrop = inpaint of the extended canvas (input_image) with the new-area mask (input_mask_image), "
            "strength 1.0 as in the sd-inpaint case; the project then puts the original pixels (uncrop_image) "
            "back, so only the new area is compared with output_image."
        )},
    )
    mf.log("sd case sd-uncrop")
    pipe = StableDiffusionInpaintPipeline.from_pretrained(str(source))
    record = mf.run_case(case, pipe, mf.FIX / "sd" / "cases" / "sd-uncrop", images)
    record["uncrop"] = {"image": images["uncrop_image"], **{f"extend_{k}": v for k, v in EXTEND.items()}}
    mf.write_json(mf.FIX / "sd" / "uncrop-reference.json", {"versions": mf.versions(), "cases": {"sd-uncrop": record}})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="uncrop-fixture-"))
    source = mf.build("sd-inpaint", work / "src" / "sd-inpaint")
    uncrop_case(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
