"""Property-based hostile input: random text and bytes never crash locate, match or the loader."""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.config import DEFAULT_DATA_DIR
from directory.loading import load_data
from directory.matching import match
from directory.records import AgeGroup, Level
from geo.places import PlaceNotFound

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=12_000),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "'; DROP TABLE agencies; --",
            "<script>alert(1)</script>",
            "AND( ((",
            '"unbalanced',
            "*",
            "🏠🏠🏠",
            "\u202eevil",
            "40.44,-79.95,12",
            "999,999",
            "nan,nan",
            "inf,-inf",
            "15213-",
            "00000",
            "1e309,5",
            "Mt.",
            "Twp",
            "\r\n\t",
        ]
    ),
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(text=HOSTILE)
def test_locate_answers_or_raises_one_clear_error(bundled_directory, text):
    try:
        location = bundled_directory.atlas.locate(text)
    except PlaceNotFound as error:
        assert str(error) and "Traceback" not in str(error)
        return
    assert -90 <= location.lat <= 90 and -180 <= location.lon <= 180
    assert isinstance(location.in_area, bool)


@SETTINGS
@given(
    text=HOSTILE,
    group=st.sampled_from([None, *AgeGroup]),
    level=st.sampled_from([None, *Level]),
    years=st.one_of(st.none(), st.integers(0, 120)),
    needs=st.lists(st.sampled_from(["housing", "crisis", "substance-use", "food"]), max_size=4),
)
def test_match_never_raises_for_any_located_place(
    bundled_directory, text, group, level, years, needs
):
    try:
        location = bundled_directory.atlas.locate(text)
    except PlaceNotFound:
        return
    result = match(bundled_directory, location, group, needs, level, years)
    assert all(m.distance_km >= 0 for m in [*result.agencies, *result.informal])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    junk=st.binary(max_size=5000),
    where=st.sampled_from(["agencies.csv", "regions.csv", "needs.csv"]),
    mode=st.sampled_from(["append", "replace"]),
)
def test_loader_reports_random_bytes_and_never_raises(tmp_path_factory, junk, where, mode):
    folder = tmp_path_factory.mktemp("data")
    shutil.copytree(DEFAULT_DATA_DIR, folder, dirs_exist_ok=True)
    path = folder / where
    path.write_bytes(path.read_bytes() + b"\n" + junk if mode == "append" else junk)
    data = load_data(folder)
    for problem in data.problems:
        assert str(problem).startswith(str(folder)) and problem.reason
    if mode == "append" and where == "agencies.csv":
        assert sum(1 for a in data.agencies if a.is_formal) == 12  # junk never costs a good row


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    char=st.characters(blacklist_categories=["Cs"]),
    length=st.integers(20_001, 60_000),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_loader_rejects_huge_fields_and_foreign_encodings_row_by_row(
    tmp_path_factory, char, length, encoding
):
    field = char * length
    folder = tmp_path_factory.mktemp("data")
    shutil.copytree(DEFAULT_DATA_DIR, folder, dirs_exist_ok=True)
    path = folder / "agencies.csv"
    row = f'huge,"{field.replace(chr(34), "")}",formal,,,,,allegheny-county,,,,,,,,,,,test,,,\n'
    try:
        encoded = row.encode(encoding)
    except UnicodeEncodeError:
        encoded = row.encode("utf-8")
    path.write_bytes(path.read_bytes() + encoded)
    data = load_data(folder)
    assert sum(1 for a in data.agencies if a.is_formal) == 12
    assert data.problems or encoding == "utf-16"


@SETTINGS
@given(
    text=HOSTILE,
    page=st.integers(1, 50),
    level=st.sampled_from(["", "blended", "administrative"]),
    sort=st.sampled_from(["relevance", "name"]),
)
def test_search_answers_any_text_as_words(bundled_directory, text, page, level, sort):
    from directory.search import SearchQuery, search

    query = SearchQuery.from_args(
        {"q": text, "level": level, "page": str(page), "sort": sort}, bundled_directory
    )
    results = search(bundled_directory, query)
    assert results.total >= len(results.hits) >= 0
