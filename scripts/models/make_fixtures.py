#!/usr/bin/env python3
"""Builds packages/inference/test/fixtures/hf: tiny random-weight HF models exported to ONNX with
export_models.py (through its CLI), plus PyTorch / diffusers reference outputs.

    .venv-export/bin/python scripts/models/make_fixtures.py [--only llm,sd,clip,upscaler] [--work DIR]

Steps: tiny_models.py builds each source folder (seeded), export_models.py exports it, then the
reference outputs are recorded with transformers / diffusers on CPU in float32, and every ONNX
part is checked against its PyTorch module with onnxruntime (max abs diffs are printed and stored
in the reference files under "onnx_check").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIX = REPO / "packages" / "inference" / "test" / "fixtures" / "hf"
PY = sys.executable
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ next to the scripts

import tiny_models  # noqa: E402


def log(message: str) -> None:
    print(f"[fixtures] {message}", file=sys.stderr, flush=True)


def run_quiet(cmd: list[str]) -> str:
    """Runs a script; shows its own progress lines, the full stderr only on failure."""
    result = subprocess.run(cmd, capture_output=True, text=True)
    for line in result.stderr.splitlines():
        if line.startswith(("[export]", "[tiny_models]")):
            print("    " + line, file=sys.stderr)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}")
    return result.stdout


def build(arch: str, out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    run_quiet([PY, str(HERE / "tiny_models.py"), arch, str(out)])
    return out


def export(kind: str, source: Path, out: Path) -> dict:
    if out.exists():
        shutil.rmtree(out)
    stdout = run_quiet([PY, str(HERE / "export_models.py"), "--kind", kind, "--source", str(source), "--out", str(out)])
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["kind"] == kind and result["out"] == str(out), result
    listed = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert listed == result["files"], (listed, result["files"])
    return result


def compact_json(path: Path) -> None:
    """Same JSON, no indentation (transformers pretty-prints tokenizer.json at ~2x the size)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_bin(path: Path, tensor) -> dict:
    import numpy as np

    array = np.ascontiguousarray(tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else tensor, dtype="<f4")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(array.tobytes())
    return {"file": str(path.relative_to(FIX)).replace(os.sep, "/"), "shape": list(array.shape), "dtype": "float32"}


def floats(tensor, n: int | None = None) -> list[float]:
    flat = tensor.detach().double().flatten().tolist()
    return flat if n is None else flat[:n]


def write_json(path: Path, data) -> None:
    """Indented JSON with lists of numbers kept on one line."""
    import re

    text = json.dumps(data, indent=2, ensure_ascii=False)
    number_list = re.compile(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]")
    text = number_list.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    path.write_text(text + "\n", encoding="utf-8")


def versions() -> dict:
    import diffusers
    import onnx
    import onnxruntime
    import optimum
    import peft
    import torch
    import transformers

    try:
        from importlib.metadata import version

        optimum_onnx = version("optimum-onnx")
        optimum_version = version("optimum")
    except Exception:  # noqa: BLE001
        optimum_onnx, optimum_version = "?", getattr(optimum, "__version__", "?")
    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "diffusers": diffusers.__version__,
        "optimum": optimum_version,
        "optimum-onnx": optimum_onnx,
        "peft": peft.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


# =============================================================================================
# LLM

LLM_PROMPTS = {
    "llama": "The capital of France is",
    "qwen2-tied": "Once upon a time, in a small village,",
}
CHAT_MESSAGES = [
    {"role": "system", "content": "You are a terse assistant."},
    {"role": "user", "content": "Hi! What is 2+2?"},
    {"role": "assistant", "content": "4."},
    {"role": "user", "content": "And 3+3? Answer in one word."},
]


