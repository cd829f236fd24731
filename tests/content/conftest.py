"""Fixtures for the content engine tests (no Flask)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import sample_files
from tests.helpers import write_tree


@pytest.fixture
def files() -> dict[str, str | bytes]:
    return sample_files()


@pytest.fixture
def tree(tmp_path: Path):
    """Call with a dict of files; returns the content root."""
    return lambda files: write_tree(tmp_path, files)
