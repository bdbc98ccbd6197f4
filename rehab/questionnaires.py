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

from rehab.bundled import bundled_dir
from rehab.core.questionnaire import Questionnaire
from rehab.errors import RehabError
from rehab.yaml_files import parse_yaml_model  # the exercise files' limits and error style

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
    example = "questionnaires/lefs.yaml"
    return parse_yaml_model(text, source, Questionnaire, QuestionnaireFileError, example)


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
