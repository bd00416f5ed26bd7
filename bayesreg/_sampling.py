"""Run PyMC's NUTS samplers on a built :class:`bayesreg.Model`.

Every backend goes through :func:`run_sampler` and returns an ``arviz.InferenceData``
with at least ``posterior`` and ``sample_stats``; :meth:`bayesreg.Model.sample` then adds
the data groups and the pointwise ``log_likelihood`` in one shared code path.

Compiled samplers are cached on the model (``model._compiled``): a second fit of the same
model does not recompile (nutpie's compiled model is reused as is).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

__all__ = ["run_sampler", "seed_sequence_int"]

#: nutpie uses its low-rank-modified mass matrix by default up to this many features
LOW_RANK_MAX_P = 2000


def seed_sequence_int(random_seed, n: int = 1) -> list[int]:
    """``n`` 31-bit integer seeds derived deterministically from ``random_seed``.

    ``None`` gives fresh OS entropy; an int or ``SeedSequence`` gives the same seeds
    every time.
    """
    ss = random_seed if isinstance(random_seed, np.random.SeedSequence) else \
        np.random.SeedSequence(random_seed)
    return [int(s) for s in ss.generate_state(n, dtype=np.uint32) % (2**31 - 1)]


def _sample_pymc(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    import pymc as pm

    # PyMC runs chains in forked processes; forking a process in which JAX has started
    # its thread pool can deadlock, so once JAX is imported chains run in this process.
    kwargs.setdefault("cores", 1 if "jax" in sys.modules else min(chains, 4))
    with model.pymc_model:
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed,
                         progressbar=progressbar, compute_convergence_checks=False,
                         idata_kwargs={"log_likelihood": False}, **kwargs)


def _sample_jax(model, *, backend, draws, tune, chains, seed, progressbar, **kwargs):
    import pymc as pm

    # JAX samplers run chains vectorized in one process on the CPU.
    kwargs.setdefault("chain_method", "vectorized")
    with model.pymc_model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*There are not enough devices.*")
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed,
                         progressbar=progressbar, nuts_sampler=backend,
                         compute_convergence_checks=False,
                         idata_kwargs={"log_likelihood": False}, **kwargs)


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
    kwargs.setdefault("low_rank_modified_mass_matrix", model.n_features <= LOW_RANK_MAX_P)
    kwargs.setdefault("cores", min(chains, 4))
    idata = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, seed=seed,
                          progress_bar=progressbar, save_warmup=False, **kwargs)
    return idata


def _sample_exact(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    """Exact i.i.d. draws of a conjugate model (``tune`` and ``progressbar`` are unused)."""
    import arviz as az
    import xarray as xr

    from ._exact import exact_draws

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
    return az.InferenceData(posterior=posterior, sample_stats=sample_stats)


_BACKENDS = {
    "exact": _sample_exact,
    "pymc": _sample_pymc,
    "nutpie": _sample_nutpie,
    "numpyro": lambda model, **kw: _sample_jax(model, backend="numpyro", **kw),
    "blackjax": lambda model, **kw: _sample_jax(model, backend="blackjax", **kw),
}


def run_sampler(model, sampler: str, *, draws: int, tune: int, chains: int, random_seed,
                progressbar: bool, **kwargs):
    """Sample ``model`` with ``sampler``; returns InferenceData (posterior, sample_stats).

    The wall time of the run is stored in ``posterior.attrs["sampling_time"]`` (seconds,
    compilation included on a first nutpie run; see ``model._compile_time``).
    """
    (seed,) = seed_sequence_int(random_seed)
    t0 = time.perf_counter()
    idata = _BACKENDS[sampler](model, draws=draws, tune=tune, chains=chains, seed=seed,
                              progressbar=progressbar, **kwargs)
    idata.posterior.attrs["sampling_time"] = time.perf_counter() - t0
    # nutpie also stores the unconstrained values (e.g. ``sigma_log__``); drop them so that
    # every backend returns the same variables
    helpers = [v for v in idata.posterior.data_vars if str(v).endswith("__")]
    if helpers:
        idata.posterior = idata.posterior.drop_vars(helpers)
    return idata
