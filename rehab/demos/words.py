"""The words a demonstration shows, marked for translation: what the counted angle is called,
the count, the zones of the gauge."""

from __future__ import annotations

from rehab.core.body_motion import bare_joint
from rehab.core.exercise import AngleSpec, CameraView
from rehab.i18n import N_, Translator

# (kind, flexion, joint) -> label; the joint is the angle's vertex (joint) or first point.
_JOINT_LABELS = {
    ("joint", True, "ELBOW"): N_("Elbow bend"),
    ("joint", True, "KNEE"): N_("Knee bend"),
    ("joint", True, "HIP"): N_("Hip bend"),
    ("joint", True, "ANKLE"): N_("Ankle bend"),
    ("joint", False, "ELBOW"): N_("Elbow angle"),
    ("joint", False, "KNEE"): N_("Knee angle"),
    ("joint", False, "HIP"): N_("Hip angle"),
    ("joint", False, "SHOULDER"): N_("Arm from the body"),
}
_SEGMENT_LABELS = {
    ("HEEL", "FOOT_INDEX"): N_("Foot tilt"),
    ("SHOULDER", "ELBOW"): N_("Arm from the vertical"),
    ("SHOULDER", "ANKLE"): N_("Body from the floor"),
    ("SHOULDER", "SHOULDER"): N_("Shoulder tilt"),
    ("HIP", "KNEE"): N_("Thigh from the vertical"),
    ("SHOULDER", "HIP"): N_("Trunk lean"),
    ("HIP", "SHOULDER"): N_("Trunk lean"),
}
COUNTED_ANGLE = N_("Counted angle")
REST = N_("rest")
PEAK = N_("peak")
HOLD_ZONE = N_("hold")
REPS = N_("Reps: {count}")
HELD = N_("Held: {seconds} s")
HOLD_FOR = N_("Hold for {seconds} s")
VIEWS = {
    CameraView.FRONT: N_("Camera in front of you"),
    CameraView.SIDE: N_("Camera at your side"),
    CameraView.OBLIQUE: N_("Camera in front, at an angle"),
}


def angle_label(spec: AngleSpec, t: Translator) -> str:
    """What the counted angle is called, in the patient's words ("Knee bend")."""
    names = [bare_joint(p)[0] for p in spec.points]
    if spec.kind == "joint":
        label = _JOINT_LABELS.get(("joint", spec.flexion, names[1]), COUNTED_ANGLE)
    else:
        label = _SEGMENT_LABELS.get((names[0], names[1]), COUNTED_ANGLE)
    return t.gettext(label)
