"""Live sessions: webcam frames in, skeleton + counts + cues out, reps saved as they count.

One `LiveProcessor` serves both the browser page (streamlit-webrtc callback) and the desktop
window (`rehab live`): frame -> pose -> set-up check / counting -> overlay, with what the
page must show pushed into a queue and what the store must keep pushed to `SessionWriter`.
"""
