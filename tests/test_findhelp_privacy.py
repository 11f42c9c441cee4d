"""No cache of a data version holds a person's place or words (directory.memo after searches)."""

from __future__ import annotations

from directory import create_app
from directory.config import DEFAULT_DATA_DIR


def _everything_in(value, seen=None) -> str:
    """The text of a cached value, walking tuples, lists, sets and dicts (not objects' fields)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(_everything_in(item) for item in value)
    if isinstance(value, dict):
        return " ".join(_everything_in(k) + " " + _everything_in(v) for k, v in value.items())
    return str(value)


def test_find_help_caches_never_hold_the_persons_words_or_place():
    app = create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})
    client = app.test_client()
    words = "my daughter zanzibarian quokka is suicidal and needs rent"
    place = "7 Zanzibarian Lane, Pittsburgh PA 15213"
    for ask in (
        {"near": place, "q": words, "need": "housing"},
        {"near": "40.4433,-79.9436", "q": words, "age": "child"},
        {"q": words},
    ):
        assert client.get("/", query_string=ask).status_code == 200
        assert client.get("/api/v1/match", query_string=ask).status_code == 200
    memo = app.extensions["directory"].current()._memo
    assert memo  # the card pieces and lookups were cached...
    cached = _everything_in(list(memo.keys())) + " " + _everything_in(list(memo.values()))
    for secret in ("anzibarian", "quokka", "40.4433", "-79.9436"):
        assert secret not in cached  # ...but never what the person typed
