"""Priors on regression weights and on scales, as immutable values.

Every prior here is a frozen dataclass: a *specification* with a NumPy log density.
This module is part of the specification layer: NumPy and SciPy only, no PyMC. The
PyMC variables are built from these values by :mod:`bayesreg.backends._pymc_model`.
Any numeric parameter of a prior may itself be a prior (a hyperprior), e.g.
``Gaussian(scale=HalfNormal(1.0))`` puts a prior on the regularization strength.
Location-scale priors whose scale is random are sampled non-centred by default:
``coef = loc + scale * z`` with ``z`` drawn from the standard member of the family.

Each prior carries its own behaviour, so that no code above this layer asks which prior
it holds: its density (:meth:`Prior.logpdf`, :meth:`Prior.logpdf_derivs`), its penalty
twin (:attr:`Prior.penalty_kind`; the weights through
:func:`bayesreg.priors._penalty.prior_penalty`), whether it is improper, sparse or
scaled by the noise ``sigma``, the parameters that set its width
(:attr:`Prior.scale_fields`) and its JSON form (:meth:`Prior.to_dict`, read back by
:func:`bayesreg.priors.prior_from_dict`).

Penalty twins (negative log density, up to a constant), for a weight ``w``:

=======================  ============================================  ================================
prior                    density p(w)                                  penalty twin
=======================  ============================================  ================================
Gaussian(tau)            exp(-w**2 / (2 tau**2)) / sqrt(2 pi tau**2)   L2: w**2 / (2 tau**2)
Laplace(b)               exp(-|w| / b) / (2 b)                         L1: |w| / b
ElasticNetPrior(b, tau)  exp(-|w|/b - w**2/(2 tau**2)) / Z(b, tau)     |w|/b + w**2/(2 tau**2)
StudentT(nu, s)          t density                                     (nu+1)/2 log(1 + w**2/(nu s**2))
=======================  ============================================  ================================
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from ..base._penalties import student_t_penalty_derivs
from ..utils._validation import POSITIVE, InstanceOf, Interval, check_bool, check_param

__all__ = [
    "Prior",
    "Gaussian",
    "Laplace",
    "ElasticNetPrior",
    "StudentT",
    "Flat",
    "HalfNormal",
    "HalfStudentT",
    "HalfCauchy",
    "Exponential",
    "Gamma",
    "InverseGamma",
    "InverseGammaVariance",
    "HalfFlat",
    "log_prior_terms",
    "improper_part",
    "effective_scale",
    "half_t_logpdf",
    "elastic_net_log_normalizer",
]

def _check_positive(prior: Prior, *names: str) -> None:
    """Each parameter is a positive finite float, or a positive prior (a hyperprior)."""
    for name in names:
        value = getattr(prior, name)
        if isinstance(value, Prior) and not value.positive:
            raise ValueError(
                f"The {name!r} parameter of {type(prior).__name__} must be a positive finite "
                f"float or a positive prior (HalfNormal, HalfStudentT, HalfCauchy, "
                f"Exponential, Gamma, InverseGamma). Got {value!r} instead.")
        if not isinstance(value, Prior):
            object.__setattr__(prior, name, check_param(value, name, type(prior).__name__,
                                                        POSITIVE, _POSITIVE_PRIOR))


def _check_flags(prior: Prior, *names: str) -> None:
    """Each flag is a bool: ``scaled_by_sigma="no"`` would be truthy."""
    for name in names:
        object.__setattr__(prior, name, check_bool(getattr(prior, name), name,
                                                   type(prior).__name__))


def _precision(scale: float, power: int) -> float:
    """``1 / scale**power``, taken to its float64 limit where it leaves the float range (a
    precision that underflows is 0: no shrinkage; one that overflows is ``inf``: the
    weight is pinned to 0)."""
    try:
        return 1.0 / float(scale) ** power
    except (OverflowError, ZeroDivisionError):
        with np.errstate(over="ignore", divide="ignore", under="ignore"):
            return float(1.0 / np.float64(scale) ** power)


def effective_scale(prior: Prior, field: str, sigma: float | None) -> float:
    """A fixed prior scale, times ``sigma`` when the prior is ``scaled_by_sigma``."""
    value = float(getattr(prior, field))
    if prior.scaled_by_sigma:
        if sigma is None:
            raise ValueError(f"{prior!r} is scaled by sigma, but the model has no fixed sigma.")
        return value * float(sigma)
    return value


def half_t_logpdf(x, nu, scale):
    """Log density of the half Student-t ``2 t_nu(x | 0, scale)`` on ``x >= 0`` (NumPy)."""
    return np.where(x >= 0, math.log(2.0) + stats.t.logpdf(x, nu, 0.0, scale), -np.inf)


def _check_finite(prior: Prior, *names: str) -> None:
    """Each parameter is a finite float, or a prior."""
    for name in names:
        value = getattr(prior, name)
        if not isinstance(value, Prior):
            object.__setattr__(prior, name, check_param(value, name, type(prior).__name__,
                                                        Interval("float"), _PRIOR))


@dataclass(frozen=True)
class Prior(abc.ABC):
    """Base class of all priors. Subclasses are frozen dataclasses.

    A prior answers every question code above this layer asks of it (so nothing there
    dispatches on prior classes): the class attributes below, the properties
    :attr:`location`, :attr:`has_scale` and :attr:`reparameterizable`, the methods
    :meth:`at_sigma`, :meth:`at_zero`, :meth:`logpdf`, :meth:`logpdf_derivs` and
    :meth:`to_dict`, and its penalty twin through
    :func:`bayesreg.priors._penalty.prior_penalty`.
    """

    #: a prior on positive values (scales, noise)
    positive: ClassVar[bool] = False
    #: whether the prior has a proper, finite mode (needed for a MAP estimate)
    has_mode: ClassVar[bool] = True
    #: an improper prior (``Flat``, ``HalfFlat``): it cannot be drawn from, it has no
    #: evidence, and under it the posterior may be improper
    improper: ClassVar[bool] = False
    #: a global-local shrinkage prior (:class:`bayesreg.priors.ShrinkagePrior`): its
    #: coefficients are built with latent scales, and it has no MAP
    sparse: ClassVar[bool] = False
    #: the form of the penalty twin: ``"none"`` (``Flat``), ``"l2"`` (``Gaussian``),
    #: ``"l1"`` (``Laplace``), ``"elastic_net"``, ``"student_t"``; ``None`` for a prior
    #: without one (priors on positive values, sparse priors)
    penalty_kind: ClassVar[str | None] = None
    #: the positive parameters that set the prior's width (a compiled sampler takes their
    #: fixed values as data, a scale grid replaces ``scale``)
    scale_fields: ClassVar[tuple[str, ...]] = ()
    #: the scale is multiplied by the model's noise scale ``sigma`` (a class attribute
    #: here; the location-scale priors make it a field)
    scaled_by_sigma = False

    # -- what callers ask --------------------------------------------------
    @property
    def location(self):
        """The prior's location ``loc`` (0 for priors without one)."""
        return 0.0

    @property
    def has_scale(self) -> bool:
        """True when the prior has one ``scale`` parameter (a scale grid varies it)."""
        return "scale" in self.scale_fields

    @property
    def reparameterizable(self) -> bool:
        """True when a hyperprior of this prior may be sampled centred or non-centred
        (the ``noncentered`` flag of the location-scale priors)."""
        return False

    def at_sigma(self, sigma: float | None) -> Prior:
        """This prior with ``scaled_by_sigma`` resolved at a fixed noise scale ``sigma``
        (``scale -> sigma * scale``); the prior itself when it is not scaled by sigma."""
        return self

    def at_zero(self) -> Prior:
        """This prior with its location moved to 0 (itself when it has none)."""
        return self

    def _penalty_weights(self, sigma: float | None) -> tuple[float, float, Any]:
        """``(l1, l2, student_t)`` of the penalty twin at fixed parameters and ``loc = 0``
        (see :func:`bayesreg.priors._penalty.prior_penalty`, which checks those first)."""
        raise ValueError(f"{type(self).__name__} has no penalty twin.")

    # -- hyperparameters -------------------------------------------------
    @property
    def hyperpriors(self) -> dict[str, Prior]:
        """Parameters of this prior that are themselves priors."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), Prior)}

    @property
    def is_fixed(self) -> bool:
        """True when no parameter is random."""
        return not self.hyperpriors

    # -- serialization (JSON-safe dicts, never pickle) -------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable description; inverse of
        :func:`bayesreg.priors.prior_from_dict`."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, Prior) else value
        return out

    # -- NumPy density -----------------------------------------------------
    def _check_density(self) -> None:
        """Raise ValueError when the prior has no density of its own (a hyperprior)."""
        if not self.is_fixed:
            raise ValueError(
                f"{self!r} has a hyperprior, so it has no fixed density; evaluate the "
                f"conditional density by fixing its parameters."
            )

    def logpdf(self, x):
        """Log density at ``x`` (NumPy); only for priors without hyperpriors."""
        self._check_density()
        return self._logpdf(np.asarray(x, dtype=float), self)

    def logpdf_derivs(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and curvature ``-d2/dx2`` of the log density at ``x``, elementwise
        (NumPy); only for priors without hyperpriors. Raises ValueError for a prior
        without closed-form derivatives."""
        self._check_density()
        return self._logpdf_derivs(np.asarray(x, dtype=float))

    def _logpdf_derivs(self, x):
        raise ValueError(f"{type(self).__name__} has no closed-form derivatives of its "
                         f"log density.")

    @abc.abstractmethod
    def _logpdf(self, x, p):
        """Log density at ``x`` with parameters read from ``p`` (floats, or arrays that
        broadcast against ``x``; ``p`` is the prior itself when its parameters are fixed)."""


