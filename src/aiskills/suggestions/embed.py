"""Meaning matching: word vectors shipped inside the ``wordllama`` wheel, read from its files.

Only the wheel's own files are opened (the weights as safetensors and the tokenizer's JSON); the
package's loader, which may fetch a missing tokenizer from a model hub, is never called, so nothing
here reaches for the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

WEIGHTS = ("weights", "l2_supercat_256.safetensors")
TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


class Embedder:
    """Sentence vectors as the mean of the word-piece vectors, normalised to unit length."""

    def __init__(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = files("wordllama")
        self._matrix = np.ascontiguousarray(
            load_file(str(root.joinpath(*WEIGHTS)))["embedding.weight"], dtype=np.float32
        )
        self._tokenizer = Tokenizer.from_file(str(root.joinpath(*TOKENIZER)))
        self.dimensions = int(self._matrix.shape[1])

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text (a zero vector for a text with no words)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, enc in enumerate(self._tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            ids = [j for j in enc.ids if 0 <= j < self._matrix.shape[0]]
            if ids:
                v = self._matrix[ids].mean(axis=0)
                norm = float(np.linalg.norm(v))
                out[i] = v / norm if norm else v
        return out
