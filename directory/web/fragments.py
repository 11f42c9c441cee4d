"""The find-help page's lists of agencies, made once per data version and derived query.

A list's HTML (the cards of the agencies serving the place, community supports) depends on
the data version and the derived query only (FindHelp.section_key: areas, age group, age,
level, needs, page), so it is made once and kept with the data version (Directory.memo).
What belongs to one person is left out of it as markers and filled in per request:

    P  the place as they typed it           M  the "Show more" link (their search, next page)
    U  the "any need" link (their place)    H  where "Add to referral list" comes back to
    B<agency id> ... E  an agency's "Add to referral list" form (or "On your referral list")

So a kept list never holds a person's words, place, point or referral list. A list that
depends on the exact point (FindHelp.section_key is None) is made per request the same way.

An agency card is a frame whose slots are filled with pieces kept per data version (the parts
made of the agency's record alone) and pieces made per card (AgencyCards), so a list not yet
kept costs little more than joining strings.

The find-help form is made the same way, once per data version: what the person typed and
ticked are markers (MarkedFields), filled per request from their form (fill_form).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import get_template_attribute, has_request_context, request
from markupsafe import Markup, escape

from ..catalog import Directory
from ..findhelp import FindHelp
from ..forms import FindHelpForm
from ..hsds.details import KeptFeed, agency_details

# List HTML kept per data version and process (Directory.kept), at most about this many bytes
# (split_size: a byte a character for ASCII, plus each marker's objects; the oldest made is
# dropped first): every choice of needs, age and page is a key, so without a bound a client
# could fill the memory. A list is about 15,000 characters; the 10,000-agency benchmark's
# searches make about 2,500 of them.
MAX_KEPT_CHARS = 40_000_000
# Control characters (start and end of text): never in our own HTML, and ASCII, so a list of
# ASCII text stays one byte a character in memory.
OPEN, CLOSE = "\x02", "\x03"
_FIELDS = "PMUH"
# A line break and the indentation after it: one line break renders the same (the lists have
# no <pre> or <textarea>), and a third of a list's characters are the template's indentation.
# (Starting at the line break lets the regex engine jump between them: 5x faster than \s*\n\s*.)
_SPACE = re.compile(r"\n\s*")


def kept_html(directory: Directory, key: tuple, make: Callable[[], Any]) -> Any:
    """HTML made of data records alone, made once per data version (Directory.memo) and per
    script root (its links start with it). Never for anything of a person's."""
    root = request.script_root if has_request_context() else ""
    return directory.memo(("html", root, *key), make)


def marker(kind: str, value: str = "") -> Markup:
    """A place in a kept list for what is filled in per request."""
    return Markup(f"{OPEN}{kind}{value.replace(OPEN, '').replace(CLOSE, '')}{CLOSE}")


# Kept HTML split at its markers (see _slots): filling it is a join, not a search.
Split = tuple[str, tuple[tuple[str, str, str], ...]]


def fill(
    html: str | Split,
    values: Mapping[str, Callable[[], str]],
    on_list: Container[str],
    on_list_note: Callable[[], str],
) -> Markup:
    """The list with this request's values (escaped here) in place of its markers, and
    "On your referral list" in place of the form of an agency that is."""
    first, slots = _slots(html) if isinstance(html, str) else html
    escaped: dict[str, str] = {}
    out = [first]
    skipping = False  # inside the form of an agency on the list
    for kind, name, text in slots:
        if kind == "B" and name in on_list:
            out.append(on_list_note())
            skipping = True
        elif kind == "E":
            skipping = False
        elif kind in _FIELDS and not skipping:
            if kind not in escaped:
                value = str(escape(values[kind]()))
                escaped[kind] = value.replace(OPEN, "").replace(CLOSE, "")
            out.append(escaped[kind])
        if not skipping:
            out.append(text)
    return Markup("".join(out))


# What a marker's tuple and strings take beyond their characters, in bytes (CPython, 64-bit).
MARKER_OVERHEAD = 150


def split_size(split: Split) -> int:
    """What kept HTML takes, counted as MAX_KEPT_CHARS counts: its characters (a byte each
    for ASCII) and each marker's own objects."""
    return len(split[0]) + sum(
        len(name) + len(text) + MARKER_OVERHEAD for _, name, text in split[1]
    )


