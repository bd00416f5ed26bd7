r"""The Occam view of regularization: evidence, Occam factor, effective parameters.

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

Public functions
----------------
:func:`log_evidence`
    ``method="exact"`` (closed form, conjugate Gaussian models), ``"laplace"``
    (Laplace approximation at the MAP) or ``"smc"`` (PyMC's sequential Monte Carlo).
:func:`empirical_bayes`
    Type-II maximum likelihood of the prior scale and the noise, exactly as
    :class:`sklearn.linear_model.BayesianRidge`; returns the fit *and* a new
    :class:`~bayesreg.Model` with the chosen ``Gaussian(scale)`` and ``sigma``.
:func:`scale_grid`
    Evidence, Occam factor, effective parameters and PSIS-LOO over a grid of prior
    scales, with the scale chosen by ``RidgeCV``/``LassoCV`` (one tidy DataFrame).
:func:`implied_alpha`, :func:`summarize_alpha`
    Full Bayes for the regularization strength: posterior draws of the scikit-learn
    ``alpha`` implied by a hyperprior on the prior scale.
:func:`regularization_path`
    Posterior mean and central interval of each coefficient across prior scales,
    next to the MAP (= penalized) path.

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
from typing import Any, NamedTuple

import numpy as np
from scipy import special, stats

from . import _conjugate as _cj
from . import priors as _priors
from ._exact import ConjugateForm, conjugate_form

__all__ = [
    "EvidenceResult",
    "EmpiricalBayes",
    "log_evidence",
    "empirical_bayes",
    "scale_grid",
    "implied_alpha",
    "summarize_alpha",
    "regularization_path",
    "cv_scale",
]

_LOG_2PI = math.log(2.0 * math.pi)
METHODS = ("exact", "laplace", "smc")


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


class EmpiricalBayes(NamedTuple):
    """Result of :func:`empirical_bayes`: unpack as ``result, model = empirical_bayes(m)``.

    Attributes
    ----------
    result : bayesreg._conjugate.EmpiricalBayesResult
        ``alpha`` (noise precision, ``BayesianRidge.alpha_``), ``lambda_`` (weight
        precision, ``lambda_``), ``coef``, ``intercept``, ``sigma`` (posterior
        covariance, ``sigma_``), ``scores`` (``scores_``), ``n_iter``, ``converged``.
    model : bayesreg.Model
        A new model with ``prior=Gaussian(scale=1/sqrt(lambda_))`` and
        ``sigma=1/sqrt(alpha_)`` (the input model is not modified).
    """

    result: _cj.EmpiricalBayesResult
    model: Any


# ===================================================================== helpers
def _rebuild(model, *, X=None, y=None, **changes):
    """A new Model with the same data and the given spec fields replaced (specs are values)."""
    import xarray as xr

    from .model import Model

    kw = dict(prior=model.prior, family=model.family.name, fit_intercept=model.fit_intercept,
              intercept_prior=model.intercept_prior, sigma=model.sigma, nu=model.nu,
              sample_weight=model.sample_weight)
    kw.update(changes)
    X = model.X if X is None else X
    X = xr.DataArray(X, dims=("obs_id", "feature"), coords={"feature": list(model.feature_names)})
    return Model(X, model.y if y is None else y, **kw)


def _sum_w(model) -> float:
    return float(model.n_samples if model.sample_weight is None else model.sample_weight.sum())


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"{method!r} is not a supported evidence method. Must be one of: "
                         f"{', '.join(METHODS)}.")
    return method


def _intercept_kind(model) -> str:
    if not model.fit_intercept:
        return "none"
    return "flat" if isinstance(model.intercept_prior, _priors.Flat) else "proper"


def _check_scales(scales) -> np.ndarray:
    s = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"The 'scales' parameter must be a non-empty 1-D array of positive "
                         f"finite floats. Got {scales!r} instead.")
    return s


# ----------------------------------------------------------------- conjugate form
def _conjugate_form(model) -> ConjugateForm:
    """The conjugate reduction shared with ``sampler='exact'`` (ValueError naming why not)."""
    return conjugate_form(model, purpose="method='exact'",
                          instead="Use method='laplace' or method='smc' instead.")


def _is_conjugate(model) -> bool:
    try:
        _conjugate_form(model)
    except ValueError:
        return False
    return True


def _exact_evidence(c: ConjugateForm) -> EvidenceResult:
    if c.kind == "fixed":
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
def _fixed_prior(prior, sigma):
    """``prior`` with ``scaled_by_sigma`` resolved at a fixed float ``sigma``."""
    if getattr(prior, "scaled_by_sigma", False):
        if sigma is None:
            raise ValueError(f"{prior!r} is scaled by sigma but the model has no fixed sigma.")
        return dataclasses.replace(prior, scale=prior.scale * sigma, scaled_by_sigma=False)
    return prior


def _prior_terms(prior, x: np.ndarray):
    """Sum of log density, gradient and curvature (-d2 log p) of a fixed prior at ``x``."""
    if isinstance(prior, _priors.Flat):
        return 0.0, np.zeros_like(x), np.zeros_like(x)
    r = x - prior.loc
    if isinstance(prior, _priors.Gaussian):
        s2 = prior.scale**2
        return (float(np.sum(prior.logpdf(x))), -r / s2, np.full_like(x, 1.0 / s2))
    if isinstance(prior, _priors.StudentT):
        a = prior.nu * prior.scale**2
        den = a + r * r
        return (float(np.sum(prior.logpdf(x))), -(prior.nu + 1.0) * r / den,
                (prior.nu + 1.0) * (a - r * r) / den**2)
    if isinstance(prior, _priors.Laplace):        # smooth away from loc only (see caveat)
        return (float(np.sum(prior.logpdf(x))), -np.sign(r) / prior.scale, np.zeros_like(x))
    raise ValueError(f"method='laplace' supports Gaussian, StudentT and Laplace priors with fixed "
                     f"parameters; got {prior!r}. Use method='smc'.")


def _glm_terms(family, y, eta, w, sigma):
    """Weighted log-likelihood, d/d eta and -d2/d eta2 (vectors)."""
    ll = float(w @ family.logpdf(y, eta, sigma=sigma))
    if family.name == "gaussian":
        return ll, w * (y - eta) / sigma**2, w / sigma**2
    if family.name == "bernoulli":
        mu = special.expit(eta)
        return ll, w * (y - mu), w * mu * (1.0 - mu)
    mu = np.exp(eta)
    return ll, w * (y - mu), w * mu


def _laplace_evidence(model) -> EvidenceResult:
    from ._solvers import fit_map

    fam = model.family
    if fam.name == "student_t":
        raise ValueError("method='laplace' supports the gaussian, bernoulli and poisson "
                         "families; got 'student_t'. Use method='smc'.")
    sigma = None
    if fam.has_sigma:
        if isinstance(model.sigma, _priors.Prior):
            raise ValueError(
                f"method='laplace' needs a fixed float sigma for family='gaussian'; got "
                f"sigma={model.sigma!r}. Fix sigma, use method='exact' (conjugate "
                f"Gaussian/InverseGammaVariance models) or method='smc'.")
        sigma = float(model.sigma)
    prior = _fixed_prior(model.prior, sigma)
    if not prior.is_fixed:
        raise ValueError(f"method='laplace' needs a prior with fixed parameters; got {prior!r} "
                         f"(hyperpriors {sorted(prior.hyperpriors)}). Use method='smc'.")
    icpt = _intercept_kind(model)
    iprior = model.intercept_prior if icpt != "none" else None
    if icpt == "proper":
        iprior = _fixed_prior(iprior, sigma)
        if not iprior.is_fixed:
            raise ValueError(f"method='laplace' needs a fixed intercept prior; got {iprior!r}.")
    X, y = model.X, model.y
    n, p = X.shape
    w = np.ones(n) if model.sample_weight is None else model.sample_weight

    # --- the mode: bayesreg's MAP solver, then Newton on the exact objective
    kl = dict(l1=0.0, l2=0.0, student_t=None)
    if isinstance(prior, _priors.Gaussian):
        kl["l2"] = 1.0 / prior.scale**2
    elif isinstance(prior, _priors.Laplace):
        kl["l1"] = 1.0 / prior.scale
    elif isinstance(prior, _priors.StudentT):
        kl["student_t"] = (prior.nu, prior.scale)
    else:
        _prior_terms(prior, np.zeros(1))            # raises the unsupported-prior error
    is_l1 = isinstance(prior, _priors.Laplace)
    if is_l1 and (prior.loc != 0 or icpt == "proper"):
        raise ValueError("method='laplace' with a Laplace prior needs loc=0 and a Flat intercept "
                         "(or none). Use method='smc'.")
    fm = fit_map(X, y, family=fam.name, sigma=1.0 if sigma is None else sigma,
                 sample_weight=model.sample_weight, fit_intercept=icpt != "none", **kl)
    D = np.column_stack([np.ones(n), X]) if icpt != "none" else X
    k = 1 if icpt != "none" else 0
    theta = np.concatenate([[fm.intercept], fm.coef]) if k else fm.coef.copy()

    def terms(th):
        ll, g_eta, h_eta = _glm_terms(fam, y, D @ th, w, sigma)
        lp, gp, cp = _prior_terms(prior, th[k:])
        if k:
            lpi, gpi, cpi = _prior_terms(iprior, th[:1])
            lp, gp, cp = lp + lpi, np.concatenate([gpi, gp]), np.concatenate([cpi, cp])
        grad = D.T @ g_eta + gp
        H = (D * h_eta[:, None]).T @ D + np.diag(cp)
        return ll, lp, grad, H, cp

    ll, lp, grad, H, cp = terms(theta)
    if is_l1:
        zeros = int(np.sum(fm.coef == 0.0))
        if zeros:
            raise ValueError(
                f"The Laplace approximation is undefined at this L1 (Laplace-prior) mode: "
                f"{zeros} of {p} coefficients are exactly zero, where the log posterior has a "
                f"kink and no Hessian. Use method='smc' (or a smooth prior).")
        warnings.warn("method='laplace' with a Laplace prior ignores the kink of the prior at "
                      "zero (prior curvature 0 away from it); the approximation is poor when "
                      "a coefficient's posterior has mass near 0. Prefer method='smc'.",
                      UserWarning, stacklevel=3)
    else:
        for _ in range(100):                        # Newton polish (and loc/intercept priors)
            step = np.linalg.solve(H, grad)
            obj = ll + lp
            t = 1.0
            while t > 1e-10:
                cand = theta + t * step
                c_ll, c_lp, c_grad, c_H, c_cp = terms(cand)
                if c_ll + c_lp >= obj - 1e-12 * abs(obj):
                    break
                t *= 0.5
            theta, ll, lp, grad, H, cp = cand, c_ll, c_lp, c_grad, c_H, c_cp
            if np.max(np.abs(t * step)) <= 1e-12 * max(1.0, np.max(np.abs(theta))):
                break
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
def _improper(prior):
    from .model import _contains_improper

    return _contains_improper(prior)


def _smc_target(model):
    """(pymc model, convention) whose evidence is ``model``'s (flat intercept integrated)."""
    import pymc as pm
    import pytensor.tensor as pt

    for what, value in (("prior", model.prior), ("sigma", model.sigma), ("nu", model.nu)):
        found = _improper(value)
        if found:
            raise ValueError(f"method='smc' needs proper priors: {what} is (or contains) the "
                             f"improper prior {found}(). Give a proper one.")
    icpt = _intercept_kind(model)
    if icpt == "flat":
        if model.family.name != "gaussian":
            raise ValueError(
                "method='smc' cannot integrate an improper Flat() intercept for "
                f"family={model.family.name!r}: the evidence is then defined only up to a "
                "constant. Give a proper intercept prior, e.g. "
                "intercept_prior=Gaussian(scale=10.0), or fit_intercept=False.")
        # integrate b analytically: centred model times sqrt(2 pi sigma^2 / S)
        Xc, yc, _, _ = _cj.center(model.X, model.y, model.sample_weight)

        inner = _rebuild(model, X=Xc, y=yc, fit_intercept=False)
        pmm = inner.pymc_model
        S = _sum_w(model)
        with pmm:
            sig = pmm["sigma"] if isinstance(model.sigma, _priors.Prior) else float(model.sigma)
            pm.Potential("flat_intercept_integral", pt.as_tensor_variable(
                0.5 * _LOG_2PI + pt.log(sig) - 0.5 * math.log(S)))
        return pmm, "flat"
    if icpt == "proper":
        found = _improper(model.intercept_prior)
        if found:
            raise ValueError(f"method='smc' needs a proper intercept prior; got {found}().")
    return _rebuild(model).pymc_model, icpt


