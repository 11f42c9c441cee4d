"""Urgent help first, words understood, outside places, and honest lines (domain and pages)."""

from __future__ import annotations

import pytest

from directory.findhelp import find_help
from directory.matching import MatchQuery
from directory.provenance import data_line
from directory.serialise import find_help_json
from directory.urgent import read_vocabulary, signals_in


def answer_json(directory, **args):
    query = MatchQuery.read(args, directory)
    return find_help_json(find_help(directory, query), directory)


@pytest.mark.parametrize("words", ["my daughter is suicidal", "overdose", "I want to hurt myself"])
def test_words_of_danger_put_988_first_then_911(bundled_directory, words):
    body = answer_json(bundled_directory, near="15213", q=words)
    assert list(body)[0] == "urgent"
    urgent = body["urgent"]
    assert urgent[0]["phone"] == "988" and urgent[0]["how"] == "Call or text 988"
    assert urgent[1]["phone"] == "911"
    assert all(line["source"] for line in urgent)


def test_screener_crisis_answer_is_urgent(client):
    body = client.get("/api/v1/match", query_string={"near": "15213", "crises": "1"}).get_json()
    assert body["urgent"] and body["urgent"][0]["phone"] == "988"


def test_substance_use_without_a_local_agency_points_to_the_national_helpline(bundled_directory):
    body = answer_json(bundled_directory, near="Bridgeville", q="drug rehab")
    ids = [line["id"] for line in body["urgent"]]
    assert ids == ["samhsa-national-helpline", "findtreatment-gov"]
    helpline = body["urgent"][0]
    assert helpline["phone"] == "1-800-662-4357" and "samhsa.gov" in helpline["source"]


def test_rent_alone_puts_211_first_with_what_coordination_is_for(bundled_directory):
    body = answer_json(bundled_directory, near="15213", q="help paying rent")
    assert body["urgent"] == []
    assert body["first_call"]["phone"] == "211"
    page_words = find_help(bundled_directory, MatchQuery("15213", q="rent"))
    assert "mental health services" in page_words.urgent.message


def test_a_county_can_add_its_own_urgent_words(data_copy):
    with (data_copy / "urgent.csv").open("a", encoding="utf-8") as file:
        file.write("lost everything,crisis,\nnot,a-signal,\n")
    vocabulary = read_vocabulary(data_copy)
    assert signals_in(vocabulary, "I lost everything today") == {"crisis"}
    assert any("urgent.csv:" in p and '"a-signal"' in p for p in vocabulary.problems)


def test_my_son_makes_the_search_a_childs_and_says_it_was_inferred(bundled_directory):
    body = answer_json(bundled_directory, near="15213", q="my son needs a psychiatrist")
    assert body["filters"]["age_group"] == "child" and body["age_group_inferred"] is True
    assert all("child" in a["age_groups"] for a in body["agencies"])
    chosen = answer_json(bundled_directory, near="15213", age="child")
    assert chosen["age_group_inferred"] is False


def test_an_age_in_the_words_under_18_is_a_child(bundled_directory):
    body = answer_json(bundled_directory, near="15213", q="counselling, she is 10")
    assert body["filters"]["age_group"] == "child" and body["filters"]["years"] == 10


def test_adult_with_age_10_is_pointed_out(bundled_directory):
    body = answer_json(bundled_directory, near="15213", age="adult", years="10")
    assert body["notices"] and "age 10 is a child's age" in body["notices"][0]


def test_words_without_a_place_answer_for_the_whole_region(client):
    response = client.get("/", query_string={"q": "my son needs a psychiatrist"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Add your ZIP code or town" in page
    body = client.get("/api/v1/match", query_string={"q": "psychiatrist"}).get_json()
    assert body["location"]["areas"] == ["allegheny-county"]
    assert {"family-links", "hsao"} <= {a["id"] for a in body["agencies"]}


@pytest.mark.parametrize("near", ["Erie, PA", "Erie PA", "16501", "Austin, TX"])
def test_places_outside_say_outside_the_region_with_211_and_988(client, near):
    response = client.get("/", query_string={"near": near})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is outside Allegheny County" in page
    assert 'href="tel:211"' in page and 'href="tel:988"' in page


def test_results_say_2011_and_that_levels_and_age_groups_are_reconstructed(client):
    page = client.get("/", query_string={"near": "15213"}).get_data(as_text=True)
    assert "2011" in page and "Levels and age groups are our reconstruction" in page
    assert "(our reconstruction)" in page  # on the cards' badges
    assert page.count("How to make a referral:") == 1


def test_the_honest_line_comes_from_the_data(bundled_directory):
    line = data_line(bundled_directory)
    assert "The Basics of Service Coordination" in line and "September 2011" in line
    assert "not from the seeds" not in line


def test_about_page_replaces_the_raw_json_footer_link(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/about"' in home and ">Data status<" not in home
    about = client.get("/about").get_data(as_text=True)
    assert "About this data" in about and "2011" in about and "/healthz" in about
    assert client.get("/healthz").status_code == 200


def test_coordination_needs_read_as_help_to_get_not_as_provided(client):
    page = client.get("/", query_string={"near": "15213", "need": "housing"}).get_data(as_text=True)
    assert "A service coordinator helps you get: housing" in page
    assert "Provides: housing" in page  # PA 211, a community support


def test_urgent_words_from_outside_the_region_still_put_988_first(client):
    ask = {"near": "Erie, PA", "q": "my daughter is suicidal"}
    page = client.get("/", query_string=ask).get_data(as_text=True)
    assert "is outside Allegheny County" in page
    block = page[page.index('id="urgent"') : page.index("<h1")]  # before the page's heading
    assert block.index('href="tel:988"') < block.index('href="tel:911"')
    body = client.get("/api/v1/match", query_string=ask).get_json()
    assert body["urgent"][0]["phone"] == "988" and body["location"]["in_area"] is False


def test_outside_numbers_come_from_the_data_with_their_sources(client):
    page = client.get("/", query_string={"near": "Erie, PA"}).get_data(as_text=True)
    assert "Source: United Way 2-1-1 service" in page
    assert "Source: United States national 988 Lifeline" in page


def test_a_reload_picks_up_edits_to_the_urgent_files(data_copy):
    from directory import create_app

    app = create_app(
        {"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0, "STABLE_SECONDS": 0}
    )
    holder, client = app.extensions["directory"], app.test_client()
    words = {"near": "15213", "q": "I lost everything"}
    assert client.get("/api/v1/match", query_string=words).get_json()["urgent"] == []
    with (data_copy / "urgent.csv").open("a", encoding="utf-8") as file:
        file.write("lost everything,crisis,\n")
    assert holder.reload_if_changed()
    assert client.get("/api/v1/match", query_string=words).get_json()["urgent"][0]["phone"] == "988"

    lines = data_copy / "urgent_lines.csv"
    lines.write_text(
        lines.read_text(encoding="utf-8").replace("1-800-662-4357", "1-800-662-4358"),
        encoding="utf-8",
    )
    assert holder.reload_if_changed()
    rehab = {"near": "Bridgeville", "q": "drug rehab"}
    helpline = client.get("/api/v1/match", query_string=rehab).get_json()["urgent"][0]
    assert helpline["id"] == "samhsa-national-helpline" and helpline["phone"] == "1-800-662-4358"


def test_check_data_reports_a_bad_urgent_row_with_its_line_and_exits_1(data_copy):
    from click.testing import CliRunner

    from directory.cli import main

    with (data_copy / "urgent.csv").open("a", encoding="utf-8") as file:
        file.write("in danger,emergency,\n")
    result = CliRunner().invoke(main, ["check-data", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert 'urgent.csv:53: column "signal": "emergency" is not one of crisis' in result.output


def test_the_honest_line_says_the_date_once_and_that_it_is_not_newer(bundled_directory):
    line = data_line(bundled_directory)
    assert line.count("September 2011") == 1 and "not checked since" in line


def test_home_says_what_service_coordination_is_for(client):
    page = client.get("/").get_data(as_text=True)
    assert "Service coordination is for people seeking mental health services." in page


def test_drug_rehab_gap_points_to_the_helpline_not_to_the_crisis_line(bundled_directory):
    body = answer_json(bundled_directory, near="15213", q="drug rehab")
    gap = next(g for g in body["gaps"] if g.get("need") == "substance-use")
    message = gap["message"]
    assert "Start with SAMHSA's National Helpline (1-800-662-4357)" in message
    assert message.index("SAMHSA") < message.index("988")  # the crisis line comes after it


def test_coverage_says_2011_and_that_levels_and_age_groups_are_reconstructed(client):
    page = client.get("/coverage").get_data(as_text=True)
    assert "2011" in page and "Levels and age groups are our reconstruction" in page


def test_a_town_elsewhere_is_outside_even_when_the_online_lookup_fails(bundled_directory):
    import dataclasses

    from directory.findhelp import locate_or_outside
    from geo.places import PlaceNotFound

    def down(text):
        raise TimeoutError("no network")

    atlas = dataclasses.replace(bundled_directory.atlas, geocoder=down)
    directory = dataclasses.replace(bundled_directory, atlas=atlas)
    location = locate_or_outside(directory, "Erie, PA")
    assert location.in_area is False and location.areas == ()
    assert location.note == "Erie is outside Allegheny County."
    with pytest.raises(PlaceNotFound) as raised:  # a near-miss of ours stays "did you mean"
        locate_or_outside(directory, "Pittsburg")
    assert "Pittsburgh" in raised.value.suggestions
