#!/usr/bin/env python3
"""Exports a FLUX-class diffusers folder (FluxPipeline `save_pretrained` layout) to ONNX.

    .venv-export/bin/python scripts/models/flux/export_flux.py --source SRC --out OUT [--opset 17]

Optimum 2.1 has no Flux export config, so each part goes through `torch.onnx.export`
(TorchScript path, dynamo=False, float32) behind a small wrapper that fixes its inputs and
outputs. The result, one folder per part:

- `text_encoder/model.onnx`: CLIP, `input_ids` int64 [batch, seq] -> `last_hidden_state`,
  `pooler_output` (the hidden state at the first end token; Flux conditions on it).
- `text_encoder_2/model.onnx`: T5 encoder, `input_ids` int64 [batch, seq] -> `last_hidden_state`.
- `transformer/model.onnx`: `hidden_states` [batch, img_seq, in_channels] (packed latents),
  `encoder_hidden_states` [batch, txt_seq, joint_attention_dim], `pooled_projections`
  [batch, pooled_projection_dim], `timestep` [batch] (the sigma, t / 1000: the model multiplies
  by 1000 inside), `img_ids` [img_seq, 3], `txt_ids` [txt_seq, 3], and `guidance` [batch] only when
  `guidance_embeds` is true, then the LoRA inputs (below) -> `out_hidden_states`
  [batch, img_seq, in_channels] (the velocity).
- `vae_decoder/model.onnx`: `latent_sample` [batch, 16, h, w] (already unscaled and unshifted)
  -> `sample` [batch, 3, 8h, 8w] in [-1, 1].
- `vae_encoder/model.onnx`: `sample` [batch, 3, H, W] in [-1, 1] -> `latent_sample` (the
  posterior mean, before shift and scale).

Each part folder gets its model's `config.json`; `vae_decoder/` and `vae_encoder/` both get the
VAE's. `model_index.json`, `scheduler/` and the tokenizer folders are copied as written. Every
dimension above is dynamic except the channel widths.

LoRA inputs (the package's convention, see packages/inference/src/diffusion/loraInputs.ts): each
adapted Linear `y = x W^T + b` of the transformer becomes `y = x W^T + b + (x A) B` with graph
inputs `lora.transformer.<module>.A` [in, lora_rank_i] and `lora.transformer.<module>.B`
[lora_rank_i, out] (the runtime feeds rank-1 zeros when no adapter is active). `<module>` is the
module's path inside FluxTransformer2DModel, so `transformer.<module>` is the key prefix of a
diffusers Flux LoRA file (`pytorch_lora_weights.safetensors`,
`transformer.<module>.lora_A.weight` [r, in] / `.lora_B.weight` [out, r]): the runtime's adapter
store maps such a file onto these inputs. The adapted modules are those whose path ends with one
of `--lora-modules` (default LORA_MODULES: the attention projections and feed-forwards that
diffusers' Flux LoRA training targets; the single-stream blocks' to_q / to_k / to_v match too);
`--lora-modules ''` exports without LoRA inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
from pathlib import Path

PARTS = ("text_encoder", "text_encoder_2", "transformer", "vae")

# Module-path suffixes that get LoRA inputs: what diffusers' Flux LoRA training adapts by default.
LORA_MODULES = (
    "attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0",
    "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out",
    "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2",
)


def check_flux_source(source: Path) -> dict:
    """What a FluxPipeline source folder holds; raises ValueError naming what is missing or wrong."""
    index_file = source / "model_index.json"
    if not index_file.is_file():
        raise ValueError(f"{source} has no model_index.json")
    index = json.loads(index_file.read_text(encoding="utf-8"))
    if not str(index.get("_class_name", "")).startswith("Flux"):
        raise ValueError(f"{index_file}: _class_name {index.get('_class_name')!r} is not a Flux pipeline")
    for part in (*PARTS, "scheduler", "tokenizer", "tokenizer_2"):
        if not (source / part).is_dir():
            raise ValueError(f"{source} has no {part}/ folder")
    transformer = json.loads((source / "transformer" / "config.json").read_text(encoding="utf-8"))
    vae = json.loads((source / "vae" / "config.json").read_text(encoding="utf-8"))
    for key in ("scaling_factor", "shift_factor"):
        if vae.get(key) is None:
            raise ValueError(f"{source / 'vae' / 'config.json'}: no {key} (not a Flux VAE)")
    scheduler = json.loads((source / "scheduler" / "scheduler_config.json").read_text(encoding="utf-8"))
    return {
        "pipeline": index["_class_name"],
        "guidance_embeds": bool(transformer.get("guidance_embeds", False)),
        "in_channels": transformer.get("in_channels"),
        "latent_channels": vae.get("latent_channels"),
        "scheduler": scheduler.get("_class_name"),
        "use_dynamic_shifting": bool(scheduler.get("use_dynamic_shifting", False)),
    }


@contextlib.contextmanager
def _decomposed_rms_norm():
    """The TorchScript exporter has no symbolic for aten::rms_norm below opset 23: while exporting,
    torch.nn.RMSNorm (the transformer's q/k norms) runs as x * rsqrt(mean(x^2) + eps) * weight."""
    import torch
    import torch.nn.functional as F

    original = F.rms_norm

    def rms_norm(x, normalized_shape, weight=None, eps=None):
        eps = torch.finfo(x.dtype).eps if eps is None else eps
        dims = tuple(range(-len(normalized_shape), 0))
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * weight if weight is not None else y

    F.rms_norm = rms_norm
    try:
        yield
    finally:
        F.rms_norm = original


@contextlib.contextmanager
def _traceable_rope():
    """diffusers' rotary embedding splits the head dimension with a reshape whose target the
    TorchScript tracer freezes to the example's sequence length; while exporting, the pair
    rotation (a, b) -> (-b, a) runs as a matmul with a constant +-1 matrix instead (exact)."""
    import torch
    from diffusers.models.transformers import transformer_flux

    original = transformer_flux.apply_rotary_emb

    def apply_rotary_emb(x, freqs_cis, use_real=True, use_real_unbind_dim=-1, sequence_dim=2):
        if not use_real or use_real_unbind_dim != -1:
            return original(x, freqs_cis, use_real, use_real_unbind_dim, sequence_dim)
        cos, sin = freqs_cis
        if sequence_dim == 1:
            cos, sin = cos[None, :, None, :], sin[None, :, None, :]
        else:
            cos, sin = cos[None, None, :, :], sin[None, None, :, :]
        d = x.shape[-1]
        rotation = torch.zeros(d, d, dtype=x.dtype)
        index = torch.arange(0, d, 2)
        rotation[index + 1, index] = -1.0
        rotation[index, index + 1] = 1.0
        rotated = torch.matmul(x, rotation)
        return (x.float() * cos + rotated.float() * sin).to(x.dtype)

    transformer_flux.apply_rotary_emb = apply_rotary_emb
    try:
        yield
    finally:
        transformer_flux.apply_rotary_emb = original


def lora_targets(transformer, modules=LORA_MODULES) -> list[tuple[str, object]]:
    """(module path, Linear) of every Linear of the transformer whose path is one of `modules` or
    ends with `.<one of them>`, in the model's module order."""
    import torch

    return [
        (name, module) for name, module in transformer.named_modules()
        if isinstance(module, torch.nn.Linear) and any(name == m or name.endswith(f".{m}") for m in modules)
    ]


@contextlib.contextmanager
def _lora_linears(targets: list[tuple[str, object]], feeds: dict):
    """While exporting, each target Linear computes x W^T + b + (x A) B, with (A, B) =
    feeds[its path] (the traced graph inputs)."""
    import torch
    import torch.nn.functional as F

    def adapted(name, linear):
        def forward(x):
            a, b = feeds[name]
            return F.linear(x, linear.weight, linear.bias) + torch.matmul(torch.matmul(x, a), b)

        return forward

    for name, linear in targets:
        linear.forward = adapted(name, linear)
    try:
        yield
    finally:
        for _, linear in targets:
            del linear.forward


def _export(module, args: tuple, path: Path, inputs: list[str], outputs: list[str], axes: dict, opset: int) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), _decomposed_rms_norm(), _traceable_rope():
        torch.onnx.export(
            module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=axes,
            opset_version=opset, do_constant_folding=True, dynamo=False,
        )


