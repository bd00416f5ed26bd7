"""Plots for sparse priors: shrinkage-factor histograms and the prior on the effective
number of non-zero coefficients.

``kappa_j = 1 / (1 + n s_j^2 v_j / sigma^2)`` is the share of the least-squares estimate
that the prior takes away (:func:`bayesreg.shrinkage_factors`); the horseshoe's prior on
it is ``Beta(1/2, 1/2)`` at ``n tau^2 = sigma^2``, the horseshoe shape that names it.
``m_eff = sum_j (1 - kappa_j)`` is the effective number of non-zero coefficients
(Piironen & Vehtari 2017); its prior shows what ``expected_nonzero`` (or a global scale)
really says before the data.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..inference._selection import shrinkage_factors
from ..priors._shrinkage import effective_nonzero_prior

__all__ = ["plot_shrinkage_factors", "plot_effective_nonzero_prior"]


def plot_shrinkage_factors(model, fit, *, features=None, n_show: int = 4, bins: int = 30,
                           truth=None):
    """Shrinkage factors of a fit: their posterior means over the features, and the
    posterior of ``kappa_j`` for a few features.

    Parameters
    ----------
    model : bayesreg.Model
        A model with a sparse prior.
    fit : xarray.DataTree
    features : sequence of str, optional
        Features whose posterior ``kappa_j`` to draw; default the ``n_show`` least shrunk.
    n_show : int, default 4
    bins : int, default 30
    truth : array-like of bool, optional
        Which features are truly non-zero (simulations): the left panel splits by it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    kappa = shrinkage_factors(model, fit)
    mean = kappa.mean(("chain", "draw"))
    if features is None:
        features = list(mean.sortby(mean)["feature"].values[:n_show])
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.6))
    edges = np.linspace(0, 1, bins + 1)
    if truth is None:
        ax0.hist(mean.values, bins=edges, color="C0")
    else:
        truth = np.asarray(truth, dtype=bool)
        ax0.hist([mean.values[~truth], mean.values[truth]], bins=edges, stacked=True,
                 color=["C7", "C3"], label=["true zero", "true non-zero"])
        ax0.legend(frameon=False)
    ax0.set(xlabel=r"posterior mean of $\kappa_j$", ylabel="features",
            title="shrinkage factor per feature (0: kept, 1: shrunk to 0)")
    for i, name in enumerate(features):
        draws = kappa.sel(feature=name).values.ravel()
        ax1.hist(draws, bins=edges, histtype="step", lw=1.5, color=f"C{i}", density=True,
                 label=str(name))
    ax1.set(xlabel=r"$\kappa_j$", ylabel="posterior density",
            title=r"posterior of $\kappa_j$")
    ax1.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig


def plot_effective_nonzero_prior(priors, n_features: int, n_samples: float, *,
                                 size: int = 4000, random_seed=0, ax=None):
    """Prior of the effective number of non-zero coefficients ``m_eff`` (histograms).

    Parameters
    ----------
    priors : Prior or dict of str to Prior
        Sparse priors to compare (labelled by the keys).
    n_features, n_samples : int
        The problem size (``m_eff`` depends on both through ``tau0`` and ``kappa``).
    size : int, default 4000
        Prior draws per prior.
    random_seed : int, default 0
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(priors, dict):
        priors = {type(priors).__name__: priors}
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 3.6))
    edges = np.linspace(0, n_features, min(n_features, 60) + 1)
    for i, (label, prior) in enumerate(priors.items()):
        m = effective_nonzero_prior(prior, n_features, n_samples, size=size,
                                    random_seed=random_seed)
        ax.hist(m, bins=edges, histtype="step", lw=1.5, density=True, color=f"C{i}",
                label=f"{label} (median {np.median(m):.1f})")
    ax.set(xlabel=r"$m_\mathrm{eff} = \sum_j (1 - \kappa_j)$", ylabel="prior density",
           title=f"prior on the effective number of non-zeros (n={n_samples:g}, "
                 f"p={n_features})")
    ax.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig
