r"""Sufficient statistics of the weighted Gaussian linear model: one type for every user.

For a design ``D`` (``n x k``), responses ``y`` and observation weights ``s_i`` (default 1),

.. math::

    \sum_i s_i (y_i - d_i^\top\beta)^2 = \mathrm{RSS}_{min}
        + (\beta - \hat\beta)^\top D^\top S D\, (\beta - \hat\beta),

so ``D'SD``, ``D'Sy``, ``y'Sy`` and ``S = sum(s)`` carry everything the likelihood, the
conjugate posteriors and the evidence need (NumPy/SciPy only).

Chunks and merging
------------------
The statistics of a data set are a *merge* of the statistics of its row chunks, whether
the chunks come from Dask, a file reader or a loop. Raw statistics add. *Centred*
statistics (:meth:`SufficientStats.centered`: the weighted means
:math:`\bar x, \bar y` and the co-moments about them,
:math:`C_{xx} = \sum_i s_i (x_i - \bar x)(x_i - \bar x)^\top`,
:math:`C_{xy} = \sum_i s_i (x_i - \bar x)(y_i - \bar y)`,
:math:`C_{yy} = \sum_i s_i (y_i - \bar y)^2`) merge by the parallel update of Chan,
Golub & LeVeque (1979): for chunks :math:`A, B` with :math:`S = S_A + S_B` and
:math:`\delta_x = \bar x_B - \bar x_A`, :math:`\delta_y = \bar y_B - \bar y_A`,

.. math::

    \bar x = \bar x_A + \frac{S_B}{S}\delta_x, \qquad
    C_{xx} = C_{xx}^A + C_{xx}^B + \frac{S_A S_B}{S}\,\delta_x\delta_x^\top, \qquad
    C_{xy} = C_{xy}^A + C_{xy}^B + \frac{S_A S_B}{S}\,\delta_x\delta_y,

and likewise :math:`\bar y`, :math:`C_{yy}`. No large uncentred sum is ever formed, so
the merge keeps the accuracy of a two-pass computation (the raw sums
:math:`\sum_i s_i x_i x_i^\top` lose :math:`\bar x^2/\mathrm{var}(x)` digits to
cancellation). :meth:`SufficientStats.merge_all` merges along a balanced tree.
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

    *Centred* statistics (``x_mean`` and ``y_mean`` set, see :meth:`centered`) are the
    statistics of the centred data ``(X - x_mean, y - y_mean)``: ``xtx`` is
    :math:`C_{xx}`, ``xty`` :math:`C_{xy}`, ``yty`` :math:`C_{yy}`, so ``beta_hat`` is
    the slope and ``rss_min`` the residual sum of squares of a least-squares fit *with*
    an intercept. :meth:`merge` (or ``+``) combines the statistics of two chunks.
    """

    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    sum_w: float
    rss: float | None = None
    x_mean: np.ndarray | None = None
    y_mean: float | None = None

    # ------------------------------------------------------------- chunks and merge
    @classmethod
    def centered(cls, X, y, sample_weight=None) -> SufficientStats:
        r"""Centred statistics of one chunk: weighted means and co-moments about them.

        .. math::

            S = \sum_i s_i, \quad \bar x = \frac{1}{S}\sum_i s_i x_i, \quad
            C_{xx} = \sum_i s_i (x_i - \bar x)(x_i - \bar x)^\top, \quad
            C_{xy} = \sum_i s_i (x_i - \bar x)(y_i - \bar y), \quad
            C_{yy} = \sum_i s_i (y_i - \bar y)^2

        (two passes over the chunk). A chunk with :math:`S = 0` (no rows, or all weights
        0) gives zero statistics that merge as the identity.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        p = X.shape[1]
        w = None if sample_weight is None else \
            np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        S = float(X.shape[0] if w is None else w.sum())
        if S <= 0.0:
            return cls(np.zeros((p, p)), np.zeros(p), 0.0, 0.0, x_mean=np.zeros(p),
                       y_mean=0.0)
        x_mean = np.average(X, axis=0, weights=w)
        y_mean = float(np.average(y, weights=w))
        Xc, yc = X - x_mean, y - y_mean
        Xw = Xc if w is None else Xc * w[:, None]
        xtx = Xw.T @ Xc
        return cls(xtx=(xtx + xtx.T) / 2.0, xty=Xw.T @ yc,
                   yty=float(yc @ (yc if w is None else w * yc)), sum_w=S,
                   x_mean=x_mean, y_mean=y_mean)

    @property
    def is_centered(self) -> bool:
        """Whether these are centred statistics (``x_mean`` and ``y_mean`` set)."""
        return self.x_mean is not None

    def merge(self, other: SufficientStats) -> SufficientStats:
        r"""The statistics of the union of two chunks (also ``self + other``).

        Raw statistics add; centred ones merge by Chan et al.'s update (module
        docstring). ``rss`` is not carried over (``rss_min`` then comes from the
        statistics). Both must be of the same kind and width.
        """
        if not isinstance(other, SufficientStats):
            return NotImplemented
        if self.is_centered != other.is_centered or self.xty.shape != other.xty.shape:
            raise ValueError("Only sufficient statistics of the same kind (both centred or "
                             "both raw) and of the same number of columns can be merged; "
                             f"got {self.xty.shape[0]} columns (centred={self.is_centered}) "
                             f"and {other.xty.shape[0]} (centred={other.is_centered}).")
        if not self.is_centered:
            return SufficientStats(self.xtx + other.xtx, self.xty + other.xty,
                                   self.yty + other.yty, self.sum_w + other.sum_w)
        if other.sum_w <= 0.0:
            return self
        if self.sum_w <= 0.0:
            return other
        S = self.sum_w + other.sum_w
        dx, dy = other.x_mean - self.x_mean, other.y_mean - self.y_mean
        f = self.sum_w * other.sum_w / S
        xtx = self.xtx + other.xtx + f * np.outer(dx, dx)
        return SufficientStats(
            xtx=(xtx + xtx.T) / 2.0, xty=self.xty + other.xty + f * dx * dy,
            yty=self.yty + other.yty + f * dy * dy, sum_w=S,
            x_mean=self.x_mean + dx * (other.sum_w / S),
            y_mean=self.y_mean + dy * (other.sum_w / S))

    __add__ = merge

    @staticmethod
    def merge_all(stats) -> SufficientStats:
        """Merge any number of chunk statistics pairwise along a balanced tree (the
        rounding error grows with the tree's depth, ``log2`` of the number of chunks)."""
        level = list(stats)
        if not level:
            raise ValueError("merge_all needs at least one SufficientStats.")
        while len(level) > 1:
            level = [level[i].merge(level[i + 1]) if i + 1 < len(level) else level[i]
                     for i in range(0, len(level), 2)]
        return level[0]

    @property
    def x_scale(self) -> np.ndarray:
        r"""Weighted column standard deviations :math:`\sqrt{\mathrm{diag}(C_{xx})/S}`
        (``ddof=0``, scikit-learn's ``StandardScaler``); centred statistics only."""
        self._need_centered("x_scale")
        return np.sqrt(np.clip(np.diag(self.xtx), 0.0, None) / self.sum_w)

    def with_intercept(self) -> SufficientStats:
        r"""Raw statistics of the design ``[1, X]`` and ``y`` from centred ones.

        .. math::

            D^\top S D = \begin{pmatrix} S & S\bar x^\top \\ S\bar x &
            C_{xx} + S\bar x\bar x^\top\end{pmatrix},\quad
            D^\top S y = \begin{pmatrix} S\bar y \\ C_{xy} + S\bar x\bar y
            \end{pmatrix},\quad y^\top S y = C_{yy} + S\bar y^2 .
        """
        self._need_centered("with_intercept")
        S, xm, ym = self.sum_w, self.x_mean, self.y_mean
        top = np.concatenate([[S], S * xm])
        xtx = np.vstack([top, np.column_stack([S * xm, self.xtx + S * np.outer(xm, xm)])])
        return SufficientStats(xtx=xtx, xty=np.concatenate([[S * ym], self.xty + S * xm * ym]),
                               yty=self.yty + S * ym * ym, sum_w=S, rss=self.rss_min)

    def pseudo_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""``2q`` weighted rows (``q = p + 1``) with exactly these statistics.

        With :math:`M = \begin{pmatrix} C_{xx} & C_{xy}\\ C_{xy}^\top & C_{yy}
        \end{pmatrix} = R^\top R` (Cholesky; a symmetric square root when :math:`M` is
        singular), rows :math:`r_k` of :math:`R` and :math:`c = \sqrt{q/S}`, the rows
        :math:`(\bar x, \bar y) \pm c\,r_k`, each of weight :math:`S/(2q)`, have total
        weight :math:`S`, weighted means :math:`(\bar x, \bar y)` (the pairs cancel)
        and co-moments :math:`2\,\tfrac{S}{2q}\,c^2 \sum_k r_k r_k^\top = M`. A
        Gaussian likelihood sees data only through these statistics, so a model fit to
        the pseudo-data has the same likelihood as one fit to the data, for every
        coefficient, intercept and noise scale. Raw statistics give rows about 0 (use
        them without an intercept).

        Returns
        -------
        X : ndarray (2q, p)
        y : ndarray (2q,)
        sample_weight : ndarray (2q,)
        """
        p = self.xty.shape[0]
        M = np.empty((p + 1, p + 1))
        M[:p, :p], M[:p, p], M[p, :p], M[p, p] = self.xtx, self.xty, self.xty, self.yty
        try:
            R = linalg.cholesky(M, lower=False, check_finite=True)
        except linalg.LinAlgError:
            vals, vecs = np.linalg.eigh(M)
            R = (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T
        q = p + 1
        Z = np.sqrt(q / self.sum_w) * np.vstack([R, -R])
        center = np.concatenate([self.x_mean, [self.y_mean]]) if self.is_centered \
            else np.zeros(q)
        rows = center + Z
        return rows[:, :p], rows[:, p], np.full(2 * q, self.sum_w / (2 * q))

    def _need_centered(self, what: str) -> None:
        if not self.is_centered:
            raise ValueError(f"SufficientStats.{what} needs centred statistics (from "
                             f"SufficientStats.centered); these are raw.")

    @classmethod
    def from_data(cls, D, y, sample_weight=None, chunk_rows: int = CHUNK_ROWS, *,
                  shift=None, intercept: bool = False) -> SufficientStats:
        r"""Accumulate the statistics over row chunks of the design and ``y``.

        The design is ``D`` itself, or, with ``shift`` (a length-``k`` vector, e.g. the
        weighted column means) and/or ``intercept=True``, the design
        :math:`[\mathbf 1,\ D - \mathbf 1 m^\top]` (the column of ones first). That
        design is built one chunk at a time, so the only temporaries are ``chunk_rows``
        rows long whatever ``n`` is, and the statistics are those of the materialized
        design to the last bit (the same numbers in the same order of summation).
        """
        D = np.asarray(D, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        shift = None if shift is None else np.asarray(shift, dtype=np.float64)
        n = D.shape[0]
        k = D.shape[1] + (1 if intercept else 0)

        def design(start):
            Dc = D[start:start + chunk_rows]
            if shift is not None:
                Dc = Dc - shift
            if intercept:
                Dc = np.column_stack([np.ones(Dc.shape[0]), Dc])
            return Dc

        xtx, xty, yty = np.zeros((k, k)), np.zeros(k), 0.0
        for start in range(0, n, chunk_rows):
            Dc, yc = design(start), y[start:start + chunk_rows]
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
            r = y[start:start + chunk_rows] - design(start) @ beta
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
