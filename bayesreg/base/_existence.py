"""Whether a penalized GLM objective has a minimizer at all (NumPy/SciPy only).

The negative log-likelihoods of binary and count families (bernoulli; poisson, negative
binomial) are bounded below, so ``F`` (see :mod:`bayesreg.base._solvers`) has a
minimizer unless it keeps decreasing along a direction ``d`` that no penalty charges for:
a direction of the *unpenalized* coordinates (a ``Flat`` coefficient prior, the default
flat intercept). Along ``d`` the linear predictor moves by ``m = A d`` (``A`` the
unpenalized columns, ones for the intercept), and the likelihood never increases and
strictly decreases when

* binary (bernoulli): ``(2 y_i - 1) m_i >= 0`` for every ``i`` and ``> 0`` for some:
  the labels are (quasi-completely) separated (Albert & Anderson 1984), e.g. a single
  class with a flat intercept;
* counts (poisson, negative binomial): ``m_i <= 0`` for every ``i``, ``m_i = 0`` where
  ``y_i > 0`` and ``< 0`` for some ``i`` with ``y_i = 0``, e.g. all counts 0 with a flat
  intercept.

Then no mode exists: a solver stops at an arbitrary point. :func:`no_mode_direction`
decides it by a linear program (HiGHS); it reads the family object's ``outcome``
(``"binary"``, ``"counts"``; other outcomes always have a mode here).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

__all__ = ["no_mode_direction"]


def no_mode_direction(A: np.ndarray, y: np.ndarray, family) -> bool:
    """True when ``F`` decreases without end along some direction of the columns of
    ``A`` (the unpenalized coordinates), i.e. the MAP does not exist.

    ``family`` is a family object (its ``outcome`` decides the condition)."""
    binary = family.outcome == "binary"
    if A.shape[1] == 0 or not (binary or family.outcome == "counts"):
        return False
    scale = np.max(np.abs(A), axis=0)
    keep = scale > 0
    if not keep.any():
        return False
    A = A[:, keep] / scale[keep]  # rescaled columns: the same directions, better conditioned
    k = A.shape[1]
    if k == 1:  # one direction (e.g. the flat intercept alone): d = +1 or -1, no LP
        a = A[:, 0]
        if binary:
            m = (2.0 * (y > 0.5) - 1.0) * a
            return bool((m >= 0).all() and (m > 0).any() or (m <= 0).all() and (m < 0).any())
        pos = y > 0
        if np.any(a[pos] != 0):
            return False
        z = a[~pos]
        return bool((z <= 0).all() and (z < 0).any() or (z >= 0).all() and (z > 0).any())
    bounds = [(-1.0, 1.0)] * k  # directions, bounded (the conditions are scale-free)
    if binary:
        M = (2.0 * (y > 0.5) - 1.0)[:, None] * A  # the likelihood decreases where M d > 0
        A_ub, b_ub, A_eq, b_eq = -M, np.zeros(M.shape[0]), None, None
    else:
        pos = y > 0
        if pos.all():
            return False
        M = -A[~pos]  # the likelihood decreases where -m > 0 (y = 0), needs m = 0 (y > 0)
        A_ub, b_ub = -M, np.zeros(M.shape[0])
        A_eq, b_eq = (A[pos], np.zeros(int(pos.sum()))) if pos.any() else (None, None)
    # maximize sum(M d) over the cone M d >= 0 (and A_eq d = 0) in the box
    res = linprog(-M.sum(axis=0), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds,
                  method="highs")
    if res.status != 0:
        return False
    m = M @ res.x
    top = float(m.max(initial=0.0))
    ok_eq = A_eq is None or float(np.max(np.abs(A_eq @ res.x), initial=0.0)) <= 1e-9
    return top > 1e-6 and float(m.min()) >= -1e-9 * max(1.0, top) and ok_eq
