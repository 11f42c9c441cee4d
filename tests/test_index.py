"""The text index: both backends, atomic builds and swaps, rebuilds, many readers (no Flask)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from directory.config import DEFAULT_DATA_DIR, PROJECT_ROOT
from directory.index import (
    BACKENDS,
    SearchIndex,
    backend_named,
    build_index,
    data_key,
    documents_of,
    live_build,
    pointer_path,
)
from directory.loading import load_data
from directory.search_engine import SearchEngine, SearchQuery

BACKEND_NAMES = sorted(BACKENDS)


@pytest.fixture(scope="module")
def data():
    return load_data(DEFAULT_DATA_DIR)


@pytest.fixture(params=BACKEND_NAMES)
def backend(request):
    return backend_named(request.param)


def open_index(root: Path, backend, data) -> SearchIndex:
    return SearchIndex(backend, root, data_key(data, backend.name), documents_of(data))


def matched(index: SearchIndex, *words: str) -> set[int]:
    return set(index.match(list(words)).positions.tolist())


def position_of(data, agency_id: str) -> int:
    return next(n for n, agency in enumerate(data.agencies) if agency.id == agency_id)


# -- the backends ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        ["psychiatric"],
        ["pressley", "ridge"],
        ["bus", "passes"],
        ["lawrenceville"],
        ["library"],
        ["nothingmatchesthis"],
    ],
)
def test_both_backends_match_the_same_agencies(tmp_path, data, words):
    found = [
        matched(open_index(tmp_path / name, backend_named(name), data), *words)
        for name in BACKEND_NAMES
    ]
    assert all(result == found[0] for result in found)


def test_words_are_stemmed_and_case_folded(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    assert position_of(data, "public-transit-bus-pass") in matched(index, "pass")
    assert matched(index, "LIBRARIES") == matched(index, "library") != set()


def test_a_name_word_scores_above_a_body_word(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    positions, scores, _ = index.match(["library"])
    best = positions[scores.argmax()]
    assert "Library" in data.agencies[best].name


def test_unknown_backend_is_named_in_the_error():
    with pytest.raises(ValueError, match='unknown SEARCH_BACKEND "lucene"; choose one of'):
        backend_named("lucene")


def test_memory_index_writes_no_files(tmp_path, data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = SearchEngine.build(data, {"INDEX_DIR": ":memory:"})
    assert engine.index.folder is None and engine.index.in_memory
    assert engine.search(SearchQuery(q="library")).total
    assert list(tmp_path.iterdir()) == []


# -- building, swapping, rebuilding ----------------------------------------------------


def test_build_goes_to_a_fresh_folder_and_the_pointer_swaps_to_it(tmp_path, backend, data):
    key = data_key(data, backend.name)
    first = build_index(tmp_path, backend, documents_of(data)(), key)
    second = build_index(tmp_path, backend, documents_of(data)(), key)
    assert first.folder != second.folder
    assert live_build(tmp_path, backend.name).folder == second.folder
    assert first.folder.exists()  # kept: another process may still be reading it
    third = build_index(tmp_path, backend, documents_of(data)(), key)
    assert not first.folder.exists() and second.folder.exists() and third.folder.exists()
    assert not list(tmp_path.glob(".building-*"))


def test_a_build_failing_midway_leaves_the_old_index_answering(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    before = matched(index, "library")
    live = live_build(tmp_path, backend.name).folder

    def documents_then_disk_full():
        for n, document in enumerate(documents_of(data)()):
            if n == 5:
                raise OSError(28, "No space left on device")
            yield document

    with pytest.raises(OSError):
        build_index(tmp_path, backend, documents_then_disk_full(), data_key(data, backend.name))
    assert live_build(tmp_path, backend.name).folder == live
    assert not list(tmp_path.glob(".building-*"))  # the half-written folder is gone
    assert matched(index, "library") == before
    assert matched(open_index(tmp_path, backend, data), "library") == before  # new readers too


def test_same_data_reopens_the_existing_build_without_rebuilding(tmp_path, backend, data):
    first = open_index(tmp_path, backend, data).folder
    assert open_index(tmp_path, backend, data).folder == first


def test_edited_data_files_rebuild_the_index_automatically(tmp_path, backend, data_copy):
    settings = {"INDEX_DIR": str(tmp_path / "index"), "SEARCH_BACKEND": backend.name}
    old = SearchEngine.build(load_data(data_copy), settings)
    assert old.search(SearchQuery(q="zebrafinch")).total == 0
    with (data_copy / "agencies.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "zebrafinch-club,Zebrafinch Club,informal,,,,,pittsburgh,recreation,,,,,,,,,"
            ",test row,,,\n"
        )
    new = SearchEngine.build(load_data(data_copy), settings)
    assert new.index.folder != old.index.folder
    assert [h.agency.id for h in new.search(SearchQuery(q="zebrafinch")).hits] == [
        "zebrafinch-club"
    ]
    # A process still serving the old data keeps its own build and its own answers.
    assert old.search(SearchQuery(q="zebrafinch")).total == 0
    assert old.search(SearchQuery(q="library")).total


def test_a_reader_follows_a_new_build_of_the_same_data(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    before = index.folder
    build_index(tmp_path, backend, documents_of(data)(), data_key(data, backend.name))
    assert matched(index, "library")
    assert index.folder != before and index.folder == live_build(tmp_path, backend.name).folder


def test_a_deleted_index_folder_is_rebuilt_and_search_keeps_working(tmp_path, backend, data):
    import shutil

    index = open_index(tmp_path, backend, data)
    before = matched(index, "library")
    shutil.rmtree(tmp_path)
    assert matched(index, "library") == before
    assert live_build(tmp_path, backend.name) is not None


def test_a_truncated_index_file_is_rebuilt_before_it_is_read(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    before = matched(index, "library")
    damaged = max(
        (p for p in index.folder.rglob("*") if p.is_file() and p.name != "manifest.json"),
        key=lambda p: p.stat().st_size,
    )
    with damaged.open("r+b") as handle:
        handle.truncate(damaged.stat().st_size // 2)
    assert matched(index, "library") == before
    assert index.folder != damaged.parent and live_build(tmp_path, backend.name).is_intact()


def test_a_missing_pointer_file_does_not_stop_search(tmp_path, backend, data):
    index = open_index(tmp_path, backend, data)
    pointer_path(tmp_path, backend.name).unlink()
    assert matched(index, "library")


def test_an_unwritable_index_folder_falls_back_to_memory(tmp_path, backend, data):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    index = open_index(blocker / "index", backend, data)
    assert index.in_memory and matched(index, "library")


# -- many processes --------------------------------------------------------------------

READER = textwrap.dedent("""
    import json, pathlib, sys
    from directory.config import DEFAULT_DATA_DIR
    from directory.loading import load_data
    from directory.search_engine import SearchEngine, SearchQuery

    root, backend, ready, stop = sys.argv[1:5]
    engine = SearchEngine.build(load_data(DEFAULT_DATA_DIR),
                                {"INDEX_DIR": root, "SEARCH_BACKEND": backend})
    query = SearchQuery(q="psychiatrist for my daughter", needs=("mental-health",),
                        page_size=100)
    expected = [hit.agency.id for hit in engine.search(query).hits]
    pathlib.Path(ready).touch()
    folders, searches, wrong = set(), 0, 0
    for _ in range(1_000_000):  # bounded; ends once the builder says it is done
        stopping = pathlib.Path(stop).exists()
        got = [hit.agency.id for hit in engine.search(query).hits]
        searches += 1
        wrong += got != expected
        folders.add(engine.index.folder.name)
        if stopping:
            break
    print(json.dumps({"searches": searches, "wrong": wrong, "folders": sorted(folders),
                      "found": len(expected)}))
