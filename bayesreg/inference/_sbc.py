r"""Simulation-based calibration (SBC) of a model and its sampler: :func:`sbc`.

For ``s = 1..S`` (Talts et al. 2018): draw ``theta_s ~ p(theta)`` from the model's prior
and ``y_s ~ p(y | theta_s, X)`` from its likelihood at the model's own design ``X`` (both
by :meth:`bayesreg.Model.sample_prior_predictive`, the model's generative definition),
fit ``y_s`` and rank ``theta_s`` among ``L`` near-independent posterior draws. If the
posterior draws are right, every rank is uniform on ``{0, ..., L}``; the uniformity test
and its simultaneous ECDF band are :mod:`bayesreg.base._sbc`.

The design stays fixed, and so does everything a model resolves from its data when it is
built, so that the prior the fits assume is the prior the simulations are drawn from: the
default ``sigma`` prior's scale (``std(y)``) is resolved once, at the model's ``y``, and
:meth:`bayesreg.Model.replace` keeps it; a shrinkage prior's global scale ``tau0`` depends
on ``n`` and ``p`` only; a GLM's pseudo standard deviation, which the shrinkage priors
take from the mean of ``y``, is fixed at its value for the model's ``y`` (the prior's
``pseudo_sigma``) in the model that simulates and in every fit.

``simuk`` (arviz-devs) runs SBC for a PyMC, Bambi or NumPyro model it samples with
``pm.sample``; bayesreg's samplers (exact, Gibbs on sufficient statistics, the
integrated-out coefficients of the sparse priors, nutpie with a compiled program reused
across simulations) and its models are what it cannot reach, so this module draws and
fits itself and uses simuk's rank convention (the number of posterior draws below the
reference value).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr
from arviz_stats.base import array_stats

from ..backends._pymc_model import model_shrinkage_scales
from ..backends._samplers import quiet_pymc
from ..base._random import seed_sequence_int
from ..base._sbc import sbc_ranks, thin_indices, uniformity_pvalue
from ..utils._datatree import group_names
from ..utils._validation import (
    POSITIVE_INT,
    Interval,
    check_param,
    check_random_seed,
)
from ._diagnostics import ConvergenceWarning
from ._model import Model

__all__ = ["sbc", "SBC_RULE"]

#: the multiple-testing rule of every SBC verdict in bayesreg (tests, VALIDATION.md)
SBC_RULE = ("Bonferroni over the parameters of one model: joint p = min(1, k * min_j p_j) "
            "for k ranked parameters; calibrated when joint p > alpha (0.01).")

#: draws per chain run for each kept draw, by default, when the sampler is MCMC
_DRAWS_PER_KEPT = 4


def _model_of(model_or_fit) -> Model:
    if isinstance(model_or_fit, Model):
        return model_or_fit
    if isinstance(model_or_fit, xr.DataTree) and "posterior" in group_names(model_or_fit):
        return Model.from_idata(model_or_fit)
    raise TypeError(f"sbc needs a bayesreg.Model or a fit of one (the DataTree of "
                    f"model.sample() or bayesreg.load()); got {type(model_or_fit).__name__}.")


def _hold_data_scales(model: Model) -> Model:
    """``model`` with the pseudo standard deviation of a GLM's shrinkage prior fixed at its
    value for the model's ``y``: the prior every simulation draws from and every fit uses."""
    if (model.prior.sparse and not model.family.has_sigma
            and getattr(model.prior, "pseudo_sigma", None) is None):
        noise = model_shrinkage_scales(model).noise
        return model.replace(prior=dataclasses.replace(model.prior, pseudo_sigma=noise))
    return model


