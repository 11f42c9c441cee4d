"""The optional fast backend: Tantivy (Rust) through its Python bindings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .base import NO_MATCHES, BackendUnavailable, TextIndex, TextMatches
from .documents import FIELD_BOOSTS, Document


class TantivyBackend:
    """Tantivy (Rust) through its Python bindings: `pip install .[fast]`, for large directories."""

    name = "tantivy"
    TOKENIZER = "directory_words"

    def __init__(self):
        try:
            import tantivy
        except ImportError as error:
            raise BackendUnavailable(
                'SEARCH_BACKEND is "tantivy" but the tantivy package is not installed; '
                "run: pip install .[fast]  (or set SEARCH_BACKEND=whoosh)"
            ) from error
        self.tantivy = tantivy

    def analyzer(self):
        t = self.tantivy
        return (
            t.TextAnalyzerBuilder(t.Tokenizer.simple())
            .filter(t.Filter.remove_long(40))
            .filter(t.Filter.lowercase())
            .filter(t.Filter.ascii_fold())
            .filter(t.Filter.stemmer("english"))
            .build()
        )

    def schema(self):
        builder = self.tantivy.SchemaBuilder()
        builder.add_unsigned_field("position", stored=False, indexed=False, fast=True)
        for field in FIELD_BOOSTS:
            builder.add_text_field(
                field, stored=False, tokenizer_name=self.TOKENIZER, index_option="freq"
            )
        return builder.build()

    def write(self, folder: Path | None, documents: Iterable[Document]) -> TextIndex:
        t = self.tantivy
        index = (
            t.Index(self.schema())
            if folder is None
            else t.Index(self.schema(), path=str(folder), reuse=False)
        )
        index.register_tokenizer(self.TOKENIZER, self.analyzer())
        # One thread keeps one segment, so document ids follow positions (checked on open).
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        try:
            for document in documents:
                doc = t.Document()
                doc.add_unsigned("position", document.position)
                for field in FIELD_BOOSTS:
                    doc.add_text(field, document.text(field))
                writer.add_document(doc)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.rollback()
            raise
        index.reload()
        return TantivyIndex(self, index)

    def open(self, folder: Path) -> TextIndex:
        index = self.tantivy.Index.open(str(folder))
        index.register_tokenizer(self.TOKENIZER, self.analyzer())
        return TantivyIndex(self, index)


class TantivyIndex:
    def __init__(self, backend: TantivyBackend, index):
        t = backend.tantivy
        self._t = t
        self._index = index
        self._schema = index.schema
        self._analyzer = backend.analyzer()
        self._searcher = index.searcher()  # opened once: builds never change after commit
        self._size = self._searcher.num_docs
        everything = self._searcher.search(
            t.Query.all_query(), limit=max(self._size, 1), count=False
        ).hits
        addresses = [address for _, address in everything]
        positions = self._searcher.fast_field_values("position", addresses) if addresses else []
        self._by_address = {
            (address.segment_ord, address.doc): position
            for address, position in zip(addresses, positions, strict=True)
        }
        # The usual case: one segment, ids in insertion order, so an id is its position.
        self._ids_are_positions = all(
            key == (0, position) for key, position in self._by_address.items()
        )

    def match(self, words: Sequence[str], limit: int) -> TextMatches:
        t = self._t
        stems = sorted({stem for word in words for stem in self._analyzer.analyze(word)})
        if not stems or not self._size:
            return NO_MATCHES
        clauses = [
            (
                t.Occur.Should,
                t.Query.boost_query(
                    t.Query.term_query(self._schema, field, stem, index_option="freq"), boost
                ),
            )
            for stem in stems
            for field, boost in FIELD_BOOSTS.items()
        ]
        # Turning hits into Python objects costs about 1 microsecond each, so only the best
        # `limit` come back; tantivy counts the rest.
        found = self._searcher.search(
            t.Query.boolean_query(clauses),
            limit=max(1, min(limit or self._size, self._size)),
            count=True,
        )
        hits = found.hits
        if not hits:
            return NO_MATCHES
        scores = np.array([score for score, _ in hits], dtype=np.float32)
        if self._ids_are_positions:
            ids = [address.doc for _, address in hits]
        else:
            ids = [self._by_address[(a.segment_ord, a.doc)] for _, a in hits]
        return TextMatches(np.array(ids, dtype=np.int32), scores, int(found.count))

    def close(self) -> None:
        self._searcher = None