def ort_greedy(model_path: Path, prompt_ids: list[int], steps: int, config) -> tuple[list[int], list]:
    """Greedy decoding with the exported model (KV cache), returning ids and per-step logits."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    n_layers = config.num_hidden_layers
    n_kv = config.num_key_value_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    past = {}
    for i in range(n_layers):
        for kv in ("key", "value"):
            past[f"past_key_values.{i}.{kv}"] = np.zeros((1, n_kv, 0, head_dim), dtype=np.float32)
    ids = list(prompt_ids)
    feed_ids = ids
    out_ids, all_logits = [], []
    input_names = {i.name for i in session.get_inputs()}
    for _ in range(steps):
        total = len(ids)
        feeds = {
            "input_ids": np.array([feed_ids], dtype=np.int64),
            "attention_mask": np.ones((1, total), dtype=np.int64),
            **past,
        }
        if "position_ids" in input_names:
            feeds["position_ids"] = np.arange(total - len(feed_ids), total, dtype=np.int64)[None, :]
        outputs = session.run(None, feeds)
        names = [o.name for o in session.get_outputs()]
        result = dict(zip(names, outputs))
        logits = result["logits"][0, -1]
        all_logits.append(logits)
        token = int(np.argmax(logits))
        out_ids.append(token)
        ids.append(token)
        feed_ids = [token]
        for i in range(n_layers):
            for kv in ("key", "value"):
                past[f"past_key_values.{i}.{kv}"] = result[f"present.{i}.{kv}"]
    return out_ids, all_logits


def llm_reference(name: str, source: Path, out: Path, adapter: Path | None) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(str(out))
    model = AutoModelForCausalLM.from_pretrained(str(source), torch_dtype=torch.float32).eval()
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter)).eval()
    arch = out.name
    prompt = LLM_PROMPTS[arch]
    encoded = tokenizer(prompt, return_tensors="pt")
    generation = GenerationConfig.from_pretrained(str(out))
    eos = generation.eos_token_id if isinstance(generation.eos_token_id, list) else [generation.eos_token_id]
    with torch.no_grad():
        result = model.generate(
            **encoded,
            do_sample=False,
            max_new_tokens=20,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=eos[0],
        )
    prompt_len = encoded.input_ids.shape[1]
    generated = result.sequences[0, prompt_len:].tolist()
    logprobs, margins = [], []
    for step, token in enumerate(generated):
        lp = torch.log_softmax(result.logits[step][0].double(), dim=-1)
        logprobs.append(float(lp[token]))
        top2 = torch.topk(result.logits[step][0].double(), 2).values
        margins.append(float(top2[0] - top2[1]))
    chat_ids = tokenizer.apply_chat_template(CHAT_MESSAGES, add_generation_prompt=True, tokenize=True)
    if isinstance(chat_ids, dict) or hasattr(chat_ids, "input_ids"):
        chat_ids = chat_ids["input_ids"]
    chat_text = tokenizer.apply_chat_template(CHAT_MESSAGES, add_generation_prompt=True, tokenize=False)
    ref = {
        "model_dir": f"llm/{arch}",
        "adapter_dir": f"llm/{adapter.name}" if adapter is not None else None,
        "prompt": prompt,
        "add_special_tokens": True,
        "prompt_ids": encoded.input_ids[0].tolist(),
        "generated_ids": generated,
        "generated_text": tokenizer.decode(generated),
        "logprobs": logprobs,
        "top2_logit_margins": margins,
        "stopped_at_eos": len(generated) < 20,
        "eos_token_id": eos,
        "bos_token_id": generation.bos_token_id,
        "chat": {
            "messages": CHAT_MESSAGES,
            "add_generation_prompt": True,
            "text": chat_text,
            "ids": list(chat_ids),
        },
    }
    if adapter is None:
        ort_ids, ort_logits = ort_greedy(out / "model.onnx", ref["prompt_ids"], 20, model.config)
        diff = max(float(abs(torch.from_numpy(a) - b[0]).max()) for a, b in zip(ort_logits, result.logits))
        same = ort_ids[: len(generated)] == generated
        log(f"{arch}: onnxruntime greedy ids {'match' if same else 'DIFFER'}; max |logits diff| = {diff:.3g}")
        ref["onnx_check"] = {"greedy_ids_match": same, "max_abs_logits_diff": diff}
        if not same:
            raise RuntimeError(f"{arch}: onnxruntime greedy ids differ from transformers: {ort_ids} vs {generated}")
    return ref


def llm_fixtures(work: Path) -> None:
    import torch

    torch.manual_seed(0)
    refs: dict = {"versions": versions(), "max_new_tokens": 20, "greedy": True, "models": {}}
    for arch in ("llama", "qwen2-tied"):
        log(f"llm {arch}")
        source = build(arch, work / "src" / arch)
        out = FIX / "llm" / arch
        export("llm", source, out)
        compact_json(out / "tokenizer.json")
        # Qwen2TokenizerFast also writes the slow vocab.json + merges.txt (4 MB): the loader reads
        # tokenizer.json, so they are left out of the fixture to keep it small.
        for slow in ("vocab.json", "merges.txt"):
            if (out / slow).is_file() and (out / "tokenizer.json").is_file():
                (out / slow).unlink()
        lora_dir = FIX / "llm" / f"{arch}-lora"
        if lora_dir.exists():
            shutil.rmtree(lora_dir)
        tiny_models.make_lora(f"{arch}-lora", lora_dir, base=source)
        refs["models"][arch] = llm_reference(arch, source, out, None)
        refs["models"][f"{arch}+{arch}-lora"] = llm_reference(arch, source, out, lora_dir)
        # the adapter must change the greedy output
        if refs["models"][arch]["generated_ids"] == refs["models"][f"{arch}+{arch}-lora"]["generated_ids"]:
            raise RuntimeError(f"{arch}: the LoRA adapter does not change the greedy ids")
    write_json(FIX / "llm" / "reference.json", refs)


# =============================================================================================
# Images

def make_images() -> dict:
    import numpy as np
    from PIL import Image

    inputs = FIX / "sd" / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:64, 0:64]
    rgb = np.stack(
        [x * 4, y * 4, np.where((x - 40) ** 2 + (y - 24) ** 2 < 14**2, 230, 40)], axis=-1
    ).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(inputs / "image.png")
    mask = np.zeros((64, 64), dtype=np.uint8)
    mask[16:48, 24:56] = 255  # aligned to the 8-pixel latent grid
    Image.fromarray(mask, "L").convert("RGB").save(inputs / "mask.png")
    scribble = np.zeros((64, 64, 3), dtype=np.uint8)
    for i in range(8, 56):
        scribble[i, i, :] = 255
        scribble[i, 63 - i, :] = 255
    r = np.hypot(x - 32, y - 32)
    scribble[(r > 18) & (r < 20.5)] = 255
    Image.fromarray(scribble, "RGB").save(inputs / "scribble.png")
    clip_in = FIX / "clip" / "inputs"
    clip_in.mkdir(parents=True, exist_ok=True)
    small = np.stack([x[:32, :32] * 8, 255 - y[:32, :32] * 8, (x[:32, :32] * y[:32, :32]) % 256], axis=-1)
    Image.fromarray(small.astype(np.uint8), "RGB").save(clip_in / "image.png")
    return {"image": "sd/inputs/image.png", "mask": "sd/inputs/mask.png", "scribble": "sd/inputs/scribble.png"}


# =============================================================================================
# Stable Diffusion


class NoiseRecorder:
    """Replaces `randn_tensor` in the given modules by a wrapper that records every draw."""

    def __init__(self, modules) -> None:
        self.modules = [m for m in modules if hasattr(m, "randn_tensor")]
        self.draws: list[tuple[str, object]] = []
        self.saved = {}

    def __enter__(self):
        for module in self.modules:
            original = module.randn_tensor
            self.saved[module] = original

            def wrapper(*args, _original=original, _where=module.__name__, **kwargs):
                tensor = _original(*args, **kwargs)
                self.draws.append((_where, tensor.clone()))
                return tensor

            module.randn_tensor = wrapper
        return self

    def __exit__(self, *exc) -> None:
        for module, original in self.saved.items():
            module.randn_tensor = original


class VaeMean:
    """Makes the pipeline module's `retrieve_latents` use the posterior mean (as our VAE encoder)."""

    def __init__(self, module) -> None:
        self.module = module
        self.original = getattr(module, "retrieve_latents", None)

    def __enter__(self):
        if self.original is not None:
            original = self.original
            self.module.retrieve_latents = lambda out, generator=None, sample_mode="sample": original(
                out, generator, sample_mode="argmax"
            )
        return self

    def __exit__(self, *exc) -> None:
        if self.original is not None:
            self.module.retrieve_latents = self.original


