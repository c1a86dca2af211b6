"""Python mirrors of the task synapses (src/tasks/*.ts), for the hash interop test.

Each class declares the same fields, types, defaults and required_hash_fields as its TypeScript
definition: `float` where TypeScript has z.number(), `int` where it has z.int(), no default where
TypeScript has no .optional()/.default(). Numeric bounds are mirrored too; string formats (base64,
ids) are checked on the TypeScript side only.

Run as a script: reads a JSON list of {"synapse": name, "fields": {...}} on stdin and writes, for
each, the SDK's body hash, its bt_header_input_obj_* headers and str() of each hashed field.
"""
import json
import sys
from typing import AsyncIterator, ClassVar, Literal, Optional

import bittensor as bt
from pydantic import BaseModel, Field

SEED_MAX = 4_294_967_295
DIFFUSION_HASH_FIELDS = ("steps", "cfg_scale", "width", "height", "seed", "model", "lora")
SAMPLING_HASH_FIELDS = (
    "max_tokens", "temperature", "top_p", "top_k", "top_logprobs", "stop", "seed", "model", "lora",
)


class ImageHashes(BaseModel):
    average_hash: str
    perceptual_hash: str
    difference_hash: str
    color_hash: str


class DiffusionSettings(BaseModel):
    steps: int = Field(10, ge=1, le=50)
    cfg_scale: float = Field(3.0, ge=1, le=10)
    width: int = Field(1024, ge=512, le=1344, multiple_of=64)
    height: int = Field(1024, ge=512, le=1344, multiple_of=64)
    seed: int = Field(ge=0, le=SEED_MAX)
    model: str
    lora: Optional[str] = None


class ImageOutputs(BaseModel):
    image_b64: Optional[str] = None
    image_hashes: Optional[ImageHashes] = None
    clip_embedding: Optional[list[float]] = None
    is_nsfw: Optional[bool] = None


class Prompts(BaseModel):
    prompt: str
    negative_prompt: Optional[str] = None


