"""Maximum a posteriori (MAP) fits of penalized GLMs: the penalty = prior layer.

This module is pure NumPy/SciPy (numba for the coordinate-descent loops). It minimizes
the negative log posterior, up to additive constants,

.. math::

    F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, \\eta_i)
              + \\sum_j \\Big( l1_j |w_j| + \\tfrac{1}{2} l2_j w_j^2 \\Big)
              + \\mathrm{pen}_t(w), \\qquad \\eta = X w + b,

with the per-observation negative log-likelihoods

* gaussian (identity link): ``(y - eta)**2 / (2 sigma**2)``
* bernoulli (logit link):   ``log(1 + exp(eta)) - y * eta``
* poisson (log link):       ``exp(eta) - y * eta``

and the optional Student-t prior ``pen_t(w) = sum_j (nu + 1)/2 * log(1 + w_j**2 /
(nu * scale**2))``. The intercept ``b`` is never penalized. Read as a prior,
``l2_j w_j**2 / 2`` is a Gaussian ``N(0, 1/l2_j)`` and ``l1_j |w_j|`` a Laplace prior with
scale ``1/l1_j``, so the minimizer of ``F`` is both the MAP estimate and the penalized
(ridge / lasso / elastic-net / penalized GLM) estimate: they are the same number.

Solvers, chosen by the structure of the problem:

===========================================  ===============================================
problem                                      solver (``MapResult.solver``)
===========================================  ===============================================
gaussian, ``l1 = 0``, ``l2 > 0``, ``p <= n`` ``"spectral"``: the ridge closed form of
                                             :mod:`bayesreg.math.conjugate` on the Gram,
                                             weighted centring for the intercept
gaussian, ``l1 = 0``, ``l2 > 0``, ``p > n``  ``"spectral-dual"``: the same on the design
gaussian, some ``l2 = 0`` (flat prior)       ``"cholesky"``: normal equations, or
                                             ``"lstsq"`` (minimum-norm) when singular
gaussian, ``l1 > 0``, ``p <= n``             ``"cd-gram"``: coordinate descent on the Gram
gaussian, ``l1 > 0``, ``p > n``              ``"cd"``: coordinate descent on ``X`` with
                                             residual updates
bernoulli/poisson or Student-t, ``l1 = 0``   ``"newton"`` (``p <= 2000``); for larger
                                             ``p`` with ``n <= 2000`` and ``l2 > 0``
                                             ``"newton-dual"`` (Woodbury, ``n x n``
                                             solves), else ``"lbfgs"``
bernoulli/poisson, ``l1 > 0``                ``"prox-newton"``: glmnet-style quadratic
                                             model solved by coordinate descent
===========================================  ===============================================

Coordinate descent uses soft-thresholding (exact zeros), a KKT stopping rule, active-set
cycling and an "active-set polish": once the support and signs are stable, the smooth
problem restricted to the support is solved exactly by Cholesky and accepted only if it
satisfies all optimality conditions. That is what makes the solution agree with
scikit-learn to ~1e-9 and not just to the optimizer tolerance.

``kkt_violation`` (reported in :class:`MapResult` and used as the stopping rule, compared
with ``tol``) is the largest distance of 0 from the subdifferential of ``F`` over all
coordinates (the intercept included), divided by ``max(1, sum(sample_weight))``, i.e. it
is the optimality violation of the *per-observation average* objective ``F / sum(s)``.
For smooth problems this is exactly the ``gtol`` of scikit-learn's L-BFGS on its own
(averaged) objective, so it is comparable across ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
from scipy import linalg, optimize

from .conjugate import ridge_solution, ridge_solution_from_data
from .glm import GLM_FAMILIES, intercept_start, nll, nll_derivs

__all__ = ["MapResult", "fit_map", "map_objective", "kkt_violation"]

FAMILIES = GLM_FAMILIES
NEWTON_MAX_P = 2000  # above this, smooth GLM problems go to L-BFGS
_CENTER_RATIO = 10.0  # centre X explicitly when some |mean_j| > _CENTER_RATIO * std_j
_CD_CHUNK = 50  # coordinate-descent sweeps between two active-set polish attempts
_REUSE_DETA = 0.1  # keep the Newton Hessian when the last step moved eta by less than this
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class MapResult:
    """The minimizer of the negative log posterior ``F`` (see the module docstring).

    Attributes
    ----------
    coef : numpy.ndarray, shape (p,)
        MAP coefficients ``w``; coordinates with ``l1 > 0`` can be exactly zero.
    intercept : float
        MAP intercept ``b`` (``0.0`` when ``fit_intercept=False``).
    objective : float
        ``F(coef, intercept)``.
    n_iter : int
        Iterations of the solver: 1 for closed forms, coordinate-descent sweeps for
        ``"cd"``/``"cd-gram"``, outer iterations for ``"newton"``/``"prox-newton"``/
        ``"lbfgs"``.
    converged : bool
        Closed forms: always ``True``. Iterative solvers: ``kkt_violation <= tol``.
    kkt_violation : float
        ``max_j dist(0, subdifferential_j F) / max(1, sum(sample_weight))`` over the
        coefficients and the intercept.
    solver : str
        One of ``"spectral"``, ``"spectral-dual"``, ``"cholesky"``, ``"lstsq"``,
        ``"cd-gram"``, ``"cd"``,
        ``"newton"``, ``"newton-dual"``, ``"lbfgs"``, ``"prox-newton"``.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    converged: bool
    kkt_violation: float
    solver: str


# =====================================================================================
# Problem set-up
# =====================================================================================