def _smc_chain_values(idata, chains: int) -> np.ndarray:
    """The final-stage log marginal likelihood of each chain.

    PyMC 5.28 stores ``sample_stats["log_marginal_likelihood"]`` per SMC *stage*
    (only the last stage, beta = 1, holds the estimate; the others are NaN): as a
    ``(chain, stage)`` array when all chains ran the same number of stages, and as a
    ``(1, chain)`` object array of per-chain lists when they did not.
    """
    raw = np.asarray(idata.sample_stats["log_marginal_likelihood"].values, dtype=object)
    cells = list(raw.ravel())
    if all(np.ndim(c) == 0 for c in cells):          # regular (chain, stage) layout
        per_chain = [list(row) for row in raw.reshape(chains, -1)]
    else:                                            # ragged: one list per chain
        per_chain = [list(np.ravel(np.asarray(c, dtype=object))) for c in cells]
    if len(per_chain) != chains:
        raise RuntimeError(f"Could not read the SMC log marginal likelihood of {chains} chains "
                           f"from sample_stats (got shape {raw.shape}).")
    out = []
    for vals in per_chain:
        vals = np.asarray(vals, dtype=np.float64)
        fin = vals[np.isfinite(vals)]
        if fin.size == 0:
            raise RuntimeError("SMC did not reach beta = 1 in some chain: no log marginal "
                               "likelihood was reported.")
        out.append(fin[-1])
    return np.asarray(out)


