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

:func:`bhattacharya_draw` draws the same Gaussian when the precision is ``Phi^T Phi +
D^{-1}`` with ``Phi`` an ``n x p`` matrix and ``p > n`` (Bhattacharya, Chakraborty &
Mallick 2016): with ``u ~ N(0, D)``, ``delta ~ N(0, I_n)``, ``v = Phi u + delta`` and
``w = (Phi D Phi^T + I_n)^{-1} (alpha - v)``,

.. math:: \theta = u + D \Phi^T w \sim N\big((\Phi^T\Phi + D^{-1})^{-1}\Phi^T\alpha,
          (\Phi^T\Phi + D^{-1})^{-1}\big),

``O(n^2 p)`` instead of ``O(p^3)``. A coefficient with a flat prior (an intercept, whose
column of ``Phi`` is ``s``) is drawn first from its marginal, ``N(s^T M^{-1} alpha /
s^T M^{-1} s, 1 / s^T M^{-1} s)`` with ``M = Phi D Phi^T + I_n``, and the others given it
(``alpha - beta_0 s``): one factorization of ``M`` serves both.

:func:`slice_step` is a univariate slice sampler (Neal 2003; stepping out, then
shrinkage) run on many independent targets at once: each element of ``x`` is one
target, and ``log_f`` evaluates all of them together.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import lapack

__all__ = ["gaussian_block_draw", "variance_step", "bhattacharya_draw", "slice_step",
           "inverse_gamma", "wide_gram", "wide_log_marginal", "tall_log_marginal"]


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


def inverse_gamma(shape, rate, rng: np.random.Generator) -> np.ndarray:
    """Draws of ``InvGamma(shape, rate)`` (density ``∝ x^{-shape-1} exp(-rate / x)``),
    elementwise over the broadcast shape of the arguments."""
    shape, rate = np.broadcast_arrays(np.asarray(shape, dtype=float),
                                      np.asarray(rate, dtype=float))
    return rate / rng.standard_gamma(shape)


