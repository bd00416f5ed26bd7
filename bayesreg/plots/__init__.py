"""Plots of results: the Occam curve, the Bayesian regularization path, prior sensitivity
and the seed ideas of regularization.

The top layer beside ``io`` and the CLI: every function takes results (a fit, a
``scale_grid`` table, a ``regularization_path`` table), draws with matplotlib, returns the
``matplotlib.figure.Figure`` (or a table) and never calls ``show()``.
"""

from .occam import plot_occam, plot_regularization_path
from .prior import plot_prior_sensitivity, prior_sensitivity
from .seeds import plot_seed_ideas

__all__ = ["plot_occam", "plot_regularization_path", "prior_sensitivity",
           "plot_prior_sensitivity", "plot_seed_ideas"]
