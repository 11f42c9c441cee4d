"""The narrow backend interface: a text engine only answers "which agencies match these
words, and how well" (positions and BM25 scores). Filters, facets, synonyms, spelling and
ranking live above it, in plain Python and numpy, so every backend gives the same answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from .documents import Document


class TextMatches(NamedTuple):
    """Documents containing any of the words: the best `limit` by BM25, and how many in all."""

    positions: np.ndarray  # int32 positions of the agencies in the data
    scores: np.ndarray  # float32 BM25, same order
    total: int  # every matching document, even beyond the limit


NO_MATCHES = TextMatches(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), 0)


class TextIndex(Protocol):
    """An open index. `match` is the only thing search asks of a text engine."""

    def match(self, words: Sequence[str], limit: int) -> TextMatches:
        """Documents containing any of the words (stemmed), best first up to `limit`."""

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    def write(self, folder: Path | None, documents: Iterable[Document]) -> TextIndex:
        """Build a complete index in an empty folder (None = in memory) and open it."""

    def open(self, folder: Path) -> TextIndex:
        """Open a complete index read-only."""


class BackendUnavailable(RuntimeError):
    """The configured backend's package is not installed."""
