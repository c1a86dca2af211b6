"""PyTorch's side of `bench/torch.bench.ts`: builds random-weight models of real architectures,
exports them with the project's exporters (scripts/models/export_models.py, the code
`pnpm models export` runs, and scripts/models/flux/export_flux.py), and then stays running so the
bench can time PyTorch and our engine in turn on the same CPU threads:

- a ~100M-parameter Qwen2 (tied embeddings, the Qwen vocabulary size): greedy generation of
  N tokens after a fixed prompt with transformers' generate (KV cache);
- a UNet with SD 1.5's block structure at half its widths (exported with torch.onnx under
  Optimum's input and output names): one guided step (batch 2) on 32x32 latents with a
  77-token context;
- a Flux-class diffusion transformer: diffusers' FluxPipeline text-to-image (PNG out) on the
  seeded source scripts/models/flux/tiny_flux.py builds, the one the committed export
  packages/inference/test/fixtures/hf/flux/dev was made from. With --flux-heads H the source's
  transformer is replaced by a wider one (H heads of 128, Flux's head size and rotary axes,
  --flux-layers double and as many single blocks) and exported with export_flux.py into DIR;
- uncrop: diffusers' StableDiffusionInpaintPipeline on the extended canvas and new-area mask of
  the case in packages/inference/test/fixtures/hf/sd/uncrop-reference.json (decode, canvas, mask,
  inpaint, original pixels put back, PNG out), on the seeded source scripts/models/tiny_models.py
  builds for the committed sd-inpaint export. --uncrop-scale K enlarges the image and the
  extensions K times (the image written to DIR, so both sides start from the same PNG).

    python torch_reference.py --out DIR --threads N [--tokens 32] [--device cuda]
        [--parts llm,unet,flux,uncrop] [--flux-size 64] [--flux-steps 4]
        [--flux-heads 0 --flux-layers 2] [--uncrop-scale 1]

Once every part asked for is built it prints `REF <json>` with the export folders, the inputs
used and the versions; then for each line it reads on stdin (`llm`, `unet`, `flux` or `uncrop`)
it runs that once and prints `REF {"seconds": s}` (for `flux` also `"steps"`: the seconds of each
transformer call). It exits when stdin closes. Other stdout lines are the exporters' own.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "packages" / "inference" / "test" / "fixtures" / "hf"
sys.dont_write_bytecode = True  # no __pycache__ next to the scripts it imports
sys.path.insert(0, str(ROOT / "scripts" / "models"))
sys.path.insert(0, str(ROOT / "scripts" / "models" / "flux"))

import export_models  # noqa: E402


DEVICE = "cpu"


def sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(fn) -> float:
    sync()
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def reply(value: dict) -> None:
    print("REF " + json.dumps(value), flush=True)


def build_llm(out: Path, tokens: int):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=151936,
        hidden_size=512,
        intermediate_size=1536,
        num_hidden_layers=8,
        num_attention_heads=8,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=151643,
        bos_token_id=151643,
    )
    model = Qwen2ForCausalLM(config).eval()
    source = out / "qwen2-source"
    model.save_pretrained(source)
    fixture = ROOT / "packages/inference/test/fixtures/hf/llm/qwen2-tied"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if (fixture / name).exists():
            (source / name).write_bytes((fixture / name).read_bytes())
    export_dir = out / "qwen2"
    export_models.export("llm", source, export_dir)
    prompt = [(i * 7919) % 150000 + 100 for i in range(16)]
    ids = torch.tensor([prompt], device=DEVICE)
    model.to(DEVICE)

    def generate():
        with torch.inference_mode():
            model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=tokens,
                min_new_tokens=tokens,
                do_sample=False,
                pad_token_id=0,
            )

    params = sum(p.numel() for p in model.parameters())
    return generate, {"dir": str(export_dir), "params": params, "promptIds": prompt, "tokens": tokens}


def build_unet(out: Path):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(160, 320, 640, 640),
        layers_per_block=2,
        cross_attention_dim=768,
        attention_head_dim=8,
    ).eval()
    export_dir = out / "unet"
    export_dir.mkdir(parents=True, exist_ok=True)
    sample = torch.randn(2, 4, 32, 32)
    timestep = torch.tensor([500.0, 500.0])
    context = torch.randn(2, 77, 768)
    # Exported as Optimum exports a UNet (same input and output names), straight from the module.
    torch.onnx.export(
        unet,
        (sample, timestep, context),
        str(export_dir / "model.onnx"),
        input_names=["sample", "timestep", "encoder_hidden_states"],
        output_names=["out_sample"],
        dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )

    def step():
        with torch.inference_mode():
            unet(sample, timestep, encoder_hidden_states=context)

    unet.to(DEVICE)
    sample, timestep, context = sample.to(DEVICE), timestep.to(DEVICE), context.to(DEVICE)
    params = sum(p.numel() for p in unet.parameters())
    return step, {"dir": str(export_dir), "params": params, "latent": [2, 4, 32, 32], "context": [2, 77, 768]}


def build_flux(out: Path, size: int, steps: int, heads: int, layers: int):
    import io

    import tiny_flux
    from diffusers import FluxPipeline

    source = tiny_flux.build(out / "flux-source", "dev")
    export_dir = FIXTURES / "flux" / "dev"
    if heads > 0:
        import export_flux
        from diffusers import FluxTransformer2DModel

        torch.manual_seed(3)
        wide = FluxTransformer2DModel(
            patch_size=1, in_channels=64, num_layers=layers, num_single_layers=layers, attention_head_dim=128,
            num_attention_heads=heads, joint_attention_dim=tiny_flux.T5_D_MODEL,
            pooled_projection_dim=tiny_flux.CLIP_HIDDEN, guidance_embeds=True, axes_dims_rope=(16, 56, 56),
        ).eval()
        wide.save_pretrained(str(source / "transformer"), safe_serialization=True)
        export_dir = out / "flux"
        torch.manual_seed(0)
        export_flux.export_flux(source, export_dir)
    pipe = FluxPipeline.from_pretrained(str(source), torch_dtype=torch.float32).to(DEVICE)
    pipe.set_progress_bar_config(disable=True)
    prompt = "a lighthouse on a cliff at dusk, oil painting"
    guidance = 3.5
    max_length = pipe.tokenizer_2.model_max_length
    calls: list[float] = []

    def before(_module, _args, _kwargs=None):
        sync()
        calls.append(-time.perf_counter())

    def after(_module, _args, _output):
        sync()
        calls[-1] += time.perf_counter()

    pipe.transformer.register_forward_pre_hook(before)
    pipe.transformer.register_forward_hook(after)

    def generate():
        calls.clear()
        with torch.inference_mode():
            image = pipe(
                prompt=prompt, guidance_scale=guidance, num_inference_steps=steps, height=size, width=size,
                max_sequence_length=max_length, generator=torch.Generator(DEVICE).manual_seed(1), output_type="pil",
            ).images[0]
        image.save(io.BytesIO(), format="PNG")

    params = sum(p.numel() for p in pipe.transformer.parameters())
    info = {
        "dir": str(export_dir), "params": params, "prompt": prompt, "guidance": guidance, "size": size,
        "steps": steps, "textTokens": max_length, "imageTokens": (size // 16) ** 2,
        "committed": heads == 0,
    }
    return generate, (lambda: list(calls)), info


def build_uncrop(out: Path, scale: int):
    import io

    import numpy as np
    import tiny_models
    from diffusers import StableDiffusionInpaintPipeline
    from PIL import Image

    source = out / "sd-inpaint-source"
    tiny_models.make("sd-inpaint", source)
    case = json.loads((FIXTURES / "sd" / "uncrop-reference.json").read_text())["cases"]["sd-uncrop"]
    original = Image.open(FIXTURES / case["uncrop"]["image"]).convert("RGB")
    if scale != 1:
        original = original.resize((original.width * scale, original.height * scale), Image.Resampling.BICUBIC)
    image_path = out / "uncrop-image.png"
    original.save(image_path, format="PNG")
    png = image_path.read_bytes()
    extend = {side: case["uncrop"][f"extend_{side}"] * scale for side in ("left", "right", "top", "bottom")}
    width = original.width + extend["left"] + extend["right"]
    height = original.height + extend["top"] + extend["bottom"]
    pipe = StableDiffusionInpaintPipeline.from_pretrained(
        str(source), safety_checker=None, requires_safety_checker=False
    ).to(DEVICE)
    pipe.set_progress_bar_config(disable=True)
    top, left = extend["top"], extend["left"]

    def uncrop():
        # The canvas as the project's uncrop fills it (each new pixel the nearest image pixel), the
        # mask white on the new area, and the original pixels put back after painting.
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        h, w = pixels.shape[:2]
        canvas = np.pad(pixels, ((top, extend["bottom"]), (left, extend["right"]), (0, 0)), mode="edge")
        mask = np.full(canvas.shape[:2], 255, dtype=np.uint8)
        mask[top : top + h, left : left + w] = 0
        with torch.inference_mode():
            painted = pipe(
                prompt=case["prompt"], negative_prompt=case["negative_prompt"],
                image=Image.fromarray(canvas), mask_image=Image.fromarray(mask),
                guidance_scale=case["guidance_scale"], num_inference_steps=case["num_inference_steps"],
                height=height, width=width, generator=torch.Generator(DEVICE).manual_seed(1), output_type="pil",
            ).images[0]
        result = np.array(painted)
        result[top : top + h, left : left + w] = pixels
        Image.fromarray(result).save(io.BytesIO(), format="PNG")

    params = sum(p.numel() for p in pipe.unet.parameters())
    info = {
        "dir": str(FIXTURES / case["model_dir"]), "params": params, "image": str(image_path),
        "imageSize": [original.width, original.height], "canvas": [width, height],
        "extend": extend, "prompt": case["prompt"], "negativePrompt": case["negative_prompt"],
        "guidance": case["guidance_scale"], "steps": case["num_inference_steps"], "committed": scale == 1,
    }
    return uncrop, info


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--parts", default="llm,unet,flux,uncrop")
    parser.add_argument("--flux-size", type=int, default=64)
    parser.add_argument("--flux-steps", type=int, default=4)
    parser.add_argument("--flux-heads", type=int, default=0)
    parser.add_argument("--flux-layers", type=int, default=2)
    parser.add_argument("--uncrop-scale", type=int, default=1)
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - {"llm", "unet", "flux", "uncrop"})
    if unknown:
        parser.error(f"--parts: unknown {', '.join(unknown)} (llm, unet, flux, uncrop)")
    global DEVICE
    DEVICE = "cuda" if args.device == "cuda" and torch.cuda.is_available() else "cpu"
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import diffusers

    ready: dict = {"torch": torch.__version__, "diffusers": diffusers.__version__, "device": DEVICE, "threads": args.threads}
    runs = {}
    flux_calls = None
    if "llm" in parts:
        runs["llm"], ready["llm"] = build_llm(out, args.tokens)
    if "unet" in parts:
        runs["unet"], ready["unet"] = build_unet(out)
    if "flux" in parts:
        runs["flux"], flux_calls, ready["flux"] = build_flux(
            out, args.flux_size, args.flux_steps, args.flux_heads, args.flux_layers
        )
    if "uncrop" in parts:
        runs["uncrop"], ready["uncrop"] = build_uncrop(out, args.uncrop_scale)
    reply(ready)
    for line in sys.stdin:
        what = line.strip()
        answer = {"seconds": timed(runs[what])}
        if what == "flux" and flux_calls is not None:
            answer["steps"] = flux_calls()
        reply(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