_PRIOR = InstanceOf(type(None), "a Prior")  # described only: priors pass before the check
_POSITIVE_PRIOR = InstanceOf(type(None), "a positive Prior")


@dataclass(frozen=True)
class LocationScale(Prior):
    """Location-scale prior, non-centred when its scale is random.

    Subclasses have the fields ``scale``, ``loc``, ``noncentered`` and
    ``scaled_by_sigma``."""

    scale_fields: ClassVar[tuple[str, ...]] = ("scale",)

    @property
    def location(self):
        return self.loc

    @property
    def reparameterizable(self) -> bool:
        return not self.is_fixed

    def at_sigma(self, sigma):
        if not self.scaled_by_sigma:
            return self
        return replace(self, scale=effective_scale(self, "scale", sigma),
                       scaled_by_sigma=False)

    def at_zero(self):
        return replace(self, loc=0.0)

    def _check_density(self):
        if self.scaled_by_sigma:
            raise ValueError(
                f"{self!r} is scaled by the noise sigma, so its density is conditional on "
                f"sigma; use a copy with scaled_by_sigma=False and scale=scale*sigma."
            )
        super()._check_density()


@dataclass(frozen=True)
class _ScaleLocation(LocationScale):
    """A location-scale prior with fields ``scale``, ``loc``, ``noncentered``,
    ``scaled_by_sigma`` (Gaussian, Laplace)."""

    scale: Any = 1.0
    loc: Any = 0.0
    noncentered: bool = True
    scaled_by_sigma: bool = False

    def __post_init__(self):
        _check_positive(self, "scale")
        _check_finite(self, "loc")
        _check_flags(self, "noncentered", "scaled_by_sigma")


