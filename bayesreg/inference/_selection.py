"""Selection from a posterior: shrinkage factors, inclusion summaries, SAVS.

A sparse prior (:mod:`bayesreg.priors._shrinkage`) gives a posterior that is concentrated
near zero for the noise coefficients, but no draw is exactly zero. These functions turn
a fit into a selection:

* :func:`shrinkage_factors`: ``kappa_j`` per draw (:mod:`bayesreg.base._sparse`) from the
  latent scales, and :func:`effective_nonzero`, ``m_eff = sum_j (1 - kappa_j)``;
* :func:`savs`: the decoupled sparse point estimate of Ray & Bhattacharya (2018) from
  the posterior mean (works for any fit, e.g. a Bayesian lasso);
* :func:`inclusion_summary`: one table with the posterior mean, a 90% interval, the mean
  shrinkage factor, ``P(kappa_j < 1/2)``, the share of draws in which SAVS keeps the
  coefficient, and the SAVS estimate.

Projection predictive selection (the fit as the reference model, projected onto
submodels by kulprit) is :func:`bayesreg.projection_selection`
(:mod:`bayesreg.inference._projection`, the ``projpred`` extra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..backends._pymc_model import model_shrinkage_scales
from ..base._sparse import savs_estimate, shrinkage_factor

__all__ = ["shrinkage_factors", "effective_nonzero", "savs", "inclusion_summary"]


def _centred_design(model) -> np.ndarray:
    X = model.X
    if model.fit_intercept:
        X = X - np.average(X, axis=0, weights=model.sample_weight)
    return X


def _column_stats(model) -> tuple[np.ndarray, float]:
    """``(||X_j||^2, n)`` of the design the likelihood sees (weighted, centred under an
    intercept)."""
    X = _centred_design(model)
    w = np.ones(model.n_samples) if model.sample_weight is None else model.sample_weight
    return (w[:, None] * X**2).sum(axis=0), float(w.sum())


def _draws(fit, name):
    return fit.posterior[name].transpose("chain", "draw", ...).values


def shrinkage_factors(model, fit) -> xr.DataArray:
    r"""Posterior draws of the shrinkage factors ``kappa_j = 1 / (1 + n s_j^2 v_j / sigma^2)``.

    ``v_j`` is the prior variance of coefficient ``j`` given the latent scales of the
    draw, ``s_j**2`` the (weighted) variance of column ``j`` of ``model.X``, ``sigma`` the
    noise scale of the draw (the pseudo standard deviation for bernoulli and poisson).

    Parameters
    ----------
    model : bayesreg.Model
        A model with a sparse prior (Horseshoe, RegularizedHorseshoe, HorseshoePlus, R2D2).
    fit : xarray.DataTree
        Its fit from :meth:`bayesreg.Model.sample`.

    Returns
    -------
    xarray.DataArray, dims (chain, draw, feature)
    """
    prior = model.prior
    if not prior.sparse:
        raise ValueError(f"shrinkage_factors needs a model with a sparse prior (Horseshoe, "
                         f"RegularizedHorseshoe, HorseshoePlus, R2D2); got {prior!r}. "
                         f"savs(model, fit) works with any prior.")
    scales = model_shrinkage_scales(model)
    coef = fit.posterior["coef"].transpose("chain", "draw", "feature")
    lat = {k: _draws(fit, f"coef_{k}") for k in prior.latent}
    lat = {k: v if v.ndim == 3 else v[..., None] for k, v in lat.items()}
    noise = scales.noise if scales.noise is not None else _draws(fit, "sigma")[..., None]
    var = prior.variance(lat, noise, scales)
    norm2, n = _column_stats(model)
    kappa = shrinkage_factor(var, n, norm2 / n, np.asarray(noise) ** 2)
    kappa = np.broadcast_to(kappa, coef.shape)
    return xr.DataArray(kappa, dims=coef.dims, coords=coef.coords, name="kappa")


def effective_nonzero(model, fit) -> xr.DataArray:
    """Posterior draws of ``m_eff = sum_j (1 - kappa_j)``, dims (chain, draw)."""
    return (1.0 - shrinkage_factors(model, fit)).sum("feature").rename("m_eff")


def savs(model, fit, *, draws: bool = False) -> xr.DataArray:
    """Sparse point estimate by signal adaptive variable selection (SAVS).

    Ray & Bhattacharya (2018): ``b_j = sign(m_j) (|m_j| ||X_j||^2 - 1 / m_j^2)_+ /
    ||X_j||^2`` with ``m_j`` the posterior mean of ``coef_j`` and ``X_j`` the (centred,
    weighted) column of ``model.X``; coefficients whose signal does not exceed their
    adaptive threshold are exactly zero. With ``draws=True``, SAVS of every draw (dims
    chain, draw, feature): a posterior over sparse models.

    Parameters
    ----------
    model : bayesreg.Model
    fit : xarray.DataTree
    draws : bool, default False

    Returns
    -------
    xarray.DataArray
        ``coef`` on the scale the prior sees (standardized for ``standardize=True``).
    """
    coef = fit.posterior["coef"].transpose("chain", "draw", "feature")
    norm2, _ = _column_stats(model)
    if draws:
        return coef.copy(data=savs_estimate(coef.values, norm2)).rename("savs")
    mean = coef.mean(("chain", "draw"))
    return mean.copy(data=savs_estimate(mean.values, norm2)).rename("savs")


def inclusion_summary(model, fit, *, interval: float = 0.9) -> pd.DataFrame:
    """One row per feature: how the posterior and SAVS select it.

    Columns: ``mean``, ``lower``, ``upper`` (central ``interval`` of ``coef``);
    ``kappa`` (posterior mean shrinkage factor) and ``p_signal`` (``P(kappa_j < 1/2)``),
    for sparse priors only; ``p_savs``, the share of draws whose SAVS keeps the
    coefficient; ``savs``, the SAVS estimate; ``selected`` (``savs != 0``). Sorted as the
    features are.
    """
    coef = fit.posterior["coef"].transpose("chain", "draw", "feature")
    q = (1.0 - interval) / 2.0
    table = pd.DataFrame({
        "mean": coef.mean(("chain", "draw")).values,
        "lower": coef.quantile(q, ("chain", "draw")).values,
        "upper": coef.quantile(1.0 - q, ("chain", "draw")).values,
    }, index=pd.Index(coef["feature"].values, name="feature"))
    if model.prior.sparse:
        kappa = shrinkage_factors(model, fit)
        table["kappa"] = kappa.mean(("chain", "draw")).values
        table["p_signal"] = (kappa < 0.5).mean(("chain", "draw")).values
    table["p_savs"] = (savs(model, fit, draws=True) != 0).mean(("chain", "draw")).values
    table["savs"] = savs(model, fit).values
    table["selected"] = table["savs"] != 0
    return table
