"""What is indexed: one Document per agency, its text fields and weights, and the key
that says which data and schema a build was made from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass

from ..records import Agency, Area, DataSet

SCHEMA_VERSION = "4"  # bump when documents or schemas change: every index rebuilds once

# Text fields and their weights: a word in the name counts most. Needs and age groups are
# closed vocabularies, recognised and scored outside the engine (see directory.search): as
# text, BM25's length normalisation ranked an agency serving 3 needs far above one serving
# 15 for a word of any of them.
FIELD_BOOSTS: Mapping[str, float] = {
    "name": 3.0,
    "places": 1.0,
    "body": 1.0,
    "terms": 2.0,  # outside taxonomy terms a feed tagged the service with (a classification)
}

# The line an HSDS import writes into an agency's notes for the feed's taxonomy terms that
# map onto none of our needs (directory.hsds.importing): "Taxonomy terms: name (code); ...".
# Terms that do map became needs, found through the need vocabulary instead.
TERMS_LINE = "Taxonomy terms:"


@dataclass(frozen=True, slots=True)
class Document:
    """The searchable text of one agency; `position` is its place in the directory's data."""

    position: int
    name: str
    places: str  # names of its service areas
    body: str  # description, eligibility, how to refer, languages
    terms: str = ""  # outside taxonomy terms kept from an imported feed (names and codes)

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
            terms=" ; ".join(taxonomy_terms(agency)),
        )


def taxonomy_terms(agency: Agency) -> tuple[str, ...]:
    """The outside taxonomy terms an import kept on this agency (name, and code when the
    feed gave one), read from its notes' TERMS_LINE; () for agencies not from a feed."""
    if TERMS_LINE not in agency.notes:
        return ()
    terms: list[str] = []
    for line in agency.notes.splitlines():
        if line.startswith(TERMS_LINE):
            terms += (term.strip() for term in line[len(TERMS_LINE) :].split(";"))
    return tuple(term for term in dict.fromkeys(terms) if term)


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
