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

import math
from collections.abc import Callable

import numba as nb
import numpy as np
from scipy.linalg import lapack

__all__ = ["gaussian_block_draw", "variance_step", "bhattacharya_draw", "slice_step",
           "inverse_gamma", "wide_gram", "wide_log_marginal", "tall_log_marginal",
           "collapsed_local_sweep", "coordinate_sweep", "pg_log_likelihood"]


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


# --------------------------------------------------------------------------------------
# Collapsed and exact-likelihood moves for Pólya-Gamma Gibbs with global-local priors.
#
# Both kernels below are univariate slice samplers (Neal 2003, Fig. 3, as
# :func:`slice_step`) over a sequence of coordinates, compiled by numba. Each coordinate
# takes its randomness from its own row of ``unif`` (``SLICE_UNIFORMS`` numbers: the level,
# the initial bracket, the split of the stepping-out budget, then one per shrinkage), so
# the same uniforms give the same draws in any process and any thread; a coordinate whose
# slice is not hit in ``SLICE_UNIFORMS - 3`` shrinkages keeps its value (a bracket shrunk
# by ~2^-29), which leaves its target invariant.

#: uniforms per slice update in :func:`collapsed_local_sweep` and :func:`coordinate_sweep`
SLICE_UNIFORMS = 32
_MAX_OUT = 8


@nb.njit(nogil=True)
def _slice_1d(log_target, args, x0, width, r):  # pragma: no cover - numba
    """One slice update of ``x0`` under ``log_target(x, args)`` (Neal 2003, Fig. 3: the
    level, a bracket of ``width`` placed at random, at most ``_MAX_OUT`` steps out split
    at random, then shrinkage), its randomness from the uniforms ``r``; ``x0`` when no
    point of the slice is hit within ``r``."""
    level = log_target(x0, args) + math.log(r[0])
    lo = x0 - width * r[1]
    hi = lo + width
    jl = math.floor(_MAX_OUT * r[2])
    jr = _MAX_OUT - 1 - jl
    while jl > 0 and log_target(lo, args) > level:
        lo -= width
        jl -= 1
    while jr > 0 and log_target(hi, args) > level:
        hi += width
        jr -= 1
    for t in range(3, r.size):
        xn = lo + (hi - lo) * r[t]
        if log_target(xn, args) > level:
            return xn
        if xn < x0:
            lo = xn
        else:
            hi = xn
    return x0


@nb.njit(nogil=True)
def _local_variance(lam, t2, c2, kind):  # pragma: no cover - numba
    """``tau^2 lambda^2`` (``kind`` 0, horseshoe) or ``c^2 tau^2 lambda^2 / (c^2 +
    tau^2 lambda^2)`` (``kind`` 1, regularized horseshoe)."""
    tl = t2 * lam * lam
    if kind == 0:
        return tl
    return c2 * tl / (c2 + tl)


@nb.njit(nogil=True)
def _collapsed_log_target(x, args):  # pragma: no cover - numba
    v0, sp, au, su, ld, q, a, b, flat, t2, c2, nu, kind = args
    lam = math.exp(x)
    d = _local_variance(lam, t2, c2, kind) - v0
    g = 1.0 + d * sp
    if not g > 0.0:
        return -np.inf
    out = -0.5 * (ld + math.log(g)) - 0.5 * (q - d * au * au / g)
    if flat:
        ax = a - d * su * su / g
        bx = b - d * su * au / g
        if not ax > 0.0:
            return -np.inf
        out += -0.5 * math.log(ax) + 0.5 * bx * bx / ax
    return out - 0.5 * (nu + 1.0) * math.log1p(lam * lam / nu) + x


@nb.njit(nogil=True)
def _collapsed_chain(K, Phi, alpha, s, lam, tau, c2, nu, kind, flat, ld, q, a, b,
                     unif):  # pragma: no cover - numba
    """``ld, q, a, b``: ``log|M|``, ``alpha' K alpha``, ``s' K s``, ``s' K alpha``."""
    n, p = Phi.shape
    t2 = tau * tau
    u = np.empty(n)
    for j in range(p):
        for i in range(n):
            acc = 0.0
            for m in range(n):
                acc += K[i, m] * Phi[m, j]
            u[i] = acc
        sp = 0.0
        au = 0.0
        su = 0.0
        for i in range(n):
            sp += Phi[i, j] * u[i]
            au += alpha[i] * u[i]
            su += s[i] * u[i]
        x0 = math.log(lam[j])
        v0 = _local_variance(lam[j], t2, c2, kind)
        x1 = _slice_1d(_collapsed_log_target,
                       (v0, sp, au, su, ld, q, a, b, flat, t2, c2, nu, kind), x0, 1.0, unif[j])
        if x1 == x0:
            continue
        lam1 = math.exp(x1)
        d = _local_variance(lam1, t2, c2, kind) - v0
        g = 1.0 + d * sp
        ld += math.log(g)
        q -= d * au * au / g
        a -= d * su * su / g
        b -= d * su * au / g
        cc = d / g
        for i in range(n):
            ci = cc * u[i]
            for m in range(n):
                K[i, m] -= ci * u[m]
        lam[j] = lam1


