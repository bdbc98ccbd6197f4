"""The therapist's pages of issue 13 in Chromium on a laptop screen (1440 x 900): the patient
list's alerts, progress with one trend and outcome measures, a session of 8 sets that stays
one short page, the prescription editor, adding a patient with a one-time code, and the
patient's first sign-in with it. Screenshots go to artifacts/clinical-*.png."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rehab.core.results import HoldResult, Side
from rehab.store import (
    PASSWORD_RULE,
    Database,
    ExercisePlan,
    SessionRecorder,
    assign_questionnaire,
    end_program,
    queries,
    record_outcome,
    set_time_zone,
)
from rehab.store.testing import Clinic, full_url, make_rep, password_of
from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path
from tests.clinical_seed import SKIPPED, item_of, live_session, new_program, now_utc
from tests.test_dashboard_browser import choose, open_page, sign_in, wait_idle
from tests.test_outcomes import LEFS

pytest_plugins = ["rehab.store.pytest_plugin"]

LAPTOP = {"width": 1440, "height": 900}
DAY = dt.timedelta(days=1)
EIGHT_SETS_MAX_PX = 2200  # issue 13: 6,500 px before


def _eight_set_session(db: Database, clinic: Clinic, at: dt.datetime) -> int:
    pid, who = clinic.patients[0], clinic.pat_users[0]
    knee = item_of(db, who, pid, "knee_extension")
    sit = item_of(db, who, pid, "wall_sit")
    with SessionRecorder.start(db, who, pid, clock=lambda: at) as rec:
        for n in range(6):
            rec.begin_set("knee_extension", Side.LEFT, knee)
            for i in range(1, 11):
                rec.record_rep(make_rep(i, rom_deg=70.0 + n + i % 3))
            rec.end_set()
        for n in range(2):
            rec.begin_set("wall_sit", Side.BOTH, sit)
            rec.record_hold(
                HoldResult("wall_sit", Side.BOTH, 0.0, 20000.0, 18.0 + n, 95.0, True, 0.9)
            )
            rec.end_set()
        return rec.session_id  # no check-in asked: the latest recorded pain stays 7


def seed_clinic(db: Database) -> tuple[Clinic, int]:
    clinic = Clinic(db)
    with db.transaction() as tx:
        set_time_zone(tx, clinic.admin, "Europe/Madrid")
    now = now_utc()
    pid, who = clinic.patients[0], clinic.pat_users[0]
    for days, rom in ((13, 80.0), (11, 80.0), (9, 81.0), (6, 66.0), (4, 65.0)):
        live_session(db, who, pid, now - days * DAY, [rom, rom + 2], check_in=(3, 4, 5))
    live_session(db, who, pid, now - 3 * DAY, [64.0], check_in=(5, 7, 6))
    live_session(db, who, pid, now - 2 * DAY, [66.0], check_in=SKIPPED)
    eight = _eight_set_session(db, clinic, now - DAY)
    p1 = clinic.patients[1]
    with db.transaction() as tx:  # the new program replaces the clinic's, as the editor does
        old = queries.patient_detail(tx, clinic.ther_a, p1).programs[0]
        end_program(tx, clinic.ther_a, old.prescription_id, now.date() - 16 * DAY)
    plans = [
        ExercisePlan("mini_squat", sets=3, reps=10, target_rom_deg=40.0, rom_limit_deg=45.0),
        ExercisePlan("knee_extension", sets=3, reps=10, target_rom_deg=60.0, side=Side.LEFT,
                     reps_step=2, reps_up_to=16, rom_step_deg=5.0, rom_up_to_deg=80.0),
    ]  # fmt: skip
    new_program(db, clinic.ther_a, p1, plans, now.date() - 15 * DAY, title="Knee, weeks 1-6")
    with db.transaction() as tx:
        aid = assign_questionnaire(tx, clinic.ther_a, pid, LEFS, 14, now.date() - 42 * DAY)
        for weeks, answer in ((6, 1), (4, 2), (2, 2), (0, 3)):
            answers = {i.id: answer for i in LEFS.items}
            answers["running_uneven"] = answer - 1 if answer else 0
            record_outcome(tx, who, pid, LEFS, answers, assignment_id=aid,
                           completed_at=now - weeks * 7 * DAY)  # fmt: skip
    return clinic, eight


@pytest.fixture
def clinic_server(db: Database) -> Iterator[tuple[Clinic, int, StreamlitServer]]:
    clinic, eight = seed_clinic(db)
    with StreamlitServer(env={"REHAB_DATABASE_URL": full_url(db)}) as server:
        yield clinic, eight, server


def shoot(page: Any, name: str, full_page: bool = True) -> None:
    """What the laptop shows first (`-screen`) and, for a person to read it all, the whole
    page (the viewport made as tall as the content: Streamlit scrolls an inner box)."""
    assert "Traceback" not in page.content(), name
    page.screenshot(path=str(screenshot_path(f"clinical-{name}-screen")))
    if full_page:
        page.set_viewport_size({"width": LAPTOP["width"], "height": content_height(page) + 200})
        time.sleep(0.5)
        page.screenshot(path=str(screenshot_path(f"clinical-{name}")))
        page.set_viewport_size(LAPTOP)


def content_height(page: Any) -> int:
    """The page's content height in CSS pixels (Streamlit scrolls an inner container)."""
    return int(
        page.evaluate(
            "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
        )
    )