def _smc_evidence(model, *, draws: int = 2000, chains: int = 4, cores: int = 1,
                  random_seed=None, progressbar: bool = False, **kernel_kwargs) -> EvidenceResult:
    import pymc as pm

    from ._sampling import seed_sequence_int

    for name, value, low in (("draws", draws, 2), ("chains", chains, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"The {name!r} parameter of log_evidence(method='smc') must be an "
                             f"integer >= {low}. Got {value!r} instead.")
    pmm, conv = _smc_target(model)
    seeds = seed_sequence_int(random_seed, int(chains))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="More chains .* than draws")
        idata = pm.sample_smc(draws=int(draws), chains=int(chains), cores=int(cores),
                              random_seed=seeds, progressbar=progressbar,
                              compute_convergence_checks=False, model=pmm, **kernel_kwargs)
    vals = _smc_chain_values(idata, int(chains))
    se = float(np.std(vals, ddof=1) / math.sqrt(len(vals)))
    return EvidenceResult(log_evidence=float(np.mean(vals)), method="smc", stderr=se,
                          intercept_convention=conv, chain_log_evidence=vals, idata=idata)


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
            :func:`bayesreg._solvers.fit_map` and polished by Newton steps;
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
    **kwargs
        Options of the method (only ``"smc"`` takes any).

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
    _check_method(method)
    if method != "smc" and kwargs:
        raise TypeError(f"log_evidence(method={method!r}) takes no options; got "
                        f"{sorted(kwargs)}.")
    if method == "exact":
        return _exact_evidence(_conjugate_form(model))
    if method == "laplace":
        return _laplace_evidence(model)
    return _smc_evidence(model, **kwargs)


