"""Our own classifications published as HSDS taxonomies, and their terms.

Kind, coordination level, age group, need and service area are taxonomies; facts HSDS has
no field for (our record id, source, reconstructed columns, notes, need synonyms, area ZIP
codes) are attributes under a "record keeping" taxonomy, so the importer can read them back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..records import AgeGroup, Kind, Level
from .schema import hsds_id


@dataclass(frozen=True, slots=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str  # attribute.link_type for terms of this taxonomy

    @property
    def uri(self) -> str:
        return f"urn:service-directory:taxonomy:{self.key}"

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.key)

    def term_id(self, code: str) -> str:
        return hsds_id("taxonomy_term", self.key, code)


KIND = Taxonomy(
    "kind",
    "Kind of support",
    "Formal service-coordination agency, or informal and community support.",
    "kind",
)
LEVEL = Taxonomy(
    "coordination-level",
    "Coordination level",
    "Level of service coordination offered: blended or administrative.",
    "coordination_level",
)
AGE_GROUP = Taxonomy("age-group", "Age group", "Age groups served: adults, children.", "age_group")
NEED = Taxonomy(
    "need",
    "Need",
    "The directory's need vocabulary. Top-level terms are Open Eligibility "
    "categories; each need sits under its category.",
    "need",
)
AREA = Taxonomy(
    "service-area",
    "Service area",
    "The directory's service areas. A term's code is the area id; its parent is "
    "the enclosing area.",
    "service_area",
)
RECORD = Taxonomy(
    "record",
    "Record keeping",
    "Facts about a record that HSDS has no field for: the directory's own id, "
    "where the record came from, which values were reconstructed, notes, need "
    "synonyms and the ZIP codes a service area is made of.",
    "record",
)
TAXONOMIES = (KIND, LEVEL, AGE_GROUP, NEED, AREA, RECORD)
TAXONOMY_BY_URI = {taxonomy.uri: taxonomy for taxonomy in TAXONOMIES}

# Record-keeping terms: code -> (name, description).
RECORD_TERMS = {
    "id": ("Directory id", "The record's id in the service directory (a slug)."),
    "source": ("Source", "Where the record's facts came from."),
    "reconstructed": (
        "Reconstructed column",
        "A column whose value was reconstructed, not taken from the source.",
    ),
    "notes": ("Notes", "Maintainers' notes on the record."),
    "synonym": ("Synonym", "A word people type for this need."),
    "zip-codes": ("ZIP codes", "The ZIP codes a service area is made of, separated by ';'."),
    "straddling-zip-codes": (
        "Straddling ZIP codes",
        "ZIP codes shared with another area, separated by ';'.",
    ),
}
KIND_TERMS = {
    Kind.FORMAL: ("Formal agency", "A formal service-coordination agency."),
    Kind.INFORMAL: (
        "Informal or community support",
        "A peer group, faith community, library, recreation centre or other community support.",
    ),
}
LEVEL_TERMS = {
    Level.BLENDED: (
        "Blended",
        "Intensive service coordination with eligibility criteria, "
        "available around the clock in a crisis.",
    ),
    Level.ADMINISTRATIVE: (
        "Administrative",
        "Occasional help with accessing supports, open to anyone.",
    ),
}
AGE_GROUP_TERMS = {
    AgeGroup.ADULT: ("Adults", "Serves adults."),
    AgeGroup.CHILD: ("Children", "Serves children and youth."),
}
CATEGORY_PREFIX = "open-eligibility:"  # need-taxonomy codes of Open Eligibility categories