def _components(ds: xr.Dataset, names: list[str], sample_dims: tuple[str, ...]):
    """``(labels, variables, array)``: every component of ``names`` as one column."""
    labels, owners, columns = [], [], []
    for name in names:
        da = ds[name]
        other = [d for d in da.dims if d not in sample_dims]
        if not other:
            labels.append(name)
            owners.append(name)
            columns.append(da.transpose(*sample_dims).values[..., None])
            continue
        stacked = da.stack(_component=other).transpose(*sample_dims, "_component")
        for idx in stacked["_component"].values:
            key = idx if isinstance(idx, tuple) else (idx,)
            labels.append(f"{name}[{', '.join(str(k) for k in key)}]")
            owners.append(name)
        columns.append(stacked.values)
    return labels, owners, np.concatenate(columns, axis=-1)


def _one_fit(model: Model, reference: np.ndarray, names: list[str], fit, settings: dict,
             seed: int) -> tuple[np.ndarray, float, bool]:
    """Fit one simulated data set; the ranks of ``reference``, the least ESS, and whether
    the sampler warned (convergence gate)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if fit is None:
            out = model.sample(draws=settings["sample_draws"], tune=settings["tune"],
                               chains=settings["chains"], sampler=settings["sampler"],
                               random_seed=seed, progressbar=False, log_likelihood=False,
                               **settings["sample_kwargs"])
        else:
            out = fit(model, seed)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:  # anything else is the caller's to see
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    posterior = out.posterior.to_dataset() if isinstance(out, xr.DataTree) else out
    if not isinstance(posterior, xr.Dataset) or not {"chain", "draw"} <= set(posterior.dims):
        raise TypeError("the fit must return a DataTree with a posterior group or a Dataset "
                        "with dims (chain, draw, ...), as model.sample() does.")
    missing = [n for n in names if n not in posterior]
    if missing:
        raise ValueError(f"the fit's posterior has no {missing}; return every ranked "
                         f"parameter or choose others with var_names.")
    _, _, arr = _components(posterior, names, ("chain", "draw"))
    n_chain, n_draw, k = arr.shape
    keep = settings["draws"]
    ess = float(n_chain * n_draw)
    if n_draw >= 4:
        with np.errstate(all="ignore"):
            values = array_stats.ess(np.moveaxis(arr, -1, 0), chain_axis=-2, draw_axis=-1)
        values = np.where(np.isfinite(values), values, ess)  # a constant component
        ess = float(np.min(values)) if values.size else ess
    if posterior.attrs.get("exact_kind") is not None:
        ess = float(n_chain * n_draw)  # i.i.d. draws: the estimator's noise is not ESS
    pooled = arr.reshape(n_chain * n_draw, k)[thin_indices(n_chain * n_draw, keep)]
    return sbc_ranks(reference, pooled), ess, warned


def _check_fit(fit):
    if fit is not None and not callable(fit):
        raise TypeError(f"fit must be a callable fit(model, random_seed) returning a fit; got "
                        f"{type(fit).__name__}.")
    return fit


def sbc(
    model,
    *,
    simulations: int = 100,
    sampler: str = "auto",
    draws: int = 99,
    chains: int = 2,
    tune: int = 500,
    sample_draws: int | None = None,
    fit: Callable[[Model, int], Any] | None = None,
    fit_model: Model | None = None,
    var_names: list[str] | None = None,
    alpha: float = 0.01,
    random_seed=None,
    client=None,
    **sample_kwargs,
) -> xr.Dataset:
    r"""Simulation-based calibration of a model and its sampler (Talts et al. 2018).

    For each of ``simulations`` draws ``theta_s`` of every parameter from the prior and
    ``y_s`` from the likelihood at the model's design, fit ``y_s`` and compute the rank
    ``r_s = #{l : theta_l < theta_s}`` of ``theta_s`` among ``L = draws`` posterior draws.
    Under a correct posterior, ``r_s`` is uniform on ``{0, ..., L}`` for every parameter
    component; the ECDF test of :func:`bayesreg.base._sbc.uniformity_pvalue` gives a
    p-value per component, and the joint p-value is Bonferroni's,
    ``min(1, k min_j p_j)`` over the ``k`` components.

    Parameters
    ----------
    model : Model or xarray.DataTree
        The model whose prior and likelihood generate the data (its design ``X``, its
        priors, and the scales it resolved from its ``y``), or a fit of one (the result
        of ``model.sample()`` or :func:`bayesreg.load`). Every prior must be proper
        (give ``intercept_prior=Gaussian(10.0)`` rather than the default ``Flat()``).
    simulations : int, default 100
    sampler : str, default "auto"
        The sampler of :meth:`Model.sample` that fits each simulated data set.
    draws : int, default 99
        ``L``, the posterior draws kept per fit: ranks lie in ``{0, ..., L}``.
    chains, tune : int
        Passed to :meth:`Model.sample`.
    sample_draws : int, optional
        Draws per chain each fit runs, thinned to ``draws`` evenly over the pooled
        chains. Default ``ceil(draws / chains)`` for ``sampler="exact"`` (i.i.d. draws)
        and ``4 * draws / chains`` otherwise (a thinning by 4, enough when the ESS of
        every ranked parameter is at least ``draws``; the result's ``ess`` says whether
        it was).
    fit : callable, optional
        ``fit(model, random_seed)`` returning a fit of ``model`` (a DataTree with a
        ``posterior`` group or a Dataset with dims ``(chain, draw, ...)``), used instead
        of ``model.sample``: how your own sampler, or a deliberately broken one, is
        checked. It must be picklable when ``client`` is given.
    fit_model : Model, optional
        The model each simulated ``y`` is fitted with, default ``model``: e.g. the same
        design with other priors, to see SBC flag the mismatch. Same design shape.
    var_names : list of str, optional
        The parameters ranked: default every parameter drawn from the prior that the
        posterior also holds (``coef``, ``intercept``, ``sigma``, hyperparameters and the
        latent scales of the shrinkage priors), in alphabetical order, but the standard
        normals ``coef_z`` of a non-centred form (``coef = scale * coef_z``: the
        coefficients and their scale carry the same information).
    alpha : float, default 0.01
        Level of the verdict (``passed`` is ``joint_p_value > alpha``) and of the band in
        :func:`bayesreg.plots.plot_sbc`.
    random_seed : int, optional
        The same seed gives the same simulations, fits and ranks.
    client : dask.distributed.Client, optional
        Run the fits on its workers (each task is one simulated data set).
    **sample_kwargs
        Other options of :meth:`Model.sample` (e.g. ``target_accept``).

    Returns
    -------
    xarray.Dataset
        ``ranks`` (simulation, parameter) in ``{0..L}``; ``reference`` (simulation,
        parameter), the prior draws; ``p_value`` (parameter), the uniformity test of each
        component; ``joint_p_value``, Bonferroni's over the components; ``ess``
        (simulation), the least ESS of a fit's ranked components (compare with ``L``);
        ``warned`` (simulation), whether the fit failed the convergence gate. The
        ``parameter`` coordinate names components as ``coef[x0]``, with ``variable``
        their model variable. ``attrs``: ``draws`` (L), ``sampler``, ``alpha``,
        ``passed``, ``rule`` (the multiple-testing rule).

    Examples
    --------
    >>> model = bayesreg.Model(X, y, prior=bayesreg.Gaussian(1.0), sigma=1.0,
    ...                        intercept_prior=bayesreg.Gaussian(5.0))   # doctest: +SKIP
    >>> result = bayesreg.sbc(model, simulations=200, sampler="exact")  # doctest: +SKIP
    >>> float(result["joint_p_value"]), result.attrs["passed"]           # doctest: +SKIP
    """
    owner = "sbc"
    model = _model_of(model)
    simulations = check_param(simulations, "simulations", owner, POSITIVE_INT)
    draws = check_param(draws, "draws", owner, POSITIVE_INT)
    chains = check_param(chains, "chains", owner, POSITIVE_INT)
    alpha = float(check_param(alpha, "alpha", owner, Interval("float", 0.0, 1.0, "neither")))
    random_seed = check_random_seed(random_seed, owner)
    fit = _check_fit(fit)
    model = _hold_data_scales(model)
    if fit_model is None:
        fit_model = model
    elif not isinstance(fit_model, Model) or fit_model.X.shape != model.X.shape:
        raise ValueError("fit_model must be a bayesreg.Model with the same design shape as "
                         "model (fit_model=model.replace(prior=...), say).")
    fit_model = _hold_data_scales(fit_model)
    if sample_draws is None:
        sample_draws = (-(-draws // chains) if sampler == "exact"
                        else -(-_DRAWS_PER_KEPT * draws // chains))
    sample_draws = check_param(sample_draws, "sample_draws", owner, POSITIVE_INT)
    if sample_draws * chains < draws:
        raise ValueError(f"sample_draws * chains = {sample_draws * chains} is fewer than the "
                         f"draws = {draws} kept per fit; raise sample_draws.")

    seeds = seed_sequence_int(random_seed, simulations + 1)
    try:
        with quiet_pymc():  # PyMC's "Sampling: [...]" line
            prior = model.sample_prior_predictive(simulations, random_seed=seeds[0])
    except ValueError as err:
        if "improper" not in str(err):
            raise
        raise ValueError(f"sbc draws the parameters from the prior, so every prior must be "
                         f"proper. {err}") from None
    ref_ds = prior["prior"].to_dataset().isel(chain=0)
    y_draws = prior["prior_predictive"]["y"].values[0]
    if var_names is None:
        probe = fit_model.pymc_model  # what a posterior of fit_model holds
        held = {v.name for v in probe.free_RVs + probe.deterministics}
        # not the standard normals of a non-centred form (``coef = scale * coef_z``): the
        # coefficients and their scale carry the same information
        var_names = sorted(n for n in ref_ds.data_vars if n in held and not n.endswith("_z"))
    else:
        unknown = [n for n in var_names if n not in ref_ds]
        if unknown:
            raise ValueError(f"var_names {unknown} are not parameters of the model's prior; "
                             f"choose among {sorted(ref_ds.data_vars)}.")
    labels, owners, reference = _components(ref_ds, list(var_names), ("draw",))
    settings = dict(sample_draws=sample_draws, tune=tune, chains=chains, sampler=sampler,
                    draws=draws, sample_kwargs=sample_kwargs)
    models = [fit_model.replace(y=y_draws[s]) for s in range(simulations)]
    args = [(models[s], reference[s], list(var_names), fit, settings, seeds[s + 1])
            for s in range(simulations)]
    if client is None:
        results = [_one_fit(*a) for a in args]
    else:
        futures = client.map(_one_fit, *zip(*args), pure=False)
        results = client.gather(futures)
    ranks = np.stack([r[0] for r in results])
    ess = np.array([r[1] for r in results])
    warned = np.array([r[2] for r in results])
    p = np.array([uniformity_pvalue(ranks[:, j], draws + 1) for j in range(len(labels))])
    joint = float(min(1.0, len(labels) * p.min()))
    coords = {"simulation": np.arange(simulations), "parameter": labels,
              "variable": ("parameter", owners)}
    return xr.Dataset(
        {"ranks": (("simulation", "parameter"), ranks),
         "reference": (("simulation", "parameter"), reference),
         "p_value": (("parameter",), p),
         "joint_p_value": ((), joint),
         "ess": (("simulation",), ess),
         "warned": (("simulation",), warned)},
        coords=coords,
        attrs={"draws": draws, "sampler": sampler if fit is None else getattr(
            fit, "__name__", type(fit).__name__), "alpha": alpha,
            "passed": int(joint > alpha), "rule": SBC_RULE,
            "simulations": simulations})
