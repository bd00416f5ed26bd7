r"""Sparse (global-local shrinkage) priors: horseshoe, regularized horseshoe, horseshoe+,
R2D2, as immutable values with NumPy densities.

Specification layer: NumPy and SciPy only. Each prior is a scale mixture of normals,
``w_j | v_j ~ N(0, v_j)``, whose prior variances ``v_j`` are built from latent scales
that the PyMC model samples (:mod:`bayesreg.backends._pymc_model`) and reports in the
posterior as ``coef_<latent>``:

==========================  ==============================================  ===================
prior                       prior variance ``v_j`` of coefficient ``j``     latent variables
==========================  ==============================================  ===================
``Horseshoe``               ``tau**2 lambda_j**2``                          tau, lambda, z
``RegularizedHorseshoe``    ``tau**2 c2 lambda_j**2/(c2 + tau**2 lambda_j**2)``  tau, lambda, c2, z
``HorseshoePlus``           ``tau**2 eta_j**2 lambda_j**2``                 tau, eta, lambda, z
``R2D2``                    ``sigma**2 r2 / (1 - r2) * phi_j``              r2, g, phi, z
==========================  ==============================================  ===================

with ``lambda_j, eta_j ~ C+(0, 1)`` (half-Student-t with ``df_local``),
``tau ~ C+(0, tau0 * sigma)`` (half-Student-t with ``df_global``), ``c2 ~
InvGamma(slab_df / 2, slab_df * slab_scale**2 / 2)``, ``r2 ~ Beta(mean_r2 *
precision_r2, (1 - mean_r2) * precision_r2)`` and ``phi ~ Dirichlet(concentration)``
(``phi = g / sum(g)``, ``g_j ~ Gamma(concentration, 1)``).
Every coefficient is sampled non-centred, ``w_j = sqrt(v_j) * z_j`` with ``z_j ~ N(0, 1)``,
except in a gaussian model (up to 500 features), where the coefficients are integrated out
of the likelihood and drawn exactly given the scales (:mod:`bayesreg.backends._marginal`):
the funnel between ``w_j`` and its scale that makes the horseshoe hard for NUTS is gone.

``sigma`` is the model's noise scale for the gaussian and student_t families (the
sampled variable, or the float when it is fixed) and, where a family has none, the
pseudo standard deviation of Piironen & Vehtari (2017, sec. 3.5): ``1 / sqrt(mu (1 -
mu))`` for bernoulli and ``1 / sqrt(mu)`` for poisson, at ``mu`` = the (weighted) mean of
``y``. The global scale ``tau0`` is ``scale_global`` or, from the expected number of
non-zero coefficients ``p0``, ``tau0 = p0 / (p - p0) / sqrt(n)`` (Piironen & Vehtari
2017, eq. 3.12; ``n`` = the sum of the sample weights).

None of them has a MAP (the density has a pole at 0, the joint mode sets every
coefficient to 0): ``Model.map()`` refuses them; sample the posterior and summarize it
with :func:`bayesreg.shrinkage_factors` / :func:`bayesreg.savs`.

All scales are on the scale of the design the prior sees: with unstandardized columns use
``Model(..., standardize=True)`` (as brms and rstanarm assume standardized predictors).
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from ..families._family import get_family
from ..utils._validation import POSITIVE, PROBABILITY, check_param
from ._priors import Prior, half_t_logpdf

__all__ = ["ShrinkagePrior", "Horseshoe", "RegularizedHorseshoe", "HorseshoePlus", "R2D2",
           "ShrinkageScales", "shrinkage_scales", "pseudo_sigma", "effective_nonzero_prior"]


# --------------------------------------------------------------------------- scales
@dataclass(frozen=True)
class ShrinkageScales:
    """What a shrinkage prior needs from the data (resolved when a model is built).

    Attributes
    ----------
    global_scale : float or None
        ``tau0`` (horseshoes): ``tau ~ C+(0, global_scale * noise)``; None for R2D2.
    noise : float or None
        The noise factor ``sigma``: a float (a fixed ``sigma`` or the family's pseudo
        standard deviation), or None when it is the model's sampled ``sigma``.
    n : float
        The number of observations (sum of the sample weights), for shrinkage factors.
    """

    global_scale: float | None
    noise: float | None
    n: float


def pseudo_sigma(family, y, sample_weight=None, **aux) -> float:
    """Piironen & Vehtari's pseudo standard deviation of a family without a noise scale.

    ``family.pseudo_sigma(mu)`` (e.g. ``1 / sqrt(mu (1 - mu))`` for bernoulli,
    ``1 / sqrt(mu)`` for poisson, ``sqrt((1 + dispersion mu) / mu)`` for the negative
    binomial) at the weighted mean ``mu`` of ``y``, kept at least ``1 / (2 n)`` away from
    the boundary of the mean's domain. ``family`` is a family or its name; ``aux`` its
    fixed parameters (a negative binomial without a fixed ``dispersion`` takes the
    Poisson limit, ``dispersion = 0``).
    """
    family = get_family(family)
    if family.has_sigma:
        raise ValueError(f"family={family.name!r} has a noise scale sigma; no pseudo sigma "
                         f"needed.")
    y = np.asarray(y, dtype=float)
    n = float(len(y) if sample_weight is None else np.sum(sample_weight))
    mu = float(np.average(y, weights=sample_weight))
    mu = family.clip_mean(mu, 0.5 / max(n, 1.0))
    return float(family.pseudo_sigma(mu, **aux))


def shrinkage_scales(prior, *, family, y, sample_weight, sigma, n_features,
                     aux=None) -> ShrinkageScales:
    """Resolve the data-dependent scales of ``prior`` for a model.

    ``family`` is a :class:`bayesreg.families._family.Family`, ``sigma`` the model's noise
    scale (a float, a Prior, or None for families without one), ``aux`` the family's
    other parameters by name (its fixed floats enter the pseudo sigma; priors are left out).
    """
    n = float(len(y) if sample_weight is None else np.sum(sample_weight))
    fixed_pseudo = getattr(prior, "pseudo_sigma", None)
    if family.has_sigma:
        if fixed_pseudo is not None:
            raise ValueError(f"pseudo_sigma={fixed_pseudo!r} is for families without a noise "
                             f"scale; family={family.name!r} has sigma: leave pseudo_sigma "
                             f"out.")
        noise = None if isinstance(sigma, Prior) else float(sigma)
    elif fixed_pseudo is not None:
        noise = float(fixed_pseudo)
        if not (np.isfinite(noise) and noise > 0):
            raise ValueError(f"pseudo_sigma must be a positive finite float; got "
                             f"{fixed_pseudo!r}.")
    else:
        fixed = {k: float(v) for k, v in (aux or {}).items()
                 if v is not None and not isinstance(v, Prior)}
        noise = pseudo_sigma(family, y, sample_weight, **fixed)
    return ShrinkageScales(global_scale=prior.global_scale(n_features, n), noise=noise, n=n)


# --------------------------------------------------------------------------- base
def _half_t_draws(rng, df, size):
    return np.abs(rng.standard_cauchy(size) if df == 1 else rng.standard_t(df, size))


@dataclass(frozen=True)
class ShrinkagePrior(Prior):
    """Base of the global-local shrinkage priors (a scale mixture of normals).

    ``pseudo_sigma`` (keyword only, families without a noise scale: bernoulli, poisson,
    negative binomial): the noise factor that scales the prior, fixed. Default None: the
    family's pseudo standard deviation at the mean of ``y`` (:func:`pseudo_sigma`), which
    makes the prior depend on the data; a fixed value makes it a prior in the strict sense
    (what :func:`bayesreg.sbc` needs to simulate from it).
    """

    pseudo_sigma: Any = field(default=None, kw_only=True, repr=False)

    has_mode: ClassVar[bool] = False
    sparse: ClassVar[bool] = True
    #: latent variables ``coef_<name>``, per feature or not, in the order they are built
    latent: ClassVar[dict[str, bool]] = {}

    @property
    def is_fixed(self) -> bool:
        """Always False: the latent scales are random (the prior is hierarchical)."""
        return False

    def _check_density(self):
        raise ValueError(
            f"{type(self).__name__} has no closed-form marginal density; its log prior is "
            f"evaluated conditionally on its latent scales (a fit's log_prior group), and "
            f"effective_nonzero_prior / variance_draws give prior draws.")

    def _logpdf(self, x, p):
        """``log N(x | 0, sqrt(p.variance))``: the coefficient given its latent scales."""
        return stats.norm.logpdf(x, 0.0, np.sqrt(p.variance))

    def global_scale(self, n_features: int, n: float) -> float | None:
        """``tau0`` for a model with ``n_features`` coefficients and ``n`` observations."""
        return None

    # -- subclass API --------------------------------------------------------
    @abc.abstractmethod
    def variance(self, latent: dict, noise, scales: ShrinkageScales):
        """Prior variance ``v_j`` of each coefficient from the latent draws (NumPy)."""

    @abc.abstractmethod
    def latent_logpdf(self, latent: dict, noise, scales: ShrinkageScales) -> dict:
        """Log density of each latent variable given the draws (NumPy), one array each."""

    @abc.abstractmethod
    def latent_draws(self, rng, size: int, n_features: int, scales: ShrinkageScales) -> dict:
        """``size`` prior draws of each latent variable with ``noise = 1``."""

    # -- shared --------------------------------------------------------------
    def log_prior_terms(self, name: str, draws: dict, scales: ShrinkageScales, *,
                        sigma=None) -> dict[str, np.ndarray]:
        """Log prior of ``name`` (given its latent scales) and of each latent variable,
        draw by draw (arrays shaped like the draws of each variable).

        ``draws`` maps ``f"{name}_{latent}"`` and ``name`` to ``(chain, draw, ...)``
        arrays; ``sigma`` is the model's sampled noise scale ``(chain, draw)`` when
        ``scales.noise`` is None.
        """
        x = np.asarray(draws[name], dtype=float)
        lat = {k: np.asarray(draws[f"{name}_{k}"], dtype=float) for k in self.latent}
        lat = {k: v if v.ndim == x.ndim else v[..., None] for k, v in lat.items()}
        noise = scales.noise if scales.noise is not None else \
            np.asarray(sigma, dtype=float)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = {f"{name}_{k}": v for k, v in self.latent_logpdf(lat, noise, scales).items()}
            var = self.variance(lat, noise, scales)
            terms[name] = self._logpdf(x, SimpleNamespace(variance=var))
        return {k: np.reshape(v, np.shape(draws[k])) for k, v in terms.items()}

    def variance_draws(self, n_features: int, n: float = 1.0, *, size: int = 1000,
                       random_seed=None) -> np.ndarray:
        """``(size, n_features)`` prior draws of ``v_j / sigma**2`` (the prior variances in
        units of the noise variance) for a model with ``n`` observations."""
        rng = np.random.default_rng(random_seed)
        scales = ShrinkageScales(self.global_scale(n_features, n), 1.0, float(n))
        lat = self.latent_draws(rng, size, n_features, scales)
        lat = {k: v if v.ndim == 2 else v[:, None] for k, v in lat.items()}
        return np.broadcast_to(self.variance(lat, 1.0, scales), (size, n_features)).copy()


def _check_shared(prior, *names):
    for name in names:
        object.__setattr__(prior, name, check_param(getattr(prior, name), name,
                                                    type(prior).__name__, POSITIVE))


@dataclass(frozen=True)
class _HorseshoeBase(ShrinkagePrior):
    """Global scale ``tau ~ C+(0, tau0 * sigma)``; fields shared by the horseshoes."""

    expected_nonzero: Any = None
    scale_global: Any = None
    df_global: Any = 1.0
    df_local: Any = 1.0

    def __post_init__(self):
        owner = type(self).__name__
        if self.expected_nonzero is not None and self.scale_global is not None:
            raise ValueError(f"{owner} takes expected_nonzero (p0, which sets tau0 = p0 / "
                             f"(p - p0) / sqrt(n)) or scale_global (tau0), not both.")
        if self.expected_nonzero is not None:
            _check_shared(self, "expected_nonzero")
        if self.scale_global is not None:
            _check_shared(self, "scale_global")
        _check_shared(self, "df_global", "df_local")

    def global_scale(self, n_features: int, n: float) -> float:
        if self.expected_nonzero is None:
            return 1.0 if self.scale_global is None else float(self.scale_global)
        p0 = float(self.expected_nonzero)
        if not p0 < n_features:
            raise ValueError(
                f"{type(self).__name__}(expected_nonzero={p0:g}) needs p0 < n_features = "
                f"{n_features} (tau0 = p0 / (p - p0) / sqrt(n)); give a smaller guess.")
        return p0 / (n_features - p0) / math.sqrt(n)

    def _tau_logpdf(self, tau, noise, scales):
        return half_t_logpdf(tau, self.df_global, scales.global_scale * noise)


@dataclass(frozen=True)
class Horseshoe(_HorseshoeBase):
    r"""Horseshoe prior (Carvalho, Polson & Scott 2010).

    .. math:: w_j \mid \lambda_j, \tau \sim N(0, \tau^2 \lambda_j^2), \quad
              \lambda_j \sim C^+(0, 1), \quad \tau \sim C^+(0, \tau_0 \sigma)

    No penalty twin: the marginal density has a pole at 0 and Cauchy-like tails. Sampled
    as ``w_j = tau * lambda_j * z_j`` (non-centred, as numpyro's example and bambi); for
    a prior that keeps the large coefficients regularized, use
    :class:`RegularizedHorseshoe`.

    Parameters
    ----------
    expected_nonzero : float, optional
        Expected number of non-zero coefficients ``p0`` (< n_features): sets ``tau0 = p0 /
        (p - p0) / sqrt(n)`` (Piironen & Vehtari 2017).
    scale_global : float, optional
        ``tau0`` directly. Default (neither given): 1, the original horseshoe and brms's
        default.
    df_global, df_local : float, default 1
        Degrees of freedom of the half-Student-t priors on ``tau`` and ``lambda_j`` (1:
        half-Cauchy). P&V suggest ``df_local = 3`` if a fit has divergences.
    """

    latent: ClassVar[dict[str, bool]] = {"tau": False, "lambda": True}

    def variance(self, lat, noise, scales):
        return (lat["tau"] * lat["lambda"]) ** 2

    def latent_logpdf(self, lat, noise, scales):
        return {"tau": self._tau_logpdf(lat["tau"], noise, scales),
                "lambda": half_t_logpdf(lat["lambda"], self.df_local, 1.0)}

    def latent_draws(self, rng, size, n_features, scales):
        return {"tau": scales.global_scale * _half_t_draws(rng, self.df_global, size),
                "lambda": _half_t_draws(rng, self.df_local, (size, n_features))}


@dataclass(frozen=True)
class RegularizedHorseshoe(_HorseshoeBase):
    r"""Regularized horseshoe (Piironen & Vehtari 2017): a horseshoe with a slab.

    .. math:: w_j \sim N(0, \tau^2 \tilde\lambda_j^2), \quad
              \tilde\lambda_j^2 = \frac{c^2 \lambda_j^2}{c^2 + \tau^2 \lambda_j^2}, \quad
              \lambda_j \sim C^+(0, 1), \quad \tau \sim C^+(0, \tau_0 \sigma), \quad
              c^2 \sim \mathrm{InvGamma}(\nu/2, \nu s^2/2)

    Small coefficients are shrunk as by the horseshoe; large ones (``tau lambda_j >> c``)
    get a ``N(0, c^2)`` prior, a Student-t(``nu``, 0, ``s``) slab marginally, instead
    of none. ``tau0 = p0 / (p - p0) * sigma / sqrt(n)`` from the expected number of
    non-zero coefficients ``p0`` (eq. 3.12 there); ``sigma`` is the family's pseudo
    standard deviation for bernoulli and poisson (see the module docstring).

    Parameterization: ``w_j = tau * lambda_tilde_j * z_j`` (non-centred) with
    ``lambda_j``, ``tau`` half-Cauchy on the log scale and ``c2`` inverse-gamma directly
    (brms's and numpyro's form; measured against rstanarm's ``lambda = r1 sqrt(r2)``
    split of each half-Cauchy and a centred ``w`` in ``benchmarks/bench_sparse.py``:
    on the n = 100, p = 200 problem the direct form had the fewest divergences and the
    best min ESS/s, see BENCHMARKS.md).

    Parameters
    ----------
    expected_nonzero : float, optional
        ``p0``, the prior guess of the number of non-zero coefficients (< n_features).
    scale_global : float, optional
        ``tau0`` directly (instead of ``expected_nonzero``). Neither: ``tau0 = 1``
        (brms's default, weakly sparse).
    slab_scale : float, default 2.0
        ``s``: prior scale of the large coefficients (brms's default 2; rstanarm 2.5).
    slab_df : float, default 4.0
        ``nu`` of the slab (brms and rstanarm: 4).
    df_global, df_local : float, default 1
    """

    slab_scale: Any = 2.0
    slab_df: Any = 4.0
    latent: ClassVar[dict[str, bool]] = {"tau": False, "lambda": True, "c2": False}

    def __post_init__(self):
        super().__post_init__()
        _check_shared(self, "slab_scale", "slab_df")

    def variance(self, lat, noise, scales):
        t2l2 = (lat["tau"] * lat["lambda"]) ** 2
        return lat["c2"] * t2l2 / (lat["c2"] + t2l2)

    def latent_logpdf(self, lat, noise, scales):
        nu, s = float(self.slab_df), float(self.slab_scale)
        return {"tau": self._tau_logpdf(lat["tau"], noise, scales),
                "lambda": half_t_logpdf(lat["lambda"], self.df_local, 1.0),
                "c2": stats.invgamma.logpdf(lat["c2"], nu / 2, scale=nu * s**2 / 2)}

    def latent_draws(self, rng, size, n_features, scales):
        nu, s = float(self.slab_df), float(self.slab_scale)
        return {"tau": scales.global_scale * _half_t_draws(rng, self.df_global, size),
                "lambda": _half_t_draws(rng, self.df_local, (size, n_features)),
                "c2": stats.invgamma.rvs(nu / 2, scale=nu * s**2 / 2, size=size,
                                         random_state=rng)}


@dataclass(frozen=True)
class HorseshoePlus(_HorseshoeBase):
    r"""Horseshoe+ prior (Bhadra, Datta, Polson & Willard 2017).

    .. math:: w_j \sim N(0, \tau^2 \eta_j^2 \lambda_j^2), \quad
              \lambda_j, \eta_j \sim C^+(0, 1), \quad \tau \sim C^+(0, \tau_0 \sigma)

    (their ``lambda_j ~ C+(0, tau eta_j)`` written non-centred): a sharper spike and
    heavier tails than the horseshoe. Sampled as ``w_j = tau eta_j lambda_j z_j``.
    Parameters as :class:`Horseshoe` (``df_local`` for both ``eta`` and ``lambda``).
    """

    latent: ClassVar[dict[str, bool]] = {"tau": False, "eta": True, "lambda": True}

    def variance(self, lat, noise, scales):
        return (lat["tau"] * lat["eta"] * lat["lambda"]) ** 2

    def latent_logpdf(self, lat, noise, scales):
        return {"tau": self._tau_logpdf(lat["tau"], noise, scales),
                "eta": half_t_logpdf(lat["eta"], self.df_local, 1.0),
                "lambda": half_t_logpdf(lat["lambda"], self.df_local, 1.0)}

    def latent_draws(self, rng, size, n_features, scales):
        return {"tau": scales.global_scale * _half_t_draws(rng, self.df_global, size),
                "eta": _half_t_draws(rng, self.df_local, (size, n_features)),
                "lambda": _half_t_draws(rng, self.df_local, (size, n_features))}


@dataclass(frozen=True)
class R2D2(ShrinkagePrior):
    r"""R2D2 prior (Zhang, Reich & Bondell 2020): a prior on R² split by a Dirichlet.

    .. math:: w_j \sim N(0, \sigma^2 \omega \phi_j), \quad \omega = \frac{R^2}{1 - R^2},
              \quad R^2 \sim \mathrm{Beta}(m k, (1 - m) k), \quad
              \phi \sim \mathrm{Dirichlet}(a, \dots, a)

    For standardized predictors ``omega sigma**2`` is the prior variance of the linear
    predictor, so ``R² = var(eta) / (var(eta) + sigma**2)`` has the Beta prior. The
    normal kernel (Aguilar & Bürkner 2023, brms's ``R2D2()``; Zhang et al. use a
    double-exponential one). Where a family has no ``sigma`` the pseudo standard
    deviation takes its place. Sampled non-centred, ``w_j = sigma sqrt(omega phi_j)
    z_j``, ``R²`` on the logit scale and ``phi = g / sum(g)`` with independent ``g_j ~
    Gamma(a, 1)`` on the log scale (``coef_g``; ``coef_phi`` is reported). Measured in
    ``benchmarks/bench_sparse.py`` (n = 100, p = 200, nutpie, 2 x 1000 draws) against
    brms's form, a Dirichlet ``phi`` (PyMC's simplex transform): 7 instead of 105
    divergences and 25 instead of 2.5 min-ESS/s (BENCHMARKS.md).

    Parameters
    ----------
    mean_r2 : float in (0, 1), default 0.5
        ``m``, the prior mean of R² (brms's default).
    precision_r2 : float, default 2.0
        ``k``; with ``m = 0.5`` and ``k = 2`` R² is uniform.
    concentration : float, default 0.5
        ``a``, the Dirichlet concentration of each coefficient (smaller: sparser).
    """

    mean_r2: Any = 0.5
    precision_r2: Any = 2.0
    concentration: Any = 0.5
    latent: ClassVar[dict[str, bool]] = {"r2": False, "g": True}

    def __post_init__(self):
        object.__setattr__(self, "mean_r2", check_param(self.mean_r2, "mean_r2", "R2D2",
                                                        PROBABILITY))
        _check_shared(self, "precision_r2", "concentration")

    @property
    def beta_params(self) -> tuple[float, float]:
        """``(m k, (1 - m) k)``, the Beta parameters of R²."""
        m, k = float(self.mean_r2), float(self.precision_r2)
        return m * k, (1.0 - m) * k

    def variance(self, lat, noise, scales):
        phi = lat["g"] / np.sum(lat["g"], axis=-1, keepdims=True)
        return noise**2 * lat["r2"] / (1.0 - lat["r2"]) * phi

    def latent_logpdf(self, lat, noise, scales):
        a, b = self.beta_params
        return {"r2": stats.beta.logpdf(lat["r2"], a, b),
                "g": stats.gamma.logpdf(lat["g"], float(self.concentration))}

    def latent_draws(self, rng, size, n_features, scales):
        a, b = self.beta_params
        return {"r2": rng.beta(a, b, size),
                "g": rng.gamma(float(self.concentration), 1.0, (size, n_features))}


def effective_nonzero_prior(prior: ShrinkagePrior, n_features: int, n: float, *,
                            x_var=1.0, size: int = 4000, random_seed=None) -> np.ndarray:
    r"""Prior draws of the effective number of non-zero coefficients.

    .. math:: m_\mathrm{eff} = \sum_j (1 - \kappa_j), \qquad
              \kappa_j = \frac{1}{1 + n\, s_j^2\, v_j / \sigma^2}

    (Piironen & Vehtari 2017, eq. 3.6-3.7), with ``s_j**2`` the variance of column ``j``
    (``x_var``, 1 for standardized predictors) and ``v_j`` the prior variance of
    coefficient ``j``. Returns ``size`` draws.
    """
    v = prior.variance_draws(n_features, n, size=size, random_seed=random_seed)
    kappa = 1.0 / (1.0 + n * np.asarray(x_var, dtype=float) * v)
    return np.sum(1.0 - kappa, axis=-1)
