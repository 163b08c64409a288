"""Recommendations scored on this machine: models over the user-item matrix (``models``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

#: The recommender's saved index, in the data dir.
INDEX_FILE = "recommend/index.npz"


def index_path(data_dir: Path) -> Path:
    """Where the fitted index of the recommender is kept."""
    return data_dir / INDEX_FILE
