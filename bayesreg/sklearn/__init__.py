"""The scikit-learn layer: estimators <-> priors (``from_sklearn``, ``to_sklearn``), the
MAP = penalized-fit check (``compare_map``) and the estimators (``BayesRidge``, ...)."""

from ._twins import penalty_from_sklearn, sklearn_from_penalty, sklearn_objective
from ._estimators import (
    BayesElasticNet,
    BayesLasso,
    BayesLogisticRegression,
    BayesPoissonRegressor,
    BayesRidge,
    expected_failed_checks,
)
from ._translate import MapComparison, compare_map, from_sklearn, residual_sigma, to_sklearn

__all__ = ["MapComparison", "compare_map", "from_sklearn", "residual_sigma", "to_sklearn",
           "penalty_from_sklearn", "sklearn_from_penalty", "sklearn_objective",
           "BayesRidge", "BayesLasso", "BayesElasticNet", "BayesLogisticRegression",
           "BayesPoissonRegressor", "expected_failed_checks"]
