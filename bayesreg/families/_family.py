r"""Observation families: the likelihood ``p(y | eta, theta)`` and its link, in NumPy/SciPy.

A family is an immutable value that carries its own behaviour: the link and its
inverse, the variance function, the pointwise log-likelihood (closed form, vectorized
over posterior draws), the negative log-likelihood in ``eta`` with its first and second
derivatives (every MAP solver, Laplace approximation and certificate uses these), the
intercept-only start, simulation, deviance and its checks on ``y``. Everything that
differs between likelihoods is answered here; other layers ask the family instead of
comparing its name. The PyMC/JAX likelihood of a family is registered in
:mod:`bayesreg.backends` (``LIKELIHOODS``) and its scikit-learn twin in
:mod:`bayesreg.sklearn` (``TWINS``), each in one explicit registry keyed by the family's
class. Adding a family is one class here, one entry in each of those registries, and its
auxiliary parameter as a :class:`bayesreg.Model` keyword.

=======================  ========  =============================================================  ==================
family                   link      ``nll(y, eta)`` up to terms free of eta                        auxiliary
=======================  ========  =============================================================  ==================
``gaussian``             identity  :math:`(y - \eta)^2 / (2\sigma^2)`                             ``sigma``
``student_t``            identity  :math:`\frac{\nu+1}{2}\log(1 + (y-\eta)^2/(\nu\sigma^2))`      ``sigma``, ``nu``
``bernoulli``            logit     :math:`\log(1 + e^\eta) - y\eta`                               --
``poisson``              log       :math:`e^\eta - y\eta`                                         --
``negative_binomial``    log       :math:`(y + 1/\theta)\log(1 + \theta e^\eta) - y\eta`          ``dispersion``
=======================  ========  =============================================================  ==================

The negative binomial's ``dispersion`` :math:`\theta` is glum's ``theta``:
:math:`\mathrm{Var}(y) = \mu + \theta\mu^2` (PyMC's ``alpha`` is :math:`1/\theta`,
scipy's ``nbinom(n=1/theta, p=1/(1 + theta mu))``); :math:`\theta \to 0` is the Poisson.

The auxiliary parameters are :class:`bayesreg.Model` keywords of the same names (a float,
or a prior); the methods below take them as keyword arguments, as floats or as arrays
that broadcast against ``eta``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special, stats

from ..utils._validation import OneOf, check_param

__all__ = ["Family", "GaussianFamily", "StudentTFamily", "BernoulliFamily", "PoissonFamily",
           "NegativeBinomialFamily", "get_family", "family_names", "FAMILIES"]

#: probabilities and means are clipped to [_CLIP, 1 - _CLIP] before taking logits / logs
_CLIP = 1e-10
#: the most memory one block of linear predictors takes in :meth:`Family.log_likelihood_draws`
LOGLIK_BLOCK_BYTES = 64 * 2**20


def softplus(eta):
    """``log(1 + exp(eta))``, without overflow."""
    return np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))


@dataclass(frozen=True)
class Family(abc.ABC):
    """A GLM family with a fixed link (the protocol every family implements).

    Attributes
    ----------
    name : str
        The name users pass as ``Model(..., family=name)``.
    link : {"identity", "logit", "log"}
    auxiliary : tuple of str
        Names of the family's own parameters besides ``eta`` (``Model`` keywords).
    discrete : bool
        Whether ``y`` is a count or a class (plots use rootograms / calibration).
    convex : bool
        Whether ``nll`` is convex in ``eta`` with all auxiliary parameters fixed, so that
        the MAP solvers (Newton, proximal Newton, coordinate descent) apply.
    sufficient_statistics : bool
        Whether the likelihood in the coefficients depends on the data only through
        ``X'WX``, ``X'Wy`` and ``y'Wy`` (the gaussian family), so that a gradient costs
        O(p^2) whatever n, and ``nll`` is quadratic in ``eta`` (a constant Hessian, a
        closed-form MAP under Gaussian priors, conjugate posteriors).
    outcome : {"continuous", "binary", "counts"}
        The kind of ``y``: picks the posterior predictive plot (density, calibration,
        rootogram) and the way the likelihood can fail to decay (separated labels,
        zero counts separated from the others; :mod:`bayesreg.base._existence`).
    bambi_name : str
        The family's name in bambi (projection predictive selection with kulprit), whose
        parameters bambi names as bayesreg does; ``""`` where there is none.
    """

    name: ClassVar[str] = ""
    link: ClassVar[str] = "identity"
    auxiliary: ClassVar[tuple[str, ...]] = ()
    discrete: ClassVar[bool] = False
    convex: ClassVar[bool] = True
    sufficient_statistics: ClassVar[bool] = False
    outcome: ClassVar[str] = "continuous"
    bambi_name: ClassVar[str] = ""

    # -- what the family has ---------------------------------------------------
    @property
    def has_sigma(self) -> bool:
        """Whether the family has a noise scale ``sigma``."""
        return "sigma" in self.auxiliary

    @property
    def has_nu(self) -> bool:
        """Whether the family has degrees of freedom ``nu``."""
        return "nu" in self.auxiliary

    # -- link ------------------------------------------------------------------
    def inverse_link(self, eta):
        """Mean of ``y`` given the linear predictor ``eta``."""
        return eta

    def link_function(self, mu):
        """The link ``g(mu)`` (inverse of :meth:`inverse_link`)."""
        return mu

    @abc.abstractmethod
    def variance(self, mu, **aux):
        """``Var(y | mu)`` (the variance function times any dispersion)."""

    # -- data checks -------------------------------------------------------------
    def check_y(self, y: np.ndarray) -> None:
        """Raise ``ValueError`` when ``y`` is outside the family's support."""

    # -- likelihood ---------------------------------------------------------------
    @abc.abstractmethod
    def logpdf(self, y, eta, **aux):
        """Pointwise log-likelihood ``log p(y | eta, aux)`` (closed form, broadcasting)."""

    def log_likelihood_columns(self, y, eta, weights=None, **aux):
        """``sum_i w_i log p(y_i | eta_ij)`` for each column ``j`` of ``eta`` (shape
        ``(n, m)``: one linear predictor per column); ``eta`` may be overwritten. The
        same numbers as ``weights @ logpdf(y[:, None], eta)``, with fewer passes where a
        family has a faster form."""
        dens = self.logpdf(y[:, None], eta, **aux)
        return dens.sum(axis=0) if weights is None else weights @ dens

    def log_likelihood_draws(self, X, y, theta, weights=None, *, fit_intercept=True,
                             shift=None, block_bytes=LOGLIK_BLOCK_BYTES, **aux):
        """``sum_i w_i log p(y_i | eta_is)`` for each row ``s`` of ``theta`` (``(S, k)``,
        the intercept first when ``fit_intercept``), ``eta_s = (X - shift) theta_s``
        (plus the intercept): :meth:`log_likelihood_columns` over blocks of draws whose
        ``(n, block)`` linear predictors take at most ``block_bytes``."""
        D = X if shift is None else X - shift
        k0 = 1 if fit_intercept else 0
        S = theta.shape[0]
        block = max(1, min(S, block_bytes // (8 * max(D.shape[0], 1))))
        out = np.empty(S)
        for a in range(0, S, block):
            th = theta[a:a + block]
            eta = D @ th[:, k0:].T
            if k0:
                eta += th[:, 0]
            out[a:a + block] = self.log_likelihood_columns(y, eta, weights, **aux)
        return out

    @abc.abstractmethod
    def nll(self, y, eta, **aux):
        """Pointwise negative log-likelihood up to terms free of ``eta`` (unweighted)."""

    @abc.abstractmethod
    def nll_derivs(self, y, eta, **aux):
        """First and second derivative of :meth:`nll` with respect to ``eta``."""

    @abc.abstractmethod
    def deviance(self, y, eta, **aux):
        """Pointwise unit deviance ``2 (log p(y | saturated) - log p(y | eta))``."""

    def intercept_start(self, y, sample_weight=None) -> float:
        """The intercept-only fit with all coefficients 0: the link of the weighted mean
        of ``y`` (clipped into the link's domain). A start for Newton and MCMC alike."""
        return float(self.link_function(self.clip_mean(
            float(np.average(y, weights=sample_weight)))))

    def clip_mean(self, mu: float, eps: float = _CLIP) -> float:
        """``mu`` moved at least ``eps`` inside the domain of the link (``(0, 1)`` for the
        logit, ``(0, inf)`` for the log), so that the link of it is finite."""
        return mu

    def pseudo_sigma(self, mu: float, **aux) -> float:
        """The pseudo standard deviation ``1 / sqrt(-d2 log p / d eta2)`` at ``mu``, for
        families without a noise scale (Piironen & Vehtari 2017, sec. 3.5)."""
        raise ValueError(f"family={self.name!r} has a noise scale sigma, which the shrinkage "
                         f"priors use directly; a pseudo sigma is defined only for families "
                         f"without one.")

    def polya_gamma(self, y, **aux):
        r"""The Polya-Gamma form of the likelihood, or None where it has none.

        ``(a, b, offset)`` with ``p(y | eta) ∝ exp(a psi) / (1 + exp(psi))^b`` at
        ``psi = eta + offset`` (Polson, Scott & Windle 2013): given ``omega ~ PG(b, psi)``
        the likelihood is ``exp(kappa psi - omega psi^2 / 2)``, ``kappa = a - b / 2``, a
        Gaussian in the coefficients (:mod:`bayesreg.backends._gibbs`).
        """
        return None

    # -- simulation -----------------------------------------------------------------
    @abc.abstractmethod
    def simulate(self, eta, rng: np.random.Generator, **aux):
        """Draw ``y`` given ``eta`` (and the auxiliary parameters); shape of ``eta``."""


#: the largest linear predictor whose count mean ``exp(eta)`` can be simulated (NumPy's
#: Poisson sampler refuses means near 1e19, and int64 counts end at 9.2e18)
MAX_COUNT_ETA = 40.0


def _count_mean(eta) -> np.ndarray:
    """``exp(eta)`` for simulating counts, or a ValueError naming the cause when a mean is
    beyond what can be drawn (instead of NumPy's "lam value too large")."""
    eta = np.asarray(eta, dtype=float)
    top = float(np.max(eta)) if eta.size else 0.0
    if top > MAX_COUNT_ETA:
        raise ValueError(
            f"cannot simulate counts: the linear predictor reaches eta = {top:.3g}, a mean "
            f"count of exp(eta) = {np.exp(min(top, 700.0)):.3g}. The coefficients drawn are "
            f"too large for a log link: give them a tighter prior (a smaller scale, or a "
            f"horseshoe's expected_nonzero / scale_global).")
    return np.exp(eta)


@dataclass(frozen=True)
class GaussianFamily(Family):
    r"""Gaussian likelihood, identity link: ``y ~ N(eta, sigma^2)``."""

    name: ClassVar[str] = "gaussian"
    auxiliary: ClassVar[tuple[str, ...]] = ("sigma",)
    sufficient_statistics: ClassVar[bool] = True
    bambi_name: ClassVar[str] = "gaussian"

    def variance(self, mu, *, sigma, **aux):
        return np.broadcast_to(np.asarray(sigma, dtype=float) ** 2, np.shape(mu))

    def logpdf(self, y, eta, *, sigma, **aux):
        z = np.subtract(y, eta, dtype=float)
        z /= sigma  # in place: one temporary of the broadcast shape, whatever its size
        z *= z
        z *= -0.5
        z -= np.log(sigma) + 0.5 * np.log(2.0 * np.pi)
        return z

    def nll(self, y, eta, *, sigma, **aux):
        r = y - eta
        return r * r / (2.0 * sigma**2)

    def nll_derivs(self, y, eta, *, sigma, **aux):
        return (eta - y) / sigma**2, np.full(np.shape(eta), 1.0 / sigma**2)

    def deviance(self, y, eta, **aux):
        return (y - eta) ** 2

    def simulate(self, eta, rng, *, sigma, **aux):
        return eta + sigma * rng.standard_normal(np.shape(eta))


@dataclass(frozen=True)
class StudentTFamily(Family):
    r"""Student-t likelihood (robust regression), identity link:
    ``y ~ t_nu(eta, sigma)``. Its ``nll`` is not convex in ``eta``."""

    name: ClassVar[str] = "student_t"
    auxiliary: ClassVar[tuple[str, ...]] = ("sigma", "nu")
    convex: ClassVar[bool] = False
    bambi_name: ClassVar[str] = "t"

    def variance(self, mu, *, sigma, nu, **aux):
        nu = np.asarray(nu, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(nu > 2, sigma**2 * nu / (nu - 2.0), np.inf)
        return np.broadcast_to(v, np.shape(mu))

    def logpdf(self, y, eta, *, sigma, nu, **aux):
        z = (y - eta) / sigma
        return (special.gammaln((nu + 1.0) / 2.0) - special.gammaln(nu / 2.0)
                - 0.5 * np.log(nu * np.pi) - np.log(sigma)
                - (nu + 1.0) / 2.0 * np.log1p(z * z / nu))

    def nll(self, y, eta, *, sigma, nu, **aux):
        z = (y - eta) / sigma
        return (nu + 1.0) / 2.0 * np.log1p(z * z / nu)

    def nll_derivs(self, y, eta, *, sigma, nu, **aux):
        r = eta - y
        q = nu * sigma**2 + r * r
        return (nu + 1.0) * r / q, (nu + 1.0) * (nu * sigma**2 - r * r) / (q * q)

    def deviance(self, y, eta, *, sigma, nu, **aux):
        return 2.0 * self.nll(y, eta, sigma=sigma, nu=nu)

    def simulate(self, eta, rng, *, sigma, nu, **aux):
        return eta + sigma * rng.standard_t(nu, size=np.shape(eta))


@dataclass(frozen=True)
class BernoulliFamily(Family):
    r"""Bernoulli likelihood (logistic regression), logit link: ``y ~ Bernoulli(expit(eta))``."""

    name: ClassVar[str] = "bernoulli"
    link: ClassVar[str] = "logit"
    discrete: ClassVar[bool] = True
    outcome: ClassVar[str] = "binary"
    bambi_name: ClassVar[str] = "bernoulli"

    def inverse_link(self, eta):
        return special.expit(eta)

    def link_function(self, mu):
        return special.logit(mu)

    def variance(self, mu, **aux):
        return mu * (1.0 - mu)

    def check_y(self, y):
        bad = ~np.isin(y, (0.0, 1.0))
        if bad.any():
            raise ValueError(
                f"y must contain only 0 and 1 for family='bernoulli'; found "
                f"{np.unique(y[bad])[:5].tolist()} at {int(bad.sum())} position(s). "
                "Encode the two classes as 0/1."
            )

    def logpdf(self, y, eta, **aux):
        # y * eta - log(1 + exp(eta)), stable for large |eta|
        return y * eta - np.logaddexp(0.0, eta)

    def log_likelihood_columns(self, y, eta, weights=None, **aux):
        # sum_i w_i (y_i eta_ij - softplus(eta_ij)): one product for the linear part,
        # softplus in place
        w = np.ones(y.shape[0]) if weights is None else weights
        linear = (w * y) @ eta
        pos = np.maximum(eta, 0.0)
        np.abs(eta, out=eta)
        np.negative(eta, out=eta)
        np.exp(eta, out=eta)
        np.log1p(eta, out=eta)
        eta += pos
        return linear - w @ eta

    def nll(self, y, eta, **aux):
        return softplus(eta) - y * eta

    def nll_derivs(self, y, eta, **aux):
        mu = special.expit(eta)
        return mu - y, mu * (1.0 - mu)

    def deviance(self, y, eta, **aux):
        return 2.0 * self.nll(y, eta)

    def clip_mean(self, mu, eps=_CLIP):
        return min(max(mu, eps), 1.0 - eps)

    def pseudo_sigma(self, mu, **aux):
        return float(1.0 / np.sqrt(mu * (1.0 - mu)))

    def polya_gamma(self, y, **aux):
        """``a = y``, ``b = 1``, no offset: ``p(y | eta) = exp(y eta) / (1 + exp(eta))``."""
        y = np.asarray(y, dtype=float)
        return y, np.ones_like(y), 0.0

    def simulate(self, eta, rng, **aux):
        return (rng.random(np.shape(eta)) < special.expit(eta)).astype(np.int64)


def _check_counts(y, name):
    bad = (y < 0) | (np.floor(y) != y)
    if bad.any():
        raise ValueError(
            f"y must hold non-negative integer counts for family={name!r}; found "
            f"{np.unique(y[bad])[:5].tolist()} at {int(bad.sum())} position(s).")


@dataclass(frozen=True)
class PoissonFamily(Family):
    r"""Poisson likelihood, log link: ``y ~ Poisson(exp(eta))``."""

    name: ClassVar[str] = "poisson"
    link: ClassVar[str] = "log"
    discrete: ClassVar[bool] = True
    outcome: ClassVar[str] = "counts"
    bambi_name: ClassVar[str] = "poisson"

    def inverse_link(self, eta):
        return np.exp(eta)

    def link_function(self, mu):
        return np.log(mu)

    def variance(self, mu, **aux):
        return mu

    def check_y(self, y):
        _check_counts(y, self.name)

    def logpdf(self, y, eta, **aux):
        with np.errstate(over="ignore"):
            return y * eta - np.exp(eta) - special.gammaln(y + 1.0)

    def log_likelihood_columns(self, y, eta, weights=None, **aux):
        # sum_i w_i (y_i eta_ij - exp(eta_ij) - log y_i!): exp in place
        w = np.ones(y.shape[0]) if weights is None else weights
        linear = (w * y) @ eta - w @ special.gammaln(y + 1.0)
        with np.errstate(over="ignore"):
            np.exp(eta, out=eta)
        return linear - w @ eta

    def nll(self, y, eta, **aux):
        with np.errstate(over="ignore"):
            return np.exp(eta) - y * eta

    def nll_derivs(self, y, eta, **aux):
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        return mu - y, mu

    def deviance(self, y, eta, **aux):
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        return 2.0 * (special.xlogy(y, y) - y * eta - (y - mu))

    def clip_mean(self, mu, eps=_CLIP):
        return max(mu, eps)

    def pseudo_sigma(self, mu, **aux):
        return float(1.0 / np.sqrt(mu))

    def simulate(self, eta, rng, **aux):
        return rng.poisson(_count_mean(eta)).astype(np.int64)


@dataclass(frozen=True)
class NegativeBinomialFamily(PoissonFamily):
    r"""Negative binomial likelihood (overdispersed counts), log link.

    ``y ~ NB(mu = exp(eta), dispersion)`` with ``E y = mu`` and
    ``Var y = mu + dispersion * mu**2``: the ``dispersion`` :math:`\theta` is glum's
    ``NegativeBinomialDistribution(theta)``, PyMC's ``NegativeBinomial(mu, alpha=1/theta)``
    and scipy's ``nbinom(n=1/theta, p=1/(1 + theta mu))``; it is a gamma-Poisson
    mixture, ``y | lam ~ Poisson(lam)``, ``lam ~ Gamma(1/theta, rate=1/(theta mu))``, and
    the Poisson as :math:`\theta \to 0`. With the dispersion fixed, up to terms free of
    ``eta``,

    .. math::

        \mathrm{nll}(y, \eta) = (y + 1/\theta)\log(1 + \theta e^\eta) - y\eta,\quad
        \mathrm{nll}' = \frac{\mu - y}{1 + \theta\mu},\quad
        \mathrm{nll}'' = \frac{\mu(1 + \theta y)}{(1 + \theta\mu)^2} \ge 0,

    convex in ``eta``, so every MAP solver applies.
    """

    name: ClassVar[str] = "negative_binomial"
    auxiliary: ClassVar[tuple[str, ...]] = ("dispersion",)
    # bambi's "negativebinomial" is parameterized by alpha = 1 / dispersion: not the same
    # parameter, so projection predictive selection does not take this family
    bambi_name: ClassVar[str] = ""

    # not the Poisson's fast form: the generic sum of logpdf
    log_likelihood_columns = Family.log_likelihood_columns

    def variance(self, mu, *, dispersion, **aux):
        return mu + dispersion * mu * mu

    @staticmethod
    def _log1p_theta_mu(eta, dispersion):
        # log(1 + theta e^eta) = softplus(eta + log theta), stable for large |eta|
        return softplus(eta + np.log(dispersion))

    def logpdf(self, y, eta, *, dispersion, **aux):
        r = 1.0 / np.asarray(dispersion, dtype=float)
        lg = self._log1p_theta_mu(eta, dispersion)  # log((r + mu) / r)
        # log Gamma(y + r) - log Gamma(r) = log Gamma(y) - log B(r, y) (0 at y = 0):
        # accurate as r = 1/dispersion grows (the Poisson limit), where the difference of
        # two log-gammas of ~r loses all digits
        y_pos = np.where(y > 0, y, 1.0)
        ratio = np.where(y > 0, special.gammaln(y_pos) - special.betaln(r, y_pos), 0.0)
        return (ratio - special.gammaln(y + 1.0)
                - r * lg + y * (eta + np.log(dispersion) - lg))

    def nll(self, y, eta, *, dispersion, **aux):
        return (y + 1.0 / dispersion) * self._log1p_theta_mu(eta, dispersion) - y * eta

    def nll_derivs(self, y, eta, *, dispersion, **aux):
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(eta)
            g1 = (mu - y) / (1.0 + dispersion * mu)
        # theta mu / (1 + theta mu) = expit(eta + log theta), finite for any eta
        q = special.expit(eta + np.log(dispersion))
        return g1, (1.0 / dispersion) * q * (1.0 - q) * (1.0 + dispersion * y)

    def deviance(self, y, eta, *, dispersion, **aux):
        # log((y + r) / (mu + r)) = log1p(theta y) - log1p(theta mu), r = 1/theta: no
        # cancellation of two logs of ~r near the Poisson limit
        return 2.0 * (special.xlogy(y, y) - y * eta - (y + 1.0 / dispersion) * (
            np.log1p(dispersion * y) - self._log1p_theta_mu(eta, dispersion)))

    def pseudo_sigma(self, mu, *, dispersion=0.0, **aux):
        return float(np.sqrt((1.0 + dispersion * mu) / mu))

    def polya_gamma(self, y, *, dispersion, **aux):
        """``a = y``, ``b = y + 1/theta``, ``offset = log theta``: ``p(y | eta) ∝
        (theta mu)^y / (1 + theta mu)^(y + 1/theta)`` with ``theta mu = exp(eta + log
        theta)``."""
        y = np.asarray(y, dtype=float)
        return y, y + 1.0 / float(dispersion), float(np.log(dispersion))

    def simulate(self, eta, rng, *, dispersion, **aux):
        # the gamma-Poisson mixture in one call (r = 1/dispersion successes, success
        # probability r / (r + mu)): one draw per element, in order, so the stream does not
        # depend on how the draws are split into chunks
        r = 1.0 / np.asarray(dispersion, dtype=float)
        mu = _count_mean(eta)
        return rng.negative_binomial(r, r / (r + mu)).astype(np.int64)


#: the one registry from names to family values (read-only view: see :func:`family_names`)
_FAMILIES: dict[str, Family] = {f.name: f for f in (
    GaussianFamily(), BernoulliFamily(), PoissonFamily(), StudentTFamily(),
    NegativeBinomialFamily())}


def family_names() -> tuple[str, ...]:
    """The names ``Model(..., family=...)`` accepts."""
    return tuple(_FAMILIES)


def get_family(family: str | Family) -> Family:
    """Look up a family by name, with an error that lists the supported ones."""
    if isinstance(family, Family):
        return family
    return _FAMILIES[check_param(family, "family", "Model", OneOf(tuple(_FAMILIES)))]


# deprecated alias kept for one release (bayesreg.FAMILIES); a copy, so it cannot mutate
FAMILIES = dict(_FAMILIES)
