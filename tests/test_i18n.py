"""Two languages: every patient-facing string and every exercise has its Spanish words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rehab.core.exercise import localized
from rehab.core.landmarks import Joint
from rehab.core.results import EventKind
from rehab.core.synthetic import hide_joints, synthetic_stream
from rehab.core.tracker import ExerciseTracker
from rehab.demos.scene import build_scene
from rehab.exercise_library import ExerciseFileError, load_library, parse_exercise_text
from rehab.i18n import LOCALES_DIR, catalog_path, translator
from rehab.live.flow import SessionFlow, SetPlan, expand_sets

REPO = Path(__file__).resolve().parent.parent
LIBRARY = load_library()
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _marked() -> dict[str, tuple[str, ...]]:
    """Every string marked for translation in the code: msgid -> (msgid, plural?)."""
    found: dict[str, tuple[str, ...]] = {}
    for _, _, message, _, _ in extract_from_dir(
        str(REPO / "rehab"),
        method_map=[("**.py", "python")],
        keywords={"N_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        ids = message if isinstance(message, tuple) else (message,)
        found[ids[0]] = ids
    return found


def test_strings_are_marked_in_the_code() -> None:
    marked = _marked()
    assert "Home exercise program" in marked and "Knee bend" in marked
    assert marked["{n} set"] == ("{n} set", "{n} sets")


def test_every_marked_string_has_a_spanish_translation() -> None:
    with catalog_path("es").open("rb") as handle:
        catalog = read_po(handle, locale="es")
    missing: list[str] = []
    for key, ids in _marked().items():
        entry = catalog.get(key)
        strings = entry.string if entry is not None else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(forms) or len(forms) != len(ids):
            missing.append(key)
            continue
        for form in forms:
            assert set(PLACEHOLDER.findall(str(form))) == set(PLACEHOLDER.findall(key)), (
                f"{key!r}: the Spanish {form!r} has other {{placeholders}}"
            )
    assert not missing, (
        f"no Spanish for {missing}: run `make messages` and translate them in "
        f"{catalog_path('es').relative_to(REPO)}"
    )


def test_the_template_is_up_to_date() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert template == set(_marked()), "run `make messages`"


def test_translator_falls_back_to_english_and_refuses_unknown_languages() -> None:
    spanish = translator("es")
    assert spanish.gettext("Knee bend") == "Flexión de la rodilla"
    assert spanish.gettext("a string nobody marked") == "a string nobody marked"
    assert spanish.ngettext("{n} set", "{n} sets", 1).format(n=1) == "1 serie"
    assert spanish.ngettext("{n} set", "{n} sets", 4).format(n=4) == "4 series"
    assert translator("en").gettext("Knee bend") == "Knee bend"
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        translator("fr")


@pytest.mark.parametrize("exercise_id", sorted(LIBRARY.exercises))
def test_every_exercise_speaks_spanish(exercise_id: str) -> None:
    exercise = LIBRARY.get(exercise_id)
    assert "es" in exercise.translations  # the schema checks it is complete
    spanish = localized(exercise, "es")
    assert spanish.name != exercise.name
    assert len(spanish.instructions) == len(exercise.instructions)
    assert spanish.angle == exercise.angle and spanish.peak == exercise.peak  # same rule
    for english, translated in zip(exercise.form_rules, spanish.form_rules, strict=True):
        assert translated.cue != english.cue and translated.id == english.id
    assert localized(exercise, "en") is exercise


def test_the_engine_gives_cues_in_the_patients_language() -> None:
    squat = LIBRARY.get("squat")
    spanish = localized(squat, "es")
    # Too fast: one rep up and down in 0.8 s trips the tempo cue.
    stream = synthetic_stream(squat, n_reps=2, rep_s=0.8, seed=1)
    tracker = ExerciseTracker(spanish)
    cues = [
        e.form_issue.cue
        for frame in stream
        for e in tracker.update(frame)
        if e.kind is EventKind.FORM_CUE and e.form_issue is not None
    ]
    assert "Baja más despacio, unos dos segundos" in cues


def test_the_demonstration_in_spanish() -> None:
    scene = build_scene(LIBRARY.get("squat"), "es")
    assert scene.exercise.name == "Sentadilla"
    assert scene.angle_label == "Flexión de la rodilla"
    assert scene.caption == "Cámara a tu lado"
    assert scene.frames[-1].count == "Repeticiones: 1"
    assert [word for _, word in scene.zones] == ["reposo", "máximo"]


SQUAT_FILE = (REPO / "exercises" / "squat.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("      chest_up: Mantén el pecho arriba\n", ""), r"cues: missing \['chest_up'\]"),
        (
            ("    - Empuja con los talones para volver a ponerte de pie.\n", ""),
            "4 steps, the English has 5",
        ),
        (("translations:\n  es:", "translations:\n  fr:"), "unsupported language 'fr'"),
        (
            ("      too_slow:", "      too_slowly:"),
            r"unknown \['too_slowly'\]|missing \['too_slow'\]",
        ),
    ],
)
def test_an_incomplete_translation_is_refused_with_line_and_field(
    change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in SQUAT_FILE
    with pytest.raises(ExerciseFileError, match=message) as info:
        parse_exercise_text(SQUAT_FILE.replace(old, new), Path("squat.yaml"))
    assert "squat.yaml line" in str(info.value)


def _spanish_flow(plans: list[SetPlan]) -> SessionFlow:
    return SessionFlow(
        plans, lambda i: localized(LIBRARY.get(i), "es"), gettext=translator("es").gettext
    )


def test_a_live_session_speaks_spanish() -> None:
    curl = LIBRARY.get("biceps_curl")
    flow = _spanish_flow(expand_sets("biceps_curl", 2, target_reps=3, rest_s=2.0))
    for frame in synthetic_stream(curl, n_reps=9, rep_s=3.0, rest_s=1.0):
        flow.step(frame)
    said = flow.take_speech()
    assert said[0] == "Empieza: Curl de bíceps, serie 1 de 2"
    assert "Serie terminada. Descansa 2 segundos" in said
    assert said[-1] == "Muy bien, era la última serie"
    assert [r.total_reps for _, r in flow.results] == [3, 3]


def test_set_up_guidance_in_spanish() -> None:
    squat = LIBRARY.get("squat")
    feet = [Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE, Joint.LEFT_HEEL, Joint.RIGHT_HEEL,
            Joint.LEFT_FOOT_INDEX, Joint.RIGHT_FOOT_INDEX]  # fmt: skip
    flow = _spanish_flow(expand_sets("squat", 1))
    assert flow.status().message == "Colócate en posición"
    for frame in hide_joints(synthetic_stream(squat, n_reps=1), feet):
        flow.step(frame)
    assert flow.take_speech() == ["Échate hacia atrás para que se vean los pies"]
    assert flow.status().message == "Échate hacia atrás para que se vean los pies"
