"""The dashboard serves a page that a real browser (Debian Chromium) renders."""

from __future__ import annotations

from pathlib import Path

from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path


def test_dashboard_renders_in_chromium(tmp_path: Path) -> None:
    env = {"REHAB_HOME": str(tmp_path)}
    with StreamlitServer(env=env) as server, launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.url)
        page.get_by_text("Rehab tracker").first.wait_for(timeout=30_000)
        page.screenshot(path=str(screenshot_path("smoke-home")))
        assert "Traceback" not in page.content()
