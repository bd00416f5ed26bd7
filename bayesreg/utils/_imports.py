"""Importing the optional backends without their import-time noise."""

from __future__ import annotations

import contextlib
import warnings

__all__ = ["quiet_import"]


@contextlib.contextmanager
def quiet_import():
    """Import numpyro or blackjax (or look them up) quietly.

    Both import ``tqdm.auto``, which warns "IProgress not found" in a notebook without
    ipywidgets: noise for a user who did not ask for a progress bar.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        yield
