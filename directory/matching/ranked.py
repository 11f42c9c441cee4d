"""One matched agency, and ranked agencies held as arrays until a page of them is read (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..records import Agency, Level

NO_POSITIONS = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True, slots=True)
class AgencyMatch:
    """One agency or support, with why it was matched and how far it is."""

    agency: Agency
    needs_met: tuple[str, ...]
    offers_level: bool
    distance_km: float
    covers_place: bool  # False: serves only part of the place the person typed, or is nearby

    @property
    def id(self) -> str:
        return self.agency.id


class Ranked(Sequence[AgencyMatch]):
    """Ranked agencies held as arrays; an AgencyMatch is made only when an item is read, so a
    place covered by 50,000 agencies costs a page of objects, not 50,000."""

    def __init__(
        self,
        filters,
        positions: np.ndarray,
        kms: np.ndarray,
        covers: np.ndarray,
        needs: tuple[str, ...],
        level: Level | None,
    ):
        self.filters, self.positions, self.kms, self.covers = filters, positions, kms, covers
        self.needs, self.level = needs, level

    def __len__(self) -> int:
        return int(self.positions.size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._item(i) for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._item(index)

    def _item(self, i: int) -> AgencyMatch:
        return agency_match(
            self.filters.agencies[int(self.positions[i])],
            float(self.kms[i]),
            self.needs,
            self.level,
            bool(self.covers[i]),
        )

    def where(self, keep: np.ndarray) -> Ranked:
        """The items where `keep` (one flag per item) is true, in the same order."""
        return Ranked(
            self.filters,
            self.positions[keep],
            self.kms[keep],
            self.covers[keep],
            self.needs,
            self.level,
        )

    def mask(self) -> np.ndarray:
        """The items as a mask over every agency of the directory."""
        mask = np.zeros(len(self.filters), dtype=bool)
        mask[self.positions] = True
        return mask

    def __repr__(self) -> str:
        return f"Ranked({len(self)} agencies)"


def agency_match(
    agency: Agency, km: float, needs: Sequence[str], level: Level | None, covers: bool
) -> AgencyMatch:
    return AgencyMatch(
        agency=agency,
        needs_met=tuple(n for n in needs if n in agency.needs),
        offers_level=level is None or level in agency.levels,
        distance_km=0.0 if covers and not agency.has_point else km,
        covers_place=covers,
    )
