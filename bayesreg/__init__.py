"""bayesreg: Bayesian regularized regression.

L2 is a Gaussian prior, L1 a Laplace prior; MAP estimates equal the penalized
optimizers, and full posteriors come from PyMC's samplers as the ``xarray.DataTree``
that ArviZ works with.

The public API is what this module exports (``bayesreg.__all__``), plus the namespaces
:mod:`bayesreg.plots` (figures of results) and :mod:`bayesreg.teaching` (the seed ideas
as small computations). One way per task: a :class:`Model` is sampled with
``model.sample()``, its penalized fit is ``model.map()``, its evidence
``model.log_evidence()``.

Conventions
-----------
- **Module privacy** (scikit-learn's): implementation modules are private
  (``bayesreg/inference/_model.py``); each package re-exports its public names, and
  everything a user needs is re-exported here. A name reached through a private module
  may change without notice.
- **Prior names**: a prior on *coefficients* is named for the distribution as the
  penalty literature names it (``Gaussian`` is L2, ``Laplace`` is L1, ``StudentT``,
  the shrinkage priors ``Horseshoe``, ``RegularizedHorseshoe``, ``HorseshoePlus``,
  ``R2D2``, and ``ElasticNetPrior``, suffixed so that it never shadows scikit-learn's
  ``ElasticNet``); a prior on a *positive quantity* (a scale, a noise sd, degrees of
  freedom) carries PyMC's name for that distribution (``HalfNormal``,
  ``HalfStudentT``, ``HalfCauchy``, ``Exponential``, ``Gamma``, ``InverseGamma``,
  ``HalfFlat``), with ``InverseGammaVariance`` for an inverse-gamma on the square.
- **Deprecations**: a renamed public name keeps working for one release and warns
  ``DeprecationWarning`` naming its replacement.
"""

import warnings as _warnings

from . import plots, teaching
from ._io import load, save
from ._version import __version__
from .families import FAMILIES as _FAMILIES
from .families import Family
from .inference import log_evidence as _log_evidence
from .inference import map_estimate as _map_estimate
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
    sbc,
)
from .inference._loo import log_likelihood, loo
from .inference._projection import ProjectionSelection, projection_selection
from .inference._selection import effective_nonzero, inclusion_summary, savs, shrinkage_factors
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
from .priors import (
    R2D2,
    ElasticNetPrior,
    Exponential,
    Flat,
    Gamma,
    Gaussian,
    HalfCauchy,
    HalfFlat,
    HalfNormal,
    HalfStudentT,
    Horseshoe,
    HorseshoePlus,
    InverseGamma,
    InverseGammaVariance,
    Laplace,
    Prior,
    RegularizedHorseshoe,
    StudentT,
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

__all__ = [
    "__version__",
    # the model and its results
    "Model",
    "DaskModel",
    "Prediction",
    "MapEstimate",
    "EvidenceResult",
    "check_convergence",
    "sbc",
    "loo",
    "log_likelihood",
    "ConvergenceReport",
    "ConvergenceWarning",
    "ConvergenceError",
    "save",
    "load",
    # priors on coefficients
    "Prior",
    "Gaussian",
    "Laplace",
    "ElasticNetPrior",
    "StudentT",
    "Flat",
    "Horseshoe",
    "RegularizedHorseshoe",
    "HorseshoePlus",
    "R2D2",
    # priors on positive quantities
    "HalfNormal",
    "HalfStudentT",
    "HalfCauchy",
    "Exponential",
    "Gamma",
    "InverseGamma",
    "InverseGammaVariance",
    "HalfFlat",
    # families
    "Family",
    # scikit-learn
    "from_sklearn",
    "to_sklearn",
    "compare_map",
    "MapComparison",
    "BayesRidge",
    "BayesLasso",
    "BayesElasticNet",
    "BayesLogisticRegression",
    "BayesPoissonRegressor",
    # the Occam view
    "empirical_bayes",
    "EmpiricalBayes",
    "scale_grid",
    "cv_scale",
    "implied_alpha",
    "summarize_alpha",
    "regularization_path",
    "fit_many",
    # sparse priors: selection
    "shrinkage_factors",
    "effective_nonzero",
    "savs",
    "inclusion_summary",
    "projection_selection",
    "ProjectionSelection",
    # namespaces
    "plots",
    "teaching",
]


#: deprecated name -> (replacement in words, the object it still returns)
_DEPRECATED = {
    "map_estimate": ("Model.map()", lambda: _map_estimate),
    "log_evidence": ("Model.log_evidence()", lambda: _log_evidence),
    "penalty_steps": ("bayesreg.teaching.penalty_steps", lambda: teaching.penalty_steps),
    "unconstrained_weight": ("bayesreg.teaching.unconstrained_weight",
                             lambda: teaching.unconstrained_weight),
    "laplace_posterior_1d": ("bayesreg.teaching.laplace_posterior_1d",
                             lambda: teaching.laplace_posterior_1d),
    "ElasticNet": ("bayesreg.ElasticNetPrior (the name ElasticNet is scikit-learn's "
                   "estimator)", lambda: ElasticNetPrior),
    "FAMILIES": ("bayesreg.families.family_names() and bayesreg.families.get_family(name)",
                 lambda: dict(_FAMILIES)),
}


def __getattr__(name):
    if name in _DEPRECATED:
        replacement, get = _DEPRECATED[name]
        _warnings.warn(f"bayesreg.{name} is deprecated since bayesreg 0.3 and will be removed "
                       f"in 0.4; use {replacement} instead.", DeprecationWarning, stacklevel=2)
        return get()
    raise AttributeError(f"module 'bayesreg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
