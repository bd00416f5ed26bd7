"""The ECDF-difference plot of simulation-based calibration (:func:`bayesreg.sbc`).

Each line is one parameter component: the ECDF of its ranks minus the uniform CDF,
``K_j / N - j / (L + 1)`` at the rank cuts ``j = 1..L`` (Säilynoja, Bürkner & Vehtari
2022). The shaded band is the simultaneous ``1 - alpha`` band of the ECDF test that gives
the result's ``p_value``, so a line leaves it where its p-value is below ``alpha``: a line
above the band means ranks piled low (the posterior sits too high), below it ranks piled
high, a hump (ECDF first above, then below) an over-wide posterior, an S the other way
an over-narrow one.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..base._sbc import _cumulative_counts, ecdf_band

__all__ = ["plot_sbc"]


def plot_sbc(result, *, variables=None, alpha: float | None = None, ncols: int = 3,
             title: str | None = None):
    """ECDF differences of SBC ranks with their simultaneous band, one panel per variable.

    Parameters
    ----------
    result : xarray.Dataset
        The result of :func:`bayesreg.sbc`.
    variables : sequence of str, optional
        Model variables to draw (``coef``, ``sigma``, ...); default all ranked ones.
    alpha : float, optional
        Level of the band; default the result's ``alpha``.
    ncols : int, default 3
    title : str, optional
        Figure title; default the sampler, the number of simulations and the joint
        p-value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if "ranks" not in result or "draws" not in result.attrs:
        raise TypeError("plot_sbc needs the Dataset returned by bayesreg.sbc().")
    alpha = float(result.attrs["alpha"] if alpha is None else alpha)
    owners = [str(v) for v in result["variable"].values]
    order = list(dict.fromkeys(owners))
    if variables is not None:
        unknown = [v for v in variables if v not in order]
        if unknown:
            raise ValueError(f"variables {unknown} were not ranked; choose among {order}.")
        order = list(variables)
    n_ranks = int(result.attrs["draws"]) + 1
    n = result.sizes["simulation"]
    z, lo, hi = ecdf_band(n, n_ranks, alpha)
    ncols = max(1, min(ncols, len(order)))
    nrows = -(-len(order) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False,
                             sharex=True)
    for ax, var in zip(axes.ravel(), order):
        ax.fill_between(z, lo, hi, step="post", color="0.85",
                        label=f"{100 * (1 - alpha):.0f}% simultaneous band")
        ax.axhline(0.0, color="0.5", lw=0.6)
        cols = [i for i, o in enumerate(owners) if o == var]
        for i in cols:
            ranks = result["ranks"].values[:, i]
            diff = _cumulative_counts(ranks, n_ranks) / n - z
            p = float(result["p_value"].values[i])
            ax.step(z, diff, where="post", lw=1.0,
                    label=f"{result['parameter'].values[i]} (p={p:.2g})")
        worst = min(float(result["p_value"].values[i]) for i in cols)
        ax.set_title(f"{var}: min p = {worst:.2g}", fontsize=9)
        if len(cols) <= 6:
            ax.legend(fontsize=6, loc="best")
    for ax in axes.ravel()[len(order):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("fractional rank")
    for ax in axes[:, 0]:
        ax.set_ylabel("ECDF - uniform")
    if title is None:
        title = (f"SBC: {result.attrs['sampler']}, {n} simulations, L = {n_ranks - 1}, "
                 f"joint p = {float(result['joint_p_value']):.3g}")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
