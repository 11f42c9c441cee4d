"""Pages and status through the Flask test client."""

from __future__ import annotations

import html

from directory import create_app


def test_home_lists_counts_and_links_to_every_agency(client, bundled_directory):
    page = client.get("/").get_data(as_text=True)
    assert "12 service coordination agencies" in page
    for agency in bundled_directory.agencies:
        assert f'href="/agencies/{agency.id}"' in page


def test_agency_page_shows_phone_as_tel_link_source_and_reconstruction(client):
    response = client.get("/agencies/allegheny-childrens-initiative")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="tel:+14124318006"' in page and "412-431-8006" in page
    assert "September 2011" in page  # source and verification date
    assert "Not verified since September 2011" in page
    assert "reconstruction" in page


def test_unknown_agency_is_a_friendly_404_page_and_a_json_error(client):
    page = client.get("/agencies/nope")
    assert page.status_code == 404
    assert 'No agency or support has the id "nope"' in html.unescape(page.get_data(as_text=True))
    api = client.get("/api/v1/agencies/nope")
    assert api.status_code == 404
    assert api.get_json() == {"error": {"code": "unknown_agency",
                                        "message": 'No agency or support has the id "nope".'}}


def test_healthz_reports_counts_and_verified_range(client):
    status = client.get("/healthz").get_json()
    assert status["ok"] is True
    assert status["agencies"] == 12 and status["informal_supports"] >= 5
    assert status["verified"]["oldest"] == "2011-09-01"
    assert status["problems"] == [] and status["rejected_reload"] == []


def test_pages_send_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_broken_rows_are_skipped_and_good_rows_still_serve(data_copy):
    with (data_copy / "agencies.csv").open("a", encoding="utf-8") as handle:
        handle.write("broken-row,Broken,formal,,,,,atlantis,,,,,,,,,,,test,,,\n")
    client = create_app({"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0}).test_client()
    assert "12 service coordination agencies" in client.get("/").get_data(as_text=True)
    problems = client.get("/healthz").get_json()["problems"]
    assert [p["column"] for p in problems] == ["areas"]


def test_edited_data_reloads_and_broken_edit_keeps_last_good_data(data_copy):
    app = create_app({"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0})
    holder = app.extensions["directory"]
    client = app.test_client()
    path = data_copy / "agencies.csv"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("Pressley Ridge", "Pressley Ridge (renamed)"), encoding="utf-8")
    assert holder.reload_if_changed()
    assert "Pressley Ridge (renamed)" in client.get("/").get_data(as_text=True)
    path.write_text("id,name\nbroken,file\n", encoding="utf-8")
    assert not holder.reload_if_changed()
    page = client.get("/").get_data(as_text=True)
    assert "12 service coordination agencies" in page  # last good directory keeps serving
    rejected = client.get("/healthz").get_json()["rejected_reload"]
    assert "header is missing required column(s)" in rejected[0]["message"]
