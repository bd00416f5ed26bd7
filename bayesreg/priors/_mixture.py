r"""Priors as scale mixtures of normals: the latent-variance form a Gibbs sampler draws.

A prior on a weight ``w`` with location ``mu`` is a scale mixture of normals when

.. math::

    w \mid v \sim N(\mu, c\,v), \qquad v \sim \pi(v),

with ``c = sigma**2`` for a prior with ``scaled_by_sigma=True`` and ``c = 1`` otherwise.
Given ``w`` (and ``sigma``) the latent variance has a closed-form conditional
``v | e`` with ``e = (w - mu) / sqrt(c)``:

* ``Gaussian(tau)``: ``v = tau**2``, fixed (no latent variable);
* ``Laplace(b)`` (Andrews & Mallows 1974; the Bayesian lasso of Park & Casella 2008):
  ``v ~ Exponential(rate = 1 / (2 b**2))`` gives ``p(w) = exp(-|w - mu| / b) / (2 b)``,
  and ``1 / v | e ~ InverseGaussian(mean = 1 / (b |e|), shape = 1 / b**2)``;
* ``StudentT(nu, s)``: ``v = lambda s**2``, ``lambda ~ InvGamma(nu / 2, nu / 2)``, and
  ``lambda | e ~ InvGamma((nu + 1) / 2, (nu + e**2 / s**2) / 2)``;
* ``Flat``: ``v = inf`` (zero prior precision).

:data:`NORMAL_MIXTURES` is the registry (prior class -> :class:`NormalMixture`), filled
here by hand; :func:`normal_mixture` looks a prior up (its class, then its bases). The
Gibbs sampler of the gaussian family (:mod:`bayesreg.backends._gibbs`) draws the
coefficients given these variances as one Gaussian block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..utils._registry import registered
from ._priors import Flat, Gaussian, Laplace, Prior, StudentT

__all__ = ["NORMAL_MIXTURES", "NormalMixture", "normal_mixture"]


@dataclass(frozen=True)
class NormalMixture:
    """The latent-variance form of a prior (see the module docstring).

    Attributes
    ----------
    initial : callable
        ``initial(prior) -> float``: a starting latent variance (the fixed one for a prior
        without a latent variable).
    draw : callable or None
        ``draw(prior, e, rng) -> ndarray``: latent variances drawn from ``v | e``,
        elementwise (``e`` the standardized deviations ``(w - mu) / sqrt(c)``). ``None``:
        the variance is fixed at ``initial(prior)``.
    """

    initial: Callable[[Prior], float]
    draw: Callable[[Prior, np.ndarray, np.random.Generator], np.ndarray] | None = None

    @property
    def latent(self) -> bool:
        """Whether the variance is a latent variable (drawn at each step)."""
        return self.draw is not None


def _laplace_variance(prior, e, rng):
    b = float(prior.scale)
    # |e| = 0 has probability 0; a tiny floor keeps the inverse-Gaussian mean finite
    mean = 1.0 / (b * np.maximum(np.abs(e), 1e-300))
    return 1.0 / rng.wald(mean, 1.0 / b**2)


def _student_t_variance(prior, e, rng):
    nu, s = float(prior.nu), float(prior.scale)
    rate = 0.5 * (nu + (e / s) ** 2)
    return s**2 * rate / rng.standard_gamma(0.5 * (nu + 1.0), size=np.shape(e))


#: Prior class -> its scale-mixture-of-normals form (filled here, by hand).
NORMAL_MIXTURES = {
    Gaussian: NormalMixture(initial=lambda prior: float(prior.scale) ** 2),
    Laplace: NormalMixture(initial=lambda prior: 2.0 * float(prior.scale) ** 2,
                           draw=_laplace_variance),
    StudentT: NormalMixture(initial=lambda prior: float(prior.scale) ** 2,
                            draw=_student_t_variance),
    Flat: NormalMixture(initial=lambda prior: np.inf),
}


def normal_mixture(prior: Prior) -> NormalMixture:
    """The scale-mixture form of ``prior`` (:data:`NORMAL_MIXTURES`); TypeError when it
    has none (e.g. ``ElasticNetPrior``, the sparse priors)."""
    return registered(NORMAL_MIXTURES, prior, "scale-mixture-of-normals form")
