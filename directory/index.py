"""The full-text index: one narrow backend interface, Whoosh and Tantivy behind it, safe swaps.

A backend only answers "which agencies match these words, and how well" (positions and
BM25 scores). Filters, facets, synonyms, spelling and ranking live above it, in plain
Python and numpy, so both backends give the same answers and either can be replaced.

On disk, an index root (INDEX_DIR, default <instance>/index) holds complete builds side by
side and one small pointer file per backend naming the live build:

    whoosh.current                  -> "whoosh-3f2a...-1732370000000000000"
    whoosh-3f2a...-17323.../        a complete build, with manifest.json
    .building-whoosh-<random>/      a build in progress (never read)

A build writes into a fresh `.building-*` folder, renames it into place and only then
replaces the pointer (os.replace, atomic), so a failed or interrupted build never touches
what readers use, and the last good index keeps serving. Builds are never modified once
complete, so any number of processes can read one at once; each process notices a new
pointer on its next search and opens the new build. An index whose manifest key differs
from the data's (files edited, new code) is rebuilt automatically.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from . import atomic
from .config import DEFAULT_INSTANCE_DIR
from .records import Agency, Area, DataSet

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # bump when documents or schemas change: every index rebuilds once
MEMORY = ":memory:"  # INDEX_DIR value for an index held in this process only
KEEP_BUILDS = 2  # the live build and the one before it, which other processes may still read
STALE_BUILD_SECONDS = 3600  # an unfinished build older than this was abandoned by a crash

# Text fields and their weights: a word in the name counts most. Needs and age groups are
# closed vocabularies, recognised and scored outside the engine (see directory.search): as
# text, BM25's length normalisation ranked an agency serving 3 needs far above one serving
# 15 for a word of any of them.
FIELD_BOOSTS: Mapping[str, float] = {
    "name": 3.0,
    "places": 1.0,
    "body": 1.0,
}


@dataclass(frozen=True, slots=True)
class Document:
    """The searchable text of one agency; `position` is its place in the directory's data."""

    position: int
    name: str
    places: str  # names of its service areas
    body: str  # description, eligibility, how to refer, languages

    def text(self, field: str) -> str:
        return getattr(self, field)


def documents_for(
    agencies: Sequence[Agency], areas_by_id: Mapping[str, Area]
) -> Iterator[Document]:
    """One Document per agency, in the data's order."""
    for position, agency in enumerate(agencies):
        yield Document(
            position=position,
            name=agency.name,
            places=" ; ".join(
                areas_by_id[a].name if a in areas_by_id else a for a in agency.area_ids
            ),
            body=" \n".join(
                part
                for part in (
                    agency.description,
                    agency.eligibility,
                    agency.how_to_refer,
                    " ".join(agency.languages),
                )
                if part
            ),
        )


def documents_of(data: DataSet) -> Callable[[], Iterator[Document]]:
    """A fresh stream of the data's Documents on each call (for builds and rebuilds)."""
    areas_by_id = {area.id: area for area in data.areas}
    return lambda: documents_for(data.agencies, areas_by_id)


def data_key(data: DataSet, backend: str) -> str:
    """The index key of this data for this backend."""
    return index_key(backend, data.fingerprint, () if data.fingerprint else documents_of(data)())


def index_key(backend: str, fingerprint: str, documents: Iterable[Document] = ()) -> str:
    """What an index was built from: backend, schema and the data's content hash.

    Data without a file fingerprint (built in memory, as in bench/) is hashed document
    by document instead.
    """
    digest = hashlib.sha256(f"{SCHEMA_VERSION}\0{backend}\0{fingerprint}".encode())
    if not fingerprint:
        for document in documents:
            digest.update(repr(astuple(document)).encode())
    return digest.hexdigest()[:16]


# -- the backend interface -------------------------------------------------------------


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


