"""The demo clinic (`rehab demo`): a therapist and four patients with eight weeks of
sessions, every number computed by the real counting engine on synthetic landmark streams.

    from rehab.demo_clinic import build_demo
    build_demo(open_database(), weeks=8)

Above the store: it drives the engine (`simulate.py`) and stores through the store's
public API (`build.py`); `stories.py` is the data.
"""

from rehab.demo_clinic.build import DemoSummary, build_demo
from rehab.demo_clinic.simulate import SimSession, simulate_patient
from rehab.demo_clinic.stories import DEMO_PASSWORD, PATIENTS, DemoExercise, DemoPatient

__all__ = [
    "DEMO_PASSWORD",
    "PATIENTS",
    "DemoExercise",
    "DemoPatient",
    "DemoSummary",
    "SimSession",
    "build_demo",
    "simulate_patient",
]