@dataclass
class _Problem:
    """Validated inputs plus the working design ``X0 = X - x_off``.

    Solvers work with ``eta = X0 @ w + b0``; the user's intercept is
    ``b = b0 - x_off @ w``. ``x_off`` is the ``s``-weighted column mean when the design
    is centred explicitly (large means relative to spread, for conditioning), else 0.
    """

    X: np.ndarray
    X0: np.ndarray
    x_off: np.ndarray
    y: np.ndarray
    s: np.ndarray
    s_unit: bool  # all s_i == 1
    family: str
    sigma: float
    l1: np.ndarray
    l2: np.ndarray
    student_t: tuple[float, float] | None
    fit_intercept: bool

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def kkt_scale(self) -> float:
        return max(1.0, float(self.s.sum()))


def _penalty_vector(value, p: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(p, float(arr))
    if arr.shape != (p,):
        raise ValueError(f"{name} must be a scalar or have shape ({p},); got {arr.shape}.")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and >= 0.")
    return np.ascontiguousarray(arr)


def _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, fit_intercept) -> _Problem:
    X = np.asarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, p) and y (n,); got {X.shape} and {y.shape}.")
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}; got {family!r}.")
    n, p = X.shape
    if sample_weight is None:
        s, s_unit = np.ones(n), True
    else:
        s = np.ascontiguousarray(sample_weight, dtype=np.float64)
        if s.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},); got {s.shape}.")
        s_unit = bool(np.all(s == 1.0))
    l1v, l2v = _penalty_vector(l1, p, "l1"), _penalty_vector(l2, p, "l2")
    if family == "gaussian" and not sigma > 0:
        raise ValueError(f"sigma must be > 0; got {sigma}.")
    if student_t is not None:
        nu, scale = (float(v) for v in student_t)
        if not (nu > 0 and scale > 0):
            raise ValueError(f"student_t=(nu, scale) needs nu > 0 and scale > 0; got {student_t}.")
        if np.any(l1v > 0) or np.any(l2v > 0):
            raise ValueError("student_t can only be combined with l1=0 and l2=0.")
        student_t = (nu, scale)
    x_off = np.zeros(p)
    X0 = X
    if fit_intercept and n > 0:
        mean = s @ X / s.sum()
        step = max(1, n // 4096)  # the spread only steers a heuristic: a row sample will do
        Xs, ss = X[::step], s[::step]
        std = np.sqrt(np.maximum(ss @ (Xs - mean) ** 2 / max(ss.sum(), 1e-300), 0.0))
        if np.any(np.abs(mean) > _CENTER_RATIO * std + 1e-300):
            x_off = mean
            X0 = X - mean
    return _Problem(X, X0, x_off, y, s, s_unit, family, float(sigma), l1v, l2v, student_t,
                    bool(fit_intercept))


# =====================================================================================
# Likelihood pieces (vectorized over observations)
# =====================================================================================


def _nll(pb: _Problem, eta: np.ndarray) -> np.ndarray:
    """Pointwise negative log-likelihood (up to constants), without weights."""
    return nll(pb.family, pb.y, eta, pb.sigma)


def _nll_derivs(pb: _Problem, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of ``nll`` with respect to ``eta``."""
    return nll_derivs(pb.family, pb.y, eta, pb.sigma)


def _smooth_penalty(pb: _Problem, w: np.ndarray) -> float:
    val = 0.5 * float(pb.l2 @ (w * w))
    if pb.student_t is not None:
        nu, scale = pb.student_t
        val += 0.5 * (nu + 1.0) * float(np.sum(np.log1p(w * w / (nu * scale**2))))
    return val


def _penalty(pb: _Problem, w: np.ndarray) -> float:
    return float(pb.l1 @ np.abs(w)) + _smooth_penalty(pb, w)


def _penalty_change(pb: _Problem, w: np.ndarray, u: np.ndarray) -> float:
    """``pen(u) - pen(w)`` summed term by term (no cancellation between two large sums).

    Near the optimum the prox-Newton step is tiny and ``pen(u) - pen(w)`` of two
    separately rounded sums would swamp the directional derivative.
    """
    diff = float(pb.l1 @ (np.abs(u) - np.abs(w))) + 0.5 * float(pb.l2 @ ((u - w) * (u + w)))
    if pb.student_t is not None:
        nu, scale = pb.student_t
        a = nu * scale**2
        diff += 0.5 * (nu + 1.0) * float(np.sum(np.log1p((u - w) * (u + w) / (a + w * w))))
    return diff


def _smooth_penalty_derivs(pb: _Problem, w: np.ndarray, clip: bool = False):
    """Gradient and diagonal Hessian of the smooth penalty (``l2`` and Student-t)."""
    grad, hess = pb.l2 * w, pb.l2.copy()
    if pb.student_t is not None:
        nu, scale = pb.student_t
        a = nu * scale**2
        den = a + w * w
        grad = grad + (nu + 1.0) * w / den
        h = (nu + 1.0) * (a - w * w) / (den * den)
        hess = hess + (np.maximum(h, 0.0) if clip else h)
    return grad, hess


def _initial_intercept(pb: _Problem) -> float:
    """The intercept-only optimum with ``w = 0`` (a good Newton starting point)."""
    return intercept_start(pb.family, pb.y, pb.s) if pb.fit_intercept else 0.0


# =====================================================================================
# Optimality conditions
# =====================================================================================


def _subgrad_distance(g: np.ndarray, w: np.ndarray, l1: np.ndarray) -> np.ndarray:
    """``dist(0, g_j + l1_j * d|w_j|)`` coordinate-wise (``g`` = smooth gradient)."""
    return np.where(w > 0, np.abs(g + l1), np.where(w < 0, np.abs(g - l1),
                                                    np.maximum(np.abs(g) - l1, 0.0)))


def _full_kkt(pb: _Problem, w: np.ndarray, b0: float, eta: np.ndarray) -> float:
    """Absolute KKT violation of ``F`` in the user's ``(w, b)`` parametrization."""
    g_eta = pb.s * _nll_derivs(pb, eta)[0]
    g_b = float(g_eta.sum())
    g_w = pb.X0.T @ g_eta + pb.x_off * g_b + _smooth_penalty_derivs(pb, w)[0]
    viol = float(np.max(_subgrad_distance(g_w, w, pb.l1), initial=0.0))
    if pb.fit_intercept:
        viol = max(viol, abs(g_b))
    return viol


def _finish(pb: _Problem, w: np.ndarray, b0: float, n_iter: int, solver: str,
            tol: float, exact: bool = False, eta: np.ndarray | None = None) -> MapResult:
    if eta is None:
        eta = pb.X0 @ w + b0
    objective = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w)
    kkt = _full_kkt(pb, w, b0, eta) / pb.kkt_scale
    b = float(b0 - pb.x_off @ w) if pb.fit_intercept else 0.0
    return MapResult(coef=np.array(w, dtype=np.float64), intercept=b, objective=objective,
                     n_iter=int(n_iter), converged=bool(exact or kkt <= tol),
                     kkt_violation=float(kkt), solver=solver)


# =====================================================================================
# Weighted Gram matrices
# =====================================================================================


class _Gram:
    """Weighted Gram of ``X0`` with the intercept eliminated (Schur complement).

    For weights ``d`` it holds ``H = X0' D X0``, ``h = X0' d``, ``D = sum(d)``; with an
    intercept the reduced matrix is ``G = H - h h' / D`` (the ``d``-weighted centred
    Gram), else ``G = H``. ``buf`` is a reusable ``n x p`` work array.
    """

    def __init__(self, pb: _Problem):
        self.pb = pb
        self.buf: np.ndarray | None = None

    def compute(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        X0 = self.pb.X0
        if np.all(d == d[0]):
            H = d[0] * (X0.T @ X0)
        else:
            if self.buf is None:
                self.buf = np.empty(X0.shape)
            np.multiply(X0, np.sqrt(d)[:, None], out=self.buf)
            H = self.buf.T @ self.buf
        h = X0.T @ d if self.pb.fit_intercept else np.zeros(X0.shape[1])
        return H, h, float(d.sum())


def _reduce(H, h, D, cw, cb, fit_intercept):
    """Eliminate the intercept from ``1/2 x'Hx - c'x``; returns ``(G, c)``."""
    if not fit_intercept or D <= 0:
        return H, cw
    return H - np.outer(h, h) / D, cw - h * (cb / D)


# =====================================================================================
# Numba kernels: coordinate descent
# =====================================================================================


@nb.njit(nogil=True)
def _soft(u, t):
    if u > t:
        return u - t
    if u < -t:
        return u + t
    return 0.0


@nb.njit(nogil=True)
def _active_set(w, active):
    """Write the indices of the non-zero ``w`` into ``active``; return their count."""
    n_active = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            active[n_active] = j
            n_active += 1
    return n_active


@nb.njit(nogil=True)
def _coord_viol(g, wj, t):
    if wj > 0:
        return abs(g + t)
    if wj < 0:
        return abs(g - t)
    return max(abs(g) - t, 0.0)


@nb.njit(nogil=True)
def _cd_gram_kernel(G, c, l1, l2, w, q, max_sweeps, tol):  # pragma: no cover - numba
    """Minimize ``1/2 w'Gw - c'w + sum(l1|w|) + 1/2 sum(l2 w^2)`` in place.

    ``q = G @ w`` is maintained. Alternates full sweeps with sweeps over the active set.
    Returns ``(sweeps, kkt)`` where ``kkt`` is the max subgradient violation at exit.
    """
    p = w.shape[0]
    active = np.empty(p, np.int64)
    n_active = p
    for j in range(p):
        active[j] = j
    full = True
    sweeps = 0
    kkt = np.inf
    while sweeps < max_sweeps:
        m = p if full else n_active
        for k in range(m):
            j = k if full else active[k]
            hjj = G[j, j] + l2[j]
            if hjj <= 0.0:
                continue
            wj = w[j]
            new = _soft(c[j] - q[j] + G[j, j] * wj, l1[j]) / hjj
            delta = new - wj
            if delta != 0.0:
                w[j] = new
                for i in range(p):
                    q[i] += G[j, i] * delta
        sweeps += 1
        kkt = 0.0
        kkt_act = 0.0
        for j in range(p):
            v = _coord_viol(q[j] - c[j] + l2[j] * w[j], w[j], l1[j])
            if v > kkt:
                kkt = v
            if w[j] != 0.0 and v > kkt_act:
                kkt_act = v
        if kkt <= tol:
            break
        if full:
            n_active = _active_set(w, active)
            full = n_active == 0 or n_active == p
        elif kkt_act <= tol:
            full = True
    return sweeps, kkt


@nb.njit(nogil=True)
def _cd_x_kernel(X, d, r, l1, l2, colh, w, b, fit_b, max_sweeps, tol):  # pragma: no cover
    """Minimize ``1/2 sum_i d_i (z_i - x_i'w - b)^2 + pen(w)`` by CD on ``X`` in place.

    ``X`` is Fortran-ordered, ``r = z - X w - b`` is maintained, ``colh_j = sum_i d_i
    X_ij^2`` and ``b`` is a length-1 array (updated when ``fit_b``). Returns
    ``(sweeps, kkt)``; ``kkt`` is exact (recomputed) when a full check was done.
    """
    n, p = X.shape
    active = np.empty(p, np.int64)
    n_active = p
    for j in range(p):
        active[j] = j
    dsum = 0.0
    for i in range(n):
        dsum += d[i]
    full = True
    sweeps = 0
    kkt = np.inf
    while sweeps < max_sweeps:
        worst = 0.0
        if fit_b and dsum > 0.0:
            gb = 0.0
            for i in range(n):
                gb += d[i] * r[i]
            worst = abs(gb)
            delta = gb / dsum
            b[0] += delta
            for i in range(n):
                r[i] -= delta
        m = p if full else n_active
        for k in range(m):
            j = k if full else active[k]
            gj = 0.0
            for i in range(n):
                gj += d[i] * X[i, j] * r[i]
            wj = w[j]
            v = _coord_viol(-gj + l2[j] * wj, wj, l1[j])
            if v > worst:
                worst = v
            hjj = colh[j] + l2[j]
            if hjj <= 0.0:
                continue
            new = _soft(gj + colh[j] * wj, l1[j]) / hjj
            delta = new - wj
            if delta != 0.0:
                w[j] = new
                for i in range(n):
                    r[i] -= X[i, j] * delta
        sweeps += 1
        if worst <= tol:
            if full:
                # verify at the final point: exact gradient of every coordinate
                kkt = 0.0
                if fit_b:
                    gb = 0.0
                    for i in range(n):
                        gb += d[i] * r[i]
                    kkt = abs(gb)
                for j in range(p):
                    gj = 0.0
                    for i in range(n):
                        gj += d[i] * X[i, j] * r[i]
                    v = _coord_viol(-gj + l2[j] * w[j], w[j], l1[j])
                    if v > kkt:
                        kkt = v
                if kkt <= tol:
                    break
            full = True
        elif full:
            n_active = _active_set(w, active)
            full = n_active == 0 or n_active == p
    return sweeps, kkt


# =====================================================================================
# Coordinate-descent drivers with active-set polish
# =====================================================================================


def _quad_kkt(G, c, l1, l2, w, q) -> float:
    return float(np.max(_subgrad_distance(q - c + l2 * w, w, l1), initial=0.0))


def _polish_gram(G, c, l1, l2, w):
    """Exact solution on the current support/signs, or ``None`` if inconsistent."""
    A = np.flatnonzero(w)
    if A.size == 0:
        return None
    sgn = np.sign(w[A])
    M = G[np.ix_(A, A)] + np.diag(l2[A])
    try:
        u = linalg.cho_solve(linalg.cho_factor(M, check_finite=False),
                             c[A] - l1[A] * sgn, check_finite=False)
    except linalg.LinAlgError:
        return None
    if not np.all(np.sign(u) == sgn):
        return None
    w_new = np.zeros_like(w)
    w_new[A] = u
    q = G[:, A] @ u
    return w_new, q, _quad_kkt(G, c, l1, l2, w_new, q)


def _cd_gram(G, c, l1, l2, w, tol_abs, max_sweeps):
    """Solve the quadratic elastic-net problem on a Gram matrix; returns ``(w, sweeps)``.

    Minimizes ``1/2 w'Gw - c'w + sum(l1 |w|) + 1/2 sum(l2 w^2)`` starting at ``w``.
    """
    G = np.ascontiguousarray(G)
    c = np.ascontiguousarray(c, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    q = G @ w
    total, prev_support = 0, None
    while True:
        chunk = min(_CD_CHUNK, max_sweeps - total)
        sweeps, kkt = _cd_gram_kernel(G, c, l1, l2, w, q, max(chunk, 0), tol_abs)
        total += sweeps
        support = w != 0
        done = kkt <= tol_abs or total >= max_sweeps
        if done or (prev_support is not None and np.array_equal(support, prev_support)):
            pol = _polish_gram(G, c, l1, l2, w)
            if pol is not None and pol[2] <= tol_abs and pol[2] <= kkt:
                return pol[0], total
        if done:
            return w, total
        prev_support = support


def _cd_x(Xf, d, z, l1, l2, w, b, fit_b, tol_abs, max_sweeps):
    """Weighted elastic net by CD on the columns of ``Xf``; returns ``(w, b, sweeps)``.

    Minimizes ``1/2 sum_i d_i (z_i - x_i'w - b)^2 + sum(l1|w|) + 1/2 sum(l2 w^2)``.
    """
    w = np.array(w, dtype=np.float64)
    bb = np.array([b if fit_b else 0.0])
    r = z - Xf @ w - bb[0]
    colh = d @ (Xf * Xf)
    total, prev_support = 0, None
    while True:
        chunk = min(_CD_CHUNK, max_sweeps - total)
        sweeps, kkt = _cd_x_kernel(Xf, d, r, l1, l2, colh, w, bb, fit_b, max(chunk, 0), tol_abs)
        total += sweeps
        support = w != 0
        done = kkt <= tol_abs or total >= max_sweeps
        if done or (prev_support is not None and np.array_equal(support, prev_support)):
            pol = _polish_x(Xf, d, z, l1, l2, w, fit_b)
            if pol is not None and pol[2] <= tol_abs and (pol[2] <= kkt or not done):
                return pol[0], pol[1], total
        if done:
            return w, float(bb[0]), total
        prev_support = support


def _polish_x(Xf, d, z, l1, l2, w, fit_b):
    """Exact weighted least squares on the support of ``w`` (with fixed signs)."""
    A = np.flatnonzero(w)
    n = Xf.shape[0]
    if A.size == 0 or A.size + fit_b > n:
        return None
    XA = Xf[:, A]
    if fit_b:
        XA = np.column_stack([XA, np.ones(n)])
    pen2 = np.append(l2[A], 0.0) if fit_b else l2[A]
    sgn = np.sign(w[A])
    rhs = XA.T @ (d * z)
    rhs[: A.size] -= l1[A] * sgn
    M = (XA * d[:, None]).T @ XA + np.diag(pen2)
    try:
        u = linalg.cho_solve(linalg.cho_factor(M, check_finite=False), rhs, check_finite=False)
    except linalg.LinAlgError:
        return None
    if not np.all(np.sign(u[: A.size]) == sgn):
        return None
    w_new = np.zeros_like(w)
    w_new[A] = u[: A.size]
    b_new = float(u[-1]) if fit_b else 0.0
    r = z - Xf[:, A] @ w_new[A] - b_new
    g = -(Xf.T @ (d * r)) + l2 * w_new
    kkt = float(np.max(_subgrad_distance(g, w_new, l1), initial=0.0))
    if fit_b:
        kkt = max(kkt, abs(float(d @ r)))
    return w_new, b_new, kkt


# =====================================================================================
# Gaussian likelihood
# =====================================================================================


def _gaussian_closed_form(pb: _Problem, tol: float) -> MapResult:
    """Ridge / MAP under Gaussian priors: ``(X0'DX0 + diag(l2)) w = X0'D y``, ``D = S/sigma^2``.

    With every ``l2 > 0`` this is :func:`bayesreg.math.conjugate.ridge_solution` (the
    conjugate posterior mean, one closed form for MAP, posteriors and evidence) on the
    weighted Gram with the intercept eliminated, or, for ``p > n``, on the weighted,
    centred design. A coordinate with ``l2 = 0`` (a flat prior) makes it least squares:
    Cholesky, or minimum-norm least squares when the system is singular.
    """
    d = pb.s / pb.sigma**2
    if np.all(pb.l2 > 0) and pb.p > pb.n:
        A, z, xbar, ybar = _weighted_centred(pb, d)
        w = ridge_solution_from_data(A, z, pb.l2)
        return _finish(pb, w, _b0_from_user(pb, w, ybar - xbar @ w), 1, "spectral-dual", tol,
                       exact=True)
    H, h, D = _Gram(pb).compute(d)
    cw = pb.X0.T @ (d * pb.y)
    cb = float(d @ pb.y)
    G, c = _reduce(H, h, D, cw, cb, pb.fit_intercept)
    if np.all(pb.l2 > 0):
        w, solver = ridge_solution(G, c, pb.l2), "spectral"
    else:
        w, solver = _chol_solve_checked(G + np.diag(pb.l2), c), "cholesky"
        if w is None:
            w, solver = _gaussian_lstsq(pb, d), "lstsq"
    b0 = (cb - h @ w) / D if pb.fit_intercept else 0.0
    if solver == "lstsq" and pb.fit_intercept:
        b0 = float(d @ (pb.y - pb.X0 @ w)) / D
    return _finish(pb, w, b0, 1, solver, tol, exact=True)


def _chol_solve_checked(M: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
    """Cholesky solve, or ``None`` when ``M`` is (numerically) singular."""
    try:
        cf = linalg.cho_factor(M, lower=False, check_finite=False)
    except linalg.LinAlgError:
        return None
    diag = np.abs(np.diag(cf[0]))
    if diag.size and diag.min() ** 2 <= M.shape[0] * _EPS * max(np.max(np.abs(np.diag(M))), 1e-300):
        return None
    return linalg.cho_solve(cf, rhs, check_finite=False)


def _weighted_centred(pb: _Problem, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``A = sqrt(d) (X - xbar_d)``, ``z = sqrt(d) (y - ybar_d)``, ``xbar_d``, ``ybar_d``."""
    sq = np.sqrt(d)
    if pb.fit_intercept:
        xbar = d @ pb.X / d.sum()
        ybar = float(d @ pb.y / d.sum())
    else:
        xbar, ybar = np.zeros(pb.p), 0.0
    return (pb.X - xbar) * sq[:, None], sq * (pb.y - ybar), xbar, ybar


def _b0_from_user(pb: _Problem, w: np.ndarray, b: float) -> float:
    return float(b + pb.x_off @ w) if pb.fit_intercept else 0.0


def _gaussian_lstsq(pb: _Problem, d: np.ndarray) -> np.ndarray:
    """Minimum-norm minimizer via least squares on ``[A; diag(sqrt(l2))] w ~ [z; 0]``."""
    A, z, _, _ = _weighted_centred(pb, d)
    A_aug = np.vstack([A, np.diag(np.sqrt(pb.l2))])
    z_aug = np.concatenate([z, np.zeros(pb.p)])
    return linalg.lstsq(A_aug, z_aug, lapack_driver="gelsd", check_finite=False)[0]


def _gaussian_cd_gram(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """Lasso / elastic net (``p <= n``): CD on the weighted, centred Gram ``X0'DX0``."""
    d = pb.s / pb.sigma**2
    H, h, D = _Gram(pb).compute(d)
    cw = pb.X0.T @ (d * pb.y)
    cb = float(d @ pb.y)
    G, c = _reduce(H, h, D, cw, cb, pb.fit_intercept)
    w, sweeps = _cd_gram(G, c, pb.l1, pb.l2, np.zeros(pb.p), 0.5 * tol * pb.kkt_scale, max_iter)
    b0 = (cb - h @ w) / D if pb.fit_intercept else 0.0
    return _finish(pb, w, b0, sweeps, "cd-gram", tol)


def _gaussian_cd_x(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """Lasso / elastic net (``p > n``): CD on the centred columns with residual updates."""
    d = pb.s / pb.sigma**2
    if pb.fit_intercept:
        xbar = d @ pb.X / d.sum()
        ybar = float(d @ pb.y / d.sum())
    else:
        xbar, ybar = np.zeros(pb.p), 0.0
    Xf = np.asfortranarray(pb.X - xbar)
    w, _, sweeps = _cd_x(Xf, d, pb.y - ybar, pb.l1, pb.l2, np.zeros(pb.p), 0.0, False,
                         0.5 * tol * pb.kkt_scale, max_iter)
    return _finish(pb, w, _b0_from_user(pb, w, ybar - xbar @ w), sweeps, "cd", tol)


# =====================================================================================
# Newton-type solvers (bernoulli, poisson, Student-t prior)
# =====================================================================================


class _State:
    """Current iterate and the quantities every Newton-type step needs."""

    def __init__(self, pb: _Problem, w: np.ndarray, b0: float, eta: np.ndarray):
        self.w, self.b0, self.eta = w, b0, eta
        nll = _nll(pb, eta)
        self.F = float(pb.s @ nll) + _penalty(pb, w)
        g1, g2 = _nll_derivs(pb, eta)
        self.g_eta = pb.s * g1
        self.h_eta = pb.s * g2
        self.g_b = float(self.g_eta.sum()) if pb.fit_intercept else 0.0
        self.g_w_loss = pb.X0.T @ self.g_eta
        pg, _ = _smooth_penalty_derivs(pb, w)
        viol = float(np.max(_subgrad_distance(self.g_w_loss + pg, w, pb.l1), initial=0.0))
        self.kkt = max(viol, abs(self.g_b))


def _line_search(pb: _Problem, st: _State, dw: np.ndarray, db: float, slope: float,
                 max_halvings: int = 40) -> tuple[_State | None, float]:
    """Backtracking (Armijo) search on ``F`` along ``(dw, db)``; ``slope`` < 0.

    For the prox-Newton step ``slope`` is ``grad'd + pen(w + d) - pen(w)`` (Lee, Sun &
    Saunders 2014). A rounding-level slack lets the final, tiny steps through.
    """
    deta = pb.X0 @ dw + db
    slack = 1e3 * _EPS * (abs(st.F) + 1.0)
    t = 1.0
    for _ in range(max_halvings):
        eta = st.eta + t * deta
        w = st.w + t * dw
        F = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w)
        if np.isfinite(F) and F <= st.F + 1e-4 * t * slope + slack:
            return _State(pb, w, st.b0 + t * db, eta), t * float(np.max(np.abs(deta), initial=0.0))
        t *= 0.5
    return None, 0.0


class _HessianCache:
    """Loss Hessian ``[X0 1]' diag(h_eta) [X0 1]`` with reuse between iterations.

    The expensive part is the ``n p^2`` weighted Gram. It is recomputed when the previous
    step moved ``eta`` by more than ``_REUSE_DETA`` or a step with a stale Hessian did not
    reduce the KKT violation fourfold; for the gaussian family it is constant.
    """

    def __init__(self, pb: _Problem):
        self.pb, self.gram = pb, _Gram(pb)
        self.H = None
        self.fresh = False

    def get(self, st: _State, force: bool):
        if self.H is None or force or self.pb.family != "gaussian" and not self._reusable:
            self.H = self.gram.compute(st.h_eta)
            self.fresh = True
        else:
            self.fresh = False
        return self.H

    _reusable = False

    def after_step(self, deta_max: float, kkt_old: float, kkt_new: float) -> None:
        if self.fresh:
            self._reusable = deta_max <= _REUSE_DETA
        else:
            self._reusable = kkt_new <= 0.25 * kkt_old


def _newton(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """Damped Newton (IRLS) with Cholesky and Armijo line search, for smooth ``F``.

    Each step solves ``[H_ww + diag(pen'') , h; h', D] [dw; db] = -[g_w; g_b]``; for the
    non-convex Student-t prior a negative prior curvature is clipped at 0 whenever the
    exact Hessian is not positive definite.
    """
    w = np.zeros(pb.p)
    b0 = _initial_intercept(pb)
    st = _State(pb, w, b0, np.full(pb.n, b0))
    tol_abs = tol * pb.kkt_scale
    cache = _HessianCache(pb)
    it, force = 0, False
    while st.kkt > tol_abs and it < max_iter:
        H, h, D = cache.get(st, force)
        dw, db = _newton_direction(pb, st, H, h, D)
        slope = float(st.g_w_loss @ dw + _smooth_penalty_derivs(pb, st.w)[0] @ dw + st.g_b * db)
        if not slope < 0:
            if cache.fresh:
                break
            force = True
            continue
        new, deta_max = _line_search(pb, st, dw, db, slope)
        it += 1
        if new is None:
            if cache.fresh:
                break
            force = True
            continue
        cache.after_step(deta_max, st.kkt, new.kkt)
        force = False
        st = new
    return _finish(pb, st.w, st.b0, it, "newton", tol, eta=st.eta)


def _newton_direction(pb: _Problem, st: _State, H, h, D):
    pg, ph = _smooth_penalty_derivs(pb, st.w)
    rhs_w = -(st.g_w_loss + pg)
    for clip in (False, True):
        if clip:
            if pb.student_t is None:
                break
            pg, ph = _smooth_penalty_derivs(pb, st.w, clip=True)
        M = H + np.diag(ph)
        if pb.fit_intercept:
            M = np.block([[M, h[:, None]], [h[None, :], np.array([[D]])]])
            rhs = np.append(rhs_w, -st.g_b)
        else:
            rhs = rhs_w
        sol = _chol_solve_checked(M, rhs)
        if sol is not None:
            break
    if sol is None:  # singular (e.g. p > n without any prior curvature): min-norm step
        sol = linalg.lstsq(M, rhs, lapack_driver="gelsd", check_finite=False)[0]
    if pb.fit_intercept:
        return sol[:-1], float(sol[-1])
    return sol, 0.0


def _prox_newton(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """Proximal Newton for ``l1 > 0`` (glmnet): CD on the local quadratic model.

    At ``x = (w, b0)`` with loss gradient ``g`` and Hessian ``H``, the model
    ``g'(u - x) + 1/2 (u - x)' H (u - x) + sum(l1|u_w|) + 1/2 sum(l2 u_w^2)`` is minimized
    by coordinate descent (intercept eliminated exactly), then a line search on ``F``
    along ``u - x`` gives the next iterate.
    """
    w = np.zeros(pb.p)
    b0 = _initial_intercept(pb)
    st = _State(pb, w, b0, np.full(pb.n, b0))
    tol_abs = tol * pb.kkt_scale
    use_gram = pb.p <= max(pb.n, NEWTON_MAX_P)
    cache = _HessianCache(pb) if use_gram else None
    Xf = None if use_gram else np.asfortranarray(pb.X0)
    it, force, sweeps_total = 0, False, 0
    while st.kkt > tol_abs and it < max_iter:
        inner_tol = max(0.25 * tol_abs, min(0.1 * st.kkt, 1e-3 * tol_abs / tol))
        if use_gram:
            u, beta, fresh, sw = _prox_model_gram(pb, st, cache, force, inner_tol, max_iter)
        else:
            u, beta, sw = _prox_model_x(pb, st, Xf, inner_tol, max_iter)
            fresh = True
        sweeps_total += sw
        dw, db = u - st.w, beta - st.b0
        slope = float(st.g_w_loss @ dw + st.g_b * db) + _penalty_change(pb, st.w, u)
        new = None
        if slope < 0:
            new, deta_max = _line_search(pb, st, dw, db, slope)
        it += 1
        if new is None:
            if fresh:
                break
            force = True
            continue
        if use_gram:
            cache.after_step(deta_max, st.kkt, new.kkt)
        force = False
        st = new
    return _finish(pb, st.w, st.b0, it, "prox-newton", tol, eta=st.eta)


def _prox_model_gram(pb, st, cache, force, inner_tol, max_sweeps):
    H, h, D = cache.get(st, force)
    cw = H @ st.w + h * st.b0 - st.g_w_loss
    cb = float(h @ st.w) + D * st.b0 - st.g_b
    G, c = _reduce(H, h, D, cw, cb, pb.fit_intercept)
    u, sweeps = _cd_gram(G, c, pb.l1, pb.l2, st.w, inner_tol, max_sweeps)
    beta = (cb - h @ u) / D if pb.fit_intercept else 0.0
    return u, beta, cache.fresh, sweeps


def _prox_model_x(pb, st, Xf, inner_tol, max_sweeps):
    """Large ``p > n``: the model as a weighted least-squares problem, CD on ``X``."""
    d = st.h_eta
    z = st.eta - st.g_eta / np.where(d > 0, d, 1.0)  # working response
    z = np.where(d > 0, z, st.eta)
    u, beta, sweeps = _cd_x(Xf, d, z, pb.l1, pb.l2, st.w, st.b0, pb.fit_intercept,
                            inner_tol, max_sweeps)
    return u, beta, sweeps


def _newton_dual(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """Damped Newton for ``p > n`` with all ``l2 > 0``: each step is an ``n x n`` solve.

    With the intercept eliminated, the Newton system is ``(B'B + L) dw = c`` with ``B =
    sqrt(h) (X0 - 1 h'X0 / sum(h))``, ``L = diag(l2)`` and ``c = -(g_w - X0'h g_b /
    sum(h))``; the Woodbury identity gives ``dw = L^-1 c - L^-1 B' (I + B L^-1 B')^-1 B
    L^-1 c`` at ``O(n^2 p)`` per step and no ``p x p`` matrix. Then ``db = -(g_b + h'X0
    dw) / sum(h)`` and an Armijo line search on ``F``.
    """
    w = np.zeros(pb.p)
    b0 = _initial_intercept(pb)
    st = _State(pb, w, b0, np.full(pb.n, b0))
    tol_abs = tol * pb.kkt_scale
    it = 0
    while st.kkt > tol_abs and it < max_iter:
        h = st.h_eta
        g_w = st.g_w_loss + pb.l2 * st.w
        D = float(h.sum()) if pb.fit_intercept else 0.0
        if D > 0:
            xh = h @ pb.X0 / D
            B = (pb.X0 - xh) * np.sqrt(h)[:, None]
            c = -(g_w - xh * st.g_b)
        else:
            B = pb.X0 * np.sqrt(h)[:, None]
            c = -g_w
        Lc = c / pb.l2
        K = (B / pb.l2) @ B.T
        K[np.diag_indices_from(K)] += 1.0
        try:
            v = linalg.cho_solve(linalg.cho_factor(K, check_finite=False), B @ Lc,
                                 check_finite=False)
        except linalg.LinAlgError:
            break
        dw = Lc - (B.T @ v) / pb.l2
        db = -(st.g_b + float(h @ (pb.X0 @ dw))) / D if D > 0 else 0.0
        slope = float(g_w @ dw + st.g_b * db)
        if not slope < 0:
            break
        new, _ = _line_search(pb, st, dw, db, slope)
        it += 1
        if new is None:
            break
        st = new
    return _finish(pb, st.w, st.b0, it, "newton-dual", tol, eta=st.eta)


def _lbfgs(pb: _Problem, tol: float, max_iter: int) -> MapResult:
    """L-BFGS-B on ``F / max(1, sum(s))`` (large ``p``, smooth ``F``).

    Restarted while the gradient keeps shrinking; it typically reaches a KKT violation
    of 1e-10 to 1e-11, not the ~1e-16 of the Newton-type solvers (``F`` itself is only known to
    rounding error, which stops the line search).
    """
    scale = pb.kkt_scale
    k = pb.p + int(pb.fit_intercept)

    def fun(x):
        w = x[: pb.p]
        b0 = x[pb.p] if pb.fit_intercept else 0.0
        eta = pb.X0 @ w + b0
        F = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w)
        g_eta = pb.s * _nll_derivs(pb, eta)[0]
        grad = np.empty(k)
        grad[: pb.p] = pb.X0.T @ g_eta + _smooth_penalty_derivs(pb, w)[0]
        if pb.fit_intercept:
            grad[pb.p] = g_eta.sum()
        return F / scale, grad / scale

    x0 = np.zeros(k)
    if pb.fit_intercept:
        x0[pb.p] = _initial_intercept(pb)
    # Near the optimum the decrease of F falls below its rounding error and the line
    # search gives up; restarting (fresh curvature pairs) usually buys another decade.
    nit, best, best_kkt = 0, x0, np.inf
    for _ in range(10):
        with np.errstate(over="ignore"):
            res = optimize.minimize(fun, best, jac=True, method="L-BFGS-B",
                                    options=dict(maxiter=max(max_iter - nit, 1), gtol=tol,
                                                 ftol=0.0, maxcor=20, maxls=50))
        nit += res.nit
        kkt = float(np.max(np.abs(fun(res.x)[1]), initial=0.0))  # smooth: |gradient|
        if kkt < best_kkt:
            best, improved = res.x, kkt < 0.5 * best_kkt
            best_kkt = kkt
        else:
            improved = False
        if best_kkt <= tol or nit >= max_iter or not improved:
            break
    w = best[: pb.p]
    b0 = float(best[pb.p]) if pb.fit_intercept else 0.0
    return _finish(pb, w, b0, nit, "lbfgs", tol)


# =====================================================================================
# Public API
# =====================================================================================


def fit_map(X, y, *, family: str = "gaussian", l1=0.0, l2=0.0,
            student_t: tuple[float, float] | None = None, sigma: float = 1.0,
            sample_weight=None, fit_intercept: bool = True, tol: float = 1e-10,
            max_iter: int = 10_000) -> MapResult:
    """Minimize the negative log posterior ``F`` (the penalized GLM objective).

    .. math::

        F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b)
                  + \\sum_j \\big(l1_j |w_j| + \\tfrac12 l2_j w_j^2\\big) + \\mathrm{pen}_t(w)

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Design matrix (float64, already validated).
    y : ndarray of shape (n,)
        Response: real (gaussian), 0/1 (bernoulli), counts (poisson).
    family : {"gaussian", "bernoulli", "poisson"}
        ``nll`` is ``(y - eta)^2 / (2 sigma^2)``, ``log(1 + e^eta) - y eta`` or
        ``e^eta - y eta``.
    l1, l2 : float or ndarray of shape (p,)
        Laplace (``l1 = 1/b``) and Gaussian (``l2 = 1/tau^2``) prior precisions, >= 0.
    student_t : (nu, scale), optional
        Adds ``sum_j (nu+1)/2 log(1 + w_j^2 / (nu scale^2))``; requires ``l1 = l2 = 0``.
        The problem is then non-convex: the result is the local minimum reached by
        damped Newton from ``w = 0``.
    sigma : float
        Gaussian noise standard deviation (ignored for other families).
    sample_weight : ndarray of shape (n,), optional
        ``s_i`` (default ones); the loss is ``sum_i s_i nll_i``, not an average.
    fit_intercept : bool
        Fit an unpenalized intercept ``b``.
    tol : float
        Stopping tolerance on ``kkt_violation`` (see :class:`MapResult`).
    max_iter : int
        Coordinate-descent sweeps (CD solvers) or outer iterations (Newton-type); the
        inner CD of prox-Newton is also capped at ``max_iter`` sweeps per model.

    Returns
    -------
    MapResult
    """
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, fit_intercept)
    has_l1 = bool(np.any(pb.l1 > 0))
    if pb.family == "gaussian" and pb.student_t is None:
        if not has_l1:
            return _gaussian_closed_form(pb, tol)
        if pb.p <= pb.n:
            return _gaussian_cd_gram(pb, tol, max_iter)
        return _gaussian_cd_x(pb, tol, max_iter)
    if has_l1:
        return _prox_newton(pb, tol, max_iter)
    if pb.p <= NEWTON_MAX_P:
        return _newton(pb, tol, max_iter)
    if pb.student_t is None and pb.n <= NEWTON_MAX_P and np.all(pb.l2 > 0):
        return _newton_dual(pb, tol, max_iter)
    return _lbfgs(pb, tol, max_iter)


def map_objective(X, y, coef, intercept=0.0, *, family: str = "gaussian", l1=0.0, l2=0.0,
                  student_t=None, sigma: float = 1.0, sample_weight=None) -> float:
    """``F(coef, intercept)`` as defined in :func:`fit_map` (for comparing solutions)."""
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, False)
    w = np.asarray(coef, dtype=np.float64)
    return float(pb.s @ _nll(pb, pb.X @ w + intercept)) + _penalty(pb, w)


def kkt_violation(X, y, coef, intercept=0.0, *, family: str = "gaussian", l1=0.0, l2=0.0,
                  student_t=None, sigma: float = 1.0, sample_weight=None,
                  fit_intercept: bool = True) -> float:
    """``max_j dist(0, subdifferential_j F) / max(1, sum(s))`` at ``(coef, intercept)``."""
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, False)
    pb.fit_intercept = fit_intercept
    w = np.asarray(coef, dtype=np.float64)
    return _full_kkt(pb, w, float(intercept), pb.X @ w + intercept) / pb.kkt_scale
