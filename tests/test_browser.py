"""Real journeys in Debian's headless Chromium, with axe-core accessibility checks.

Skipped locally without chromium, chromedriver, selenium or axe-core (./test.sh installs
them); with CI=true a missing piece fails instead of skipping. Screenshots, the axe report
and the referral list's PDF go to tests/output/.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
AXE = HERE / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
RESULTS = "/?near=15213&age=child&need=mental-health"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromedriver"), (AXE, "axe-core")):
        if not Path(path).exists():
            return f"{what} not found at {path}"
    return None


@pytest.fixture(scope="module")
def live_server():
    """The real app on a free 127.0.0.1 port, served from a thread."""
    problem = _missing()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need it in CI: {problem}")
        pytest.skip(problem)
    from werkzeug.serving import make_server

    from directory import create_app

    app = create_app({"TESTING": True, "RELOAD_SECONDS": 0})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture()
def browser(live_server, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")  # fresh: no old cookies
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 900)
    driver.implicitly_wait(0)
    driver.base = live_server
    OUTPUT.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def open_page(driver, path: str) -> None:
    driver.get(driver.base + path)


def screenshot(driver, name: str) -> None:
    """The whole page at the current width."""
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 120, 8000))
    driver.save_screenshot(str(OUTPUT / f"{name}-{width}.png"))
    driver.set_window_size(width, 900)


def click_and_wait(driver, element) -> None:
    """Click something that loads a new page, and wait (on a condition, not a timer) for it.

    The old document is marked with a script variable; the wait ends when a document without
    the mark has finished loading. (Waiting for the old element to go stale raced with
    Chromium's own bookkeeping mid-navigation and failed now and then.)
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__oldPage = true;")
    element.click()

    def new_page_loaded(d) -> bool:
        return bool(
            d.execute_script(
                "return window.__oldPage !== true && document.readyState === 'complete';"
            )
        )

    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(new_page_loaded)


def active(driver):
    return driver.switch_to.active_element


def tab_until(driver, found, limit: int = 120, backwards: bool = False):
    """Press Tab until `found(active element)` is true; fail after `limit` presses."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        chain = ActionChains(driver)
        if backwards:
            chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            chain.send_keys(Keys.TAB)
        chain.perform()
        element = active(driver)
        if found(element):
            return element
    pytest.fail(f"keyboard focus never reached the element after {limit} Tab presses")


def test_keyboard_only_search_from_home_to_a_results_phone(browser):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, "/")
    skip = tab_until(browser, lambda e: True, limit=1)
    assert skip.text == "Skip to main content"
    near = tab_until(browser, lambda e: e.get_attribute("id") == "near")
    near.send_keys("15213")
    tab_until(browser, lambda e: e.get_attribute("name") == "age")  # the checked radio
    active(browser).send_keys(Keys.ARROW_UP)  # "Show both" -> "A child or young person"
    assert active(browser).get_attribute("value") == "child"
    box = tab_until(browser, lambda e: e.get_attribute("id") == "need-mental-health")
    box.send_keys(Keys.SPACE)
    assert box.is_selected()
    button = tab_until(browser, lambda e: e.tag_name == "button" and e.text == "Find help")
    old_page = browser.find_element("tag name", "html")
    button.send_keys(Keys.ENTER)
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(old_page))
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )

    assert "/?near=15213" in browser.current_url and "need=mental-health" in browser.current_url
    assert browser.find_element("css selector", "h1").text == "Help near 15213 (Pittsburgh)"
    phone = tab_until(browser, lambda e: (e.get_attribute("href") or "").startswith("tel:+1"))
    card = phone.find_element("xpath", "ancestor::article")
    assert card.get_attribute("class").startswith("agency-card")
    assert phone.text.replace("-", "").isdigit()
    # Focus is visible: the focused phone link draws an outline.
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", phone)
    assert outline == "solid"
    screenshot(browser, "results-keyboard")


def press_and_wait(driver, element, key) -> None:
    """Press a key on an element that loads a new page, and wait for it (as click_and_wait)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__oldPage = true;")
    element.send_keys(key)
    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.__oldPage !== true && document.readyState === 'complete';"
        )
    )


def focus_settles_on(driver, wanted):
    """The focused element once the page's script has placed focus (a condition, not a timer);
    fails naming what has focus instead."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, 10).until(lambda d: wanted(active(d)) and active(d))
    except TimeoutException:
        pytest.fail(f"focus is on {active(driver).get_attribute('outerHTML')[:160]}")


def add_in_place(driver, card) -> None:
    """Press a card's "Add to referral list" and wait until the card says it is on the list."""
    from selenium.webdriver.support.ui import WebDriverWait

    card.find_element("css selector", ".add-form button").click()
    WebDriverWait(driver, 20).until(lambda d: card.find_elements("css selector", ".on-list"))