@dataclass(frozen=True)
class Gaussian(_ScaleLocation):
    r"""Gaussian (normal) prior: the L2 penalty.

    .. math:: p(w) = \frac{1}{\sqrt{2\pi}\,\tau} \exp\left(-\frac{(w-\mu)^2}{2\tau^2}\right)

    Its penalty twin is ``w**2 / (2 * scale**2)``. Under Gaussian noise ``sigma``
    the MAP equals ``Ridge(alpha=sigma**2 / scale**2)``.

    Parameters
    ----------
    scale : float or Prior, default 1.0
        Standard deviation ``tau`` (> 0), or a positive prior on it.
    loc : float or Prior, default 0.0
        Mean ``mu``.
    noncentered : bool, default True
        Sample ``loc + scale * z, z ~ N(0, 1)`` when ``scale`` is a prior.
    scaled_by_sigma : bool, default False
        Use ``N(loc, (sigma * scale)**2)`` with ``sigma`` the noise scale of the model.
        With ``sigma=InverseGammaVariance(a0, b0)`` this is the conjugate
        Normal-Inverse-Gamma prior (exact posterior draws and evidence); the MAP at any
        fixed ``sigma`` is then ``Ridge(alpha=1 / scale**2)``.
    """

    penalty_kind: ClassVar[str | None] = "l2"

    def _logpdf(self, x, p):
        return stats.norm.logpdf(x, p.loc, p.scale)

    def _logpdf_derivs(self, x):
        s2 = self.scale**2
        return -(x - self.loc) / s2, np.full_like(x, 1.0 / s2)

    def _penalty_weights(self, sigma):
        return 0.0, _precision(effective_scale(self, "scale", sigma), 2), None


