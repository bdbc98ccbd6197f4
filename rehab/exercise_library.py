"""Load exercise definitions from YAML files (shell: reads files).

Every problem names the file, the line and the field:
    shoulder.yaml line 12: angle.points[1]: unknown joint 'ELBO' — did you mean ELBOW?
A broken file never stops the others from loading: `load_library` returns the good
exercises and the list of problems.
"""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from rehab.bundled import bundled_dir
from rehab.core.exercise import Exercise
from rehab.errors import RehabError
from rehab.yaml_files import parse_yaml_model

log = logging.getLogger(__name__)

DEFAULT_DIR = bundled_dir("exercises")
ENV_EXERCISES = "REHAB_EXERCISES_DIR"
MAX_FILE_CHARS = 200_000  # the longest bundled exercise file is about 2,000


def configured_dir() -> Path:
    """The exercise folder the app uses: `$REHAB_EXERCISES_DIR`, else the bundled one."""
    return Path(os.environ.get(ENV_EXERCISES, "") or DEFAULT_DIR)


class ExerciseFileError(RehabError):
    """An exercise file that cannot be used; the message names file, line and field."""


class UnknownExerciseError(RehabError):
    """An exercise id (or alias) not in the library; the message lists close matches."""


@dataclass
class ExerciseLibrary:
    """Exercises by id, their aliases, and the problems met while loading."""

    exercises: dict[str, Exercise] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> Exercise:
        """The exercise called `name` (id or alias, any case); UnknownExerciseError else."""
        key = name.strip().lower()
        key = self.aliases.get(key, key)
        if key in self.exercises:
            return self.exercises[key]
        names = sorted({*self.exercises, *self.aliases})
        close = difflib.get_close_matches(key, names, n=4, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownExerciseError(
            f"unknown exercise '{name}'{hint} "
            f"(`rehab exercises list` shows all {len(self.exercises)})"
        )

    def __len__(self) -> int:
        return len(self.exercises)

    def add(self, exercise: Exercise, source: Path) -> None:
        for key in (exercise.id, *exercise.aliases):
            owner = self.aliases.get(key, key if key in self.exercises else None)
            if owner is not None:
                raise ExerciseFileError(
                    f"{source.name}: id or alias '{key}' is already used by '{owner}' "
                    f"({self.sources[owner].name})"
                )
        self.exercises[exercise.id] = exercise
        self.sources[exercise.id] = source
        for alias in exercise.aliases:
            self.aliases[alias] = exercise.id


def parse_exercise_text(text: str, source: Path) -> Exercise:
    """Parse one YAML document into an Exercise; ExerciseFileError names line and field."""
    if len(text) > MAX_FILE_CHARS:
        raise ExerciseFileError(
            f"{source.name}: {len(text):,} characters is too long for an exercise file "
            f"(at most {MAX_FILE_CHARS:,})"
        )
    return parse_yaml_model(
        text, source, Exercise, ExerciseFileError, "`rehab exercises show squat`"
    )


def load_exercise_file(path: Path) -> Exercise:
    """One exercise from a YAML file."""
    try:
        if path.stat().st_size > MAX_FILE_CHARS * 4:  # UTF-8: at most 4 bytes a character
            raise ExerciseFileError(f"{path.name}: too large for an exercise file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseFileError(f"{path}: cannot read ({exc})") from exc
    return parse_exercise_text(text, path)


def load_library(folder: Path | None = None) -> ExerciseLibrary:
    """Every `*.yaml`/`*.yml` in `folder` (default: the bundled `exercises/`). Broken files
    are logged and listed in `.problems`; the rest load."""
    root = folder or DEFAULT_DIR
    if not root.is_dir():
        raise ExerciseFileError(f"{root}: exercise folder not found")
    library = ExerciseLibrary()
    for path in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
        try:
            library.add(load_exercise_file(path), path)
        except ExerciseFileError as exc:
            log.info("%s", exc)  # the caller reports `problems` its own way
            library.problems.append(str(exc))
    return library