def list_html(
    directory: Directory, answer: FindHelp, name: str, render: Callable[[], str]
) -> Split:
    """List `name`'s HTML with its markers: kept with the data version when it depends only
    on the derived query (and today's date, which decides "not verified since"), else made
    for this request. Lists whose agencies have live hours from a kept feed are never kept."""
    key = answer.section_key(name)

    def made() -> Split:
        return _slots(_SPACE.sub("\n", render()))  # without the template's indentation

    if key is not None:
        live = KeptFeed.of(directory).service_of
        if live and any(found.agency.id in live for found in answer.shown(name)):
            key = None
    if key is None:
        return made()
    key = (date.today().isoformat(), request.script_root, *key)
    return directory.kept("findhelp-lists", MAX_KEPT_CHARS).get_or_make(key, made, split_size)


def page_lists(
    directory: Directory,
    answer: FindHelp,
    referrals: Any,
    home_url: Callable[[Mapping[str, object]], str],
    params: Callable[..., Mapping[str, object]],
) -> Callable[[str, Callable[[FindHelp], str]], Markup]:
    """`agency_list(name, macro)` for results.html: list `name`, kept per data version and
    derived query when it can be, filled with this request's place, links (`params(**change)`
    is the person's search changed) and referral-list buttons."""
    values = {  # each made at most once per request, however many lists ask
        "P": functools.cache(lambda: answer.location.label),
        "M": functools.cache(lambda: home_url(params(page=answer.query.page + 1))),
        "U": functools.cache(lambda: home_url(params(need=None, q=None))),
        "H": functools.cache(lambda: request.full_path.rstrip("?")),
    }
    on_list = set(referrals.agency_ids()) if referrals else set()

    def on_list_note() -> str:
        return str(get_template_attribute("macros.html", "on_list_note")())

    def agency_list(name: str, macro: Callable[[FindHelp], str]) -> Markup:
        html = list_html(directory, answer, name, lambda: str(macro(answer)))
        return fill(html, values, on_list, on_list_note)

    return agency_list


# -- agency cards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardMacros:
    """The macros (macros.html) that make a card's frame and pieces."""

    frame: Callable[..., str]
    head: Callable[..., str]
    distance: Callable[..., str]
    details: Callable[..., str]
    needs: Callable[..., str]
    tail: Callable[..., str]
    add_form: Callable[..., str]


class AgencyCards:
    """`agency_cards(...)` for the find-help page's lists: each card's frame and record-only
    pieces are made once per data version (under the keys of Directory.memo), the distance,
    address and hours per card. A distance is kept only when it says nothing about the point
    ("Serves your area"); hours from a kept feed are never kept."""

    def __init__(self, directory: Directory, today: date):
        self.directory, self.today = directory, today
        self.live = KeptFeed.of(directory).service_of
        self.root = request.script_root if has_request_context() else ""  # as kept_html

    def __call__(
        self,
        found_list: Iterable[Any],
        needs: Sequence[str],
        refer_once: str | None,
        with_distance: bool,
        *macros: Callable[..., str],
    ) -> Markup:
        make = CardMacros(*macros)
        frame = self._kept(
            ("card-frame", with_distance, bool(needs)),
            lambda: _slots(str(make.frame(with_distance, bool(needs)))),
        )
        out: list[str] = []
        for item in found_list:
            found = item if with_distance else None
            slots = self._pieces(item.agency, found, needs, refer_once, make)
            out.append("\n" + frame[0] if out else frame[0])
            for _, slot, text in frame[1]:
                out.append(slots[slot])
                out.append(text)
        return Markup("".join(out))

    def _pieces(
        self, agency, found: Any, needs: Sequence[str], refer_once: str | None, make: CardMacros
    ) -> dict[str, str]:
        kept = self._kept
        return {
            "head": kept(("card-head", agency.id, "h3"), lambda: make.head(agency, "h3")),
            "distance": self._distance(found, make),
            "details": self._details(agency, make),
            "needs": self._needs(agency, found, needs, make) if needs else "",
            "tail": self._tail(agency, refer_once, make),
            "button": kept(("list-button", agency.id), lambda: _list_button(agency, make)),
        }

    def _kept(self, key: tuple, make: Callable[[], Any]) -> Any:
        return self.directory.memo(("html", self.root, *key), make)  # kept_html's keys

    def _distance(self, found: Any, make: CardMacros) -> str:
        if found is None:
            return ""
        if found.covers_place and found.distance_km < 0.05:  # the same words for everyone
            return self._kept(("distance-here",), lambda: make.distance(found))
        return str(make.distance(found))

    def _details(self, agency, make: CardMacros) -> str:
        if agency.id in self.live:  # hours from a kept feed: "open now" is per minute
            return str(make.details(agency_details(self.directory, agency)))
        return self._kept(
            ("card-details", agency.id),
            lambda: make.details(agency_details(self.directory, agency)),
        )

    def _needs(self, agency, found: Any, needs: Sequence[str], make: CardMacros) -> str:
        met = found.needs_met if found is not None else None
        return self._kept(
            ("card-needs", agency.is_formal, met, ",".join(needs)),
            lambda: make.needs(agency.is_formal, met or [], needs),
        )

    def _tail(self, agency, refer_once: str | None, make: CardMacros) -> str:
        own_steps = bool(agency.how_to_refer and agency.how_to_refer != refer_once)
        stale = self.directory.is_stale(agency, self.today)
        return self._kept(
            ("card-tail", agency.id, own_steps, stale),
            lambda: make.tail(agency, own_steps),
        )


