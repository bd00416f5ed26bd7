"""Explicit randomness: integer seeds derived from one ``random_seed`` (NumPy only)."""

from __future__ import annotations

import numpy as np

__all__ = ["seed_sequence_int"]


def seed_sequence_int(random_seed, n: int = 1) -> list[int]:
    """``n`` 31-bit integer seeds derived deterministically from ``random_seed``.

    ``None`` gives fresh OS entropy; an int or ``SeedSequence`` gives the same seeds
    every time, in every process.
    """
    ss = random_seed if isinstance(random_seed, np.random.SeedSequence) else \
        np.random.SeedSequence(random_seed)
    return [int(s) for s in ss.generate_state(n, dtype=np.uint32) % (2**31 - 1)]
