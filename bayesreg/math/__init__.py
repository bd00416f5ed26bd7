"""Pure mathematics: NumPy, SciPy and numba only.

Functions in this package never import pymc, pytensor, jax or arviz, nor any other
bayesreg layer (a test imports it with those blocked): sufficient statistics, the
closed-form conjugate posteriors and evidence, empirical Bayes, GLM derivatives,
penalties and the scikit-learn ``alpha`` <-> prior-scale algebra, and the MAP solvers
with their KKT certificates.
"""

from .conjugate import (
    GaussianPosterior,
    NIGPosterior,
    center,
    posterior_fixed_sigma,
    posterior_fixed_sigma_from_stats,
    posterior_nig,
    posterior_nig_from_stats,
    ridge_solution,
    ridge_solution_from_data,
    sufficient_stats,
)
from .evidence import (
    EmpiricalBayesResult,
    Evidence,
    empirical_bayes,
    laplace_evidence,
    log_evidence_fixed_sigma,
    log_evidence_fixed_sigma_from_stats,
    log_evidence_nig,
    log_evidence_nig_from_stats,
)
from .descent import penalty_steps
from .ideas import (
    LaplacePosterior1D,
    UnconstrainedWeight,
    laplace_posterior_1d,
    unconstrained_weight,
)
from .glm import intercept_start, nll, nll_derivs
from .penalties import Penalty, gaussian_alpha, gaussian_precisions
from .seeds import seed_sequence_int
from .solvers import MapResult, fit_map, kkt_violation, map_objective
from .suffstats import SufficientStats

__all__ = [
    "EmpiricalBayesResult", "Evidence", "GaussianPosterior", "NIGPosterior", "center",
    "empirical_bayes", "laplace_evidence", "log_evidence_fixed_sigma",
    "log_evidence_fixed_sigma_from_stats", "log_evidence_nig", "log_evidence_nig_from_stats",
    "posterior_fixed_sigma", "posterior_fixed_sigma_from_stats", "posterior_nig",
    "posterior_nig_from_stats", "sufficient_stats", "ridge_solution",
    "ridge_solution_from_data", "intercept_start", "nll", "nll_derivs",
    "Penalty", "gaussian_alpha", "gaussian_precisions", "seed_sequence_int", "MapResult",
    "fit_map", "kkt_violation", "map_objective", "SufficientStats", "penalty_steps",
    "LaplacePosterior1D", "UnconstrainedWeight", "laplace_posterior_1d",
    "unconstrained_weight",
]
