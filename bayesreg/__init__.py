"""bayesreg: Bayesian regularized regression.

L2 is a Gaussian prior, L1 a Laplace prior; MAP estimates equal the penalized
optimizers, and full posteriors come from PyMC's samplers as ArviZ InferenceData.
"""

from ._version import __version__
from .families import FAMILIES, Family
from .io import load, save
from .model import Model, Prediction
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
