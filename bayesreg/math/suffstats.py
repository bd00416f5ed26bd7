r"""Sufficient statistics of the weighted Gaussian linear model: one type for every user.

For a design ``D`` (``n x k``), responses ``y`` and observation weights ``s_i`` (default 1),

.. math::

    \sum_i s_i (y_i - d_i^\top\beta)^2 = \mathrm{RSS}_{min}
        + (\beta - \hat\beta)^\top D^\top S D\, (\beta - \hat\beta),

so ``D'SD``, ``D'Sy``, ``y'Sy`` and ``S = sum(s)`` carry everything the likelihood, the
conjugate posteriors and the evidence need (NumPy/SciPy only).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import linalg

__all__ = ["SufficientStats"]

#: rows per chunk when accumulating D'SD (bounds the temporary memory)
CHUNK_ROWS = 65_536


@dataclass(frozen=True, eq=False)
class SufficientStats:
    r"""``xtx = D'SD``, ``xty = D'Sy``, ``yty = y'Sy``, ``sum_w = S``.

    ``rss_min`` (the weighted residual sum of squares at a least-squares solution) is
    computed from the data by :meth:`from_data` (a second pass, accurate for any ``n``);
    built from the statistics alone it is ``max(yty - xty' beta_hat, 0)``.
    """

    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    sum_w: float
    rss: float | None = None

    @classmethod
    def from_data(cls, D, y, sample_weight=None, chunk_rows: int = CHUNK_ROWS
                  ) -> SufficientStats:
        """Accumulate the statistics over row chunks of ``D`` and ``y``."""
        D = np.asarray(D, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        n, k = D.shape
        xtx, xty, yty = np.zeros((k, k)), np.zeros(k), 0.0
        for start in range(0, n, chunk_rows):
            Dc, yc = D[start:start + chunk_rows], y[start:start + chunk_rows]
            wc = np.ones(len(yc)) if w is None else w[start:start + chunk_rows]
            Dw = Dc * wc[:, None]
            xtx += Dw.T @ Dc
            xty += Dw.T @ yc
            yty += float(yc @ (wc * yc))
        xtx = (xtx + xtx.T) / 2.0
        stats = cls(xtx=xtx, xty=xty, yty=yty, sum_w=float(n if w is None else w.sum()))
        beta = stats.beta_hat
        rss = 0.0
        for start in range(0, n, chunk_rows):
            r = y[start:start + chunk_rows] - D[start:start + chunk_rows] @ beta
            rss += float(r @ r) if w is None else float(w[start:start + chunk_rows] @ (r * r))
        object.__setattr__(stats, "rss", max(rss, 0.0))
        return stats

    @cached_property
    def beta_hat(self) -> np.ndarray:
        """A weighted least-squares solution (minimum-norm when ``D'SD`` is singular)."""
        try:
            beta = linalg.cho_solve(linalg.cho_factor(self.xtx, check_finite=False), self.xty,
                                    check_finite=False)
            if not np.all(np.isfinite(beta)):
                raise linalg.LinAlgError
        except linalg.LinAlgError:  # rank-deficient (e.g. p > n)
            beta = linalg.lstsq(self.xtx, self.xty, lapack_driver="gelsd",
                                check_finite=False)[0]
        return beta

    @property
    def rss_min(self) -> float:
        """``min_beta sum_i s_i (y_i - d_i' beta)^2``."""
        if self.rss is not None:
            return self.rss
        return max(self.yty - float(self.xty @ self.beta_hat), 0.0)
