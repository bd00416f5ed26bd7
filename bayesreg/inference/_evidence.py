r"""The evidence (marginal likelihood) of a model, and its Occam decomposition.

"L2 is a prior that prefers small weights" made quantitative.  For a model
:math:`\mathcal{M}` (prior scale :math:`\tau`, noise :math:`\sigma`, ...) the
*evidence* (marginal likelihood) is

.. math::

    \log p(y \mid \mathcal{M}) = \log \int p(y \mid \theta)\, p(\theta \mid \mathcal{M})\, d\theta
      = \underbrace{\log p(y \mid \theta^*)}_{\text{best fit}}
      + \underbrace{\log \frac{p(\theta^* \mid \mathcal{M})}{p(\theta^* \mid y, \mathcal{M})}}_{\text{log Occam factor}\ \le\ 0\ \text{(typically)}}

(Bayes' theorem at the mode :math:`\theta^*`).  A wide prior fits better but pays
a larger Occam penalty, so the evidence rises then falls as the prior widens.
MacKay's effective number of parameters
:math:`\gamma = \sum_i \lambda_i / (\lambda_i + \alpha)` counts the directions
the data determine (:math:`\lambda_i` the eigenvalues of
:math:`X^\top\mathbf{S}X/\sigma^2`, :math:`\alpha = 1/\tau^2`).

Intercept convention
--------------------
With ``fit_intercept=False`` or a *proper* intercept prior (e.g.
``intercept_prior=Gaussian(10.0)``) the evidence is the ordinary marginal
likelihood, and all three methods estimate the same number.

With the default improper ``Flat()`` intercept the evidence is defined with the
flat prior taken as *unit density* (Lebesgue measure) on the intercept :math:`b`:

.. math::

    \log Z_{\text{flat}} = \log \int p(y \mid b, w, \sigma)\, p(w)\,p(\sigma)\; db\,dw\,d\sigma .

This is the limit of :math:`\log Z + \log(\sqrt{2\pi}\,s_0)` under a proper
``Gaussian(s0)`` intercept prior as :math:`s_0 \to \infty`, it is comparable
across prior scales and noise models, and ``"exact"``, ``"laplace"`` and
``"smc"`` all target it.  For Gaussian noise, integrating :math:`b` out gives

.. math::

    \int p(y \mid b, w, \sigma)\, db = p_c(y_c \mid w, \sigma)\,\sqrt{2\pi\sigma^2 / S},

with :math:`p_c` the likelihood of the (weighted-)centred data :math:`(X_c, y_c)`
and :math:`S = \sum_i s_i`.  Hence, for fixed :math:`\sigma`,
:math:`\log Z_{\text{flat}} = \log Z_c + \tfrac12\log(2\pi\sigma^2/S)` where
:math:`\log Z_c` is the centred-data evidence that ``BayesianRidge`` reports
(``scores_``, up to its hyperprior terms); under the Normal-Inverse-Gamma prior
the noise sees :math:`S - 1` effective observations:
:math:`\log Z_{\text{flat}} = \log Z^{\text{NIG}}_c(S - 1) - \tfrac12\log S`.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..priors._conjugate import ConjugateForm, conjugate_form
from ..backends._smc import smc_log_evidence
from .. import base as _cj
from ..base._random import seed_sequence_int
from ..backends._laplace import laplace_mode
from ..families._family import family_names, get_family
from ..priors import _priors
from ..utils._validation import Interval, OneOf, check_param
from ._bridge_sampling import bridge_log_evidence
from ._model_spec import check_proper_posterior

__all__ = ["EvidenceResult", "log_evidence", "METHODS", "conjugate_for_evidence", "is_conjugate",
           "intercept_kind", "sum_w"]

_LOG_2PI = math.log(2.0 * math.pi)
METHODS = ("exact", "laplace", "smc", "bridge")


# ===================================================================== results
@dataclass(frozen=True, eq=False)
class EvidenceResult:
    r"""Log evidence of a :class:`~bayesreg.Model` and its Occam decomposition.

    ``log_evidence == log_likelihood_max + log_occam_factor`` for the ``"exact"``
    and ``"laplace"`` methods (``"smc"`` estimates only the total).

    Attributes
    ----------
    log_evidence : float
        :math:`\log p(y \mid \mathcal{M})` (see the module docstring for the flat
        intercept convention); for ``"smc"`` the mean over chains.
    method : {"exact", "laplace", "smc"}
    stderr : float
        Standard error of ``log_evidence``: 0 for ``"exact"``, ``nan`` for
        ``"laplace"`` (a deterministic approximation), the standard deviation of
        the per-chain estimates divided by ``sqrt(chains)`` for ``"smc"``.
    log_likelihood_max : float
        :math:`\log p(y \mid \theta^*)` at the posterior mode :math:`\theta^*`
        (``nan`` for ``"smc"``).
    log_occam_factor : float
        :math:`\log p(\theta^*) - \log p(\theta^* \mid y)` (exact method) or its
        Laplace approximation :math:`\log p(\theta^*) + \frac d2\log 2\pi - \frac12\log\det H`.
    effective_params : float
        MacKay's :math:`\gamma = \sum_j (1 - (\Sigma_{post})_{jj}/\tau_j^2)`
        over the coefficients with a proper prior (the flat intercept is not
        counted; a proper Gaussian intercept is); ``nan`` for ``"smc"``.
    coef : ndarray of shape (n_features,) or None
        Posterior mode of the coefficients (``None`` for ``"smc"``).
    intercept : float
        Posterior mode of the intercept (0 without one, ``nan`` for ``"smc"``).
    sigma : float
        Noise sd at the mode (fixed value, or the NIG mode); ``nan`` when unused.
    intercept_convention : {"none", "proper", "flat"}
        ``"flat"``: the improper flat intercept is integrated with unit density.
    chain_log_evidence : ndarray or None
        Per-chain SMC estimates.
    idata : xarray.DataTree or None
        The SMC run (``"smc"`` only).
    """

    log_evidence: float
    method: str
    stderr: float = 0.0
    log_likelihood_max: float = float("nan")
    log_occam_factor: float = float("nan")
    effective_params: float = float("nan")
    coef: np.ndarray | None = None
    intercept: float = float("nan")
    sigma: float = float("nan")
    intercept_convention: str = "none"
    chain_log_evidence: np.ndarray | None = None
    idata: Any = dataclasses.field(default=None, repr=False)



def sum_w(model) -> float:
    return float(model.n_samples if model.sample_weight is None else model.sample_weight.sum())




def intercept_kind(model) -> str:
    if not model.fit_intercept:
        return "none"
    return "flat" if model.intercept_prior.improper else "proper"



# ----------------------------------------------------------------- conjugate form
def conjugate_for_evidence(model) -> ConjugateForm:
    """The conjugate reduction shared with ``sampler='exact'`` (ValueError naming why not)."""
    return conjugate_form(model, purpose="method='exact'",
                          instead="Use method='laplace' or method='smc' instead.")


def is_conjugate(model) -> bool:
    try:
        conjugate_for_evidence(model)
    except ValueError:
        return False
    return True


def _exact_evidence(c: ConjugateForm) -> EvidenceResult:
    if c.kind == "fixed_sigma":
        ev = _cj.log_evidence_fixed_sigma(c.D, c.y, sigma=c.sigma, tau=c.tau, sample_weight=c.sw)
        ll, occam, sig = ev.log_likelihood_max, ev.log_occam_factor, c.sigma
        if c.intercept == "flat":
            # integral over b of exp(-S (b - b_MP)^2 / (2 sigma^2)) db, unit prior density
            occam += 0.5 * (_LOG_2PI + 2.0 * math.log(c.sigma) - math.log(c.sum_w))
        u = ev.mean
    else:
        if c.sum_w_noise <= 0:
            raise ValueError("The NIG evidence with a flat intercept needs sum(sample_weight) > 1.")
        st = _cj.sufficient_stats(c.D, c.y, c.sw)
        ev = _cj.log_evidence_nig_from_stats(st.xtx, st.xty, st.yty, c.sum_w_noise, tau=c.tau,
                                             a0=c.a0, b0=c.b0)
        u, sig = ev.mean, ev.sigma
        logz = ev.log_evidence - (0.5 * math.log(c.sum_w) if c.intercept == "flat" else 0.0)
        # best fit with all S observations at theta* = (m, b_MP, sigma*): exact split of logz
        w = np.ones(c.D.shape[0]) if c.sw is None else c.sw
        r = c.y - c.D @ u
        ll = float(-0.5 * c.sum_w * (_LOG_2PI + 2.0 * math.log(sig)) - 0.5 * (w @ r**2) / sig**2)
        occam = logz - ll
    coef, b = c.split(u)
    gamma = ev.effective_params
    return EvidenceResult(log_evidence=float(ll + occam), method="exact", stderr=0.0,
                          log_likelihood_max=float(ll), log_occam_factor=float(occam),
                          effective_params=float(gamma), coef=np.asarray(coef),
                          intercept=float(b), sigma=float(sig), intercept_convention=c.intercept)


# ----------------------------------------------------------------- Laplace approximation
def _prior_terms(prior, x: np.ndarray):
    """Sum of log density, gradient and curvature (-d2 log p) of a fixed prior at ``x``
    (:meth:`bayesreg.priors.Prior.logpdf_derivs`; a Laplace prior is smooth away from
    its ``loc`` only, see the caveat)."""
    try:
        grad, curv = prior.logpdf_derivs(x)
    except ValueError:
        raise ValueError(f"method='laplace' supports Gaussian, StudentT and Laplace priors with "
                         f"fixed parameters; got {prior!r}. Use method='smc'.") from None
    return float(np.sum(prior.logpdf(x))), grad, curv


def _laplace_evidence(model) -> EvidenceResult:
    fam = model.family
    if not fam.convex:
        convex = ", ".join(n for n in family_names() if get_family(n).convex)
        raise ValueError(f"method='laplace' supports the families with a log-concave "
                         f"likelihood ({convex}); got {fam.name!r}. Use method='smc'.")
    aux = {}
    for name in fam.auxiliary:  # the family's parameters besides sigma, held fixed
        value = getattr(model, name)
        if name != "sigma" and isinstance(value, _priors.Prior):
            raise ValueError(f"method='laplace' needs a fixed float {name}; got "
                             f"{name}={value!r}. Fix it, or use method='smc'.")
        if name != "sigma":
            aux[name] = float(value)
    sigma = None
    if fam.has_sigma:
        if isinstance(model.sigma, _priors.Prior):
            raise ValueError(
                f"method='laplace' needs a fixed float sigma for family='gaussian'; got "
                f"sigma={model.sigma!r}. Fix sigma, use method='exact' (conjugate "
                f"Gaussian/InverseGammaVariance models) or method='smc'.")
        sigma = float(model.sigma)
        aux["sigma"] = sigma
    prior = model.prior.at_sigma(sigma)
    if not prior.is_fixed:
        raise ValueError(f"method='laplace' needs a prior with fixed parameters; got {prior!r} "
                         f"(hyperpriors {sorted(prior.hyperpriors)}). Use method='smc'.")
    icpt = intercept_kind(model)
    iprior = model.intercept_prior if icpt != "none" else None
    if icpt == "proper":
        iprior = iprior.at_sigma(sigma)
        if not iprior.is_fixed:
            raise ValueError(f"method='laplace' needs a fixed intercept prior; got {iprior!r}.")
    X, y = model.X, model.y
    p = X.shape[1]

    # --- the mode: bayesreg's MAP solver, then Newton on the exact objective
    _prior_terms(prior, np.zeros(1))                # raises the unsupported-prior error
    is_l1 = prior.penalty_kind == "l1"
    if is_l1 and (prior.loc != 0 or icpt == "proper"):
        raise ValueError("method='laplace' with a Laplace prior needs loc=0 and a Flat intercept "
                         "(or none). Use method='smc'.")
    check_proper_posterior(model, "The evidence (method='laplace')")
    # the base layer's damped Newton polishes the mode (loc and intercept priors), except
    # at the kink of a Laplace prior
    mode = laplace_mode(fam, X, y, prior=prior, sample_weight=model.sample_weight, aux=aux,
                        fit_intercept=icpt != "none",
                        intercept_prior=iprior if icpt == "proper" else None,
                        polish=not is_l1)
    theta, H, ll, lp, cp, k = (mode.theta, mode.hessian, mode.log_likelihood,
                               mode.log_prior, mode.prior_curvature, mode.offset)
    if is_l1:
        zeros = int(np.sum(theta[k:] == 0.0))
        if zeros:
            raise ValueError(
                f"The Laplace approximation is undefined at this L1 (Laplace-prior) mode: "
                f"{zeros} of {p} coefficients are exactly zero, where the log posterior has a "
                f"kink and no Hessian. Use method='smc' (or a smooth prior).")
        warnings.warn("method='laplace' with a Laplace prior ignores the kink of the prior at "
                      "zero (prior curvature 0 away from it); the approximation is poor when "
                      "a coefficient's posterior has mass near 0. Prefer method='smc'.",
                      UserWarning, stacklevel=3)
    prec = cp.copy()
    if k and icpt == "flat":
        prec[0] = 0.0
    ev = _cj.laplace_evidence(ll, lp, H, theta, prior_precision=prec,
                              sigma=float("nan") if sigma is None else sigma)
    return EvidenceResult(log_evidence=ev.log_evidence, method="laplace", stderr=float("nan"),
                          log_likelihood_max=ev.log_likelihood_max,
                          log_occam_factor=ev.log_occam_factor,
                          effective_params=ev.effective_params, coef=theta[k:].copy(),
                          intercept=float(theta[0]) if k else 0.0,
                          sigma=float("nan") if sigma is None else sigma,
                          intercept_convention=icpt)


# ----------------------------------------------------------------- SMC
def _smc_evidence(model, *, draws: int = 2000, chains: int = 4, cores: int = 1,
                  random_seed=None, progressbar: bool = False, **kernel_kwargs) -> EvidenceResult:
    """PyMC's SMC on the model (a flat gaussian intercept integrated out analytically)."""
    for name, value in (("draws", draws), ("chains", chains)):
        check_param(value, name, "log_evidence(method='smc')", Interval("int", 2))
    for what, value in (("prior", model.prior),
                        *((name, getattr(model, name)) for name in model.family.auxiliary)):
        found = _priors.improper_part(value)
        if found:
            raise ValueError(f"method='smc' needs proper priors: {what} is (or contains) the "
                             f"improper prior {found}(). Give a proper one.")
    icpt = intercept_kind(model)
    flat_sum_w = None
    target = model
    if icpt == "flat":
        if not model.family.sufficient_statistics:  # the gaussian integral below
            raise ValueError(
                "method='smc' cannot integrate an improper Flat() intercept for "
                f"family={model.family.name!r}: the evidence is then defined only up to a "
                "constant. Give a proper intercept prior, e.g. "
                "intercept_prior=Gaussian(scale=10.0), or fit_intercept=False.")
        # integrate b analytically: centred model times sqrt(2 pi sigma^2 / S)
        Xc, yc, _, _ = _cj.center(model.X, model.y, model.sample_weight)
        target = model.replace(X=Xc, y=yc, fit_intercept=False)
        flat_sum_w = sum_w(model)
    elif icpt == "proper":
        found = _priors.improper_part(model.intercept_prior)
        if found:
            raise ValueError(f"method='smc' needs a proper intercept prior; got {found}().")
    vals, idata = smc_log_evidence(
        target.pymc_model, draws=int(draws), chains=int(chains), cores=int(cores),
        seeds=seed_sequence_int(random_seed, int(chains)), progressbar=progressbar,
        flat_intercept_sum_w=flat_sum_w,
        fixed_sigma=None if isinstance(model.sigma, _priors.Prior) else model.sigma,
        **kernel_kwargs)
    se = float(np.std(vals, ddof=1) / math.sqrt(len(vals)))
    return EvidenceResult(log_evidence=float(np.mean(vals)), method="smc", stderr=se,
                          intercept_convention=icpt, chain_log_evidence=vals, idata=idata)


