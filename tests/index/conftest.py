"""Fixtures of the indexing tests: a private copy of the seed articles and a fresh data folder."""
import shutil

import pytest

from index import IndexSettings
from tests.conftest import SEEDS


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "articles"
    shutil.copytree(SEEDS, d, ignore=shutil.ignore_patterns("*.jsonl"))
    return d


@pytest.fixture
def settings(tmp_path):
    return IndexSettings(home=tmp_path / "data")
