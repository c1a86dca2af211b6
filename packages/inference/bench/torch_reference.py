"""PyTorch's side of `bench/torch.bench.ts`: builds two random-weight models of real
architectures, exports them with the project's exporter (scripts/models/export_models.py, the
code `pnpm models export` runs), and then stays running so the bench can time PyTorch and our
engine in turn on the same CPU threads:

- a ~100M-parameter Qwen2 (tied embeddings, the Qwen vocabulary size): greedy generation of
  N tokens after a fixed prompt with transformers' generate (KV cache);
- a UNet with SD 1.5's block structure at half its widths (exported with torch.onnx under
  Optimum's input and output names): one guided step (batch 2) on 32x32 latents with a
  77-token context.

    python torch_reference.py --out DIR --threads N [--tokens 32] [--device cuda]

Once both are exported it prints `REF <json>` with the export folders, the inputs used and the
versions; then for each line it reads on stdin (`llm` or `unet`) it runs that once and prints
`REF {"seconds": s}`. It exits when stdin closes. Other stdout lines are the exporters' own.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "models"))

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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    global DEVICE
    DEVICE = "cuda" if args.device == "cuda" and torch.cuda.is_available() else "cpu"
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    generate, llm = build_llm(out, args.tokens)
    step, unet = build_unet(out)
    runs = {"llm": generate, "unet": step}
    reply({"torch": torch.__version__, "device": DEVICE, "threads": args.threads, "llm": llm, "unet": unet})
    for line in sys.stdin:
        reply({"seconds": timed(runs[line.strip()])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
