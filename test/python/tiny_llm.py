"""The subnet's LLM generation rule in Python, on PyPI onnxruntime (CPU) and tokenizers, for the
Python test miner (python_miner.py). It follows packages/inference/src/llm, so that a Python miner
answers what our TypeScript miners answer and our validator's check accepts it:

- logprob of a token = log_softmax(raw logits)[token] in float64 from the float32 logits (no
  temperature, top-p or top-k applied: those shape the sampling only), logprobs.ts;
- top alternatives = the k largest logprobs, ties to the lower token id;
- sampling = sampler.ts (temperature 0: argmax; else floor at 40 * temperature below the best
  logit, order by logit then id, top_k, softmax(logit / temperature), top_p prefix, one draw),
  with the specified PRNG (random/xoshiro128.ts) seeded by deriveSeed(seed, 'llm-sample');
- the sequence ends at the end-of-sequence token (sent as the last token), a stop sequence, or
  max_tokens capped by the context.

Each step is a full forward pass over prompt + tokens so far (no KV cache).
"""
import hashlib
import json
import math
import os
import random
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1


def derive_seed(seed: int, *labels) -> int:
    """First 8 bytes (big-endian) of sha256('seed/label/...'): random/deriveSeed.ts."""
    text = "/".join([str(seed), *map(str, labels)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _split_mix64(state: int) -> tuple[int, int]:
    nxt = (state + 0x9E3779B97F4A7C15) & MASK64
    z = nxt
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return nxt, z ^ (z >> 31)


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK32


class Xoshiro128:
    """xoshiro128** seeded by two SplitMix64 outputs: random/xoshiro128.ts, bit for bit."""

    def __init__(self, seed: int):
        state1, out1 = _split_mix64(seed & MASK64)
        _, out2 = _split_mix64(state1)
        self.s = [out1 & MASK32, out1 >> 32, out2 & MASK32, out2 >> 32]
        if not any(self.s):
            self.s[0] = 1

    def next_uint32(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & MASK32, 7) * 9) & MASK32
        t = (s[1] << 9) & MASK32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def next_float64(self) -> float:
        a = self.next_uint32() >> 5
        b = self.next_uint32() >> 6
        return (a * 67108864 + b) / 9007199254740992


def log_softmax(row: list[float]) -> list[float]:
    """In float64, in index order, as logprobs.ts."""
    mx = max(row)
    total = 0.0
    for x in row:
        total += math.exp(x - mx)
    log_z = mx + math.log(total)
    return [x - log_z for x in row]


def top_logprobs(lps: list[float], k: int) -> list[tuple[int, float]]:
    if k <= 0:
        return []
    order = sorted(range(len(lps)), key=lambda i: (-lps[i], i))
    return [(i, lps[i]) for i in order[:k]]


def sample_token(row: list[float], temperature: float, top_p: float, top_k: int, rng: Xoshiro128) -> int:
    """sampler.ts: exactly one PRNG draw per sampled token, none at temperature 0."""
    if temperature == 0:
        best = 0
        for i in range(1, len(row)):
            if row[i] > row[best]:
                best = i
        return best
    mx = max(row)
    floor = mx - 40 * temperature
    order = sorted((i for i in range(len(row)) if row[i] >= floor), key=lambda i: (-row[i], i))
    keep = min(top_k, len(order)) if top_k > 0 else len(order)
    probs = [math.exp((row[order[i]] - mx) / temperature) for i in range(keep)]
    total = 0.0
    for p in probs:
        total += p
    kept = keep
    if top_p < 1:
        cumulative = 0.0
        for i in range(keep):
            cumulative += probs[i] / total
            if cumulative >= top_p:
                kept = i + 1
                break
    kept_sum = 0.0
    for i in range(kept):
        kept_sum += probs[i]
    u = rng.next_float64() * kept_sum
    cumulative = 0.0
    for i in range(kept):
        cumulative += probs[i]
        if cumulative > u:
            return order[i]
    return order[kept - 1]


class StreamedText:
    """Releases text that cannot be part of a stop sequence (streamedText.ts)."""

    def __init__(self, stops: list[str]):
        self.stops = stops
        self.released = 0
        self.final: Optional[str] = None

    def update(self, full: str) -> tuple[str, bool]:
        if self.final is not None:
            return "", True
        stop_at = -1
        for stop in self.stops:
            at = full.find(stop, max(0, self.released - len(stop) + 1))
            if at >= 0 and (stop_at < 0 or at < stop_at):
                stop_at = at
        if stop_at >= 0:
            self.final = full[:stop_at]
            return self._take(self.final, len(self.final)), True
        safe = len(full)
        while safe > self.released and full[safe - 1] == "\ufffd":
            safe -= 1
        for stop in self.stops:
            for keep in range(min(len(stop) - 1, safe - self.released), 0, -1):
                if full[safe - keep:safe] == stop[:keep]:
                    safe -= keep
                    break
        return self._take(full, safe), False

    def flush(self, full: str) -> str:
        if self.final is not None:
            return ""
        self.final = full
        return self._take(full, len(full))

    def _take(self, text: str, end: int) -> str:
        if end <= self.released:
            return ""
        piece = text[self.released:end]
        self.released = end
        return piece


@dataclass
class Request:
    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    top_logprobs: int
    stop: list[str]
    seed: int


class TinyLlm:
    """A decoder-only ONNX export (input_ids, attention_mask, position_ids, past_key_values.N.*,
    optional lora.<target>.A/B) and its tokenizer.json / tokenizer_config.json."""

    def __init__(self, model_dir: str, max_context: int = 256):
        options = ort.SessionOptions()
        # One intra-op thread, as the miners and the validator run the tiny model.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            os.path.join(model_dir, "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        eos = self.tokenizer.token_to_id(config["eos_token"])
        self.eos_ids = {eos} if eos is not None else set()
        self.max_context = max_context
        inputs = {i.name: i for i in self.session.get_inputs()}
        logits = next(o for o in self.session.get_outputs() if o.name == "logits")
        self.vocab_size = int(logits.shape[2])
        self.has_position_ids = "position_ids" in inputs
        # The constant feeds: an empty KV cache and LoRA inputs of rank 1 with zeros (no adapter).
        self.fixed: dict[str, np.ndarray] = {}
        for name, meta in inputs.items():
            dtype = np.float16 if meta.type == "tensor(float16)" else np.float32
            if name.startswith("past_key_values."):
                _, heads, _, head_dim = meta.shape
                self.fixed[name] = np.zeros((1, heads, 0, head_dim), dtype=dtype)
            elif name.startswith("lora.") and name.endswith(".A"):
                self.fixed[name] = np.zeros((meta.shape[0], 1), dtype=dtype)
            elif name.startswith("lora.") and name.endswith(".B"):
                self.fixed[name] = np.zeros((1, meta.shape[1]), dtype=dtype)
            elif name in ("num_logits_to_keep", "logits_to_keep"):
                self.fixed[name] = np.array(0, dtype=np.int64)

    def last_logits(self, ids: list[int]) -> list[float]:
        n = len(ids)
        feeds = dict(self.fixed)
        feeds["input_ids"] = np.array([ids], dtype=np.int64)
        feeds["attention_mask"] = np.ones((1, n), dtype=np.int64)
        if self.has_position_ids:
            feeds["position_ids"] = np.arange(n, dtype=np.int64)[None, :]
        (logits,) = self.session.run(["logits"], feeds)
        # float32 → Python floats (float64), as the engine reads a Float32Array into doubles.
        return logits[0, -1].astype(np.float32).tolist()

    def token_text(self, token_id: int) -> str:
        return self.tokenizer.decode([token_id], skip_special_tokens=False)

    def generate(self, req: Request, random_tokens: bool = False) -> Iterator[dict]:
        """Yields the `token` events of the answer, then its `done` event.

        With `random_tokens` the tokens are drawn uniformly from the ordinary vocabulary (never
        end-of-sequence) up to max_tokens, each still reported with its true logprob: a miner
        that saves the sampling and makes its answers up."""
        prompt_ids = self.tokenizer.encode(req.prompt, add_special_tokens=False).ids
        if not prompt_ids:
            raise ValueError("the prompt is empty")
        if len(prompt_ids) >= self.max_context:
            raise ValueError(f"the prompt has {len(prompt_ids)} tokens; the context is {self.max_context}")
        rng = Xoshiro128(derive_seed(req.seed, "llm-sample"))
        cheat = random.Random(req.seed)
        specials = {i for i, t in self.tokenizer.get_added_tokens_decoder().items() if t.special} | self.eos_ids
        ordinary = [i for i in range(self.vocab_size) if i not in specials]
        max_tokens = min(req.max_tokens, self.max_context - len(prompt_ids))
        text = StreamedText(req.stop)
        ids: list[int] = []
        shown: list[int] = []
        finish = "length"
        while True:
            row = self.last_logits(prompt_ids + ids)
            if random_tokens:
                token = cheat.choice(ordinary)
            else:
                token = sample_token(row, req.temperature, req.top_p, req.top_k, rng)
            lps = log_softmax(row)
            ids.append(token)
            is_eos = token in self.eos_ids
            if not is_eos:
                shown.append(token)
            piece, stopped = text.update(self.tokenizer.decode(shown, skip_special_tokens=True))
            last = stopped or is_eos or len(ids) >= max_tokens
            if last and not stopped:
                piece += text.flush(self.tokenizer.decode(shown, skip_special_tokens=True))
            yield {
                "type": "token",
                "index": len(ids) - 1,
                "token": piece,
                "token_id": token,
                "logprob": lps[token],
                "top_logprobs": [
                    {"token": self.token_text(i), "logprob": lp} for i, lp in top_logprobs(lps, req.top_logprobs)
                ],
            }
            if last:
                finish = "stop" if stopped or is_eos else "length"
                break
        yield {
            "type": "done",
            "finish_reason": finish,
            "prompt_tokens": len(prompt_ids),
            "completion_tokens": len(ids),
        }
