"""Text people typed (notes, names, titles, comments), shown as typed.

Streamlit renders most strings as Markdown: a note holding `![x](https://host/pixel.png)`
would make every browser that shows it fetch that address, and `[link](...)` would show a
link the clinic never wrote. `plain()` escapes the text so Markdown shows it literally;
use it for every string that comes from a person (or the database) in `st.markdown`,
`st.caption`, `st.info`/`warning`/`error`/`success`, `st.title`/`header`/`subheader`, and
widget or expander labels. Text for a `<script>` goes through `js_literal()` (as
`rehab.dashboard.speech.speech_script` does).
"""

from __future__ import annotations

import json
import re
import string

# CommonMark lets any ASCII punctuation be escaped with a backslash; escaping them all keeps
# every construct (links, images, emphasis, HTML, autolinks, Streamlit's $math$) inert.
_PUNCTUATION = frozenset(string.punctuation)
# GFM turns bare `http://…`, `www.…` and `name@host` into links after escapes are read, so
# an invisible WORD JOINER goes where those patterns start (`:⁠//`, `www⁠.`, `⁠@`).
WORD_JOINER = "\u2060"
_AUTOLINK_START = re.compile(r"(:(?=//)|(?i:www)(?=\.)|(?<=[\w.+-])(?=@))")
# Characters that end a <script> element or a JavaScript line, written as \u escapes.
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def plain(text: object) -> str:
    """`text` (any value, via str) escaped for Streamlit Markdown, its line breaks kept."""
    lines = str(text).splitlines() or [""]
    return "  \n".join(_escape_line(line) for line in lines)


def _escape_line(line: str) -> str:
    # Leading blanks would make an indented code block: keep them visible but inert.
    body = line.lstrip(" ")
    indent = "&nbsp;" * (len(line) - len(body))
    body = _AUTOLINK_START.sub("\\1" + WORD_JOINER, body)
    escaped = "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in body)
    return indent + escaped


def js_literal(value: object) -> str:
    """`value` as a JavaScript literal that is safe inside an HTML <script> element.

    json.dumps alone leaves `</script>` as is, which ends the element early and lets the
    rest run as HTML; the \\u escapes here read back as the same characters."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(_SCRIPT_UNSAFE.get(ch, ch) for ch in text)
