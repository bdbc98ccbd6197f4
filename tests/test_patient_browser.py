"""The patient's pages in a real browser (Debian Chromium) at phone, tablet and laptop sizes.

At 390 x 844 (phone), 768 x 1024 (tablet) and 1366 x 768 (laptop): no sideways scrolling,
the first exercise's Start button in the first screen, and on the camera page the count and
the Finish / End buttons visible without scrolling (Chromium's own fake camera: nobody in
the picture, so the set-up check holds). The print and calendar downloads are real files.
Screenshots land in artifacts/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from icalendar import Calendar

from rehab.questionnaires import load_questionnaires
from rehab.store import (
    assign_questionnaire,
    connect,
    set_patient_language,
    upgrade_database,
)
from rehab.store.testing import password_of
from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path
from tests.dashboard_seed import Seeded
from tests.patient_seed import DEMO_CACHE, seed_patient_side

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1366, 768)}
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """One app for the module on a seeded SQLite file (layout does not depend on the engine)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('patient-browser') / 'rehab.db'}"
    upgrade_database(url)
    db = connect(url)
    seeded = seed_patient_side(db)
    _spanish_patient_with_questionnaires(seeded)
    db.dispose()
    DEMO_CACHE.mkdir(parents=True, exist_ok=True)
    env = {"REHAB_DATABASE_URL": url, "REHAB_DEMO_CACHE": str(DEMO_CACHE)}
    with StreamlitServer(env=env) as running:
        yield running


def _spanish_patient_with_questionnaires(seeded: Seeded) -> None:
    """Patient 1 (no session yet) reads Spanish and has two questionnaires due."""
    library = load_questionnaires()
    pid, therapist = seeded.clinic.patients[1], seeded.clinic.ther_a
    since = dt.date.today() - dt.timedelta(days=1)
    with seeded.db.transaction() as tx:
        set_patient_language(tx, therapist, pid, "es")
        for name in ("nprs", "psfs"):
            questionnaire = library.get(name)
            labels = ["Subir escaleras"] if questionnaire.patient_specific else []
            assign_questionnaire(tx, therapist, pid, questionnaire, 7, since, labels)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium(FAKE_CAMERA) as chromium:
        yield chromium


def idle(page: Any, settle_s: float = 1.0) -> None:
    """Until Streamlit has finished running the script."""
    time.sleep(settle_s)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=120_000)


def sign_in(page: Any, url: str, user: str = "pat0", hello: str = "Hello, Patient 0") -> None:
    page.goto(url)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(password_of(user))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(hello).wait_for(timeout=120_000)
    idle(page)


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate(
        """() => { const main = document.querySelector('[data-testid=stMain]');
        return {doc: document.documentElement.scrollWidth, view: window.innerWidth,
                main: main.scrollWidth, mainView: main.clientWidth}; }"""
    )
    assert widths["doc"] <= widths["view"] and widths["main"] <= widths["mainView"], widths


def in_first_screen(page: Any, locator: Any) -> None:
    """Visible without scrolling: inside the viewport, top to bottom.

    A live page reruns while the camera starts, so the element may be drawn a moment after
    the text the test waited for, or be replaced between two looks: wait until it is shown,
    then measure the one on screen (a detached element has no box; look again).
    """
    box = None
    for _ in range(20):
        locator.first.wait_for(state="visible", timeout=60_000)
        box = locator.first.bounding_box()
        if box is not None:
            break
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box


def shoot(page: Any, name: str) -> Path:
    path = screenshot_path(f"patient-{name}")
    page.screenshot(path=str(path))
    assert "Traceback" not in page.content(), name
    return path


@pytest.mark.parametrize("size", list(SIZES))
def test_today_fits_the_screen_with_start_in_view(
    server: StreamlitServer, browser: Any, size: str
) -> None:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    sign_in(page, server.url)
    start = page.get_by_role("button", name="Start: Seated knee extension")
    in_first_screen(page, start)
    no_sideways_scroll(page)
    shoot(page, f"today-{size}")
    page.get_by_text("See how to do it").first.click()
    demo = page.locator("[data-testid='stImage'] img").first
    demo.wait_for(timeout=60_000)
    assert demo.evaluate("e => e.naturalWidth") > 200  # the animation was served and drawn
    no_sideways_scroll(page)
    page.close()


