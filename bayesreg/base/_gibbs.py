r"""The two conditional draws of a Gibbs sampler for a Gaussian likelihood (NumPy/SciPy).

Both are batched over independent chains (the leading axis).

:func:`gaussian_block_draw` draws ``beta ~ N(P^{-1} r, P^{-1})`` given the precision
``P`` and ``r`` (Rue 2001): with the Cholesky factor ``P = L L^T``,

.. math:: \beta = L^{-T} (L^{-1} r + z), \qquad z \sim N(0, I),

one factorization and two triangular solves, ``O(k^3)``.

:func:`variance_step` updates a variance ``s2`` (the noise ``sigma**2``, or the square
of a prior scale) given everything else, when the likelihood part of its conditional is
``s2^{-A} exp(-B / s2)`` and its square root has any prior density ``pi``: independence Metropolis-Hastings with the proposal
``s2* ~ InvGamma(A - 1, B)`` (the conditional under a flat prior on ``s2``), accepted with
probability ``min(1, pi_s2(s2*) / pi_s2(s2))`` where ``pi_s2(s2) = pi(sqrt(s2)) / (2
sqrt(s2))`` is the prior density of ``s2``. With many observations the conditional is
narrow and the prior nearly flat across it, so almost every proposal is accepted; the
step is repeated ``tries`` times per call.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import lapack

__all__ = ["gaussian_block_draw", "variance_step"]


def gaussian_block_draw(P: np.ndarray, r: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draws ``beta[c] ~ N(P[c]^{-1} r[c], P[c]^{-1})`` for each chain ``c``.

    Parameters
    ----------
    P : ndarray, shape (chains, k, k)
        Symmetric positive-definite precision matrices.
    r : ndarray, shape (chains, k)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (chains, k)
    """
    z = rng.standard_normal(r.shape)
    out = np.empty_like(r)
    for c in range(P.shape[0]):  # LAPACK directly: a third of scipy.linalg's overhead
        L, info = lapack.dpotrf(P[c], lower=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(
                f"The precision matrix of the coefficients is not positive definite "
                f"(LAPACK dpotrf info={info}); the Gibbs sampler cannot draw them.")
        u, _ = lapack.dtrtrs(L, r[c], lower=1)
        out[c], _ = lapack.dtrtrs(L, u + z[c], lower=1, trans=1)
    return out


def variance_step(s2: np.ndarray, A: float, B: np.ndarray,
                        log_prior_s2: Callable[[np.ndarray], np.ndarray],
                        rng: np.random.Generator, tries: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Metropolis-Hastings updates of a variance ``s2`` (see the module docstring).

    Parameters
    ----------
    s2 : ndarray, shape (chains,)
        Current values.
    A : float
        The power in ``s2^{-A}``; must exceed 1.
    B : ndarray, shape (chains,)
        The positive rate in ``exp(-B / s2)``.
    log_prior_s2 : callable
        Log prior density of ``s2`` (up to a constant), vectorized.
    rng : numpy.random.Generator
    tries : int, default 3
        Independence proposals per call.

    Returns
    -------
    s2 : ndarray, shape (chains,)
        The new values.
    accepted : ndarray of int, shape (chains,)
        How many of the ``tries`` proposals were accepted.
    """
    s2 = np.array(s2, dtype=float)
    # every proposal and the current value in one call of the prior density
    values = np.vstack([s2[None, :], B / rng.standard_gamma(A - 1.0, size=(tries,) + s2.shape)])
    lps = log_prior_s2(values)
    log_u = np.log(rng.uniform(size=(tries,) + s2.shape))
    lp = lps[0]
    accepted = np.zeros(s2.shape, dtype=int)
    for t in range(tries):
        take = log_u[t] < lps[t + 1] - lp
        s2 = np.where(take, values[t + 1], s2)
        lp = np.where(take, lps[t + 1], lp)
        accepted += take
    return s2, accepted
