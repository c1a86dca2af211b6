#!/usr/bin/env python3
"""Builds the committed FLUX fixture: packages/inference/test/fixtures/hf/flux/.

    .venv-export/bin/python scripts/models/flux/make_flux_fixture.py [--work DIR]

1. tiny_flux.py builds two source models (`dev`: guidance embedding + dynamic shifting;
   `schnell`: no guidance embedding, static shift) in a work folder;
2. export_flux.py exports each to `flux/dev/` and `flux/schnell/`;
3. each ONNX part is checked against its PyTorch module on the cases' real input shapes;
4. a LoRA adapter for the dev transformer (PEFT LoRA, seeded random A and B, saved by diffusers'
   FluxPipeline.save_lora_weights as `loras/dev-style/pytorch_lora_weights.safetensors`), and the
   dev transformer's ONNX checked against diffusers with that adapter loaded;
5. diffusers (CPU, float32) records the reference: FluxPipeline text-to-image (also with the
   adapter loaded by load_lora_weights) and FluxImg2ImgPipeline image-to-image from given initial
   noise (saved as raw float32 .bin), the token ids of both tokenizers for several prompts, the
   scheduler's sigmas / timesteps, the text conditioning, the final latents and the output PNGs,
   all listed in `reference.json`.
6. identical files are hard-linked (the two exports share every part but the transformer).

Reruns give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from make_fixtures import write_bin, write_json  # noqa: E402 (the writers every fixture maker shares)
import export_flux  # noqa: E402
import tiny_flux  # noqa: E402

ROOT = HERE.parents[2]
FIX = ROOT / "packages" / "inference" / "test" / "fixtures" / "hf"
OUT = FIX / "flux"

TOKEN_PROMPTS = [
    "a watercolor painting of a red fox in the snow",
    "",
    "café ☕ 東京 Zebra!",
    "  double  spaces\tand a tab ",
    "A Photograph Of An Astronaut, riding a horse on the moon; high detail (8k)",
    " ".join(["a cat wearing sunglasses"] * 30),
]

CASES = {
    "flux-txt2img": {
        "model": "dev", "pipeline": "FluxPipeline", "prompt": "a watercolor painting of a red fox in the snow",
        "negative_prompt": "blurry, low quality", "guidance_scale": 3.5, "num_inference_steps": 4,
        "height": 48, "width": 64, "seed": 11,
    },
    "flux-img2img": {
        "model": "dev", "pipeline": "FluxImg2ImgPipeline", "prompt": "a cozy cabin in the mountains at sunset",
        "negative_prompt": "", "guidance_scale": 5.0, "num_inference_steps": 5, "strength": 0.6,
        "height": 64, "width": 64, "seed": 12,
    },
    # flux-txt2img with the dev adapter: the same noise, so only the adapter differs.
    "flux-lora-txt2img": {
        "model": "dev", "pipeline": "FluxPipeline", "prompt": "a watercolor painting of a red fox in the snow",
        "negative_prompt": "blurry, low quality", "guidance_scale": 3.5, "num_inference_steps": 4,
        "height": 48, "width": 64, "seed": 11, "lora": "dev-style",
    },
    "flux-schnell-txt2img": {
        "model": "schnell", "pipeline": "FluxPipeline", "prompt": "a small robot reading a book in a library",
        "negative_prompt": "", "guidance_scale": 0.0, "num_inference_steps": 4, "height": 64, "width": 64, "seed": 13,
    },
}


# The dev adapter: PEFT LoRA of rank 4 and alpha 8 (scale 2) on export_flux.LORA_MODULES.
LORAS = {"dev-style": {"model": "dev", "r": 4, "alpha": 8, "seed": 31, "std_a": 0.25, "std_b": 0.2}}
LORA_FILE = "pytorch_lora_weights.safetensors"


def log(message: str) -> None:
    print(f"[flux-fixture] {message}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(FIX)).replace(os.sep, "/")


def versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "transformers", "diffusers", "tokenizers", "onnx", "onnxruntime")}


def input_image(path: Path):
    """A deterministic 64x64 RGB test picture: gradients, a disc and a bar."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:64, 0:64].astype(np.float64)
    r = 40 + 3 * x
    g = 30 + 2.5 * y
    b = 200 - 1.5 * (x + y)
    disc = (x - 40) ** 2 + (y - 24) ** 2 < 12**2
    r[disc], g[disc], b[disc] = 250, 220, 60
    bar = (y > 44) & (y < 52)
    r[bar], g[bar], b[bar] = 20, 90, 40
    pixels = np.clip(np.stack([r, g, b], -1).round(), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, "RGB").save(path, format="PNG", optimize=False, compress_level=9)
    return Image.open(path).convert("RGB")


