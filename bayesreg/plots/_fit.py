"""Plots of one fit: sampler diagnostics (arviz-plots), shrinkage against least squares
and the MAP, and the MAP = scikit-learn parity plot."""

from __future__ import annotations

import arviz as az
import arviz_plots as azp
import matplotlib.pyplot as plt
import numpy as np

from ..utils._validation import OneOf, check_param

__all__ = ["plot_diagnostics", "plot_shrinkage", "plot_map_parity", "model_variables",
           "plot_ppc"]

_DIAGNOSTICS = {"trace": azp.plot_trace_dist, "rank": azp.plot_rank,
                "energy": azp.plot_energy, "ess": azp.plot_ess, "forest": azp.plot_forest}


def model_variables(fit) -> list[str]:
    """The posterior variables a user reads: the model's parameters, without the
    sampler's internal ones (``intercept_centered``, non-centred ``*_z``, ``*_sq``)."""
    post = fit["posterior"]
    return [v for v in post.data_vars if v != "intercept_centered"
            and not str(v).endswith(("_z", "_sq", "__"))]


def plot_diagnostics(fit, kind: str = "trace", *, var_names=None, **kwargs):
    """Sampler diagnostics of a fit through arviz-plots, on the model's own variables.

    Parameters
    ----------
    fit : xarray.DataTree
        From :meth:`bayesreg.Model.sample`.
    kind : {"trace", "rank", "energy", "ess", "forest"}
        ``plot_trace_dist``, ``plot_rank``, ``plot_energy``, ``plot_ess`` or
        ``plot_forest`` of arviz-plots (matplotlib backend).
    var_names : list of str, optional
        Default :func:`model_variables` (internal variables are never shown twice).

    Returns
    -------
    arviz_plots.PlotCollection
    """
    check_param(kind, "kind", "plot_diagnostics", OneOf(tuple(_DIAGNOSTICS)))
    if kind == "energy":
        return azp.plot_energy(fit, backend="matplotlib", **kwargs)
    names = model_variables(fit) if var_names is None else list(var_names)
    return _DIAGNOSTICS[kind](fit, var_names=names, backend="matplotlib", **kwargs)


def plot_shrinkage(fit, *, map_estimate=None, prob: float = 0.94, ax=None):
    """Posterior mean and ``prob`` HDI of each coefficient next to the least-squares
    estimate (and the MAP, when given): how far the prior pulled each one towards 0.

    The least-squares estimate is computed from the fit's own data (``constant_data``,
    ``observed_data``), with an intercept when the fit has one. Returns the figure.
    """
    post = fit["posterior"]
    X = fit["constant_data"]["X"].values
    y = fit["observed_data"]["y"].values
    design = np.column_stack([np.ones(len(y)), X]) if "intercept" in post else X
    ols = np.linalg.lstsq(design, y, rcond=None)[0][-X.shape[1]:]
    names = [str(f) for f in post["feature"].values]
    mean = post["coef"].mean(("chain", "draw")).values
    hdi = az.hdi(post["coef"].to_dataset(), prob=prob)["coef"]
    dim = [d for d in hdi.dims if d != "feature"][0]
    lo, hi = hdi.isel({dim: 0}).values, hdi.isel({dim: 1}).values
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 0.4 * len(names) + 1.6), constrained_layout=True)
    else:
        fig = ax.figure
    yy = np.arange(len(names))
    ax.hlines(yy, lo, hi, color="C0", lw=2, label=f"posterior {prob:.0%} HDI")
    ax.plot(mean, yy, "o", color="C0", label="posterior mean")
    ax.plot(ols, yy, "x", color="k", ms=7, label="least squares")
    if map_estimate is not None:
        ax.plot(np.asarray(map_estimate.coef), yy, "D", color="C3", ms=5, mfc="none",
                label="MAP (penalized fit)")
    ax.axvline(0.0, color="grey", lw=0.6)
    ax.set_yticks(yy, names)
    ax.invert_yaxis()
    ax.set_xlabel("coefficient")
    ax.set_title("Shrinkage: the prior pulls each coefficient towards 0")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_map_parity(comparison, *, ax=None):
    """bayesreg's MAP against the scikit-learn fit of :func:`bayesreg.compare_map`: every
    coefficient on the diagonal, with the largest difference in the title. Returns the
    figure."""
    ours = np.asarray(comparison.map.coef, dtype=float)
    theirs = np.ravel(comparison.estimator.coef_).astype(float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.8, 4.5), constrained_layout=True)
    else:
        fig = ax.figure
    lim = float(np.max(np.abs(np.concatenate([ours, theirs])))) * 1.1 or 1.0
    ax.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8, label="y = x")
    ax.plot(theirs, ours, "o", color="C0", label="coefficients")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(f"scikit-learn {type(comparison.estimator).__name__} coef_")
    ax.set_ylabel("bayesreg MAP coef")
    ax.set_title(f"MAP = penalized fit: max |Δcoef| = {comparison.max_abs_dcoef:.1e}",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


#: the posterior predictive plot of each kind of outcome (``Family.outcome``)
_PPC = {"continuous": azp.plot_ppc_dist, "counts": azp.plot_ppc_rootogram,
        "binary": azp.plot_ppc_pava}


def plot_ppc(model, fit, *, random_seed=None, **kwargs):
    """Posterior predictive check of a fit, by the family's kind of outcome, through
    arviz-plots: predictive densities against the data (continuous: gaussian,
    student_t), a rootogram of the counts (poisson, negative_binomial), a calibration
    (PAV-adjusted reliability) plot (binary: bernoulli).

    The fit is not modified: predictive draws are added to a copy. Returns the
    ``arviz_plots.PlotCollection``.
    """
    tree = fit.copy()
    tree["posterior_predictive"] = model.sample_posterior_predictive(
        fit, random_seed=random_seed, extend_inferencedata=False)["posterior_predictive"]
    if model.family.discrete:  # counts and 0/1 are discrete data
        for group in ("observed_data", "posterior_predictive"):
            tree[group] = tree[group].to_dataset().astype(np.int64)
    return _PPC[model.family.outcome](tree, backend="matplotlib", **kwargs)