def export_flux(
    source: Path, out: Path, dtype: str = "fp32", opset: int = 17, lora_modules: tuple[str, ...] = LORA_MODULES
) -> list[dict]:
    """Writes the ONNX export of `source` (a FluxPipeline folder) to `out` (replaced if present);
    returns the transformer's LoRA targets (`target`, `in`, `out`)."""
    import torch
    from diffusers import AutoencoderKL, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5EncoderModel

    class Wrapper(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

    if dtype != "fp32":
        raise ValueError(f"dtype {dtype!r}: only fp32 is supported for Flux exports")
    check_flux_source(source)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    clip = CLIPTextModel.from_pretrained(str(source / "text_encoder")).eval()

    class Clip(Wrapper):
        def forward(self, input_ids):
            result = self.model(input_ids=input_ids)
            return result.last_hidden_state, result.pooler_output

    ids = torch.zeros(1, 77, dtype=torch.int64)
    ids[0, :3] = torch.tensor([49406, 320, 49407])
    _export(Clip(clip), (ids,), out / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state", "pooler_output"],
            {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"},
             "pooler_output": {0: "batch"}}, opset)
    shutil.copyfile(source / "text_encoder" / "config.json", out / "text_encoder" / "config.json")

    t5 = T5EncoderModel.from_pretrained(str(source / "text_encoder_2")).eval()

    class T5(Wrapper):
        def forward(self, input_ids):
            return self.model(input_ids=input_ids).last_hidden_state

    _export(T5(t5), (torch.ones(1, 16, dtype=torch.int64),), out / "text_encoder_2" / "model.onnx", ["input_ids"],
            ["last_hidden_state"], {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset)
    shutil.copyfile(source / "text_encoder_2" / "config.json", out / "text_encoder_2" / "config.json")

    transformer = FluxTransformer2DModel.from_pretrained(str(source / "transformer")).eval()
    cfg = transformer.config
    guided = bool(cfg.guidance_embeds)
    targets = lora_targets(transformer, lora_modules)
    lora_feeds: dict = {}

    class Transformer(Wrapper):
        def forward(self, hidden_states, encoder_hidden_states, pooled_projections, timestep, img_ids, txt_ids, *rest):
            lora = rest[1:] if guided else rest
            for i, (name, _) in enumerate(targets):
                lora_feeds[name] = (lora[2 * i], lora[2 * i + 1])
            return self.model(
                hidden_states=hidden_states, encoder_hidden_states=encoder_hidden_states,
                pooled_projections=pooled_projections, timestep=timestep, img_ids=img_ids, txt_ids=txt_ids,
                guidance=rest[0] if guided else None, return_dict=False,
            )[0]

    img_seq, txt_seq = 16, 8
    img_ids = torch.zeros(img_seq, 3)
    img_ids[:, 1] = torch.arange(img_seq) // 4
    img_ids[:, 2] = torch.arange(img_seq) % 4
    args = [
        torch.randn(1, img_seq, cfg.in_channels), torch.randn(1, txt_seq, cfg.joint_attention_dim),
        torch.randn(1, cfg.pooled_projection_dim), torch.tensor([0.5]), img_ids, torch.zeros(txt_seq, 3),
    ]
    names = ["hidden_states", "encoder_hidden_states", "pooled_projections", "timestep", "img_ids", "txt_ids"]
    axes = {"hidden_states": {0: "batch", 1: "img_seq"}, "encoder_hidden_states": {0: "batch", 1: "txt_seq"},
            "pooled_projections": {0: "batch"}, "timestep": {0: "batch"}, "img_ids": {0: "img_seq"},
            "txt_ids": {0: "txt_seq"}, "out_hidden_states": {0: "batch", 1: "img_seq"}}
    if guided:
        args.append(torch.tensor([3.5]))
        names.append("guidance")
        axes["guidance"] = {0: "batch"}
    # Example adapters of rank 2 (a dynamic axis: any rank runs, rank-1 zeros when none is active).
    example = torch.Generator().manual_seed(0)
    for i, (name, linear) in enumerate(targets):
        a, b = f"lora.transformer.{name}.A", f"lora.transformer.{name}.B"
        args += [torch.randn(linear.in_features, 2, generator=example), torch.randn(2, linear.out_features, generator=example)]
        names += [a, b]
        axes[a] = {1: f"lora_rank_{i}"}
        axes[b] = {0: f"lora_rank_{i}"}
    with _lora_linears(targets, lora_feeds):
        _export(Transformer(transformer), tuple(args), out / "transformer" / "model.onnx", names, ["out_hidden_states"], axes, opset)
    shutil.copyfile(source / "transformer" / "config.json", out / "transformer" / "config.json")

    vae = AutoencoderKL.from_pretrained(str(source / "vae")).eval()

    class Decoder(Wrapper):
        def forward(self, latent_sample):
            return self.model.decode(latent_sample, return_dict=False)[0]

    class Encoder(Wrapper):
        def forward(self, sample):
            return self.model.encode(sample).latent_dist.mean

    channels = vae.config.latent_channels
    _export(Decoder(vae), (torch.randn(1, channels, 8, 8),), out / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"],
            {"latent_sample": {0: "batch", 2: "height", 3: "width"}, "sample": {0: "batch", 2: "height", 3: "width"}}, opset)
    _export(Encoder(vae), (torch.rand(1, 3, 64, 64) * 2 - 1,), out / "vae_encoder" / "model.onnx", ["sample"], ["latent_sample"],
            {"sample": {0: "batch", 2: "height", 3: "width"}, "latent_sample": {0: "batch", 2: "height", 3: "width"}}, opset)
    for part in ("vae_decoder", "vae_encoder"):
        shutil.copyfile(source / "vae" / "config.json", out / part / "config.json")

    shutil.copyfile(source / "model_index.json", out / "model_index.json")
    for folder in ("scheduler", "tokenizer", "tokenizer_2"):
        shutil.copytree(source / folder, out / folder)
    return [
        {"target": f"transformer.{name}", "in": linear.in_features, "out": linear.out_features}
        for name, linear in targets
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dtype", default="fp32")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument(
        "--lora-modules", default=",".join(LORA_MODULES),
        help="comma-separated module-path suffixes that get LoRA inputs ('' for none)",
    )
    args = parser.parse_args()
    modules = tuple(m.strip() for m in args.lora_modules.split(",") if m.strip())
    try:
        info = check_flux_source(args.source)
        targets = export_flux(args.source, args.out, args.dtype, args.opset, modules)
    except ValueError as err:
        print(json.dumps({"ok": False, "error": str(err)}))
        return 1
    print(json.dumps({"ok": True, "out": str(args.out), **info, "lora_targets": len(targets)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
