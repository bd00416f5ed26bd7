"""Prior-scale grids: evidence, Occam factor and PSIS-LOO per scale, the CV choice on the
same grid, and the Bayesian regularization path next to the MAP path."""

from __future__ import annotations

import warnings
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LassoCV, RidgeCV

from ..inference._evidence import (
    METHODS,
    conjugate_for_evidence,
    intercept_kind,
    is_conjugate,
    log_evidence,
    sum_w,
)
from .. import base as _cj
from ..base._penalties import gaussian_alpha, gaussian_precisions
from ..base._solvers import fit_map
from ..priors import _priors
from ..priors._penalty import prior_penalty
from ..utils._validation import PROBABILITY, OneOf, check_param, check_positive_array
from ._runs import (
    at_scale,
    check_scale_grid,
    evidence_columns,
    exact_fit,
    grid_sample_options,
    loo_columns,
    quiet_sample,
    unconverged_message,
)

__all__ = ["scale_grid", "cv_scale", "regularization_path", "alpha_of_scale", "scale_of_alpha"]


def _plugin_sigma(model) -> float:
    """A noise sd for converting between sklearn alphas and prior scales."""
    if model.family.has_sigma and not isinstance(model.sigma, _priors.Prior):
        return float(model.sigma)
    res = _cj.maximize_evidence(model.X, model.y, fit_intercept=model.fit_intercept,
                              sample_weight=model.sample_weight)
    return float(res.noise_precision ** -0.5)


def alpha_of_scale(kind: str, scale, sigma, S: float, scaled: bool):
    """scikit-learn's alpha of a Gaussian (``"ridge"``) or Laplace (``"lasso"``) prior
    scale (times ``sigma`` when ``scaled``): Ridge ``sigma^2/tau^2``, Lasso
    ``sigma^2/(S b)`` (:func:`bayesreg.base._penalties.gaussian_alpha`)."""
    eff = np.asarray(scale, dtype=float) * (sigma if scaled else 1.0)
    l1, l2 = (0.0, 1.0 / eff**2) if kind == "ridge" else (1.0 / eff, 0.0)
    return gaussian_alpha(l1, l2, sigma, S)[1]


def scale_of_alpha(kind: str, alpha, sigma, S: float, scaled: bool):
    """The inverse of :func:`alpha_of_scale`."""
    l1, l2 = gaussian_precisions(kind, alpha, sigma, S)
    eff = 1.0 / np.sqrt(l2) if kind == "ridge" else 1.0 / l1
    return eff / (sigma if scaled else 1.0)


#: the scikit-learn CV estimator of each prior's penalty twin (``Prior.penalty_kind``)
#: whose alpha is a one-to-one function of the prior scale: Gaussian -> ridge,
#: Laplace -> lasso
CV_ESTIMATORS = {"l2": "ridge", "l1": "lasso"}


def _cv_kind(model, cv):
    if cv == "auto":
        return CV_ESTIMATORS.get(model.prior.penalty_kind)
    return check_param(cv, "cv", "scale_grid", OneOf(("auto", "ridge", "lasso", None)))


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
    scales = check_positive_array(scales, "scales", "cv_scale")
    estimator = check_param(estimator, "estimator", "cv_scale", OneOf(("ridge", "lasso")))
    if not model.family.sufficient_statistics:  # RidgeCV/LassoCV's likelihood
        raise ValueError("cv_scale compares with RidgeCV/LassoCV and needs family='gaussian'.")
    sig = _plugin_sigma(model) if sigma is None else float(sigma)
    S = sum_w(model)
    scaled = bool(model.prior.scaled_by_sigma)
    alphas = alpha_of_scale(estimator, scales, sig, S, scaled)
    if estimator == "ridge":
        est = RidgeCV(alphas=alphas, fit_intercept=model.fit_intercept)
    elif estimator == "lasso":
        est = LassoCV(alphas=alphas, fit_intercept=model.fit_intercept, cv=cv_folds,
                      max_iter=100_000, tol=1e-8)
    est.fit(model.X, model.y, sample_weight=model.sample_weight)
    alpha = float(est.alpha_)
    return {"estimator": estimator, "alpha": alpha,
            "scale": float(scale_of_alpha(estimator, alpha, sig, S, scaled)), "sigma": sig}


