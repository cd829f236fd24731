"""Fixtures for the content engine tests (no Flask)."""

from __future__ import annotations

from pathlib import Path

import pytest
from content_support import valid_files
from content_support import write_tree


@pytest.fixture
def files() -> dict[str, str | bytes]:
    return valid_files()


@pytest.fixture
def tree(tmp_path: Path):
    """Call with a dict of files; returns the content root."""
    return lambda files: write_tree(tmp_path, files)
