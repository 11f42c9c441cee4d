"""The index one process searches: opened or built on first use, kept current and healthy."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .base import Backend, TextIndex, TextMatches
from .builds import Build, build_index, build_lock, live_build, pointer_path
from .documents import Document

log = logging.getLogger(__name__)


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
        # Stat-ed before every search: a plain string, not a Path built each time.
        self._pointer = None if root is None else os.fspath(pointer_path(root, backend.name))
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
        if self.in_memory or self.root is None:
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
        if self._pointer is None:
            return None
        try:
            info = os.stat(self._pointer)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _open_or_build(self, force: bool = False) -> TextIndex:
        if self.root is None:
            return self.backend.write(None, self._documents())
        try:
            with build_lock(self.root):
                live = live_build(self.root, self.backend.name)
                if (
                    live is None
                    or live.key != self.key
                    or not live.is_intact()
                    or (force and live.folder == getattr(self._build, "folder", None))
                ):
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