# ----------------------------------------------------------------- bridge sampling
def _bridge_evidence(model, idata=None, *, random_seed=None, **sample_kwargs
                     ) -> EvidenceResult:
    """Bridge sampling from ``idata`` (a fit of ``model``) or from a new fit."""
    if idata is None:
        kw = dict(draws=2000, tune=1000, chains=4, progressbar=False, log_likelihood=False)
        idata = model.sample(random_seed=random_seed, **{**kw, **sample_kwargs})
    elif sample_kwargs:
        raise TypeError(f"log_evidence(method='bridge', idata=...) takes no sampling options; "
                        f"got {sorted(sample_kwargs)}.")
    value, se = bridge_log_evidence(model, idata, random_seed=random_seed)
    return EvidenceResult(log_evidence=value, method="bridge", stderr=se,
                          intercept_convention=intercept_kind(model), idata=idata)


# ===================================================================== public API
def log_evidence(model, method: str = "exact", **kwargs) -> EvidenceResult:
    r"""Log evidence (marginal likelihood) of a :class:`~bayesreg.Model`.

    Parameters
    ----------
    model : bayesreg.Model
    method : {"exact", "laplace", "smc"}, default "exact"
        ``"exact"``
            Closed form for the conjugate Gaussian models: ``Gaussian(tau)`` prior
            with a fixed float ``sigma`` (:math:`w \sim N(\mu, \tau^2)`), or
            ``Gaussian(tau, scaled_by_sigma=True)`` with
            ``sigma=InverseGammaVariance(a0, b0)`` (Normal-Inverse-Gamma:
            :math:`\sigma^2 \sim \mathrm{InvGamma}(a_0, b_0)`,
            :math:`w \mid \sigma \sim N(\mu, \sigma^2\tau^2)`).  Computed through the
            SVD of the whitened design, so ``p > n`` is fine.
        ``"laplace"``
            :math:`\log p(y\mid\theta^*) + \log p(\theta^*) + \frac d2\log 2\pi - \frac12\log\det H`
            at the MAP :math:`\theta^*` (intercept included), found with
            :func:`bayesreg.base.fit_map` and polished by Newton steps;
            :math:`H = D^\top\operatorname{diag}(s_i h_i)D + \operatorname{diag}(\text{prior curvature})`
            with :math:`h_i = 1/\sigma^2` (gaussian), :math:`\mu_i(1-\mu_i)` (bernoulli),
            :math:`\mu_i` (poisson).  Exact for the fixed-sigma Gaussian model.
            Gaussian/StudentT priors; families gaussian (fixed ``sigma``), bernoulli,
            poisson.  **Laplace (L1) prior caveat**: the log posterior has a kink at
            0; if any MAP coefficient is exactly zero a ``ValueError`` is raised
            (no Hessian exists there), otherwise a ``UserWarning`` says the result
            ignores the kink and can be poor.
        ``"smc"``
            PyMC's :func:`pymc.sample_smc`; keyword arguments ``draws=2000``,
            ``chains=4``, ``cores=1``, ``random_seed=None``, ``progressbar=False`` and
            kernel options.  Needs proper priors, except a Flat intercept for the
            gaussian family, which is integrated out analytically (see below).
            ``log_evidence`` is the mean of the per-chain estimates and ``stderr``
            their standard deviation over ``sqrt(chains)``.
        ``"bridge"``
            Bridge sampling (:mod:`bayesreg.inference._bridge_sampling`) from the posterior draws of
            ``idata=`` (a fit of this model) or, without it, of a new fit
            (``draws=2000, tune=1000, chains=4`` and other :meth:`Model.sample`
            options); any model, any family. ``stderr`` is its Monte Carlo error.
    **kwargs
        Options of the method (``"smc"`` and ``"bridge"`` take some).

    Returns
    -------
    EvidenceResult

    Notes
    -----
    Flat intercept convention (module docstring): the improper flat prior is unit
    density, :math:`\log Z_{\text{flat}} = \log Z_c + \tfrac12\log(2\pi\sigma^2/S)`
    for fixed :math:`\sigma` (:math:`\log Z_c` = the centred-data evidence of
    ``BayesianRidge``), and :math:`\log Z^{NIG}_c(S-1) - \tfrac12\log S` for NIG.
    All three methods target this same quantity.
    """
    check_param(method, "method", "log_evidence", OneOf(METHODS))
    if method == "bridge":
        return _bridge_evidence(model, **kwargs)
    if method != "smc" and kwargs:
        raise TypeError(f"log_evidence(method={method!r}) takes no options; got "
                        f"{sorted(kwargs)}.")
    if method == "exact":
        return _exact_evidence(conjugate_for_evidence(model))
    if method == "laplace":
        return _laplace_evidence(model)
    return _smc_evidence(model, **kwargs)
