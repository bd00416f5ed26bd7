"""The seed ideas of regularization, drawn from :func:`bayesreg.math.penalty_steps`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..math.descent import penalty_steps

__all__ = ["plot_seed_ideas"]


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
