"""Newton-type MAP solvers for the smooth convex GLM likelihoods (bernoulli, poisson,
negative binomial, ...: any family object whose ``nll`` is convex) and the Student-t
prior: damped Newton with row-subsampled Hessians for the first steps and Hessian reuse
for the last, glmnet-style proximal Newton for L1, the dual (Woodbury) Newton for
p >> n, and L-BFGS for very large p."""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from ._coordinate_descent import _cd_gram, _cd_x
from ._map_problem import (
    MapResult,
    _chol_solve_checked,
    _finish,
    _Gram,
    _initial_intercept,
    _nll,
    _nll_derivs,
    _penalty,
    _penalty_change,
    _Problem,
    _reduce,
    _smooth_penalty_derivs,
    kkt_distance,
)

_REUSE_DETA = 0.1  # keep the Newton Hessian when the last step moved eta by less than this
_SUB_DETA = 0.5  # row-subsampled Hessians until a step moves eta by less than this
_SUB_STRIDE = 8  # at most every 8th row in a subsampled Hessian
_SUB_ROWS_PER_COEF = 50  # ... and at least 50 rows per coefficient
_SUB_MIN_P = 16  # below this the Gram costs a few gradient passes: no subsampling
_EPS = np.finfo(np.float64).eps


# =====================================================================================
# Newton-type solvers (bernoulli, poisson, Student-t prior)
# =====================================================================================


class _State:
    """Current iterate and the quantities every Newton-type step needs."""

    def __init__(self, pb: _Problem, w: np.ndarray, b0: float, eta: np.ndarray,
                 F: float | None = None):
        self.w, self.b0, self.eta = w, b0, eta
        self.F = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w) if F is None else F
        g1, g2 = _nll_derivs(pb, eta)
        self.g_eta = pb.s * g1
        self.h_eta = pb.s * g2
        self.g_b = float(self.g_eta.sum()) if pb.fit_intercept else 0.0
        self.g_w_loss = pb.X0.T @ self.g_eta
        pg, _ = _smooth_penalty_derivs(pb, w)
        self.kkt = kkt_distance(self.g_w_loss + pg, w, pb.l1, self.g_b)


def backtrack(F0: float, slope: float, evaluate, max_halvings: int = 40):
    """Backtracking (Armijo) line search: the first ``t = 1, 1/2, 1/4, ...`` with
    ``F(t) <= F0 + 1e-4 t slope + slack``.

    ``evaluate(t)`` returns ``(F(t), payload)``; ``slope`` is the directional derivative
    (for a proximal-Newton step ``grad'd + pen(x + d) - pen(x)``, Lee, Sun & Saunders
    2014). A rounding-level slack ``1e3 eps (|F0| + 1)`` lets the final, tiny steps
    through. Every Newton-type MAP solver (:func:`_newton`, :func:`_prox_newton`,
    :func:`_newton_dual`, :func:`newton_minimize`, the out-of-core GLM MAP) searches
    with it.

    Returns
    -------
    (t, payload) of the accepted step, or ``(None, None)`` after ``max_halvings``.
    """
    slack = 1e3 * _EPS * (abs(F0) + 1.0)
    t = 1.0
    for _ in range(max_halvings):
        F, payload = evaluate(t)
        if np.isfinite(F) and F <= F0 + 1e-4 * t * slope + slack:
            return t, payload
        t *= 0.5
    return None, None


def _line_search(pb: _Problem, st: _State, dw: np.ndarray, db: float, slope: float,
                 max_halvings: int = 40) -> tuple[_State | None, float]:
    """:func:`backtrack` on ``F`` along ``(dw, db)``; ``slope`` < 0."""
    deta = pb.X0 @ dw + db

    def evaluate(t):
        eta = st.eta + t * deta
        w = st.w + t * dw
        F = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w)
        return F, (w, eta, F)

    t, found = backtrack(st.F, slope, evaluate, max_halvings)
    if t is None:
        return None, 0.0
    w, eta, F = found
    return (_State(pb, w, st.b0 + t * db, eta, F),
            t * float(np.max(np.abs(deta), initial=0.0)))


