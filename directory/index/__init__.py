"""The full-text index: one narrow backend interface, Whoosh and Tantivy behind it, safe swaps.

    documents.py        what is indexed (Document, field weights) and the data's index key
    base.py             the backend interface (TextIndex, Backend, TextMatches)
    whoosh_backend.py   the default backend (pure Python; BM25 in numpy)
    tantivy_backend.py  the optional fast backend (pip install .[fast])
    backends.py         backends by name, and where builds live (INDEX_DIR)
    builds.py           complete builds on disk, the live pointer, the atomic swap
    live.py             SearchIndex: the index one process searches, self-healing

An index whose key differs from the data's (files edited, new code) is rebuilt
automatically; the last good build keeps serving while a new one is written.
This module names what the rest of the product may use.
"""

from .backends import BACKENDS, MEMORY, backend_named, index_root
from .base import NO_MATCHES, Backend, BackendUnavailable, TextIndex, TextMatches
from .builds import Build, build_index, build_lock, live_build, pointer_path
from .documents import (
    FIELD_BOOSTS,
    SCHEMA_VERSION,
    Document,
    data_key,
    documents_for,
    documents_of,
    index_key,
    taxonomy_terms,
)
from .live import SearchIndex
from .tantivy_backend import TantivyBackend
from .whoosh_backend import WhooshBackend

__all__ = [
    "BACKENDS",
    "FIELD_BOOSTS",
    "MEMORY",
    "NO_MATCHES",
    "SCHEMA_VERSION",
    "Backend",
    "BackendUnavailable",
    "Build",
    "Document",
    "SearchIndex",
    "TantivyBackend",
    "TextIndex",
    "TextMatches",
    "WhooshBackend",
    "backend_named",
    "build_index",
    "build_lock",
    "data_key",
    "documents_for",
    "documents_of",
    "index_key",
    "index_root",
    "live_build",
    "pointer_path",
    "taxonomy_terms",
]