""")

BUILDER = textwrap.dedent("""
    import pathlib, sys, time
    from directory.config import DEFAULT_DATA_DIR
    from directory.index import backend_named, build_index, data_key, documents_of
    from directory.loading import load_data

    root, backend_name, stop, *ready = sys.argv[1:]
    deadline = time.monotonic() + 60
    while not all(pathlib.Path(r).exists() for r in ready):  # wait for both readers
        if time.monotonic() > deadline:
            sys.exit("readers never started")
        time.sleep(0.02)
    data, backend = load_data(DEFAULT_DATA_DIR), backend_named(backend_name)
    for _ in range(4):
        build_index(pathlib.Path(root), backend, documents_of(data)(), data_key(data, backend.name))
    pathlib.Path(stop).touch()
""")


@pytest.mark.slow
def test_two_processes_keep_answering_while_a_third_rebuilds(tmp_path, backend):
    root, stop = tmp_path / "index", tmp_path / "stop"
    ready = [tmp_path / "ready-1", tmp_path / "ready-2"]
    env_python = [sys.executable, "-c"]
    options = {
        "cwd": PROJECT_ROOT,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "env": {"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
    }
    readers = [
        subprocess.Popen(
            env_python + [READER, str(root), backend.name, str(r), str(stop)], **options
        )
        for r in ready
    ]
    builder = subprocess.Popen(
        env_python + [BUILDER, str(root), backend.name, str(stop), *map(str, ready)], **options
    )
    try:
        _, builder_errors = builder.communicate(timeout=120)
        outputs = [reader.communicate(timeout=120) for reader in readers]
    finally:
        for process in (*readers, builder):
            if process.poll() is None:
                process.kill()
    assert builder.returncode == 0, builder_errors
    for reader, (out, errors) in zip(readers, outputs, strict=True):
        assert reader.returncode == 0, errors
        report = json.loads(out)
        assert report["found"] > 0 and report["wrong"] == 0
        assert len(report["folders"]) >= 2  # it followed at least one swap while searching


MEMORY_BUILDER = textwrap.dedent("""
    import pathlib, sys, time
    from directory.index import Document, backend_named

    backend_name, start = sys.argv[1:3]
    # Enough text that Whoosh's writer spills columns and postings to scratch files.
    documents = [
        Document(n, f"agency {n} food pantry", "Pittsburgh", "rent help eviction " * 30)
        for n in range(2000)
    ]
    while not pathlib.Path(start).exists():  # both processes start building together
        time.sleep(0.005)
    for _ in range(2):
        index = backend_named(backend_name).write(None, iter(documents))
        found = index.match(["pantry"], 0)
        assert found.total == 2000, found.total
        index.close()
    print("ok")