def empirical_bayes(model, **options) -> EmpiricalBayes:
    r"""Type-II maximum likelihood for the prior scale and the noise (``BayesianRidge``).

    Maximizes the centred-data evidence plus (very flat) Gamma hyperpriors over the
    weight precision :math:`\lambda = 1/\tau^2` and the noise precision
    :math:`\alpha = 1/\sigma^2` with MacKay's fixed-point updates
    (:func:`bayesreg._conjugate.empirical_bayes`), reproducing
    :class:`sklearn.linear_model.BayesianRidge` (``lambda_``, ``alpha_``, ``coef_``,
    ``intercept_``, ``sigma_``, ``scores_``) to ~1e-9.

    The prior and ``sigma`` of ``model`` are *ignored* (they are what is being
    chosen); its data, ``sample_weight`` and ``fit_intercept`` are used.

    Parameters
    ----------
    model : bayesreg.Model
        ``family="gaussian"`` with a Flat intercept (default) or
        ``fit_intercept=False``.
    **options
        ``BayesianRidge`` options: ``max_iter=300, tol=1e-3, alpha_1=1e-6,
        alpha_2=1e-6, lambda_1=1e-6, lambda_2=1e-6, alpha_init=None, lambda_init=None``.

    Returns
    -------
    EmpiricalBayes
        ``(result, model)``: the :class:`~bayesreg._conjugate.EmpiricalBayesResult`
        and a *new* Model with ``prior=Gaussian(scale=1/sqrt(lambda_))`` and
        ``sigma=1/sqrt(alpha_)``, whose MAP is ``Ridge(alpha=lambda_/alpha_)`` and whose
        exact posterior mean is ``BayesianRidge.coef_``.

    Examples
    --------
    >>> res, tuned = empirical_bayes(Model(X, y, prior=Gaussian(1.0)))  # doctest: +SKIP
    >>> tuned.log_evidence().effective_params                            # doctest: +SKIP
    """
    if model.family.name != "gaussian":
        raise ValueError(f"empirical_bayes needs family='gaussian'; got "
                         f"{model.family.name!r}.")
    if _intercept_kind(model) == "proper":
        raise ValueError(f"empirical_bayes (BayesianRidge) treats the intercept as flat; got "
                         f"intercept_prior={model.intercept_prior!r}. Use the default Flat() "
                         f"intercept or fit_intercept=False.")
    known = {"max_iter", "tol", "alpha_1", "alpha_2", "lambda_1", "lambda_2", "alpha_init",
             "lambda_init"}
    bad = sorted(set(options) - known)
    if bad:
        raise TypeError(f"Unknown empirical_bayes option(s) {bad}; must be among {sorted(known)}.")
    res = _cj.empirical_bayes(model.X, model.y, fit_intercept=model.fit_intercept,
                              sample_weight=model.sample_weight, **options)
    new = _rebuild(model, prior=_priors.Gaussian(scale=float(res.lambda_ ** -0.5)),
                   sigma=float(res.alpha ** -0.5))
    return EmpiricalBayes(result=res, model=new)


# ----------------------------------------------------------------- exact draws / LOO
# ----------------------------------------------------------------- CV comparison
def _plugin_sigma(model) -> float:
    """A noise sd for converting between sklearn alphas and prior scales."""
    if model.family.has_sigma and not isinstance(model.sigma, _priors.Prior):
        return float(model.sigma)
    res = _cj.empirical_bayes(model.X, model.y, fit_intercept=model.fit_intercept,
                              sample_weight=model.sample_weight)
    return float(res.alpha ** -0.5)


