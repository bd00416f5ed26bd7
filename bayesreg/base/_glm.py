r"""Generalized linear model pieces: negative log-likelihoods and their derivatives.

NumPy/SciPy only. For a linear predictor :math:`\eta` and observation :math:`y`, up to
terms that do not depend on :math:`\eta`:

==============  ==========================================  ==============================
family          ``nll(y, eta)``                              ``d nll / d eta``, ``d2``
==============  ==========================================  ==============================
gaussian        :math:`(y - \eta)^2 / (2\sigma^2)`           :math:`(\eta - y)/\sigma^2`, :math:`1/\sigma^2`
bernoulli       :math:`\log(1 + e^\eta) - y\eta`             :math:`\mu - y`, :math:`\mu(1-\mu)`, :math:`\mu = \mathrm{expit}(\eta)`
poisson         :math:`e^\eta - y\eta`                       :math:`\mu - y`, :math:`\mu`, :math:`\mu = e^\eta`
==============  ==========================================  ==============================

Every solver, the Laplace approximation of the evidence and the MAP certificates use
these one definitions.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["GLM_FAMILIES", "softplus", "nll", "nll_derivs", "intercept_start"]

#: the families with a convex negative log-likelihood in ``eta`` (MAP solvers, Laplace)
GLM_FAMILIES = ("gaussian", "bernoulli", "poisson")

#: probabilities and means are clipped to [_CLIP, 1 - _CLIP] before taking logits / logs
_CLIP = 1e-10


def softplus(eta: np.ndarray) -> np.ndarray:
    """``log(1 + exp(eta))``, without overflow."""
    return np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))


def nll(family: str, y: np.ndarray, eta: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """Pointwise negative log-likelihood up to terms free of ``eta`` (unweighted)."""
    if family == "gaussian":
        r = y - eta
        return r * r / (2.0 * sigma**2)
    if family == "bernoulli":
        return softplus(eta) - y * eta
    with np.errstate(over="ignore"):
        return np.exp(eta) - y * eta


def nll_derivs(family: str, y: np.ndarray, eta: np.ndarray,
               sigma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of :func:`nll` with respect to ``eta``."""
    if family == "gaussian":
        return (eta - y) / sigma**2, np.full(np.shape(eta), 1.0 / sigma**2)
    if family == "bernoulli":
        mu = special.expit(eta)
        return mu - y, mu * (1.0 - mu)
    with np.errstate(over="ignore"):
        mu = np.exp(eta)
    return mu - y, mu


def intercept_start(family: str, y: np.ndarray, sample_weight: np.ndarray | None = None
                    ) -> float:
    """The intercept-only fit with all coefficients 0: the link of the weighted mean of y.

    A starting point for Newton solvers and for MCMC chains alike (``identity`` for the
    gaussian and student_t families, ``logit`` for bernoulli, ``log`` for poisson; the
    mean is clipped away from 0 and 1 so that the start is finite).
    """
    ybar = float(np.average(y, weights=sample_weight))
    if family == "bernoulli":
        ybar = min(max(ybar, _CLIP), 1.0 - _CLIP)
        return float(np.log(ybar / (1.0 - ybar)))
    if family == "poisson":
        return float(np.log(max(ybar, _CLIP)))
    return ybar
