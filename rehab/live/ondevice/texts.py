"""The on-device page's words, marked for translation; the page gets them translated into
the patient's language (`{name}` placeholders are filled in by the page). Words with a count
in them are made on the server, where the catalogue's plural rule is (`saved_reps_text`)."""

from __future__ import annotations

from rehab.i18n import N_, translator

TEXTS: dict[str, str] = {
    "privacy": N_(
        "Your video stays on this device: only the positions of your joints are sent to the "
        "clinic, never the picture."
    ),
    "start": N_("Start the camera"),
    "loading": N_("Starting the camera and the pose model…"),
    "finish_set": N_("Finish this set"),
    "skip_rest": N_("Skip the rest"),
    "end": N_("End session"),
    "speak": N_("Speak the counts and tips aloud"),
    "set_of": N_("Set {set} of {sets}"),
    "getting_ready": N_("Getting ready: {message}"),
    "rest": N_("Set done. Rest: {seconds} s"),
    "set_done": N_("Set done"),
    "all_done": N_("All sets done. Well done!"),
    "info": N_("Pose model: {model} · {fps} frames/s"),  # then the status's `saved_text`
    "slow_switch": N_(
        "This device runs the full pose model at only {fps} frames/s: switched to the lighter "
        "model so that counting keeps up."
    ),
    "too_slow": N_(
        "This device manages only {fps} pictures a second, too few to count your movements. "
        "Close other programs, or use the camera through the clinic's server."
    ),
    "reconnecting": N_("Connection lost: reconnecting… The reps you did are saved."),
    "gave_up": N_(
        "The connection did not come back. The reps you did are saved: reload the page to go on."
    ),
    "replaced": N_("This session was opened in another window: carry on there."),
    "refused": N_("The session could not go on ({reason}). Reload the page to start again."),
    "camera_error": N_("The camera could not be opened: {reason}"),
    "no_wasm": N_("This browser cannot run the pose model."),
    "fallback": N_("Use the camera through the clinic's server instead"),
    "saving": N_("Saving your session…"),
}


def page_texts(language: str) -> dict[str, str]:
    """Every word of the page in `language`."""
    _ = translator(language).gettext
    return {key: _(text) for key, text in TEXTS.items()}


def saved_reps_text(language: str, n: int) -> str:
    """ "1 rep saved", "3 reps saved" in `language`, by its catalogue's plural rule."""
    return translator(language).ngettext("{n} rep saved", "{n} reps saved", n).format(n=n)
