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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from datetime import date

from markupsafe import Markup, escape

from ..catalog import Directory
from ..findhelp import FindHelp
from ..hsds.details import KeptFeed

# Characters of list HTML kept per data version and process (a byte each for ASCII), at most (the oldest made is
# dropped first): every choice of needs, age and page is a key, so without a bound a client
# could fill the memory. A list is about 15,000 characters; the 10,000-agency benchmark's
# searches make about 2,500 of them.
MAX_KEPT_CHARS = 40_000_000
# Control characters (start and end of text): never in our own HTML, and ASCII, so a list of
# ASCII text stays one byte a character in memory.
OPEN, CLOSE = "\x02", "\x03"
_FIELDS = "PMUH"
# Runs of spaces holding a line break: one line break renders the same (the lists have no
# <pre> or <textarea>), and a third of a list's characters are the template's indentation.
_SPACE = re.compile(r"\s*\n\s*")
_BUTTON_ENDS = re.compile(f"{OPEN}(?:B[^{OPEN}{CLOSE}]*|E){CLOSE}")
_BUTTON = re.compile(f"{OPEN}B([^{OPEN}{CLOSE}]*){CLOSE}(.*?){OPEN}E{CLOSE}", re.DOTALL)


def marker(kind: str, value: str = "") -> Markup:
    """A place in a kept list for what is filled in per request."""
    return Markup(f"{OPEN}{kind}{value.replace(OPEN, '').replace(CLOSE, '')}{CLOSE}")


def fill(
    html: str,
    values: Mapping[str, Callable[[], str]],
    on_list: Container[str],
    on_list_note: Callable[[], str],
) -> Markup:
    """The list with this request's values (escaped here) in place of its markers."""

    def button(found: re.Match) -> str:
        return on_list_note() if found.group(1) in on_list else found.group(2)

    if on_list:
        html = _BUTTON.sub(button, html)
    else:  # the usual case: every button stays a button
        html = _BUTTON_ENDS.sub("", html)
    for kind in _FIELDS:
        mark = f"{OPEN}{kind}{CLOSE}"
        if mark in html:
            value = str(escape(values[kind]())).replace(OPEN, "").replace(CLOSE, "")
            html = html.replace(mark, value)
    return Markup(html)


def list_html(directory: Directory, answer: FindHelp, name: str, render: Callable[[], str]) -> str:
    """List `name`'s HTML with its markers: kept with the data version when it depends only
    on the derived query (and today's date, which decides "not verified since"), else made
    for this request. Lists whose agencies have live hours from a kept feed are never kept."""
    key = answer.section_key(name)
    made = render
    render = lambda: _SPACE.sub("\n", made())  # noqa: E731 - the template's indentation
    if key is not None:
        live = KeptFeed.of(directory).service_of
        if live and any(found.agency.id in live for found in answer.shown(name)):
            key = None
    if key is None:
        return render()
    kept: KeptLists = directory.memo(("findhelp-lists",), KeptLists)
    key = (date.today().isoformat(), *key)
    html = kept.get(key)
    if html is None:
        html = render()
        kept.keep(key, html)
    return html


class KeptLists(dict):
    """List HTML by key, dropping the oldest made once MAX_KEPT_CHARS would be passed."""

    chars = 0

    def keep(self, key: tuple, html: str) -> None:
        if key in self:
            return
        self[key] = html
        self.chars += len(html)
        while self.chars > MAX_KEPT_CHARS and self:
            try:
                self.chars -= len(self.pop(next(iter(self))))
            except (KeyError, StopIteration, RuntimeError):  # another thread dropped it first
                break
