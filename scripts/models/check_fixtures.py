#!/usr/bin/env python3
"""Replays every diffusion case of packages/inference/test/fixtures/hf/sd/reference.json with the
exported ONNX parts only (onnxruntime, the exported tokenizer.json and scheduler_config.json; the
scheduler arithmetic from diffusers) and compares with the diffusers reference: token ids, final
latents (max abs diff) and the output PNG (max abs pixel diff). This is the path our TypeScript
pipeline takes, so it checks that the fixtures are self-consistent.

    .venv-export/bin/python scripts/models/check_fixtures.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

FIX = Path(__file__).resolve().parents[2] / "packages" / "inference" / "test" / "fixtures" / "hf"


def load_bin(entry: dict) -> np.ndarray:
    return np.fromfile(FIX / entry["file"], dtype="<f4").reshape(entry["shape"])


def session(path: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run(sess, feeds: dict) -> dict:
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds)))


def replay(name: str, case: dict) -> dict:
    import diffusers
    import torch
    from PIL import Image
    from transformers import CLIPTokenizerFast

    model = FIX / case["model_dir"]
    config = json.loads((model / "scheduler" / "scheduler_config.json").read_text())
    scheduler = getattr(diffusers, config["_class_name"]).from_config(config)
    steps = case["num_inference_steps"]
    scheduler.set_timesteps(steps)
    guidance = case["guidance_scale"]
    h, w = case["height"], case["width"]
    negative = case["negative_prompt"]
    zero_negative = case["negative_prompt_passed_to_diffusers"] is None and "text_encoder_2" in {
        p.name for p in model.iterdir()
    }
    result: dict = {}
    # --- text
    states, pooled = [], None
    for enc, tok in (("text_encoder", "tokenizer"), ("text_encoder_2", "tokenizer_2")):
        if not (model / enc).is_dir():
            continue
        tokenizer = CLIPTokenizerFast.from_pretrained(str(model / tok))
        ids = [tokenizer(t, padding="max_length", max_length=77, truncation=True).input_ids for t in (negative, case["prompt"])]
        ref = case["token_ids"][tok]
        result[f"{tok}_ids_match"] = ids[0] == ref["negative"] and ids[1] == ref["prompt"]
        out = run(session(model / enc / "model.onnx"), {"input_ids": np.array(ids, dtype=np.int64)})
        hidden_names = sorted((k for k in out if k.startswith("hidden_states.")), key=lambda k: int(k.split(".")[1]))
        if "text_encoder_2" in {p.name for p in model.iterdir()}:
            state = out[hidden_names[-2]]  # SDXL: penultimate layer
        else:
            state = out["last_hidden_state"]
        states.append(state)
        pooled = out.get("text_embeds", out.get("pooler_output"))
    context = np.concatenate(states, axis=-1)
    if zero_negative:
        context[0] = 0
        pooled[0] = 0
    tc = case["text_conditioning"]
    result["prompt_embeds_diff"] = float(np.abs(context[1:] - load_bin(tc["prompt_embeds"])).max())
    result["negative_embeds_diff"] = float(np.abs(context[:1] - load_bin(tc["negative_prompt_embeds"])).max())
    unet = session(model / "unet" / "model.onnx")
    unet_inputs = {i.name for i in unet.get_inputs()}
    extra = {}
    if "text_embeds" in unet_inputs:
        extra["text_embeds"] = pooled.astype(np.float32)
        extra["time_ids"] = np.array([[h, w, 0, 0, h, w]] * 2, dtype=np.float32)
    sf = case["vae_scaling_factor"]

    def encode(pixels: np.ndarray) -> np.ndarray:
        out = run(session(model / "vae_encoder" / "model.onnx"), {"sample": pixels.astype(np.float32)})
        latent = out.get("latent_sample", out.get("latent_parameters"))
        return latent[:, :4] * sf

    # --- initial latents
    timesteps = scheduler.timesteps
    if "strength" in case and "input_mask_image" not in case:
        init_steps = min(int(steps * case["strength"]), steps)
        t_start = max(steps - init_steps, 0)
        timesteps = scheduler.timesteps[t_start * scheduler.order :]
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(t_start * scheduler.order)
        image = np.asarray(Image.open(FIX / case["input_image"]).convert("RGB"), dtype=np.float32)
        pixels = (image / 127.5 - 1).transpose(2, 0, 1)[None]
        image_latents = torch.from_numpy(encode(pixels))
        noise = torch.from_numpy(load_bin(case["noise"][0]))
        latents = scheduler.add_noise(image_latents, noise, timesteps[:1]).numpy()
    else:
        latents = load_bin(case["initial_latents"]) * float(scheduler.init_noise_sigma)
    mask_lat = masked_lat = cond = None
    if "input_mask_image" in case:
        image = np.asarray(Image.open(FIX / case["input_image"]).convert("RGB"), dtype=np.float32)
        mask = np.asarray(Image.open(FIX / case["input_mask_image"]).convert("L"), dtype=np.float32) / 255
        mask = (mask >= 0.5).astype(np.float32)
        pixels = (image / 127.5 - 1).transpose(2, 0, 1)[None] * (mask < 0.5)[None, None]
        masked_lat = np.concatenate([encode(pixels)] * 2)
        small = torch.nn.functional.interpolate(torch.from_numpy(mask)[None, None], size=(h // 8, w // 8)).numpy()
        mask_lat = np.concatenate([small] * 2).astype(np.float32)
    if "control_image" in case:
        control = session(model / "controlnet" / "model.onnx")
        image = np.asarray(Image.open(FIX / case["control_image"]).convert("RGB"), dtype=np.float32) / 255
        cond = np.concatenate([image.transpose(2, 0, 1)[None]] * 2).astype(np.float32)
    # --- denoise
    executed = []
    for t in timesteps:
        executed.append(float(t))
        x = torch.from_numpy(np.concatenate([latents] * 2))
        x = scheduler.scale_model_input(x, t).numpy().astype(np.float32)
        sample = x if mask_lat is None else np.concatenate([x, mask_lat, masked_lat], axis=1)
        feeds = {"sample": sample, "timestep": np.array(float(t), dtype=np.float32), "encoder_hidden_states": context, **extra}
        if cond is not None:
            res = run(control, {"sample": x, "timestep": np.array([float(t)] * 2, dtype=np.float32),
                                "encoder_hidden_states": context, "controlnet_cond": cond})
            scale = case["controlnet_conditioning_scale"]
            for k, v in res.items():
                target = k.replace("down_block_res_sample_", "down_block_additional_residual_").replace(
                    "mid_block_res_sample", "mid_block_additional_residual")
                feeds[target] = v * scale
        noise_pred = run(unet, feeds)["out_sample"]
        guided = noise_pred[:1] + guidance * (noise_pred[1:] - noise_pred[:1])
        latents = scheduler.step(torch.from_numpy(guided), t, torch.from_numpy(latents)).prev_sample.numpy()
    result["timesteps_match"] = executed == [s["timestep"] for s in case["executed_steps"]]
    result["final_latents_diff"] = float(np.abs(latents - load_bin(case["final_latents"])).max())
    decoded = run(session(model / "vae_decoder" / "model.onnx"), {"latent_sample": (latents / sf).astype(np.float32)})["sample"]
    pixels = np.round(np.clip(decoded[0] / 2 + 0.5, 0, 1) * 255).transpose(1, 2, 0)
    expected = np.asarray(Image.open(FIX / case["output_image"]).convert("RGB"), dtype=np.float32)
    result["output_png_max_pixel_diff"] = float(np.abs(pixels - expected).max())
    return result


def main() -> int:
    reference = json.loads((FIX / "sd" / "reference.json").read_text())
    ok = True
    for name, case in reference["cases"].items():
        result = replay(name, case)
        good = (
            all(v for k, v in result.items() if k.endswith("_match"))
            and result["final_latents_diff"] < 1e-3
            and result["output_png_max_pixel_diff"] <= 2
        )
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {name}: " + ", ".join(
            f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
