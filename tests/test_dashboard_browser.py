"""The dashboard in a real browser (Debian Chromium via Playwright): sign in, open a patient's
progress, check the plotly charts are drawn (SVG paths), play an annotated video, and save a
screenshot of every main page in artifacts/ for a person to look at."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rehab.store import Database
from rehab.store.testing import full_url
from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path
from tests.conftest import require_clips
from tests.dashboard_seed import Seeded, seed
from tests.pose_helpers import astronaut_png
from tests.worker_support import RehabWorker

pytest_plugins = ["rehab.store.pytest_plugin"]

VIEWPORT = {"width": 1400, "height": 1700}


@pytest.fixture
def seeded_server(db: Database, tmp_path: Path) -> Iterator[tuple[Seeded, StreamlitServer]]:
    seeded = seed(db)
    env = {"REHAB_DATABASE_URL": full_url(db), "REHAB_HOME": str(tmp_path / "home")}
    with StreamlitServer(env=env) as server, RehabWorker(env):  # as `make run` does
        yield seeded, server


def wait_idle(page: Any, settle_s: float = 0.8) -> None:
    """Until Streamlit has finished running the script (its status widget is gone)."""
    time.sleep(settle_s)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=120_000)
    page.locator("[data-testid='stSkeleton']").first.wait_for(state="detached", timeout=30_000)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)


def open_page(page: Any, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    wait_idle(page)


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label`."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def shoot(page: Any, name: str) -> Path:
    path = screenshot_path(f"dashboard-{name}")
    page.screenshot(path=str(path))
    assert "Traceback" not in page.content(), name
    return path


def drawn_charts(page: Any) -> list[int]:
    """SVG paths (lines, bars, markers) inside each plotly chart on the page."""
    plots = page.locator(".js-plotly-plot")
    return [plots.nth(i).locator("svg path").count() for i in range(plots.count())]


def test_therapist_signs_in_and_sees_a_patients_progress_drawn(
    seeded_server: tuple[Seeded, StreamlitServer],
) -> None:
    _seeded, server = seeded_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, server.url, "ther_a", "pw-ther_a-1-long")
        page.get_by_role("heading", name="Patients").wait_for()
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
        wait_idle(page)
        shoot(page, "patients")

        grid = page.locator("[data-testid='stDataFrame']").bounding_box()
        page.mouse.click(grid["x"] + 16, grid["y"] + 35 + 17)  # the first row's check box
        wait_idle(page)
        page.get_by_role("heading", name="Patient 1").wait_for()  # the most urgent patient
        open_page(page, "Patients")
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
        wait_idle(page)

        choose(page, "Open a patient", "Patient 0")
        page.get_by_role("button", name="Open progress").click()
        wait_idle(page)
        page.get_by_role("heading", name="Patient 0").wait_for()
        page.locator(".js-plotly-plot").nth(4).wait_for(timeout=30_000)
        paths = drawn_charts(page)
        assert len(paths) >= 5 and all(n > 3 for n in paths), paths
        assert page.locator(".js-plotly-plot .scatterlayer .js-line").count() >= 2  # ROM lines
        assert page.locator(".js-plotly-plot .barlayer .point").count() >= 7  # reps per session
        shoot(page, "progress")

        page.get_by_role("tab", name="Wall sit").click()
        time.sleep(1)
        shoot(page, "progress-hold")

        pages = [("Session detail", "session-detail"), ("Prescriptions", "prescriptions")]
        for title, name in [*pages, ("Exercise library", "library")]:
            open_page(page, title)
            if name == "session-detail":  # its sets are collapsed: open the first
                page.locator("[data-testid='stExpander'] summary").first.click()
                wait_idle(page)
            if name != "prescriptions":
                page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
                assert all(n > 3 for n in drawn_charts(page)), name
            shoot(page, name)


def test_annotate_an_image_in_the_browser(
    seeded_server: tuple[Seeded, StreamlitServer], tmp_path: Path
) -> None:
    _seeded, server = seeded_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, server.url, "ther_a", "pw-ther_a-1-long")
        open_page(page, "Annotate an image")
        page.locator("input[type='file']").set_input_files(str(astronaut_png(tmp_path)))
        page.get_by_text("of 33 keypoints visible").wait_for(timeout=60_000)
        wait_idle(page)
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=stImage] img');"
            " return i && i.complete && i.naturalWidth === 512; }",
            timeout=30_000,
        )
        shoot(page, "annotate-image")


def test_admin_users_page(seeded_server: tuple[Seeded, StreamlitServer]) -> None:
    _seeded, server = seeded_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, server.url, "admin", "pw-admin-1-long")
        page.get_by_role("heading", name="Patients").wait_for()
        open_page(page, "Users")
        page.get_by_role("heading", name="Accounts (6)").wait_for()
        shoot(page, "users")


def test_analyse_a_real_clip_plays_the_annotated_video(
    seeded_server: tuple[Seeded, StreamlitServer],
) -> None:
    clip = require_clips() / "push_up__side.mp4"  # fails under REHAB_STRICT=1 when absent
    _seeded, server = seeded_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, server.url, "ther_a", "pw-ther_a-1-long")
        open_page(page, "Analyse a video")
        choose(page, "Exercise", "Push-up")
        wait_idle(page)
        page.locator("input[type='file']").set_input_files(str(clip))
        page.get_by_role("button", name="Analyse").click()
        page.locator("[data-testid='stProgress']").wait_for(timeout=60_000)  # the job, polled
        page.get_by_text("Finding the pose").wait_for(timeout=120_000)  # the worker's progress
        shoot(page, "analyse-video-progress")
        page.reload()  # the page finds its job again
        page.get_by_text("Last video: push_up__side.mp4").wait_for(timeout=60_000)
        page.get_by_text("Reps counted").wait_for(timeout=240_000)
        wait_idle(page)
        video = page.locator("video").first
        video.evaluate("v => v.play()")
        page.wait_for_function(
            "() => { const v = document.querySelector('video'); return v && v.currentTime > 0.5; }",
            timeout=30_000,
        )
        assert video.evaluate("v => v.videoWidth") == 1280  # H.264 decoded by Chromium
        shoot(page, "analyse-video")
