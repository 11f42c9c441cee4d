"""A coordinator's referral list: in the URL (and a copy in a browser cookie), never on the server.

Several named lists, the choice of the current one and the coordinator's name live only in
the browser (localStorage, with JavaScript); the server sees one list at a time.

The list is a sequence of items: an agency or support from the directory, or one of the
person's own natural supports typed in by the coordinator (a relative, a neighbour, a faith
community). Each item has a free-text note. It is encoded as indexed query parameters, so a
plain HTML form (no JavaScript) can edit it and the URL is the share link:

    agency.0=family-links&note.0=Call+Tuesday&who.1=Aunt+Rosa&rel.1=relative&phone.1=412-555-0100

Pure: no Flask. The web layer decodes a request's args, applies one operation and redirects
to the canonical URL.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

MAX_ITEMS = 40  # a list longer than this is not a referral list any more
MAX_TEXT = 500  # characters per note or typed field; longer text is cut, never rejected
FIELDS = ("agency", "who", "rel", "phone", "note")  # parameter names, each with ".<position>"
_KEY = re.compile(r"^(agency|who|rel|phone|note)\.(\d{1,3})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ReferralItem:
    """One line of the list: an agency from the directory, or the person's own support."""

    agency_id: str = ""  # a directory agency or support; empty for the person's own support
    who: str = ""  # the person's own support: "Aunt Rosa", "St. Mary's food pantry"
    relationship: str = ""  # "relative", "neighbour", "faith community", ...
    phone: str = ""  # as typed by the coordinator
    note: str = ""

    def params(self, position: int) -> list[tuple[str, str]]:
        if self.agency_id:
            pairs = [("agency", self.agency_id)]
        else:
            pairs = [("who", self.who), ("rel", self.relationship), ("phone", self.phone)]
        pairs.append(("note", self.note))
        return [(f"{name}.{position}", value) for name, value in pairs if value]


