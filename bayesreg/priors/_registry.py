"""Every prior by its class name: the one registry the JSON form is read back through.

A new prior is added here by hand (nothing registers itself when its module is
imported), so this list is the whole set that :func:`prior_from_dict` can rebuild.
"""

from __future__ import annotations

from typing import Any

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
from ._shrinkage import R2D2, Horseshoe, HorseshoePlus, RegularizedHorseshoe

__all__ = ["PRIORS", "prior_from_dict"]

#: the prior classes by name (the ``"type"`` of :meth:`Prior.to_dict`)
PRIORS: dict[str, type[Prior]] = {cls.__name__: cls for cls in (
    Gaussian, Laplace, ElasticNetPrior, StudentT, Flat, HalfNormal, HalfStudentT, HalfCauchy,
    Exponential, Gamma, InverseGamma, InverseGammaVariance, HalfFlat,
    Horseshoe, RegularizedHorseshoe, HorseshoePlus, R2D2)}


#: type names that files saved by earlier versions may hold -> today's names
_RENAMED = {"ElasticNet": "ElasticNetPrior"}


def prior_from_dict(spec: dict[str, Any]) -> Prior:
    """Rebuild a prior from :meth:`Prior.to_dict` output.

    Parameters
    ----------
    spec : dict
        ``{"type": class name, field: value, ...}``; a field that is itself a dict is a
        hyperprior and is rebuilt the same way.

    Returns
    -------
    Prior

    Raises
    ------
    ValueError
        For a ``type`` that names no prior in :data:`PRIORS`.
    """
    spec = dict(spec)
    kind = spec.pop("type", None)
    cls = PRIORS.get(_RENAMED.get(kind, kind))
    if cls is None:
        raise ValueError(f"Unknown prior type in spec {spec!r}; known: {sorted(PRIORS)}")
    kwargs = {k: prior_from_dict(v) if isinstance(v, dict) else v for k, v in spec.items()}
    return cls(**kwargs)
