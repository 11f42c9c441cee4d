"""Which data version a server serves: the last good one, until a new one is whole and clean.

`DirectoryHolder` boots from the data folder (or, when that is refused, the newest accepted
snapshot), looks for edited files in the background and swaps in a new version only when it
is accepted; `check_folder` gives `directory check-data` the same verdict; `status` is what
/healthz shows (no server paths, no row values).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geo.atlas import Atlas

from .catalog import Directory
from .config import Settings
from .loading import load_data, summary
from .records import DataSet, LoadProblem

log = logging.getLogger(__name__)


class DirectoryHolder:
    """Serves the last good Directory and swaps in a new one only when the new data is clean.

    A Friday edit that breaks rows must not take agencies off the site: a version that rejects
    any row or file, or shrinks by more than MAX_SHRINK, is refused and the last accepted one
    keeps serving. Accepted versions are saved as snapshots (directory/snapshots.py), so a
    restarted or replaced worker boots from the newest accepted version, not the files as
    they are now. Reloads run in a background thread; no request waits for one.
    """

    def __init__(
        self,
        folder: str | Path,
        settings: Settings | Mapping[str, Any] | None = None,
        *,
        build: Callable[[DataSet, Settings], Directory] | None = None,
    ):
        from .snapshots import SnapshotStore

        self.folder = Path(folder)
        self.settings = Settings.of(settings)
        self._build = build or (lambda data, settings: Directory.from_data(data, settings))
        self._lock = threading.Lock()
        self._reloading = False
        self.snapshots = SnapshotStore.for_settings(self.settings, self.folder)
        self.rejected: tuple[LoadProblem, ...] = ()  # problems of the newest unused data
        self.refused_because = ""  # why the newest data in the folder is not served
        self.serving = "data"  # "data", "snapshot" (last accepted) or "unchecked"
        self._wait_until_stable(self.settings.stable_seconds * 10)
        self._stamp = self._file_stamp()
        self._current = self._boot()
        self._checked_at = time.monotonic()

    # -- boot and reload --------------------------------------------------------------------

    def _boot(self) -> Directory:
        data = self._load()
        if data is not None:
            reason = self._refusal(data)
            if not reason:
                directory = self._try_build(data)
                if directory is None:
                    reason = "the directory could not be built from it"
                else:
                    newest = self.snapshots.newest() if self.snapshots else None
                    baseline = int(newest.counts.get("geo_problems", 0)) if newest else None
                    reason = _geo_refusal(directory, baseline)
                    if not reason:
                        self._accept(data, directory)
                        return directory
            self._refuse(data, reason)
        snapshot = self.snapshots.newest() if self.snapshots else None
        if snapshot is not None:
            directory = self._try_build(load_data(snapshot.files))
            if directory is not None:
                self.serving = "snapshot"
                log.warning("serving the last accepted data version %s", snapshot.fingerprint)
                return directory
        # No good version anywhere: serve what we can, and say so in /healthz.
        self.serving = "unchecked"
        log.warning("no accepted data version to serve; serving the data folder as it is")
        return self._build(data if data is not None else load_data(self.folder), self.settings)

    def _load(self) -> DataSet | None:
        try:
            return load_data(self.folder)
        except Exception as error:  # a loader bug must not take the site down
            log.error("data load failed: %s", type(error).__name__)
            return None

    def _try_build(self, data: DataSet) -> Directory | None:
        try:
            return self._build(data, self.settings)
        except Exception as error:
            log.error("directory build failed: %s", type(error).__name__)
            return None

    def _refusal(self, data: DataSet) -> str:
        """Why this data version must not be served ('' when it may)."""
        from .snapshots import shrink_refusal

        if data.has_fatal_problem:
            fatal = sum(1 for p in data.problems if p.is_fatal)
            return f"{fatal} file(s) unusable"
        if data.rejected_rows:
            return f"{data.rejected_rows} row(s) rejected"
        return shrink_refusal(data, self.settings)

    def _accept(self, data: DataSet, directory: Directory) -> None:
        from .snapshots import counts_of

        self.rejected, self.refused_because, self.serving = (), "", "data"
        if self.snapshots is not None:
            try:
                self.snapshots.save(data, geo_problems=len(directory.atlas.problems))
            except OSError as error:
                log.error("could not save the data snapshot: %s", error.strerror or error)
        log.info("data version accepted: %s, fingerprint %s", counts_of(data), data.fingerprint)

    def _refuse(self, data: DataSet, reason: str) -> None:
        from .snapshots import counts_of

        self.rejected = data.problems
        self.refused_because = reason
        log.warning(
            "data version refused (%s): %s, fingerprint %s; still serving the last good data",
            reason,
            counts_of(data),
            data.fingerprint,
        )

    def current(self) -> Directory:
        """The directory to answer with; looks for edited files at most every RELOAD_SECONDS,
        in a background thread."""
        interval = self.settings.reload_seconds
        if interval > 0 and time.monotonic() - self._checked_at >= interval and not self._reloading:
            self._reloading = True
            self._checked_at = time.monotonic()
            threading.Thread(target=self._background_reload, daemon=True).start()
        return self._current

    def _background_reload(self) -> None:
        try:
            # Wait here (a background thread, so no request waits) for files still being
            # written to settle, rather than leaving them for the next look RELOAD_SECONDS on.
            self.reload_if_changed(wait=True)
        except Exception as error:  # never let a reload thread die noisily with data in it
            log.error("data reload failed: %s", type(error).__name__)
        finally:
            self._reloading = False

    def reload_if_changed(self, wait: bool = True) -> bool:
        """Reload when the files' sizes or mtimes changed and the content hash differs. Files
        changed within STABLE_SECONDS are still being written: wait for them to settle (or,
        with wait=False, leave them for the next look)."""
        with self._lock:
            self._checked_at = time.monotonic()
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return False
            if wait:
                self._wait_until_stable(self.settings.stable_seconds * 10)
                stamp = self._file_stamp()
            if not self._is_stable(stamp):
                return False
            data = self._load()
            if data is None or self._file_stamp() != stamp:
                return False  # changed while we read it: read it again next time
            self._stamp = stamp
            return self._reload(data)

    def _reload(self, data: DataSet) -> bool:
        if data.fingerprint == self._current.data.fingerprint:
            if self.serving != "unchecked":
                self.rejected, self.refused_because = (), ""
            return False
        reason = self._refusal(data)
        if reason:
            self._refuse(data, reason)
            return False
        directory = self._try_build(data)
        if directory is None:
            self._refuse(data, "the directory could not be built from it")
            return False
        reason = _geo_refusal(directory, len(self._current.atlas.problems))
        if reason:
            self._refuse(data, reason)
            return False
        self._current = directory
        self._accept(data, directory)
        return True

    def _is_stable(self, stamp: tuple) -> bool:
        settle = self.settings.stable_seconds
        newest = max((mtime for _, _, mtime in stamp), default=0)
        return time.time_ns() - newest >= settle * 1e9

    def _wait_until_stable(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._is_stable(self._file_stamp()):
            time.sleep(0.1)

    def _file_stamp(self) -> tuple:
        stamp = []
        for path in sorted(self.folder.glob("*")):
            try:
                info = path.stat()
            except OSError:
                continue
            stamp.append((path.name, info.st_size, info.st_mtime_ns))
        return tuple(stamp)

    def status(self) -> dict:
        """What /healthz shows: counts, the version served, and problems by file name and
        line (no server paths and no row values; those stay in check-data and the log)."""
        status = self._current.status()
        status["problems"] = [_public(problem) for problem in self._current.data.problems]
        status["rejected_reload"] = [_public(problem) for problem in self.rejected]
        status["geo_problems"] = [_public_geo(problem) for problem in self._current.atlas.problems]
        status["data_version"] = self._current.data.fingerprint
        status["serving"] = self.serving
        if self.refused_because:
            status["refused_because"] = self.refused_because
        return status


def check_folder(
    folder: str | Path, settings: Settings, confirm_shrink: bool = False
) -> tuple[list[str], str, bool]:
    """What `directory check-data` prints: every problem (file, line, column, reason, with row
    values: this is for the operator), the summary line, and whether a server would refuse the
    folder (a rejected row, an unusable or cut file, a geo problem, a suspicious shrink)."""
    from .snapshots import shrink_refusal

    data = load_data(folder)
    lines = [str(problem) for problem in data.problems]
    geo_problems = Atlas.build(data.areas, data.folder).problems
    lines += [str(data.folder / problem) for problem in geo_problems]
    shrunk = shrink_refusal(data, settings, confirmed=confirm_shrink)
    if shrunk:
        lines.append(f"refused: {shrunk}")
    text = summary(data) + (f"; {len(geo_problems)} geo rows skipped" if geo_problems else "")
    refused = bool(data.rejected_rows or data.has_fatal_problem or geo_problems or shrunk)
    return lines, text, refused


def _geo_refusal(directory: Directory, baseline: int | None) -> str:
    """A version whose place or shape files have more problems than the one it replaces is
    refused (None: nothing to compare with, so it is served and reported)."""
    found = len(directory.atlas.problems)
    if baseline is not None and found > baseline:
        return (
            f"{found} problem(s) in the place and shape files (the served version has {baseline})"
        )
    return ""


ASK_CHECK_DATA = "run `directory check-data` for the reason"


def _public(problem: LoadProblem) -> dict:
    """A load problem as /healthz shows it: file name (never the server's path), line, column
    and what was done. A row's reason quotes its values, so only file-level reasons (which we
    word without row values) are shown; the rest stay in check-data."""
    where = f"{problem.path.name}:{problem.line}" if problem.line else problem.path.name
    column = f' column "{problem.column}":' if problem.column else ""
    reason = problem.reason if problem.is_fatal else ASK_CHECK_DATA
    return {
        "file": problem.path.name,
        "line": problem.line,
        "column": problem.column,
        "reason": reason,
        "action": problem.action,
        "message": f"{where}:{column} {reason}; {problem.action}",
    }


_GEO_WHERE = re.compile(r"^([^\s:/]+(?::\d+)?)(?:: (feature \d+))?")


def _public_geo(problem: str) -> str:
    """A geo problem for /healthz: whole-file problems as they are (worded without row values),
    a row's or feature's by its place in the file only."""
    if problem.endswith("file ignored"):
        return problem
    match = _GEO_WHERE.match(problem)
    where = " ".join(part for part in (match.groups() if match else ()) if part) or "geo file"
    return f"{where}: skipped; {ASK_CHECK_DATA}"