class TextToImage(ImageOutputs, DiffusionSettings, Prompts, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt", "negative_prompt", *DIFFUSION_HASH_FIELDS)


class ImageToImageInputs(BaseModel):
    init_image: str
    image_strength: float = Field(0.5, gt=0, le=1)


class ImageToImage(ImageOutputs, DiffusionSettings, ImageToImageInputs, Prompts, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = (
        "prompt", "negative_prompt", "init_image", "image_strength", *DIFFUSION_HASH_FIELDS,
    )


class InpaintInputs(BaseModel):
    init_image: str
    mask_image: str


class Inpaint(ImageOutputs, DiffusionSettings, InpaintInputs, Prompts, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = (
        "prompt", "negative_prompt", "init_image", "mask_image", *DIFFUSION_HASH_FIELDS,
    )


class UncropInputs(BaseModel):
    image: str
    extend_left: int = Field(0, ge=0, le=512, multiple_of=8)
    extend_right: int = Field(0, ge=0, le=512, multiple_of=8)
    extend_top: int = Field(0, ge=0, le=512, multiple_of=8)
    extend_bottom: int = Field(0, ge=0, le=512, multiple_of=8)


class UncropSettings(BaseModel):
    steps: int = Field(10, ge=1, le=50)
    cfg_scale: float = Field(3.0, ge=1, le=10)
    seed: int = Field(ge=0, le=SEED_MAX)
    model: str
    lora: Optional[str] = None


class Uncrop(ImageOutputs, UncropSettings, UncropInputs, Prompts, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = (
        "prompt", "negative_prompt", "image", "extend_left", "extend_right", "extend_top",
        "extend_bottom", "steps", "cfg_scale", "seed", "model", "lora",
    )


class ControlInputs(BaseModel):
    control_image: str
    control_type: Literal["scribble"] = "scribble"
    conditioning_scale: float = Field(1.0, ge=0, le=2)


class ControlNet(ImageOutputs, DiffusionSettings, ControlInputs, Prompts, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = (
        "prompt", "negative_prompt", "control_image", "control_type", "conditioning_scale",
        *DIFFUSION_HASH_FIELDS,
    )


class UpscaleInputs(BaseModel):
    image: str
    model: str


class Upscale(ImageOutputs, UpscaleInputs, bt.Synapse):
    required_hash_fields: ClassVar[tuple[str, ...]] = ("image", "model")


class ClipEmbeddings(bt.Synapse):
    image_b64s: list[str] = Field(min_length=1, max_length=10)
    model: str
    clip_embeddings: Optional[list[list[float]]] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ("image_b64s", "model")


class TopLogprob(BaseModel):
    token: str
    logprob: float = Field(le=0)


class TokenLogprob(BaseModel):
    token: str
    token_id: Optional[int] = None
    logprob: float = Field(le=0)
    top_logprobs: list[TopLogprob]


class Sampling(BaseModel):
    max_tokens: int = Field(500, ge=1, le=4096)
    temperature: float = Field(0.5, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    top_k: int = Field(0, ge=0, le=1000)
    top_logprobs: int = Field(5, ge=0, le=20)
    stop: list[str] = Field(default_factory=list, max_length=4)
    seed: int = Field(ge=0, le=SEED_MAX)
    model: str
    lora: Optional[str] = None


class TextOutputs(BaseModel):
    text: Optional[str] = None
    token_logprobs: Optional[list[TokenLogprob]] = None
    finish_reason: Optional[Literal["stop", "length"]] = None


class TextStream(bt.StreamingSynapse):
    """The SDK's streaming hooks; events are `data: {json}` blocks (src/streamEvents.ts)."""

    async def process_streaming_response(self, response) -> AsyncIterator[dict]:
        buffer = ""
        async for chunk in response.content.iter_any():
            buffer += chunk.decode("utf-8")
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                data = "\n".join(l[5:].lstrip(" ") for l in block.split("\n") if l.startswith("data:"))
                if data:
                    yield json.loads(data)

    def extract_response_json(self, response) -> dict:
        return {"name": self.name}


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatInputs(BaseModel):
    messages: list[ChatMessage] = Field(min_length=1, max_length=64)


class Chat(TextOutputs, Sampling, ChatInputs, TextStream):
    required_hash_fields: ClassVar[tuple[str, ...]] = ("messages", *SAMPLING_HASH_FIELDS)


class CompletionInputs(BaseModel):
    prompt: str = Field(min_length=1)


class Completion(TextOutputs, Sampling, CompletionInputs, TextStream):
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt", *SAMPLING_HASH_FIELDS)


class TaskCapacity(BaseModel):
    volume: float = Field(ge=0)
    models: list[str] = Field(min_length=1, max_length=16)
    loras: list[str] = Field(max_length=256)


class Capacity(bt.Synapse):
    capacities: Optional[dict[str, TaskCapacity]] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ()


SYNAPSES = {
    cls.__name__: cls
    for cls in (TextToImage, ImageToImage, Inpaint, Uncrop, ControlNet, Upscale, ClipEmbeddings, Chat, Completion, Capacity)
}


def describe(case: dict) -> dict:
    cls = SYNAPSES[case["synapse"]]
    synapse = cls(**case["fields"])
    dump = synapse.model_dump()
    headers = synapse.to_headers()
    return {
        "field_order": [f for f in dump if f in cls.model_fields and f not in bt.Synapse.model_fields],
        "required_hash_fields": list(cls.required_hash_fields),
        "required_fields": synapse.get_required_fields(),
        "hash_strs": {f: str(dump[f]) for f in cls.required_hash_fields},
        "body_hash": synapse.body_hash,
        "placeholders": {k: v for k, v in headers.items() if k.startswith("bt_header_input_obj_")},
    }


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump([describe(c) for c in cases], sys.stdout)
