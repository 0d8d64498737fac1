"""Load curated YAML files and validate them, so a bad edit fails with `file:line: problem`.

PyYAML's composer keeps each node's position; pydantic reports where validation failed as a path
of keys and indexes. Walking that path through the node tree gives the line to blame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ceasefire.errors import InputError

M = TypeVar("M", bound=BaseModel)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster


def line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """1-based line of the node reached by following `loc` as far as it goes."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            children = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            if key not in children:
                break
            node = children[key]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1


def read_yaml(path: Path, text: str | None = None) -> tuple[Any, yaml.Node | None]:
    """Parse YAML into plain data plus the node tree used for line numbers."""
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(path, "not valid UTF-8 text") from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(path, f"malformed YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise InputError(path, f"malformed YAML: {exc}") from exc
    return data, node


def load_yaml(path: Path, model: type[M], text: str | None = None) -> M:
    """Read `path` (or the given `text` of it) and validate it as `model`."""
    data, node = read_yaml(path, text)
    if data is None:
        raise InputError(path, "empty file")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        line = line_of(node, tuple(err["loc"])) if node is not None else None
        problem = f"{where}: {err['msg']}" if where else err["msg"]
        raise InputError(path, problem, line) from exc