@dataclass(frozen=True)
class Laplace(_ScaleLocation):
    r"""Laplace (double-exponential) prior: the L1 penalty.

    .. math:: p(w) = \frac{1}{2b} \exp\left(-\frac{|w-\mu|}{b}\right)

    Its penalty twin is ``|w| / scale``. Under Gaussian noise ``sigma`` and
    ``n_samples`` observations the MAP equals
    ``Lasso(alpha=sigma**2 / (n_samples * scale))``.

    Parameters
    ----------
    scale : float or Prior, default 1.0
        Scale ``b`` (> 0); the standard deviation is ``sqrt(2) * b``.
    loc : float or Prior, default 0.0
    noncentered : bool, default True
    scaled_by_sigma : bool, default False
        Use scale ``sigma * scale`` with ``sigma`` the model's noise scale (the Bayesian
        lasso of Park & Casella uses this, which keeps the posterior unimodal).
    """

    penalty_kind: ClassVar[str | None] = "l1"

    def _logpdf(self, x, p):
        return stats.laplace.logpdf(x, p.loc, p.scale)

    def _logpdf_derivs(self, x):
        """Smooth away from ``loc`` only: the kink there has no curvature."""
        return -np.sign(x - self.loc) / self.scale, np.zeros_like(x)

    def _penalty_weights(self, sigma):
        return _precision(effective_scale(self, "scale", sigma), 1), 0.0, None


@dataclass(frozen=True)
class StudentT(LocationScale):
    r"""Student-t prior: heavy tails, a smooth nonconvex penalty.

    .. math:: p(w) = \frac{\Gamma(\frac{\nu+1}{2})}{\Gamma(\frac{\nu}{2})\sqrt{\nu\pi}\,s}
              \left(1 + \frac{(w-\mu)^2}{\nu s^2}\right)^{-\frac{\nu+1}{2}}

    Penalty twin: ``(nu + 1) / 2 * log(1 + w**2 / (nu * scale**2))``.

    Parameters
    ----------
    nu : float or Prior
        Degrees of freedom (> 0).
    scale : float or Prior, default 1.0
    loc : float or Prior, default 0.0
    noncentered : bool, default True
    scaled_by_sigma : bool, default False
        Use scale ``sigma * scale`` with ``sigma`` the model's noise scale (the Bayesian
        lasso of Park & Casella uses this, which keeps the posterior unimodal).
    """

    nu: Any = 3.0
    scale: Any = 1.0
    loc: Any = 0.0
    noncentered: bool = True
    scaled_by_sigma: bool = False
    penalty_kind: ClassVar[str | None] = "student_t"

    def __post_init__(self):
        _check_positive(self, "nu", "scale")
        _check_finite(self, "loc")
        _check_flags(self, "noncentered", "scaled_by_sigma")

    def _logpdf(self, x, p):
        return stats.t.logpdf(x, p.nu, p.loc, p.scale)

    def _logpdf_derivs(self, x):
        grad, hess = student_t_penalty_derivs(x - self.loc, self.nu, self.scale)
        return -grad, hess

    def _penalty_weights(self, sigma):
        return 0.0, 0.0, (float(self.nu), effective_scale(self, "scale", sigma))


def elastic_net_log_normalizer(l1_scale, l2_scale):
    r"""``log Z`` of the elastic-net density (NumPy).

    .. math:: Z = \int e^{-|w|/b - w^2/(2\tau^2)}\,dw
              = 2\tau\sqrt{\pi/2}\;\mathrm{erfcx}\!\left(\frac{\tau}{b\sqrt{2}}\right)

    The PyTensor twin of this expression is in :mod:`bayesreg.backends._pymc_model`.
    """
    a = l2_scale / (l1_scale * math.sqrt(2.0))
    return np.log(2.0 * l2_scale) + 0.5 * math.log(math.pi / 2.0) + np.log(special.erfcx(a))


