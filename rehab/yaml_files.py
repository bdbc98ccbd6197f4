"""Reading a YAML definition file (an exercise, a questionnaire) into its pydantic model,
with one set of limits and one error style: the file, the line and the field, in words.

The shape is checked on the scanner's tokens before PyYAML builds anything (depth,
anchors/aliases), so a hostile file is one clear refusal, never a RecursionError or a
"billion laughs" expansion."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rehab.errors import RehabError

Model = TypeVar("Model", bound=BaseModel)

MAX_DEPTH = 16  # the deepest bundled exercise file nests 5 levels
_OPENING_TOKENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSING_TOKENS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


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
        return "unknown field (check the spelling)"
    return text


def check_yaml_shape(text: str, source: Path, error: type[RehabError]) -> None:
    """Refuse, before PyYAML builds anything (it recurses once per level: a few thousand
    `[` end in a RecursionError), YAML nested deeper than MAX_DEPTH and anchors or aliases
    (`&a`, `*a`: an exercise needs none, and they make small files expand enormously).
    The scanner is a loop, so this check holds whatever the depth."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            raise error(
                f"{source.name} line {token.start_mark.line + 1}: anchors and aliases "
                "(&name, *name) are not allowed in these files"
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


def parse_yaml_model(
    text: str, source: Path, model: type[Model], error: type[RehabError], example: str
) -> Model:
    """One YAML document as `model`; `error` names file, line and field. `example` is where
    an author sees a correct file (said after an unknown field)."""
    try:
        check_yaml_shape(text, source, error)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{source.name}{where}: not valid YAML ({problem})") from exc
    except RecursionError as exc:
        raise error(f"{source.name}: nested too deeply to read") from exc
    if not isinstance(data, dict):
        raise error(f"{source.name}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(node, loc)
        where = f" line {line}" if line else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = _message(first)
        if first["type"] == "extra_forbidden":
            message = message.replace("spelling)", f"spelling; see {example})")
        raise error(f"{source.name}{where}: {_field_name(loc)}: {message}{more}") from exc
