"""Samplers behind one protocol: a :class:`CompiledSampler` value, compiled once per model
structure, that takes new data or new prior scales without recompiling.

:func:`compile_sampler` builds it from a PyMC model (``"pymc"``, ``"nutpie"``,
``"numpyro"``, ``"blackjax"``; ``"gibbs"`` and ``"imh"`` build their programs from the
model and compile nothing, :mod:`bayesreg.backends._gibbs` and
:mod:`bayesreg.backends._imh`; ``"exact"`` needs no program);
``with_data(**values)`` returns a new value with other values of the model's data containers (see
:mod:`bayesreg.backends._pymc_model`: the fixed coefficient-prior scale, the sufficient
statistics, ...), as nutpie's ``with_data``; :meth:`CompiledSampler.run` samples and
returns the ``posterior`` and ``sample_stats`` groups. A scale grid therefore compiles
once: nutpie and the JAX samplers take the data as inputs of their compiled programs.

A compiled sampler owns its program: the PyMC model it is compiled from becomes its own
(the ``"pymc"`` sampler sets its data containers at every run), so sampling one model
with another's compiled sampler never changes the other model.

PyMC's own sampler (``sampler="pymc"``) runs its chains one after another in the
calling process unless ``cores`` says otherwise (:data:`PYMC_DEFAULT_CORES`), whatever is
imported: parallel chains are forked processes (``pm.sample(cores=k)``), and a fork of a
process that runs threads (JAX's thread pool after a numpyro, blackjax or nutpie-JAX run,
nutpie's own threads) can deadlock; processes started otherwise ("spawn",
"forkserver") would need every user script to guard its code with ``if __name__ ==
"__main__":``. Pass ``cores=4`` (``Model.sample(..., cores=4)``) for parallel PyMC chains
where no threads run. nutpie runs ``min(chains, 4)`` chains at once and the JAX samplers
``min(chains, CPU count)``, all in threads of the calling process.
"""

from __future__ import annotations

import contextlib
import difflib
from collections import OrderedDict
import inspect
import logging
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from ..base._random import seed_sequence_int
from ..utils._imports import quiet_import
from ..utils._validation import Interval, check_param
from ..priors._conjugate import exact_draws
from ._gibbs import GibbsProgram
from ._imh import ImhProgram
from ._jax import JaxProgram, sample_jax
from ._marginal import register_jax
from ..utils._datatree import datatree, group, group_names

__all__ = ["CompiledSampler", "check_sampler_options", "compile_cached", "compile_sampler",
           "run_sampler", "prior_draws", "quiet_pymc"]

#: nutpie uses its low-rank-modified mass matrix by default up to this many features
LOW_RANK_MAX_P = 2000


#: chains PyMC's own sampler runs at once by default: one, in the calling process (see
#: the module docstring)
PYMC_DEFAULT_CORES = 1


def _sample_pymc(pm_model, data, *, draws, tune, chains, seed, progressbar, **kwargs):
    kwargs.setdefault("cores", PYMC_DEFAULT_CORES)
    # pymc >= 6 picks nutpie when it is installed unless told otherwise: "pymc" means
    # PyMC's own NUTS.
    kwargs["nuts_sampler"] = "pymc"
    with pm_model, quiet_pymc():
        pm.set_data(data)
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed,
                         progressbar=progressbar, compute_convergence_checks=False,
                         **kwargs)


