#!/usr/bin/env python3
"""The Kandinsky 2.2 parity fixture: packages/inference/test/fixtures/hf/kandinsky.

    .venv-export/bin/python scripts/models/kandinsky/make_kandinsky_fixture.py [--work DIR]

Builds the tiny source (tiny_kandinsky.py), exports it (export_kandinsky.py) to `model/`, checks
every ONNX part against its PyTorch module with onnxruntime, and records what diffusers does on
CPU in float32: KandinskyV22PriorPipeline, then KandinskyV22Pipeline (text-to-image) or
KandinskyV22Img2ImgPipeline (image-to-image). Every normal draw diffusers makes (the prior's
latents, the UnCLIP scheduler's per-step noise, the decoder's latents or img2img noise, the DDPM
per-step noise) is recorded as raw little-endian float32 .bin files, with the token ids, the
image embeddings, the timesteps and the output PNGs, in `reference.json`. The folder's README.md
is kept (written by hand). Reruns give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from make_fixtures import write_bin, write_json  # noqa: E402 (the writers every fixture maker shares)
import export_kandinsky  # noqa: E402
import tiny_kandinsky  # noqa: E402

REPO = HERE.parents[2]
HF = REPO / "packages/inference/test/fixtures/hf"
FIX = HF / "kandinsky"

CASES = {
    "kandinsky-txt2img": {
        "pipeline": "KandinskyV22Pipeline",
        "prompt": "a watercolor painting of a red fox in the snow",
        "negative_prompt": "blurry, low quality",
        "seed": 7,
    },
    "kandinsky-txt2img-empty-negative": {
        "pipeline": "KandinskyV22Pipeline",
        "prompt": "an isometric castle on a floating island",
        "negative_prompt": "",
        "seed": 11,
    },
    "kandinsky-img2img": {
        "pipeline": "KandinskyV22Img2ImgPipeline",
        "prompt": "a stained glass window of a lighthouse",
        "negative_prompt": "dark",
        "seed": 13,
        "strength": 0.6,
    },
}
SHARED = {"guidance_scale": 4.0, "prior_num_inference_steps": 3, "num_inference_steps": 4, "height": 64, "width": 64}


def log(message: str) -> None:
    print(f"[make_kandinsky_fixture] {message}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(HF)).replace(os.sep, "/")


def versions() -> dict:
    import diffusers
    import onnx
    import onnxruntime
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "diffusers": diffusers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


class NoiseRecorder:
    """Wraps `randn_tensor` in the given modules to record every draw, in order."""

    def __init__(self, modules) -> None:
        self.modules = modules
        self.draws: list = []
        self.saved: dict = {}

    def __enter__(self):
        for module in self.modules:
            original = module.randn_tensor
            self.saved[module] = original

            def wrapper(*args, _original=original, **kwargs):
                tensor = _original(*args, **kwargs)
                self.draws.append(tensor.clone())
                return tensor

            module.randn_tensor = wrapper
        return self

    def __exit__(self, *exc) -> None:
        for module, original in self.saved.items():
            module.randn_tensor = original


def make_input_image(path: Path) -> None:
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:64, 0:64]
    rgb = np.stack(
        [x * 4, 255 - y * 4, np.where((x - 24) ** 2 + (y - 40) ** 2 < 12**2, 220, 30)], axis=-1
    ).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb, "RGB").save(path)


def token_ids(tokenizer, text: str) -> tuple[list[int], list[int]]:
    out = tokenizer(text, padding="max_length", max_length=tokenizer.model_max_length, truncation=True)
    return out.input_ids, out.attention_mask


def run_case(name: str, case: dict, prior_pipe, decoder_pipes: dict, image_path: Path) -> dict:
    import torch
    from diffusers.pipelines.kandinsky2_2 import (
        pipeline_kandinsky2_2,
        pipeline_kandinsky2_2_img2img,
        pipeline_kandinsky2_2_prior,
    )
    from diffusers.schedulers import scheduling_ddpm, scheduling_unclip
    from PIL import Image

    case_dir = FIX / "cases" / name
    c = {**SHARED, **case}
    negative = c["negative_prompt"] or None
    with NoiseRecorder([pipeline_kandinsky2_2_prior, scheduling_unclip]) as prior_noise:
        prior_out = prior_pipe(
            c["prompt"],
            negative_prompt=negative,
            num_inference_steps=c["prior_num_inference_steps"],
            guidance_scale=c["guidance_scale"],
            generator=torch.Generator().manual_seed(c["seed"]),
        )
    prior_timesteps = [int(t) for t in prior_pipe.scheduler.timesteps]
    image_embeds, negative_embeds = prior_out.image_embeds, prior_out.negative_image_embeds
    decoder = decoder_pipes[c["pipeline"]]
    kwargs = {
        "image_embeds": image_embeds,
        "negative_image_embeds": negative_embeds,
        "height": c["height"],
        "width": c["width"],
        "num_inference_steps": c["num_inference_steps"],
        "guidance_scale": c["guidance_scale"],
        "generator": torch.Generator().manual_seed(c["seed"] + 1),
        "output_type": "pil",
    }
    modules = [pipeline_kandinsky2_2, pipeline_kandinsky2_2_img2img, scheduling_ddpm]
    if c["pipeline"] == "KandinskyV22Img2ImgPipeline":
        kwargs["image"] = Image.open(image_path).convert("RGB")
        kwargs["strength"] = c["strength"]
    with NoiseRecorder(modules) as decoder_noise:
        image = decoder(**kwargs).images[0]
    # The decoder's timesteps as run (img2img: the tail of the schedule).
    decoder_timesteps = [int(t) for t in decoder.scheduler.timesteps]
    if c["pipeline"] == "KandinskyV22Img2ImgPipeline":
        k = min(int(c["num_inference_steps"] * c["strength"]), c["num_inference_steps"])
        decoder_timesteps = decoder_timesteps[c["num_inference_steps"] - k :]
    case_dir.mkdir(parents=True, exist_ok=True)
    output = case_dir / "output.png"
    image.save(output)

    tok = prior_pipe.tokenizer
    ids, mask = token_ids(tok, c["prompt"])
    neg_ids, neg_mask = token_ids(tok, c["negative_prompt"])
    record = {
        "pipeline": c["pipeline"],
        "prompt": c["prompt"],
        "negative_prompt": c["negative_prompt"],
        "negative_prompt_passed_to_diffusers": negative,
        "guidance_scale": c["guidance_scale"],
        "prior_guidance_scale": c["guidance_scale"],
        "prior_num_inference_steps": c["prior_num_inference_steps"],
        "num_inference_steps": c["num_inference_steps"],
        "height": c["height"],
        "width": c["width"],
        "generator_seeds": {"prior": c["seed"], "decoder": c["seed"] + 1},
        "token_ids": {"prompt": ids, "prompt_attention_mask": mask, "negative": neg_ids, "negative_attention_mask": neg_mask},
        "prior_timesteps": prior_timesteps,
        "decoder_timesteps": decoder_timesteps,
        "prior_latents": write_bin(case_dir / "prior_latents.bin", prior_noise.draws[0]),
        "prior_noise": [
            write_bin(case_dir / f"prior_noise_{i}.bin", draw) for i, draw in enumerate(prior_noise.draws[1:])
        ],
        "image_embeds": write_bin(case_dir / "image_embeds.bin", image_embeds),
        "negative_image_embeds": write_bin(case_dir / "negative_image_embeds.bin", negative_embeds),
        "decoder_latents": write_bin(case_dir / "decoder_latents.bin", decoder_noise.draws[0]),
        "decoder_noise": [
            write_bin(case_dir / f"decoder_noise_{i}.bin", draw) for i, draw in enumerate(decoder_noise.draws[1:])
        ],
        "output_image": rel(output),
    }
    if c["pipeline"] == "KandinskyV22Img2ImgPipeline":
        record["strength"] = c["strength"]
        record["input_image"] = rel(image_path)
    return record


def onnx_checks(source: Path, model: Path) -> dict:
    """Max abs difference of each ONNX part against its PyTorch module on seeded inputs."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from diffusers import PriorTransformer, UNet2DConditionModel, VQModel
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(0)

    def run(path: Path, feeds: dict) -> list:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {k: v.numpy() for k, v in feeds.items()})

    def diff(a, b) -> float:
        return float(np.abs(np.asarray(a) - b.detach().numpy()).max())

    out: dict = {}
    text = CLIPTextModelWithProjection.from_pretrained(str(source / "prior/text_encoder")).eval()
    ids = torch.tensor([[49406, 320, 1929, 49407] + [49407] * 73])
    with torch.no_grad():
        ref = text(input_ids=ids)
    embeds, hidden = run(model / "prior/text_encoder/model.onnx", {"input_ids": ids})
    out["text_encoder"] = max(diff(embeds, ref.text_embeds), diff(hidden, ref.last_hidden_state))
    prior = PriorTransformer.from_pretrained(str(source / "prior/prior")).eval()
    d = prior.config.embedding_dim
    mask = torch.zeros(3, 77, dtype=torch.long)
    mask[:, :5] = 1
    feeds = {
        "hidden_states": torch.randn(3, d),
        "timestep": torch.tensor([321]),
        "proj_embedding": torch.randn(3, d),
        "encoder_hidden_states": torch.randn(3, 77, d),
        "attention_mask": mask,
    }
    with torch.no_grad():
        ref = prior(
            feeds["hidden_states"], timestep=feeds["timestep"], proj_embedding=feeds["proj_embedding"],
            encoder_hidden_states=feeds["encoder_hidden_states"], attention_mask=mask.bool(),
        ).predicted_image_embedding  # fmt: skip
    out["prior"] = diff(run(model / "prior/prior/model.onnx", feeds)[0], ref)
    unet = UNet2DConditionModel.from_pretrained(str(source / "decoder/unet")).eval()
    feeds = {"sample": torch.randn(2, 4, 32, 32), "timestep": torch.tensor([751]), "image_embeds": torch.randn(2, d)}
    with torch.no_grad():
        ref = unet(
            feeds["sample"], feeds["timestep"], encoder_hidden_states=None,
            added_cond_kwargs={"image_embeds": feeds["image_embeds"]},
        ).sample  # fmt: skip
    out["unet"] = diff(run(model / "unet/model.onnx", feeds)[0], ref)
    movq = VQModel.from_pretrained(str(source / "decoder/movq")).eval()
    latents = torch.randn(1, 4, 32, 32)
    pixels = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        decoded = movq.decode(latents, force_not_quantize=True).sample
        encoded = movq.encode(pixels).latents
    out["movq_decoder"] = diff(run(model / "movq_decoder/model.onnx", {"latent_sample": latents})[0], decoded)
    out["movq_encoder"] = diff(run(model / "movq_encoder/model.onnx", {"sample": pixels})[0], encoded)
    return out