def test_the_therapist_day_on_a_laptop(clinic_server: tuple[Clinic, int, StreamlitServer]) -> None:
    _clinic, _eight, server = clinic_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=LAPTOP)
        sign_in(page, server.url, "ther_a", password_of("ther_a"))
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
        wait_idle(page)
        shoot(page, "patients")
        cells = " ".join(page.locator("[data-testid^='glide-cell']").all_text_contents())
        assert "CRITICAL: pain 7/10" in cells  # the latest RECORDED pain, not the skipped

        choose(page, "Open a patient", "Patient 0")
        page.get_by_role("button", name="Open progress").click()
        wait_idle(page)
        page.locator(".js-plotly-plot").nth(4).wait_for(timeout=60_000)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert re.search(r"ROM down \d+% in a week", body)  # the alert and the headline
        assert "Seated knee extension (left): ROM down" in body
        assert "Lower Extremity Functional Scale" in body
        shoot(page, "progress")

        open_page(page, "Session detail")
        page.get_by_role("heading", name="Summary").wait_for(timeout=30_000)
        wait_idle(page)
        height = content_height(page)
        screenshot_path("clinical-session-detail-height").with_suffix(".txt").write_text(
            f"{height}\n"
        )
        shoot(page, "session-detail")
        assert height < EIGHT_SETS_MAX_PX, height
        page.locator("[data-testid='stExpander'] summary").first.click()
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        wait_idle(page)
        shoot(page, "session-detail-set-open")

        open_page(page, "Prescriptions")
        choose(page, "Patient", "Patient 1")
        wait_idle(page)
        page.get_by_text(
            re.compile(r"\+2 reps a week, up to 16 reps; \d+ this week")
        ).first.wait_for(timeout=30_000)
        shoot(page, "prescriptions")


def test_a_new_patient_signs_in_with_the_code_from_their_therapist(
    clinic_server: tuple[Clinic, int, StreamlitServer],
) -> None:
    _clinic, _eight, server = clinic_server
    with launch_chromium() as browser:
        page = browser.new_page(viewport=LAPTOP)
        sign_in(page, server.url, "ther_a", password_of("ther_a"))
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
        page.get_by_text("Add a patient").click()
        page.get_by_label("Full name").first.fill("Rosa Díaz")
        page.get_by_label("Condition").first.fill("left shoulder, rotator cuff repair")
        page.get_by_label("Username").first.fill("rosa")
        page.get_by_role("button", name="Add patient").click()
        wait_idle(page)
        code_box = page.locator("[data-testid='stCode']").first
        code_box.wait_for(timeout=30_000)
        code_box.scroll_into_view_if_needed()
        code = code_box.inner_text().strip()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code), code
        shoot(page, "patient-added-code", full_page=False)

        visitor = browser.new_page(viewport=LAPTOP)
        visitor.goto(server.url)
        visitor.get_by_text("First time? Use your sign-in code").click()
        visitor.get_by_label("Your user name").fill("rosa")
        visitor.get_by_label("Sign-in code").fill(code)
        visitor.get_by_label(f"Choose a password ({PASSWORD_RULE})").fill("rosa-own-pass-1")
        shoot(visitor, "sign-in-with-code", full_page=False)
        visitor.get_by_role("button", name="Sign in").nth(1).click()
        wait_idle(visitor)
        visitor.get_by_role("heading", name="Hello, Rosa").wait_for(timeout=30_000)
