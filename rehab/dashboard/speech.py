"""Spoken counts and cues through the browser's own speech synthesis, in the patient's
language: the utterance carries the language tag (es-ES) and takes a voice for it when the
browser has one (else the browser picks by the tag)."""

from __future__ import annotations

from rehab.dashboard.safe_text import js_literal
from rehab.i18n import SPEECH_LANGUAGE

_SCRIPT = """<script>(function(){
const t=%(text)s, lang=%(lang)s, w=window.parent||window;
(w.__rehabSaid=w.__rehabSaid||[]).push(t);
const s=window.speechSynthesis||w.speechSynthesis;
const voices=s?s.getVoices():[];
const v=voices.find(x=>x.lang===lang)||voices.find(x=>(x.lang||"").startsWith(lang.slice(0,2)));
(w.__rehabSpeech=w.__rehabSpeech||[]).push({text:t,lang:lang,voice:v?v.name:null});
if(!s)return;
const u=new SpeechSynthesisUtterance(t);u.lang=lang;if(v)u.voice=v;
s.cancel();s.speak(u);})();</script>"""


def speech_script(words: list[str], language: str) -> str:
    """A <script> that says `words` (joined as sentences) in `language` ('en', 'es').

    The words go in through `js_literal`: a `</script>` in a cue cannot end the element."""
    return _SCRIPT % {
        "text": js_literal(". ".join(words)),
        "lang": js_literal(SPEECH_LANGUAGE[language]),
    }
