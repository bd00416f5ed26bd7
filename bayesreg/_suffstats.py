r"""Sufficient statistics of a weighted Gaussian linear model (pure NumPy/SciPy).

For a design ``D`` (n x k), response ``y`` and weights ``s``,

.. math::

    \sum_i s_i (y_i - d_i^\top\beta)^2
        = \mathrm{RSS}_{\min} + (\beta - \hat\beta)^\top G (\beta - \hat\beta),
    \qquad G = D^\top \mathbf{S} D,

for *any* least-squares solution :math:`\hat\beta` (``G \hat\beta = D^\top S y``), so a
Gaussian log-likelihood and its gradient cost O(k^2) per evaluation whatever ``n``.
The ``(RSS_min, beta_hat)`` form is used instead of ``y'Sy - 2 beta'D'Sy + beta'G beta``
because it does not cancel catastrophically when the fit is good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = ["GaussianSuffStats", "gaussian_suffstats"]


@dataclass(frozen=True, eq=False)
class GaussianSuffStats:
    """``G = D'SD``, a least-squares solution ``beta_hat``, ``RSS_min`` and ``S = sum(s)``."""

    gram: np.ndarray
    beta_hat: np.ndarray
    rss_min: float
    sum_w: float


def gaussian_suffstats(D: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                       chunk_rows: int = 65_536) -> GaussianSuffStats:
    """Sufficient statistics of ``sum_i s_i (y_i - d_i' beta)^2``, accumulated in row chunks.

    Parameters
    ----------
    D : ndarray of shape (n, k)
    y : ndarray of shape (n,)
    w : ndarray of shape (n,), optional
        Observation weights ``s_i`` (default ones).
    chunk_rows : int
        Rows per chunk when accumulating ``D'SD`` (bounds the temporary memory).

    Returns
    -------
    GaussianSuffStats
    """
    n, k = D.shape
    gram = np.zeros((k, k))
    dty = np.zeros(k)
    for start in range(0, n, chunk_rows):
        Dc = D[start:start + chunk_rows]
        yc = y[start:start + chunk_rows]
        if w is None:
            gram += Dc.T @ Dc
            dty += Dc.T @ yc
        else:
            wc = w[start:start + chunk_rows]
            gram += (Dc * wc[:, None]).T @ Dc
            dty += Dc.T @ (wc * yc)
    gram = (gram + gram.T) / 2.0
    try:
        beta_hat = linalg.cho_solve(linalg.cho_factor(gram, check_finite=False), dty,
                                    check_finite=False)
        if not np.all(np.isfinite(beta_hat)):
            raise linalg.LinAlgError
    except linalg.LinAlgError:  # rank-deficient (e.g. p > n): minimum-norm solution
        beta_hat = linalg.lstsq(gram, dty, lapack_driver="gelsd", check_finite=False)[0]
    rss = 0.0
    for start in range(0, n, chunk_rows):
        r = y[start:start + chunk_rows] - D[start:start + chunk_rows] @ beta_hat
        rss += float(r @ r) if w is None else float(w[start:start + chunk_rows] @ (r * r))
    sum_w = float(n if w is None else w.sum())
    return GaussianSuffStats(gram=gram, beta_hat=beta_hat, rss_min=max(rss, 0.0), sum_w=sum_w)