def _list_button(agency, make: CardMacros) -> str:
    """The "Add to referral list" form between markers: fill() swaps it for "On your referral
    list" when it is, and puts where to come back to (H) in it."""
    return f"{marker('B', agency.id)}{make.add_form(agency, marker('H'))}{marker('E')}"


def _slots(html: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """Kept HTML split at its markers: the text before the first, then each marker's kind,
    name and the text after it, so filling it is a join."""
    first, *rest = html.split(OPEN)
    slots = []
    for piece in rest:
        kind_and_name, text = piece.split(CLOSE, 1)
        slots.append((kind_and_name[:1], kind_and_name[1:], text))
    return first, tuple(slots)


# -- the find-help form ----------------------------------------------------------------------

# The radio buttons whose "" choice ("Show both", "Either") is ticked when neither is chosen.
_NAMED_CHOICES = {"age": ("adult", "child"), "level": ("administrative", "blended")}


class TypedFields:
    """The find-help form's controls as this person left them: typed values, ticks, and
    whether the "How much help?" part is open."""

    def __init__(self, form: FindHelpForm):
        self.form = form

    def value(self, name: str) -> str:
        return {"near": self.form.near, "years": self.form.years, "q": self.form.q}[name]

    def checked(self, name: str, option: str) -> Markup:
        return Markup(" checked" if f"{name}={option}" in self._ticked else "")

    def opened(self, for_problem: bool = False) -> Markup:
        form = self.form
        return Markup(" open") if form.answers or form.level or for_problem else Markup("")

    def filled(self, kind: str, name: str) -> str:
        """What goes in place of a MarkedFields marker ("C" names "control=option")."""
        if kind == "V":
            return str(escape(self.value(name))).replace(OPEN, "").replace(CLOSE, "")
        if kind == "C":  # "control=option"
            return " checked" if name in self._ticked else ""
        return self.opened()

    @functools.cached_property
    def _ticked(self) -> frozenset[str]:
        """Every "control=option" ticked, worked out once for the form's thirty-odd ticks."""
        form = self.form
        ticked = {f"need={code}" for code in form.needs} | {f"answer={k}" for k in form.answers}
        for name, chosen in (("age", form.age), ("level", form.level)):
            ticked.add(f"{name}={chosen if chosen in _NAMED_CHOICES[name] else ''}")
        return frozenset(ticked)


class MarkedFields:
    """The same controls as markers, for the copy of the form made once per data version."""

    def value(self, name: str) -> Markup:
        return marker("V", name)

    def checked(self, name: str, option: str) -> Markup:
        return marker("C", f"{name}={option}")

    def opened(self, for_problem: bool = False) -> Markup:
        return marker("O")


def kept_form(
    directory: Directory, form: FindHelpForm, heading_text: str, macro: Callable[..., str]
) -> Markup:
    """The find-help form (`macro`, find_form.html) made once per data version with markers,
    filled with this person's values (escaped) and ticks."""
    first, slots = kept_html(
        directory,
        ("find-form", heading_text),
        lambda: _slots(str(macro(MarkedFields(), None, "h2", heading_text))),
    )
    typed = TypedFields(form)
    out = [first]
    for kind, name, text in slots:
        out.append(typed.filled(kind, name))
        out.append(text)
    return Markup("".join(out))
