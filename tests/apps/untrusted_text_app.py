"""A page that shows hostile text the way the dashboard shows user text (plain()) and says a
hostile cue the way the live page does (speech_script). Used by tests/test_safe_text.py.

REHAB_TEST_OUTSIDE: the base URL of a server that counts requests ("the outside world").
"""

import json
import os

import streamlit as st

from rehab.dashboard.safe_text import plain
from rehab.dashboard.speech import speech_script

outside = os.environ["REHAB_TEST_OUTSIDE"]
texts = json.loads(os.environ["REHAB_TEST_TEXTS"])
cue = os.environ["REHAB_TEST_CUE"]

st.title(plain(texts[0]))
st.subheader(plain(texts[1]))
for n, text in enumerate(texts):
    st.markdown(plain(text))
    st.caption(plain(text))
    box = (st.info, st.warning, st.error, st.success)[n % 4]
    box(plain(text))
with st.expander(plain(texts[0]), expanded=True):
    st.markdown(plain(texts[-1]))
st.html(speech_script([cue], "en"), unsafe_allow_javascript=True)
st.markdown("END-OF-PAGE")