def test_build_a_referral_list_of_three_and_open_its_print_view(browser):
    open_page(browser, RESULTS)
    for position in range(2):  # two agencies from the results, added in place
        cards = browser.find_elements("css selector", "article.agency-card")
        add_in_place(browser, cards[position])
        open_page(browser, RESULTS)
    assert len(browser.find_elements("css selector", ".on-list")) == 2  # remembered by the cookie
    open_page(browser, "/list")
    browser.find_element("id", "who-new").send_keys("Aunt Rosa")
    browser.find_element("id", "rel-new").send_keys("aunt")
    browser.find_element("id", "phone-new").send_keys("412-555-0100")
    browser.find_element("id", "note-0").send_keys("Ask for the child referral form")
    click_and_wait(browser, browser.find_element("css selector", "fieldset.own-support button"))
    items = browser.find_elements("css selector", "li.referral-item")
    assert len(items) == 3
    assert "Aunt Rosa" in items[2].text
    assert (
        browser.find_element("id", "note-0").get_attribute("value")
        == "Ask for the child referral form"
    )
    # Move the person's own support to the top.
    click_and_wait(browser, browser.find_element("css selector", 'button[value="up.2"]'))
    click_and_wait(browser, browser.find_element("css selector", 'button[value="up.1"]'))
    assert "Aunt Rosa" in browser.find_elements("css selector", "li.referral-item")[0].text
    share = browser.find_element("id", "share-link").get_attribute("value")
    assert share.startswith(browser.base + "/list?who.0=Aunt+Rosa")
    screenshot(browser, "referral-list")

    click_and_wait(browser, browser.find_element("link text", "Print view"))
    assert "/list/print?" in browser.current_url
    printed = browser.find_elements("css selector", "li.print-item")
    assert [item.find_element("css selector", "h2").text for item in printed][
        0
    ] == "Aunt Rosa (aunt)"
    assert len(printed) == 3
    text = browser.find_element("tag name", "main").text
    assert (
        "Ask for the child referral form" in text and "How to refer" in text and "Prepared" in text
    )
    screenshot(browser, "referral-print")
    pdf = browser.execute_cdp_cmd(
        "Page.printToPDF", {"printBackground": False, "paperWidth": 8.27, "paperHeight": 11.69}
    )
    (OUTPUT / "referral-list-a4.pdf").write_bytes(base64.b64decode(pdf["data"]))
    letter = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.5, "paperHeight": 11})
    (OUTPUT / "referral-list-letter.pdf").write_bytes(base64.b64decode(letter["data"]))


def test_add_three_without_leaving_the_results_then_reorder_by_keyboard_keeping_focus(browser):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, RESULTS)
    start = browser.current_url
    cards = browser.find_elements("css selector", "article.agency-card")[:3]
    names = [card.find_element("css selector", ".agency-name").text for card in cards]
    assert len(set(names)) == 3
    for count, card in enumerate(cards, 1):
        add_in_place(browser, card)
        assert browser.current_url == start  # still on the same results
        assert active(browser).text == "On your referral list"  # focus kept in the card
        nav = browser.find_element("css selector", '.site-header a[href="/list"]')
        assert f"({count}" in nav.text
    announced = browser.find_element("id", "live-announcer").get_attribute("textContent")
    assert "added to your referral list" in announced or announced == ""  # polite, async

    open_page(browser, "/list")
    shown = [h.text for h in browser.find_elements("css selector", ".referral-item .item-name")]
    assert shown == names

    def label(element) -> str:
        return element.get_attribute("textContent")

    down = tab_until(browser, lambda e: e.get_attribute("value") == "down.0")
    press_and_wait(browser, down, Keys.ENTER)
    focused = focus_settles_on(browser, lambda e: e.get_attribute("value") == "down.1")
    assert names[0] in label(focused)
    shown = [h.text for h in browser.find_elements("css selector", ".referral-item .item-name")]
    assert shown == [names[1], names[0], names[2]]

    press_and_wait(browser, focused, Keys.ENTER)  # to the end: "Move down" is disabled there
    focused = focus_settles_on(browser, lambda e: e.get_attribute("value") == "up.2")
    assert names[0] in label(focused)

    remove = tab_until(browser, lambda e: e.get_attribute("value") == "remove.0", backwards=True)
    press_and_wait(browser, remove, Keys.ENTER)
    # The item now in the removed one's place.
    focused = focus_settles_on(browser, lambda e: e.get_attribute("id") == "item-0")
    assert names[2] in focused.text
    assert len(browser.find_elements("css selector", ".referral-item")) == 2
    screenshot(browser, "referral-list-reordered")


