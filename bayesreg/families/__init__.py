"""Observation families: one immutable value per likelihood (NumPy and SciPy only).

``Model(..., family="poisson")`` looks the name up in one registry
(:func:`get_family`); everything that differs between likelihoods is a method or a class
attribute of the family (see :class:`Family`).
"""

from ._family import (
    FAMILIES,
    BernoulliFamily,
    Family,
    GaussianFamily,
    NegativeBinomialFamily,
    PoissonFamily,
    StudentTFamily,
    family_names,
    get_family,
)

__all__ = ["Family", "GaussianFamily", "StudentTFamily", "BernoulliFamily", "PoissonFamily",
           "NegativeBinomialFamily", "family_names", "get_family", "FAMILIES"]
