"""The arguments of :meth:`bayesreg.Model.sample`, checked before anything is compiled or
run, and the one rule that picks the sampler (:func:`choose_sampler`).

The samplers are :data:`SAMPLERS`; ``"auto"`` resolves to ``"exact"`` for a conjugate model
(gaussian family, fixed Gaussian prior, fixed ``sigma`` or the Normal-Inverse-Gamma prior;
see :mod:`bayesreg.priors._conjugate`) with more features than observations (``p > n``),
to ``"gibbs"`` for a gaussian model with a scale-mixture prior and at most 200
features (:mod:`bayesreg.backends._gibbs`: no compilation, so the first fit of a new
model takes about a second), to ``"imh"`` for a GLM with a smooth prior with fixed
parameters and at most 200 features (:mod:`bayesreg.backends._imh`: independence
Metropolis-Hastings from the Laplace approximation), all when sampled without sampler
options or a compiled sampler, and otherwise, as ``pm.sample`` does, to nutpie when it is installed, else
PyMC's own NUTS. On such a model NUTS may need
hundreds of leapfrog steps per draw: ``p = 2000``, ``n = 50``, fixed ``sigma``,
``Gaussian(1.0)`` took ~850 under nutpie, because the likelihood pins ``n`` directions
down to ``sigma / sqrt(eigenvalue)`` while the other ``p - n`` keep the prior scale, a
condition number far beyond what a diagonal or low-rank mass matrix learns in a tuning
window. Its posterior is known in closed form, so the exact sampler draws it i.i.d.,
with no tuning and no convergence to check. A NUTS sampler named explicitly on such a
model still runs, after a warning that says so before it starts, up to
``NUTS_CONJUGATE_MAX_FEATURES`` (1,000) features; above, it is refused with that advice (a
compiled sampler passed to ``Model.sample`` still runs it).
"""

from __future__ import annotations

import importlib.util
import warnings

from ..backends._gibbs import gibbs_pays_off, gibbs_unsupported
from ..backends._imh import IMH_MAX_FEATURES, imh_unsupported
from ..backends._samplers import check_sampler_options
from ..utils._imports import quiet_import
from ..utils._validation import (
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    OneOf,
    check_bool,
    check_param,
    check_random_seed,
)
from ._evidence import is_conjugate
from ._model_spec import check_proper_posterior

__all__ = ["SAMPLERS", "choose_sampler", "sample_arguments"]

#: the values of ``sampler`` (:meth:`bayesreg.Model.sample`, the estimators, the CLI)
SAMPLERS = ("auto", "pymc", "nutpie", "numpyro", "blackjax", "exact", "gibbs", "imh")
#: above this many features, a NUTS sampler named on a conjugate p > n model is refused
#: (it warns below): the exact sampler draws the same posterior in a fraction of a second
NUTS_CONJUGATE_MAX_FEATURES = 1000
#: the optional modules each sampler needs, and the extra of bayesreg that installs them
_NEEDS = {"nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"),
          "blackjax": ("blackjax", "jax")}


def _installed(module: str) -> bool:
    with quiet_import():  # a lazily registered module may be imported to look it up
        return importlib.util.find_spec(module) is not None


def exact_is_better(model) -> bool:
    """Whether ``model`` is conjugate with more features than observations: the models on
    which ``sampler="auto"`` draws exactly (see :func:`choose_sampler`)."""
    return model.n_features > model.n_samples and is_conjugate(model)


def gibbs_is_better(model) -> bool:
    """Whether ``sampler="auto"`` samples ``model`` with the Gibbs sampler: one that
    :func:`bayesreg.backends._gibbs.gibbs_unsupported` finds nothing against and where
    :func:`bayesreg.backends._gibbs.gibbs_pays_off` (a gaussian model with a
    scale-mixture prior and at most 200 features)."""
    return gibbs_unsupported(model) is None and gibbs_pays_off(model)


def imh_is_better(model) -> bool:
    """Whether ``sampler="auto"`` samples ``model`` with the independence sampler from
    the Laplace approximation: a GLM with a log-concave likelihood and a smooth prior
    with fixed parameters (:func:`bayesreg.backends._imh.imh_unsupported` finds nothing
    against it) with at most ``IMH_MAX_FEATURES`` (200) features. A fit whose proposal
    does not cover the posterior (Pareto k too high) falls back to NUTS."""
    return model.n_features <= IMH_MAX_FEATURES and imh_unsupported(model) is None


