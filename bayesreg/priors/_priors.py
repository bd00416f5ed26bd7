"""Priors on regression weights and on scales, as immutable values.

Every prior here is a frozen dataclass: a *specification* with a NumPy log density.
This module is part of the specification layer: NumPy and SciPy only, no PyMC. The
PyMC variables are built from these values by :mod:`bayesreg.backends._pymc_model`.
Any numeric parameter of a prior may itself be a prior (a hyperprior), e.g.
``Gaussian(scale=HalfNormal(1.0))`` puts a prior on the regularization strength.
Location-scale priors whose scale is random are sampled non-centred by default:
``coef = loc + scale * z`` with ``z`` drawn from the standard member of the family.

Penalty twins (negative log density, up to a constant), for a weight ``w``:

=================  ==========================================  =======================
prior              density p(w)                                penalty twin
=================  ==========================================  =======================
Gaussian(tau)      exp(-w**2 / (2 tau**2)) / sqrt(2 pi tau**2)  L2: w**2 / (2 tau**2)
Laplace(b)         exp(-|w| / b) / (2 b)                        L1: |w| / b
ElasticNet(b, tau) exp(-|w|/b - w**2/(2 tau**2)) / Z(b, tau)    |w|/b + w**2/(2 tau**2)
StudentT(nu, s)    t density                                    (nu+1)/2 log(1 + w**2/(nu s**2))
=================  ==========================================  =======================
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from ..utils._validation import POSITIVE, InstanceOf, Interval, check_param

__all__ = [
    "Prior",
    "Gaussian",
    "Laplace",
    "ElasticNet",
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


def _check_finite(prior: Prior, *names: str) -> None:
    """Each parameter is a finite float, or a prior."""
    for name in names:
        value = getattr(prior, name)
        if not isinstance(value, Prior):
            object.__setattr__(prior, name, check_param(value, name, type(prior).__name__,
                                                        Interval("float"), _PRIOR))


@dataclass(frozen=True)
class Prior(abc.ABC):
    """Base class of all priors. Subclasses are frozen dataclasses."""

    positive: ClassVar[bool] = False
    #: whether the prior has a proper, finite mode (needed for a MAP estimate)
    has_mode: ClassVar[bool] = True

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
        """JSON-serializable description; inverse of :func:`prior_from_dict`."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, Prior) else value
        return out

    # -- NumPy density -----------------------------------------------------
    def logpdf(self, x):
        """Log density at ``x`` (NumPy); only for priors without hyperpriors."""
        if not self.is_fixed:
            raise ValueError(
                f"{self!r} has a hyperprior, so it has no fixed density; evaluate the "
                f"conditional density by fixing its parameters."
            )
        return self._logpdf(np.asarray(x, dtype=float), self)

    @abc.abstractmethod
    def _logpdf(self, x, p):
        """Log density at ``x`` with parameters read from ``p`` (floats, or arrays that
        broadcast against ``x``; ``p`` is the prior itself when its parameters are fixed)."""


_PRIOR = InstanceOf(type(None), "a Prior")  # described only: priors pass before the check
_POSITIVE_PRIOR = InstanceOf(type(None), "a positive Prior")


@dataclass(frozen=True)
class LocationScale(Prior):
    """Location-scale prior, non-centred when its scale is random."""

    def logpdf(self, x):
        if self.scaled_by_sigma:
            raise ValueError(
                f"{self!r} is scaled by the noise sigma, so its density is conditional on "
                f"sigma; use a copy with scaled_by_sigma=False and scale=scale*sigma."
            )
        return super().logpdf(x)

    _extra_params: ClassVar[tuple[str, ...]] = ()


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

    def _logpdf(self, x, p):
        return stats.norm.logpdf(x, p.loc, p.scale)


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

    def _logpdf(self, x, p):
        return stats.laplace.logpdf(x, p.loc, p.scale)


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
    _extra_params: ClassVar[tuple[str, ...]] = ("nu",)

    def __post_init__(self):
        _check_positive(self, "nu", "scale")
        _check_finite(self, "loc")

    def _logpdf(self, x, p):
        return stats.t.logpdf(x, p.nu, p.loc, p.scale)


