#!/usr/bin/env python3
"""Tiny random-weight FLUX-class source models in diffusers `save_pretrained` layout.

    .venv-export/bin/python scripts/models/flux/tiny_flux.py OUT_DIR [--variant dev|schnell]

Writes a FluxPipeline folder: `transformer/` (FluxTransformer2DModel), `vae/` (AutoencoderKL with
Flux's latent layout: 16 channels, scaling_factor + shift_factor, no quant convs), `text_encoder/`
+ `tokenizer/` (CLIPTextModel, the real CLIP BPE vocabulary copied from the committed CLIP
fixture), `text_encoder_2/` + `tokenizer_2/` (T5EncoderModel and a SentencePiece-style Unigram
tokenizer trained here on a fixed text, as T5TokenizerFast writes it), `scheduler/`
(FlowMatchEulerDiscreteScheduler) and `model_index.json`.

Variants:
- dev: guidance embedding (guidance_embeds true), dynamic shifting (mu from the image sequence
  length), tokenizer_2 model_max_length 512.
- schnell: no guidance embedding, a static shift of 3.0 (so the static formula is exercised;
  the real schnell uses 1.0), tokenizer_2 model_max_length 256.

Everything but the transformer and the scheduler is identical between the variants (same seeds).
Nothing is downloaded; every weight comes from torch.manual_seed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[3]
CLIP_VOCAB = ROOT / "packages" / "inference" / "test" / "fixtures" / "hf" / "clip"

# Small dimensions: the whole export stays well under the fixture size budget.
CLIP_HIDDEN = 4
T5_D_MODEL = 8
T5_VOCAB = 400
HEAD_DIM = 8
HEADS = 2

# A fixed training text for the Unigram vocabulary: plain English prompts plus a few accented,
# CJK and symbol characters, so unicode prompts hit both known pieces and <unk>.
TRAINING_TEXT = [
    "a watercolor painting of a red fox in the snow",
    "a photograph of an astronaut riding a horse on the moon",
    "a cozy cabin in the mountains at sunset, oil painting",
    "portrait of an old fisherman, dramatic lighting, high detail",
    "a bowl of fruit on a wooden table, still life",
    "cyberpunk city street at night with neon signs and rain",
    "a small robot reading a book in a library",
    "the quick brown fox jumps over the lazy dog",
    "café crème brûlée déjà vu naïve façade",
    "東京 の 夜景 と 富士山",
    "blurry, low quality, watermark, text, signature",
    "an isometric illustration of a castle on a floating island",
    "macro shot of a dew drop on a green leaf",
    "a cat wearing sunglasses, digital art, trending",
    "hello world! 123 456 7890 (parentheses) [brackets] {braces}",
    "A Photograph Of An Astronaut, Riding A Horse. High Detail (8K)",
]
SUBJECTS = [
    "dragon", "lighthouse", "garden", "violin", "mountain lake", "teapot", "forest spirit", "train station",
    "sailboat", "waterfall", "butterfly", "skyscraper", "bicycle", "volcano", "owl", "desert caravan",
    "submarine", "cathedral", "jellyfish", "windmill", "samurai", "greenhouse", "penguin", "marketplace",
]
STYLES = ["pencil sketch", "oil on canvas", "pixel art", "studio photo", "ukiyo-e print", "3d render"]
MOODS = ["at dawn", "under stars", "in heavy fog", "on a sunny morning", "during a storm"]


def training_text() -> list[str]:
    """The fixed text the Unigram vocabulary is trained on (prompts and combinations of them)."""
    combos = [f"a {s} {m}, {st}" for s in SUBJECTS for st in STYLES for m in MOODS]
    return TRAINING_TEXT * 4 + combos


def clip_tokenizer(out: Path) -> None:
    """CLIP's slow layout: the committed vocab.json + merges.txt and Flux's token settings."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(CLIP_VOCAB / name, out / name)
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
    config = {**special, "do_lower_case": True, "errors": "replace", "model_max_length": 77, "tokenizer_class": "CLIPTokenizer", "add_prefix_space": False, "clean_up_tokenization_spaces": False}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2, sort_keys=True) + "\n")


