"""The service-area tree: which areas an agency's areas cover, in the brochure's sense.

An agency serving an area serves every place inside it, so an agency listed for the root
("County-wide") covers everyone in the region. Pure and cached per directory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .records import Agency, Area


@dataclass(frozen=True)
class AreaTree:
    """Parent/child relations of the loaded areas, with agencies indexed by the area they list."""

    areas: Mapping[str, Area]
    children: Mapping[str, tuple[str, ...]]
    root_id: str | None
    direct: Mapping[str, frozenset[str]]  # area id -> ids of agencies that list it

    @classmethod
    def build(cls, areas: Iterable[Area], agencies: Iterable[Agency]) -> AreaTree:
        by_id = {area.id: area for area in areas}
        children: dict[str, list[str]] = defaultdict(list)
        for area in by_id.values():
            if area.parent:
                children[area.parent].append(area.id)
        direct: dict[str, set[str]] = defaultdict(set)
        for agency in agencies:
            for area_id in agency.area_ids:
                direct[area_id].add(agency.id)
        root = next((a.id for a in by_id.values() if a.parent is None), None)
        return cls(
            areas=by_id,
            children={key: tuple(value) for key, value in children.items()},
            root_id=root,
            direct={key: frozenset(value) for key, value in direct.items()},
        )

    def ancestors(self, area_id: str) -> list[str]:
        """The area and its ancestors, broadest first (root ... area)."""
        chain: list[str] = []
        current = self.areas.get(area_id)
        while current is not None and current.id not in chain:
            chain.append(current.id)
            current = self.areas.get(current.parent) if current.parent else None
        return list(reversed(chain))

    def descendants(self, area_id: str) -> list[str]:
        found, stack = [], list(self.children.get(area_id, ()))
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(self.children.get(child, ()))
        return found

    def depth(self, area_id: str) -> int:
        return len(self.ancestors(area_id)) - 1

    def covering(self, area_id: str) -> frozenset[str]:
        """Ids of agencies that serve all of this area (they list it or an ancestor)."""
        ids: set[str] = set()
        for ancestor in self.ancestors(area_id):
            ids |= self.direct.get(ancestor, frozenset())
        return frozenset(ids)

    def covering_place(self, area_ids: Iterable[str]) -> frozenset[str]:
        """Ids of agencies serving a place that lies in all of `area_ids` (a Location's areas)."""
        ids: set[str] = set()
        for area_id in area_ids:
            ids |= self.direct.get(area_id, frozenset())
        return frozenset(ids)

    def serving_part(self, area_id: str) -> frozenset[str]:
        """Ids of agencies that serve only some place inside this area (a descendant)."""
        ids: set[str] = set()
        for child in self.descendants(area_id):
            ids |= self.direct.get(child, frozenset())
        return frozenset(ids) - self.covering(area_id)

    def in_display_order(self) -> list[str]:
        """Depth-first from the root, so each broad area is followed by its small places."""
        order: list[str] = []

        def visit(area_id: str) -> None:
            order.append(area_id)
            for child in sorted(self.children.get(area_id, ()), key=lambda a: self.areas[a].name):
                visit(child)

        if self.root_id:
            visit(self.root_id)
        order.extend(a for a in self.areas if a not in order)
        return order
