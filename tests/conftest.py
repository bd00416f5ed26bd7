"""Shared fixtures: data locations and small data sets."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")

POSTERIORDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "posteriordb"


@pytest.fixture(scope="session")
def posteriordb():
    """Path to the shared posteriordb folder (``../shared/data/posteriordb``)."""
    if not POSTERIORDB.is_dir():
        pytest.skip(f"posteriordb data not found at {POSTERIORDB} (../shared is missing)")
    return POSTERIORDB


@pytest.fixture(scope="session")
def small_regression():
    """n=60, p=3 Gaussian regression with an intercept."""
    rng = np.random.default_rng(42)
    X = rng.standard_normal((60, 3))
    y = 0.5 + X @ np.array([1.0, -0.5, 0.0]) + 0.7 * rng.standard_normal(60)
    return X, y
