"""Build hook: the exercise library, the database migrations and the questionnaires travel inside
the wheel.

They stay at the top of the checkout, where people read and edit them (`exercises/*.yaml`,
`migrations/`, `questionnaires/*.yaml`); a wheel carries copies as `rehab/_data/<name>/`,
found by `rehab.bundled`. An editable install reads them from the checkout itself.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("exercises", "migrations", "questionnaires")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in BUNDLED:
            target = Path(self.build_lib) / "rehab" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)  # no file left from an earlier build
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithData})
