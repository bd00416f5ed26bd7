r"""Priors as scale mixtures of normals: the latent-variance form a Gibbs sampler draws.

A prior on a weight ``w`` with location ``mu`` and scale ``s`` is a scale mixture of
normals when

.. math::

    w \mid u \sim N(\mu, c\, s^2 u), \qquad u \sim \pi(u),

with ``c = sigma**2`` for a prior with ``scaled_by_sigma=True`` and ``c = 1`` otherwise,
and ``u`` a latent variance in units of ``s**2`` whose law does not involve ``s``. Given
the standardized deviation ``e = (w - mu) / (sqrt(c) s)``, ``u`` has a closed-form
conditional:

* ``Gaussian(s)``: ``u = 1`` (no latent variable);
* ``Laplace(b)`` (Andrews & Mallows 1974; the Bayesian lasso of Park & Casella 2008):
  ``u ~ Exponential(mean 2)`` gives ``p(w) = exp(-|w - mu| / b) / (2 b)``, and
  ``1 / u | e ~ InverseGaussian(mean = 1 / |e|, shape = 1)``;
* ``StudentT(nu, s)``: ``u ~ InvGamma(nu / 2, nu / 2)``, and
  ``u | e ~ InvGamma((nu + 1) / 2, (nu + e**2) / 2)``;
* ``Flat``: ``u = inf`` (zero prior precision).

Because ``u``'s law does not involve ``s``, a random scale has the same conditional for
every mixture: given the ``m`` weights ``w_j`` and their ``u_j``,
``p(s^2 | ...) ∝ (s^2)^{-m/2} exp(-sum_j (w_j - mu)^2 / (c u_j) / (2 s^2)) pi(s)``.

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
    initial : float
        A starting value of the latent ``u`` (its fixed value for a prior without one).
    draw : callable or None
        ``draw(prior, e, rng) -> ndarray``: ``u`` drawn from ``u | e`` elementwise, ``e``
        the standardized deviations. ``None``: ``u`` is fixed at ``initial``.
    scaled : bool
        Whether the prior has a scale ``s`` (``Flat`` has none).
    """

    initial: float
    draw: Callable[[Prior, np.ndarray, np.random.Generator], np.ndarray] | None = None
    scaled: bool = True

    @property
    def latent(self) -> bool:
        """Whether ``u`` is a latent variable (drawn at each sweep)."""
        return self.draw is not None


#: above this inverse-Gaussian mean, its draw is taken from the limit law (Levy):
#: NumPy's ``wald`` loses every digit to cancellation from a mean of about 1e15 on
_WALD_LIMIT = 1e8


def _laplace_u(prior, e, rng):
    mean = 1.0 / np.maximum(np.abs(e), 1e-300)
    big = mean > _WALD_LIMIT
    inv_u = rng.wald(np.where(big, 1.0, mean), 1.0)
    if np.any(big):  # InvGauss(mean, 1) -> 1 / Z**2 as mean -> inf (e -> 0)
        inv_u = np.where(big, 1.0 / rng.standard_normal(np.shape(e)) ** 2, inv_u)
    return 1.0 / inv_u


def _student_t_u(prior, e, rng):
    nu = float(prior.nu)
    return 0.5 * (nu + e * e) / rng.standard_gamma(0.5 * (nu + 1.0), size=np.shape(e))


#: Prior class -> its scale-mixture-of-normals form (filled here, by hand).
NORMAL_MIXTURES = {
    Gaussian: NormalMixture(initial=1.0),
    Laplace: NormalMixture(initial=2.0, draw=_laplace_u),
    StudentT: NormalMixture(initial=1.0, draw=_student_t_u),
    Flat: NormalMixture(initial=np.inf, scaled=False),
}


def normal_mixture(prior: Prior) -> NormalMixture:
    """The scale-mixture form of ``prior`` (:data:`NORMAL_MIXTURES`); TypeError when it
    has none (e.g. ``ElasticNetPrior``, the sparse priors)."""
    return registered(NORMAL_MIXTURES, prior, "scale-mixture-of-normals form")
