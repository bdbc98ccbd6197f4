"""User text is shown as typed, never as Markdown; a cue cannot break out of its <script>.

The real check is in Chromium: hostile notes rendered through `plain()` fetch nothing from
outside (a counting HTTP server stands for the outside world), show no link, no image and
no formatting, and read back verbatim; a cue holding `</script>` is said verbatim and runs
nothing else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from rehab.dashboard.safe_text import WORD_JOINER, js_literal, plain
from rehab.dashboard.speech import speech_script
from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path

APP = Path(__file__).resolve().parent / "apps" / "untrusted_text_app.py"


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def outside() -> Iterator[str]:
    """An HTTP server that records every request made to it."""
    _Counter.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def hostile_texts(outside: str) -> list[str]:
    return [
        f"![tracker]({outside}/markdown-image.png) Knee note",
        f'<img src="{outside}/html-image.png"> and <b>bold</b>',
        f"[Click here]({outside}/link) or <{outside}/autolink> or {outside}/bare",
        "**not bold** _not italic_ `not code` ~~not struck~~ $x^2$ :red[not red]",
        "# not a heading",
        "- not a list\n2. not numbered\n> not a quote",
        "First line\nSecond line\n    indented line",
        'Tom & Jerry\'s <"quotes"> 50% \\ back\\slash',
    ]


def test_plain_escapes_every_markdown_construct() -> None:
    assert plain("![x](h/p.png)") == r"\!\[x\]\(h\/p\.png\)"
    assert plain("http://h") == "http\\:" + WORD_JOINER + "\\/\\/h"  # no bare autolink
    assert plain("a\nb") == "a  \nb"
    assert plain(42) == "42"
    assert plain("") == ""


def test_js_literal_cannot_end_a_script() -> None:
    cue = "</script><script>alert(1)</script>\u2028 & <!--"
    literal = js_literal(cue)
    assert "<" not in literal and ">" not in literal and "\u2028" not in literal
    assert json.loads(literal) == cue
    assert speech_script([cue], "es").count("</script>") == 1


def test_hostile_text_in_a_real_browser(outside: str) -> None:
    texts = hostile_texts(outside)
    cue = "Keep your back straight</script><script>window.__pwned=1</script><b>"
    env = {
        "REHAB_TEST_OUTSIDE": outside,
        "REHAB_TEST_TEXTS": json.dumps(texts),
        "REHAB_TEST_CUE": cue,
    }
    with StreamlitServer(app=APP, env=env) as server, launch_chromium() as browser:
        page = browser.new_page()
        page.goto(server.url)
        page.get_by_text("END-OF-PAGE").wait_for(timeout=60_000)
        page.wait_for_function("() => (window.__rehabSaid || []).length > 0", timeout=30_000)
        page.screenshot(path=screenshot_path("safe-text"), full_page=True)
        body = page.inner_text("body").replace("\xa0", " ").replace(WORD_JOINER, "")
        said = page.evaluate("() => window.__rehabSaid")
        pwned = page.evaluate("() => window.__pwned")
        links = page.eval_on_selector_all(
            f'a[href^="{outside}"], img[src^="{outside}"]', "els => els.map(e => e.outerHTML)"
        )
        formatted = page.eval_on_selector_all(
            "[data-testid=stMarkdownContainer] :is(strong, em, code, del, h1, ul, ol, "
            "blockquote, img, .katex)",
            "els => els.filter(e => !e.closest('[data-testid=stHeading]')).map(e => e.outerHTML)",
        )
    assert _Counter.hits == [], f"fetched from outside: {_Counter.hits}"
    assert links == [], links
    assert pwned is None
    assert said == [cue]
    for text in texts:
        for line in text.splitlines():
            assert line.strip() in body, f"{line!r} not shown as typed"
    assert formatted == [], "user text turned into formatting"