def choose_sampler(sampler: str, model=None, *, compiled: bool = False,
                   options=None, compiling: bool = False) -> str:
    """The sampler that runs for ``sampler``: the one rule for ``"auto"``.

    ``"auto"`` is, when neither sampler ``options`` nor a ``compiled`` sampler are given
    (they are for the NUTS samplers),

    1. ``"exact"`` when ``model`` is conjugate (gaussian family, fixed Gaussian prior,
       fixed ``sigma`` or the Normal-Inverse-Gamma prior) with more features than
       observations;
    2. ``"gibbs"`` when ``model`` is a gaussian model whose coefficient prior is a scale
       mixture of normals (``Gaussian``, ``Laplace``, ``StudentT``, ``Flat``) with a fixed
       scale or a fixed prior on it, with a flat intercept or one with such a prior,
       ``sigma`` fixed or with a fixed prior, and at most 200 features: a Gibbs sampler on sufficient statistics that needs no
       compilation (:mod:`bayesreg.backends._gibbs`), so a first fit takes about a
       second where compiling a NUTS sampler takes 5-20 s (logistic and
       negative-binomial models are sampled by Pólya-Gamma Gibbs only when asked,
       ``sampler="gibbs"``: measured, NUTS converged faster on them);
    3. ``"imh"`` when ``model`` is a GLM (bernoulli, poisson, negative binomial with a
       fixed dispersion) with a smooth coefficient prior with fixed parameters
       (``Gaussian``, ``StudentT``, ``Flat``), a flat intercept or one with such a
       prior, and at most 200 features: independence Metropolis-Hastings from the
       Laplace approximation (:mod:`bayesreg.backends._imh`), one likelihood pass per
       nearly independent draw, nothing compiled; :meth:`bayesreg.Model.sample` falls
       back to rule 4 when the proposal's Pareto k is too high;

    and otherwise (or with options)

    4. ``"nutpie"`` when nutpie is installed (as ``pm.sample`` chooses);
    5. else ``"pymc"``, PyMC's own NUTS.

    Without ``model`` only rules 4 and 5 apply; :meth:`bayesreg.Model.compile`
    (``compiling=True``) skips rule 1. Another name is returned as it is, once its
    optional backend is known to be installed.

    Parameters
    ----------
    sampler : {"auto", "pymc", "nutpie", "numpyro", "blackjax", "exact", "gibbs", "imh"}
    model : bayesreg.Model, optional
    compiled : bool, default False
        Whether a compiled sampler is given.
    options : mapping, optional
        The sampler options (``target_accept``, ...).
    compiling : bool, default False
        The caller compiles a sampler (rule 1 does not apply).

    Returns
    -------
    str
        One of ``"pymc"``, ``"nutpie"``, ``"numpyro"``, ``"blackjax"``, ``"exact"``,
        ``"gibbs"``, ``"imh"``.

    Raises
    ------
    ValueError
        ``sampler`` is not one of :data:`SAMPLERS`.
    ImportError
        The sampler's optional backend is not installed (the message names the extra).
    """
    check_param(sampler, "sampler", "Model.sample", OneOf(SAMPLERS))
    if sampler == "auto":
        if model is not None and not compiled and not options:
            if not compiling and exact_is_better(model):
                return "exact"
            if gibbs_is_better(model):
                return "gibbs"
            if imh_is_better(model):
                return "imh"
        return "nutpie" if _installed("nutpie") else "pymc"
    missing = [m for m in _NEEDS.get(sampler, ()) if not _installed(m)]
    if missing:
        raise ImportError(
            f"sampler={sampler!r} needs {', '.join(missing)}, which is not installed. "
            f"Install it with: pip install 'bayesreg[{sampler}]'"
        )
    return sampler


def sample_arguments(model, sampler, *, draws, tune, chains, retry, random_seed, compiled,
                     options, flags) -> tuple[str, int, int, int, int]:
    """``(sampler, draws, tune, chains, max_retries)`` of :meth:`Model.sample`, checked;
    ``options`` (the sampler options) are checked against the sampler that will run and
    ``flags`` (``progressbar``, ``strict``, ...) must be bools."""
    owner = "Model.sample"
    for name, value in flags.items():
        check_bool(value, name, owner)
    sampler = choose_sampler(sampler, model, compiled=compiled, options=options)
    draws = check_param(draws, "draws", owner, POSITIVE_INT)
    tune = check_param(tune, "tune", owner, NON_NEGATIVE_INT)
    chains = check_param(chains, "chains", owner, POSITIVE_INT)
    check_random_seed(random_seed, owner)
    max_retries = 2 if retry is True else 0 if retry is False else \
        check_param(retry, "retry", owner, NON_NEGATIVE_INT)
    check_proper_posterior(model, "Sampling the posterior")
    if sampler not in ("exact", "gibbs", "imh") and not compiled and exact_is_better(model):
        if model.n_features > NUTS_CONJUGATE_MAX_FEATURES:
            raise ValueError(
                f"sampler={sampler!r} on this conjugate model with p={model.n_features} > "
                f"n={model.n_samples} features would run for many minutes (NUTS took ~850 "
                f"leapfrog steps per draw at p = 2000), while sampler='exact' draws its "
                f"closed-form posterior exactly in a fraction of a second. Use "
                f"sampler='exact' (or 'auto'); to run NUTS anyway, pass a compiled sampler: "
                f"model.sample(compiled=model.compile({sampler!r})).")
        warnings.warn(
            f"This model is conjugate (gaussian family, fixed Gaussian prior) with more "
            f"features than observations (p={model.n_features} > n={model.n_samples}): "
            f"NUTS (sampler={sampler!r}) can need hundreds of leapfrog steps per draw on "
            f"its badly scaled posterior, while sampler='exact' draws it exactly in a "
            f"fraction of a second. Use sampler='exact' (or sampler='auto').",
            UserWarning, stacklevel=3)
    check_sampler_options(sampler, options)
    return sampler, draws, tune, chains, max_retries