class WhooshBackend:
    """Pure-Python Whoosh (whoosh-reloaded 2.7.5): the default, no compiled dependencies."""

    name = "whoosh"

    @staticmethod
    def analyzer():
        from whoosh.analysis import (
            CharsetFilter,
            LowercaseFilter,
            RegexTokenizer,
            StemFilter,
        )
        from whoosh.support.charset import accent_map

        # The same word boundaries as words.split_words; filler is removed before searching.
        return (
            RegexTokenizer(r"[^\W_]+")
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StemFilter()
        )

    def schema(self):
        from whoosh import fields

        analyzer = self.analyzer()
        text_fields = {
            name: fields.TEXT(analyzer=analyzer, field_boost=boost, phrase=False)
            for name, boost in FIELD_BOOSTS.items()
        }
        return fields.Schema(
            position=fields.NUMERIC(int, bits=32, stored=True, signed=False), **text_fields
        )

    def write(self, folder: Path | None, documents: Iterable[Document]) -> TextIndex:
        from whoosh.filedb.filestore import RamStorage
        from whoosh.index import create_in

        index = (
            RamStorage().create_index(self.schema())
            if folder is None
            else create_in(str(folder), self.schema())
        )
        writer = index.writer(limitmb=256, procs=1, multisegment=False)
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
        return WhooshIndex(index)

    def open(self, folder: Path) -> TextIndex:
        from whoosh.index import open_dir

        return WhooshIndex(open_dir(str(folder)))


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


BACKENDS: Mapping[str, Callable[[], Backend]] = {
    "whoosh": WhooshBackend,
    "tantivy": TantivyBackend,
}


def backend_named(name: str) -> Backend:
    try:
        make = BACKENDS[str(name).strip().lower()]
    except KeyError:
        raise ValueError(
            f'unknown SEARCH_BACKEND "{name}"; choose one of {", ".join(BACKENDS)}'
        ) from None
    return make()


def index_root(settings: Mapping[str, Any]) -> Path | None:
    """Where indexes live: INDEX_DIR, or <instance>/index; None for ":memory:"."""
    configured = str(settings.get("INDEX_DIR") or "")
    if configured == MEMORY:
        return None
    return Path(configured) if configured else DEFAULT_INSTANCE_DIR / "index"


# -- building and swapping -------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    """One complete build on disk, as named by a pointer file."""

    folder: Path
    manifest: Mapping[str, Any]

    @property
    def key(self) -> str:
        return str(self.manifest.get("key", ""))

    @functools.cached_property
    def _files(self) -> tuple[tuple[str, int], ...]:
        return tuple(
            (os.path.join(self.folder, name), size)
            for name, size in self.manifest.get("files", {}).items()
        )

    def is_intact(self) -> bool:
        """Every file the build wrote is still there with its size (guards against a
        truncated or deleted index being read, which mmap would turn into a crash)."""
        try:
            return all(os.stat(path).st_size == size for path, size in self._files)
        except OSError:
            return False


def pointer_path(root: Path, backend: str) -> Path:
    return root / f"{backend}.current"


def live_build(root: Path, backend: str) -> Build | None:
    """The build the pointer names, or None when there is none or it is unreadable."""
    try:
        name = pointer_path(root, backend).read_text(encoding="utf-8").strip()
        folder = root / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not name or "/" in name or name.startswith(".") or manifest.get("backend") != backend:
        return None
    return Build(folder, manifest)


