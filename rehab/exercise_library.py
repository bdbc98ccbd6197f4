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
from typing import Any

import yaml
from pydantic import ValidationError

from rehab.bundled import bundled_dir
from rehab.core.exercise import Exercise
from rehab.errors import RehabError

log = logging.getLogger(__name__)

DEFAULT_DIR = bundled_dir("exercises")
ENV_EXERCISES = "REHAB_EXERCISES_DIR"
MAX_FILE_CHARS = 200_000  # the longest bundled exercise file is about 2,000
MAX_DEPTH = 16  # the deepest bundled exercise file nests 5 levels
_OPENING_TOKENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSING_TOKENS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


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


def _line_of(node: yaml.Node | None, path: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at `path` (the deepest existing one)."""
    if node is None:
        return None
    line: int = int(node.start_mark.line) + 1
    for key in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    child, line = v, int(k.start_mark.line) + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            child = node.value[key]
            line = int(child.start_mark.line) + 1
        if child is None:
            break
        node = child
    return line


def _field_name(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("AngleSpec", "OffsetSpec", "joint", "segment", "offset"):
            continue  # pydantic's union tags, not fields the author wrote
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _message(error: Any) -> str:
    text = str(error["msg"])
    text = text.removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see `rehab exercises show squat`)"
    return text


def check_yaml_shape(text: str, source: Path, error: type[RehabError] = ExerciseFileError) -> None:
    """Refuse, before PyYAML builds anything (it recurses once per level: a few thousand
    `[` end in a RecursionError), YAML nested deeper than MAX_DEPTH and anchors or aliases
    (`&a`, `*a`: an exercise needs none, and they make small files expand enormously).
    The scanner is a loop, so this check holds whatever the depth."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            raise error(
                f"{source.name} line {token.start_mark.line + 1}: anchors and aliases "
                "(&name, *name) are not allowed in exercise files"
            )
        if isinstance(token, _OPENING_TOKENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise error(
                    f"{source.name} line {token.start_mark.line + 1}: nested more than "
                    f"{MAX_DEPTH} levels deep"
                )
        elif isinstance(token, _CLOSING_TOKENS):
            depth -= 1


def parse_exercise_text(text: str, source: Path) -> Exercise:
    """Parse one YAML document into an Exercise; ExerciseFileError names line and field."""
    if len(text) > MAX_FILE_CHARS:
        raise ExerciseFileError(
            f"{source.name}: {len(text):,} characters is too long for an exercise file "
            f"(at most {MAX_FILE_CHARS:,})"
        )
    try:
        check_yaml_shape(text, source)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ExerciseFileError(f"{source.name}{where}: not valid YAML ({problem})") from exc
    if not isinstance(data, dict):
        raise ExerciseFileError(f"{source.name}: expected a mapping of fields at the top level")
    try:
        return Exercise.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(node, loc)
        where = f" line {line}" if line else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ExerciseFileError(
            f"{source.name}{where}: {_field_name(loc)}: {_message(first)}{more}"
        ) from exc


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