def _subsample_stride(pb: _Problem) -> int:
    """Row stride of the Hessians of the first Newton steps: ``k`` (every ``k``-th row,
    weighted ``k``) when the Gram dominates the cost (``p >= _SUB_MIN_P``) and ``n / k``
    rows still leave ``_SUB_ROWS_PER_COEF`` rows per coefficient, else 1 (none)."""
    if pb.family.sufficient_statistics or pb.p < _SUB_MIN_P:
        return 1
    k = min(_SUB_STRIDE, pb.n // (_SUB_ROWS_PER_COEF * pb.p))
    return k if k >= 2 else 1


class _HessianCache:
    """Loss Hessian ``[X0 1]' diag(h_eta) [X0 1]`` with reuse between iterations.

    The expensive part is the ``n p^2`` weighted Gram. Far from the optimum a Newton step
    needs the Hessian only roughly: while the steps are large (some ``|delta eta| >
    _SUB_DETA``) it is the Gram of every ``k``-th row times ``k`` (``k`` =
    :func:`_subsample_stride`, up to 8 times cheaper). After the first small step, or
    when a step along it fails, it is exact from then on (the final steps converge
    quadratically and the certificate is the exact KKT, whatever Hessian led there).
    The exact Hessian is recomputed when the previous step moved ``eta`` by more than
    ``_REUSE_DETA`` or a step with a stale Hessian did not reduce the KKT violation
    fourfold; for a family with sufficient statistics (the gaussian) it is constant.
    ``fresh`` says whether the Hessian in use is the exact one at the current iterate
    (when a step along it fails, the solver stops).
    """

    def __init__(self, pb: _Problem):
        self.pb, self.gram = pb, _Gram(pb)
        stride = _subsample_stride(pb)
        self.sub = _Gram(pb, stride) if stride > 1 else None
        self.H = None
        self.fresh = False
        self._reusable = False
        self._subsampled = False

    def get(self, st: _State, force: bool):
        if force:
            self.sub = None
        if self.sub is not None:
            H = self.sub.compute(st.h_eta)
            if np.all(np.diag(H[0]) > 0):  # else a column the sampled rows miss: exact
                self.H, self.fresh, self._subsampled = H, False, True
                return self.H
            self.sub = None
        if self.H is None or force or self._subsampled or \
                not self.pb.family.sufficient_statistics and not self._reusable:
            self.H = self.gram.compute(st.h_eta)
            self.fresh, self._subsampled = True, False
        else:
            self.fresh = False
        return self.H

    def after_step(self, deta_max: float, kkt_old: float, kkt_new: float) -> None:
        if self._subsampled:
            if deta_max <= _SUB_DETA:
                self.sub = None
        elif self.fresh:
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
    return _finish(pb, st.w, st.b0, it, "newton", tol, eta=st.eta, state=(st.F, st.kkt))


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


def _prox_newton(pb: _Problem, tol: float, max_iter: int, newton_max_p: int) -> MapResult:
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
    use_gram = pb.p <= max(pb.n, newton_max_p)
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
    return _finish(pb, st.w, st.b0, it, "prox-newton", tol, eta=st.eta,
                   state=(st.F, st.kkt))


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
# Damped Newton on a smooth objective given by its derivatives
# =====================================================================================


def newton_minimize(objective, x0: np.ndarray, *, max_iter: int = 100,
                    rtol: float = 1e-12) -> tuple[np.ndarray, tuple]:
    """Damped Newton for a smooth objective known through its derivatives.

    ``objective(x)`` returns ``(F, gradient, Hessian, *extra)``. Each step solves
    ``H d = -g`` (the equilibrated Cholesky of the MAP solvers, minimum-norm least
    squares when ``H`` is singular) and searches along ``d`` with :func:`backtrack`;
    it stops when a step moves no coordinate by more than ``rtol * max(1, max|x|)``, when
    ``d`` is not a descent direction (``H`` not positive definite there), when no step
    length decreases ``F``, or after ``max_iter`` steps. Used to polish a mode found by
    :func:`bayesreg.base.fit_map` under priors the penalties cannot express (a prior
    location, a proper intercept prior) before the Laplace approximation
    (:func:`bayesreg.base.laplace_evidence`).

    Returns
    -------
    x : numpy.ndarray
        The last accepted point.
    values : tuple
        ``objective(x)`` at that point.
    """
    x = np.array(x0, dtype=np.float64)
    values = objective(x)
    for _ in range(int(max_iter)):
        F, g, H = values[0], values[1], values[2]
        step = _chol_solve_checked(H, -g)
        if step is None:
            step = linalg.lstsq(H, -g, lapack_driver="gelsd", check_finite=False)[0]
        slope = float(g @ step)
        if not slope < 0:
            break

        def evaluate(t):
            cand = objective(x + t * step)
            return cand[0], cand

        t, found = backtrack(F, slope, evaluate)
        if t is None:
            break
        x, values = x + t * step, found
        if np.max(np.abs(t * step), initial=0.0) <= rtol * max(1.0, np.max(np.abs(x))):
            break
    return x, values