def _collapsed_chains(K, Phi, alpha, s, lam, tau, c2, nu, kind, flat, ld, q, a, b,
                      unif):  # pragma: no cover - numba
    for c in nb.prange(K.shape[0]):
        _collapsed_chain(K[c], Phi[c], alpha[c], s[c], lam[c], tau[c], c2[c], nu, kind,
                         flat, ld[c], q[c], a[c], b[c], unif[c])


#: the chains one after the other, and the chains on numba's threads (compiled on first
#: use; the same draws, as every uniform is drawn before)
_COLLAPSED = (nb.njit(nogil=True)(_collapsed_chains),
              nb.njit(nogil=True, parallel=True)(_collapsed_chains))


def collapsed_local_sweep(M: np.ndarray, Phi: np.ndarray, alpha: np.ndarray,
                          flat: np.ndarray | None, lam: np.ndarray, tau: np.ndarray,
                          c2: np.ndarray | None, nu: float, rng: np.random.Generator,
                          parallel: bool = False) -> None:
    r"""One slice update of every ``log lambda_j`` of a horseshoe (``c2`` None) or
    regularized horseshoe, with the coefficients integrated out (``p > n``), in place.

    Given the Pólya-Gamma weights the pseudo-data ``alpha = Phi theta + e``, ``e ~ N(0,
    I_n)``, ``theta_j ~ N(0, v_j)`` have the marginal ``N(0, M)``, ``M = I_n + Phi
    diag(v) Phi^T`` (with ``flat``, a column whose coefficient has a flat prior,
    integrated as in :func:`wide_log_marginal`). Changing one ``v_j`` by ``d`` changes
    ``M`` by ``d phi_j phi_j^T``; with ``K = M^{-1}``, ``u = K phi_j`` and ``g = 1 + d
    phi_j' u``,

    .. math:: \log|M'| = \log|M| + \log g, \qquad
              \alpha' K' \alpha = \alpha' K \alpha - d (\alpha' u)^2 / g,

    so every density evaluation of ``lambda_j``'s update costs ``O(1)`` after an ``O(n^2)``
    product, and ``K`` follows each accepted change by the rank-one update ``K - (d / g) u
    u^T``: a sweep costs ``O(p n^2)``. The target of ``x = log lambda_j`` is that marginal
    times the half-Student-t(``nu``) prior of ``lambda_j`` times ``e^x``. A local scale
    drawn given its coefficient stays small when the coefficient is small and vice versa
    (the horseshoe's sticky zero); drawn with the coefficient integrated out, a column can
    switch on in one step.

    Parameters
    ----------
    M : ndarray, shape (chains, n, n)
        :func:`wide_gram` at the current variances.
    Phi : ndarray, shape (chains, n, p)
    alpha : ndarray, shape (chains, n)
    flat : ndarray, shape (chains, n), optional
    lam : ndarray, shape (chains, p)
        Updated in place.
    tau, c2 : ndarray, shape (chains,)
    nu : float
        The local scales' degrees of freedom.
    rng : numpy.random.Generator
    parallel : bool, default False
        Run the chains on numba's threads (worth its extra compilation when a sweep is
        long); the draws are the same either way.
    """
    chains, n, p = Phi.shape
    K = np.ascontiguousarray(np.linalg.inv(M))
    has_flat = flat is not None
    s = np.ascontiguousarray(flat if has_flat else np.zeros((chains, n)))
    ld = np.linalg.slogdet(M)[1]
    Ka = np.einsum("cnm,cm->cn", K, alpha)
    Ks = np.einsum("cnm,cm->cn", K, s)
    q = np.einsum("cn,cn->c", alpha, Ka)
    a = np.einsum("cn,cn->c", s, Ks)
    b = np.einsum("cn,cn->c", s, Ka)
    kind = 0 if c2 is None else 1
    c2v = np.ones(chains) if c2 is None else np.asarray(c2, dtype=float)
    unif = rng.uniform(size=(chains, p, SLICE_UNIFORMS))
    lam_c = np.ascontiguousarray(lam)
    _COLLAPSED[bool(parallel)](K, np.ascontiguousarray(Phi), np.ascontiguousarray(alpha), s,
                               lam_c, np.asarray(tau, dtype=float), c2v, float(nu), kind,
                               has_flat, ld, q, a, b, unif)
    lam[...] = lam_c


