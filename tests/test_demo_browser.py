"""The demo in a browser: `run.py demo` serves the page, Playwright drives Debian's Chromium.

The server is started as a teacher starts it (`python run.py demo`, on 127.0.0.1 and a free
port) and stopped with Ctrl-C (SIGINT). The page must load with no error in the browser's
console, Step must advance the round shown, the log must tell the round's events,
switching the veto off must rerun the batch and change the outcome distribution shown, and a
red line that leaves a party's own position outside it must show its error in the page. A
screenshot of the page is saved under pytest's tmp path.

These tests skip, saying why, only when Chromium (/usr/bin/chromium, Debian's package) or the
`playwright` package is missing; .ci/run installs both.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.app import events
from sim.app.controls import Settings, build
from sim.app.demo_model import DemoModel, batch

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason='no playwright (pip install -e ".[browser]")'
)
pytest.importorskip("solara", reason='no demo extra (pip install -e ".[demo]")')

STARTUP = 60
"""Seconds the server may take to say where it runs."""
WAIT = 20_000
"""Milliseconds the page may take to show something."""


@pytest.fixture(scope="module")
def demo_url():
    """The address of a demo server started by `run.py demo --port 0` (any free port)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "run.py", "demo", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, said = None, []
        deadline = time.monotonic() + STARTUP
        while url is None and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
            said.append(line)
            found = re.search(r"http://[^ ;]+/", line)
            url = found[0] if found else None
        assert url, f"the demo did not say where it runs: {''.join(said)}"
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a teacher stops it
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, demo_url):
    """A fresh page of the demo, loaded, with what its console said gathered in `problems`."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            request.url.startswith(("http", "ws"))
            and not request.url.startswith(demo_url)
            and not request.url.startswith(demo_url.replace("http", "ws"))
            and page.problems.append(f"a request away from the demo: {request.url}")
        ),
    )
    page.goto(demo_url)
    page.get_by_test_id("status").wait_for(timeout=WAIT)
    yield page
    context.close()


def test_the_server_listens_on_loopback_only(demo_url):
    assert demo_url.startswith("http://127.0.0.1:")


def test_the_page_loads_steps_and_tells_the_round(page, tmp_path):
    status = page.get_by_test_id("status")
    assert status.inner_text() == "kosovo_2007: week 0 of 52, not started"
    page.get_by_role("button", name="Step").click()
    page.get_by_text("kosovo_2007: week 1 of 52").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("kosovo_2007: week 2 of 52").wait_for(timeout=WAIT)
    # the log tells the rounds as the same model, stepped here, tells them
    same = DemoModel(Settings())
    same.step()
    first = events.event_log(same)[-1]
    log = page.get_by_test_id("log").inner_text()
    assert first.heading in log
    for line in first.lines:
        assert line.strip() in log
    path = tmp_path / "demo.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert page.problems == []


def test_switching_the_veto_off_reruns_the_batch(page):
    built = build(Settings())
    before = batch(Settings()).text()
    after = batch(Settings().with_value(built.control("veto"), False)).text()
    assert before != after
    outcomes = page.get_by_test_id("outcomes")
    assert outcomes.inner_text() == before
    page.locator("label", has_text=built.control("veto").label).click()  # the switch's label
    page.get_by_test_id("outcomes").get_by_text(after).wait_for(timeout=WAIT)
    assert page.get_by_text(f"Before the last change: {before}").is_visible()
    assert page.problems == []


def test_an_invalid_combination_shows_its_error_in_the_page(page):
    label = build(Settings()).control("red_line.kosovo.sovereignty").label
    high_end = page.get_by_text(label).locator("xpath=following::*[@role='slider'][2]")
    high_end.focus()
    page.keyboard.press("ArrowLeft")  # 1.0 -> 0.99: Kosovo, at 1.0, is outside its own line
    error = page.get_by_text("These settings cannot be run")
    error.wait_for(timeout=WAIT)
    assert "expected a position inside the party's red line [0.8, 0.99]" in error.inner_text()
    status = page.get_by_test_id("status")
    assert status.inner_text() == "kosovo_2007: week 0 of 52, not started"  # the last run kept
    assert page.problems == []