def dedupe_with_clip(root: Path) -> None:
    """Hard-links files identical to the CLIP fixture's (the tokenizer), so `du` counts them once."""
    for path in sorted(root.rglob("*")):
        other = HF / "clip" / path.name
        if path.is_file() and other.is_file() and path.read_bytes() == other.read_bytes():
            path.unlink()
            os.link(other, path)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    import torch
    from diffusers import KandinskyV22Img2ImgPipeline, KandinskyV22Pipeline, KandinskyV22PriorPipeline

    torch.set_num_threads(1)
    work = args.work or Path(tempfile.mkdtemp(prefix="kandinsky-fixture-"))
    source = work / "source"
    shutil.rmtree(source, ignore_errors=True)
    tiny_kandinsky.make_kandinsky(source)
    readme = (FIX / "README.md").read_text(encoding="utf-8") if (FIX / "README.md").exists() else None
    shutil.rmtree(FIX, ignore_errors=True)
    FIX.mkdir(parents=True)
    if readme is not None:
        (FIX / "README.md").write_text(readme, encoding="utf-8")
    model = FIX / "model"
    export_kandinsky.export_kandinsky(source, model)
    log("exported; checking the ONNX parts")
    checks = onnx_checks(source, model)
    image_path = FIX / "inputs" / "image.png"
    make_input_image(image_path)

    prior_pipe = KandinskyV22PriorPipeline.from_pretrained(str(source / "prior")).to("cpu")
    decoder = KandinskyV22Pipeline.from_pretrained(str(source / "decoder")).to("cpu")
    img2img = KandinskyV22Img2ImgPipeline.from_pretrained(str(source / "decoder")).to("cpu")
    for pipe in (prior_pipe, decoder, img2img):
        pipe.set_progress_bar_config(disable=True)
    decoders = {"KandinskyV22Pipeline": decoder, "KandinskyV22Img2ImgPipeline": img2img}
    cases = {}
    for name, case in CASES.items():
        log(f"case {name}")
        cases[name] = run_case(name, case, prior_pipe, decoders, image_path)
    reference = {
        "versions": versions(),
        "model_dir": rel(model),
        "onnx_check": {"max_abs_diff": checks},
        "cases": cases,
    }
    write_json(FIX / "reference.json", reference)
    dedupe_with_clip(model / "prior" / "tokenizer")
    digest = hashlib.sha256()
    for path in sorted(p for p in FIX.rglob("*") if p.is_file()):
        digest.update(rel(path).encode() + b"\0" + path.read_bytes())
    log(f"done: {FIX} (sha256 over all files {digest.hexdigest()[:16]})")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