@dataclass(frozen=True, slots=True)
class ReferralList:
    """The items in order, and how many were dropped while decoding (unknown ids, too many)."""

    items: tuple[ReferralItem, ...] = ()
    dropped: int = 0

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[str, str]], known_ids: Collection[str]
    ) -> ReferralList:
        """Decode indexed parameters; others are ignored, and positions only give the order."""
        rows: dict[int, dict[str, str]] = {}
        for key, value in pairs:
            found = _KEY.match(key)
            if found:
                rows.setdefault(int(found.group(2)), {})[found.group(1)] = clean(value)
        items: list[ReferralItem] = []
        dropped = 0
        for position in sorted(rows):
            row = rows[position]
            agency_id = row.get("agency", "")
            if agency_id:
                if agency_id not in known_ids or any(i.agency_id == agency_id for i in items):
                    dropped += agency_id not in known_ids
                    continue
                item = ReferralItem(agency_id=agency_id, note=row.get("note", ""))
            elif row.get("who"):
                item = ReferralItem(
                    who=row["who"],
                    relationship=row.get("rel", ""),
                    phone=row.get("phone", ""),
                    note=row.get("note", ""),
                )
            else:
                continue  # a note without an item, or an emptied "who": nothing to keep
            items.append(item)
        if len(items) > MAX_ITEMS:
            dropped += len(items) - MAX_ITEMS
            items = items[:MAX_ITEMS]
        return cls(tuple(items), dropped)

    @classmethod
    def from_query_string(cls, text: str, known_ids: Collection[str]) -> ReferralList:
        return cls.from_pairs(parse_qsl(text or "", keep_blank_values=False), known_ids)

    @classmethod
    def from_args(cls, args, known_ids: Collection[str]) -> ReferralList:
        """From a werkzeug MultiDict or any mapping of parameter -> value(s)."""
        if hasattr(args, "items") and hasattr(args, "getlist"):
            pairs = args.items(multi=True)
        else:
            pairs = _pairs(args)
        return cls.from_pairs(pairs, known_ids)

    @staticmethod
    def has_items_in(args) -> bool:
        """True when the args carry a list parameter (so they, not a stored copy, are the list)."""
        return any(_KEY.match(key) for key in args.keys())

    # -- encoding ------------------------------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """Canonical parameters: positions renumbered 0..n-1 in list order."""
        return [pair for position, item in enumerate(self.items) for pair in item.params(position)]

    def query_string(self) -> str:
        return urlencode(self.params())

    # -- questions -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def agency_ids(self) -> frozenset[str]:
        return frozenset(item.agency_id for item in self.items if item.agency_id)

    def position_of(self, agency_id: str) -> int | None:
        return next((n for n, item in enumerate(self.items) if item.agency_id == agency_id), None)

    # -- operations (each returns a new list) --------------------------------------------------

    def add(self, agency_id: str, known_ids: Collection[str]) -> ReferralList:
        """Append an agency or support once; an unknown id or a full list changes nothing."""
        if agency_id not in known_ids or agency_id in self.agency_ids() or len(self) >= MAX_ITEMS:
            return self
        return replace(self, items=self.items + (ReferralItem(agency_id=agency_id),))

    def add_own_support(
        self, who: str, relationship: str = "", phone: str = "", note: str = ""
    ) -> ReferralList:
        who = clean(who)
        if not who or len(self) >= MAX_ITEMS:
            return self
        item = ReferralItem(
            who=who, relationship=clean(relationship), phone=clean(phone), note=clean(note)
        )
        return replace(self, items=self.items + (item,))

    def remove(self, position: int) -> ReferralList:
        if not 0 <= position < len(self):
            return self
        return replace(self, items=self.items[:position] + self.items[position + 1 :])

    def move(self, position: int, delta: int) -> ReferralList:
        """Move one item up (delta -1) or down (+1); moving past either end changes nothing."""
        target = position + delta
        if not (0 <= position < len(self) and 0 <= target < len(self)):
            return self
        items = list(self.items)
        items[position], items[target] = items[target], items[position]
        return replace(self, items=tuple(items))

    def without_notes(self) -> ReferralList:
        """The same items with every note left out: for sharing or printing beyond the team."""
        return replace(self, items=tuple(replace(item, note="") for item in self.items))

    def merge(self, other: ReferralList) -> ReferralList:
        """This list, then the other's items it does not already hold (an agency once; the
        person's own support once per name and phone); stops at MAX_ITEMS."""
        items = list(self.items)
        for item in other.items:
            if len(items) >= MAX_ITEMS:
                break
            if not any(_same(item, mine) for mine in items):
                items.append(item)
        return replace(self, items=tuple(items), dropped=0)

    def focus_after(self, operation: str) -> str:
        """The element id to put keyboard focus on after `operation` made this list: the moved
        item, or the item now where a removed one was ("" when there is none)."""
        name, _, position = (operation or "").partition(".")
        if not position.isdigit() or not self.items:
            return "list-heading" if name == "remove" else ""
        index = int(position)
        if name == "up":
            return f"item-{max(index - 1, 0)}"
        if name == "down":
            return f"item-{min(index + 1, len(self) - 1)}"
        if name == "remove":
            return f"item-{min(index, len(self) - 1)}"
        return ""

    def apply(self, operation: str) -> ReferralList:
        """A form button's value: "up.2", "down.2", "remove.2", "clear"; others are ignored."""
        if operation == "clear":
            return ReferralList()
        name, _, position = (operation or "").partition(".")
        if not position.isdigit():
            return self
        index = int(position)
        if name == "up":
            return self.move(index, -1)
        if name == "down":
            return self.move(index, +1)
        if name == "remove":
            return self.remove(index)
        return self


def _same(one: ReferralItem, other: ReferralItem) -> bool:
    if one.agency_id or other.agency_id:
        return one.agency_id == other.agency_id
    return (one.who.casefold(), one.phone) == (other.who.casefold(), other.phone)


def clean(value: object) -> str:
    """One typed field: control characters removed, surrounding space trimmed, cut to MAX_TEXT."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return _CONTROL.sub(" ", text[: MAX_TEXT * 2]).strip()[:MAX_TEXT]


def _pairs(args: Mapping) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in args.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, str(v)) for v in values)
    return pairs
