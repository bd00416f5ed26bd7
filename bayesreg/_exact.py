r"""Exact i.i.d. posterior draws for the conjugate Gaussian models (pure NumPy/SciPy).

This is what ``Model.sample(sampler="exact")`` runs. Two models are conjugate:

* **fixed noise** -- ``family="gaussian"``, ``sigma`` a float and
  ``prior=Gaussian(tau, loc)`` with fixed ``tau`` and ``loc``:

  .. math::

      y_i \mid w, b \sim N(b + x_i^\top w, \sigma^2 / s_i), \qquad
      w_j \sim N(\mu, \tau^2)

  (``scaled_by_sigma=True`` just means ``tau -> sigma * tau``). The posterior of ``w``
  is multivariate normal. A Gaussian ``intercept_prior`` with fixed parameters is
  handled as one more Gaussian-prior column of ones.

* **Normal-Inverse-Gamma (NIG)** -- ``sigma=InverseGammaVariance(a0, b0)`` and
  ``prior=Gaussian(tau, loc, scaled_by_sigma=True)``:

  .. math::

      \sigma^2 \sim \mathrm{InvGamma}(a_0, b_0), \qquad
      w_j \mid \sigma^2 \sim N(\mu, \sigma^2\tau^2).

  The posterior is ``sigma^2 | y ~ InvGamma(a, b)``, ``w | sigma^2, y ~ N(m, sigma^2 C)``
  (:class:`bayesreg._conjugate.NIGPosterior`). Draws are joint and exact.

Flat intercept (the default ``Model(..., fit_intercept=True)``): the intercept is
integrated out exactly. With the weighted means ``xbar``, ``ybar`` and ``S = sum_i s_i``,
``b + x_i^T w = b_c + (x_i - xbar)^T w`` with ``b_c = b + xbar^T w`` (the model's
``intercept_centered``), and

.. math::

    \sum_i s_i (y_i - b_c - (x_i - \bar x)^\top w)^2
      = S (b_c - \bar y)^2 + \sum_i s_i (y_i - \bar y - (x_i - \bar x)^\top w)^2,

so ``b_c | w, sigma, y ~ N(ybar, sigma^2 / S)`` independently of ``w``, and
integrating ``b_c`` out multiplies the likelihood of the centred data by
``sqrt(2 pi sigma^2 / S)``: ``w`` has the conjugate posterior of the centred data and,
for NIG, the shape of ``sigma^2`` is ``a = a0 + (S - 1) / 2`` (one degree of freedom
goes to the intercept). The reported ``intercept`` is ``b_c - xbar^T w``.

A location ``mu != 0`` is handled by shifting: ``v = w - mu`` has a zero-mean prior
and the response ``y - X mu``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from . import _conjugate
from ._suffstats import gaussian_suffstats
from .priors import Flat, Gaussian, InverseGammaVariance, Prior

__all__ = ["ExactDraws", "conjugate_kind", "exact_draws"]

_LOG_2PI = float(np.log(2.0 * np.pi))
_OTHER_SAMPLERS = ("Use a NUTS sampler instead: sampler='nutpie' (fastest), 'pymc', "
                   "'numpyro' or 'blackjax'.")


@dataclass(frozen=True, eq=False)
class ExactDraws:
    """Exact posterior draws, arrays shaped ``(chains, draws, ...)``.

    Attributes
    ----------
    posterior : dict[str, numpy.ndarray]
        ``coef`` (chains, draws, p) and, as the model has them, ``intercept_centered``
        and ``intercept`` (chains, draws), ``sigma_sq`` and ``sigma`` (chains, draws).
    lp : numpy.ndarray, shape (chains, draws)
        Log of the unnormalised posterior density at each draw: weighted log-likelihood
        plus log prior of ``coef``, of a proper intercept prior and of ``sigma_sq``
        (a flat intercept adds 0; no transform Jacobians).
    kind : {"fixed_sigma", "nig"}
    """

    posterior: dict
    lp: np.ndarray
    kind: str


def _fixed_float(value) -> bool:
    return not isinstance(value, Prior)


def conjugate_kind(model) -> str:
    """``"fixed_sigma"`` or ``"nig"``; raises ValueError naming why a model is not conjugate."""
    def fail(why):
        raise ValueError(f"sampler='exact' draws exactly only from conjugate models: a gaussian "
                         f"family with a Gaussian prior of fixed scale and loc, and either a "
                         f"fixed float sigma or sigma=InverseGammaVariance(a0, b0) with "
                         f"Gaussian(..., scaled_by_sigma=True). This model is not conjugate: "
                         f"{why}. {_OTHER_SAMPLERS}")

    if model.family.name != "gaussian":
        fail(f"family={model.family.name!r} is not gaussian")
    prior = model.prior
    if type(prior) is not Gaussian:
        fail(f"prior={prior!r} is not a Gaussian prior")
    if not prior.is_fixed:
        fail(f"prior={prior!r} has a hyperprior ({', '.join(prior.hyperpriors)})")
    sigma = model.sigma
    if model.fit_intercept and not isinstance(model.intercept_prior, Flat):
        ip = model.intercept_prior
        if type(ip) is not Gaussian or not ip.is_fixed or ip.scaled_by_sigma:
            fail(f"intercept_prior={ip!r} is neither Flat nor a fixed Gaussian")
        if not _fixed_float(sigma):
            fail(f"a Gaussian intercept_prior is not scaled by sigma, so it is not conjugate "
                 f"with sigma={sigma!r}; use the default flat intercept")
    if _fixed_float(sigma):
        return "fixed_sigma"
    if type(sigma) is not InverseGammaVariance or not sigma.is_fixed:
        fail(f"sigma={sigma!r} is neither a float nor InverseGammaVariance(alpha, beta) with "
             f"fixed alpha and beta")
    if not prior.scaled_by_sigma:
        fail(f"sigma=InverseGammaVariance(...) needs prior=Gaussian(..., scaled_by_sigma=True); "
             f"got {prior!r}")
    return "nig"


def exact_draws(model, *, draws: int, chains: int, random_seed=None) -> ExactDraws:
    """Exact i.i.d. posterior draws of a conjugate :class:`bayesreg.Model`.

    Parameters
    ----------
    model : bayesreg.Model
        A conjugate model (see the module docstring); others raise ValueError.
    draws, chains : int
        ``chains * draws`` i.i.d. draws, arranged as ``(chains, draws)`` so the result has
        the layout of an MCMC run.
    random_seed : int, numpy.random.SeedSequence or None
        The same seed gives the same draws.

    Returns
    -------
    ExactDraws
    """
    kind = conjugate_kind(model)
    rng = np.random.default_rng(random_seed)
    X, y, w = model.X, model.y, model.sample_weight
    n, p = X.shape
    shape = (int(chains), int(draws))
    m = int(chains) * int(draws)
    prior = model.prior
    sum_w = float(n if w is None else w.sum())

    # design, prior loc / sd per column, and whether a flat intercept is integrated out
    center = model.fit_intercept and isinstance(model.intercept_prior, Flat)
    loc = np.full(p, prior.loc)
    tau = np.full(p, prior.scale)
    if kind == "fixed_sigma" and prior.scaled_by_sigma:
        tau = tau * model.sigma
    if center:
        D, yd, x_mean, y_mean = _conjugate.center(X, y, w)
    elif model.fit_intercept:  # fixed Gaussian intercept prior: one more column
        D, yd = np.column_stack([np.ones(n), X]), y
        loc = np.concatenate([[model.intercept_prior.loc], loc])
        tau = np.concatenate([[model.intercept_prior.scale], tau])
    else:
        D, yd = X, y
    y_shift = yd - D @ loc if np.any(loc != 0) else yd

    post = {}
    if kind == "fixed_sigma":
        sigma = float(model.sigma)
        gp = _conjugate.posterior_fixed_sigma(D, y_shift, sigma=sigma, tau=tau, sample_weight=w)
        beta = loc + gp.draw(m, rng)
        sig = np.full(m, sigma)
    else:
        a0, b0 = model.sigma.alpha, model.sigma.beta
        nig = _conjugate.posterior_nig(D, y_shift, tau=tau, a0=a0, b0=b0, sample_weight=w)
        a = nig.a - (0.5 if center else 0.0)  # the flat intercept takes one degree of freedom
        sig2 = nig.b / rng.standard_gamma(a, size=m)
        sig = np.sqrt(sig2)
        z = rng.standard_normal((m, D.shape[1]))
        beta = loc + nig.mean + sig[:, None] * (z @ nig.factor.T)
        post["sigma_sq"] = sig2
        post["sigma"] = sig
        if prior.noncentered:  # the PyMC model samples coef = loc + sigma * tau * coef_z
            post["coef_z"] = (beta[:, -p:] - prior.loc) / (sig[:, None] * prior.scale)

    if center:
        coef = beta
        b_c = y_mean + sig * rng.standard_normal(m) / np.sqrt(sum_w)
        post["intercept_centered"] = b_c
        post["intercept"] = b_c - coef @ x_mean
        full_beta = np.column_stack([b_c, coef])
        Dfull = np.column_stack([np.ones(n), D])
    elif model.fit_intercept:
        coef = beta[:, 1:]
        post["intercept"] = beta[:, 0]
        full_beta, Dfull = beta, D
    else:
        coef = full_beta = beta
        Dfull = D
    post["coef"] = coef

    lp = _log_density(model, kind, Dfull, y, w, full_beta, coef, sig, post, sum_w)
    out = {k: v.reshape(shape + v.shape[1:]) for k, v in post.items()}
    return ExactDraws(posterior=out, lp=lp.reshape(shape), kind=kind)


def _log_density(model, kind, D, y, w, beta, coef, sig, post, sum_w) -> np.ndarray:
    """Weighted log-likelihood + log prior at each draw, from sufficient statistics."""
    stats = gaussian_suffstats(D, y, w)
    d = beta - stats.beta_hat
    quad = stats.rss_min + np.einsum("ij,jk,ik->i", d, stats.gram, d)
    lp = -sum_w * np.log(sig) - 0.5 * sum_w * _LOG_2PI - quad / (2.0 * sig**2)
    prior = model.prior
    scale = prior.scale * (sig[:, None] if prior.scaled_by_sigma else 1.0)
    lp += np.sum(-0.5 * ((coef - prior.loc) / scale) ** 2 - np.log(scale) - 0.5 * _LOG_2PI,
                 axis=1)
    if model.fit_intercept and not isinstance(model.intercept_prior, Flat):
        lp += model.intercept_prior.logpdf(post["intercept"])
    if kind == "nig":
        a0, b0 = model.sigma.alpha, model.sigma.beta
        s2 = post["sigma_sq"]
        lp += a0 * np.log(b0) - gammaln(a0) - (a0 + 1.0) * np.log(s2) - b0 / s2
    return lp
