r"""The mode and Hessian of a GLM posterior: where the Laplace approximation and the
independence sampler (:mod:`bayesreg.backends._imh`) start. NumPy/SciPy only.

For a family with a log-concave likelihood and its auxiliary parameters fixed, a
coefficient prior with fixed parameters and closed-form derivatives (``Gaussian``,
``StudentT``, ``Laplace`` away from its kink, ``Flat``) and an intercept that is flat or
has such a prior, the negative log posterior of ``theta = (intercept, coef)`` is

.. math::

    F(\theta) = -\sum_i s_i \log p(y_i \mid d_i^\top \theta)
                - \sum_j \log \pi(\theta_j),

with ``d_i = (1, x_i)`` (``x_i`` alone without an intercept) and ``s_i`` the sample
weights. Its minimum is found by bayesreg's MAP solver (:func:`bayesreg.base.fit_map`,
the penalized fit at ``loc = 0``) and polished by damped Newton on ``F`` itself
(:func:`bayesreg.base._newton.newton_minimize`), which also handles a prior location
and a proper intercept prior; the Hessian there is
``D^T diag(s_i d2_i) D + diag(c_j)`` with ``d2_i = -d^2 log p / d eta^2`` and ``c_j`` the
prior curvatures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base._newton import newton_minimize
from ..base._solvers import fit_map
from ..priors._penalty import prior_penalty

__all__ = ["LaplaceMode", "laplace_mode", "smooth_prior_reason"]


@dataclass(frozen=True)
class LaplaceMode:
    """The mode of a GLM posterior and the curvature there.

    Attributes
    ----------
    theta : ndarray, shape (k,)
        ``(intercept, coef)`` with an intercept, else ``coef``.
    hessian : ndarray, shape (k, k)
        Hessian of the negative log posterior at ``theta``.
    log_likelihood, log_prior : float
        At ``theta`` (the prior of a flat intercept contributes 0).
    prior_curvature : ndarray, shape (k,)
        ``-d2 log pi / d theta_j^2`` (0 for a flat intercept).
    offset : int
        1 with an intercept (``theta[0]``), else 0.
    """

    theta: np.ndarray
    hessian: np.ndarray
    log_likelihood: float
    log_prior: float
    prior_curvature: np.ndarray
    offset: int


def smooth_prior_reason(prior, what: str = "coefficient prior") -> str | None:
    """Why ``prior`` has no smooth log density with closed-form derivatives and fixed
    parameters (a sentence), or None when it has one (``Gaussian``, ``StudentT``,
    ``Flat``)."""
    if not prior.is_fixed:
        return f"the {what} {prior!r} has a hyperprior on {sorted(prior.hyperpriors)}"
    if prior.penalty_kind not in ("l2", "student_t", "none"):
        return (f"the {what} {type(prior).__name__} is not smooth or has no closed-form "
                f"curvature (Gaussian, StudentT and Flat are)")
    return None


def _prior_terms(prior, x: np.ndarray):
    grad, curv = prior.logpdf_derivs(x)
    return float(np.sum(prior.logpdf(x))), grad, curv


def laplace_mode(family, X: np.ndarray, y: np.ndarray, *, prior, sample_weight=None,
                 aux: dict | None = None, fit_intercept: bool = True, intercept_prior=None,
                 polish: bool = True, tol: float = 1e-10) -> LaplaceMode:
    """The mode of the posterior of a GLM and its Hessian (see the module docstring).

    Parameters
    ----------
    family : Family
        A family with ``convex = True``.
    X : ndarray, shape (n, p)
    y : ndarray, shape (n,)
    prior : Prior
        Coefficient prior with fixed parameters and closed-form derivatives
        (``logpdf_derivs``).
    sample_weight : ndarray, shape (n,), optional
    aux : dict, optional
        The family's auxiliary parameters, fixed floats (``sigma`` for the gaussian
        family).
    fit_intercept : bool
    intercept_prior : Prior, optional
        A proper intercept prior with fixed parameters; None: a flat intercept.
    polish : bool
        Newton on the exact log posterior after the penalized fit (required for a prior
        location or an intercept prior; skipped for a Laplace prior, whose kink has no
        curvature).
    tol : float
        KKT tolerance of the penalized fit.

    Returns
    -------
    LaplaceMode
    """
    aux = dict(aux or {})
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    l1, l2, student_t = prior_penalty(prior.at_zero())
    sigma = aux.get("sigma", 1.0)
    fm = fit_map(X, y, family=family, l1=l1, l2=l2, student_t=student_t,
                 sigma=1.0 if sigma is None else float(sigma), sample_weight=sample_weight,
                 fit_intercept=fit_intercept, aux=aux, tol=tol)
    k = 1 if fit_intercept else 0
    theta = np.concatenate([[fm.intercept], fm.coef]) if k else fm.coef.copy()
    prior_aux = {name: v for name, v in aux.items()}

    def terms(th):
        eta = X @ th[k:] + (th[0] if k else 0.0)
        d1, d2 = family.nll_derivs(y, eta, **prior_aux)
        ll = float(w @ family.logpdf(y, eta, **prior_aux))
        lp, gp, cp = _prior_terms(prior, th[k:])
        g_eta, h_eta = -w * d1, w * d2
        grad_c = X.T @ g_eta + gp
        Hc = (X * h_eta[:, None]).T @ X + np.diag(cp)
        if not k:
            return ll, lp, grad_c, Hc, cp
        if intercept_prior is not None:
            lpi, gpi, cpi = _prior_terms(intercept_prior, th[:1])
        else:
            lpi, gpi, cpi = 0.0, np.zeros(1), np.zeros(1)
        hx = X.T @ h_eta
        H = np.empty((Hc.shape[0] + 1,) * 2)
        H[1:, 1:] = Hc
        H[0, 1:] = H[1:, 0] = hx
        H[0, 0] = h_eta.sum() + cpi[0]
        grad = np.concatenate([[g_eta.sum() + gpi[0]], grad_c])
        return ll, lp + lpi, grad, H, np.concatenate([cpi, cp])

    if polish:
        def negative_log_posterior(th):
            ll, lp, grad, H, cp = terms(th)
            return -(ll + lp), -grad, H, ll, lp, cp

        theta, (_, _, H, ll, lp, cp) = newton_minimize(negative_log_posterior, theta,
                                                       max_iter=100, rtol=1e-12)
    else:
        ll, lp, _, H, cp = terms(theta)
    return LaplaceMode(theta=theta, hessian=H, log_likelihood=ll, log_prior=lp,
                       prior_curvature=cp, offset=k)
