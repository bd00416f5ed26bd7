"""The gaussian noise scale of a fitted scikit-learn estimator: the plug-in ``sigma`` of
:func:`bayesreg.from_sklearn` (the MAP does not depend on it; the posterior spread does).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._twins import estimator_kind

__all__ = ["residual_sigma", "plug_in_sigma"]


def residual_sigma(estimator, X, y, sample_weight=None) -> float:
    """Residual noise scale of a *fitted* gaussian estimator (plug-in ``sigma``).

    .. math::

        \\hat\\sigma^2 = \\frac{\\sum_i s_i (y_i - x_i^\\top w - b)^2}{S - \\mathrm{df}},
        \\qquad S = \\sum_i s_i,

    with the effective degrees of freedom of the penalized fit ``df = tr[X_A (X_A' W X_A
    + \\lambda_2 I)^{-1} X_A' W] + [fit_intercept]``, where ``A`` is the set of non-zero
    coefficients, ``W = diag(s)``, ``X`` is ``s``-weighted centred when there is an
    intercept and ``lambda_2`` is the ridge part of the penalty on the scale of ``sum s
    r^2``: ``alpha`` (Ridge), ``0`` (Lasso: ``df = |A|``, Zou, Hastie & Tibshirani 2007)
    and ``S alpha (1 - l1_ratio)`` (ElasticNet).

    Raises
    ------
    ValueError
        When ``S - df <= 0`` (e.g. an interpolating fit with ``p > n``): pass ``sigma``.
    """
    kind = estimator_kind(estimator)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    S = float(s.sum())
    w = np.ravel(estimator.coef_).astype(np.float64)
    b = float(np.ravel(estimator.intercept_)[0]) if np.ndim(estimator.intercept_) else float(
        estimator.intercept_)
    r = y - X @ w - b
    rss = float(s @ (r * r))
    alpha = float(np.ravel(estimator.alpha)[0])
    if kind == "Ridge":
        lam2 = alpha
    elif kind == "Lasso":
        lam2 = 0.0
    else:
        lam2 = S * alpha * (1.0 - float(estimator.l1_ratio))
    A = np.flatnonzero(w)
    Xa = X[:, A]
    if estimator.fit_intercept:
        Xa = Xa - (s @ Xa) / S
    sq = np.sqrt(s)[:, None]
    if A.size:
        Z = Xa * sq
        sv = np.linalg.svd(Z, compute_uv=False)
        if lam2 > 0:
            df = float(np.sum(sv**2 / (sv**2 + lam2)))
        else:
            df = float(np.sum(sv > sv.max() * max(Z.shape) * np.finfo(float).eps))
    else:
        df = 0.0
    df += float(bool(estimator.fit_intercept))
    if not S - df > 0:
        raise ValueError(
            f"Cannot estimate sigma from the fit: S - df = {S:.4g} - {df:.4g} <= 0 (the fit "
            f"interpolates the data). Pass a fixed noise scale, e.g. from_sklearn(..., "
            f"sigma=1.0)."
        )
    return math.sqrt(rss / (S - df))


def plug_in_sigma(fitted, X, y, sample_weight) -> float:
    """:func:`residual_sigma`; when the fit interpolates (``S - df <= 0``, e.g. ``p > n``)
    or leaves no residual (a constant or noise-free ``y``), the weighted standard deviation
    of ``y`` (1 for a constant ``y``), with a warning: the MAP does not depend on
    ``sigma``, only the posterior spread does."""
    sd = float(np.sqrt(np.cov(y, aweights=sample_weight, ddof=0))) if y.size > 1 else 0.0
    try:
        sigma = residual_sigma(fitted, X, y, sample_weight)
    except ValueError as err:
        reason = str(err)
    else:
        if sigma > 1e-8 * sd:
            return sigma
        reason = (f"The fit leaves (almost) no residual (plug-in sigma = {sigma:.3g}, e.g. a "
                  f"constant or noise-free y), so no noise scale can be estimated.")
    fallback = sd if sd > 0 else 1.0
    warnings.warn(f"{reason} Using sigma = {'sd(y)' if sd > 0 else '1'} = {fallback:.4g} "
                  f"instead: the MAP (the estimator's fit) does not depend on it, the "
                  f"posterior spread does. Pass sigma= to choose it.", UserWarning,
                  stacklevel=3)
    return fallback
