"""The seed ideas of regularization, drawn from :func:`bayesreg.teaching.penalty_steps`,
:func:`bayesreg.teaching.unconstrained_weight` and :func:`bayesreg.teaching.laplace_posterior_1d`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..teaching._descent import penalty_steps

__all__ = ["plot_seed_ideas", "plot_unconstrained_weight", "plot_laplace_posterior"]


def plot_seed_ideas(*, eta: float = 0.1, lam: float = 0.5, steps: int = 30,
                    w0=(-2.0, -0.5, 0.3, 1.5)):
    r"""Three panels of gradient steps on a penalty alone (no data), from ``w0``:

    1. L2 (weight decay): :math:`w_k = (1 - 2\eta\lambda)^k w_0`: each weight shrinks by
       the same factor towards 0, from either side;
    2. L1 by subgradient steps: the same amount :math:`\eta\lambda` each step, then an
       oscillation of amplitude :math:`\eta\lambda` around 0 that never lands on it;
    3. L1 by proximal (soft-thresholding) steps: exactly 0 after
       :math:`\lceil |w_0|/(\eta\lambda)\rceil` steps.

    Returns the figure.
    """
    k = np.arange(steps + 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True, constrained_layout=True)
    panels = [("l2", f"L2: w ← (1 − 2ηλ) w = {1 - 2 * eta * lam:.2f} w"),
              ("l1_subgradient", f"L1 subgradient: w ← w − ηλ sign(w), ηλ = {eta * lam:g}"),
              ("l1_prox", "L1 proximal: soft-threshold, lands on 0")]
    for ax, (penalty, title) in zip(axes, panels):
        path = penalty_steps(np.asarray(w0, float), penalty=penalty, eta=eta, lam=lam,
                             steps=steps)
        for j in range(path.shape[1]):
            ax.plot(k, path[:, j], ".-", ms=3, lw=1, label=f"w₀ = {w0[j]:g}")
        ax.axhline(0.0, color="grey", lw=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("gradient step k")
    axes[0].set_ylabel("weight w")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"A penalty alone pulls weights to zero (η = {eta:g}, λ = {lam:g})")
    return fig


def plot_unconstrained_weight(result, *, ax=None):
    r"""A weight the data do not constrain, from
    :func:`bayesreg.teaching.unconstrained_weight`: left, its gradient-descent trajectory
    without a penalty (it stays at :math:`w_0`) and with L2 (it decays to 0), next to the
    weights the data do constrain; right, its posterior under a Gaussian prior, which is
    the prior.

    Parameters
    ----------
    result : UnconstrainedWeight
    ax : sequence of two matplotlib Axes, optional

    Returns the figure.
    """
    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    else:
        fig = ax[0].figure
    j = result.feature
    k = np.arange(result.no_penalty.shape[0])
    others = [i for i in range(result.no_penalty.shape[1]) if i != j]
    for i in others:
        ax[0].plot(k, result.no_penalty[:, i], color="C0", lw=0.8, alpha=0.5)
        ax[0].plot(k, result.l2[:, i], color="C1", lw=0.8, alpha=0.5)
    ax[0].plot(k, result.no_penalty[:, j], color="C0", lw=2.2,
               label=f"unconstrained w[{j}], no penalty: stays")
    ax[0].plot(k, result.l2[:, j], color="C1", lw=2.2,
               label=f"unconstrained w[{j}], L2: decays to 0")
    ax[0].plot([], [], color="grey", lw=0.8, label="weights the data constrain")
    ax[0].axhline(0.0, color="grey", lw=0.6)
    ax[0].set_xlabel("gradient step k")
    ax[0].set_ylabel("weight w")
    ax[0].set_title("Gradient descent: the data never move it", fontsize=10)
    ax[0].legend(fontsize=8, loc="center right")
    tau = result.prior_sd
    grid = np.linspace(-4 * tau, 4 * tau, 401)
    mu, sd = result.posterior_mean[j], result.posterior_sd[j]
    ax[1].plot(grid, np.exp(-0.5 * (grid / tau) ** 2) / (tau * np.sqrt(2 * np.pi)),
               color="grey", lw=4, alpha=0.5, label=f"prior N(0, {tau:g}²)")
    ax[1].plot(grid, np.exp(-0.5 * ((grid - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
               color="C2", ls="--", label=f"posterior N({mu:.2g}, {sd:.3g}²)")
    ax[1].set_xlabel(f"w[{j}]")
    ax[1].set_ylabel("density")
    ax[1].set_title("Gaussian prior: the posterior is the prior", fontsize=10)
    ax[1].legend(fontsize=8)
    return fig


def plot_laplace_posterior(result, *, ax=None):
    r"""MAP, posterior mean and median of one weight under a Laplace prior against the
    data's estimate, from :func:`bayesreg.teaching.laplace_posterior_1d` evaluated on a grid
    of estimates: the MAP (the lasso) is exactly 0 on :math:`|m| \le s^2/b`, the
    posterior mean and median are not.

    Parameters
    ----------
    result : LaplacePosterior1D
        With a 1-D ``estimate`` grid (and scalar ``se``, ``scale``).
    ax : matplotlib Axes, optional

    Returns the figure.
    """
    m = np.asarray(result.estimate)
    if m.ndim != 1:
        raise ValueError("plot_laplace_posterior needs laplace_posterior_1d evaluated on a "
                         "1-D grid of estimates, e.g. np.linspace(-3, 3, 201).")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    else:
        fig = ax.figure
    order = np.argsort(m)
    m = m[order]
    lower = result.mean[order] - result.sd[order]
    upper = result.mean[order] + result.sd[order]
    ax.fill_between(m, lower, upper, color="C0", alpha=0.15, label="posterior mean ± sd")
    ax.plot(m, m, color="grey", lw=0.8, ls=":", label="no prior (least squares)")
    ax.plot(m, result.map[order], color="C3", lw=2, label="MAP = lasso (exact zeros)")
    ax.plot(m, result.mean[order], color="C0", lw=2, label="posterior mean (never 0)")
    ax.plot(m, result.median[order], color="C2", lw=1.2, ls="--", label="posterior median")
    t = float(np.ravel(result.se)[0] ** 2 / np.ravel(result.scale)[0])
    ax.axvspan(-t, t, color="C3", alpha=0.07, label=f"|m| ≤ s²/b = {t:.3g}")
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set_xlabel("data estimate m (least squares)")
    ax.set_ylabel("estimate of w")
    ax.set_title("Laplace prior: a sparse MAP, a posterior mean that is not", fontsize=10)
    ax.legend(fontsize=8)
    return fig