def build_index(root: Path, backend: Backend, documents: Iterable[Document], key: str) -> Build:
    """Build a complete index beside the live one and swap the pointer to it.

    Raises whatever the build raised, after removing the half-written folder: the
    pointer, and so every reader, still names the previous good build.
    """
    root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(root)
    scratch = root / f".building-{backend.name}-{uuid.uuid4().hex}"
    scratch.mkdir()
    count = 0

    def counted(stream: Iterable[Document]) -> Iterator[Document]:
        nonlocal count
        for document in stream:
            count += 1
            yield document

    started = time.perf_counter()
    try:
        backend.write(scratch, counted(documents)).close()
        files = {
            str(path.relative_to(scratch)): path.stat().st_size
            for path in sorted(scratch.rglob("*"))
            if path.is_file() and not path.name.endswith(".lock")
        }
        manifest = {
            "backend": backend.name,
            "key": key,
            "schema": SCHEMA_VERSION,
            "documents": count,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 3),
            "files": files,
        }
        _write_atomically(scratch / "manifest.json", json.dumps(manifest, indent=2))
        folder = root / f"{backend.name}-{key}-{time.time_ns()}"
        os.rename(scratch, folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    # The swap: readers see either the old pointer or the new one, never a partial build.
    _write_atomically(pointer_path(root, backend.name), folder.name + "\n")
    _remove_old_builds(root, backend.name, keep=folder.name)
    log.info(
        "search index built: %s, %d documents, %.2fs",
        backend.name,
        count,
        manifest["build_seconds"],
    )
    return Build(folder, manifest)


def _write_atomically(path: Path, text: str) -> None:
    atomic.write_text(path, text)


def _remove_old_builds(root: Path, backend: str, keep: str) -> None:
    builds = sorted(
        (path for path in root.glob(f"{backend}-*") if path.is_dir() and path.name != keep),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def _remove_abandoned_builds(root: Path) -> None:
    cutoff = time.time() - STALE_BUILD_SECONDS
    for path in root.glob(".building-*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One builder at a time per index root, across processes; others wait, then reuse."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): builds stay atomic, only work may repeat
        yield
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- the index one process searches ----------------------------------------------------


class SearchIndex:
    """The open text index of one directory in one process, kept current and healthy.

    Opens the live build when its key matches the data, else builds one (once, across
    processes) and swaps it in. Before each search it follows the pointer to a newer
    build of the same data, and if its build was deleted or damaged, or the engine
    fails, rebuilds and answers anyway. With no writable root it keeps the index in memory.
    """

    def __init__(
        self,
        backend: Backend,
        root: Path | None,
        key: str,
        documents: Callable[[], Iterable[Document]],
    ):
        self.backend = backend
        self.root = root
        self.key = key
        self._documents = documents
        self._lock = threading.RLock()
        self._build: Build | None = None
        self._stamp: tuple | None = None
        self.in_memory = root is None
        self._text: TextIndex = self._open_or_build()

    @property
    def folder(self) -> Path | None:
        return self._build.folder if self._build else None

    def match(self, words: Sequence[str], limit: int = 0) -> TextMatches:
        """Documents matching any of `words`, best first; all of them when limit is 0."""
        text = self._checked()
        try:
            return text.match(words, limit)
        except Exception as error:  # a damaged index must not take search down
            log.error("search index failed (%s); rebuilding", type(error).__name__)
            with self._lock:
                self._replace(self._open_or_build(force=True))
                return self._text.match(words, limit)

    def close(self) -> None:
        with self._lock:
            self._text.close()

    def _checked(self) -> TextIndex:
        if self.in_memory:
            return self._text
        stamp = self._pointer_stamp()
        if stamp == self._stamp and self._build is not None and self._build.is_intact():
            return self._text
        with self._lock:
            live = live_build(self.root, self.backend.name)
            if live is not None and live.key == self.key and live.is_intact():
                if self._build is None or live.folder != self._build.folder:
                    try:
                        self._replace(self.backend.open(live.folder), live)
                        log.info("search index: switched to %s", live.folder.name)
                    except Exception as error:  # pruned or damaged between check and open
                        log.warning(
                            "search index: cannot open %s (%s)",
                            live.folder.name,
                            type(error).__name__,
                        )
                        self._replace(self._open_or_build(force=True))
                        return self._text
                self._stamp = stamp
            elif self._build is None or not self._build.is_intact():
                # Our build is gone or damaged and no usable build of our data is live.
                self._replace(self._open_or_build(force=True))
            else:
                # The pointer is missing, or names a build of other data (another data
                # folder sharing this root): ours is intact, keep serving it.
                self._stamp = stamp
            return self._text

    def _replace(self, text: TextIndex, build: Build | None = None) -> None:
        old = getattr(self, "_text", None)
        self._text = text
        if build is not None:
            self._build = build
        if old is not None and old is not text:
            with contextlib.suppress(Exception):
                old.close()

    def _pointer_stamp(self) -> tuple | None:
        try:
            info = pointer_path(self.root, self.backend.name).stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _open_or_build(self, force: bool = False) -> TextIndex:
        if self.root is None:
            return self.backend.write(None, self._documents())
        try:
            with build_lock(self.root):
                live = live_build(self.root, self.backend.name)
                usable = live is not None and live.key == self.key and live.is_intact()
                if not usable or (force and live.folder == getattr(self._build, "folder", None)):
                    live = build_index(self.root, self.backend, self._documents(), self.key)
                text = self.backend.open(live.folder)
                self._build, self._stamp = live, self._pointer_stamp()
                return text
        except OSError as error:
            # A read-only or full disk: serve from memory rather than not at all.
            log.warning(
                "search index: cannot use %s (%s); keeping the index in memory",
                self.root,
                error.strerror or type(error).__name__,
            )
            self._build, self.in_memory = None, True
            return self.backend.write(None, self._documents())