@nb.njit(nogil=True)
def _pg_loglik(psi, a, b):  # pragma: no cover - numba
    """``sum_i a_i psi_i - b_i log(1 + e^{psi_i})``."""
    acc = 0.0
    for i in range(psi.size):
        e = psi[i]
        if e > 0.0:
            acc += a[i] * e - b[i] * (e + math.log1p(math.exp(-e)))
        else:
            acc += a[i] * e - b[i] * math.log1p(math.exp(e))
    return acc


@nb.njit(nogil=True)
def _coordinate_log_target(t, args):  # pragma: no cover - numba
    b0, zj, psi, a, b, vj, work = args
    d = t - b0
    for i in range(psi.size):
        work[i] = psi[i] + d * zj[i]
    return _pg_loglik(work, a, b) - 0.5 * t * t / vj


@nb.njit(nogil=True)
def _coordinate_chain(beta, psi, Zt, a, b, v, min_ratio, unif):  # pragma: no cover - numba
    p, n = Zt.shape
    work = np.empty(n)
    for j in range(p):
        zj = Zt[j]
        curv = 0.0
        for i in range(n):
            curv += b[i] * zj[i] * zj[i]
        if 0.25 * curv * v[j] < min_ratio:
            continue  # the likelihood barely moves this coefficient from its prior
        # about two conditional standard deviations (the curvature of the likelihood is at
        # most b / 4 per row)
        width = 2.0 / math.sqrt(0.25 * curv + 1.0 / v[j])
        x0 = beta[j]
        x1 = _slice_1d(_coordinate_log_target, (x0, zj, psi, a, b, v[j], work), x0, width,
                       unif[j])
        d = x1 - x0
        for i in range(n):
            psi[i] += d * zj[i]
        beta[j] = x1


def _coordinate_chains(beta, psi, Zt, a, b, v, min_ratio, unif):  # pragma: no cover - numba
    for c in nb.prange(beta.shape[0]):
        _coordinate_chain(beta[c], psi[c], Zt, a, b, v[c], min_ratio, unif[c])


#: as :data:`_COLLAPSED`
_COORDINATE = (nb.njit(nogil=True)(_coordinate_chains),
               nb.njit(nogil=True, parallel=True)(_coordinate_chains))


def coordinate_sweep(theta: np.ndarray, psi: np.ndarray, Zt: np.ndarray, a: np.ndarray,
                     b: np.ndarray, v: np.ndarray, rng: np.random.Generator,
                     min_ratio: float = 1e-3, parallel: bool = False) -> None:
    r"""One slice update of every coefficient ``theta_j ~ N(0, v_j)`` given the others,
    under the exact likelihood ``sum_i a_i psi_i - b_i log(1 + e^{psi_i})`` (the
    Pólya-Gamma form of the bernoulli and negative-binomial families), in place.

    ``psi = offset + ... + Z theta`` is the linear predictor at ``theta`` (updated in place
    with each coefficient, ``O(n)`` per evaluation). With the Pólya-Gamma weights
    integrated out, a coefficient whose linear predictor is large is not held back by its
    small weights (Gibbs given the weights crawls there); the weights are redrawn after.

    Parameters
    ----------
    theta : ndarray, shape (chains, p)
    psi : ndarray, shape (chains, n)
    Zt : ndarray, shape (p, n)
        The coefficients' columns, transposed.
    a, b : ndarray, shape (n,)
    v : ndarray, shape (chains, p)
        Positive, finite prior variances.
    rng : numpy.random.Generator
    min_ratio : float, default 1e-3
        Coefficients whose prior variance is below ``min_ratio`` times the largest
        conditional variance the likelihood allows (``v_j sum_i b_i z_ij^2 / 4 <
        min_ratio``: their conditional is their prior to that precision) are left as they
        are. The choice depends only on ``v``, which the sweep holds fixed, so the sweep
        still leaves the conditional of the others invariant.
    parallel : bool, default False
        As in :func:`collapsed_local_sweep`.
    """
    chains, p = theta.shape
    unif = rng.uniform(size=(chains, p, SLICE_UNIFORMS))
    th = np.ascontiguousarray(theta)
    ps = np.ascontiguousarray(psi)
    n = psi.shape[1]
    a = np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=float), (n,)))
    b = np.ascontiguousarray(np.broadcast_to(np.asarray(b, dtype=float), (n,)))
    _COORDINATE[bool(parallel)](th, ps, np.ascontiguousarray(Zt), a, b,
                                np.ascontiguousarray(v), float(min_ratio), unif)
    theta[...] = th
    psi[...] = ps


def pg_log_likelihood(psi: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_i a_i psi_i - b_i log(1 + e^{psi_i})`` over the last axis of ``psi``."""
    return (a * psi - b * np.logaddexp(0.0, psi)).sum(axis=-1)