@dataclass(frozen=True)
class ElasticNetPrior(Prior):
    r"""Elastic-net prior: one density with both an L1 and an L2 term.

    .. math:: p(w) = \frac{1}{Z(b, \tau)} \exp\left(-\frac{|w|}{b} - \frac{w^2}{2\tau^2}\right),
              \qquad Z = 2\tau\sqrt{\pi/2}\,\mathrm{erfcx}\left(\frac{\tau}{b\sqrt 2}\right)

    It is a single distribution (not the sum of a Laplace and a Gaussian variable).
    Its penalty twin is ``|w| / l1_scale + w**2 / (2 * l2_scale**2)``. Under Gaussian
    noise ``sigma``, with ``n = n_samples``, the MAP equals
    ``ElasticNet(alpha, l1_ratio)`` of scikit-learn with
    ``l1_scale = sigma**2 / (n * alpha * l1_ratio)`` and
    ``l2_scale**2 = sigma**2 / (n * alpha * (1 - l1_ratio))``.

    ``|w|`` given the sign is a normal with mean ``-tau**2 / b`` and sd ``tau``
    truncated to ``(0, inf)``, which is how draws are made. The density is not a
    location-scale family in one scale, so it is always sampled centred.

    Parameters
    ----------
    l1_scale : float or Prior
        ``b`` (> 0).
    l2_scale : float or Prior
        ``tau`` (> 0).
    """

    l1_scale: Any = 1.0
    l2_scale: Any = 1.0
    penalty_kind: ClassVar[str | None] = "elastic_net"
    scale_fields: ClassVar[tuple[str, ...]] = ("l1_scale", "l2_scale")

    def __post_init__(self):
        _check_positive(self, "l1_scale", "l2_scale")

    def _penalty_weights(self, sigma):
        return _precision(self.l1_scale, 1), _precision(self.l2_scale, 2), None

    def _logpdf(self, x, p):
        b, tau = p.l1_scale, p.l2_scale
        return -np.abs(x) / b - x**2 / (2 * tau**2) - elastic_net_log_normalizer(b, tau)


def elastic_net_draws(b, tau, rng, size):
    rng = np.random.default_rng(rng)
    b = np.asarray(b, dtype=float)
    tau = np.asarray(tau, dtype=float)
    mean = -(tau**2) / b
    lower = (0.0 - mean) / tau
    magnitude = stats.truncnorm.rvs(lower, np.inf, loc=mean, scale=tau, size=size,
                                    random_state=rng)
    sign = rng.choice(np.array([-1.0, 1.0]), size=np.shape(magnitude))
    return sign * magnitude


@dataclass(frozen=True)
class Flat(Prior):
    """Improper uniform prior on the real line (an unpenalized parameter).

    The default intercept prior: it matches scikit-learn, which never penalizes the
    intercept. It cannot be drawn from, so prior predictive sampling needs a proper
    prior instead.
    """

    has_mode: ClassVar[bool] = True
    improper: ClassVar[bool] = True
    penalty_kind: ClassVar[str | None] = "none"

    def _logpdf(self, x, p):
        return np.zeros_like(x)

    def _logpdf_derivs(self, x):
        return np.zeros_like(x), np.zeros_like(x)

    def _penalty_weights(self, sigma):
        return 0.0, 0.0, None


# ---------------------------------------------------------------------------
# priors on positive quantities (scales, noise)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PositiveScale(Prior):
    """A prior on a positive quantity with one positive ``scale`` parameter."""

    scale: Any = 1.0
    positive: ClassVar[bool] = True
    scale_fields: ClassVar[tuple[str, ...]] = ("scale",)

    def __post_init__(self):
        _check_positive(self, "scale")


@dataclass(frozen=True)
class HalfNormal(_PositiveScale):
    r"""Half-normal prior on a positive quantity: ``p(s) = 2 N(s | 0, scale)``, ``s > 0``."""

    def _logpdf(self, x, p):  # closed form: scipy.stats' per-call overhead is ~50 us
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = 0.5 * np.log(2.0 / np.pi) - np.log(p.scale) - 0.5 * (x / p.scale) ** 2
        return np.where(x >= 0, out, -np.inf)


@dataclass(frozen=True)
class HalfStudentT(Prior):
    r"""Half Student-t prior: ``p(s) = 2 t_nu(s | 0, scale)``, ``s > 0``."""

    nu: Any = 3.0
    scale: Any = 1.0
    positive: ClassVar[bool] = True
    scale_fields: ClassVar[tuple[str, ...]] = ("scale",)

    def __post_init__(self):
        _check_positive(self, "nu", "scale")

    def _logpdf(self, x, p):
        return half_t_logpdf(x, p.nu, p.scale)


@dataclass(frozen=True)
class HalfCauchy(_PositiveScale):
    r"""Half-Cauchy prior: ``p(s) = 2 / (pi * scale * (1 + (s/scale)**2))``, ``s > 0``."""

    def _logpdf(self, x, p):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.log(2.0 / np.pi) - np.log(p.scale) - np.log1p((x / p.scale) ** 2)
        return np.where(x >= 0, out, -np.inf)


@dataclass(frozen=True)
class Exponential(_PositiveScale):
    r"""Exponential prior with mean ``scale``: ``p(s) = exp(-s / scale) / scale``, ``s > 0``."""

    def _logpdf(self, x, p):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = -np.log(p.scale) - x / p.scale
        return np.where(x >= 0, out, -np.inf)