def scale_grid(model, scales, *, loo: bool = True, draws: int = 1000,
               evidence_method: str | None = None, cv: str | None = "auto",
               random_seed=None, sample_kwargs: dict | None = None, progress=None):
    r"""Evidence, Occam factor, effective parameters and PSIS-LOO across prior scales.

    For each value of the coefficient prior's ``scale`` (all else as in ``model``):

    * ``log_evidence`` (with ``log_evidence_se``), and for the exact and Laplace methods
      ``log_likelihood_max``, ``log_occam_factor``, ``effective_params`` (MacKay's
      :math:`\gamma`), from :func:`bayesreg.log_evidence`;
    * ``elpd_loo``, ``se_elpd_loo``, ``p_loo``, ``pareto_k_max``, ``n_bad_k`` (Pareto
      :math:`\hat k > 0.7`) from :func:`arviz.loo` (``reff=1`` for exact i.i.d. draws);
    * ``converged``: whether the scale's MCMC run passed the convergence gate.

    Conjugate models use the closed-form evidence and ``draws`` exact posterior draws.
    Other models are sampled once per scale with one compiled sampler
    (:meth:`bayesreg.Model.compile`: the scale is data, nothing is recompiled), with
    ``sample_kwargs`` (default ``dict(sampler="auto", draws=draws // 2, tune=500,
    chains=2)``); their evidence is bridge sampling from those same draws.

    Parameters
    ----------
    model : bayesreg.Model
        Its prior must have a ``scale`` (Gaussian, Laplace, StudentT).
    scales : array-like of float
        Prior scales (``tau`` of Gaussian, ``b`` of Laplace), > 0.
    loo : bool, default True
    draws : int, default 1000
        Posterior draws per scale (exact) or ``draws // 2`` per chain (MCMC).
    evidence_method : {"exact", "laplace", "smc", "bridge"}, optional
        Default ``"exact"`` for conjugate models, else ``"bridge"``.
    cv : {"auto", "ridge", "lasso", None}
        Add the ``RidgeCV`` (Gaussian prior) / ``LassoCV`` (Laplace prior) choice on
        the same grid (:func:`cv_scale`); gaussian family only.
    random_seed : int, optional
    sample_kwargs : dict, optional
        Options of :meth:`bayesreg.Model.sample` for the MCMC runs.
    progress : callable, optional
        Called with no arguments after each scale is done (e.g. to advance a progress
        bar).

    Returns
    -------
    pandas.DataFrame
        One row per scale with the columns above plus ``scale``,
        ``is_evidence_best``, ``is_loo_best`` and ``is_cv_best``.  ``df.attrs`` holds
        ``evidence_best_scale``, ``loo_best_scale`` and ``cv`` (the
        :func:`cv_scale` dict or ``None``).
    """
    scales = check_scale_grid(model, scales, "scale_grid")
    conj = is_conjugate(at_scale(model, 1.0))
    method = check_param("exact" if conj else "bridge" if evidence_method is None
                         else evidence_method, "evidence_method", "scale_grid", OneOf(METHODS))
    kw = grid_sample_options(draws, sample_kwargs)
    sampler = kw.pop("sampler")
    mcmc = not conj and (loo or method == "bridge")
    seeds = np.random.SeedSequence(random_seed).spawn(len(scales))
    rows, failed, compiled = [], [], None
    for s, seed in zip(scales, seeds):
        m = at_scale(model, s)
        row: dict[str, Any] = {"scale": float(s)}
        fit = None
        if mcmc:
            compiled = compiled or m.compile(sampler)
            fit, ok = quiet_sample(m, compiled=compiled, random_seed=seed, **kw)
            row["converged"] = ok
            if not ok:
                failed.append(float(s))
        if method == "bridge":
            ev = log_evidence(m, method="bridge", idata=fit, random_seed=seed)
        elif method == "smc":
            ev = log_evidence(m, method="smc", random_seed=seed)
        else:
            ev = log_evidence(m, method=method)
        row.update(evidence_columns(ev))
        if loo:  # conjugate: i.i.d. draws, relative efficiency 1
            row.update(loo_columns(exact_fit(m, draws, seed), reff=1.0, model=m) if conj
                       else loo_columns(fit, model=m))
        rows.append(row)
        if progress is not None:
            progress()
    if failed:
        warnings.warn(unconverged_message(
            "scale_grid", failed, "column 'converged'", "their LOO and evidence may be "
            "unreliable. Run longer, e.g. sample_kwargs=dict(draws=2000, tune=1000)."),
            stacklevel=2)
    df = pd.DataFrame(rows)
    ie = int(np.argmax(df["log_evidence"].to_numpy()))
    df["is_evidence_best"] = np.arange(len(df)) == ie
    df.attrs["evidence_best_scale"] = float(scales[ie])
    if loo:
        il = int(np.argmax(df["elpd_loo"].to_numpy()))
        df["is_loo_best"] = np.arange(len(df)) == il
        df.attrs["loo_best_scale"] = float(scales[il])
    kind = _cv_kind(model, cv) if model.family.sufficient_statistics else None
    df.attrs["cv"] = None
    if kind is not None:
        info = cv_scale(model, scales, kind)
        df["is_cv_best"] = np.isclose(scales, info["scale"], rtol=1e-9)
        df.attrs["cv"] = info
    return df


# ----------------------------------------------------------------- regularization path
def _map_penalty(prior, sigma: float | None) -> dict:
    l1, l2, student_t = prior_penalty(prior, sigma)
    return {"l1": l1, "l2": l2, "student_t": student_t}


