"""Families' journeys in headless Chromium: urgent help first on a phone, axe-core on the About
page and on an urgent answer, and the find-help journey with JavaScript turned off.

Reuses test_browser's live server, browser and axe runner; skipped (or failing in CI) the same
way when Chromium, chromedriver, selenium or axe-core are missing. Writes nothing to the checkout.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import test_browser
from test_browser import CHROME_FLAGS, CHROMEDRIVER, CHROMIUM, click_and_wait, open_page, run_axe

# test_browser's fixtures, used here by name: the live server and a 1280 px Chromium.
live_server = test_browser.live_server
browser = test_browser.browser

pytestmark = pytest.mark.browser

SUICIDAL = "/?" + urlencode({"near": "15213", "q": "my daughter is suicidal"})
AXE_PAGES = {
    "about": "/about",
    "urgent-results": SUICIDAL,
    "urgent-whole-region": "/?" + urlencode({"q": "overdose"}),
}


def _main_blocks(driver) -> list[dict]:
    """The main landmark's children in page order, with where each starts on the page."""
    return driver.execute_script(
        "return [...document.querySelector('main').children]"
        ".filter(e => e.getBoundingClientRect().height > 0)"
        ".map(e => ({id: e.id, tag: e.tagName.toLowerCase(),"
        " top: e.getBoundingClientRect().top + window.scrollY}));"
    )


def test_my_daughter_is_suicidal_shows_988_first_above_everything_on_a_360px_phone(browser):
    browser.set_window_size(360, 740)
    open_page(browser, SUICIDAL)
    blocks = _main_blocks(browser)
    assert blocks[0]["id"] == "urgent", blocks
    assert all(blocks[0]["top"] < other["top"] for other in blocks[1:])
    urgent = browser.find_element("id", "urgent")
    box = urgent.rect
    assert box["y"] < 740  # in the first screen, without scrolling
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # and not cut off sideways
    links = urgent.find_elements("css selector", "a")
    assert links[0].get_attribute("href") == "tel:988"
    assert "Call or text 988" in links[0].text
    assert "tel:911" in [link.get_attribute("href") for link in links]
    heading = browser.find_element("css selector", "main h1")
    assert heading.rect["y"] > box["y"] + box["height"] - 1  # the results come after it


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_nothing_serious_on_about_and_urgent_answers(browser, width):
    browser.set_script_timeout(60)
    browser.set_window_size(width, 900)
    report = {}
    for name, path in AXE_PAGES.items():
        open_page(browser, path)
        report[name] = [v for v in run_axe(browser) if v["impact"] in ("serious", "critical")]
    assert report == {name: [] for name in AXE_PAGES}


@pytest.fixture()
def no_script_browser(live_server, tmp_path):
    """Chromium with JavaScript turned off, at a phone's width."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--blink-settings=scriptEnabled=false")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(360, 740)
    driver.implicitly_wait(0)
    driver.base = live_server
    yield driver
    driver.quit()


def test_without_javascript_a_family_searches_reads_urgent_help_and_the_about_page(
    no_script_browser,
):
    driver = no_script_browser
    open_page(driver, "/")
    assert not driver.find_elements("id", "live-announcer")  # site.js did not run
    driver.find_element("id", "near").send_keys("15213")
    driver.find_element("id", "q").send_keys("my daughter is suicidal")
    form = driver.find_element("id", "near").find_element("xpath", "./ancestor::form")
    click_and_wait(driver, form.find_element("css selector", "button[type=submit]"))
    assert _main_blocks(driver)[0]["id"] == "urgent"
    urgent = driver.find_element("id", "urgent")
    assert urgent.find_element("css selector", "a").get_attribute("href") == "tel:988"
    text = driver.find_element("tag name", "main").text
    assert "For children, from your words" in text  # "my daughter": a child's search
    assert "2011" in text and "reconstruction" in text  # the honest line
    about = driver.find_element("link text", "About this data")
    click_and_wait(driver, about)
    assert driver.find_element("tag name", "h1").text == "About this data"
    assert "2011" in driver.find_element("tag name", "main").text
