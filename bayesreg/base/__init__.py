"""The base layer: pure mathematics, NumPy, SciPy and numba only (as arviz-stats' ``base``).

Functions in this package never import pymc, pytensor, jax or arviz, nor any other
bayesreg layer (a test imports it with those blocked): sufficient statistics, the
closed-form conjugate posteriors and evidence, empirical Bayes,
penalties and the scikit-learn ``alpha`` <-> prior-scale algebra, and the MAP solvers
with their KKT certificates.
"""

from ._conjugate import (
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
from ._evidence import (
    EmpiricalBayesResult,
    Evidence,
    maximize_evidence,
    laplace_evidence,
    log_evidence_fixed_sigma,
    log_evidence_fixed_sigma_from_stats,
    log_evidence_nig,
    log_evidence_nig_from_stats,
)
from ._penalties import Penalty, gaussian_alpha, gaussian_precisions
from ._psis import psis_loo
from ._random import seed_sequence_int
from ._solvers import MapResult, fit_map, kkt_violation, map_objective
from ._suffstats import SufficientStats

__all__ = [
    "EmpiricalBayesResult", "Evidence", "GaussianPosterior", "NIGPosterior", "center",
    "maximize_evidence", "laplace_evidence", "log_evidence_fixed_sigma",
    "log_evidence_fixed_sigma_from_stats", "log_evidence_nig", "log_evidence_nig_from_stats",
    "posterior_fixed_sigma", "posterior_fixed_sigma_from_stats", "posterior_nig",
    "posterior_nig_from_stats", "sufficient_stats", "ridge_solution",
    "ridge_solution_from_data",
    "Penalty", "gaussian_alpha", "gaussian_precisions", "seed_sequence_int", "MapResult",
    "fit_map", "kkt_violation", "map_objective", "SufficientStats", "psis_loo",
]
