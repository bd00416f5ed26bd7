"""Specifications: immutable values, NumPy and SciPy only (no PyMC, no ArviZ).

Priors (with their NumPy log densities and JSON form), families, the prior -> penalty
map and the one validation module. The PyMC layer (:mod:`bayesreg.backends`) builds
models from these values; nothing here knows how they will be sampled.
"""

from .families import FAMILIES, Family, get_family
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
    prior_from_dict,
)
from .shrinkage import R2D2, Horseshoe, HorseshoePlus, RegularizedHorseshoe, ShrinkagePrior

__all__ = ["FAMILIES", "Family", "get_family", "ElasticNet", "Exponential", "Flat", "Gamma",
           "Gaussian", "HalfCauchy", "HalfFlat", "HalfNormal", "HalfStudentT", "InverseGamma",
           "InverseGammaVariance", "Laplace", "Prior", "StudentT", "prior_from_dict",
           "Horseshoe", "RegularizedHorseshoe", "HorseshoePlus", "R2D2", "ShrinkagePrior"]
