"""The default backend: pure-Python Whoosh for postings, BM25 scored in numpy."""

from __future__ import annotations

import functools
import io
import math
import pickle
import re
import struct
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from whoosh.analysis import RegexTokenizer, Token
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length

from .base import NO_MATCHES, TextIndex, TextMatches
from .documents import FIELD_BOOSTS, Document

WORD = re.compile(r"[^\W_]+")  # the same word boundaries as words.split_words


# Whoosh keeps each field's length in a byte (exact to 255 words, rounded above); 0 = none.
_LENGTH_OF_BYTE = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float32)


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
        super().__init__(WORD.pattern)

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
    10,000 agencies took 300+ ms that way. Instead, when the index opens, every posting of
    the whole vocabulary is read once (one sequential pass: at 10,000 synthetic agencies,
    223,000 postings, ~0.1 s and 5 MB, where the open searcher held 4.5 MB) and scored with
    the same BM25 (k1 = 1.2, b = 0.75, Lucene's idf, as tantivy uses): a term's contribution
    to a document depends only on the index, so a search is dictionary look-ups and one
    bincount. Nothing is filled in by what people search.
    """

    K1, B = 1.2, 0.75

    def __init__(self, index):
        # A build is written once and never changed, so everything a search reads is read
        # here and the searcher closed: searches share read-only arrays, no lock, no files.
        with index.searcher() as searcher:
            reader = searcher.reader()
            leaves = reader.leaf_readers()  # [(segment reader, first document number)]
            size = reader.doc_count_all()
            self._positions = np.full(size, -1, dtype=np.int32)
            lengths = {field: np.zeros(size, dtype=np.float32) for field in FIELD_BOOSTS}
            for leaf, offset in leaves:
                for docnum, stored in leaf.iter_docs():
                    self._positions[offset + docnum] = stored["position"]
                count = leaf.doc_count_all()
                for field, field_lengths in lengths.items():
                    field_lengths[offset : offset + count] = _field_lengths(leaf, field, count)
            spans, ids, tf = _all_postings(leaves)
        averages = {
            field: max(float(field_lengths.mean()), 1.0) if size else 1.0
            for field, field_lengths in lengths.items()
        }
        self._spans, self._ids = spans, ids
        self._contributions = self._bm25(spans, ids, tf, lengths, averages, size)

    def _bm25(self, spans, ids, tf, lengths, averages, size) -> np.ndarray:
        """Each posting's BM25 contribution (float32, as a search computed it term by term)."""
        contributions = np.zeros(ids.size, dtype=np.float32)
        for field, boost in FIELD_BOOSTS.items():
            terms = spans.get(field)
            if not terms:
                continue
            first = min(start for start, _ in terms.values())
            stop = max(end for _, end in terms.values())
            counts = [end - start for start, end in terms.values()]
            if stop - first != sum(counts):  # _all_postings keeps each field's terms together
                raise ValueError(f"the postings of field {field!r} are not side by side")
            # One Python float per term, then float32 per posting: the same arithmetic as
            # scoring each term's postings on their own.
            weights = np.zeros(stop - first, dtype=np.float32)
            for (start, end), count in zip(terms.values(), counts, strict=True):
                idf = math.log(1.0 + (size - count + 0.5) / (count + 0.5))
                weights[start - first : end - first] = boost * idf
            field_ids, field_tf = ids[first:stop], tf[first:stop]
            norm = self.K1 * (1.0 - self.B + self.B * lengths[field][field_ids] / averages[field])
            contributions[first:stop] = weights * field_tf * (self.K1 + 1.0) / (field_tf + norm)
        return contributions

    def match(self, words: Sequence[str], limit: int) -> TextMatches:
        term = WordStems.term  # the analyzer's terms, without its token stream
        stems = sorted({term(part) for word in words for part in WORD.findall(word)})
        size = len(self._positions)
        ids, contributions = self._ids, self._contributions
        # In field-then-term order, as the scores were always summed.
        spans = [
            span
            for field in FIELD_BOOSTS
            for stem in stems
            if (span := self._spans.get(field, {}).get(stem)) is not None
        ]
        if not spans:
            return NO_MATCHES
        hits = np.concatenate([ids[start:end] for start, end in spans])
        scores = np.bincount(
            hits,
            weights=np.concatenate([contributions[start:end] for start, end in spans]),
            minlength=size,
        )
        matched = np.zeros(size, dtype=bool)
        matched[hits] = True
        found = np.flatnonzero(matched)
        total = int(found.size)
        if total > limit > 0:
            found = found[np.argpartition(-scores[found], limit - 1)[:limit]]
        return TextMatches(self._positions[found], scores[found].astype(np.float32), total)

    def close(self) -> None:
        """Nothing to release: the searcher closed once the postings were read."""


def _field_lengths(leaf, field: str, count: int) -> np.ndarray:
    """One segment's lengths of `field`, document by document, read as one column: what
    Whoosh's doc_field_length gives, except 0 where it gives None (an empty field that other
    documents fill; as NaN it spoiled the field's mean length)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    lengths = np.zeros(count, dtype=np.float32)
    perdoc = getattr(leaf, "_perdoc", None)  # an empty index has none
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc else None
    if column is None:  # no document has the field
        return lengths
    stored = min(column._count, count)  # documents past the column's end have no length
    raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    lengths[:stored] = _LENGTH_OF_BYTE[raw]
    return lengths


def _all_postings(leaves) -> tuple[dict[str, dict[str, tuple[int, int]]], np.ndarray, np.ndarray]:
    """Every term's postings, across segments: field -> term -> (start, stop) into document
    numbers (int32) and term frequencies (float32), each field's terms side by side."""
    read = [_segment_postings(leaf, offset) for leaf, offset in leaves]
    if len(read) == 1:
        return read[0]
    merged: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
    for spans, ids, tf in read:
        for field, terms in spans.items():
            for term, (start, end) in terms.items():
                merged.setdefault((field, term), []).append((ids[start:end], tf[start:end]))
    all_spans: dict[str, dict[str, tuple[int, int]]] = {}
    id_parts, tf_parts, count = [], [], 0
    for field in sorted({field for field, _ in merged}):
        for (name, term), parts in merged.items():
            if name != field:
                continue
            for part_ids, part_tf in parts:
                id_parts.append(part_ids)
                tf_parts.append(part_tf)
            start, count = count, count + sum(part_ids.size for part_ids, _ in parts)
            all_spans.setdefault(field, {})[term] = (start, count)
    if not id_parts:
        return {}, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return all_spans, np.concatenate(id_parts), np.concatenate(tf_parts)


def _segment_postings(
    leaf, offset: int
) -> tuple[dict[str, dict[str, tuple[int, int]]], np.ndarray, np.ndarray]:
    """One segment's postings, read straight from its files in one sequential pass.

    Whoosh 3's layout (whoosh-reloaded is pinned to 2.7.5, so it cannot move under us): the
    terms table maps field number + term to a fixed struct ending in the postings' offset
    and length; postings are a 4-byte tag, then blocks of a signed length (negative for the
    last), a pickled info tuple (count first, compression fourth) and the pickled (maybe
    zlib-compressed) (id gaps from 0, weights, values); weights are None (all 1.0), one float
    for all, or one per posting.
    """
    terms_reader = getattr(leaf, "_terms", None)  # an empty index has none
    if terms_reader is None:
        return {}, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    from whoosh.codec.whoosh3 import W3TermInfo

    entry = struct.Struct(W3TermInfo._struct.format + "Qi").unpack_from
    record = struct.Struct("!ii").unpack_from  # a terms-table record: key and value lengths
    field_names = terms_reader._fieldunmap
    terms = terms_reader._tindex  # records from startofdata to endofdata: lengths, key, value
    records = terms.dbfile.get(terms.startofdata, terms.endofdata - terms.startofdata)
    table = []
    position = 0
    while position < len(records):
        key_length, value_length = record(records, position)
        key, value = position + 8, position + 8 + key_length
        info = entry(records, value)
        if info[0]:  # postings inlined in the terms table (never at inlinelimit=1)
            raise ValueError("inlined postings are not supported")
        field = field_names[int.from_bytes(records[key : key + 2], "big")]
        table.append((field, records[key + 2 : value].decode("utf-8"), info[-2], info[-1]))
        position = value + value_length
    data = terms_reader._postfile.get(0, max((at + size for *_, at, size in table), default=0))
    stream = io.BytesIO(data)
    seek, tell, load, loads = stream.seek, stream.tell, pickle.load, pickle.loads
    block_length = struct.Struct("!i").unpack_from
    gaps, weights, block_starts = array("q"), array("f"), array("q")
    spans: dict[str, dict[str, tuple[int, int]]] = {}
    count = 0
    for field, term, start, _ in table:
        first, position = count, start + 4
        while True:
            (length,) = block_length(data, position)
            seek(position + 4)
            info = load(stream)
            size, stop = info[0], position + 4 + abs(length)
            block = data[tell() : stop]
            ids, block_weights, _ = loads(zlib.decompress(block) if info[3] else block)
            block_starts.append(count)
            gaps.extend(ids)
            if block_weights is None:
                weights.extend(_ones(size))
            elif isinstance(block_weights, float):
                weights.extend(array("f", (block_weights,)) * size)
            else:
                weights.extend(array("f", block_weights))
            count += size
            if length < 0:
                break
            position = stop
        spans.setdefault(field, {})[term] = (first, count)
    running = np.cumsum(np.frombuffer(gaps, dtype=np.int64))
    starts = np.frombuffer(block_starts, dtype=np.int64)
    before = np.concatenate(([0], running))[starts]  # the running sum where each block starts
    block_of = np.repeat(np.arange(starts.size), np.diff(np.append(starts, count)))
    ids = (running - before[block_of] + offset).astype(np.int32)
    return spans, ids, np.frombuffer(weights, dtype=np.float32).copy()


@functools.cache
def _ones(size: int) -> array:
    """`size` weights of 1.0 (a block holds at most Whoosh's block limit, 128)."""
    return array("f", [1.0]) * size
