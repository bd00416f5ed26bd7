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
  (:class:`bayesreg.base.NIGPosterior`). Draws are joint and exact.

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

from ..base import _conjugate
from ..base._suffstats import SufficientStats
from ._priors import Flat, Gaussian, InverseGammaVariance, Prior

__all__ = ["ConjugateForm", "ExactDraws", "conjugate_form", "conjugate_kind", "exact_draws"]

_LOG_2PI = float(np.log(2.0 * np.pi))
_USE_NUTS = ("Use a NUTS sampler instead: sampler='nutpie' (fastest), 'pymc', 'numpyro' or "
             "'blackjax'.")
_NOT_CONJ = ("{purpose} needs a conjugate Gaussian model: family='gaussian', prior=Gaussian(scale) "
             "with fixed scale and loc, and either a fixed float sigma or prior=Gaussian(scale, "
             "scaled_by_sigma=True) with sigma=InverseGammaVariance(a0, b0); intercept Flat() "
             "(default), a fixed Gaussian intercept_prior (fixed sigma only) or "
             "fit_intercept=False. This model is not conjugate: {why}. {instead}")


@dataclass(frozen=True, eq=False)
class ConjugateForm:
    """A conjugate Gaussian model reduced to the zero-mean form of ``_conjugate``.

    ``y = D u + e`` with ``u ~ N(0, diag(tau^2))`` (``kind="fixed_sigma"``, noise ``sigma``) or
    ``u | sigma ~ N(0, sigma^2 diag(tau^2))`` (``kind="nig"``). ``D`` is ``X`` (no
    intercept), ``[1, X]`` (Gaussian intercept prior) or the weighted-centred ``X`` (flat
    intercept, integrated out); ``y`` has the prior means (and, centred, its mean) removed.
    Coefficients are ``loc + u[k:]``.
    """

    kind: str                   # "fixed_sigma" | "nig"
    D: np.ndarray
    y: np.ndarray
    sw: np.ndarray | None
    tau: np.ndarray             # prior sds of u (NIG: in units of sigma)
    sigma: float                # fixed noise sd (nan for NIG)
    a0: float
    b0: float
    intercept: str              # "none" | "proper" | "flat"
    sum_w: float
    loc: np.ndarray             # coefficient prior means (p,)
    b_loc: float                # intercept prior mean (proper)
    x_mean: np.ndarray          # weighted means of X and of y - X loc (flat)
    y_mean: float
    k: int                      # 1 if D has an intercept column

    def split(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(coef, intercept) from ``u`` of shape (..., k + p); for a flat intercept the
        intercept at its conditional mean ``ybar - xbar' u``."""
        coef = self.loc + u[..., self.k:]
        if self.intercept == "proper":
            return coef, self.b_loc + u[..., 0]
        if self.intercept == "flat":
            return coef, self.y_mean - u[..., self.k:] @ self.x_mean
        return coef, np.zeros(u.shape[:-1])

    @property
    def sum_w_noise(self) -> float:
        """Observations seen by the noise: ``S - 1`` when a flat intercept is integrated out."""
        return self.sum_w - 1.0 if self.intercept == "flat" else self.sum_w

    def posterior(self):
        """The exact posterior of ``u``: GaussianPosterior (fixed) or NIGPosterior."""
        if self.kind == "fixed_sigma":
            return _conjugate.posterior_fixed_sigma(self.D, self.y, sigma=self.sigma,
                                                    tau=self.tau, sample_weight=self.sw)
        st = _conjugate.sufficient_stats(self.D, self.y, self.sw)
        return _conjugate.posterior_nig_from_stats(st.xtx, st.xty, st.yty, self.sum_w_noise,
                                                   tau=self.tau, a0=self.a0, b0=self.b0)


def conjugate_form(model, *, purpose: str = "sampler='exact'",
                   instead: str = _USE_NUTS) -> ConjugateForm:
    """Reduce a conjugate ``model`` to a :class:`ConjugateForm`.

    Raises ValueError starting with ``purpose`` and naming why the model is not
    conjugate, followed by ``instead``.
    """
    def fail(why):
        raise ValueError(_NOT_CONJ.format(purpose=purpose, why=why, instead=instead))

    if not model.family.sufficient_statistics:
        fail(f"family={model.family.name!r} is not gaussian")
    prior = model.prior
    if type(prior) is not Gaussian:
        fail(f"prior={prior!r} is not a Gaussian prior")
    if not prior.is_fixed:
        fail(f"prior={prior!r} has a hyperprior ({', '.join(prior.hyperpriors)})")
    sigma = model.sigma
    if isinstance(sigma, Prior):
        if type(sigma) is not InverseGammaVariance or not sigma.is_fixed:
            fail(f"sigma={sigma!r} is neither a float nor InverseGammaVariance(alpha, beta) "
                 f"with fixed alpha and beta")
        if not prior.scaled_by_sigma:
            fail(f"sigma=InverseGammaVariance(...) needs prior=Gaussian(..., "
                 f"scaled_by_sigma=True); got {prior!r}")
        kind, sig, a0, b0 = "nig", float("nan"), float(sigma.alpha), float(sigma.beta)
        tau = float(prior.scale)
    else:
        kind, sig, a0, b0 = "fixed_sigma", float(sigma), float("nan"), float("nan")
        tau = float(prior.scale) * (sig if prior.scaled_by_sigma else 1.0)

    X, sw = model.X, model.sample_weight
    n, p = X.shape
    loc = np.full(p, float(prior.loc))
    y = model.y - X @ loc if np.any(loc != 0) else model.y
    S = float(n if sw is None else sw.sum())
    b_loc, k = 0.0, 0
    x_mean, y_mean = np.zeros(p), 0.0
    taus = np.full(p, tau)
    if not model.fit_intercept:
        icpt, D, yr = "none", X, y
    elif isinstance(model.intercept_prior, Flat):
        icpt = "flat"
        D, yr, x_mean, y_mean = _conjugate.center(X, y, sw)
    else:
        ip = model.intercept_prior
        if type(ip) is not Gaussian or not ip.is_fixed or ip.scaled_by_sigma:
            fail(f"intercept_prior={ip!r} is neither Flat nor a fixed Gaussian")
        if kind == "nig":
            fail(f"a Gaussian intercept_prior is not scaled by sigma, so it is not conjugate "
                 f"with sigma={sigma!r}; use the default flat intercept")
        icpt, b_loc, k = "proper", float(ip.loc), 1
        D = np.column_stack([np.ones(n), X])
        yr = y - b_loc
        taus = np.concatenate([[float(ip.scale)], taus])
    return ConjugateForm(kind=kind, D=D, y=yr, sw=sw, tau=taus, sigma=sig, a0=a0, b0=b0,
                         intercept=icpt, sum_w=S, loc=loc, b_loc=b_loc, x_mean=x_mean,
                         y_mean=float(y_mean), k=k)


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


def conjugate_kind(model) -> str:
    """``"fixed_sigma"`` or ``"nig"``; raises ValueError naming why a model is not conjugate."""
    return conjugate_form(model).kind


def exact_draws(model, *, draws: int, chains: int = 1, random_seed=None) -> ExactDraws:
    """Exact i.i.d. posterior draws of a conjugate :class:`bayesreg.Model`.

    Parameters
    ----------
    model : bayesreg.Model
        A conjugate model (see the module docstring); others raise ValueError.
    draws, chains : int
        ``chains * draws`` i.i.d. draws, arranged as ``(chains, draws)`` so the result has
        the layout of an MCMC run.
    random_seed : int, numpy.random.SeedSequence, Generator or None
        The same seed gives the same draws.

    Returns
    -------
    ExactDraws
    """
    c = conjugate_form(model)
    rng = np.random.default_rng(random_seed)
    shape = (int(chains), int(draws))
    m = int(chains) * int(draws)
    prior = model.prior
    post = c.posterior()
    post_out = {}
    if c.kind == "fixed_sigma":
        u = post.draw(m, rng)
        sig = np.full(m, c.sigma)
    else:
        u, sig = post.draw(m, rng)
        post_out["sigma_sq"] = sig**2
        post_out["sigma"] = sig
        if prior.noncentered:  # the PyMC model samples coef = loc + sigma * tau * coef_z
            post_out["coef_z"] = u[:, c.k:] / (sig[:, None] * prior.scale)
    coef, b = c.split(u)
    if c.intercept == "flat":  # b | coef, sigma, y ~ N(ybar - xbar' u, sigma^2 / S)
        b = b + sig * rng.standard_normal(m) / np.sqrt(c.sum_w)
        post_out["intercept_centered"] = b + coef @ c.x_mean
    if model.fit_intercept:
        post_out["intercept"] = b
    post_out["coef"] = coef

    lp = _log_density(model, c.kind, coef, b, sig, post_out)
    out = {k: v.reshape(shape + v.shape[1:]) for k, v in post_out.items()}
    return ExactDraws(posterior=out, lp=lp.reshape(shape),
                      kind=c.kind)


def _log_density(model, kind, coef, b, sig, post) -> np.ndarray:
    """Weighted log-likelihood + log prior at each draw, from sufficient statistics."""
    X, y, w = model.X, model.y, model.sample_weight
    sum_w = float(X.shape[0] if w is None else w.sum())
    beta = np.column_stack([b if model.fit_intercept else np.zeros(len(sig)), coef])
    if X.shape[0] <= X.shape[1] + 1:
        # p >= n: the residuals themselves are cheaper than a least-squares solution of
        # the singular Gram matrix
        D = np.column_stack([np.ones(X.shape[0]), X])
        resid = y[:, None] - D @ beta.T
        quad = (resid**2 * (1.0 if w is None else w[:, None])).sum(axis=0)
    else:
        stats = SufficientStats.from_data(X, y, w, intercept=True)  # of [1, X], by chunks
        d = beta - stats.beta_hat
        quad = stats.rss_min + ((d @ stats.xtx) * d).sum(axis=1)
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
