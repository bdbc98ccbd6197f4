"""The printable home exercise program (A4 PDF) and the calendar reminders (.ics).

Both are written from plain dataclasses (`model.Handout`), so they depend on nothing in the
store: `render.render_handout(handout)` gives PDF bytes, `reminders.build_ics(...)` the
calendar file.
"""
