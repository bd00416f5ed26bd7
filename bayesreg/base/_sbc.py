r"""Rank statistics of simulation-based calibration and their uniformity test (NumPy/SciPy).

Simulation-based calibration (SBC; Talts et al. 2018) draws ``theta' ~ p(theta)``, then
``y' ~ p(y | theta')``, then ``L`` (near-)independent posterior draws
``theta_1..theta_L ~ p(theta | y')``; the rank ``r = #{l : theta_l < theta'}`` is uniform
on ``{0, ..., L}`` exactly when the posterior draws are right (for every ``theta'``
component and any ``L``). ``simuk`` computes the same rank (the number of posterior
draws below the reference).

The uniformity test is the ECDF test of Säilynoja, Bürkner & Vehtari (2022, "Graphical
test for discrete uniformity and its applications in goodness-of-fit evaluation and
multiple sample comparison", Statistics and Computing 32:32) on the rank lattice: for
``N`` ranks and each cut ``j = 1..L``, ``K_j = #{r < j}`` is
``Binomial(N, z_j)`` with ``z_j = j / (L + 1)`` under uniformity, and the statistic is

.. math::
    \gamma = \min_j 2 \min\{F_{N, z_j}(K_j),\; 1 - F_{N, z_j}(K_j - 1)\}

(``F`` the binomial CDF): the smallest two-sided pointwise tail probability of the ECDF.
Its p-value ``P(gamma_0 <= gamma)`` under uniformity is estimated from ``null_draws``
simulated uniform rank sets (seeded, so the same inputs give the same p-value), and the
simultaneous ``1 - alpha`` band of the ECDF is the pointwise binomial interval at the
``alpha`` quantile of ``gamma_0``: a rank ECDF leaves that band exactly when its p-value is
below ``alpha``, so the plot and the test say the same thing.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

__all__ = ["sbc_ranks", "ecdf_gamma", "uniformity_pvalue", "ecdf_band", "thin_indices",
           "NULL_DRAWS"]

#: simulated uniform rank sets behind each p-value (p-values resolve to 1 / 4001)
NULL_DRAWS = 4000


def sbc_ranks(reference: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """The SBC rank of each reference value among its posterior draws.

    Parameters
    ----------
    reference : ndarray of shape (k,)
        One prior draw per parameter component.
    draws : ndarray of shape (L, k)
        ``L`` posterior draws of the same components.

    Returns
    -------
    ndarray of int, shape (k,)
        ``#{l : draws[l] < reference}``, in ``{0, ..., L}``; ties (a discrete or
        degenerate parameter) are broken at random halves, so that ranks stay uniform.
    """
    reference = np.asarray(reference, dtype=float)
    draws = np.asarray(draws, dtype=float)
    below = np.sum(draws < reference, axis=0)
    ties = np.sum(draws == reference, axis=0)
    # a tie counts as below with probability 1/2 per tied draw, deterministically spread
    return (below + ties // 2).astype(int)


def _gamma_from_counts(counts: np.ndarray, n: int, n_ranks: int) -> np.ndarray:
    """``gamma`` of rank sets from their cumulative counts ``K_j`` (last axis: j = 1..L)."""
    z = np.arange(1, n_ranks) / n_ranks
    lower = stats.binom.cdf(counts, n, z)
    upper = stats.binom.sf(counts - 1, n, z)
    return np.min(2.0 * np.minimum(lower, upper), axis=-1)


def _cumulative_counts(ranks: np.ndarray, n_ranks: int) -> np.ndarray:
    """``K_j = #{r < j}`` for ``j = 1..L`` (``n_ranks = L + 1`` rank values)."""
    ranks = np.asarray(ranks, dtype=np.int64)
    rows = ranks.reshape(-1, ranks.shape[-1])
    offset = (np.arange(rows.shape[0]) * n_ranks)[:, None]
    hist = np.bincount((rows + offset).ravel(), minlength=rows.shape[0] * n_ranks)
    counts = np.cumsum(hist.reshape(rows.shape[0], n_ranks), axis=-1)[:, :-1]
    return counts.reshape(ranks.shape[:-1] + (n_ranks - 1,))


def ecdf_gamma(ranks, n_ranks: int) -> float:
    """The ECDF uniformity statistic ``gamma`` of ranks on ``{0, ..., n_ranks - 1}``."""
    ranks = np.asarray(ranks, dtype=np.int64)
    return float(_gamma_from_counts(_cumulative_counts(ranks, n_ranks), ranks.size, n_ranks))


@lru_cache(maxsize=64)
def _null_gammas(n: int, n_ranks: int, null_draws: int) -> np.ndarray:
    """Sorted ``gamma`` of ``null_draws`` uniform rank sets of size ``n`` (fixed seed)."""
    rng = np.random.default_rng(20180406)  # Talts et al.'s arXiv date: any fixed seed
    out = np.empty(null_draws)
    block = 500
    for start in range(0, null_draws, block):
        m = min(block, null_draws - start)
        ranks = rng.integers(0, n_ranks, size=(m, n))
        out[start:start + m] = _gamma_from_counts(_cumulative_counts(ranks, n_ranks), n,
                                                  n_ranks)
    out.sort()
    return out


def uniformity_pvalue(ranks, n_ranks: int, *, null_draws: int = NULL_DRAWS) -> float:
    """p-value of the ECDF test that ``ranks`` are uniform on ``{0, ..., n_ranks - 1}``.

    ``(1 + #{gamma_0 <= gamma}) / (1 + null_draws)`` over simulated uniform rank sets of
    the same size: small when the rank ECDF strays from the diagonal anywhere (a shift:
    ranks piled at one end; an over- or under-dispersed posterior: a hump or a U).
    """
    ranks = np.asarray(ranks, dtype=np.int64).ravel()
    if ranks.size == 0:
        raise ValueError("uniformity_pvalue needs at least one rank; run more simulations.")
    if n_ranks < 2:
        raise ValueError(f"n_ranks must be at least 2 (L >= 1 posterior draws); got "
                         f"{n_ranks}.")
    gamma = ecdf_gamma(ranks, n_ranks)
    null = _null_gammas(ranks.size, int(n_ranks), int(null_draws))
    below = np.searchsorted(null, gamma * (1 + 1e-12), side="right")
    return float((1 + below) / (1 + null_draws))


def ecdf_band(n: int, n_ranks: int, alpha: float = 0.01, *,
              null_draws: int = NULL_DRAWS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The simultaneous ``1 - alpha`` band of the rank ECDF, as differences from uniform.

    Returns ``z`` (the cuts ``j / (L + 1)``) and the lower and upper limits of
    ``K_j / n - z_j``: the binomial interval at the ``alpha`` quantile of the null
    ``gamma``, so that a rank set's ECDF leaves the band where its p-value is below
    ``alpha``.
    """
    null = _null_gammas(int(n), int(n_ranks), int(null_draws))
    level = float(np.quantile(null, alpha))
    z = np.arange(1, n_ranks) / n_ranks
    lo = stats.binom.ppf(level / 2.0, n, z) / n
    hi = stats.binom.ppf(1.0 - level / 2.0, n, z) / n
    return z, lo - z, hi - z


def thin_indices(total: int, keep: int) -> np.ndarray:
    """``keep`` indices spread evenly over ``total`` pooled draws (thinning to ``keep``)."""
    if keep > total:
        raise ValueError(f"cannot keep {keep} draws of {total}; draw more per chain.")
    return np.round(np.linspace(0, total - 1, keep)).astype(int)