def unigram_vocab() -> list[tuple[str, float]]:
    """A Unigram vocabulary counted from training_text(), deterministically: `<pad>`, `</s>`,
    `<unk>`, every character seen, then the most frequent substrings (2 to 8 characters) of the
    Metaspace-marked words; score = log(count / total). Ties are broken by the text, so the file is
    the same on every run (the tokenizers library's trainer orders tied pieces differently)."""
    import math
    import unicodedata
    from collections import Counter

    counts: Counter[str] = Counter()
    for line in training_text():
        for word in unicodedata.normalize("NFKC", line).split():
            marked = "▁" + word
            for i in range(len(marked)):
                for n in range(1, 9):
                    if i + n <= len(marked):
                        counts[marked[i : i + n]] += 1
    chars = sorted(p for p in counts if len(p) == 1)
    longer = sorted((p for p in counts if len(p) > 1 and counts[p] > 1), key=lambda p: (-counts[p] * len(p), p))
    kept = chars + longer[: T5_VOCAB - 3 - len(chars)]
    total = sum(counts[p] for p in kept)
    pieces = sorted(((p, round(math.log(counts[p] / total), 6)) for p in kept), key=lambda x: (-x[1], x[0]))
    return [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *pieces]


def t5_tokenizer(out: Path, max_length: int):
    """A Unigram tokenizer in T5TokenizerFast's layout: Metaspace, `</s>` appended, `<pad>` id 0."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import T5TokenizerFast

    tok = Tokenizer(models.Unigram(unigram_vocab(), unk_id=2, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)]
    )
    if (tok.token_to_id("<pad>"), eos, tok.token_to_id("<unk>")) != (0, 1, 2):
        raise RuntimeError("the Unigram tokenizer's special ids are not <pad> 0, </s> 1, <unk> 2")
    fast = T5TokenizerFast(
        tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>", extra_ids=0, model_max_length=max_length
    )
    fast.save_pretrained(str(out))
    return fast


def clip_text_model():
    from transformers import CLIPTextConfig, CLIPTextModel

    config = CLIPTextConfig(
        vocab_size=49408, hidden_size=CLIP_HIDDEN, intermediate_size=2 * CLIP_HIDDEN, num_hidden_layers=1,
        num_attention_heads=2, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=CLIP_HIDDEN,
        bos_token_id=49406, eos_token_id=49407, pad_token_id=1,
    )
    return CLIPTextModel(config).eval()


def t5_encoder(vocab_size: int):
    from transformers import T5Config, T5EncoderModel

    config = T5Config(
        vocab_size=vocab_size, d_model=T5_D_MODEL, d_kv=4, d_ff=16, num_layers=1, num_heads=2,
        relative_attention_num_buckets=8, relative_attention_max_distance=32, feed_forward_proj="gated-gelu",
        is_encoder_decoder=False, use_cache=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    return T5EncoderModel(config).eval()


def vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 8, 8), layers_per_block=1, latent_channels=16, norm_num_groups=4, sample_size=64,
        scaling_factor=0.3611, shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False,
    ).eval()


def transformer(guidance: bool):
    from diffusers import FluxTransformer2DModel

    return FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=HEAD_DIM,
        num_attention_heads=HEADS, joint_attention_dim=T5_D_MODEL, pooled_projection_dim=CLIP_HIDDEN,
        guidance_embeds=guidance, axes_dims_rope=(2, 2, 4),
    ).eval()


def scheduler(variant: str):
    from diffusers import FlowMatchEulerDiscreteScheduler

    if variant == "dev":
        return FlowMatchEulerDiscreteScheduler(
            num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15,
            base_image_seq_len=256, max_image_seq_len=4096,
        )
    return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=False)


def build(out: Path, variant: str) -> Path:
    import tempfile

    import torch
    from diffusers import FluxPipeline
    from transformers import CLIPTokenizer

    torch.manual_seed(0)
    text_encoder = clip_text_model()
    torch.manual_seed(1)
    tmp = Path(tempfile.mkdtemp(prefix="tiny-flux-tok-"))
    try:
        tokenizer_2 = t5_tokenizer(tmp / "t5", 512 if variant == "dev" else 256)
        clip_tokenizer(tmp / "clip")
        tokenizer = CLIPTokenizer.from_pretrained(str(tmp / "clip"))
        text_encoder_2 = t5_encoder(len(tokenizer_2))
        torch.manual_seed(2)
        autoencoder = vae()
        torch.manual_seed(3 if variant == "dev" else 4)
        model = transformer(guidance=variant == "dev")
        pipe = FluxPipeline(
            scheduler=scheduler(variant), vae=autoencoder, text_encoder=text_encoder, tokenizer=tokenizer,
            text_encoder_2=text_encoder_2, tokenizer_2=tokenizer_2, transformer=model,
        )
        if out.exists():
            shutil.rmtree(out)
        pipe.save_pretrained(str(out), safe_serialization=True)
        # The slow CLIP layout as committed (save_pretrained rewrites the configs with more keys).
        shutil.rmtree(out / "tokenizer")
        clip_tokenizer(out / "tokenizer")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--variant", choices=("dev", "schnell"), default="dev")
    args = parser.parse_args()
    build(args.out, args.variant)
    print(json.dumps({"ok": True, "out": str(args.out), "variant": args.variant}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