@pytest.mark.parametrize("size", ["laptop", "phone", "tablet"])
def test_the_count_and_the_buttons_stay_in_view_on_the_camera_page(
    server: StreamlitServer, browser: Any, size: str
) -> None:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    sign_in(page, server.url)
    page.get_by_role("button", name="Start: Seated knee extension").click()
    page.get_by_role("button", name="Start the camera").click(timeout=60_000)
    camera = page.frame_locator("iframe[title*='webrtc']")
    camera.get_by_role("button", name="Start camera").click(timeout=60_000)
    page.get_by_text("Getting ready").first.wait_for(timeout=120_000)
    count = page.locator("[data-testid='stMetric']").filter(has_text="Repetitions")
    for control in (
        count,
        page.get_by_role("button", name="Finish this set"),
        page.get_by_role("button", name="End session"),
    ):
        in_first_screen(page, control)
    no_sideways_scroll(page)
    shoot(page, f"camera-{size}")
    page.get_by_role("button", name="End session").click()
    page.get_by_text("No set was counted this time.").wait_for(timeout=60_000)
    page.close()


def test_the_log_page_fits_a_phone(server: StreamlitServer, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, server.url)
    page.get_by_role("link", name="No camera today? Log what you did by hand.").click()
    page.get_by_text("Log a day without the camera").first.wait_for(timeout=60_000)
    idle(page)
    no_sideways_scroll(page)
    shoot(page, "log-phone")
    page.close()


def test_the_printed_program_and_the_calendar_file_download(
    server: StreamlitServer, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True)
    sign_in(page, server.url)
    with page.expect_download(timeout=120_000) as pdf:
        page.get_by_role("button", name="Print my exercises (PDF)").click()
    pdf_path = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(pdf_path)
    assert pdf_path.suffix == ".pdf" and pdf_path.read_bytes().startswith(b"%PDF")
    with page.expect_download(timeout=120_000) as ics:
        page.get_by_role("button", name="Add reminders to my calendar").click()
    ics_path = tmp_path / ics.value.suggested_filename
    ics.value.save_as(ics_path)
    calendar = Calendar.from_ical(ics_path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Exercises: Knee program"
    assert event["dtstart"].dt.hour == 18  # the time on the page, in the browser's time zone
    # the calendar's (and the QR code's) link opens the patient's Today page
    page.goto(server.url + urlparse(str(event["url"])).path)
    page.get_by_text("Hello, Patient 0").wait_for(timeout=120_000)
    idle(page)
    assert page.get_by_text("Page not found").count() == 0
    page.close()


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_a_new_spanish_patient_is_encouraged_and_fills_in_questionnaires_in_spanish(
    server: StreamlitServer, browser: Any, size: str
) -> None:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    sign_in(page, server.url, "pat1", "Hola, Patient 1")
    page.get_by_text("Tu primera semana: cada sesión cuenta. ¡Tú puedes!").wait_for()
    assert page.get_by_text("0 semanas").count() == 0
    link = page.get_by_role("link", name="Tu fisioterapeuta te pide que rellenes 2 cuestionarios")
    words = link.locator("p").first
    assert words.evaluate("e => e.scrollWidth <= e.clientWidth"), "the link's words are cut off"
    no_sideways_scroll(page)
    link.scroll_into_view_if_needed()
    shoot(page, f"today-new-es-{size}")
    link.click()
    page.get_by_role("heading", name="Cuestionarios").wait_for(timeout=60_000)
    idle(page)
    notice = page.get_by_text("Este cuestionario solo está disponible en inglés.")
    assert notice.count() == 2  # the bundled instruments have no licensed Spanish
    assert page.get_by_text("How much pain do you feel right now?").count() == 1  # the original
    assert page.get_by_role("button", name="Guardar mis respuestas").count() == 2
    in_first_screen(page, notice.first)
    no_sideways_scroll(page)
    rows = page.get_by_role("radiogroup").evaluate_all(
        """groups => groups.map(g => new Set([...g.querySelectorAll('label')]
            .map(l => Math.round(l.getBoundingClientRect().top))).size)"""
    )
    assert rows and max(rows) <= 3, rows  # a 0-10 scale: no answer + the numbers, compact
    shoot(page, f"questionnaires-es-{size}")
    page.close()
