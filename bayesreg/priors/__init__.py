"""Priors on regression weights and on scales: immutable values (NumPy and SciPy only).

Each prior carries its log density, its penalty twin and its JSON form; the PyMC layer
(:mod:`bayesreg.backends`) builds model variables from these values.
"""

from ._priors import (
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
    prior_from_dict,
)
from ._shrinkage import R2D2, Horseshoe, HorseshoePlus, RegularizedHorseshoe, ShrinkagePrior

__all__ = ["ElasticNet", "Exponential", "Flat", "Gamma", "Gaussian", "HalfCauchy", "HalfFlat",
           "HalfNormal", "HalfStudentT", "InverseGamma", "InverseGammaVariance", "Laplace",
           "Prior", "StudentT", "prior_from_dict", "Horseshoe", "RegularizedHorseshoe",
           "HorseshoePlus", "R2D2", "ShrinkagePrior"]
