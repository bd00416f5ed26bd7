"""Plots of results: sampler diagnostics, shrinkage, MAP = scikit-learn parity, the Occam
curve, the Bayesian regularization path, prior sensitivity, simulation-based calibration and the seed ideas.

The top layer beside ``io`` and the CLI: every function takes results (a fit, a
``scale_grid`` table, a ``regularization_path`` table), draws with matplotlib, returns the
``matplotlib.figure.Figure`` (or a table) and never calls ``show()``.
"""

from ._fit import model_variables, plot_diagnostics, plot_map_parity, plot_ppc, plot_shrinkage
from ._occam import plot_occam, plot_regularization_path
from ._prior import plot_prior_sensitivity, prior_sensitivity
from ._ideas import plot_laplace_posterior, plot_seed_ideas, plot_unconstrained_weight
from ._sparse import plot_effective_nonzero_prior, plot_shrinkage_factors
from ._sbc import plot_sbc

__all__ = ["plot_occam", "plot_regularization_path", "prior_sensitivity",
           "plot_prior_sensitivity", "plot_seed_ideas", "plot_diagnostics", "plot_shrinkage",
           "plot_map_parity", "model_variables", "plot_ppc", "plot_unconstrained_weight",
           "plot_laplace_posterior", "plot_shrinkage_factors", "plot_effective_nonzero_prior",
           "plot_sbc"]
