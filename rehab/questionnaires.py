"""Load questionnaire definitions (outcome measures) from YAML files (shell: reads files).

Like the exercise library: every problem names the file, the line and the field
    lefs.yaml line 31: items[3].id: String should match pattern '^[a-z][a-z0-9_]*$'
and a broken file never stops the others from loading. `REHAB_QUESTIONNAIRES_DIR` points
at another folder (default: the bundled `questionnaires/`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from rehab.bundled import bundled_dir
from rehab.core.questionnaire import Questionnaire
from rehab.errors import RehabError
from rehab.exercise_library import (  # one YAML error style and one set of limits
    _field_name,
    _line_of,
    _message,
    check_yaml_shape,
)

log = logging.getLogger(__name__)

DEFAULT_DIR = bundled_dir("questionnaires")
ENV_DIR = "REHAB_QUESTIONNAIRES_DIR"


class QuestionnaireFileError(RehabError):
    """A questionnaire file that cannot be used; the message names file, line and field."""


class UnknownQuestionnaireError(RehabError):
    """A questionnaire id that is not in the library."""


@dataclass
class QuestionnaireLibrary:
    questionnaires: dict[str, Questionnaire] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, questionnaire_id: str) -> Questionnaire:
        found = self.questionnaires.get(questionnaire_id)
        if found is None:
            known = ", ".join(sorted(self.questionnaires)) or "none"
            raise UnknownQuestionnaireError(
                f"unknown questionnaire '{questionnaire_id}' (known: {known})"
            )
        return found

    def name_of(self, questionnaire_id: str) -> str:
        found = self.questionnaires.get(questionnaire_id)
        return f"{found.name} ({found.short_name})" if found else questionnaire_id


def parse_questionnaire_text(text: str, source: Path) -> Questionnaire:
    """One YAML document as a Questionnaire; QuestionnaireFileError names line and field."""
    try:
        check_yaml_shape(text, source, QuestionnaireFileError)  # the exercise files' limits
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireFileError(f"{source.name}{where}: not valid YAML ({problem})") from exc
    except RecursionError as exc:
        raise QuestionnaireFileError(f"{source.name}: nested too deeply to read") from exc
    if not isinstance(data, dict):
        raise QuestionnaireFileError(f"{source.name}: expected a mapping of fields at the top")
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(node, loc)
        where = f" line {line}" if line else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = _message(first).replace(
            "`rehab exercises show squat`", "questionnaires/lefs.yaml"
        )
        raise QuestionnaireFileError(
            f"{source.name}{where}: {_field_name(loc)}: {message}{more}"
        ) from exc


def load_questionnaire_file(path: Path) -> Questionnaire:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireFileError(f"{path}: cannot read ({exc})") from exc
    found = parse_questionnaire_text(text, path)
    if found.id != path.stem:
        raise QuestionnaireFileError(f"{path.name}: id '{found.id}' must match the file name")
    return found


def load_questionnaires(folder: Path | None = None) -> QuestionnaireLibrary:
    """Every `*.yaml` in `folder` (default: `$REHAB_QUESTIONNAIRES_DIR` or the bundled
    `questionnaires/`); broken files are logged and listed in `.problems`."""
    root = folder or Path(os.environ.get(ENV_DIR, "") or DEFAULT_DIR)
    if not root.is_dir():
        raise QuestionnaireFileError(f"{root}: questionnaire folder not found")
    library = QuestionnaireLibrary()
    for path in sorted(root.glob("*.yaml")):
        try:
            questionnaire = load_questionnaire_file(path)
        except QuestionnaireFileError as exc:
            log.warning("%s", exc)
            library.problems.append(str(exc))
            continue
        library.questionnaires[questionnaire.id] = questionnaire
    return library
