"""The rules of docs/architecture.md that import-linter cannot see: only services write.

Web rooms, the CLI and the read side never add, delete, flush or commit through the
session; every change goes through a service operation, which commits once.
"""

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[1] / "lms"
NOT_WRITERS = ["api", "auth", "author", "cli", "hr", "learn", "public", "queries"]
WRITES = {"add", "add_all", "delete", "flush", "commit", "merge"}


def session_writes(path: Path) -> list[str]:
    """``db.session.<write>(…)`` calls in ``path``, as "file:line call"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
        ):
            found.append(f"{path.relative_to(LMS)}:{node.lineno} session.{node.func.attr}()")
    return found


@pytest.mark.parametrize("room", NOT_WRITERS)
def test_only_services_write(room):
    writes = [w for path in sorted((LMS / room).rglob("*.py")) for w in session_writes(path)]
    assert writes == [], "move these writes into a service operation:\n" + "\n".join(writes)


def test_the_check_finds_a_write():
    sample = LMS / "services" / "api_tokens.py"
    assert any("session.commit()" in w for w in session_writes(sample))
