"""Observation families: the likelihood ``p(y | eta)`` and its link, in NumPy/SciPy.

A family is an immutable value. Pointwise log-likelihoods and predictive draws are
computed here from posterior draws of the linear predictor ``eta = intercept + X @ coef``
(vectorized over draws), so every sampler shares one code path for the
``log_likelihood`` and ``posterior_predictive`` groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..utils.validation import OneOf, check_param

__all__ = ["Family", "get_family", "FAMILIES"]


@dataclass(frozen=True)
class Family:
    """A GLM family with a fixed link.

    Parameters
    ----------
    name : {"gaussian", "bernoulli", "poisson", "student_t"}
    link : {"identity", "logit", "log"}
    has_sigma : bool
        Whether the family has a noise scale ``sigma``.
    """

    name: str
    link: str
    has_sigma: bool = False
    has_nu: bool = False

    # -- link ---------------------------------------------------------------
    def inverse_link(self, eta):
        """Mean of ``y`` given the linear predictor ``eta``."""
        if self.link == "identity":
            return eta
        if self.link == "logit":
            return special.expit(eta)
        return np.exp(eta)

    # -- data checks ---------------------------------------------------------
    def check_y(self, y: np.ndarray) -> None:
        """Raise ``ValueError`` when ``y`` is outside the family's support."""
        if self.name == "bernoulli":
            bad = ~np.isin(y, (0.0, 1.0))
            if bad.any():
                raise ValueError(
                    f"y must contain only 0 and 1 for family='bernoulli'; found "
                    f"{np.unique(y[bad])[:5].tolist()} at {int(bad.sum())} position(s). "
                    "Encode the two classes as 0/1."
                )
        elif self.name == "poisson":
            if (y < 0).any() or (np.floor(y) != y).any():
                bad = (y < 0) | (np.floor(y) != y)
                raise ValueError(
                    f"y must hold non-negative integer counts for family='poisson'; found "
                    f"{np.unique(y[bad])[:5].tolist()} at {int(bad.sum())} position(s)."
                )

    # -- likelihood ----------------------------------------------------------
    def logpdf(self, y, eta, sigma=None, nu=None):
        """Pointwise log-likelihood ``log p(y | eta, sigma, nu)`` (broadcasting)."""
        if self.name == "gaussian":
            return stats.norm.logpdf(y, eta, sigma)
        if self.name == "student_t":
            return stats.t.logpdf(y, nu, eta, sigma)
        if self.name == "bernoulli":
            # y * eta - log(1 + exp(eta)), stable for large |eta|
            return y * eta - np.logaddexp(0.0, eta)
        return stats.poisson.logpmf(y, np.exp(eta))

    def simulate(self, eta, rng: np.random.Generator, sigma=None, nu=None):
        """Draw ``y`` given ``eta`` (and ``sigma``/``nu``); same shape as ``eta``."""
        if self.name == "gaussian":
            return eta + sigma * rng.standard_normal(eta.shape)
        if self.name == "student_t":
            return eta + sigma * rng.standard_t(nu, size=eta.shape)
        if self.name == "bernoulli":
            return (rng.random(eta.shape) < special.expit(eta)).astype(np.int64)
        return rng.poisson(np.exp(eta)).astype(np.int64)


FAMILIES: dict[str, Family] = {
    "gaussian": Family("gaussian", "identity", has_sigma=True),
    "bernoulli": Family("bernoulli", "logit"),
    "poisson": Family("poisson", "log"),
    "student_t": Family("student_t", "identity", has_sigma=True, has_nu=True),
}


def get_family(family: str | Family) -> Family:
    """Look up a family by name, with an error that lists the supported ones."""
    if isinstance(family, Family):
        return family
    return FAMILIES[check_param(family, "family", "Model", OneOf(tuple(FAMILIES)))]
