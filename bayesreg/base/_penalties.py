r"""Penalties: the MAP objective's weights, and scikit-learn's ``alpha`` <-> prior scale.

NumPy only. The MAP objective of every bayesreg model with fixed hyperparameters is

.. math::

    F(w, b) = \sum_i s_i\,\mathrm{nll}(y_i, x_i^\top w + b) + \sum_j l_1 |w_j|
              + \tfrac12 l_2 w_j^2 \;[+\ \tfrac{\nu+1}{2}\log(1 + w_j^2/(\nu s^2))]
              \;[+\ l_1^{(b)}|b| + \tfrac12 l_2^{(b)} b^2],

so a :class:`Penalty` (``l1 = 1/b`` of a Laplace prior, ``l2 = 1/tau^2`` of a Gaussian)
describes a prior, an estimator and a MAP problem alike. Under Gaussian noise ``sigma``
and ``S = sum(s)`` observations, the scikit-learn estimators with the same minimizer are

* ``Ridge(alpha = sigma^2 l2)``,
* ``Lasso(alpha = sigma^2 l1 / S)``,
* ``ElasticNet(alpha = sigma^2 (l1 + l2) / S, l1_ratio = l1 / (l1 + l2))``;

:func:`gaussian_alpha` and :func:`gaussian_precisions` are that algebra, written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Penalty", "gaussian_alpha", "gaussian_precisions", "student_t_penalty_derivs"]


@dataclass(frozen=True)
class Penalty:
    """The weights of the MAP objective ``F`` (see the module docstring).

    Attributes
    ----------
    family : Family
        The likelihood, a family object (e.g. ``get_family("bernoulli")``).
    l1, l2 : float
        Laplace precision ``1/b`` and Gaussian precision ``1/tau^2`` of each coefficient.
    fit_intercept : bool
    sigma : float or None
        The fixed gaussian noise scale (``None`` for the other families).
    student_t : (nu, scale) or None
        A Student-t penalty on each coefficient.
    intercept_l1, intercept_l2 : float
        Penalty on the intercept (0: unpenalized, the default ``Flat`` prior).
    aux : dict or None
        The family's other auxiliary parameters, held fixed (e.g. ``{"dispersion": 0.5}``
        for the negative binomial); ``None`` when it has none.
    """

    family: object
    l1: float
    l2: float
    fit_intercept: bool
    sigma: float | None = None
    student_t: tuple[float, float] | None = None
    intercept_l1: float = 0.0
    intercept_l2: float = 0.0
    aux: dict | None = field(default=None, hash=False)


def student_t_penalty_derivs(w, nu, scale) -> tuple[np.ndarray, np.ndarray]:
    r"""First and second derivative of the Student-t penalty, elementwise.

    .. math:: \mathrm{pen}(w) = \frac{\nu+1}{2}\log\left(1 + \frac{w^2}{\nu s^2}\right),
              \quad \mathrm{pen}'(w) = \frac{(\nu+1) w}{\nu s^2 + w^2}, \quad
              \mathrm{pen}''(w) = \frac{(\nu+1)(\nu s^2 - w^2)}{(\nu s^2 + w^2)^2}

    (the negative log density of ``StudentT(nu, scale)`` up to a constant; the second
    derivative is negative for ``w**2 > nu s**2``: the penalty is not convex).
    """
    a = nu * scale**2
    den = a + w * w
    return (nu + 1.0) * w / den, (nu + 1.0) * (a - w * w) / (den * den)


def gaussian_alpha(l1, l2, sigma, sum_w):
    """``(estimator, alpha, l1_ratio)`` of the scikit-learn twin of Gaussian-noise weights.

    ``"ridge"`` when ``l1 = 0``, ``"lasso"`` when ``l2 = 0``, else ``"elasticnet"``;
    array-valued ``l1``/``l2`` (a grid of one kind) are accepted.
    """
    l1, l2 = np.asarray(l1, dtype=float), np.asarray(l2, dtype=float)
    s2 = float(sigma) ** 2 if np.ndim(sigma) == 0 else np.asarray(sigma, dtype=float) ** 2
    if np.all(l1 == 0):
        return "ridge", s2 * l2, 0.0
    if np.all(l2 == 0):
        return "lasso", s2 * l1 / sum_w, 1.0
    return "elasticnet", s2 * (l1 + l2) / sum_w, l1 / (l1 + l2)


def gaussian_precisions(estimator: str, alpha, sigma, sum_w, l1_ratio=1.0):
    """``(l1, l2)`` of ``Ridge`` / ``Lasso`` / ``ElasticNet(alpha, l1_ratio)``: the inverse
    of :func:`gaussian_alpha`."""
    alpha = np.asarray(alpha, dtype=float)
    s2 = np.asarray(sigma, dtype=float) ** 2
    if estimator == "ridge":
        return np.zeros_like(alpha), alpha / s2
    rho = 1.0 if estimator == "lasso" else np.asarray(l1_ratio, dtype=float)
    return sum_w * alpha * rho / s2, sum_w * alpha * (1.0 - rho) / s2