def _alpha_of_scale(kind: str, scale, sigma, S: float, scaled: bool):
    """sklearn alpha <-> prior scale: Ridge sigma^2/tau^2, Lasso sigma^2/(S b)."""
    unit = sigma if scaled else 1.0               # prior sd/scale is unit * scale
    if kind == "ridge":
        return sigma**2 / (unit * scale) ** 2
    return sigma**2 / (S * unit * scale)


def _scale_of_alpha(kind: str, alpha, sigma, S: float, scaled: bool):
    unit = sigma if scaled else 1.0
    if kind == "ridge":
        return sigma / (unit * np.sqrt(alpha))
    return sigma**2 / (S * unit * alpha)


def _cv_kind(model, cv):
    if cv == "auto":
        if isinstance(model.prior, _priors.Gaussian):
            return "ridge"
        if isinstance(model.prior, _priors.Laplace):
            return "lasso"
        return None
    if cv not in (None, "ridge", "lasso"):
        raise ValueError(f"The 'cv' parameter must be 'auto', 'ridge', 'lasso' or None. "
                         f"Got {cv!r} instead.")
    return cv


def cv_scale(model, scales, estimator: str = "ridge", *, cv_folds: int = 5,
             sigma: float | None = None) -> dict[str, float]:
    r"""The prior scale chosen by ``RidgeCV`` / ``LassoCV`` on the same grid.

    The scale grid is converted to scikit-learn alphas
    (``Ridge alpha = sigma**2 / tau**2``, ``Lasso alpha = sigma**2 / (S * b)``, with
    ``tau``/``b`` multiplied by ``sigma`` for ``scaled_by_sigma`` priors, ``S`` the sum
    of sample weights) and the CV choice is mapped back, so it lies on ``scales``.
    ``RidgeCV`` uses its efficient leave-one-out CV; ``LassoCV`` uses ``cv_folds``
    unshuffled folds.

    Parameters
    ----------
    model : bayesreg.Model
        Gaussian family.
    scales : array-like of float
    estimator : {"ridge", "lasso"}
    cv_folds : int
        Folds for ``LassoCV``.
    sigma : float, optional
        Noise sd of the conversion; default the model's fixed ``sigma``, else the
        empirical-Bayes (``BayesianRidge``) estimate.

    Returns
    -------
    dict
        ``estimator``, ``alpha`` (the CV choice), ``scale`` (as a prior scale),
        ``sigma`` (used for the conversion).
    """
    from sklearn.linear_model import LassoCV, RidgeCV

    scales = _check_scales(scales)
    if model.family.name != "gaussian":
        raise ValueError("cv_scale compares with RidgeCV/LassoCV and needs family='gaussian'.")
    sig = _plugin_sigma(model) if sigma is None else float(sigma)
    S = _sum_w(model)
    scaled = bool(getattr(model.prior, "scaled_by_sigma", False))
    alphas = _alpha_of_scale(estimator, scales, sig, S, scaled)
    if estimator == "ridge":
        est = RidgeCV(alphas=alphas, fit_intercept=model.fit_intercept)
    elif estimator == "lasso":
        est = LassoCV(alphas=alphas, fit_intercept=model.fit_intercept, cv=cv_folds,
                      max_iter=100_000, tol=1e-8)
    else:
        raise ValueError(f"The 'estimator' parameter must be 'ridge' or 'lasso'. "
                         f"Got {estimator!r} instead.")
    est.fit(model.X, model.y, sample_weight=model.sample_weight)
    alpha = float(est.alpha_)
    return {"estimator": estimator, "alpha": alpha,
            "scale": float(_scale_of_alpha(estimator, alpha, sig, S, scaled)), "sigma": sig}


