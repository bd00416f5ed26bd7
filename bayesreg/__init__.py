"""bayesreg: Bayesian regularized regression.

L2 is a Gaussian prior, L1 a Laplace prior; MAP estimates equal the penalized
optimizers, and full posteriors come from PyMC's samplers as the ``xarray.DataTree``
that ArviZ works with.
"""

from ._version import __version__
from .inference import (
    ConvergenceError,
    ConvergenceReport,
    ConvergenceWarning,
    DaskModel,
    EvidenceResult,
    MapEstimate,
    Model,
    Prediction,
    check_convergence,
    log_evidence,
    map_estimate,
)
from .inference._selection import effective_nonzero, inclusion_summary, savs, shrinkage_factors
from .inference._projection import ProjectionSelection, projection_selection
from . import plots
from ._io import load, save
from .teaching import laplace_posterior_1d, penalty_steps, unconstrained_weight
from .occam import (
    EmpiricalBayes,
    cv_scale,
    empirical_bayes,
    fit_many,
    implied_alpha,
    regularization_path,
    scale_grid,
    summarize_alpha,
)
from .sklearn import (
    BayesElasticNet,
    BayesLasso,
    BayesLogisticRegression,
    BayesPoissonRegressor,
    BayesRidge,
    MapComparison,
    compare_map,
    from_sklearn,
    to_sklearn,
)
from .families import FAMILIES, Family
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
from .priors._shrinkage import R2D2, Horseshoe, HorseshoePlus, RegularizedHorseshoe

__all__ = [
    "plots",
    "penalty_steps",
    "unconstrained_weight",
    "laplace_posterior_1d",
    "__version__",
    "Model",
    "DaskModel",
    "fit_many",
    "save",
    "load",
    "Prediction",
    "map_estimate",
    "MapEstimate",
    "from_sklearn",
    "to_sklearn",
    "BayesRidge",
    "BayesLasso",
    "BayesElasticNet",
    "BayesLogisticRegression",
    "BayesPoissonRegressor",
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
    "Horseshoe",
    "RegularizedHorseshoe",
    "HorseshoePlus",
    "R2D2",
    "shrinkage_factors",
    "effective_nonzero",
    "savs",
    "inclusion_summary",
    "projection_selection",
    "ProjectionSelection",
]