def elastic_net_log_normalizer(l1_scale, l2_scale, xp=np):
    r"""``log Z`` of the elastic-net density.

    .. math:: Z = \int e^{-|w|/b - w^2/(2\tau^2)}\,dw
              = 2\tau\sqrt{\pi/2}\;\mathrm{erfcx}\!\left(\frac{\tau}{b\sqrt{2}}\right)

    ``xp`` is ``numpy`` (default) or ``pytensor.tensor``.
    """
    a = l2_scale / (l1_scale * math.sqrt(2.0))
    erfcx = special.erfcx if xp is np else xp.erfcx
    return xp.log(2.0 * l2_scale) + 0.5 * math.log(math.pi / 2.0) + xp.log(erfcx(a))


@dataclass(frozen=True)
class ElasticNet(Prior):
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

    def __post_init__(self):
        _check_positive(self, "l1_scale", "l2_scale")

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

    def _logpdf(self, x, p):
        return np.zeros_like(x)


# ---------------------------------------------------------------------------
# priors on positive quantities (scales, noise)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PositiveScale(Prior):
    """A prior on a positive quantity with one positive ``scale`` parameter."""

    scale: Any = 1.0
    positive: ClassVar[bool] = True

    def __post_init__(self):
        _check_positive(self, "scale")


@dataclass(frozen=True)
class HalfNormal(_PositiveScale):
    r"""Half-normal prior on a positive quantity: ``p(s) = 2 N(s | 0, scale)``, ``s > 0``."""

    def _logpdf(self, x, p):
        return stats.halfnorm.logpdf(x, scale=p.scale)


@dataclass(frozen=True)
class HalfStudentT(Prior):
    r"""Half Student-t prior: ``p(s) = 2 t_nu(s | 0, scale)``, ``s > 0``."""

    nu: Any = 3.0
    scale: Any = 1.0
    positive: ClassVar[bool] = True

    def __post_init__(self):
        _check_positive(self, "nu", "scale")

    def _logpdf(self, x, p):
        return np.where(x >= 0, np.log(2.0) + stats.t.logpdf(x, p.nu, 0.0, p.scale),
                        -np.inf)


@dataclass(frozen=True)
class HalfCauchy(_PositiveScale):
    r"""Half-Cauchy prior: ``p(s) = 2 / (pi * scale * (1 + (s/scale)**2))``, ``s > 0``."""

    def _logpdf(self, x, p):
        return stats.halfcauchy.logpdf(x, scale=p.scale)


@dataclass(frozen=True)
class Exponential(_PositiveScale):
    r"""Exponential prior with mean ``scale``: ``p(s) = exp(-s / scale) / scale``, ``s > 0``."""

    def _logpdf(self, x, p):
        return stats.expon.logpdf(x, scale=p.scale)


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

    def _logpdf(self, x, p):
        return np.where(x > 0, 0.0, -np.inf)


_REGISTRY = {cls.__name__: cls for cls in (
    Gaussian, Laplace, ElasticNet, StudentT, Flat, HalfNormal, HalfStudentT, HalfCauchy,
    Exponential, Gamma, InverseGamma, InverseGammaVariance, HalfFlat)}


def improper_part(prior) -> str | None:
    """The name of an improper prior (``Flat``, ``HalfFlat``) in ``prior`` or its
    hyperpriors, or ``None`` when every part is proper (or ``prior`` is not a Prior)."""
    if not isinstance(prior, Prior):
        return None
    if isinstance(prior, (Flat, HalfFlat)):
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
    if getattr(prior, "scaled_by_sigma", False):
        params["scale"] = params["scale"] * lift(sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms[name] = np.broadcast_to(prior._logpdf(x, SimpleNamespace(**params)), x.shape)
    return terms


def prior_from_dict(spec: dict[str, Any]) -> Prior:
    """Rebuild a prior from :meth:`Prior.to_dict` output."""
    spec = dict(spec)
    cls = _REGISTRY.get(spec.pop("type", None))
    if cls is None:
        raise ValueError(f"Unknown prior type in spec {spec!r}; known: {sorted(_REGISTRY)}")
    kwargs = {k: prior_from_dict(v) if isinstance(v, dict) else v for k, v in spec.items()}
    return cls(**kwargs)