@dataclass(frozen=True)
class _ShapeScale(Prior):
    """A prior on a positive quantity with positive parameters ``alpha`` and ``beta``."""

    alpha: Any = 1.0
    beta: Any = 1.0
    positive: ClassVar[bool] = True

    def __post_init__(self):
        _check_positive(self, "alpha", "beta")


@dataclass(frozen=True)
class Gamma(_ShapeScale):
    r"""Gamma prior, shape ``alpha`` and rate ``beta``:
    ``p(s) = beta**alpha s**(alpha-1) exp(-beta s) / Gamma(alpha)``."""

    alpha: Any = 2.0
    beta: Any = 0.1

    def _logpdf(self, x, p):
        return stats.gamma.logpdf(x, p.alpha, scale=1.0 / p.beta)


@dataclass(frozen=True)
class InverseGammaVariance(_ShapeScale):
    r"""Inverse-gamma prior on the *variance* of a positive scale: ``sigma**2 ~ InvGamma(alpha, beta)``.

    As a density on ``sigma``:
    ``p(sigma) = 2 sigma beta**alpha (sigma**2)**(-alpha-1) exp(-beta / sigma**2) / Gamma(alpha)``.
    Used as ``Model(..., sigma=InverseGammaVariance(a0, b0))`` together with
    ``Gaussian(scale, scaled_by_sigma=True)`` it gives the conjugate
    Normal-Inverse-Gamma model. The PyMC model samples ``sigma_sq`` and reports
    ``sigma = sqrt(sigma_sq)``.
    """

    def _logpdf(self, x, p):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(2.0 * x) + stats.invgamma.logpdf(x * x, p.alpha, scale=p.beta)
        return np.where(x > 0, out, -np.inf)


@dataclass(frozen=True)
class InverseGamma(_ShapeScale):
    r"""Inverse-gamma prior, shape ``alpha`` and scale ``beta``:
    ``p(s) = beta**alpha s**(-alpha-1) exp(-beta / s) / Gamma(alpha)``."""

    def _logpdf(self, x, p):
        return stats.invgamma.logpdf(x, p.alpha, scale=p.beta)


@dataclass(frozen=True)
class HalfFlat(Prior):
    """Improper uniform prior on ``(0, inf)``."""

    positive: ClassVar[bool] = True
    improper: ClassVar[bool] = True

    def _logpdf(self, x, p):
        return np.where(x > 0, 0.0, -np.inf)


def improper_part(prior) -> str | None:
    """The name of an improper prior (``Flat``, ``HalfFlat``) in ``prior`` or its
    hyperpriors, or ``None`` when every part is proper (or ``prior`` is not a Prior)."""
    if not isinstance(prior, Prior):
        return None
    if prior.improper:
        return type(prior).__name__
    for sub in prior.hyperpriors.values():
        found = improper_part(sub)
        if found:
            return found
    return None


def log_prior_terms(prior: Prior, name: str, draws: Mapping[str, np.ndarray], *,
                    sigma=None) -> dict[str, np.ndarray]:
    """Log prior density of variable ``name`` and of its hyperparameters, draw by draw.

    ``draws`` maps variable names to posterior draws shaped ``(chain, draw, ...)``; a
    hyperprior on parameter ``field`` is the variable ``f"{name}_{field}"`` (the names
    :meth:`Prior.build` gives). The density of ``name`` is conditional on its
    hyperparameters' draws (and, for ``scaled_by_sigma=True``, on ``sigma``: a float or
    ``(chain, draw)`` draws). Returns one array per variable, shaped like its draws.
    """
    x = np.asarray(draws[name], dtype=float)

    def lift(v):  # (chain, draw) parameter draws broadcast against (chain, draw, ...)
        v = np.asarray(v, dtype=float)
        return v.reshape(v.shape + (1,) * (x.ndim - v.ndim)) if v.ndim else float(v)

    terms: dict[str, np.ndarray] = {}
    params = {}
    for f in fields(prior):
        value = getattr(prior, f.name)
        if isinstance(value, Prior):
            sub = f"{name}_{f.name}"
            terms.update(log_prior_terms(value, sub, draws))
            params[f.name] = lift(draws[sub])
        else:
            params[f.name] = value
    if prior.scaled_by_sigma:
        params["scale"] = params["scale"] * lift(sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms[name] = np.broadcast_to(prior._logpdf(x, SimpleNamespace(**params)), x.shape)
    return terms
