"""The Whoosh backend reads every posting once when it opens and scores from arrays: its
answers must equal reading each searched term's postings through Whoosh's own matchers."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from whoosh.filedb.filestore import RamStorage

from directory.config import DEFAULT_DATA_DIR
from directory.index import FIELD_BOOSTS, Document, documents_of
from directory.index.whoosh_backend import WhooshBackend, WhooshIndex
from directory.loading import load_data

WORD_LISTS = [
    ["psychiatric"],
    ["pressley", "ridge"],
    ["bus", "passes"],
    ["lawrenceville"],
    ["library"],
    ["nothingmatchesthis"],
    ["housing", "food", "rent", "counseling"],
    ["ÉDUCATION", "Children's"],
    ["family", "family", "support"],
    ["every", "twice", "agency", "oakland", "bd", "1800"],
    [],
]


VOCABULARY = "housing food rent counseling family support bus library crisis".split()


def synthetic(count: int = 700) -> list[Document]:
    """Enough documents for postings of several blocks (Whoosh writes 128 a block), with
    frequencies all 1 ("every"), all 2 ("twice twice") and varied (the vocabulary)."""
    rng = random.Random(3)
    return [
        Document(
            position=n,
            name=f"Agency {n} every twice twice " + " ".join(rng.sample(VOCABULARY, 2)),
            places=rng.choice(["Oakland", "Homestead", "Penn Hills", ""]),
            body=" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 30))),
            terms=rng.choice(["", "BD-1800", "housing"]),
        )
        for n in range(count)
    ]


@pytest.fixture(scope="module", params=["bundled", "synthetic"])
def documents(request):
    if request.param == "synthetic":
        return synthetic()
    return list(documents_of(load_data(DEFAULT_DATA_DIR))())


def written(documents, segments: int = 1):
    """A Whoosh index of `documents` committed in `segments` unmerged segments."""
    index = RamStorage().create_index(WhooshBackend().schema())
    size = math.ceil(len(documents) / segments)
    for first in range(0, len(documents), size):
        writer = index.writer()
        for document in documents[first : first + size]:
            writer.add_document(
                position=document.position,
                **{field: document.text(field) for field in FIELD_BOOSTS},
            )
        writer.commit(merge=False)
    return index


def reference_match(index, words):
    """BM25 term by term through Whoosh's matchers (positions sorted, float32 scores, total)."""
    analyzer = WhooshBackend.analyzer()
    stems = sorted({token.text for word in words for token in analyzer(word)})
    with index.searcher() as searcher:
        reader = searcher.reader()
        size = reader.doc_count_all()
        positions = np.full(size, -1, dtype=np.int32)
        lengths = {field: np.zeros(size, dtype=np.float32) for field in FIELD_BOOSTS}
        for leaf, offset in reader.leaf_readers():
            for docnum, stored in leaf.iter_docs():
                positions[offset + docnum] = stored["position"]
                for field in FIELD_BOOSTS:
                    lengths[field][offset + docnum] = leaf.doc_field_length(docnum, field, 0) or 0
        all_ids, contributions = [], []
        for field, boost in FIELD_BOOSTS.items():
            average = max(float(lengths[field].mean()), 1.0)
            for stem in stems:
                ids, weights = [], []
                for leaf, offset in reader.leaf_readers():
                    if (field, stem) not in leaf:
                        continue
                    matcher = leaf.postings(field, stem)
                    while matcher.is_active():
                        ids.append(offset + matcher.id())
                        weights.append(matcher.weight())
                        matcher.next()
                if not ids:
                    continue
                found = np.array(ids)
                tf = np.array(weights, dtype=np.float32)
                idf = math.log(1.0 + (size - found.size + 0.5) / (found.size + 0.5))
                norm = 1.2 * (1.0 - 0.75 + 0.75 * lengths[field][found] / average)
                all_ids.append(found)
                contributions.append(boost * idf * tf * (1.2 + 1.0) / (tf + norm))
    if not all_ids:
        return [], [], 0
    ids = np.concatenate(all_ids)
    scores = np.bincount(ids, weights=np.concatenate(contributions), minlength=size)
    found = np.unique(ids)
    order = np.argsort(positions[found])
    return (
        positions[found][order].tolist(),
        scores[found][order].astype(np.float32).tolist(),
        int(found.size),
    )


def sorted_match(index: WhooshIndex, words, limit: int = 0):
    matches = index.match(words, limit)
    order = np.argsort(matches.positions)
    return matches.positions[order].tolist(), matches.scores[order].tolist(), matches.total