""")


@pytest.mark.parametrize("backend_name", BACKEND_NAMES)
def test_two_processes_build_in_memory_indexes_at_the_same_moment(tmp_path, backend_name):
    # Whoosh's RamStorage kept its writer's scratch files in <tempdir>/MAIN.tmp, one folder
    # for every process on the machine, so concurrent in-memory builds (INDEX_DIR=":memory:"
    # or the read-only fallback) deleted each other's files. Each process's in-memory index
    # is now private: both succeed, and nothing is written to the temporary folder.
    temp, start = tmp_path / "tmp", tmp_path / "start"
    temp.mkdir()
    options = {
        "cwd": PROJECT_ROOT,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "env": {"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", "TMPDIR": str(temp)},
    }
    builders = [
        subprocess.Popen(
            [sys.executable, "-c", MEMORY_BUILDER, backend_name, str(start)], **options
        )
        for _ in range(2)
    ]
    start.touch()
    try:
        outputs = [builder.communicate(timeout=120) for builder in builders]
    finally:
        for builder in builders:
            if builder.poll() is None:
                builder.kill()
    for builder, (out, errors) in zip(builders, outputs, strict=True):
        assert builder.returncode == 0, errors
        assert out.strip() == "ok"
    assert list(temp.iterdir()) == []


# -- build cost ------------------------------------------------------------------------


def test_the_one_pass_whoosh_analyzer_gives_whooshs_own_pipeline_terms(data):
    from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
    from whoosh.support.charset import accent_map

    from directory.index.whoosh_backend import WordStems

    pipeline = RegexTokenizer(r"[^\W_]+") | LowercaseFilter() | CharsetFilter(accent_map)
    pipeline = pipeline | StemFilter()
    texts = [
        "Éviction help for İstanbul families; ŒUVRE naïve café 12_34 running RUNNERS",
        "Straße Ærø ﬁle ǅemal Psychiatrist's ZIP 15213 Mt. Lebanon",
    ]
    texts += [document.text(f) for document in documents_of(data)() for f in ("name", "body")]
    analyzer = WordStems()
    for mode in ("index", ""):
        for text in texts:
            expected = [
                (t.text, t.pos, t.startchar, t.endchar)
                for t in pipeline(text, positions=True, chars=True, mode=mode)
            ]
            got = [
                (t.text, t.pos, t.startchar, t.endchar)
                for t in analyzer(text, positions=True, chars=True, mode=mode)
            ]
            assert got == expected, text
    backend_named("whoosh").write(None, documents_of(data)()).close()
    assert WordStems._building == {}  # a build's words are dropped once it is written
    list(analyzer("zyzzogeton", mode=""))  # a searched word is never remembered
    assert "zyzzogeton" not in WordStems._building


def test_processes_opening_new_data_at_once_build_its_index_once(tmp_path, data_copy):
    # Every gunicorn worker opens the new data version after a save: the first builds it
    # under the index root's lock, the others wait and open that build.
    opener = textwrap.dedent("""
        import pathlib, sys, time
        from directory.index import SearchIndex, backend_named, data_key, documents_of
        from directory.loading import load_data

        root, folder, start = sys.argv[1:4]
        data, backend = load_data(folder), backend_named("whoosh")
        while not pathlib.Path(start).exists():
            time.sleep(0.005)
        index = SearchIndex(backend, pathlib.Path(root), data_key(data, "whoosh"),
                            documents_of(data))
        assert index.match(["library"]).total
        print(index.folder.name)
    """)
    root, start = tmp_path / "index", tmp_path / "start"
    options = {
        "cwd": PROJECT_ROOT,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "env": {"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
    }
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", opener, str(root), str(data_copy), str(start)], **options
        )
        for _ in range(3)
    ]
    start.touch()
    try:
        outputs = [process.communicate(timeout=120) for process in openers]
    finally:
        for process in openers:
            if process.poll() is None:
                process.kill()
    for process, (_, errors) in zip(openers, outputs, strict=True):
        assert process.returncode == 0, errors
    builds = [path.name for path in root.iterdir() if path.name.startswith("whoosh-")]
    assert len(builds) == 1
    assert {out.strip() for out, _ in outputs} == set(builds)
