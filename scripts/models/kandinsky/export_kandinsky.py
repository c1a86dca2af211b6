#!/usr/bin/env python3
"""Kandinsky 2.2 (prior + decoder) to ONNX with torch.onnx.export (Optimum has no Kandinsky).

    python scripts/models/kandinsky/export_kandinsky.py --source SRC --out OUT [--dtype fp32] [--opset 17]

SRC holds the two diffusers pipeline folders: SRC/prior (KandinskyV22PriorPipeline) and
SRC/decoder (KandinskyV22Pipeline), as tiny_kandinsky.py writes them or as the published
kandinsky-2-2-prior / kandinsky-2-2-decoder repositories are laid out. OUT gets:

    model_index.json                  the decoder pipeline's
    scheduler/scheduler_config.json   DDPMScheduler
    unet/model.onnx + config.json     sample [B,C,h,w] f32, timestep [1] i64, image_embeds [B,D] f32
                                      -> out_sample [B,2C,h,w] (noise; learned variance)
    movq_decoder/model.onnx + config.json   latent_sample -> sample (decode, not quantised)
    movq_encoder/model.onnx + config.json   sample -> latent_sample (encoder + quant_conv)
    prior/model_index.json            the prior pipeline's
    prior/scheduler/scheduler_config.json   UnCLIPScheduler
    prior/tokenizer/                  vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json
    prior/text_encoder/model.onnx + config.json   input_ids [B,L] i64 -> text_embeds [B,D], last_hidden_state [B,L,D]
    prior/prior/model.onnx + config.json   hidden_states [B,D], timestep [1] i64, proj_embedding [B,D],
                                      encoder_hidden_states [B,L,D], attention_mask [B,L] i64 -> predicted_image_embedding [B,D]
    prior/prior/clip_stats.json       clip_mean, clip_std: the final embedding is latents * std + mean
    prior/zero_image_embeds.json      the image encoder's embedding of an all-zero image (the negative
                                      embedding without a negative prompt), computed here so that the
                                      image encoder is not needed at run time

Prints one JSON line with what was written. Only fp32 is supported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")
PRIOR_CLASSES = ("KandinskyV22PriorPipeline",)
DECODER_CLASSES = ("KandinskyV22Pipeline", "KandinskyV22Img2ImgPipeline")


class ExportError(Exception):
    pass


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ExportError(f"{path} is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ExportError(f"{path}: not JSON ({err})") from err


def _need_weights(folder: Path) -> None:
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise ExportError(f"{folder} has no weights (*.safetensors or *.bin)")


def check_kandinsky_source(source: Path) -> dict:
    """Checks SRC/prior and SRC/decoder and returns what the export will be built from."""
    source = Path(source)
    prior, decoder = source / "prior", source / "decoder"
    prior_index = _read_json(prior / "model_index.json")
    decoder_index = _read_json(decoder / "model_index.json")
    if prior_index.get("_class_name") not in PRIOR_CLASSES:
        raise ExportError(f"{prior / 'model_index.json'}: _class_name must be one of {PRIOR_CLASSES}")
    if decoder_index.get("_class_name") not in DECODER_CLASSES:
        raise ExportError(f"{decoder / 'model_index.json'}: _class_name must be one of {DECODER_CLASSES}")
    for folder in (prior / "prior", prior / "text_encoder", prior / "image_encoder", decoder / "unet", decoder / "movq"):
        _read_json(folder / "config.json")
        _need_weights(folder)
    for name in ("vocab.json", "merges.txt"):
        if not (prior / "tokenizer" / name).is_file():
            raise ExportError(f"{prior / 'tokenizer' / name} is missing")
    prior_sched = _read_json(prior / "scheduler" / "scheduler_config.json")
    decoder_sched = _read_json(decoder / "scheduler" / "scheduler_config.json")
    if prior_sched.get("_class_name") != "UnCLIPScheduler":
        raise ExportError(f"{prior / 'scheduler'}: the prior scheduler must be UnCLIPScheduler")
    if decoder_sched.get("_class_name") != "DDPMScheduler":
        raise ExportError(f"{decoder / 'scheduler'}: the decoder scheduler must be DDPMScheduler")
    unet = _read_json(decoder / "unet" / "config.json")
    if unet.get("encoder_hid_dim_type") != "image_proj" or unet.get("addition_embed_type") != "image":
        raise ExportError(
            f"{decoder / 'unet' / 'config.json'}: not a Kandinsky 2.2 UNet "
            "(needs encoder_hid_dim_type image_proj and addition_embed_type image)"
        )
    movq = _read_json(decoder / "movq" / "config.json")
    prior_cfg = _read_json(prior / "prior" / "config.json")
    text_cfg = _read_json(prior / "text_encoder" / "config.json")
    embedding_dim = prior_cfg.get("embedding_dim", 768)
    if unet.get("encoder_hid_dim") != embedding_dim:
        raise ExportError(f"the UNet's encoder_hid_dim {unet.get('encoder_hid_dim')} != the prior's embedding_dim {embedding_dim}")
    return {
        "prior_class": prior_index["_class_name"],
        "decoder_class": decoder_index["_class_name"],
        "embedding_dim": embedding_dim,
        "text_max_length": text_cfg.get("max_position_embeddings", 77),
        "unet_in_channels": unet.get("in_channels", 4),
        "unet_out_channels": unet.get("out_channels", 4),
        "movq_scale_factor": 2 ** (len(movq.get("block_out_channels", [0, 0, 0, 0])) - 1),
        "decoder_variance_type": decoder_sched.get("variance_type"),
    }


# ---------------------------------------------------------------------------------------------
# Wrappers: each takes and returns plain tensors.


def _wrappers():
    import torch

    class TextEncoder(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            out = self.model(input_ids=input_ids)
            return out.text_embeds, out.last_hidden_state

    class Prior(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, hidden_states, timestep, proj_embedding, encoder_hidden_states, attention_mask):
            return self.model(
                hidden_states,
                timestep=timestep,
                proj_embedding=proj_embedding,
                encoder_hidden_states=encoder_hidden_states,
                attention_mask=attention_mask.bool(),
            ).predicted_image_embedding

    class Unet(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, sample, timestep, image_embeds):
            return self.model(
                sample, timestep, encoder_hidden_states=None, added_cond_kwargs={"image_embeds": image_embeds}
            ).sample

    class MovqDecoder(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, latent_sample):
            return self.model.decode(latent_sample, force_not_quantize=True).sample

    class MovqEncoder(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, sample):
            return self.model.encode(sample).latents

    return TextEncoder, Prior, Unet, MovqDecoder, MovqEncoder


def _torch_export(module, args: tuple, path: Path, inputs, outputs, dynamic_axes, opset: int) -> None:
    import onnx
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    _compact_names(path)
    onnx.checker.check_model(str(path))


def _compact_names(path: Path) -> None:
    """Short names for nodes and intermediate values (the tracer's names are most of a tiny graph)."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output} | {i.name for i in graph.initializer}
    renamed: dict[str, str] = {}
    for n, node in enumerate(graph.node):
        node.name = f"n{n}"
        for k, name in enumerate(node.output):
            if name and name not in keep:
                renamed[name] = f"v{n}_{k}" if k else f"v{n}"
                node.output[k] = renamed[name]
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name in renamed:
                node.input[k] = renamed[name]
    del graph.value_info[:]
    onnx.save(model, str(path))


def _copy_config(src: Path, dst: Path, name: str) -> None:
    """A config file, re-serialised; `_name_or_path` (a temporary folder) becomes `name`."""
    data = _read_json(src)
    if "_name_or_path" in data:
        data["_name_or_path"] = name
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _float_list(tensor) -> list[float]:
    return [float(v) for v in tensor.detach().float().flatten().tolist()]


def export_kandinsky(source: Path, out: Path, dtype: str = "fp32", opset: int = 17) -> None:
    """Writes the ONNX export described in this module's docstring from SRC (prior/ + decoder/)."""
    import torch
    from diffusers import PriorTransformer, UNet2DConditionModel, VQModel
    from transformers import CLIPTextModelWithProjection, CLIPVisionModelWithProjection

    if dtype != "fp32":
        raise ExportError(f"dtype {dtype!r} is not supported: Kandinsky exports are fp32")
    source, out = Path(source), Path(out)
    info = check_kandinsky_source(source)
    prior_src, decoder_src = source / "prior", source / "decoder"
    out.mkdir(parents=True, exist_ok=True)
    TextEncoder, Prior, Unet, MovqDecoder, MovqEncoder = _wrappers()
    batch = {0: "batch"}

    text = CLIPTextModelWithProjection.from_pretrained(str(prior_src / "text_encoder")).eval()
    length = info["text_max_length"]
    ids = torch.full((2, length), 49407, dtype=torch.long)
    ids[:, 0] = 49406
    _torch_export(
        TextEncoder(text), (ids,), out / "prior" / "text_encoder" / "model.onnx", ["input_ids"],
        ["text_embeds", "last_hidden_state"],
        {"input_ids": batch, "text_embeds": batch, "last_hidden_state": batch}, opset,
    )  # fmt: skip
    _copy_config(prior_src / "text_encoder" / "config.json", out / "prior" / "text_encoder" / "config.json", "prior/text_encoder")

    prior = PriorTransformer.from_pretrained(str(prior_src / "prior")).eval()
    dim = prior.config.embedding_dim
    args = (
        torch.randn(2, dim),
        torch.tensor([500], dtype=torch.long),
        torch.randn(2, dim),
        torch.randn(2, prior.config.num_embeddings, dim),
        torch.ones(2, prior.config.num_embeddings, dtype=torch.long),
    )
    names = ["hidden_states", "timestep", "proj_embedding", "encoder_hidden_states", "attention_mask"]
    axes = {n: batch for n in names if n != "timestep"} | {"predicted_image_embedding": batch}
    _torch_export(Prior(prior), args, out / "prior" / "prior" / "model.onnx", names, ["predicted_image_embedding"], axes, opset)
    _copy_config(prior_src / "prior" / "config.json", out / "prior" / "prior" / "config.json", "prior/prior")
    stats = {"clip_mean": _float_list(prior.clip_mean), "clip_std": _float_list(prior.clip_std)}
    (out / "prior" / "prior" / "clip_stats.json").write_text(json.dumps(stats) + "\n", encoding="utf-8")

    vision = CLIPVisionModelWithProjection.from_pretrained(str(prior_src / "image_encoder")).eval()
    size = vision.config.image_size
    with torch.no_grad():
        zero = vision(torch.zeros(1, 3, size, size)).image_embeds
    zero_json = {"image_size": size, "image_embeds": _float_list(zero)}
    (out / "prior" / "zero_image_embeds.json").write_text(json.dumps(zero_json) + "\n", encoding="utf-8")

    unet = UNet2DConditionModel.from_pretrained(str(decoder_src / "unet")).eval()
    channels = unet.config.in_channels
    args = (torch.randn(2, channels, 8, 8), torch.tensor([500], dtype=torch.long), torch.randn(2, dim))
    spatial = {0: "batch", 2: "height", 3: "width"}
    _torch_export(
        Unet(unet), args, out / "unet" / "model.onnx", ["sample", "timestep", "image_embeds"], ["out_sample"],
        {"sample": spatial, "image_embeds": batch, "out_sample": spatial}, opset,
    )  # fmt: skip
    _copy_config(decoder_src / "unet" / "config.json", out / "unet" / "config.json", "unet")

    movq = VQModel.from_pretrained(str(decoder_src / "movq")).eval()
    latent = movq.config.latent_channels
    _torch_export(
        MovqDecoder(movq), (torch.randn(1, latent, 8, 8),), out / "movq_decoder" / "model.onnx",
        ["latent_sample"], ["sample"], {"latent_sample": spatial, "sample": spatial}, opset,
    )  # fmt: skip
    _torch_export(
        MovqEncoder(movq), (torch.randn(1, 3, 16, 16),), out / "movq_encoder" / "model.onnx",
        ["sample"], ["latent_sample"], {"sample": spatial, "latent_sample": spatial}, opset,
    )  # fmt: skip
    for part in ("movq_decoder", "movq_encoder"):
        _copy_config(decoder_src / "movq" / "config.json", out / part / "config.json", "movq")

    _copy_config(decoder_src / "model_index.json", out / "model_index.json", "decoder")
    _copy_config(decoder_src / "scheduler" / "scheduler_config.json", out / "scheduler" / "scheduler_config.json", "scheduler")
    _copy_config(prior_src / "model_index.json", out / "prior" / "model_index.json", "prior")
    _copy_config(
        prior_src / "scheduler" / "scheduler_config.json", out / "prior" / "scheduler" / "scheduler_config.json", "prior/scheduler"
    )  # fmt: skip
    tok_out = out / "prior" / "tokenizer"
    tok_out.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        src = prior_src / "tokenizer" / name
        if not src.is_file():
            continue
        shutil.copyfile(src, tok_out / name)


def _listing(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)).replace(os.sep, "/") for p in out.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--dtype", default="fp32")
    parser.add_argument("--opset", default=17, type=int)
    parser.add_argument("--check-only", action="store_true", help="check the source and print what was found")
    args = parser.parse_args(argv)
    try:
        info = check_kandinsky_source(args.source)
        if not args.check_only:
            export_kandinsky(args.source, args.out, args.dtype, args.opset)
            info = {**info, "out": str(args.out), "files": _listing(args.out)}
    except ExportError as err:
        print(json.dumps({"ok": False, "error": str(err)}))
        return 1
    print(json.dumps({"ok": True, **info}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