@pytest.mark.parametrize("segments", [1, 3])
@pytest.mark.parametrize("words", WORD_LISTS)
def test_scores_equal_reading_each_term_through_whoosh(documents, segments, words):
    index = written(documents, segments)
    expected = reference_match(index, words)
    assert sorted_match(WhooshIndex(index), words) == expected


def test_three_commits_give_three_segments_and_the_same_answers(documents):
    index = written(documents, 3)
    with index.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 3
    one, three = WhooshIndex(written(documents, 1)), WhooshIndex(index)
    for words in WORD_LISTS:
        assert sorted_match(one, words) == sorted_match(three, words)


def test_every_term_of_the_vocabulary_scores_as_whoosh_reads_it(documents):
    index = written(documents)
    with index.searcher() as searcher:
        terms = sorted({text.decode() for _, text in searcher.reader().all_terms()})
    opened = WhooshIndex(index)
    for term in terms[::5]:
        assert sorted_match(opened, [term]) == reference_match(index, [term]), term


def test_the_synthetic_postings_span_several_blocks_of_each_kind():
    index = written(synthetic())
    with index.searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("name", "everi") == 700
        assert reader.frequency("name", "twice") == 2 * reader.frequency("name", "everi")
        assert reader.doc_frequency("body", "hous") > 300


def test_a_limit_keeps_the_best_and_counts_them_all():
    index = WhooshIndex(written(synthetic()))
    positions, scores, total = sorted_match(index, ["housing", "food"])
    best = index.match(["housing", "food"], 3)
    assert best.total == total > 3
    assert sorted(best.scores.tolist(), reverse=True) == sorted(scores, reverse=True)[:3]
    assert set(best.positions.tolist()) <= set(positions)


def test_an_empty_index_matches_nothing():
    index = WhooshIndex(RamStorage().create_index(WhooshBackend().schema()))
    assert index.match(["housing"], 0).total == 0
    index.close()


def test_an_empty_field_in_some_documents_leaves_every_score_finite():
    documents = synthetic()  # some bodies, places and terms are empty
    assert any(not document.body for document in documents)
    index = WhooshIndex(written(documents))
    for words in WORD_LISTS:
        assert np.isfinite(index.match(words, 0).scores).all()


# -- the engine scores only the agencies it can show --------------------------------------


def whole_directory_relevance(engine, text: str, areas: tuple[str, ...]) -> np.ndarray:
    """The documented relevance of every agency, computed over the whole directory."""
    from directory import search_engine as se
    from directory.words import content_words, split_words

    words = split_words(text)
    filters = engine.filters
    score = np.zeros(len(filters), dtype=np.float64)
    positions, text_scores, _ = engine.index.match(content_words(words), engine.text_limit)
    if positions.size:
        score[positions] = se.TEXT_WEIGHT * text_scores / max(float(text_scores.max()), 1e-9)
    needs = engine.need_phrases.find(words)
    if needs:
        served = [filters.mask("need", [code]).astype(np.float64) for code in needs]
        score += se.NEED_WEIGHT * np.add.reduce(served) / len(served)
    ages = engine.age_phrases.find(words)
    if ages:
        score += se.AGE_WEIGHT * filters.mask("age_group", ages)
    if areas:
        locality = filters.locality(areas)
        score *= 1.0 + se.LOCALITY_WEIGHT * locality / max(int(locality.max()), 1)
    return score


@pytest.mark.parametrize(
    "text, areas",
    [
        ("psychiatrist for my daughter", ()),
        ("rent help", ("oakland",)),
        ("bus pass adult", ("allegheny-county",)),
        ("counseling for my son", ()),
        ("food", ("oakland", "homestead")),
    ],
)
def test_hit_scores_and_order_equal_the_whole_directory_computation(bundled_directory, text, areas):
    from directory.search_engine import SearchQuery

    engine = bundled_directory.search_engine
    areas = tuple(area for area in areas if area in bundled_directory.areas_by_id)
    results = engine.search(SearchQuery(q=text, areas=areas, page_size=50))
    assert results.hits
    expected = whole_directory_relevance(engine, text, areas)
    position = {agency.id: n for n, agency in enumerate(engine.filters.agencies)}
    scores = [hit.score for hit in results.hits]
    assert scores == [float(expected[position[hit.agency.id]]) for hit in results.hits]
    locality = engine.filters.locality(areas) if areas else np.zeros(len(expected))
    keys = [
        (-score, -int(locality[position[hit.agency.id]]))
        for hit, score in zip(results.hits, scores, strict=True)
    ]
    assert keys == sorted(keys)