def test_a_shared_link_asks_and_open_as_new_keeps_both_lists_named(browser):
    open_page(browser, "/list?agency.0=family-links&note.0=mine")
    assert browser.find_element("id", "list-name").get_attribute("value") == "List 1"
    open_page(browser, "/list?agency.0=pa-211")
    assert "what should happen to yours?" in browser.find_element("tag name", "main").text
    screenshot(browser, "referral-shared")
    click_and_wait(browser, browser.find_element("css selector", 'button[value="new"]'))
    assert browser.current_url.endswith("/list?agency.0=pa-211")
    assert browser.find_element("id", "list-name").get_attribute("value") == "Shared list 1"
    other = browser.find_element("css selector", ".other-lists a")
    assert other.text == "Open List 1"
    click_and_wait(browser, other)
    assert browser.current_url.endswith("/list?agency.0=family-links&note.0=mine")
    assert browser.find_element("id", "list-name").get_attribute("value") == "List 1"


def test_coordinator_name_and_phone_print_and_stay_in_this_browser(browser):
    open_page(browser, "/list/print?agency.0=family-links")
    browser.find_element("id", "coordinator-name").send_keys("Sam Rivera")
    browser.find_element("id", "coordinator-phone").send_keys("412-555-0199")
    open_page(browser, "/list/print?agency.0=pa-211")
    assert browser.find_element("id", "coordinator-name").get_attribute("value") == "Sam Rivera"
    line = browser.find_element("css selector", ".coordinator-line").text
    assert "Sam Rivera" in line and "412-555-0199" in line
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.5, "paperHeight": 11})
    (OUTPUT / "referral-print-coordinator.pdf").write_bytes(base64.b64decode(pdf["data"]))


def test_results_print_four_agencies_on_the_first_page(browser):
    # A4 with print.css's margins: 182 mm x 267 mm of content, in CSS pixels (96 per inch).
    width, height = round(182 / 25.4 * 96), round(267 / 25.4 * 96)
    browser.set_window_size(width, 900)
    open_page(browser, RESULTS)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        bottoms = browser.execute_script(
            "return [...document.querySelectorAll('article.agency-card')]"
            ".map(e => e.getBoundingClientRect().bottom + window.scrollY);"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert len(bottoms) >= 4
    assert bottoms[3] <= height  # the fourth card ends on the first page
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
    (OUTPUT / "results-a4.pdf").write_bytes(base64.b64decode(pdf["data"]))


def test_open_coverage_and_read_an_areas_numbers(browser):
    import urllib.request

    open_page(browser, "/coverage?level=blended&age=child")
    link = browser.find_element("css selector", 'a[href="#row-oakland"]')
    assert link.get_attribute("aria-label").startswith("Oakland: ")
    browser.execute_script("arguments[0].focus()", link)  # tab-reachable: an SVG link
    from selenium.webdriver.common.keys import Keys

    active(browser).send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#row-oakland")
    row = browser.find_element("id", "row-oakland")
    cells = [cell.text for cell in row.find_elements("css selector", "th, td")]
    assert cells[0] == "Oakland"
    with urllib.request.urlopen(
        browser.base + "/api/v1/coverage?level=blended&age=child"
    ) as answer:
        numbers = next(a for a in json.load(answer)["areas"] if a["id"] == "oakland")
    assert cells[1].split()[0] == str(numbers["count"])
    assert cells[2].split()[0] == str(numbers["by_combo"]["blended-adult"]["count"])
    assert cells[3].split()[0] == str(numbers["by_combo"]["blended-child"]["count"])
    highlighted = browser.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor", row
    )
    assert highlighted != "rgba(0, 0, 0, 0)"  # :target marks the row
    screenshot(browser, "coverage")


AXE_PAGES = {
    "find-help": "/",
    "results": RESULTS,
    "agency": "/agencies/turtle-creek-valley-mh-mr",
    "referral-list": "/list?agency.0=family-links&note.0=Call+Tuesday&who.1=Aunt+Rosa&rel.1=aunt",
    "referral-print": "/list/print?agency.0=family-links&who.1=Aunt+Rosa",
    "referral-shared": "/list?agency.0=pa-211&note.0=x",  # cross-site-like: asks first
    "coverage-places": "/coverage?by=place&scope=local&need=food",
    "coverage": "/coverage",
    "outside": "/?near=16066",
    "problem": "/?near=Sprngfield&need=housing",
}


def run_axe(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))), e => done([{id: 'axe-error',"
        " impact: 'critical', help: String(e), nodes: []}]));"
    )
    return result


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_serious_or_critical_violations(browser, width):
    browser.set_script_timeout(60)
    browser.set_window_size(width, 900)
    report = {}
    for name, path in AXE_PAGES.items():
        open_page(browser, path)
        violations = run_axe(browser)
        report[name] = violations
        screenshot(browser, name)
    (OUTPUT / f"axe-{width}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    serious = {
        name: [v for v in found if v["impact"] in ("serious", "critical")]
        for name, found in report.items()
    }
    assert serious == {name: [] for name in AXE_PAGES}


def test_pages_fit_a_320px_screen_without_sideways_scrolling(browser):
    browser.set_window_size(320, 800)
    for path in AXE_PAGES.values():
        open_page(browser, path)
        overflow = browser.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => !e.closest('.table-wrap') && !e.closest('svg *')"
            " && e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '.' + e.className);"
        )
        assert overflow == [], path
