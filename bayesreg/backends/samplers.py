"""Run PyMC's NUTS samplers on a built :class:`bayesreg.Model`.

Every backend goes through :func:`run_sampler` and returns an ``arviz.InferenceData``
with at least ``posterior`` and ``sample_stats``; :meth:`bayesreg.Model.sample` then adds
the data groups and the pointwise ``log_likelihood`` in one shared code path.

Compiled samplers are cached on the model (``model._compiled``, with compile times in
``model._compile_time``): a second fit of the same model does not recompile. nutpie's
compiled model is reused as is; for numpyro and blackjax the JAX log density and
postprocessing are built once per model and the whole jitted run once per
``(backend, draws, tune, target_accept, options)`` (one chain; chains run in threads).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from ..math.seeds import seed_sequence_int
from .exact import exact_draws
from .jax import sample_jax
from .results import datatree, group, group_names

__all__ = ["run_sampler", "prior_draws"]

#: nutpie uses its low-rank-modified mass matrix by default up to this many features
LOW_RANK_MAX_P = 2000


def _sample_pymc(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    # PyMC runs chains in forked processes; forking a process in which JAX has started
    # its thread pool can deadlock, so once JAX is loaded chains run in this process.
    # (``"jax" in sys.modules`` is not the test: arviz registers a lazy, unloaded jax.)
    kwargs.setdefault("cores", 1 if "jax._src" in sys.modules else min(chains, 4))
    # pymc >= 6 picks nutpie when it is installed unless told otherwise: "pymc" means
    # PyMC's own NUTS.
    kwargs["nuts_sampler"] = "pymc"
    with model.pymc_model, _quiet_pymc():
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed,
                         progressbar=progressbar, compute_convergence_checks=False,
                         **kwargs)


@contextlib.contextmanager
def _quiet_pymc():
    """Silence PyMC's INFO log lines ("Initializing NUTS ...", "Sampling 4 chains ...")
    during a bayesreg fit; warnings and errors still show."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _sample_nutpie(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    import nutpie

    if tune < 1:  # nuts-rs panics (not a Python exception) on an empty tuning window
        raise ValueError("sampler='nutpie' needs tune >= 1; got tune=0. Use tune >= 1 or "
                         "sampler='pymc'.")
    backend = kwargs.pop("backend", "numba")
    gradient_backend = kwargs.pop("gradient_backend", "pytensor")
    key = ("nutpie", backend, gradient_backend)
    compiled = model._compiled.get(key)
    if compiled is None:
        t0 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(model.pymc_model, backend=backend,
                                             gradient_backend=gradient_backend)
        model._compile_time[key] = time.perf_counter() - t0
        model._compiled[key] = compiled
    target_accept = kwargs.pop("target_accept", None)
    if target_accept is not None:
        kwargs["target_accept"] = target_accept
    # Correlated predictors make a diagonal mass matrix take hundreds of leapfrog steps
    # per draw; nutpie's low-rank-modified mass matrix learns the correlations. Measured
    # (benchmarks/bench_sampling.py): posteriordb diamonds (p = 24) 7 instead of ~260 steps
    # per draw, ~100x the ESS/s; logistic n = 20k, p = 50: 7 instead of 15 steps, 3x the
    # ESS. Its cost is O(p * rank) per step, so it is the default up to p = LOW_RANK_MAX_P.
    if "low_rank_modified_mass_matrix" not in kwargs:  # nutpie < 0.16.9's name for it
        kwargs.setdefault("adaptation",
                          "low_rank" if model.n_features <= LOW_RANK_MAX_P else "diag")
    kwargs.setdefault("cores", min(chains, 4))
    idata = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, seed=seed,
                          progress_bar=progressbar, save_warmup=False, **kwargs)
    return idata


def _sample_exact(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    """Exact i.i.d. draws of a conjugate model (``tune`` and ``progressbar`` are unused)."""

    if kwargs:
        raise TypeError(f"sampler='exact' takes no sampler options; got {sorted(kwargs)}. "
                        f"Options such as target_accept are for the NUTS samplers.")
    ex = exact_draws(model, draws=draws, chains=chains, random_seed=seed)
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    post = {}
    for name, arr in ex.posterior.items():
        dims = ("chain", "draw", "feature") if arr.ndim == 3 else ("chain", "draw")
        post[name] = (dims, arr)
    posterior = xr.Dataset(post, coords={**coords, "feature": model.feature_names})
    sample_stats = xr.Dataset({"lp": (("chain", "draw"), ex.lp),
                               "diverging": (("chain", "draw"), np.zeros(ex.lp.shape, bool))},
                              coords=coords)
    posterior.attrs["exact_kind"] = ex.kind
    return datatree({"posterior": posterior, "sample_stats": sample_stats})


def prior_draws(pm_model, draws: int, seed: int):
    """``draws`` draws of every parameter from the prior of a PyMC model, as a Dataset
    with dims ``(chain=1, draw, ...)`` (the likelihood ``Potential`` is not involved)."""

    names = [v.name for v in pm_model.free_RVs + pm_model.deterministics if v.name != "y"]
    with pm_model, warnings.catch_warnings():
        # the only Potential is the likelihood, which the prior does not involve
        warnings.filterwarnings("ignore", message=".*effect of Potentials.*")
        prior = pm.sample_prior_predictive(draws=draws, var_names=names, random_seed=seed)
    return group(prior, "prior")


_BACKENDS = {
    "exact": _sample_exact,
    "pymc": _sample_pymc,
    "nutpie": _sample_nutpie,
    "numpyro": lambda model, **kw: sample_jax(model, backend="numpyro", **kw),
    "blackjax": lambda model, **kw: sample_jax(model, backend="blackjax", **kw),
}


def run_sampler(model, sampler: str, *, draws: int, tune: int, chains: int, random_seed,
                progressbar: bool, **kwargs):
    """Sample ``model`` with ``sampler``.

    Returns
    -------
    dict of str to xarray.Dataset
        ``posterior`` and ``sample_stats`` (and ``warmup_*`` groups where a backend
        keeps them). The wall time of the run is stored in
        ``posterior.attrs["sampling_time"]`` (seconds, compilation included on a first
        nutpie run; see ``model._compile_time``).
    """
    (seed,) = seed_sequence_int(random_seed)
    t0 = time.perf_counter()
    tree = _BACKENDS[sampler](model, draws=draws, tune=tune, chains=chains, seed=seed,
                              progressbar=progressbar, **kwargs)
    groups = {name: group(tree, name) for name in group_names(tree)}
    posterior = groups["posterior"]
    posterior.attrs["sampling_time"] = time.perf_counter() - t0
    # nutpie also stores the unconstrained values (e.g. ``sigma_log__``); drop them so that
    # every backend returns the same variables
    helpers = [v for v in posterior.data_vars if str(v).endswith("__")]
    groups["posterior"] = posterior.drop_vars(helpers)
    # nutpie's text statistics (divergence_message) hold NaN for "none": store "" so
    # that a saved file reads back identical
    stats = groups["sample_stats"]
    for name, var in stats.data_vars.items():
        if var.dtype == object:
            text = np.where(pd.isna(var.values), "", var.values).astype(str)
            stats[name] = (var.dims, text)
    return groups
