"""bayesreg: Bayesian regularized regression.

L2 is a Gaussian prior, L1 a Laplace prior; MAP estimates equal the penalized
optimizers, and full posteriors come from PyMC's samplers as ArviZ InferenceData.
"""

from ._version import __version__
from ._diagnostics import ConvergenceError, ConvergenceReport, ConvergenceWarning, check_convergence
from ._map import MapEstimate, map_estimate
from ._translate import MapComparison, compare_map, from_sklearn, to_sklearn
from .families import FAMILIES, Family
from .io import load, save
from .model import Model, Prediction
from .occam import (
    EmpiricalBayes,
    EvidenceResult,
    cv_scale,
    empirical_bayes,
    implied_alpha,
    log_evidence,
    regularization_path,
    scale_grid,
    summarize_alpha,
)
from .priors import (
    ElasticNet,
    Exponential,
    Flat,
    Gamma,
    Gaussian,
    HalfCauchy,
    HalfFlat,
    HalfNormal,
    HalfStudentT,
    InverseGamma,
    InverseGammaVariance,
    Laplace,
    Prior,
    StudentT,
)

__all__ = [
    "__version__",
    "Model",
    "save",
    "load",
    "Prediction",
    "map_estimate",
    "MapEstimate",
    "from_sklearn",
    "to_sklearn",
    "compare_map",
    "MapComparison",
    "check_convergence",
    "ConvergenceReport",
    "ConvergenceWarning",
    "ConvergenceError",
    "log_evidence",
    "EvidenceResult",
    "empirical_bayes",
    "EmpiricalBayes",
    "scale_grid",
    "cv_scale",
    "implied_alpha",
    "summarize_alpha",
    "regularization_path",
    "Family",
    "FAMILIES",
    "Prior",
    "Gaussian",
    "Laplace",
    "ElasticNet",
    "StudentT",
    "Flat",
    "HalfFlat",
    "HalfNormal",
    "HalfStudentT",
    "HalfCauchy",
    "Exponential",
    "Gamma",
    "InverseGamma",
    "InverseGammaVariance",
]
