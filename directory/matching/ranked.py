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
    place covered by 50,000 agencies costs a page of objects, not 50,000.

    A list is never changed once made, so what is worked out from it (its split by fit,
    whether any has a point) is kept on it (`memo`): a list kept for a derived query
    (matching.plans) is shared by every request asking the same, and pays once.
    """

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
        self._memo: dict = {}

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
        positions = self.positions[keep]
        return Ranked(
            self.filters,
            positions,
            _kept(self.kms, keep, positions.size),
            _kept(self.covers, keep, positions.size),
            self.needs,
            self.level,
        )

    def mask(self) -> np.ndarray:
        """The items as a mask over every agency of the directory."""
        mask = np.zeros(len(self.filters), dtype=bool)
        mask[self.positions] = True
        return mask

    @property
    def has_points(self) -> bool:
        """Whether any of these has a point of its own (then distances depend on the person's)."""
        return self.memo("has-points", lambda: bool(self.filters.has_point[self.positions].any()))

    def memo(self, key, make):
        """`make()`, made once per list (see the class docstring): keys name what is made."""
        try:
            return self._memo[key]
        except KeyError:
            return self._memo.setdefault(key, make())

    def __repr__(self) -> str:
        return f"Ranked({len(self)} agencies)"


def same_everywhere(value, size: int) -> np.ndarray:
    """`size` copies of one value as a read-only view of it: a kept list whose distances are
    all 0 km, or which all cover the place, holds no array of them."""
    one = np.asarray(value).reshape(1)
    same = np.ndarray((size,), one.dtype, one, 0, (0,))  # np.broadcast_to, 4x faster
    same.flags.writeable = False
    return same


def _kept(values: np.ndarray, keep: np.ndarray, size: int) -> np.ndarray:
    if values.size and values.strides == (0,):
        return same_everywhere(values[0], size)
    return values[keep]


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
