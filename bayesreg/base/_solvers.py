"""Maximum a posteriori (MAP) fits of penalized GLMs: the penalty = prior layer.

This module is pure NumPy/SciPy (numba for the coordinate-descent loops). It minimizes
the negative log posterior, up to additive constants,

.. math::

    F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, \\eta_i)
              + \\sum_j \\Big( l1_j |w_j| + \\tfrac{1}{2} l2_j w_j^2 \\Big)
              + \\mathrm{pen}_t(w), \\qquad \\eta = X w + b,

with the per-observation negative log-likelihood ``nll`` of a *family object* (a
:class:`bayesreg.families.Family` value, duck-typed: this layer does not import the
families), e.g.

* gaussian (identity link): ``(y - eta)**2 / (2 sigma**2)``
* bernoulli (logit link):   ``log(1 + exp(eta)) - y * eta``
* poisson (log link):       ``exp(eta) - y * eta``
* negative_binomial (log link, ``dispersion`` theta fixed):
  ``(y + 1/theta) log(1 + theta exp(eta)) - y * eta``

and the optional Student-t prior ``pen_t(w) = sum_j (nu + 1)/2 * log(1 + w_j**2 /
(nu * scale**2))``. The intercept ``b`` is never penalized. Read as a prior,
``l2_j w_j**2 / 2`` is a Gaussian ``N(0, 1/l2_j)`` and ``l1_j |w_j|`` a Laplace prior with
scale ``1/l1_j``, so the minimizer of ``F`` is both the MAP estimate and the penalized
(ridge / lasso / elastic-net / penalized GLM) estimate: they are the same number.

The solvers call ``family.nll``, ``family.nll_derivs`` and ``family.intercept_start``
with the family's auxiliary parameters fixed; any family with ``convex = True`` works.

Solvers, chosen by the structure of the problem:

===========================================  ===============================================
problem                                      solver (``MapResult.solver``)
===========================================  ===============================================
gaussian [#]_, ``l1 = 0``, ``l2 > 0``,       ``"spectral"``: the ridge closed form of
``p <= n``                                   :mod:`bayesreg.base._conjugate` on the Gram,
                                             weighted centring for the intercept
gaussian, ``l1 = 0``, ``l2 > 0``, ``p > n``  ``"spectral-dual"``: the same on the design
gaussian, some ``l2 = 0`` (flat prior)       ``"cholesky"``: normal equations, or
                                             ``"lstsq"`` (minimum-norm) when singular
gaussian, ``l1 > 0``, ``p <= n``             ``"cd-gram"``: coordinate descent on the Gram
gaussian, ``l1 > 0``, ``p > n``              ``"cd"``: coordinate descent on ``X`` with
                                             residual updates
other families or Student-t, ``l1 = 0``      ``"newton"`` (``p <= 2000``); for larger
                                             ``p`` with ``n <= 2000`` and ``l2 > 0``
                                             ``"newton-dual"`` (Woodbury, ``n x n``
                                             solves), else ``"lbfgs"``
other families, ``l1 > 0``                   ``"prox-newton"``: glmnet-style quadratic
                                             model solved by coordinate descent
===========================================  ===============================================

.. [#] a family with ``sufficient_statistics = True`` (quadratic ``nll``).

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

import numpy as np
from scipy import linalg

from ._conjugate import ridge_solution, ridge_solution_from_data
from ._coordinate_descent import _cd_gram, _cd_x
from ._map_problem import (
    MapResult,
    _chol_solve_checked,
    _finish,
    _full_kkt,
    _Gram,
    _nll,
    _penalty,
    _Problem,
    _reduce,
    _setup,
)
from ._newton import _lbfgs, _newton, _newton_dual, _prox_newton

__all__ = ["MapResult", "fit_map", "map_objective", "kkt_violation"]

NEWTON_MAX_P = 2000  # above this, smooth GLM problems go to L-BFGS


# =====================================================================================
# Gaussian likelihood
# =====================================================================================


def _gaussian_closed_form(pb: _Problem, tol: float) -> MapResult:
    """Ridge / MAP under Gaussian priors: ``(X0'DX0 + diag(l2)) w = X0'D y``, ``D = S/sigma^2``.

    With every ``l2 > 0`` this is :func:`bayesreg.base._conjugate.ridge_solution` (the
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
        b0 = (cb - h @ w) / D if pb.fit_intercept else 0.0
        res = _finish(pb, w, b0, 1, solver, tol, exact=True)
        if res.kkt_violation <= tol:
            return res
        # columns on very different scales (e.g. 1e-8 and 1e8) cost the eigendecomposition
        # its accuracy on the others; Cholesky is unaffected by the scaling of columns
        w = _chol_solve_checked(G + np.diag(pb.l2), c)  # equilibrated Cholesky
        if w is None:
            return res
        b0 = (cb - h @ w) / D if pb.fit_intercept else 0.0
        other = _finish(pb, w, b0, 1, "cholesky", tol, exact=True)
        return other if other.kkt_violation < res.kkt_violation else res
    else:
        w, solver = _chol_solve_checked(G + np.diag(pb.l2), c), "cholesky"
        if w is None:
            w, solver = _gaussian_lstsq(pb, d), "lstsq"
    b0 = (cb - h @ w) / D if pb.fit_intercept else 0.0
    if solver == "lstsq" and pb.fit_intercept:
        b0 = float(d @ (pb.y - pb.X0 @ w)) / D
    return _finish(pb, w, b0, 1, solver, tol, exact=True)


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
# Public API
# =====================================================================================


def fit_map(X, y, *, family, l1=0.0, l2=0.0,
            student_t: tuple[float, float] | None = None, sigma: float = 1.0,
            sample_weight=None, fit_intercept: bool = True, tol: float = 1e-10,
            max_iter: int = 10_000, aux: dict | None = None) -> MapResult:
    """Minimize the negative log posterior ``F`` (the penalized GLM objective).

    .. math::

        F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b)
                  + \\sum_j \\big(l1_j |w_j| + \\tfrac12 l2_j w_j^2\\big) + \\mathrm{pen}_t(w)

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Design matrix (float64, already validated).
    y : ndarray of shape (n,)
        Response, in the family's support (already checked).
    family : Family
        A family object with ``convex = True`` (e.g. ``get_family("poisson")`` of
        :mod:`bayesreg.families`); its ``nll`` is the loss.
    l1, l2 : float or ndarray of shape (p,)
        Laplace (``l1 = 1/b``) and Gaussian (``l2 = 1/tau^2``) prior precisions, >= 0.
    student_t : (nu, scale), optional
        Adds ``sum_j (nu+1)/2 log(1 + w_j^2 / (nu scale^2))``; requires ``l1 = l2 = 0``.
        The problem is then non-convex: the result is the local minimum reached by
        damped Newton from ``w = 0``.
    sigma : float
        Gaussian noise standard deviation (ignored for families without ``sigma``).
    sample_weight : ndarray of shape (n,), optional
        ``s_i`` (default ones); the loss is ``sum_i s_i nll_i``, not an average.
    fit_intercept : bool
        Fit an unpenalized intercept ``b``.
    tol : float
        Stopping tolerance on ``kkt_violation`` (see :class:`MapResult`).
    max_iter : int
        Coordinate-descent sweeps (CD solvers) or outer iterations (Newton-type); the
        inner CD of prox-Newton is also capped at ``max_iter`` sweeps per model.
    aux : dict, optional
        The family's other auxiliary parameters, fixed positive floats (e.g.
        ``{"dispersion": 0.5}`` for the negative binomial).

    Returns
    -------
    MapResult
    """
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, fit_intercept, aux)
    has_l1 = bool(np.any(pb.l1 > 0))
    if pb.family.sufficient_statistics and pb.student_t is None:
        if not has_l1:
            return _gaussian_closed_form(pb, tol)
        if pb.p <= pb.n:
            return _gaussian_cd_gram(pb, tol, max_iter)
        return _gaussian_cd_x(pb, tol, max_iter)
    if has_l1:
        return _prox_newton(pb, tol, max_iter, NEWTON_MAX_P)
    if pb.p <= NEWTON_MAX_P:
        return _newton(pb, tol, max_iter)
    if pb.student_t is None and pb.n <= NEWTON_MAX_P and np.all(pb.l2 > 0):
        return _newton_dual(pb, tol, max_iter)
    return _lbfgs(pb, tol, max_iter)


def map_objective(X, y, coef, intercept=0.0, *, family, l1=0.0, l2=0.0,
                  student_t=None, sigma: float = 1.0, sample_weight=None,
                  aux: dict | None = None) -> float:
    """``F(coef, intercept)`` as defined in :func:`fit_map` (for comparing solutions)."""
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, False, aux)
    w = np.asarray(coef, dtype=np.float64)
    return float(pb.s @ _nll(pb, pb.X @ w + intercept)) + _penalty(pb, w)


def kkt_violation(X, y, coef, intercept=0.0, *, family, l1=0.0, l2=0.0,
                  student_t=None, sigma: float = 1.0, sample_weight=None,
                  fit_intercept: bool = True, aux: dict | None = None) -> float:
    """``max_j dist(0, subdifferential_j F) / max(1, sum(s))`` at ``(coef, intercept)``."""
    pb = _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, False, aux)
    pb.fit_intercept = fit_intercept
    w = np.asarray(coef, dtype=np.float64)
    return _full_kkt(pb, w, float(intercept), pb.X @ w + intercept) / pb.kkt_scale