@contextlib.contextmanager
def quiet_pymc():
    """Silence PyMC's INFO log lines ("Initializing NUTS ...", "Sampling 4 chains ...")
    during a bayesreg fit; warnings and errors still show."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _sample_nutpie(compiled, data, *, draws, tune, chains, seed, progressbar, n_features,
                   **kwargs):
    import nutpie

    if tune < 1:  # nuts-rs panics (not a Python exception) on an empty tuning window
        raise ValueError("sampler='nutpie' needs tune >= 1; got tune=0. Use tune >= 1 or "
                         "sampler='pymc'.")
    target_accept = kwargs.pop("target_accept", None)
    if target_accept is not None:
        kwargs["target_accept"] = target_accept
    # Correlated predictors make a diagonal mass matrix take hundreds of leapfrog steps
    # per draw; nutpie's low-rank-modified mass matrix learns the correlations. Measured
    # (benchmarks/bench_sampling.py): posteriordb diamonds (p = 24) 7 instead of ~260 steps
    # per draw, ~100x the ESS/s; logistic n = 20k, p = 50: 7 instead of 15 steps, 3x the
    # ESS. Its cost is O(p * rank) per step, so it is the default up to p = LOW_RANK_MAX_P.
    if "low_rank_modified_mass_matrix" not in kwargs:  # nutpie < 0.16.9's name for it
        kwargs.setdefault("adaptation", "low_rank" if n_features <= LOW_RANK_MAX_P else "diag")
    kwargs.setdefault("cores", min(chains, 4))
    try:
        return nutpie.sample(compiled.with_data(**data), draws=draws, tune=tune,
                             chains=chains, seed=seed, progress_bar=progressbar,
                             save_warmup=False, **kwargs)
    except AttributeError as err:  # nutpie's settings refuse an unknown option by name
        unknown = [name for name in kwargs if re.search(rf"\b{re.escape(name)}\b", str(err))]
        if not unknown:
            raise
        raise TypeError(f"sampler='nutpie' has no option {unknown[0]!r} (nutpie: {err}). "
                        f"Check its spelling, or leave it out.") from err


def _sample_exact(model, *, draws, tune, chains, seed, progressbar, **kwargs):
    """Exact i.i.d. draws of a conjugate model (``tune`` and ``progressbar`` are unused)."""

    check_sampler_options("exact", kwargs)
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


@dataclass(frozen=True, eq=False)
class CompiledSampler:
    """A sampler compiled for one model structure, with the values of its data.

    An immutable value: :meth:`with_data` returns a new one with other data values
    (same names and shapes) and shares the compiled program, so it does not recompile.
    It owns that program (for ``"pymc"`` a PyMC model no bayesreg model holds, whose
    data containers each run sets): running it never changes a :class:`bayesreg.Model`.

    Attributes
    ----------
    sampler : {"pymc", "nutpie", "numpyro", "blackjax", "gibbs"}
    structure : str
        What the program was compiled for (the model structure, without the data values);
        :meth:`bayesreg.Model.sample` refuses a compiled sampler of another structure.
    data : mapping of str to ndarray
        Values of the model's data containers.
    compile_time : float
        Seconds spent compiling (0 for ``"pymc"``, which compiles in every run).
    options : tuple
        The compile options (nutpie's ``backend`` and ``gradient_backend``).
    """

    sampler: str
    structure: str
    data: Mapping[str, np.ndarray]
    compile_time: float
    options: tuple = ()
    program: Any = field(default=None, repr=False)
    #: the data a program compiled them into as constants (nutpie's JAX backend), or None
    frozen_data: Mapping[str, np.ndarray] | None = field(default=None, repr=False)

    def with_data(self, **values) -> CompiledSampler:
        """The same compiled sampler with new values of some data containers."""
        unknown = sorted(set(values) - set(self.data))
        if unknown:
            raise ValueError(f"{unknown} are not data of this compiled sampler; its data are "
                             f"{sorted(self.data)}.")
        new = dict(self.data)
        for name, value in values.items():
            value = np.asarray(value)
            if value.shape != np.shape(self.data[name]):
                raise ValueError(
                    f"New data {name!r} has shape {value.shape}, but the sampler was compiled "
                    f"for shape {np.shape(self.data[name])}. Compile for the new model "
                    f"instead (model.compile(...)).")
            new[name] = value
        return replace(self, data=new)

    def run(self, *, draws, tune, chains, seed, progressbar, n_features, **kwargs):
        """Sample; returns the DataTree with ``posterior`` and ``sample_stats``."""
        if self.sampler == "pymc":
            return _sample_pymc(self.program, dict(self.data), draws=draws, tune=tune,
                                chains=chains, seed=seed, progressbar=progressbar, **kwargs)
        if self.sampler in ("gibbs", "imh"):
            check_sampler_options(self.sampler, kwargs)
            return self.program.run(self.data, draws=draws, tune=tune, chains=chains,
                                    seed=seed)
        if self.sampler == "nutpie":
            data = dict(self.data)
            if self.frozen_data is not None:
                changed = sorted(k for k, v in data.items()
                                 if not np.array_equal(v, self.frozen_data[k]))
                if changed:
                    raise ValueError(
                        f"nutpie's JAX backend compiled the data into its program, and "
                        f"{changed} changed since: compile again for this model "
                        f"(model.compile('nutpie', backend='jax')), or use the default "
                        f"numba backend, which takes new data without recompiling.")
                data = {}
            return _sample_nutpie(self.program, data, draws=draws, tune=tune,
                                  chains=chains, seed=seed, progressbar=progressbar,
                                  n_features=n_features, **kwargs)
        return sample_jax(self.program, self.data, backend=self.sampler, draws=draws,
                          tune=tune, chains=chains, seed=seed, progressbar=progressbar,
                          **kwargs)


#: compile options each sampler takes (the others are run options)
COMPILE_OPTIONS = {"nutpie": ("backend", "gradient_backend")}


def compile_sampler(pm_model, sampler: str, *, structure: str, data: Mapping[str, Any],
                    model=None, **options) -> CompiledSampler:
    """Compile ``sampler`` for a PyMC model whose data containers hold ``data``.

    The compiled sampler owns ``pm_model``: the ``"pymc"`` sampler runs it and sets its
    data containers at every run (nutpie's JAX backend sets them once, here). Pass a
    model nobody else holds, e.g. a fresh ``build_pymc_model(model)``, so that no run
    changes what another model holds. ``"gibbs"`` needs the :class:`bayesreg.Model`
    (``model``) and compiles nothing.
    """
    unknown = sorted(set(options) - set(COMPILE_OPTIONS.get(sampler, ())))
    if unknown:
        raise TypeError(f"sampler={sampler!r} has no compile options {unknown}; its compile "
                        f"options are {list(COMPILE_OPTIONS.get(sampler, ())) or 'none'}. "
                        f"Run options (e.g. target_accept) go to Model.sample().")
    t0 = time.perf_counter()
    if sampler == "nutpie":
        import nutpie

        options = {"backend": "numba", "gradient_backend": "pytensor", **options}
        if options["backend"] == "jax":  # it compiles the data into its program: these
            register_jax()
            pm.set_data(data, model=pm_model)
        program = nutpie.compile_pymc_model(pm_model, **options)
    elif sampler in ("numpyro", "blackjax"):
        program = JaxProgram(pm_model)
    elif sampler == "pymc":
        program = pm_model
    elif sampler == "gibbs":
        program = GibbsProgram.from_model(model, pm_model)
    elif sampler == "imh":
        program = ImhProgram.from_model(model, pm_model)
    else:
        raise ValueError(f"sampler={sampler!r} has no compiled form.")
    elapsed = 0.0 if sampler == "pymc" else time.perf_counter() - t0
    data = {k: np.asarray(v) for k, v in data.items()}
    frozen = data if sampler == "nutpie" and options["backend"] == "jax" else None
    return CompiledSampler(sampler=sampler, structure=structure, data=data,
                           compile_time=elapsed, options=tuple(sorted(options.items())),
                           program=program, frozen_data=frozen)


#: at most this many compiled samplers are kept for the process (least recently used out)
COMPILED_CACHE_SIZE = 16
#: only the samplers of models whose data values take at most this many bytes are kept
#: (a nutpie program holds the data it was compiled with)
COMPILED_CACHE_DATA_BYTES = 64 * 2**20
_COMPILED: OrderedDict = OrderedDict()


def compile_cached(key, data: Mapping[str, Any], build) -> CompiledSampler:
    """The compiled sampler of ``key`` (a model structure, sampler and compile options)
    with ``data``: from the process's cache when a model of the same structure was
    compiled before, else ``build()``, kept for later models.

    A new :class:`bayesreg.Model` of a structure seen before (a notebook cell run again,
    the same model on new data of the same shapes) then samples without compiling. Kept:
    the compiled samplers of models whose data take at most
    :data:`COMPILED_CACHE_DATA_BYTES`, :data:`COMPILED_CACHE_SIZE` at most; not kept:
    ``"pymc"`` (it compiles in every run, and sets its model's data containers) and
    nutpie's JAX backend (it compiled its data in).
    """
    hit = _COMPILED.get(key)
    if hit is not None:
        _COMPILED.move_to_end(key)
        return hit.with_data(**data)
    compiled = build()
    size = sum(np.asarray(v).nbytes for v in data.values())
    if (compiled.sampler != "pymc" and compiled.frozen_data is None
            and size <= COMPILED_CACHE_DATA_BYTES):
        _COMPILED[key] = compiled
        while len(_COMPILED) > COMPILED_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


#: arguments that bayesreg itself gives every sampler (Model.sample's own parameters)
_RESERVED = ("draws", "tune", "chains", "random_seed", "seed", "progressbar", "progress_bar",
             "nuts_sampler", "compute_convergence_checks", "model", "compiled_model",
             "return_inferencedata", "save_warmup")


def _parameters(*functions, drop=()) -> set[str]:
    names: set[str] = set()
    for fn in functions:
        names.update(n for n, p in inspect.signature(fn).parameters.items()
                     if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
    return names - {"self", "vars", *drop}


def _known_options(sampler: str):
    """The options ``sampler`` takes (besides bayesreg's own), or None when that cannot be
    told without running it (nutpie's settings are checked one by one)."""
    common = {"target_accept"}
    if sampler == "pymc":
        steps = [c.__init__ for c in pm.NUTS.__mro__ if "__init__" in vars(c) and c is not object]
        return common | {"nuts"} | _parameters(pm.sample, *steps)
    if sampler == "numpyro":
        with quiet_import():
            from numpyro.infer import NUTS
        return common | {"nuts_sampler_kwargs", "chain_method", "cores"} | _parameters(
            NUTS.__init__, drop=("model", "potential_fn", "target_accept_prob"))
    if sampler == "blackjax":
        with quiet_import():
            import blackjax
            import blackjax.mcmc.nuts
        return common | {"nuts_sampler_kwargs", "chain_method", "cores"} | _parameters(
            blackjax.window_adaptation, blackjax.mcmc.nuts.as_top_level_api,
            drop=("algorithm", "logdensity_fn", "target_acceptance_rate",
                  "adaptation_info_fn", "step_size", "inverse_mass_matrix"))
    return None


def _nutpie_documented() -> set[str]:
    """The options of ``nutpie.sample`` that its public API shows: its parameters and the
    settings its docstring documents (``target_accept``, ``maxdepth``, ...)."""
    import nutpie

    documented = re.findall(r"^(\w+)\s*:", inspect.getdoc(nutpie.sample) or "", re.M)
    return (_parameters(nutpie.sample) | set(documented) | set(COMPILE_OPTIONS["nutpie"])
            | {"target_accept", "low_rank_modified_mass_matrix", "use_grad_based_mass_matrix"})


def _nutpie_takes(name: str) -> bool:
    """Whether nutpie takes the option ``name``, as far as its public API tells: a
    documented one does; a name close to a documented one (``target_acept``) is taken for
    a misspelling; any other goes to nutpie's settings, which refuse an unknown name when
    the run starts (:func:`_sample_nutpie` says so in bayesreg's words)."""
    known = _nutpie_documented()
    return name in known or not difflib.get_close_matches(name, sorted(known), n=1,
                                                          cutoff=0.8)


def check_sampler_options(sampler: str, options: Mapping[str, Any]) -> None:
    """Refuse, before anything is compiled or run, sampler options that ``sampler`` does
    not take (e.g. a misspelled ``target_acept``) and a ``target_accept`` outside (0, 1)."""
    if sampler in ("exact", "gibbs", "imh"):
        if options:
            raise TypeError(f"sampler={sampler!r} takes no sampler options; got "
                            f"{sorted(options)}. Options such as target_accept are for the "
                            f"NUTS samplers.")
        return
    if options.get("target_accept") is not None:
        check_param(options["target_accept"], "target_accept", "Model.sample",
                    Interval("float", 0.0, 1.0, "neither"))
    reserved = sorted(set(options) & set(_RESERVED))
    if reserved:
        raise TypeError(f"{reserved} are set by Model.sample itself; pass them as its own "
                        f"arguments (draws=, tune=, chains=, random_seed=, progressbar=), not "
                        f"as sampler options.")
    known = _known_options(sampler)
    names = dict(options)
    names.update(options.get("nuts_sampler_kwargs") or {})
    for name in names:
        ok = _nutpie_takes(name) if known is None else name in known
        if not ok:
            close = difflib.get_close_matches(
                name, sorted(known if known is not None else _nutpie_documented()), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"sampler={sampler!r} has no option {name!r}.{hint} Check its "
                            f"spelling, or leave it out.")


def run_sampler(model, sampler: str, *, draws: int, tune: int, chains: int, random_seed,
                progressbar: bool, compiled: CompiledSampler | None = None, **kwargs):
    """Sample ``model`` with ``sampler`` (through ``compiled`` for the MCMC samplers).

    Returns
    -------
    dict of str to xarray.Dataset
        ``posterior`` and ``sample_stats``. The wall time of the run is stored in
        ``posterior.attrs["sampling_time"]`` (seconds, compilation excluded).
    """
    (seed,) = seed_sequence_int(random_seed)
    t0 = time.perf_counter()
    try:
        if sampler == "exact":
            tree = _sample_exact(model, draws=draws, tune=tune, chains=chains, seed=seed,
                                 progressbar=progressbar, **kwargs)
        else:
            tree = compiled.run(draws=draws, tune=tune, chains=chains, seed=seed,
                                progressbar=progressbar, n_features=model.n_features,
                                **kwargs)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"Sampling was interrupted after {time.perf_counter() - t0:.1f} s (sampler="
            f"{sampler!r}, {chains} chains x {tune} tuning + {draws} draws): no fit was "
            f"returned and nothing was written; the model is unchanged. Run it again, e.g. "
            f"with fewer draws or chains.") from None
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
    return _complete_draws(groups, draws)


def _complete_draws(groups, draws: int):
    """A run that stopped early (nutpie returns what it has on Ctrl-C, its chains of
    unequal length, NaN-padded) keeps the draws that every chain completed, and says so."""
    posterior = groups["posterior"]
    kept = int(posterior.sizes.get("draw", draws))
    if kept >= draws:
        return groups
    done = np.ones(kept, dtype=bool)
    for var in posterior.data_vars.values():
        values = np.asarray(var.transpose("chain", "draw", ...).values, dtype=float)
        done &= np.isfinite(values.reshape(values.shape[0], kept, -1)).all(axis=(0, 2))
    full = kept if done.all() else int(np.argmin(done))
    groups = {name: g.isel(draw=slice(0, full)) if "draw" in g.dims else g
              for name, g in groups.items()}
    groups["posterior"].attrs["bayesreg_interrupted"] = f"{full} of {draws} draws per chain"
    warnings.warn(f"Sampling stopped early (interrupted): the fit holds the {full} of {draws} "
                  f"draws per chain that every chain completed. Check the convergence report "
                  f"before using it, or run again.", UserWarning, stacklevel=4)
    return groups