def compact_tokenizer_json(root: Path) -> None:
    for path in root.rglob("tokenizer.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def dedupe(root: Path) -> None:
    seen: dict[str, Path] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            if not path.samefile(seen[digest]):
                path.unlink()
                os.link(seen[digest], path)
        else:
            seen[digest] = path


def lora_feeds(session, adapter: Path | None = None) -> dict:
    """The transformer's LoRA inputs: rank-1 zeros, or a diffusers Flux LoRA file's tensors as the
    runtime feeds them (A = lora_A^T, B = alpha / r * lora_B^T, alpha and r from the file's
    lora_adapter_metadata)."""
    import numpy as np
    import torch

    tensors, scale = {}, 1.0
    if adapter is not None:
        from safetensors import safe_open

        with safe_open(str(adapter), framework="pt") as f:
            meta = json.loads(f.metadata()["lora_adapter_metadata"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        scale = meta["transformer.lora_alpha"] / meta["transformer.r"]
    feeds = {}
    for i in session.get_inputs():
        if not i.name.startswith("lora."):
            continue
        target, which = i.name[len("lora."):-2], i.name[-1]
        weight = tensors.get(f"{target}.lora_{which}.weight")
        if weight is None:
            shape = [i.shape[0], 1] if which == "A" else [1, i.shape[1]]
            feeds[i.name] = torch.zeros(shape)
        else:
            feeds[i.name] = weight.T.contiguous() if which == "A" else (weight * scale).T.contiguous()
    return feeds


def onnx_check(source: Path, out: Path, txt_len: int, h: int, w: int, adapter: Path | None = None) -> dict:
    """Max abs diff of each ONNX part against its PyTorch module at a case's shapes (with an
    adapter: also the transformer with it loaded by diffusers' load_lora_weights)."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from diffusers import AutoencoderKL, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5EncoderModel

    def run(part: str, feeds: dict, adapter: Path | None = None) -> list:
        session = ort.InferenceSession(str(out / part / "model.onnx"), providers=["CPUExecutionProvider"])
        if part == "transformer":
            feeds = {**feeds, **lora_feeds(session, adapter)}
        return session.run(None, {k: v.numpy() for k, v in feeds.items()})

    diff = lambda a, b: float(np.abs(a - b.detach().numpy()).max())  # noqa: E731
    g = torch.Generator().manual_seed(99)
    result = {}
    with torch.no_grad():
        ids = torch.randint(0, 49406, (1, 77), generator=g)
        ids[0, 10] = 49407
        clip = CLIPTextModel.from_pretrained(str(source / "text_encoder"))(input_ids=ids)
        got = run("text_encoder", {"input_ids": ids})
        result["text_encoder"] = max(diff(got[0], clip.last_hidden_state), diff(got[1], clip.pooler_output))
        t5 = T5EncoderModel.from_pretrained(str(source / "text_encoder_2"))
        ids = torch.randint(0, t5.config.vocab_size, (1, txt_len), generator=g)
        result["text_encoder_2"] = diff(run("text_encoder_2", {"input_ids": ids})[0], t5(input_ids=ids).last_hidden_state)
        model = FluxTransformer2DModel.from_pretrained(str(source / "transformer"))
        seq = (h // 16) * (w // 16)
        img_ids = torch.zeros(h // 16, w // 16, 3)
        img_ids[..., 1] += torch.arange(h // 16)[:, None]
        img_ids[..., 2] += torch.arange(w // 16)[None, :]
        feeds = {
            "hidden_states": torch.randn(1, seq, 64, generator=g),
            "encoder_hidden_states": torch.randn(1, txt_len, model.config.joint_attention_dim, generator=g),
            "pooled_projections": torch.randn(1, model.config.pooled_projection_dim, generator=g),
            "timestep": torch.tensor([0.7]), "img_ids": img_ids.reshape(seq, 3), "txt_ids": torch.zeros(txt_len, 3),
        }
        if model.config.guidance_embeds:
            feeds["guidance"] = torch.tensor([3.5])
        expected = model(**feeds, return_dict=False)[0]
        result["transformer"] = diff(run("transformer", feeds)[0], expected)
        if adapter is not None:
            from diffusers import FluxPipeline

            pipe = FluxPipeline.from_pretrained(str(source), torch_dtype=torch.float32)
            pipe.load_lora_weights(str(adapter.parent), weight_name=adapter.name)
            adapted = pipe.transformer(**feeds, return_dict=False)[0]
            result["transformer+lora"] = diff(run("transformer", feeds, adapter)[0], adapted)
            # The adapter must matter at least this much, or the parity check proves little.
            result["lora_effect"] = float((adapted - expected).abs().max())
        vae = AutoencoderKL.from_pretrained(str(source / "vae"))
        z = torch.randn(1, 16, h // 8, w // 8, generator=g)
        result["vae_decoder"] = diff(run("vae_decoder", {"latent_sample": z})[0], vae.decode(z).sample)
        x = torch.rand(1, 3, h, w, generator=g) * 2 - 1
        result["vae_encoder"] = diff(run("vae_encoder", {"sample": x})[0], vae.encode(x).latent_dist.mean)
    for part, value in result.items():
        if part != "lora_effect" and value > 1e-4:
            raise RuntimeError(f"{out}/{part}: ONNX differs from PyTorch by {value}")
    if adapter is not None and result["lora_effect"] < 0.05:
        raise RuntimeError(f"{adapter}: changes the transformer's output by only {result['lora_effect']}")
    return result


def canonical_safetensors_header(path: Path) -> None:
    """safetensors writes the `__metadata__` entries in hash-map order, which changes between
    runs: rewrite the header with them sorted (same length, same tensors, same bytes after it)."""
    import struct

    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > size:
        raise RuntimeError(f"{path}: the rewritten header is longer than the original")
    path.write_bytes(data[:8] + text + b" " * (size - len(text)) + data[8 + size :])


def make_lora(source: Path, out: Path, spec: dict) -> dict:
    """A PEFT LoRA on the source transformer (export_flux.LORA_MODULES, seeded random A and B),
    saved as diffusers saves a Flux LoRA: `transformer.<module>.lora_A/B.weight` in
    pytorch_lora_weights.safetensors, its LoraConfig under the `lora_adapter_metadata` key."""
    import torch
    from diffusers import FluxPipeline, FluxTransformer2DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    transformer = FluxTransformer2DModel.from_pretrained(str(source / "transformer"))
    config = LoraConfig(
        r=spec["r"], lora_alpha=spec["alpha"], lora_dropout=0.0, init_lora_weights="gaussian",
        target_modules=list(export_flux.LORA_MODULES),
    )
    transformer.add_adapter(config)
    g = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for name, param in transformer.named_parameters():
            if ".lora_A." in name:
                param.copy_(torch.randn(param.shape, generator=g) * spec["std_a"])
            elif ".lora_B." in name:
                param.copy_(torch.randn(param.shape, generator=g) * spec["std_b"])
    state = get_peft_model_state_dict(transformer)
    # Sets become sorted lists so reruns write the same metadata.
    metadata = {k: sorted(v) if isinstance(v, set) else v for k, v in transformer.peft_config["default"].to_dict().items()}
    out.mkdir(parents=True, exist_ok=True)
    FluxPipeline.save_lora_weights(
        str(out), transformer_lora_layers=state, weight_name=LORA_FILE, transformer_lora_adapter_metadata=metadata
    )
    canonical_safetensors_header(out / LORA_FILE)
    targets = sorted({k.removeprefix("transformer.").rsplit(".lora_", 1)[0] for k in state})
    return {
        "file": rel(out / LORA_FILE), "model": spec["model"], "format": "diffusers (FluxPipeline.save_lora_weights)",
        "r": spec["r"], "alpha": spec["alpha"], "scale": spec["alpha"] / spec["r"], "seed": spec["seed"],
        "targets": [f"transformer.{t}" for t in targets],
        "note": "alpha is in the lora_adapter_metadata JSON (transformer.lora_alpha), not in a lora_alpha key",
    }


def token_ids(source: Path) -> dict:
    from transformers import AutoTokenizer, CLIPTokenizer

    clip = CLIPTokenizer.from_pretrained(str(source / "tokenizer"))
    t5 = AutoTokenizer.from_pretrained(str(source / "tokenizer_2"))
    max_length = t5.model_max_length
    return {
        "prompts": TOKEN_PROMPTS,
        "tokenizer": {
            "class": type(clip).__name__, "max_length": 77,
            "ids": [clip(p, padding="max_length", max_length=77, truncation=True).input_ids for p in TOKEN_PROMPTS],
        },
        "tokenizer_2": {
            "class": type(t5).__name__, "max_length": max_length, "pad_token_id": t5.pad_token_id,
            "eos_token_id": t5.eos_token_id,
            "ids": [t5(p, padding="max_length", max_length=max_length, truncation=True).input_ids for p in TOKEN_PROMPTS],
        },
    }


def run_case(name: str, case: dict, source: Path, image) -> dict:
    import torch
    from diffusers import FluxImg2ImgPipeline, FluxPipeline
    from diffusers.pipelines.flux import pipeline_flux, pipeline_flux_img2img

    case_dir = OUT / "cases" / name
    img2img = case["pipeline"] == "FluxImg2ImgPipeline"
    pipe = (FluxImg2ImgPipeline if img2img else FluxPipeline).from_pretrained(str(source), torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    if case.get("lora"):
        pipe.load_lora_weights(str(OUT / "loras" / case["lora"]), weight_name=LORA_FILE)
    max_length = pipe.tokenizer_2.model_max_length
    scale = pipe.vae_scale_factor
    lh, lw = 2 * (case["height"] // (scale * 2)), 2 * (case["width"] // (scale * 2))
    noise = torch.randn(1, 16, lh, lw, generator=torch.Generator().manual_seed(case["seed"]))
    record: dict = {
        "model_dir": f"flux/{case['model']}", **{k: v for k, v in case.items() if k not in ("model", "seed")},
        "max_sequence_length": max_length, "vae_scale_factor": scale,
        "vae_scaling_factor": pipe.vae.config.scaling_factor, "vae_shift_factor": pipe.vae.config.shift_factor,
        "guidance_embeds": bool(pipe.transformer.config.guidance_embeds),
        "scheduler": dict(pipe.scheduler.config),
    }
    record["scheduler"] = {k: v for k, v in record["scheduler"].items() if not k.startswith("_")}
    seen_t: list[float] = []
    final: dict = {}

    def on_step_end(_pipe, i, t, kwargs):
        seen_t.append(float(t))
        final["latents"] = kwargs["latents"]
        return kwargs

    kwargs = dict(
        prompt=case["prompt"], negative_prompt=case["negative_prompt"] or None, guidance_scale=case["guidance_scale"],
        num_inference_steps=case["num_inference_steps"], height=case["height"], width=case["width"],
        max_sequence_length=max_length, output_type="pil", callback_on_step_end=on_step_end,
    )
    packed = pipe._pack_latents(noise, 1, 16, lh, lw)
    original_randn, original_retrieve = pipeline_flux_img2img.randn_tensor, pipeline_flux_img2img.retrieve_latents
    try:
        if img2img:
            # The noise added to the image's latents is ours; the encoder gives the posterior mean.
            pipeline_flux_img2img.randn_tensor = lambda shape, **_: noise.clone()
            pipeline_flux_img2img.retrieve_latents = lambda out, generator=None, sample_mode="sample": original_retrieve(
                out, generator, sample_mode="argmax"
            )
            out = pipe(image=image, strength=case["strength"], **kwargs)
        else:
            out = pipe(latents=packed, **kwargs)
    finally:
        pipeline_flux_img2img.randn_tensor, pipeline_flux_img2img.retrieve_latents = original_randn, original_retrieve
    png = case_dir / "output.png"
    case_dir.mkdir(parents=True, exist_ok=True)
    out.images[0].save(png, format="PNG", optimize=False, compress_level=9)
    prompt_embeds, pooled, text_ids = pipe.encode_prompt(
        prompt=case["prompt"], prompt_2=None, max_sequence_length=max_length
    )
    seq = (lh // 2) * (lw // 2)
    mu = pipeline_flux.calculate_shift(
        seq, pipe.scheduler.config.get("base_image_seq_len", 256), pipe.scheduler.config.get("max_image_seq_len", 4096),
        pipe.scheduler.config.get("base_shift", 0.5), pipe.scheduler.config.get("max_shift", 1.15),
    )
    record.update({
        "image_seq_len": seq,
        "mu": mu if pipe.scheduler.config.use_dynamic_shifting else None,
        "scheduler_sigmas": [float(s) for s in pipe.scheduler.sigmas],
        "scheduler_timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "timesteps_run": seen_t,
        "transformer_timesteps": [float(torch.tensor(t, dtype=torch.float32) / 1000) for t in seen_t],
        "initial_noise": {**write_bin(case_dir / "initial_noise.bin", noise),
                          "note": "standard normal, unpacked [1, 16, h/8, w/8]; packed 2x2 before use"
                          + (" (added to the image latents at the first run sigma)" if img2img else " (the starting latents)")},
        "text_conditioning": {
            "prompt_embeds": write_bin(case_dir / "prompt_embeds.bin", prompt_embeds),
            "pooled_prompt_embeds": write_bin(case_dir / "pooled_prompt_embeds.bin", pooled),
            "txt_ids_all_zero": bool((text_ids == 0).all()),
        },
        "final_latents_packed": write_bin(case_dir / "final_latents.bin", final["latents"]),
        "output_image": rel(png),
    })
    if img2img:
        record["input_image"] = "flux/inputs/image.png"
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    work = args.work or Path(tempfile.mkdtemp(prefix="flux-fixture-"))
    readme = (OUT / "README.md").read_text(encoding="utf-8") if (OUT / "README.md").exists() else None
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    if readme is not None:
        (OUT / "README.md").write_text(readme, encoding="utf-8")
    sources = {}
    checks = {}
    loras = {}
    for variant in ("dev", "schnell"):
        log(f"building {variant}")
        sources[variant] = tiny_flux.build(work / variant, variant)
        log(f"exporting {variant}")
        torch.manual_seed(0)
        export_flux.export_flux(sources[variant], OUT / variant)
        adapter = None
        for name, spec in LORAS.items():
            if spec["model"] == variant:
                log(f"adapter {name}")
                loras[name] = make_lora(sources[variant], OUT / "loras" / name, spec)
                adapter = OUT / "loras" / name / LORA_FILE
        max_length = json.loads((sources[variant] / "tokenizer_2" / "tokenizer_config.json").read_text())["model_max_length"]
        checks[variant] = onnx_check(sources[variant], OUT / variant, max_length, 48, 64, adapter)
    compact_tokenizer_json(OUT)
    image = input_image(OUT / "inputs" / "image.png")
    reference = {
        "versions": versions(),
        "inputs": {"image": "flux/inputs/image.png"},
        "onnx_check": checks,
        "loras": loras,
        "token_ids": {variant: token_ids(sources[variant]) for variant in sources},
        "cases": {},
    }
    for name, case in CASES.items():
        log(f"case {name}")
        reference["cases"][name] = run_case(name, case, sources[case["model"]], image)
    write_json(OUT / "reference.json", reference)
    dedupe(OUT)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
