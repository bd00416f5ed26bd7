"""The scikit-learn layer: estimators <-> priors (``from_sklearn``, ``to_sklearn``) and the
MAP = penalized-fit check (``compare_map``)."""

from .bridge import penalty_from_sklearn, sklearn_from_penalty, sklearn_objective
from .translate import (
           MapComparison,
           compare_map,
           from_sklearn,
           residual_sigma,
           to_sklearn,
)

__all__ = ["MapComparison", "compare_map", "from_sklearn", "residual_sigma", "to_sklearn",
           "penalty_from_sklearn", "sklearn_from_penalty", "sklearn_objective"]
