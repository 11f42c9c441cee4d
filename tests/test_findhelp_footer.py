"""Every page's footer names 911 and 988 only as far as the data has them, with their source."""

from __future__ import annotations

import csv
import re

from directory import create_app
from directory.urgent import footer_lines


def footer_of(page: str) -> str:
    return page[page.index('<footer class="site-footer">') : page.index("</footer>")]


def test_footer_numbers_come_from_the_data_with_their_sources(bundled_directory):
    lines = footer_lines(bundled_directory)
    assert [line.phone for line in lines] == ["911", "988"]
    assert "Federal Communications Commission" in lines[0].source  # urgent_lines.csv
    assert lines[1].id == "988-suicide-and-crisis-lifeline"  # agencies.csv's row
    assert all(line.source for line in lines)


def test_every_page_footer_links_the_numbers_to_where_they_come_from(client):
    for path in ("/", "/about", "/coverage", "/list", "/agencies/pa-211"):
        response = client.get(path)
        assert response.status_code == 200
        footer = footer_of(response.get_data(as_text=True))
        assert 'href="tel:911"' in footer and 'href="tel:988"' in footer
        assert 'href="/about#sources-heading"' in footer
    about = client.get("/about").get_data(as_text=True)
    assert 'id="sources-heading"' in about
    sources = about[about.index('id="sources-heading"') : about.index("</section>")]
    assert "911" in sources and "Federal Communications Commission" in sources


def _drop_rows(path, keep) -> None:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        columns, rows = reader.fieldnames, [row for row in reader if keep(row)]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_region_without_the_numbers_in_its_data_shows_none(data_copy):
    _drop_rows(data_copy / "urgent_lines.csv", lambda row: row["phone"] != "911")
    _drop_rows(data_copy / "agencies.csv", lambda row: "988" not in row["phones"].split(";"))
    app = create_app({"TESTING": True, "DATA": str(data_copy), "RATE_LIMIT_PER_MINUTE": 0})
    client = app.test_client()
    footer = footer_of(client.get("/about").get_data(as_text=True))
    assert not re.search(r"\b(911|988)\b", footer)
    assert "tel:" not in footer and "Where these numbers come from" not in footer


def test_only_the_numbers_present_are_shown(data_copy):
    _drop_rows(data_copy / "urgent_lines.csv", lambda row: row["phone"] != "911")
    app = create_app({"TESTING": True, "DATA": str(data_copy), "RATE_LIMIT_PER_MINUTE": 0})
    footer = footer_of(app.test_client().get("/").get_data(as_text=True))
    assert 'href="tel:988"' in footer and "911" not in footer
