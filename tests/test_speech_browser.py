"""Spoken cues in the patient's language, in a real Chromium."""

from __future__ import annotations

from rehab.dashboard.speech import speech_script
from tests.browser_support import launch_chromium

CAPTURE = """() => {
  window.__spoken = [];
  window.speechSynthesis.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
}"""


def _say(words: list[str], language: str) -> list[dict[str, str]]:
    with launch_chromium() as browser:
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.evaluate(CAPTURE)
        page.add_script_tag(content=speech_script(words, language)[8:-9])  # the script's body
        page.wait_for_function("window.__spoken.length > 0")
        spoken: list[dict[str, str]] = page.evaluate("window.__spoken")
        return spoken


def test_cues_are_spoken_in_spanish_with_a_spanish_tag() -> None:
    assert _say(["3", "Mantén el pecho arriba"], "es") == [
        {"text": "3. Mantén el pecho arriba", "lang": "es-ES"}
    ]


def test_english_stays_english() -> None:
    assert _say(["Set done"], "en") == [{"text": "Set done", "lang": "en-GB"}]
