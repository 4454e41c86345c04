"""Meaning matching: word vectors shipped inside the ``wordllama`` wheel, read from its files.

Only the wheel's own files are opened (the weights as safetensors and the tokenizer's JSON); the
package's loader, which may fetch a missing tokenizer from a model hub, is never called, so nothing
here reaches for the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

WEIGHTS = ("weights", "l2_supercat_256.safetensors")
TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


def package_dir() -> Path:
    """Where the ``wordllama`` package's files are, found without importing it (its import pulls in
    much that is not needed here)."""
    spec = find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the wordllama package is not installed (pip install wordllama)")
    return Path(next(iter(spec.submodule_search_locations)))


class Embedder:
    """Sentence vectors as the mean of the word-piece vectors, normalised to unit length."""

    def __init__(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = package_dir()
        self._matrix = load_file(str(root.joinpath(*WEIGHTS)))["embedding.weight"]  # float16, as shipped
        self._tokenizer = Tokenizer.from_file(str(root.joinpath(*TOKENIZER)))
        self.dimensions = int(self._matrix.shape[1])

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text (a zero vector for a text with no words)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, enc in enumerate(self._tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            ids = [j for j in enc.ids if 0 <= j < self._matrix.shape[0]]
            if ids:
                v = self._matrix[ids].astype(np.float32).mean(axis=0)
                norm = float(np.linalg.norm(v))
                out[i] = v / norm if norm else v
        return out
