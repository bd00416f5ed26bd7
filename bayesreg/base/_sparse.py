r"""Selection from a posterior, in NumPy: shrinkage factors and SAVS.

* Shrinkage factor (Piironen & Vehtari 2017, eq. 3.6): for the gaussian linear model with
  uncorrelated predictors, the posterior mean of ``w_j`` given its prior variance ``v_j``
  is ``(1 - kappa_j)`` times the least-squares estimate, with

  .. math:: \kappa_j = \frac{1}{1 + n\, s_j^2\, v_j / \sigma^2}

  (``s_j**2`` the variance of column ``j``, ``n`` the number of observations, ``sigma``
  the noise scale or a GLM's pseudo standard deviation). ``kappa_j`` near 0: the
  coefficient is left alone; near 1: shrunk to zero. ``m_eff = sum_j (1 - kappa_j)`` is
  the effective number of non-zero coefficients.

* SAVS, signal adaptive variable selection (Ray & Bhattacharya 2018): the decoupled
  (Hahn & Carvalho 2015) adaptive-lasso problem
  ``min_b 1/2 ||X wbar - X b||^2 + sum_j mu_j |b_j|`` with ``mu_j = 1 / wbar_j**2``,
  solved by one coordinate step from ``b = wbar``, which has the closed form

  .. math:: b_j = \operatorname{sign}(\bar w_j)\,\|X_j\|^{-2}
                  \left(|\bar w_j|\,\|X_j\|^2 - \mu_j\right)_+

  No tuning parameter: the threshold adapts to each coefficient's size.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shrinkage_factor", "savs_estimate"]


def shrinkage_factor(variance, n: float, x_var=1.0, noise_var=1.0):
    """``kappa = 1 / (1 + n * x_var * variance / noise_var)`` (broadcasting)."""
    ratio = np.asarray(variance, dtype=float) / np.asarray(noise_var, dtype=float)
    return 1.0 / (1.0 + float(n) * np.asarray(x_var, dtype=float) * ratio)


def savs_estimate(coef, col_sq_norm):
    """SAVS of ``coef`` (``(..., p)``: a posterior mean, or draws) given ``||X_j||^2``.

    Returns an array of the same shape with exact zeros for the dropped coefficients.
    """
    coef = np.asarray(coef, dtype=float)
    norm2 = np.asarray(col_sq_norm, dtype=float)
    with np.errstate(divide="ignore"):
        mu = np.where(coef != 0, 1.0 / coef**2, np.inf)
        keep = np.maximum(np.abs(coef) * norm2 - mu, 0.0)
    return np.sign(coef) * np.where(norm2 > 0, keep / np.where(norm2 > 0, norm2, 1.0), 0.0)
