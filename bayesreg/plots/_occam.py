"""The Occam curve and the Bayesian regularization path, from the occam tables."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["plot_occam", "plot_regularization_path"]


def _axes(ax, nrows=1, figsize=(7.5, 4.5), **kw):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(nrows, 1, figsize=figsize, **kw)
    return fig, ax


#: a white box behind labels drawn over curves
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}


def plot_occam(grid: pd.DataFrame, *, empirical_bayes=None, ax=None,
               scale_label: str = "prior scale"):
    r"""The Occam view of a :func:`bayesreg.scale_grid` table.

    Top, in nats against the prior scale (log axis): the log evidence and the best fit
    :math:`\log p(y\mid\theta^*)`, both minus the largest log evidence, and the log
    Occam factor (:math:`\le 0`) as it is, so that evidence = best fit + Occam factor
    holds on the plot (for the methods that split it); PSIS-LOO's elpd minus its own
    maximum; the evidence-, LOO- and CV-chosen scales marked. Bottom: MacKay's effective
    number of parameters :math:`\gamma`, when available.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`bayesreg.scale_grid`.
    empirical_bayes : EmpiricalBayes or float, optional
        The result of :func:`bayesreg.empirical_bayes` (or a prior scale): marked too.
    ax : matplotlib Axes, optional
        Draw the top panel only, there.
    scale_label : str
        The x-axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(grid, pd.DataFrame) or "log_evidence" not in grid:
        raise TypeError("plot_occam needs the DataFrame returned by bayesreg.scale_grid.")
    has_gamma = "effective_params" in grid and np.isfinite(grid["effective_params"]).any()
    if ax is None:
        fig, axes = plt.subplots(2 if has_gamma else 1, 1, sharex=True,
                                 figsize=(7.5, 6.0 if has_gamma else 4.2),
                                 height_ratios=[2.2, 1] if has_gamma else None,
                                 constrained_layout=True)
        top = axes[0] if has_gamma else axes
        bottom = axes[1] if has_gamma else None
    else:
        fig, top, bottom = ax.figure, ax, None
    s = grid["scale"].to_numpy()

    def col(name):
        return grid[name].to_numpy(dtype=float)

    best = np.nanmax(col("log_evidence"))
    top.semilogx(s, col("log_evidence") - best, "o-", color="C0", lw=2, label="log evidence")
    if np.isfinite(col("log_likelihood_max")).any():
        top.semilogx(s, col("log_likelihood_max") - best, "--", color="C1",
                     label="best fit  log p(y | θ*)")
        top.semilogx(s, col("log_occam_factor"), ":", color="C2", lw=2,
                     label="log Occam factor")
    if "elpd_loo" in grid:
        elpd = col("elpd_loo")
        top.semilogx(s, elpd - np.nanmax(elpd), "s-", color="C3", ms=4,
                     label="PSIS-LOO elpd (minus its max)")
    marks = {"is_evidence_best": ("C0", "evidence"), "is_loo_best": ("C3", "LOO"),
             "is_cv_best": ("k", "CV")}
    for i, (flag, (color, what)) in enumerate(marks.items()):
        if flag in grid and grid[flag].any():
            x = float(s[grid[flag].to_numpy()][0])
            top.axvline(x, color=color, lw=0.8, alpha=0.6)
            top.annotate(f"{what} {x:.3g}", (x, 1.0), xycoords=("data", "axes fraction"),
                         xytext=(3, -12 - 12 * i), textcoords="offset points", color=color,
                         fontsize=8, bbox=_LABEL_BOX)
    if empirical_bayes is not None:
        eb = getattr(getattr(empirical_bayes, "model", None), "prior", None)
        x = float(eb.scale if eb is not None else empirical_bayes)
        top.axvline(x, color="C4", lw=1.2, ls="--", alpha=0.8)
        top.annotate(f"empirical Bayes {x:.3g}", (x, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(-3, -12), textcoords="offset points", color="C4", fontsize=8,
                     ha="right", bbox=_LABEL_BOX)
    top.set_ylabel("nats (evidence, best fit: minus the\nlargest log evidence)")
    top.set_title("The Occam view: fit against complexity across prior scales")
    top.legend(loc="lower right", fontsize=8)
    if bottom is not None:
        bottom.semilogx(s, grid["effective_params"], "o-", color="C4")
        bottom.set_ylabel("effective params γ")
        bottom.set_xlabel(scale_label)
    else:
        top.set_xlabel(scale_label)
    return fig


def plot_regularization_path(path: pd.DataFrame, *, ax=None, features=None,
                             scale_label: str = "prior scale"):
    """Posterior means and HDIs of each coefficient across prior scales, with the MAP
    (penalized, scikit-learn) path dotted on top, from :func:`bayesreg.regularization_path`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(path, pd.DataFrame) or not {"scale", "feature", "mean"} <= set(path):
        raise TypeError("plot_regularization_path needs the DataFrame returned by "
                        "bayesreg.regularization_path.")
    fig, ax = _axes(ax, figsize=(8, 5), constrained_layout=True)
    names = list(dict.fromkeys(path["feature"])) if features is None else list(features)
    for i, name in enumerate(names):
        g = path[path["feature"] == name].sort_values("scale")
        color = f"C{i % 10}"
        ax.semilogx(g["scale"], g["mean"], color=color, lw=1.5, label=str(name))
        ax.fill_between(g["scale"], g["lower"], g["upper"], color=color, alpha=0.15, lw=0)
        if "map" in g and np.isfinite(g["map"]).any():
            ax.semilogx(g["scale"], g["map"], ":", color=color, lw=1.5)
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set_xlabel(scale_label)
    ax.set_ylabel("coefficient")
    ax.set_title("Posterior mean (solid) and HDI (band); MAP = penalized fit (dotted)")
    ax.legend(ncol=2, fontsize=8, title="feature", loc="best")
    return fig
