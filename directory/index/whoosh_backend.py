"""The default backend: pure-Python Whoosh for postings, BM25 scored in numpy."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from whoosh.analysis import RegexTokenizer, Token
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

from .base import NO_MATCHES, TextIndex, TextMatches
from .documents import FIELD_BOOSTS, Document


class WhooshBackend:
    """Pure-Python Whoosh (whoosh-reloaded 2.7.5): the default, no compiled dependencies."""

    name = "whoosh"

    @staticmethod
    def analyzer():
        # The same word boundaries as words.split_words; filler is removed before searching.
        return WordStems()

    def schema(self):
        from whoosh import fields

        analyzer = self.analyzer()
        text_fields = {
            name: fields.TEXT(analyzer=analyzer, field_boost=boost, phrase=False)
            for name, boost in FIELD_BOOSTS.items()
        }
        # The position is only read back (never searched), so it is stored, not indexed: as a
        # NUMERIC field it added nine trie terms per agency, 30% of all postings.
        return fields.Schema(position=fields.STORED(), **text_fields)

    def write(self, folder: Path | None, documents: Iterable[Document]) -> TextIndex:
        from whoosh.index import create_in

        index = (
            _private_ram_storage().create_index(self.schema())
            if folder is None
            else create_in(str(folder), self.schema())
        )
        writer = index.writer(limitmb=256, procs=1, multisegment=False)
        try:
            try:
                for document in documents:
                    writer.add_document(
                        position=document.position,
                        **{field: document.text(field) for field in FIELD_BOOSTS},
                    )
            except BaseException:
                writer.cancel()
                raise
            writer.commit(optimize=True)  # one segment: document numbers follow positions
        finally:
            WordStems.forget_all()  # a build's words are not kept in memory once it ends
        return WhooshIndex(index)

    def open(self, folder: Path) -> TextIndex:
        from whoosh.index import open_dir

        return WhooshIndex(open_dir(str(folder)))


class WordStems(RegexTokenizer):
    """Whoosh's RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) | StemFilter in
    one pass, giving the same terms.

    That four-stage pipeline was a fifth of a build's time (a generator per stage per word).
    While a build indexes, each distinct word is worked out once (mode "index"); words
    searched for are never remembered (a person's words key no cache), and the index-time
    memory is dropped when the build is written.
    """

    _building: dict[str, str] = {}  # raw word -> term, for builds in progress only

    def __init__(self):
        super().__init__(r"[^\W_]+")

    def __eq__(self, other):
        return self.__class__ is other.__class__

    __hash__ = RegexTokenizer.__hash__

    @staticmethod
    def term(word: str) -> str:
        return stem(word.lower().translate(accent_map))

    @classmethod
    def forget_all(cls) -> None:
        cls._building.clear()

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        term = self.term
        known = self._building if mode == "index" else None
        if tokenize:
            spans = ((m.group(0), m.start(), m.end()) for m in self.expression.finditer(value))
        else:
            spans = iter(((value, 0, len(value)),))
        for pos, (word, start, end) in enumerate(spans):
            if known is None:
                token.text = term(word)
            else:
                text = known.get(word)
                if text is None:
                    text = known[word] = term(word)
                token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


@functools.cache
def _private_ram_storage_class():
    """Whoosh's RamStorage, with its scratch files in RAM too.

    Whoosh's own RamStorage.temp_storage() puts a writer's scratch files in a FileStorage at
    a fixed path, <tempdir>/MAIN.tmp, shared by every process on the machine, and deletes
    that folder when a writer finishes: two processes building an in-memory index at once
    deleted each other's files (FileNotFoundError). Here every writer's scratch storage is a
    fresh RamStorage of its own, so an in-memory index touches no shared path at all.
    """
    from whoosh.filedb.filestore import RamStorage

    class PrivateRamStorage(RamStorage):
        def temp_storage(self, name=None):
            return PrivateRamStorage()

    return PrivateRamStorage


def _private_ram_storage():
    return _private_ram_storage_class()()


class WhooshIndex:
    """Whoosh as an inverted index: postings and field lengths from Whoosh, BM25 in numpy.

    Whoosh's own matchers score one document at a time in Python; a word found in half of
    10,000 agencies took 300+ ms that way. Reading each term's postings a block at a time
    and scoring them as arrays gives the same BM25 (k1 = 1.2, b = 0.75, Lucene's idf, as
    tantivy uses) in a few milliseconds.
    """

    K1, B = 1.2, 0.75

    def __init__(self, index):
        self._index = index
        self._lock = threading.Lock()  # a Whoosh searcher is not safe to share between threads
        self._analyzer = WhooshBackend.analyzer()
        self._open_searcher()

    def _open_searcher(self) -> None:
        self._searcher = self._index.searcher()
        reader = self._searcher.reader()
        self._leaves = reader.leaf_readers()  # [(segment reader, first document number)]
        size = reader.doc_count_all()
        self._positions = np.full(size, -1, dtype=np.int32)
        self._lengths = {field: np.zeros(size, dtype=np.float32) for field in FIELD_BOOSTS}
        for leaf, offset in self._leaves:
            for docnum, stored in leaf.iter_docs():
                self._positions[offset + docnum] = stored["position"]
                for field, lengths in self._lengths.items():
                    lengths[offset + docnum] = leaf.doc_field_length(docnum, field, 0)
        self._average = {
            field: max(float(lengths.mean()), 1.0) if size else 1.0
            for field, lengths in self._lengths.items()
        }

    def _current_searcher(self):
        # Never Searcher.refresh(): in this fork it keeps merged-away segments and returns
        # duplicate documents. A new searcher is always correct.
        if not self._searcher.up_to_date():
            self._searcher.close()
            self._open_searcher()
        return self._searcher

    def _postings(self, field: str, stem: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and term frequencies of one term, across segments."""
        ids, weights = [], []
        for leaf, offset in self._leaves:
            if (field, stem) not in leaf:
                continue
            matcher = leaf.postings(field, stem)
            # Whole blocks through the leaf matcher's block arrays (whoosh-reloaded is
            # pinned to 2.7.5, so these private names cannot move under us).
            while matcher.is_active():
                matcher._read_data()
                block = np.asarray(matcher._data[0], dtype=np.int64)
                if not matcher._byteids:  # ids are stored as gaps: decode with one cumsum
                    block = np.cumsum(block)
                matcher._read_weights()
                ids.append(block + offset)
                weights.append(np.asarray(matcher._weights, dtype=np.float32))
                matcher._next_block()
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    def match(self, words: Sequence[str], limit: int) -> TextMatches:
        stems = sorted({token.text for word in words for token in self._analyzer(word)})
        if not stems:
            return NO_MATCHES
        with self._lock:
            self._current_searcher()
            size = len(self._positions)
            all_ids, contributions = [], []
            for field, boost in FIELD_BOOSTS.items():
                lengths, average = self._lengths[field], self._average[field]
                for stem in stems:
                    ids, tf = self._postings(field, stem)
                    if not ids.size:
                        continue
                    idf = math.log(1.0 + (size - ids.size + 0.5) / (ids.size + 0.5))
                    norm = self.K1 * (1.0 - self.B + self.B * lengths[ids] / average)
                    all_ids.append(ids)
                    contributions.append(boost * idf * tf * (self.K1 + 1.0) / (tf + norm))
            if not all_ids:
                return NO_MATCHES
            ids = np.concatenate(all_ids)
            scores = np.bincount(ids, weights=np.concatenate(contributions), minlength=size)
            found = np.unique(ids)
            if found.size > limit > 0:
                best = np.argpartition(-scores[found], limit - 1)[:limit]
                return TextMatches(
                    self._positions[found[best]],
                    scores[found[best]].astype(np.float32),
                    int(found.size),
                )
            return TextMatches(
                self._positions[found], scores[found].astype(np.float32), int(found.size)
            )

    def close(self) -> None:
        with self._lock:
            self._searcher.close()
