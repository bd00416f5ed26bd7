"""Priors on regression weights and on scales: immutable values (NumPy and SciPy only).

Each prior carries its own behaviour: its log density, its penalty twin, whether it is
improper or sparse, the parameters that set its width, its conjugacy (through
``conjugate_form``) and its JSON form (read back by :func:`prior_from_dict`, whose
registry lists every prior). Code above this layer calls these, never asks which prior
class it holds; the PyMC layer (:mod:`bayesreg.backends`) builds model variables from a
registry keyed by prior class.
"""

from ._priors import (
    ElasticNetPrior,
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
from ._registry import prior_from_dict
from ._shrinkage import R2D2, Horseshoe, HorseshoePlus, RegularizedHorseshoe, ShrinkagePrior

__all__ = ["ElasticNetPrior", "Exponential", "Flat", "Gamma", "Gaussian", "HalfCauchy", "HalfFlat",
           "HalfNormal", "HalfStudentT", "InverseGamma", "InverseGammaVariance", "Laplace",
           "Prior", "StudentT", "prior_from_dict", "Horseshoe", "RegularizedHorseshoe",
           "HorseshoePlus", "R2D2", "ShrinkagePrior"]
