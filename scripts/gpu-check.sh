#!/usr/bin/env bash
# One command for a GPU machine: checks CUDA under onnxruntime-node, runs the PyTorch-parity
# suite on the CUDA provider, and the inference benches on CUDA and on the CPU, printing each
# CUDA figure next to the CPU's (and PyTorch's, where the export venv has torch). Under 8 minutes.
#
#   scripts/gpu-check.sh            (after `./dev setup` and the CUDA steps of docs/gpu.md)
#   GPU_CHECK_OUT=dir scripts/gpu-check.sh   also keeps every log in dir
#
# Exit 0 when CUDA loads and the parity suite passes on it; 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="${GPU_CHECK_OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
PNPM=(./dev pnpm)
status=0

section() { printf '\n== %s ==\n' "$1"; }

section "the GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
  echo "nvidia-smi not found: no NVIDIA driver on this machine"
  status=1
fi

section "execution providers (the built-in test decoder on each; CUDA's largest logit difference from the CPU)"
SUBNET_INFERENCE_PROVIDERS=cuda,cpu timeout 120 "${PNPM[@]}" models providers 2>&1 | tee "$OUT/providers.log"
if ! grep -q '^cuda .*ok on cuda' "$OUT/providers.log"; then
  echo "the CUDA provider did not load: follow docs/gpu.md (CUDA 12 libraries on LD_LIBRARY_PATH, onnxruntime-node's CUDA binaries)"
  exit 1
fi

section "PyTorch parity on CUDA (the committed Hugging Face exports against their PyTorch references)"
parity=(packages/inference/test/llm/hfExports.test.ts packages/inference/test/diffusion/hfExports.test.ts
  packages/inference/test/diffusion/uncropParity.test.ts packages/inference/test/flux/fluxExports.test.ts
  packages/inference/test/kandinsky/kandinskyParity.test.ts)
if SUBNET_INFERENCE_PROVIDERS=cuda timeout 300 "${PNPM[@]}" exec vitest run "${parity[@]}" 2>&1 | tee "$OUT/parity.log" | grep -E '✓|×|Test Files|Tests '; then
  echo "parity on CUDA: passed"
else
  echo "parity on CUDA: FAILED (the whole log is in $OUT/parity.log)"
  status=1
fi

section "benches: CUDA vs CPU"
bench() {
  local provider="$1" file="$2"
  BENCH_PROVIDER="$provider" timeout 240 "${PNPM[@]}" --filter @subnet/inference exec tsx "bench/$file" >"$OUT/$provider-$file.log" 2>&1
  echo "$provider $file: exit $?"
}
for file in llm.bench.ts diffusion.bench.ts; do
  bench cuda "$file"
  bench cpu "$file"
  echo "-- $file on cuda --"; tail -n 20 "$OUT/cuda-$file.log"
  echo "-- $file on cpu --"; tail -n 20 "$OUT/cpu-$file.log"
done

section "ours on CUDA vs PyTorch (skipped without the export venv: ./dev setup-export)"
# llm and unet rows, the Flux-class transformer (step and image) and uncrop, each against diffusers.
BENCH_PROVIDER=cuda timeout 300 "${PNPM[@]}" --filter @subnet/inference exec tsx bench/torch.bench.ts 2>&1 | tee "$OUT/torch.log" | tail -12

section "done"
echo "logs: $OUT"
exit "$status"
