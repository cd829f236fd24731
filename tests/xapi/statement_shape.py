"""The shape of xAPI statements as the specification's own examples have it
(tests/data/xapi): every property path they use, with its JSON type. A statement we send
may use only those paths, with those types."""

import csv
import json
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "data" / "xapi"
#: Maps whose keys are free: language maps and extensions.
FREE_KEYS = (".display", ".name", ".description", ".extensions")
#: Paths the specification defines that no example happens to show (xAPI-Data.md 2.4.6:
#: "revision", the revision of the learning activity, allowed when the object is one).
DEFINED_BUT_NOT_SHOWN = {"$.context.revision": {"str"}}


def _type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape(value, path: str = "$", into: dict | None = None) -> dict[str, set[str]]:
    into = {} if into is None else into
    into.setdefault(path, set()).add(_type(value))
    if isinstance(value, dict):
        for key, inner in value.items():
            shape(inner, f"{path}.{'*' if path.endswith(FREE_KEYS) else key}", into)
    elif isinstance(value, list):
        # The context activities (parent, category, grouping, other) share one shape.
        if ".contextActivities." in path:
            path = path.rsplit(".", 1)[0] + ".*"
        for inner in value:
            shape(inner, f"{path}[]", into)
    return into


def spec_shape() -> dict[str, set[str]]:
    """The union of the example statements' shapes."""
    index = EXAMPLES / "INDEX.tsv"
    found: dict[str, set[str]] = {}
    for row in csv.DictReader(index.read_text().splitlines(), delimiter="\t"):
        if row["kind"] == "full Statement":
            shape(json.loads((EXAMPLES / row["file"]).read_text()), into=found)
    for path, types in DEFINED_BUT_NOT_SHOWN.items():
        found.setdefault(path, set()).update(types)
    return found


def unknown_paths(statement: dict, spec: dict[str, set[str]]) -> list[str]:
    """Paths of ``statement`` the examples never use, or use with another type."""
    ours = shape(statement)
    return sorted(f"{p}: {t}" for p, t in ours.items() if not t <= spec.get(p, set()))