def regularization_path(model, scales, *, hdi_prob: float = 0.94, draws: int = 300,
                        tune: int = 300, chains: int = 2, sampler: str = "auto",
                        random_seed=None, progressbar: bool = False):
    r"""Bayesian regularization path: posterior summaries and MAP across prior scales.

    For each prior ``scale`` and feature: the posterior ``mean``, the ``hdi_prob``
    highest-density interval (``lower``, ``upper``) and the ``map`` (the penalized
    estimate: ``Ridge(alpha=sigma**2/tau**2)``, ``Lasso(alpha=sigma**2/(S b))``, ...,
    computed with :func:`bayesreg.base.fit_map`).

    * Conjugate models (``Gaussian`` prior, fixed ``sigma`` or NIG): exact, no
      sampling; the marginal posterior is Normal (fixed sigma) or Student-t with
      :math:`2a` degrees of freedom (NIG), symmetric, so the HDI is the central
      interval; the MAP equals the mean.
    * Other models (e.g. ``Laplace``): :meth:`Model.sample` per scale with small
      ``draws``/``tune``, through one compiled sampler (:meth:`Model.compile`: the
      scale is data, nothing is recompiled); the HDI of the draws
      (:func:`arviz.hdi`); when ``sigma`` is random the MAP column is computed at the
      plug-in ``sigma`` = its posterior mean. Runs that fail the convergence gate are
      listed in ``attrs["unconverged_scales"]`` and warned about once.

    Returns
    -------
    pandas.DataFrame
        Columns ``scale, feature, mean, lower, upper, map`` (tidy: one row per scale
        and feature), ready for plotting; ``attrs["unconverged_scales"]`` lists the
        scales whose MCMC run failed the convergence gate.
    """
    scales = check_scale_grid(model, scales, "regularization_path")
    hdi_prob = check_param(hdi_prob, "hdi_prob", "regularization_path", PROBABILITY)
    q = 0.5 + hdi_prob / 2.0
    conj = is_conjugate(at_scale(model, 1.0))
    ss = np.random.SeedSequence(random_seed).spawn(len(scales))
    frames, failed, compiled = [], [], None
    for s, seed in zip(scales, ss):
        m = at_scale(model, s)
        ok = True
        if conj:
            c = conjugate_for_evidence(m)
            post = c.posterior()
            if c.kind == "fixed_sigma":
                mean_u, half = post.mean, stats.norm.ppf(q) * post.sd
            else:
                sd = np.sqrt(post.b / post.a * np.diag(post.cov_unscaled))
                mean_u, half = post.mean, stats.t.ppf(q, 2.0 * post.a) * sd
            mean = c.loc + mean_u[c.k:]
            lower, upper = mean - half[c.k:], mean + half[c.k:]
            # fixed: l2 = 1/tau^2 at sigma; NIG: the mode is Ridge(alpha=1/scale^2), i.e. sigma=1
            sig_map = c.sigma if c.kind == "fixed_sigma" else 1.0
            if c.intercept == "proper" or np.any(c.loc != 0):
                map_ = mean                      # Gaussian posterior: the mode is the mean
            else:
                map_ = fit_map(m.X, m.y, family=m.family, sigma=sig_map,
                               sample_weight=m.sample_weight, fit_intercept=m.fit_intercept,
                               **_map_penalty(m.prior, sig_map)).coef
        else:
            compiled = compiled or m.compile(sampler)
            idata, ok = quiet_sample(m, draws=draws, tune=tune, chains=chains,
                                   compiled=compiled, random_seed=seed,
                                   progressbar=progressbar, log_likelihood=False)
            if not ok:
                failed.append(float(s))
            mean = idata.posterior["coef"].mean(("chain", "draw")).values
            hdi = az.hdi(idata, prob=hdi_prob, var_names=["coef"])
            hdi = hdi["posterior"]["coef"] if "posterior" in getattr(hdi, "children", {}) \
                else hdi["coef"]
            dim = [d for d in hdi.dims if d != "feature"][0]
            lower, upper = hdi.isel({dim: 0}).values, hdi.isel({dim: 1}).values
            sig = None
            if m.family.has_sigma:
                sig = (float(idata.posterior["sigma"].mean()) if isinstance(m.sigma, _priors.Prior)
                       else float(m.sigma))
            prior = m.prior
            # the family's other parameters (a negative binomial's dispersion), when fixed
            aux = {n: getattr(m, n) for n in m.family.auxiliary if n != "sigma"}
            if not prior.is_fixed or prior.location != 0 or intercept_kind(m) == "proper" \
                    or any(isinstance(v, _priors.Prior) for v in aux.values()):
                map_ = np.full(m.n_features, np.nan)
            else:
                map_ = fit_map(m.X, m.y, family=m.family,
                               sigma=1.0 if sig is None else sig,
                               sample_weight=m.sample_weight, fit_intercept=m.fit_intercept,
                               aux=aux, **_map_penalty(prior, sig)).coef
        frames.append(pd.DataFrame({"scale": float(s), "feature": list(m.feature_names),
                                    "mean": mean, "lower": lower, "upper": upper,
                                    "map": map_}))
    if failed:
        warnings.warn(unconverged_message(
            "regularization_path", failed, "listed in attrs['unconverged_scales']",
            "run longer, e.g. draws=1000, tune=1000."), stacklevel=2)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["unconverged_scales"] = failed
    return out
