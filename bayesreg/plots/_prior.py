"""Prior sensitivity: which coefficients the prior decides, by power-scaling.

Power-scaling (Kallioinen et al. 2024, ``arviz_stats.psense``) reweights the posterior
draws as if the prior were raised to a power near 1 (``p(θ)^α``) and measures how much
each marginal moves (cumulative Jensen-Shannon distance per unit log α). It reads the
fit's ``log_prior`` and ``log_likelihood`` groups; no refit. The Bayesian reading of "how
much does the regularizer matter here".
"""

from __future__ import annotations

import arviz_stats
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from ..inference._loo import draw_totals

__all__ = ["prior_sensitivity", "plot_prior_sensitivity"]

#: priorsense's rule of thumb: a sensitivity >= 0.05 flags prior (or likelihood) influence
THRESHOLD = 0.05


def prior_sensitivity(fit, var_names=("coef",), threshold: float = THRESHOLD) -> pd.DataFrame:
    """Prior and likelihood power-scaling sensitivity of each coefficient.

    Parameters
    ----------
    fit : xarray.DataTree
        A fit from :meth:`bayesreg.Model.sample` (it has a ``log_prior`` group; without
        a ``log_likelihood`` group, the per-draw total log-likelihood that likelihood
        power-scaling needs is computed from the draws in blocks of observations).
    var_names : sequence of str
    threshold : float
        Sensitivity at or above which a parameter is flagged.

    Returns
    -------
    pandas.DataFrame
        One row per scalar: ``prior`` and ``likelihood`` sensitivity and ``diagnosis``:
        ``"prior-dominated"`` (sensitive to the prior, not to the likelihood: the data say
        little and the regularizer decides), ``"prior-data conflict"`` (sensitive to
        both), ``"likelihood-dominated"`` (to the likelihood only) or ``"-"``.
    """
    if "log_prior" not in getattr(fit, "children", {}):
        raise ValueError("prior_sensitivity needs a fit with a log_prior group, as "
                         "Model.sample returns (fits saved by bayesreg 0.1 have none).")
    names = list(var_names)
    if "log_likelihood" not in fit.children:  # psense sums the group over observations
        total = draw_totals(fit).expand_dims(obs_id=[0], axis=-1)
        fit = xr.DataTree.from_dict({**{k: fit[k].to_dataset() for k in fit.children},
                                     "log_likelihood": xr.Dataset({"y": total})})
    prior = arviz_stats.psense(fit, var_names=names, group="prior")
    like = arviz_stats.psense(fit, var_names=names, group="likelihood")
    rows = []
    for name in names:
        p, lk = prior[name], like[name]
        dims = [d for d in p.dims]
        for idx in np.ndindex(*p.shape):
            label = name + ("[" + ",".join(str(p[d].values[i]) for d, i in zip(dims, idx))
                            + "]" if dims else "")
            ps, ls = float(p.values[idx]), float(lk.values[idx])
            diag = ("prior-data conflict" if ps >= threshold and ls >= threshold else
                    "prior-dominated" if ps >= threshold else
                    "likelihood-dominated" if ls >= threshold else "-")
            rows.append({"parameter": label, "prior": ps, "likelihood": ls, "diagnosis": diag})
    return pd.DataFrame(rows).set_index("parameter")


def plot_prior_sensitivity(fit, var_names=("coef",), *, ax=None,
                           threshold: float = THRESHOLD):
    """Bar chart of :func:`prior_sensitivity`: prior and likelihood sensitivity of each
    coefficient, with the threshold marked. Returns the figure."""
    table = prior_sensitivity(fit, var_names, threshold)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(table) + 1.6), constrained_layout=True)
    else:
        fig = ax.figure
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["prior"], height=0.4, color="C0", label="prior")
    ax.barh(y + 0.2, table["likelihood"], height=0.4, color="C1", label="likelihood")
    ax.axvline(threshold, color="k", lw=0.8, ls="--", label=f"threshold {threshold:g}")
    ax.set_yticks(y, table.index)
    ax.invert_yaxis()
    ax.set_xlabel("power-scaling sensitivity (CJS distance per unit log α)")
    ax.set_title("Which coefficients does the prior decide?")
    ax.legend(fontsize=8, loc="lower right")
    return fig
