#!/usr/bin/env python3
"""Exports local Hugging Face models (save_pretrained layout) to the ONNX layout the miner loads.

    python scripts/models/export_models.py --kind KIND --source DIR --out DIR [--dtype fp32|fp16] [--opset N]

KIND:
  llm         decoder-only causal LM, Optimum task text-generation-with-past: out/model.onnx
              (input_ids, attention_mask, position_ids, past_key_values.N.key/value -> logits,
              present.N.key/value) plus config.json, generation_config.json and the tokenizer files
              (tokenizer.json, tokenizer_config.json, special_tokens_map.json, chat_template.jinja).
  sd          SD 1.x/2.x/Turbo pipeline folder, Optimum task text-to-image: text_encoder/ unet/
              vae_encoder/ vae_decoder/ tokenizer/ scheduler/ model_index.json. A
              StableDiffusionControlNetPipeline folder (model_index.json naming a controlnet) also
              gets controlnet/model.onnx, and its UNet takes the ControlNet residual inputs.
  sdxl        as sd, plus text_encoder_2/ and tokenizer_2/.
  sd-inpaint  as sd (Optimum task inpainting); the UNet's sample has 9 channels.
  flux        a FluxPipeline folder (flux/export_flux.py, torch.onnx, fp32 only): text_encoder/
              text_encoder_2/ transformer/ vae_decoder/ vae_encoder/ (model.onnx + config.json
              each), scheduler/ tokenizer/ tokenizer_2/ model_index.json.
  kandinsky   Kandinsky 2.2: --source holds prior/ (KandinskyV22PriorPipeline) and decoder/
              (KandinskyV22Pipeline) (kandinsky/export_kandinsky.py, torch.onnx, fp32 only):
              model_index.json scheduler/ unet/ movq_decoder/ movq_encoder/, and prior/ with
              model_index.json scheduler/ tokenizer/ text_encoder/ prior/ zero_image_embeds.json.
  controlnet  a diffusers ControlNetModel folder -> out/controlnet/model.onnx.
  clip        a transformers CLIPModel folder -> out/vision_model.onnx (pixel_values ->
              image_embeds) and out/text_model.onnx (input_ids -> text_embeds), tokenizer files.
  nsfw        a transformers image-classification folder -> out/model.onnx (pixel_values -> logits).
  upscaler    a transformers Swin2SR folder -> out/model.onnx (input [1,3,h,w] in [0,1] -> output
              [1,3,s*h,s*w]; pads to the window size and crops inside the graph).

Nothing is downloaded: --source must be a local folder. Errors exit 2 with one line on stderr;
progress goes to stderr; on success the last stdout line is
{"kind": KIND, "out": OUT, "files": [every file written under OUT, relative, sorted]}.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

HERE = Path(__file__).resolve().parent

KINDS = ("llm", "sd", "sdxl", "sd-inpaint", "flux", "kandinsky", "controlnet", "upscaler", "clip", "nsfw")
DEFAULT_OPSET = 17
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "diffusion_pytorch_model.safetensors",
    "diffusion_pytorch_model.safetensors.index.json",
    "diffusion_pytorch_model.bin",
)


class ExportError(Exception):
    """A problem with the request or the source folder: reported as one line, exit 2."""


def log(message: str) -> None:
    print(f"[export] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Source checks


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ExportError(f"missing file: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ExportError(f"{path} is not valid JSON: {e}") from e


def _need_weights(folder: Path) -> None:
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise ExportError(f"missing weights in {folder} (expected one of {', '.join(WEIGHT_FILES[:3])}, ...)")


def _need_tokenizer(folder: Path) -> None:
    has_fast = (folder / "tokenizer.json").is_file()
    has_slow = (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file()
    if not (has_fast or has_slow or (folder / "tokenizer.model").is_file()):
        raise ExportError(f"missing tokenizer in {folder} (tokenizer.json, or vocab.json + merges.txt)")


def check_llm_source(source: Path) -> dict:
    config = _read_json(source / "config.json")
    for field in ("model_type", "vocab_size", "num_hidden_layers"):
        if field not in config:
            raise ExportError(f"{source / 'config.json'} has no field {field}")
    _need_weights(source)
    _need_tokenizer(source)
    return config


def check_pipeline_source(source: Path, kind: str) -> dict:
    index = _read_json(source / "model_index.json")
    cls = str(index.get("_class_name", ""))
    if cls.startswith("Flux"):
        raise ExportError(f"{source} is a Flux pipeline (model_index.json _class_name {cls}): use --kind flux")
    if cls.startswith("Kandinsky"):
        raise ExportError(
            f"{source} is a Kandinsky pipeline (model_index.json _class_name {cls}): use --kind kandinsky "
            "with the folder that holds prior/ and decoder/"
        )
    needed = ["text_encoder", "tokenizer", "unet", "vae", "scheduler"]
    if kind == "sdxl":
        needed += ["text_encoder_2", "tokenizer_2"]
    for part in needed:
        entry = index.get(part)
        if not isinstance(entry, list) or entry[0] is None:
            raise ExportError(f"{source / 'model_index.json'} has no field {part}")
        folder = source / part
        if part.startswith("tokenizer"):
            _need_tokenizer(folder)
        elif part == "scheduler":
            _read_json(folder / "scheduler_config.json")
        else:
            _read_json(folder / "config.json")
            _need_weights(folder)
    unet = _read_json(source / "unet" / "config.json")
    channels = unet.get("in_channels")
    if kind == "sd-inpaint" and channels != 9:
        raise ExportError(f"{source / 'unet' / 'config.json'}: in_channels is {channels}, an inpainting UNet needs 9")
    if kind in ("sd", "sdxl") and channels != 4:
        raise ExportError(
            f"{source / 'unet' / 'config.json'}: in_channels is {channels}; use --kind sd-inpaint for 9-channel UNets"
        )
    is_xl = "text_encoder_2" in index and index["text_encoder_2"][0] is not None
    if kind != "sdxl" and is_xl:
        raise ExportError(f"{source} is an SDXL pipeline (model_index.json has text_encoder_2): use --kind sdxl")
    if "controlnet" in index and index["controlnet"][0] is not None:
        _read_json(source / "controlnet" / "config.json")
        _need_weights(source / "controlnet")
    return index


# ---------------------------------------------------------------------------------------------
# Helpers


def _listing(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)).replace(os.sep, "/") for p in out.rglob("*") if p.is_file())


def _torch_export(module, args: tuple, path: Path, input_names, output_names, dynamic_axes, opset: int) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=list(input_names),
            output_names=list(output_names),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    import onnx

    onnx.checker.check_model(str(path))


def _optimum_export(source: Path, out: Path, task: str, dtype: str, opset: int, library: str) -> None:
    from optimum.exporters.onnx import main_export

    log(f"optimum main_export task={task} dtype={dtype} opset={opset}")
    try:
        main_export(
            str(source),
            output=str(out),
            task=task,
            opset=opset,
            device="cpu",
            dtype=dtype,
            library_name=library,
            local_files_only=True,
            do_validation=False,
            # with-past decoders: one model.onnx (no decoder_model / decoder_with_past split)
            no_post_process=False,
        )
    except Exception as e:  # noqa: BLE001 - reported as one line
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if dtype == "fp16":
            raise ExportError(f"Optimum's fp16 export failed on CPU ({type(e).__name__}: {first}); export fp32") from e
        raise


# ---------------------------------------------------------------------------------------------
# LLM


def export_llm(source: Path, out: Path, dtype: str, opset: int) -> None:
    check_llm_source(source)
    _optimum_export(source, out, "text-generation-with-past", dtype, opset, "transformers")
    # Optimum copies config + tokenizer; make sure the files transformers writes are all there
    # (chat_template.jinja, generation_config.json with its eos list).
    from transformers import AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    tokenizer.save_pretrained(str(out))
    if (source / "generation_config.json").is_file():
        GenerationConfig.from_pretrained(str(source)).save_pretrained(str(out))
    for name in ("model.onnx",):
        if not (out / name).is_file():
            raise ExportError(f"Optimum wrote no {name} in {out}")


# ---------------------------------------------------------------------------------------------
# Stable Diffusion


def _fast_tokenizers(source: Path, out: Path) -> None:
    """tokenizer/ and tokenizer_2/ with tokenizer.json (the loader reads it) and the slow files."""
    from transformers import AutoTokenizer, CLIPTokenizerFast

    for sub in ("tokenizer", "tokenizer_2"):
        if not (source / sub).is_dir():
            continue
        target = out / sub
        if (source / sub / "vocab.json").is_file() and (source / sub / "merges.txt").is_file():
            fast = CLIPTokenizerFast.from_pretrained(str(source / sub), from_slow=True)
        else:
            fast = AutoTokenizer.from_pretrained(str(source / sub), use_fast=True)
        fast.save_pretrained(str(target))


class _ResidualUnet:
    """Builds a torch module: the UNet called with ControlNet residuals as separate inputs."""

    @staticmethod
    def wrap(unet, n_down: int):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.unet = unet

            def forward(self, sample, timestep, encoder_hidden_states, *residuals):
                return self.unet(
                    sample,
                    timestep,
                    encoder_hidden_states,
                    down_block_additional_residuals=tuple(residuals[:n_down]),
                    mid_block_additional_residual=residuals[n_down],
                    return_dict=False,
                )[0]

        return Wrapped().eval()


def _controlnet_shapes(controlnet, height: int, width: int, text_dim: int, seq: int = 77):
    """Runs the ControlNet once on dummy inputs: returns (inputs, down residual shapes, mid shape)."""
    import torch

    channels = controlnet.config.in_channels
    sample = torch.randn(2, channels, height // 8, width // 8)
    timestep = torch.tensor([500.0, 500.0])
    context = torch.randn(2, seq, text_dim)
    cond = torch.rand(2, 3, height, width)
    with torch.no_grad():
        down, mid = controlnet(sample, timestep, context, cond, return_dict=False)
    return (sample, timestep, context, cond), [tuple(d.shape) for d in down], tuple(mid.shape)


def export_controlnet_model(controlnet, out: Path, opset: int) -> tuple[list[tuple], tuple]:
    import torch

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.controlnet = controlnet

        def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond):
            down, mid = self.controlnet(
                sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale=1.0, return_dict=False
            )
            return (*down, mid)

    text_dim = controlnet.config.cross_attention_dim
    sample_size = controlnet.config.get("sample_size", None) or 8
    size = max(64, int(sample_size) * 8 if isinstance(sample_size, int) else 64)
    inputs, down_shapes, mid_shape = _controlnet_shapes(controlnet, size, size, text_dim)
    outputs = [f"down_block_res_sample_{i}" for i in range(len(down_shapes))] + ["mid_block_res_sample"]
    axes = {
        "sample": {0: "batch_size", 2: "height", 3: "width"},
        "timestep": {0: "batch_size"},
        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
        "controlnet_cond": {0: "batch_size", 2: "image_height", 3: "image_width"},
    }
    for i in range(len(down_shapes)):
        axes[outputs[i]] = {0: "batch_size", 2: f"height_{i}", 3: f"width_{i}"}
    axes["mid_block_res_sample"] = {0: "batch_size", 2: "mid_height", 3: "mid_width"}
    log(f"torch.onnx controlnet: {len(down_shapes)} down residuals + mid")
    _torch_export(
        Wrapped().eval(),
        inputs,
        out / "controlnet" / "model.onnx",
        ["sample", "timestep", "encoder_hidden_states", "controlnet_cond"],
        outputs,
        axes,
        opset,
    )
    (out / "controlnet").mkdir(parents=True, exist_ok=True)
    (out / "controlnet" / "config.json").write_text(json.dumps(dict(controlnet.config), indent=2, default=str) + "\n")
    return down_shapes, mid_shape


def export_residual_unet(unet, out_path: Path, down_shapes, mid_shape, opset: int, timestep_dtype: str) -> None:
    """UNet with `down_block_additional_residual_N` / `mid_block_additional_residual` inputs."""
    import torch

    n_down = len(down_shapes)
    batch = 2
    sample = torch.randn(batch, unet.config.in_channels, down_shapes[0][2], down_shapes[0][3])
    if timestep_dtype == "int64":
        timestep = torch.tensor(500, dtype=torch.int64)
    else:
        timestep = torch.tensor(500.0)
    context = torch.randn(batch, 77, unet.config.cross_attention_dim)
    residuals = [torch.randn(batch, *s[1:]) for s in down_shapes] + [torch.randn(batch, *mid_shape[1:])]
    names = [f"down_block_additional_residual_{i}" for i in range(n_down)] + ["mid_block_additional_residual"]
    axes = {
        "sample": {0: "batch_size", 2: "height", 3: "width"},
        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
        "out_sample": {0: "batch_size", 2: "height", 3: "width"},
    }
    for i, name in enumerate(names):
        axes[name] = {0: "batch_size", 2: f"{name}_height", 3: f"{name}_width"}
    log(f"torch.onnx UNet with {n_down} down residual inputs + mid residual input")
    _torch_export(
        _ResidualUnet.wrap(unet, n_down),
        (sample, timestep, context, *residuals),
        out_path,
        ["sample", "timestep", "encoder_hidden_states", *names],
        ["out_sample"],
        axes,
        opset,
    )


def _onnx_input_type(path: Path, name: str) -> str:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    for i in model.graph.input:
        if i.name == name:
            return onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type).lower()
    raise ExportError(f"{path} has no input {name}")


SUPPORTED_SCHEDULERS = {
    "EulerDiscreteScheduler": "euler",
    "EulerAncestralDiscreteScheduler": "euler_ancestral",
    "DDIMScheduler": "ddim",
    "LCMScheduler": "lcm",
}


def _warn_scheduler(source: Path) -> None:
    """Our samplers (createScheduler.ts) cover these classes and epsilon prediction only."""
    config = _read_json(source / "scheduler" / "scheduler_config.json")
    cls = config.get("_class_name")
    if cls not in SUPPORTED_SCHEDULERS:
        log(f"warning: scheduler {cls} is not one our pipeline implements ({', '.join(SUPPORTED_SCHEDULERS)}); set the sampler in the model entry")
    prediction = config.get("prediction_type", "epsilon")
    if prediction != "epsilon":
        log(f"warning: prediction_type {prediction!r}: our samplers support epsilon prediction only")


def export_pipeline(source: Path, out: Path, kind: str, dtype: str, opset: int) -> None:
    index = check_pipeline_source(source, kind)
    _warn_scheduler(source)
    has_controlnet = "controlnet" in index and index["controlnet"][0] is not None
    task = "inpainting" if kind == "sd-inpaint" else "text-to-image"
    if has_controlnet:
        if dtype != "fp32":
            raise ExportError("fp16 export of ControlNet pipelines is not supported (torch.onnx on CPU); export fp32")
        if kind == "sdxl":
            raise ExportError("SDXL ControlNet pipelines are not supported yet")
        # Optimum has no ControlNet pipeline: export the plain SD pipeline from a view of the folder.
        with tempfile.TemporaryDirectory(prefix="sd-view-") as view_dir:
            view = Path(view_dir)
            for child in source.iterdir():
                if child.name not in ("controlnet", "model_index.json"):
                    os.symlink(child.resolve(), view / child.name)
            plain = {k: v for k, v in index.items() if k not in ("controlnet",)}
            plain["_class_name"] = "StableDiffusionPipeline"
            (view / "model_index.json").write_text(json.dumps(plain, indent=2))
            _optimum_export(view, out, task, dtype, opset, "diffusers")
        _export_controlnet_parts(source, out, opset)
        # keep the original model_index.json (it names the controlnet)
        shutil.copyfile(source / "model_index.json", out / "model_index.json")
    else:
        _optimum_export(source, out, task, dtype, opset, "diffusers")
    _fast_tokenizers(source, out)
    for part in ("text_encoder", "unet", "vae_decoder", "vae_encoder") + (("text_encoder_2",) if kind == "sdxl" else ()):
        if not (out / part / "model.onnx").is_file():
            raise ExportError(f"Optimum wrote no {part}/model.onnx")


def _export_controlnet_parts(source: Path, out: Path, opset: int) -> None:
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    controlnet = ControlNetModel.from_pretrained(str(source / "controlnet"), torch_dtype=torch.float32).eval()
    down_shapes, mid_shape = export_controlnet_model(controlnet, out, opset)
    unet = UNet2DConditionModel.from_pretrained(str(source / "unet"), torch_dtype=torch.float32).eval()
    unet_path = out / "unet" / "model.onnx"
    timestep_dtype = _onnx_input_type(unet_path, "timestep") if unet_path.is_file() else "float"
    for f in (out / "unet").glob("model.onnx*"):
        f.unlink()
    export_residual_unet(unet, unet_path, down_shapes, mid_shape, opset, timestep_dtype)


def export_controlnet(source: Path, out: Path, dtype: str, opset: int) -> None:
    if (source / "model_index.json").is_file():
        raise ExportError(
            f"{source} is a pipeline folder: export it with --kind sd (a ControlNet pipeline gets controlnet/ and a residual UNet)"
        )
    config = _read_json(source / "config.json")
    if config.get("_class_name") != "ControlNetModel":
        raise ExportError(f"{source / 'config.json'}: _class_name is {config.get('_class_name')!r}, expected 'ControlNetModel'")
    _need_weights(source)
    if dtype != "fp32":
        raise ExportError("fp16 ControlNet export is not supported (torch.onnx on CPU); export fp32")
    import torch
    from diffusers import ControlNetModel

    controlnet = ControlNetModel.from_pretrained(str(source), torch_dtype=torch.float32).eval()
    export_controlnet_model(controlnet, out, opset)


# ---------------------------------------------------------------------------------------------
# Flux / Kandinsky 2.2 (exporters in their own folders: flux/, kandinsky/)


def _family_module(folder: str, name: str):
    """scripts/models/<folder>/<name>.py, imported as its fixture maker imports it."""
    path = str(HERE / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(name)


FLUX_SCHEDULER = "FlowMatchEulerDiscreteScheduler"


def check_flux_source(source: Path) -> dict:
    flux = _family_module("flux", "export_flux")
    index = _read_json(source / "model_index.json")
    cls = index.get("_class_name")
    if not str(cls).startswith("Flux"):
        raise ExportError(f"{source / 'model_index.json'}: _class_name is {cls!r}, not a Flux pipeline (FluxPipeline)")
    for part in flux.PARTS:
        _read_json(source / part / "config.json")
        _need_weights(source / part)
    _read_json(source / "scheduler" / "scheduler_config.json")
    try:
        info = flux.check_flux_source(source)
    except ValueError as e:
        raise ExportError(str(e)) from e
    _need_tokenizer(source / "tokenizer")
    if not (source / "tokenizer_2" / "tokenizer.json").is_file():
        raise ExportError(f"missing tokenizer in {source / 'tokenizer_2'} (the T5 tokenizer is read from tokenizer.json)")
    if info["scheduler"] != FLUX_SCHEDULER:
        raise ExportError(
            f"{source / 'scheduler' / 'scheduler_config.json'}: _class_name is {info['scheduler']!r}, expected {FLUX_SCHEDULER!r}"
        )
    if info["in_channels"] != 4 * (info["latent_channels"] or 0):
        raise ExportError(
            f"{source / 'transformer' / 'config.json'}: in_channels is {info['in_channels']}, expected 4 x the VAE's "
            f"latent_channels {info['latent_channels']} (a text-to-image Flux transformer)"
        )
    return info


def export_flux(source: Path, out: Path, dtype: str, opset: int) -> None:
    info = check_flux_source(source)
    if dtype != "fp32":
        raise ExportError("fp16 Flux export is not supported (torch.onnx on CPU); export fp32")
    flux = _family_module("flux", "export_flux")
    log(
        f"torch.onnx {info['pipeline']}: guidance_embeds {str(info['guidance_embeds']).lower()}, "
        f"dynamic shifting {str(info['use_dynamic_shifting']).lower()}"
    )
    # export_flux replaces the folder it is given: export beside --out, then move the parts in,
    # so that other files in --out are kept.
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.flux-", dir=out.parent))
    try:
        flux.export_flux(source, staging / "export", dtype, opset)
        for child in sorted((staging / "export").iterdir()):
            target = out / child.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            shutil.move(str(child), str(target))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_kandinsky_source(source: Path) -> dict:
    kandinsky = _family_module("kandinsky", "export_kandinsky")
    for sub in ("prior", "decoder"):
        if not (source / sub).is_dir():
            raise ExportError(f"missing folder: {source / sub} (--source holds prior/ and decoder/, the two Kandinsky 2.2 pipeline folders)")
    try:
        return kandinsky.check_kandinsky_source(source)
    except kandinsky.ExportError as e:
        raise ExportError(str(e)) from e


def export_kandinsky(source: Path, out: Path, dtype: str, opset: int) -> None:
    info = check_kandinsky_source(source)
    if dtype != "fp32":
        raise ExportError("fp16 Kandinsky export is not supported (torch.onnx on CPU); export fp32")
    kandinsky = _family_module("kandinsky", "export_kandinsky")
    log(f"torch.onnx {info['prior_class']} + {info['decoder_class']}: embedding_dim {info['embedding_dim']}")
    try:
        kandinsky.export_kandinsky(source, out, dtype, opset)
    except kandinsky.ExportError as e:
        raise ExportError(str(e)) from e


# ---------------------------------------------------------------------------------------------
# CLIP / NSFW / upscaler


def export_clip(source: Path, out: Path, dtype: str, opset: int) -> None:
    config = _read_json(source / "config.json")
    if config.get("model_type") != "clip":
        raise ExportError(f"{source / 'config.json'}: model_type is {config.get('model_type')!r}, expected 'clip'")
    _need_weights(source)
    _need_tokenizer(source)
    if dtype != "fp32":
        raise ExportError("fp16 CLIP export is not supported (torch.onnx on CPU); export fp32")
    import torch
    from transformers import CLIPModel, CLIPTokenizerFast

    model = CLIPModel.from_pretrained(str(source), torch_dtype=torch.float32).eval()
    model.config._attn_implementation = "eager"
    size = model.config.vision_config.image_size

    class Vision(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            return self.model.get_image_features(pixel_values=pixel_values)

    class Text(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            return self.model.get_text_features(input_ids=input_ids)

    log(f"torch.onnx CLIP vision tower (pixel_values [batch, 3, {size}, {size}] -> image_embeds)")
    _torch_export(
        Vision().eval(),
        (torch.rand(1, 3, size, size),),
        out / "vision_model.onnx",
        ["pixel_values"],
        ["image_embeds"],
        {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}},
        opset,
    )
    seq = model.config.text_config.max_position_embeddings
    ids = torch.full((1, seq), model.config.text_config.eos_token_id, dtype=torch.int64)
    ids[0, 0] = model.config.text_config.bos_token_id
    log("torch.onnx CLIP text tower (input_ids -> text_embeds)")
    _torch_export(
        Text().eval(),
        (ids,),
        out / "text_model.onnx",
        ["input_ids"],
        ["text_embeds"],
        {"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"}},
        opset,
    )
    if (source / "vocab.json").is_file() and (source / "merges.txt").is_file():
        fast = CLIPTokenizerFast.from_pretrained(str(source), from_slow=True)
    else:
        fast = CLIPTokenizerFast.from_pretrained(str(source))
    fast.save_pretrained(str(out))
    shutil.copyfile(source / "config.json", out / "config.json")
    if (source / "preprocessor_config.json").is_file():
        shutil.copyfile(source / "preprocessor_config.json", out / "preprocessor_config.json")


def export_nsfw(source: Path, out: Path, dtype: str, opset: int) -> None:
    config = _read_json(source / "config.json")
    _need_weights(source)
    if dtype != "fp32":
        raise ExportError("fp16 NSFW classifier export is not supported (torch.onnx on CPU); export fp32")
    import torch
    from transformers import AutoModelForImageClassification

    try:
        model = AutoModelForImageClassification.from_pretrained(str(source), torch_dtype=torch.float32).eval()
    except ValueError as e:
        raise ExportError(
            f"{source / 'config.json'}: model_type {config.get('model_type')!r} is not an image classifier"
        ) from e
    size = getattr(model.config, "image_size", None)
    pre = source / "preprocessor_config.json"
    if pre.is_file():
        p = _read_json(pre)
        crop = p.get("crop_size") or p.get("size") or {}
        if isinstance(crop, dict):
            size = crop.get("height") or crop.get("shortest_edge") or size
        elif isinstance(crop, int):
            size = crop
    if not isinstance(size, int):
        raise ExportError(f"{source / 'config.json'} has no field image_size (needed for a fixed-size pixel_values input)")
    channels = getattr(model.config, "num_channels", 3)

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            return self.model(pixel_values=pixel_values).logits

    log(f"torch.onnx image classifier (pixel_values [1, {channels}, {size}, {size}] -> logits)")
    _torch_export(
        Wrapped().eval(),
        (torch.rand(1, channels, size, size),),
        out / "model.onnx",
        ["pixel_values"],
        ["logits"],
        {"pixel_values": {0: "batch_size"}, "logits": {0: "batch_size"}},
        opset,
    )
    shutil.copyfile(source / "config.json", out / "config.json")
    if pre.is_file():
        shutil.copyfile(pre, out / "preprocessor_config.json")


def export_upscaler(source: Path, out: Path, dtype: str, opset: int) -> None:
    """A transformers super-resolution model (Swin2SR) as the upscaler the miner runs in tiles:
    `input` [1, 3, h, w] in [0, 1] -> `output` [1, 3, s*h, s*w]. Swin2SR's image processor pads
    the image to a multiple of the window size and the caller crops the result; the exported graph
    does both itself (reflect padding at the bottom and right, as the processor pads), so any tile
    size can be fed."""
    config = _read_json(source / "config.json")
    if config.get("model_type") != "swin2sr":
        raise ExportError(
            f"{source / 'config.json'}: model_type is {config.get('model_type')!r}; the upscaler export "
            "takes a transformers Swin2SR folder (Real-ESRGAN-style .pth upscalers: export them with "
            "their own tooling to input [1,3,h,w] -> output [1,3,s*h,s*w])"
        )
    _need_weights(source)
    if dtype != "fp32":
        raise ExportError("fp16 upscaler export is not supported (torch.onnx on CPU); export fp32")
    import torch
    import torch.nn.functional as F
    from transformers import Swin2SRForImageSuperResolution

    model = Swin2SRForImageSuperResolution.from_pretrained(str(source), torch_dtype=torch.float32).eval()
    window = int(model.config.window_size)
    scale = int(model.config.upscale)

    class Upscaler(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, image):
            height, width = image.shape[2], image.shape[3]
            pad_h = (window - height % window) % window
            pad_w = (window - width % window) % window
            padded = F.pad(image, (0, pad_w, 0, pad_h), mode="reflect")
            result = self.model(pixel_values=padded).reconstruction
            return result[:, :, : height * scale, : width * scale]

    log(f"torch.onnx Swin2SR x{scale} (input [1, 3, h, w] -> output [1, 3, {scale}h, {scale}w], window {window})")
    size = max(window * 2 + 1, 9)
    _torch_export(
        Upscaler().eval(),
        (torch.rand(1, 3, size, size + 2),),
        out / "model.onnx",
        ["input"],
        ["output"],
        {"input": {2: "height", 3: "width"}, "output": {2: "out_height", 3: "out_width"}},
        opset,
    )
    shutil.copyfile(source / "config.json", out / "config.json")


EXPORTERS = {
    "llm": export_llm,
    "sd": lambda s, o, d, p: export_pipeline(s, o, "sd", d, p),
    "sdxl": lambda s, o, d, p: export_pipeline(s, o, "sdxl", d, p),
    "sd-inpaint": lambda s, o, d, p: export_pipeline(s, o, "sd-inpaint", d, p),
    "flux": export_flux,
    "kandinsky": export_kandinsky,
    "controlnet": export_controlnet,
    "clip": export_clip,
    "nsfw": export_nsfw,
    "upscaler": export_upscaler,
}


def export(kind: str, source: Path, out: Path, dtype: str = "fp32", opset: int = DEFAULT_OPSET) -> dict:
    """Library entry point (what the CLI runs). Raises ExportError for bad requests/sources."""
    if kind not in EXPORTERS:
        raise ExportError(f"unknown --kind {kind!r} (one of {', '.join(KINDS)})")
    if dtype not in ("fp32", "fp16"):
        raise ExportError(f"unknown --dtype {dtype!r} (fp32 or fp16)")
    if not source.is_dir():
        raise ExportError(f"missing source folder: {source}")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        EXPORTERS[kind](source, out, dtype, opset)
    except ExportError:
        if created and not any(out.iterdir()):
            out.rmdir()
        raise
    return {"kind": kind, "out": str(out), "files": _listing(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", required=True, choices=KINDS)
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dtype", default="fp32", choices=("fp32", "fp16"))
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    args = parser.parse_args(argv)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # exporters print; stdout carries only the result
            result = export(args.kind, Path(args.source), Path(args.out), args.dtype, args.opset)
    except ExportError as e:
        print(f"export_models: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