def wide_gram(Phi: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``M = Phi diag(d) Phi^T + I_n`` for each chain (``(chains, n, n)``)."""
    n = Phi.shape[1]
    M = np.matmul(Phi * d[:, None, :], Phi.transpose(0, 2, 1))
    M[:, np.arange(n), np.arange(n)] += 1.0
    return M


def wide_log_marginal(M: np.ndarray, alpha: np.ndarray,
                      flat: np.ndarray | None = None) -> np.ndarray:
    """``log N(alpha | 0, M)`` up to a constant free of ``M``, per chain; with ``flat``
    (a column ``s`` whose coefficient has a flat prior) integrated over that coefficient:
    ``-log|M| / 2 - alpha' M^{-1} alpha / 2 - log(s' M^{-1} s) / 2 + (s' M^{-1}
    alpha)^2 / (2 s' M^{-1} s)``. The marginal likelihood of the prior variances
    ``d`` given the Pólya-Gamma weights, the coefficients integrated out."""
    rhs = [alpha] if flat is None else [alpha, flat]
    sol = np.linalg.solve(M, np.stack(rhs, axis=-1))
    out = -0.5 * np.linalg.slogdet(M)[1] - 0.5 * np.einsum("cn,cn->c", alpha, sol[..., 0])
    if flat is not None:
        a2 = np.einsum("cn,cn->c", flat, sol[..., 1])
        a1 = np.einsum("cn,cn->c", flat, sol[..., 0])
        out += -0.5 * np.log(a2) + 0.5 * a1 * a1 / a2
    return out


def tall_log_marginal(P: np.ndarray, r: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The same marginal in the coefficients' space (``n >= k``): ``-log|P| / 2 + r'
    P^{-1} r / 2 - sum_j log d_j / 2`` with ``P = Phi' Phi + diag(1 / d)`` and ``r = Phi'
    alpha`` (``d_j = inf``: a flat coefficient, no term), per chain."""
    L = np.linalg.cholesky(P)
    half = np.linalg.solve(L, r[..., None])[..., 0]
    logdet = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    with np.errstate(divide="ignore"):
        logd = np.where(np.isfinite(d), np.log(d), 0.0).sum(axis=1)
    return -0.5 * logdet + 0.5 * (half * half).sum(axis=1) - 0.5 * logd


def bhattacharya_draw(Phi: np.ndarray, d: np.ndarray, alpha: np.ndarray,
                      rng: np.random.Generator, flat: np.ndarray | None = None,
                      M: np.ndarray | None = None):
    """Draws ``theta[c] ~ N(A^{-1} Phi[c]^T alpha[c], A^{-1})``, ``A = Phi[c]^T Phi[c] +
    diag(1 / d[c])``, for each chain ``c`` (see the module docstring).

    Parameters
    ----------
    Phi : ndarray, shape (chains, n, p)
    d : ndarray, shape (chains, p)
        Positive, finite prior variances.
    alpha : ndarray, shape (chains, n)
    rng : numpy.random.Generator
    flat : ndarray, shape (chains, n), optional
        The column ``s`` of one more coefficient with a flat prior (drawn jointly).
    M : ndarray, shape (chains, n, n), optional
        :func:`wide_gram` of ``Phi`` and ``d``, when the caller has it.

    Returns
    -------
    theta : ndarray, shape (chains, p)
    beta0 : ndarray, shape (chains,) or None
        The coefficient of ``flat`` (None without it).
    """
    chains, n, p = Phi.shape
    u = np.sqrt(d) * rng.standard_normal((chains, p))
    v = np.einsum("cnp,cp->cn", Phi, u) + rng.standard_normal((chains, n))
    M = wide_gram(Phi, d) if M is None else M
    rhs = [alpha, v] + ([] if flat is None else [flat])
    sol = np.linalg.solve(M, np.stack(rhs, axis=-1))
    w = sol[..., 0] - sol[..., 1]
    beta0 = None
    if flat is not None:
        a2 = np.einsum("cn,cn->c", flat, sol[..., 2])
        a1 = np.einsum("cn,cn->c", flat, sol[..., 0])
        beta0 = a1 / a2 + rng.standard_normal(chains) / np.sqrt(a2)
        w = w - beta0[:, None] * sol[..., 2]
    theta = u + d * np.einsum("cnp,cn->cp", Phi, w)
    return theta, beta0


def slice_step(x: np.ndarray, log_f: Callable[[np.ndarray], np.ndarray],
               rng: np.random.Generator, width: float = 2.0, max_out: int = 10,
               max_shrink: int = 60) -> np.ndarray:
    """One slice-sampling update of each element of ``x`` (independent univariate
    targets with log densities ``log_f(x)``, evaluated elementwise and all at once).

    Stepping out by ``width`` at most ``max_out`` times on each side (Neal 2003, Fig. 3)
    and shrinking; an element whose slice is not hit in ``max_shrink`` shrinkages (a
    bracket shrunk by ~2^-60) keeps its value, which leaves the target invariant.
    """
    x = np.array(x, dtype=float)
    log_y = log_f(x) - rng.standard_exponential(x.shape)
    left = x - width * rng.uniform(size=x.shape)
    right = left + width
    j = np.floor(max_out * rng.uniform(size=x.shape))
    k = max_out - 1 - j
    for _ in range(max_out):
        grow = (j > 0) & (log_f(left) > log_y)
        if not grow.any():
            break
        left = np.where(grow, left - width, left)
        j -= grow
    for _ in range(max_out):
        grow = (k > 0) & (log_f(right) > log_y)
        if not grow.any():
            break
        right = np.where(grow, right + width, right)
        k -= grow
    todo = np.ones(x.shape, dtype=bool)
    for _ in range(max_shrink):
        new = left + (right - left) * rng.uniform(size=x.shape)
        hit = todo & (log_f(new) > log_y)
        x = np.where(hit, new, x)
        todo &= ~hit
        if not todo.any():
            break
        below = todo & (new < x)
        left = np.where(below, new, left)
        right = np.where(todo & ~below, new, right)
    return x
