#!/usr/bin/env python3
"""A tiny random-weight Kandinsky 2.2 source in diffusers `save_pretrained` layout.

    python scripts/models/kandinsky/tiny_kandinsky.py OUT

Writes two pipeline folders, as the two published repositories lay them out:

- OUT/prior/   KandinskyV22PriorPipeline: PriorTransformer, CLIPTextModelWithProjection +
               CLIPTokenizer (slow layout), CLIPVisionModelWithProjection + CLIPImageProcessor
               (the zero-image embedding), UnCLIPScheduler as kandinsky-2-2-prior ships it.
- OUT/decoder/ KandinskyV22Pipeline: UNet2DConditionModel with Kandinsky 2.2's conditioning
               (image_proj hidden states, image added embedding, learned-range variance: 8 output
               channels for 4 latent ones), VQModel (MoVQ, spatial norm), DDPMScheduler as
               kandinsky-2-2-decoder ships it.

Every width is tiny (CLIP embedding 4, UNet channels 4/8, MoVQ 32/32 with 2 blocks: an image
side halves once to the latents). The CLIP vocabulary is the real one, copied from
packages/inference/test/fixtures/hf/clip (or $KANDINSKY_CLIP_DIR). Weights are seeded.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

SEED = 2202
#: CLIP embedding width (text hidden size = prior embedding = image embedding = UNet encoder_hid_dim).
EMBED = 4
REPO = Path(__file__).resolve().parents[3]
CLIP_DIR = Path(os.environ.get("KANDINSKY_CLIP_DIR", REPO / "packages/inference/test/fixtures/hf/clip"))
TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")


def log(message: str) -> None:
    print(f"[tiny_kandinsky] {message}", file=sys.stderr, flush=True)


def _tokenizer():
    from transformers import CLIPTokenizer

    folder = Path(tempfile.mkdtemp(prefix="tiny-kandinsky-tok-"))
    for name in TOKENIZER_FILES:
        shutil.copyfile(CLIP_DIR / name, folder / name)
    tokenizer = CLIPTokenizer.from_pretrained(str(folder))
    shutil.rmtree(folder, ignore_errors=True)
    return tokenizer


def _text_encoder():
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    config = CLIPTextConfig(
        vocab_size=49408,
        hidden_size=EMBED,
        intermediate_size=2 * EMBED,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=77,
        hidden_act="gelu",
        projection_dim=EMBED,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=1,
    )
    return CLIPTextModelWithProjection(config).eval()


def _image_encoder():
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    config = CLIPVisionConfig(
        hidden_size=8,
        intermediate_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=32,
        patch_size=16,
        projection_dim=EMBED,
        hidden_act="gelu",
    )
    return CLIPVisionModelWithProjection(config).eval()


def _image_processor():
    from transformers import CLIPImageProcessor

    return CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})


def _prior():
    import torch
    from diffusers import PriorTransformer

    # kandinsky-2-2-prior keeps PriorTransformer's defaults apart from the widths.
    prior = PriorTransformer(
        num_attention_heads=2,
        attention_head_dim=4,
        num_layers=1,
        embedding_dim=EMBED,
        num_embeddings=77,
        additional_embeddings=4,
    ).eval()
    # Parameters that PriorTransformer starts at zero: give them values so that every path counts.
    with torch.no_grad():
        prior.positional_embedding.copy_(torch.randn_like(prior.positional_embedding) * 0.5)
        prior.prd_embedding.copy_(torch.randn_like(prior.prd_embedding))
        prior.clip_mean.copy_(torch.randn_like(prior.clip_mean) * 0.1)
        prior.clip_std.copy_(torch.rand_like(prior.clip_std) * 0.5 + 0.75)
    return prior


def _prior_scheduler():
    from diffusers import UnCLIPScheduler

    return UnCLIPScheduler(
        clip_sample=True,
        clip_sample_range=10.0,
        num_train_timesteps=1000,
        prediction_type="sample",
        variance_type="fixed_small_log",
    )


def _unet():
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=8,
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        mid_block_type="UNetMidBlock2DSimpleCrossAttn",
        block_out_channels=(4, 8),
        layers_per_block=1,
        norm_num_groups=4,
        encoder_hid_dim=EMBED,
        encoder_hid_dim_type="image_proj",
        addition_embed_type="image",
        addition_embed_type_num_heads=2,
        cross_attention_dim=8,
        attention_head_dim=4,
        resnet_time_scale_shift="scale_shift",
        class_embed_type=None,
    ).eval()


def _movq():
    from diffusers import VQModel

    return VQModel(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "AttnDownEncoderBlock2D"),
        up_block_types=("AttnUpDecoderBlock2D", "UpDecoderBlock2D"),
        # The decoder's spatial norms use 32 groups (fixed in diffusers): 32 channels at least.
        block_out_channels=(32, 32),
        # No resnets in the encoder's down blocks, one per decoder up block (fixture size).
        layers_per_block=0,
        latent_channels=4,
        norm_num_groups=8,
        norm_type="spatial",
        num_vq_embeddings=16,
        vq_embed_dim=4,
        sample_size=64,
    ).eval()


def _decoder_scheduler():
    from diffusers import DDPMScheduler

    return DDPMScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="linear",
        variance_type="learned_range",
        clip_sample=False,
        clip_sample_range=1.0,
        prediction_type="epsilon",
        thresholding=False,
        dynamic_thresholding_ratio=0.995,
        sample_max_value=1.0,
        timestep_spacing="leading",
        steps_offset=1,
    )


def make_kandinsky(out: Path) -> None:
    import torch
    from diffusers import KandinskyV22Pipeline, KandinskyV22PriorPipeline

    torch.manual_seed(SEED)
    text_encoder = _text_encoder()
    torch.manual_seed(SEED + 1)
    image_encoder = _image_encoder()
    torch.manual_seed(SEED + 2)
    prior = _prior()
    torch.manual_seed(SEED + 3)
    unet = _unet()
    torch.manual_seed(SEED + 4)
    movq = _movq()

    prior_pipe = KandinskyV22PriorPipeline(
        prior=prior,
        image_encoder=image_encoder,
        text_encoder=text_encoder,
        tokenizer=_tokenizer(),
        scheduler=_prior_scheduler(),
        image_processor=_image_processor(),
    )
    decoder_pipe = KandinskyV22Pipeline(unet=unet, scheduler=_decoder_scheduler(), movq=movq)
    for name, pipe in (("prior", prior_pipe), ("decoder", decoder_pipe)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        pipe.save_pretrained(str(folder), safe_serialization=True)
    tok = out / "prior" / "tokenizer"
    if (tok / "tokenizer.json").exists():
        (tok / "tokenizer.json").unlink()
    # save_pretrained re-serialises the vocabulary (indented); keep the CLIP files as they are.
    for name in TOKENIZER_FILES:
        shutil.copyfile(CLIP_DIR / name, tok / name)
    log(f"wrote {out}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    make_kandinsky(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