def clip_ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, padding="max_length", max_length=tokenizer.model_max_length, truncation=True).input_ids


def run_case(case: dict, pipe, case_dir: Path, images: dict) -> dict:
    import importlib

    import torch
    from PIL import Image

    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True, exist_ok=True)
    pipe.set_progress_bar_config(disable=True)
    kwargs = dict(case["kwargs"])
    record: dict = {
        "model_dir": case["model_dir"],
        "pipeline": type(pipe).__name__,
        "prompt": kwargs["prompt"],
        "negative_prompt": case.get("negative_for_ts", kwargs.get("negative_prompt")),
        "negative_prompt_passed_to_diffusers": kwargs.get("negative_prompt"),
        "guidance_scale": kwargs["guidance_scale"],
        "num_inference_steps": kwargs["num_inference_steps"],
        "height": kwargs["height"],
        "width": kwargs["width"],
        "scheduler": {"class": type(pipe.scheduler).__name__, **{k: v for k, v in pipe.scheduler.config.items() if not k.startswith("_")}},
        "vae_scaling_factor": pipe.vae.config.scaling_factor,
    }
    for key in ("strength", "controlnet_conditioning_scale"):
        if key in kwargs:
            record[key] = kwargs[key]
    for key in ("image", "mask_image"):
        if key in kwargs:
            record["input_" + key] = images[kwargs[key]]
            kwargs[key] = Image.open(FIX / images[kwargs[key]]).convert("RGB")
    if "control_image" in case:
        record["control_image"] = images[case["control_image"]]
        kwargs["image"] = Image.open(FIX / images[case["control_image"]]).convert("RGB")
        record["control_image_preprocess"] = "pixels / 255, [1, 3, H, W], no normalisation"
    # token ids for each tokenizer
    tokens = {}
    for name in ("tokenizer", "tokenizer_2"):
        tok = getattr(pipe, name, None)
        if tok is None:
            continue
        tokens[name] = {
            "pad_token": tok.pad_token,
            "prompt": clip_ids(tok, kwargs["prompt"]),
            "negative": clip_ids(tok, record["negative_prompt"] or ""),
        }
    record["token_ids"] = tokens
    # text conditioning (what the UNet gets as encoder_hidden_states etc.)
    record["text_conditioning"] = text_conditioning(pipe, kwargs, case_dir)
    # initial latents: standard normal, seeded, independent of the scheduler
    latent_shape = (1, pipe.unet.config.out_channels, kwargs["height"] // 8, kwargs["width"] // 8)
    if case.get("latents", True):
        g = torch.Generator().manual_seed(case["latent_seed"])
        latents = torch.randn(latent_shape, generator=g, dtype=torch.float32)
        record["initial_latents"] = write_bin(case_dir / "initial_latents.bin", latents)
        record["initial_latents"]["note"] = (
            "seeded standard normal passed to diffusers as latents=; diffusers multiplies it by "
            "init_noise_sigma (below) before the first step"
        )
        kwargs["latents"] = latents.clone()
    generator = torch.Generator().manual_seed(case.get("generator_seed", 0))
    kwargs["generator"] = generator
    steps: list[dict] = []
    final = {}

    def on_step_end(_pipe, i, t, callback_kwargs):
        steps.append({"index": i, "timestep": float(t)})
        final["latents"] = callback_kwargs["latents"].clone()
        return callback_kwargs

    kwargs["callback_on_step_end"] = on_step_end
    kwargs["callback_on_step_end_tensor_inputs"] = ["latents"]
    pipe_module = importlib.import_module(type(pipe).__module__)
    scheduler_module = importlib.import_module(type(pipe.scheduler).__module__)
    with NoiseRecorder([pipe_module, scheduler_module]) as recorder, VaeMean(pipe_module), torch.no_grad():
        output = pipe(**kwargs, output_type="pil")
    record["init_noise_sigma"] = float(pipe.scheduler.init_noise_sigma)
    record["scheduler_timesteps"] = [float(t) for t in pipe.scheduler.timesteps]
    if hasattr(pipe.scheduler, "sigmas"):
        record["scheduler_sigmas"] = [float(s) for s in pipe.scheduler.sigmas]
    record["executed_steps"] = steps
    noises = []
    for n, (where, tensor) in enumerate(recorder.draws):
        entry = write_bin(case_dir / f"noise_{n}.bin", tensor)
        entry["drawn_in"] = where
        noises.append(entry)
    record["noise"] = noises
    record["final_latents"] = write_bin(case_dir / "final_latents.bin", final["latents"])
    record["final_latents"]["note"] = "latents after the last scheduler step, before / scaling_factor and the VAE decoder"
    output.images[0].save(case_dir / "output.png")
    record["output_image"] = str((case_dir / "output.png").relative_to(FIX))
    record.update(case.get("notes", {}))
    return record


def text_conditioning(pipe, kwargs: dict, case_dir: Path) -> dict:
    import torch

    prompt, negative = kwargs["prompt"], kwargs.get("negative_prompt")
    out: dict = {}
    with torch.no_grad():
        if getattr(pipe, "text_encoder_2", None) is not None:
            pe, ne, pp, npool = pipe.encode_prompt(
                prompt, device="cpu", num_images_per_prompt=1, do_classifier_free_guidance=True, negative_prompt=negative
            )
            out["prompt_embeds"] = write_bin(case_dir / "prompt_embeds.bin", pe)
            out["negative_prompt_embeds"] = write_bin(case_dir / "negative_prompt_embeds.bin", ne)
            out["pooled_prompt_embeds"] = write_bin(case_dir / "pooled_prompt_embeds.bin", pp)
            out["negative_pooled_prompt_embeds"] = write_bin(case_dir / "negative_pooled_prompt_embeds.bin", npool)
            out["first_values"] = {
                "prompt_embeds": floats(pe, 8),
                "negative_prompt_embeds": floats(ne, 8),
                "pooled_prompt_embeds": floats(pp, 8),
                "negative_pooled_prompt_embeds": floats(npool, 8),
            }
            out["note"] = (
                "encoder_hidden_states = concat(text_encoder hidden_states[-2], text_encoder_2 hidden_states[-2]) "
                "on the last axis; text_embeds = text_encoder_2 text_embeds (pooled); time_ids = "
                f"[{kwargs['height']}, {kwargs['width']}, 0, 0, {kwargs['height']}, {kwargs['width']}]"
            )
            if negative is None:
                out["note"] += "; negative_prompt None + force_zeros_for_empty_prompt: the negative embeds are all zeros"
        else:
            pe, ne = pipe.encode_prompt(prompt, "cpu", 1, True, negative)
            out["prompt_embeds"] = write_bin(case_dir / "prompt_embeds.bin", pe)
            out["negative_prompt_embeds"] = write_bin(case_dir / "negative_prompt_embeds.bin", ne)
            out["first_values"] = {"prompt_embeds": floats(pe, 8), "negative_prompt_embeds": floats(ne, 8)}
            out["note"] = "encoder_hidden_states = text_encoder last_hidden_state"
    return out


def onnx_max_diff(session, feeds: dict, expected) -> float:
    import numpy as np

    got = session.run(None, {k: (v.numpy() if hasattr(v, "numpy") else v) for k, v in feeds.items()})[0]
    return float(np.abs(got - expected.detach().numpy()).max())


def check_sd_parts(source: Path, out: Path) -> dict:
    """onnxruntime vs torch for each exported part on random inputs: max abs diffs."""
    import onnxruntime as ort
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(99)
    s = lambda p: ort.InferenceSession(str(out / p / "model.onnx"), providers=["CPUExecutionProvider"])  # noqa: E731
    diffs = {}
    ids = torch.randint(0, 49406, (2, 77))
    ids[:, 0] = 49406
    ids[:, 10:] = 49407
    encoders = {}
    for name, cls in (("text_encoder", CLIPTextModel), ("text_encoder_2", CLIPTextModelWithProjection)):
        if not (out / name).is_dir():
            continue
        model = cls.from_pretrained(str(source / name)).eval()
        session = s(name)
        feeds = {"input_ids": ids.to(torch.int32) if session.get_inputs()[0].type == "tensor(int32)" else ids}
        with torch.no_grad():
            res = model(ids, output_hidden_states=True)
        outs = dict(zip([o.name for o in session.get_outputs()], session.run(None, {k: v.numpy() for k, v in feeds.items()})))
        d = float(abs(torch.from_numpy(outs["last_hidden_state"]) - res.last_hidden_state).max())
        if "hidden_states.%d" % (len(res.hidden_states) - 2) in outs:
            d = max(d, float(abs(torch.from_numpy(outs["hidden_states.%d" % (len(res.hidden_states) - 2)]) - res.hidden_states[-2]).max()))
        if "text_embeds" in outs:
            d = max(d, float(abs(torch.from_numpy(outs["text_embeds"]) - res.text_embeds).max()))
        diffs[name] = d
        encoders[name] = res
    unet = UNet2DConditionModel.from_pretrained(str(source / "unet")).eval()
    session = s("unet")
    inputs = {i.name: i for i in session.get_inputs()}
    c = unet.config
    sample = torch.randn(2, c.in_channels, 8, 8)
    context = torch.randn(2, 77, c.cross_attention_dim)
    t_type = inputs["timestep"].type
    timestep = torch.tensor(601, dtype=torch.int64) if "int64" in t_type else torch.tensor(601.0)
    if inputs["timestep"].shape:
        timestep = timestep.reshape(1).expand(inputs["timestep"].shape[0] if isinstance(inputs["timestep"].shape[0], int) else 2)
    feeds = {"sample": sample, "timestep": timestep, "encoder_hidden_states": context}
    added = None
    if "text_embeds" in inputs:
        feeds["text_embeds"] = torch.randn(2, 8)
        feeds["time_ids"] = torch.tensor([[64.0, 64, 0, 0, 64, 64]] * 2)
        added = {"text_embeds": feeds["text_embeds"], "time_ids": feeds["time_ids"]}
    residual_names = sorted(n for n in inputs if "additional_residual" in n)
    down = mid = None
    if residual_names:
        cn = ControlNetModel.from_pretrained(str(source / "controlnet")).eval()
        cond = torch.rand(2, 3, 64, 64)
        with torch.no_grad():
            down, mid = cn(sample, timestep.float(), context, cond, return_dict=False)
        cn_session = s("controlnet")
        cn_out = cn_session.run(None, {
            "sample": sample.numpy(), "timestep": torch.tensor([601.0, 601.0]).numpy(),
            "encoder_hidden_states": context.numpy(), "controlnet_cond": cond.numpy(),
        })
        diffs["controlnet"] = max(float(abs(torch.from_numpy(a) - b).max()) for a, b in zip(cn_out, [*down, mid]))
        for i, r in enumerate(down):
            feeds[f"down_block_additional_residual_{i}"] = r
        feeds["mid_block_additional_residual"] = mid
    with torch.no_grad():
        expected = unet(
            sample, timestep, context, added_cond_kwargs=added,
            down_block_additional_residuals=tuple(down) if down is not None else None,
            mid_block_additional_residual=mid, return_dict=False,
        )[0]
    diffs["unet"] = onnx_max_diff(session, feeds, expected)
    vae = AutoencoderKL.from_pretrained(str(source / "vae")).eval()
    z = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        diffs["vae_decoder"] = onnx_max_diff(s("vae_decoder"), {"latent_sample": z}, vae.decode(z).sample)
        x = torch.rand(1, 3, 64, 64) * 2 - 1
        enc = s("vae_encoder")
        got = enc.run(None, {"sample": x.numpy()})[0]
        dist = vae.encode(x).latent_dist
        ref = dist.mean if got.shape[1] == 4 else torch.cat([dist.mean, dist.logvar], 1)
        diffs["vae_encoder"] = float(abs(torch.from_numpy(got) - ref).max())
    return diffs


def io_summary(path: Path) -> dict:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return {
        "inputs": [{"name": i.name, "type": i.type, "shape": i.shape} for i in session.get_inputs()],
        "outputs": [{"name": o.name, "type": o.type, "shape": o.shape} for o in session.get_outputs()],
    }


def sd_fixtures(work: Path) -> None:
    from diffusers import (
        StableDiffusionControlNetPipeline,
        StableDiffusionImg2ImgPipeline,
        StableDiffusionInpaintPipeline,
        StableDiffusionPipeline,
        StableDiffusionXLPipeline,
    )

    images = make_images()
    sources = {}
    for arch, kind in (("sd15", "sd"), ("sdxl", "sdxl"), ("sd-inpaint", "sd-inpaint"), ("sd15-controlnet", "sd")):
        log(f"sd {arch}")
        sources[arch] = build(arch, work / "src" / arch)
        export(kind, sources[arch], FIX / "sd" / arch)
        for sub in ("tokenizer", "tokenizer_2"):
            if (FIX / "sd" / arch / sub / "tokenizer.json").is_file():
                compact_json(FIX / "sd" / arch / sub / "tokenizer.json")
    # the standalone ControlNet export (--kind controlnet) must give the same graph interface
    cn_src = build("controlnet", work / "src" / "controlnet")
    cn_out = work / "controlnet-export"
    export("controlnet", cn_src, cn_out)
    a = io_summary(cn_out / "controlnet" / "model.onnx")
    b = io_summary(FIX / "sd" / "sd15-controlnet" / "controlnet" / "model.onnx")
    assert a == b, "--kind controlnet and the pipeline export disagree on the ControlNet interface"

    common = dict(guidance_scale=7.5, num_inference_steps=4, height=64, width=64)
    cases = {
        "sd15-txt2img": dict(
            model_dir="sd/sd15", cls=StableDiffusionPipeline, source="sd15", latent_seed=1,
            kwargs=dict(prompt="a watercolor painting of a red fox in the snow", negative_prompt="blurry, low quality", **common),
        ),
        "sd15-img2img": dict(
            model_dir="sd/sd15", cls=StableDiffusionImg2ImgPipeline, source="sd15", latents=False, generator_seed=42,
            kwargs=dict(prompt="a castle on a hill at sunset", negative_prompt="ugly", image="image", strength=0.6, **common),
            notes={"noise_use": (
                "img2img: diffusers runs int(num_inference_steps * strength) steps, the scheduler timesteps from index "
                "num_inference_steps - that; the input image is VAE-encoded to its posterior MEAN (no sampling) times "
                "vae_scaling_factor, then noise_0 is added at the first executed timestep with scheduler.add_noise: "
                "latents = image_latents + noise_0 * sigma(first executed timestep) (Euler). No other noise is drawn."
            )},
        ),
        "sdxl-txt2img-empty-negative": dict(
            model_dir="sd/sdxl", cls=StableDiffusionXLPipeline, source="sdxl", latent_seed=2, negative_for_ts="",
            kwargs=dict(prompt="a photo of an astronaut riding a horse", negative_prompt=None, **common),
        ),
        "sdxl-txt2img": dict(
            model_dir="sd/sdxl", cls=StableDiffusionXLPipeline, source="sdxl", latent_seed=3,
            kwargs=dict(prompt="a photo of an astronaut riding a horse", negative_prompt="cartoon, drawing", **common),
        ),
        "sd-inpaint": dict(
            model_dir="sd/sd-inpaint", cls=StableDiffusionInpaintPipeline, source="sd-inpaint", latent_seed=4, generator_seed=43,
            kwargs=dict(prompt="a wooden bench in a park", negative_prompt="low quality", image="image", mask_image="mask", **common),
            notes={"noise_use": (
                "inpaint (strength 1.0, 9-channel UNet): the initial latents are initial_latents * init_noise_sigma; "
                "the UNet sample is concat(latents, mask, masked_image_latents) on channels, where mask is the mask PNG "
                "(white = repaint) resized to the latent grid (nearest) and binarised at 0.5, and masked_image_latents is "
                "the VAE posterior MEAN of the image with masked pixels set to 0 (in [-1, 1]) times vae_scaling_factor. "
                "DDIM with eta 0 draws no noise."
            )},
        ),
        "sd15-controlnet": dict(
            model_dir="sd/sd15-controlnet", cls=StableDiffusionControlNetPipeline, source="sd15-controlnet", latent_seed=5,
            control_image="scribble",
            kwargs=dict(prompt="a house with a round window", negative_prompt="blurry", controlnet_conditioning_scale=1.0, **common),
            notes={"noise_use": (
                "controlnet: the ControlNet runs on both classifier-free-guidance rows (guess_mode false) with the same "
                "sample and timestep as the UNet; its residuals times controlnet_conditioning_scale go to the UNet's "
                "down_block_additional_residual_N / mid_block_additional_residual inputs. No noise is drawn."
            )},
        ),
    }
    refs: dict = {"versions": versions(), "inputs": images, "cases": {}, "onnx_check": {}, "models": {}}
    for name, case in cases.items():
        log(f"sd case {name}")
        pipe = case["cls"].from_pretrained(str(sources[case["source"]]))
        refs["cases"][name] = run_case(case, pipe, FIX / "sd" / "cases" / name, images)
    for arch, source in sources.items():
        diffs = check_sd_parts(source, FIX / "sd" / arch)
        log(f"onnxruntime vs torch {arch}: " + ", ".join(f"{k} {v:.3g}" for k, v in diffs.items()))
        refs["onnx_check"][arch] = diffs
        refs["models"][arch] = {
            part: io_summary(FIX / "sd" / arch / part / "model.onnx")
            for part in ("text_encoder", "text_encoder_2", "unet", "vae_encoder", "vae_decoder", "controlnet")
            if (FIX / "sd" / arch / part / "model.onnx").is_file()
        }
    write_json(FIX / "sd" / "reference.json", refs)
    import uncrop_fixture

    uncrop_fixture.uncrop_case(sources["sd-inpaint"])


# =============================================================================================
# CLIP

CLIP_TEXTS = ["a photo of a cat", "a diagram of a rocket engine", ""]


def clip_fixtures(work: Path) -> None:
    import numpy as np
    import onnxruntime as ort
    import torch
    from PIL import Image
    from transformers import CLIPModel, CLIPProcessor

    if not (FIX / "clip" / "inputs" / "image.png").is_file():
        make_images()
    source = build("clip", work / "src" / "clip")
    out = FIX / "clip"
    keep = out / "inputs"
    tmp_inputs = work / "clip-inputs"
    if tmp_inputs.exists():
        shutil.rmtree(tmp_inputs)
    shutil.copytree(keep, tmp_inputs)
    export("clip", source, out)
    shutil.copytree(tmp_inputs, keep)
    compact_json(out / "tokenizer.json")
    model = CLIPModel.from_pretrained(str(source)).eval()
    processor = CLIPProcessor.from_pretrained(str(source))
    image = Image.open(keep / "image.png").convert("RGB")
    pixels = processor(images=image, return_tensors="pt").pixel_values
    ids = processor.tokenizer(CLIP_TEXTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    with torch.no_grad():
        image_embeds = model.get_image_features(pixel_values=pixels)
        text_embeds = model.get_text_features(input_ids=ids)
    vision = ort.InferenceSession(str(out / "vision_model.onnx"), providers=["CPUExecutionProvider"])
    text = ort.InferenceSession(str(out / "text_model.onnx"), providers=["CPUExecutionProvider"])
    ort_image = vision.run(None, {"pixel_values": pixels.numpy()})[0]
    ort_text = text.run(None, {"input_ids": ids.numpy()})[0]
    d_image = float(np.abs(ort_image - image_embeds.numpy()).max())
    d_text = float(np.abs(ort_text - text_embeds.numpy()).max())
    log(f"onnxruntime vs torch clip: image_embeds {d_image:.3g}, text_embeds {d_text:.3g}")
    norm = lambda t: (t / t.norm(dim=-1, keepdim=True)).double().tolist()  # noqa: E731
    refs = {
        "versions": versions(),
        "image": "clip/inputs/image.png",
        "image_size": model.config.vision_config.image_size,
        "preprocess": {
            "mean": processor.image_processor.image_mean,
            "std": processor.image_processor.image_std,
            "note": "the PNG is already image_size x image_size: resize and center crop are identities; pixel/255, then (x - mean) / std per channel",
        },
        "pixel_values_first": floats(pixels, 16),
        "image_embeds": image_embeds.double().tolist(),
        "image_embeds_normalized": norm(image_embeds),
        "texts": CLIP_TEXTS,
        "text_input_ids": ids.tolist(),
        "text_embeds": text_embeds.double().tolist(),
        "text_embeds_normalized": norm(text_embeds),
        "cosine_image_text": (torch.nn.functional.normalize(image_embeds, dim=-1) @ torch.nn.functional.normalize(text_embeds, dim=-1).T).double().tolist(),
        "onnx_check": {"max_abs_image_embeds_diff": d_image, "max_abs_text_embeds_diff": d_text},
        "models": {"vision_model.onnx": io_summary(out / "vision_model.onnx"), "text_model.onnx": io_summary(out / "text_model.onnx")},
    }
    write_json(out / "reference.json", refs)


def upscaler_fixtures(work: Path) -> None:
    """A tiny Swin2SR x2 exported as the upscaler, and what PyTorch makes of a 13x10 image (not a
    multiple of the window: the graph's own padding and crop are exercised)."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from PIL import Image
    from transformers import Swin2SRForImageSuperResolution

    source = build("swin2sr", work / "src" / "swin2sr")
    out = FIX / "upscaler"
    if out.exists():
        shutil.rmtree(out)
    export("upscaler", source, out)
    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:10, 0:13]
    pixels = np.stack([xs * 19 % 256, ys * 23 % 256, (xs * ys * 7) % 256], axis=-1) + rng.integers(0, 8, (10, 13, 3))
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, "RGB").save(out / "inputs" / "image.png")
    model = Swin2SRForImageSuperResolution.from_pretrained(str(source)).eval()
    window, scale = model.config.window_size, model.config.upscale
    x = torch.from_numpy(pixels).permute(2, 0, 1)[None].float() / 255
    pad_h, pad_w = (window - 10 % window) % window, (window - 13 % window) % window
    with torch.no_grad():
        y = model(pixel_values=torch.nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="reflect")).reconstruction
    y = y[:, :, : 10 * scale, : 13 * scale]
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    ort_y = session.run(None, {"input": x.numpy()})[0]
    diff = float(np.abs(ort_y - y.numpy()).max())
    log(f"onnxruntime vs torch swin2sr: {diff:.3g}")
    image = (y[0].clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(image, "RGB").save(out / "inputs" / "output.png")
    write_json(
        out / "reference.json",
        {
            "versions": versions(),
            "input": "upscaler/inputs/image.png",
            "output": "upscaler/inputs/output.png",
            "scale": scale,
            "window_size": window,
            "note": "output = round(clamp(Swin2SR(reflect-pad(image/255)), 0, 1) * 255) cropped to scale x the input",
            "onnx_check": {"max_abs_diff": diff},
            "models": {"model.onnx": io_summary(out / "model.onnx")},
        },
    )


# =============================================================================================


def normalize_name_or_path(root: Path) -> None:
    """`_name_or_path` in the exported configs names the (temporary) source folder: keep only the
    part below the source model root (e.g. "sd15/unet"), so reruns give identical files."""
    import re

    for path in root.rglob("*.json"):
        if path.name in ("tokenizer.json", "reference.json"):
            continue
        text = path.read_text(encoding="utf-8")
        if '"_name_or_path"' not in text:
            continue
        data = json.loads(text)
        value = data.get("_name_or_path")
        if not isinstance(value, str) or not value.startswith("/"):
            continue
        model = path.parent if path.name == "model_index.json" else path.parent.parent
        sub = Path(value).name if path.name != "model_index.json" else ""
        data["_name_or_path"] = "/".join(x for x in (model.name, sub) if x)
        indent = 2 if re.search(r"\n  \"", text) else None
        path.unlink()  # may be a hard link: write a new file
        path.write_text(json.dumps(data, indent=indent, sort_keys=True) + "\n", encoding="utf-8")


def dedupe(root: Path) -> None:
    """Hard-links identical files (git stores one blob anyway; this keeps `du` honest)."""
    seen: dict[str, Path] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_size > 4096):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            if not path.samefile(seen[digest]):
                path.unlink()
                os.link(seen[digest], path)
        else:
            seen[digest] = path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="llm,sd,clip,upscaler")
    parser.add_argument("--work", default=None, help="where the source models go (default: a temp dir)")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="hf-fixtures-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TINY_TOKENIZER_DIR", str(work / "npm-tokenizers"))
    FIX.mkdir(parents=True, exist_ok=True)
    started = time.time()
    parts = args.only.split(",")
    if "llm" in parts:
        llm_fixtures(work)
    if "sd" in parts:
        sd_fixtures(work)
    if "clip" in parts:
        clip_fixtures(work)
    if "upscaler" in parts:
        upscaler_fixtures(work)
    normalize_name_or_path(FIX)
    dedupe(FIX)
    if "sd" in parts:
        import check_fixtures

        log("replaying the diffusion cases with the ONNX parts only (check_fixtures.py)")
        if check_fixtures.main() != 0:
            raise RuntimeError("the ONNX replay of the diffusion cases does not match the diffusers references")
    log(f"done in {time.time() - started:.0f}s; sources in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