def scale_grid(model, scales, *, loo: bool = True, draws: int = 1000,
               evidence_method: str | None = None, cv: str | None = "auto",
               random_seed=None, sample_kwargs: dict | None = None):
    r"""Evidence, Occam factor, effective parameters and PSIS-LOO across prior scales.

    For each value of the coefficient prior's ``scale`` (all else as in ``model``):

    * ``log_evidence``, ``log_likelihood_max``, ``log_occam_factor``,
      ``effective_params`` (MacKay's :math:`\gamma`) from :func:`log_evidence`;
    * ``elpd_loo``, ``se_elpd_loo``, ``p_loo``, ``pareto_k_max``, ``n_bad_k`` (Pareto
      :math:`\hat k > 0.7`) from :func:`arviz.loo` (``reff=1`` for exact i.i.d. draws).

    Conjugate models (see :func:`log_evidence`) use the closed-form evidence and
    ``draws`` exact posterior draws (fast).  Other models use
    ``evidence_method`` and :meth:`Model.sample` per scale (``sample_kwargs``,
    default ``dict(draws=draws // 2, tune=500, chains=2)``): much slower.

    Parameters
    ----------
    model : bayesreg.Model
        Its prior must have a ``scale`` (Gaussian, Laplace, StudentT).
    scales : array-like of float
        Prior scales (``tau`` of Gaussian, ``b`` of Laplace), > 0.
    loo : bool, default True
    draws : int, default 1000
        Exact posterior draws per scale for LOO (conjugate models).
    evidence_method : {"exact", "laplace", "smc"}, optional
        Default ``"exact"`` for conjugate models, ``"smc"`` for Laplace priors (the
        Laplace approximation is undefined at sparse modes), else ``"laplace"``.
    cv : {"auto", "ridge", "lasso", None}
        Add the ``RidgeCV`` (Gaussian prior) / ``LassoCV`` (Laplace prior) choice on
        the same grid (:func:`cv_scale`); gaussian family only.
    random_seed : int, optional

    Returns
    -------
    pandas.DataFrame
        One row per scale with the columns above plus ``scale``,
        ``is_evidence_best``, ``is_loo_best`` and ``is_cv_best``.  ``df.attrs`` holds
        ``evidence_best_scale``, ``loo_best_scale`` and ``cv`` (the
        :func:`cv_scale` dict or ``None``).
    """
    import pandas as pd

    scales = _check_scales(scales)
    if "scale" not in {f.name for f in dataclasses.fields(model.prior)}:
        raise ValueError(f"scale_grid needs a prior with a 'scale' parameter; got {model.prior!r}.")
    conj = _is_conjugate(_rebuild(model, prior=dataclasses.replace(model.prior, scale=1.0)))
    if evidence_method is None:
        # the Laplace approximation does not exist at sparse L1 modes: use SMC there
        kinked = isinstance(model.prior, (_priors.Laplace, _priors.ElasticNet))
        evidence_method = "exact" if conj else ("smc" if kinked else "laplace")
    method = evidence_method
    _check_method(method)
    seeds = np.random.SeedSequence(random_seed).spawn(len(scales))
    rows = []
    for s, seed in zip(scales, seeds):
        m = _rebuild(model, prior=dataclasses.replace(model.prior, scale=float(s)))
        row: dict[str, Any] = {"scale": float(s)}
        if method == "smc":
            ev = log_evidence(m, method="smc", random_seed=seed)
        else:
            ev = log_evidence(m, method=method)
        row.update(log_evidence=ev.log_evidence, log_evidence_se=ev.stderr,
                   log_likelihood_max=ev.log_likelihood_max,
                   log_occam_factor=ev.log_occam_factor, effective_params=ev.effective_params)
        if loo:
            if conj:  # i.i.d. draws: relative efficiency 1
                idata = m.sample(sampler="exact", draws=int(draws), chains=1, random_seed=seed,
                                 progressbar=False)
                res = _loo_idata(idata, reff=1.0)
            else:
                kw = dict(draws=max(int(draws) // 2, 100), tune=500, chains=2,
                          progressbar=False)
                kw.update(sample_kwargs or {})
                res = _loo_idata(m.sample(random_seed=seed, **kw))
            k = np.asarray(res.pareto_k)
            row.update(elpd_loo=float(res.elpd), se_elpd_loo=float(res.se),
                       p_loo=float(res.p), pareto_k_max=float(np.max(k)),
                       n_bad_k=int(np.sum(k > 0.7)))
        rows.append(row)
    df = pd.DataFrame(rows)
    ie = int(np.argmax(df["log_evidence"].to_numpy()))
    df["is_evidence_best"] = np.arange(len(df)) == ie
    df.attrs["evidence_best_scale"] = float(scales[ie])
    if loo:
        il = int(np.argmax(df["elpd_loo"].to_numpy()))
        df["is_loo_best"] = np.arange(len(df)) == il
        df.attrs["loo_best_scale"] = float(scales[il])
    kind = _cv_kind(model, cv) if model.family.name == "gaussian" else None
    df.attrs["cv"] = None
    if kind is not None:
        info = cv_scale(model, scales, kind)
        df["is_cv_best"] = np.isclose(scales, info["scale"], rtol=1e-9)
        df.attrs["cv"] = info
    return df


def _loo_idata(idata, reff: float | None = None):
    """PSIS-LOO of a fit's ``log_likelihood`` group (Pareto-k warnings go to the table)."""
    import arviz as az

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Estimated shape parameter of Pareto.*")
        return az.loo(idata, pointwise=True, reff=reff)


# ----------------------------------------------------------------- full Bayes for alpha
def implied_alpha(idata, estimator: str | None = None):
    r"""Posterior draws of the scikit-learn ``alpha`` implied by a Bayesian fit.

    For a model with a hyperprior on the coefficient prior's scale, e.g.
    ``Model(X, y, prior=Gaussian(scale=HalfCauchy(1.0)))`` (posterior variable
    ``coef_scale``), each draw of the scale (and of ``sigma``) is mapped to the
    penalty whose MAP equals the conditional posterior mode:

    * ``"ridge"`` (Gaussian prior, sd :math:`\tau`): ``alpha = sigma**2 / tau**2``;
    * ``"lasso"`` (Laplace prior, scale :math:`b`): ``alpha = sigma**2 / (S * b)``,
      :math:`S` the sum of sample weights (``n_samples`` unweighted);

    where for ``scaled_by_sigma=True`` priors :math:`\tau` (:math:`b`) is
    ``sigma * scale``, so Ridge's alpha is ``1 / scale**2``.  A fixed scale or a
    fixed ``sigma`` enters as a constant.

    Parameters
    ----------
    idata : xarray.DataTree
        From :meth:`bayesreg.Model.sample` (gaussian family).
    estimator : {"ridge", "lasso"}, optional
        Default: ``"ridge"`` for a Gaussian prior, ``"lasso"`` for a Laplace prior.

    Returns
    -------
    xarray.DataArray
        Named ``"alpha"``, dims ``(chain, draw)``, ``attrs["estimator"]``.
    """
    import xarray as xr

    from .model import spec_from_idata

    spec = spec_from_idata(idata)
    if spec["family"] != "gaussian":
        raise ValueError(f"implied_alpha maps to Ridge/Lasso alphas and needs family='gaussian'; "
                         f"got {spec['family']!r}.")
    prior = _priors.prior_from_dict(spec["prior"])
    default = {"Gaussian": "ridge", "Laplace": "lasso"}.get(type(prior).__name__)
    if default is None:
        raise ValueError(f"implied_alpha needs a Gaussian (ridge) or Laplace (lasso) prior; "
                         f"got {prior!r}.")
    estimator = default if estimator is None else estimator
    if estimator != default:
        raise ValueError(f"The 'estimator' parameter must be {default!r} for a "
                         f"{type(prior).__name__} prior (the MAP equals that estimator). "
                         f"Got {estimator!r} instead.")
    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    coords = {"chain": post["chain"].values, "draw": post["draw"].values}

    def draws_of(value, name):
        if isinstance(value, dict):
            if name not in post:
                raise ValueError(f"The posterior has no variable {name!r}.")
            return post[name].transpose("chain", "draw").values
        return np.full(shape, float(value))

    scale = draws_of(spec["prior"]["scale"], "coef_scale")
    sigma = draws_of(spec["sigma"], "sigma")
    if "sample_weight" in idata.constant_data:
        S = float(idata.constant_data["sample_weight"].values.sum())
    else:
        S = float(idata.observed_data["y"].size)
    alpha = _alpha_of_scale(estimator, scale, sigma, S, bool(prior.scaled_by_sigma))
    return xr.DataArray(alpha, dims=("chain", "draw"), coords=coords, name="alpha",
                        attrs={"estimator": estimator})


def summarize_alpha(alpha, cv_alpha: float | None = None, hdi_prob: float = 0.94):
    """Summary of :func:`implied_alpha` draws, optionally against a CV choice.

    Returns
    -------
    pandas.Series
        ``mean``, ``median``, ``hdi_lower``, ``hdi_upper`` (HDI of ``log(alpha)``,
        exponentiated: alpha is positive and skewed), ``log10_median``; with
        ``cv_alpha``: ``cv_alpha``, ``prob_alpha_below_cv`` (posterior
        :math:`P(\\alpha < \\alpha_{CV})`) and ``cv_in_hdi``.
    """
    import arviz as az
    import pandas as pd

    a = np.asarray(alpha, dtype=np.float64).ravel()
    if a.size == 0 or np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("alpha draws must be positive and finite.")
    lo, hi = np.exp(az.hdi(np.log(a), prob=hdi_prob))
    out = {"mean": float(a.mean()), "median": float(np.median(a)), "hdi_lower": float(lo),
           "hdi_upper": float(hi), "log10_median": float(np.log10(np.median(a)))}
    if cv_alpha is not None:
        cv_alpha = float(cv_alpha)
        out.update(cv_alpha=cv_alpha, prob_alpha_below_cv=float(np.mean(a < cv_alpha)),
                   cv_in_hdi=bool(lo <= cv_alpha <= hi))
    return pd.Series(out, name="alpha")


# ----------------------------------------------------------------- regularization path
def _map_penalty(prior, sigma: float | None) -> dict:
    prior = _fixed_prior(prior, sigma)
    if isinstance(prior, _priors.Gaussian):
        return {"l2": 1.0 / prior.scale**2}
    if isinstance(prior, _priors.Laplace):
        return {"l1": 1.0 / prior.scale}
    if isinstance(prior, _priors.StudentT):
        return {"student_t": (prior.nu, prior.scale)}
    raise ValueError(f"No MAP penalty for {prior!r}.")


def regularization_path(model, scales, *, hdi_prob: float = 0.94, draws: int = 300,
                        tune: int = 300, chains: int = 2, sampler: str = "pymc",
                        random_seed=None, progressbar: bool = False):
    r"""Bayesian regularization path: posterior summaries and MAP across prior scales.

    For each prior ``scale`` and feature: the posterior ``mean``, the central
    ``hdi_prob`` interval (``lower``, ``upper``; equal-tailed, which is the HDI for
    the symmetric conjugate posteriors) and the ``map`` (the penalized estimate:
    ``Ridge(alpha=sigma**2/tau**2)``, ``Lasso(alpha=sigma**2/(S b))``, ...,
    computed with :func:`bayesreg._solvers.fit_map`).

    * Conjugate models (``Gaussian`` prior, fixed ``sigma`` or NIG): exact, no
      sampling; the marginal posterior is Normal (fixed sigma) or Student-t with
      :math:`2a` degrees of freedom (NIG), and the MAP equals the mean.
    * Other models (e.g. ``Laplace``): :meth:`Model.sample` per scale with small
      ``draws``/``tune``; when ``sigma`` is random the MAP column is computed at the
      plug-in ``sigma`` = its posterior mean.

    Returns
    -------
    pandas.DataFrame
        Columns ``scale, feature, mean, lower, upper, map`` (tidy: one row per scale
        and feature), ready for plotting.
    """
    import pandas as pd

    from ._solvers import fit_map

    scales = _check_scales(scales)
    if not (0.0 < hdi_prob < 1.0):
        raise ValueError(f"The 'hdi_prob' parameter must be in (0, 1). Got {hdi_prob!r} instead.")
    if "scale" not in {f.name for f in dataclasses.fields(model.prior)}:
        raise ValueError(f"regularization_path needs a prior with a 'scale' parameter; got "
                         f"{model.prior!r}.")
    q = 0.5 + hdi_prob / 2.0
    conj = _is_conjugate(_rebuild(model, prior=dataclasses.replace(model.prior, scale=1.0)))
    ss = np.random.SeedSequence(random_seed).spawn(len(scales))
    frames = []
    for s, seed in zip(scales, ss):
        m = _rebuild(model, prior=dataclasses.replace(model.prior, scale=float(s)))
        if conj:
            c = _conjugate_form(m)
            post = c.posterior()
            if c.kind == "fixed":
                mean_u, half = post.mean, stats.norm.ppf(q) * post.sd
            else:
                sd = np.sqrt(post.b / post.a * np.diag(post.cov_unscaled))
                mean_u, half = post.mean, stats.t.ppf(q, 2.0 * post.a) * sd
            mean = c.loc + mean_u[c.k:]
            lower, upper = mean - half[c.k:], mean + half[c.k:]
            # fixed: l2 = 1/tau^2 at sigma; NIG: the mode is Ridge(alpha=1/scale^2), i.e. sigma=1
            sig_map = c.sigma if c.kind == "fixed" else 1.0
            pen = {"l2": 1.0 / c.tau[c.k:] ** 2}
            if c.intercept == "proper" or np.any(c.loc != 0):
                map_ = mean                      # Gaussian posterior: the mode is the mean
            else:
                map_ = fit_map(m.X, m.y, family="gaussian", sigma=sig_map,
                               sample_weight=m.sample_weight, fit_intercept=m.fit_intercept,
                               **pen).coef
        else:
            idata = m.sample(draws=draws, tune=tune, chains=chains, sampler=sampler,
                             random_seed=seed, progressbar=progressbar,
                             log_likelihood=False)
            cd = idata.posterior["coef"].stack(sample=("chain", "draw")).transpose(
                "feature", "sample").values
            mean = cd.mean(axis=1)
            lower, upper = np.quantile(cd, [1.0 - q, q], axis=1)
            sig = None
            if m.family.has_sigma:
                sig = (float(idata.posterior["sigma"].mean()) if isinstance(m.sigma, _priors.Prior)
                       else float(m.sigma))
            prior = m.prior
            if not prior.is_fixed or isinstance(getattr(prior, "loc", 0.0), _priors.Prior) \
                    or getattr(prior, "loc", 0.0) != 0 or _intercept_kind(m) == "proper":
                map_ = np.full(m.n_features, np.nan)
            else:
                map_ = fit_map(m.X, m.y, family=m.family.name,
                               sigma=1.0 if sig is None else sig,
                               sample_weight=m.sample_weight, fit_intercept=m.fit_intercept,
                               **_map_penalty(prior, sig)).coef
        frames.append(pd.DataFrame({"scale": float(s), "feature": list(m.feature_names),
                                    "mean": mean, "lower": lower, "upper": upper,
                                    "map": map_}))
    return pd.concat(frames, ignore_index=True)
