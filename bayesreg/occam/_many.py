r"""Many fits at once: a grid of prior scales, CV folds or bootstrap resamples, in parallel
on a ``dask.distributed`` cluster, gathered into one ``xarray.Dataset``.

Each fit is independent (embarrassingly parallel): :func:`fit_many` sends the model to
every worker once (``client.scatter``), maps one task per (scale, fold) pair with
``client.map`` and gathers small results (``p`` numbers per fit), so a 100-fit grid costs
about ``100 / n_workers`` fits of wall time. Without a client the same tasks run in a
loop in this process (the results are identical: every task has its own seed).

The result has dims ``scale`` (and ``fold`` for CV folds or bootstrap resamples) and
``feature``; ``ds.to_dataframe()`` gives the tidy tables of :func:`bayesreg.scale_grid`
(evidence, Occam factor, LOO per scale) and of :func:`bayesreg.regularization_path`
(posterior mean, interval and MAP per scale and feature).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from ..backends._dask_chunks import settle_lazy_modules
from ..inference._evidence import is_conjugate, log_evidence
from ..inference._model import Model
from ..inference._outofcore import DaskModel
from ..inference._pointwise import pointwise_loglik
from ..utils._validation import PROBABILITY, OneOf, check_param
from ._runs import (
    at_scale,
    check_scale_grid,
    evidence_columns,
    exact_fit,
    grid_sample_options,
    loo_columns,
    quiet_sample,
)

__all__ = ["fit_many"]

_METHODS = ("posterior", "map")


def _subset(model: Model, rows: np.ndarray | None) -> Model:
    if rows is None:
        return model
    w = None if model.sample_weight is None else model.sample_weight[rows]
    return model.replace(X=model.X_original[rows], y=model.y[rows], sample_weight=w)


def _one_fit(model: Model, scale: float | None, train, test, method: str, draws: int,
             interval_prob: float, loo: bool, seed, sample_kwargs: dict) -> dict[str, Any]:
    """One fit of the grid: scalars and length-``p`` arrays (see :func:`fit_many`)."""
    settle_lazy_modules()
    m = model if scale is None else at_scale(model, scale)
    m = _subset(m, train)
    out: dict[str, Any] = {}
    conj = is_conjugate(m)
    if conj:
        out.update(evidence_columns(log_evidence(m, method="exact")))
    if method == "map":
        est = m.map()
        out.update(coef=est.coef.values, intercept=est.intercept)
        if test is not None:
            post = xr.Dataset({"coef": (("chain", "draw", "feature"), est.coef.values[None, None]),
                               "intercept": (("chain", "draw"), [[est.intercept]])})
            out["elpd_test"] = float(_test_loglik(m, model, post, test).sum())
        return out
    if conj:
        fit = exact_fit(m, draws, seed, log_likelihood=False)  # LOO: in blocks, below
    else:
        fit, out["converged"] = quiet_sample(m, random_seed=seed, log_likelihood=False,
                                             **grid_sample_options(draws, sample_kwargs))
    coef = fit.posterior["coef"].transpose("chain", "draw", "feature").values
    coef = coef.reshape(-1, coef.shape[-1])
    q = (1.0 - interval_prob) / 2.0
    out.update(coef_mean=coef.mean(0), coef_sd=coef.std(0, ddof=1),
               coef_lower=np.quantile(coef, q, axis=0),
               coef_upper=np.quantile(coef, 1.0 - q, axis=0))
    if m.fit_intercept:
        out["intercept_mean"] = float(fit.posterior["intercept"].mean())
    if loo:
        out.update(loo_columns(fit, reff=1.0 if conj else None, model=m))
    if test is not None:
        ll = _test_loglik(m, model, fit.posterior, test)
        S = ll.shape[0] * ll.shape[1]
        out["elpd_test"] = float((logsumexp(ll.reshape(S, -1), axis=0) - np.log(S)).sum())
    return out


def _test_loglik(m: Model, full: Model, posterior, test) -> np.ndarray:
    """``log p(y_i | theta_draw)`` of held-out rows (weighted), shape (chain, draw, n)."""
    X = full.X_original[test]
    if m.standardization is not None:
        X = m.standardization.transform(X)
    w = None if full.sample_weight is None else full.sample_weight[test]
    return pointwise_loglik(m, posterior, X, full.y[test], w).values


def _splits(n: int, folds, bootstrap, rng):
    """``(dim name, [(train, test), ...])``; ``(None, [(None, None)])`` for full data."""
    if folds is not None and bootstrap is not None:
        raise ValueError("fit_many takes folds or bootstrap, not both.")
    if folds is not None:
        k = int(folds)
        if not 2 <= k <= n:
            raise ValueError(f"The 'folds' parameter of fit_many must be an int in [2, {n}]. "
                             f"Got {folds!r} instead.")
        parts = np.array_split(rng.permutation(n), k)
        return "fold", [(np.sort(np.concatenate(parts[:i] + parts[i + 1:])), np.sort(parts[i]))
                        for i in range(k)]
    if bootstrap is not None:
        b = int(bootstrap)
        if b < 1:
            raise ValueError(f"The 'bootstrap' parameter of fit_many must be an int >= 1. "
                             f"Got {bootstrap!r} instead.")
        return "fold", [(np.sort(rng.integers(0, n, n)), None) for _ in range(b)]
    return None, [(None, None)]


def fit_many(model, scales=None, *, folds: int | None = None, bootstrap: int | None = None,
             method: str = "posterior", draws: int = 1000, interval_prob: float = 0.94,
             loo: bool = False, client=None, random_seed=None,
             sample_kwargs: dict | None = None, hdi_prob: float | None = None) -> xr.Dataset:
    r"""Fit a grid of prior scales, CV folds or bootstrap resamples, in parallel on Dask.

    For each prior ``scale`` (the coefficient prior's ``scale`` replaced; all else as in
    ``model``) and each fold, fit once and keep:

    * ``method="posterior"``: ``coef_mean``, ``coef_sd``, the central (equal-tailed)
      ``interval_prob`` interval ``coef_lower``/``coef_upper``: the ``(1 -
      interval_prob) / 2`` and ``(1 + interval_prob) / 2`` quantiles of the draws (not an
      HDI, which :func:`bayesreg.regularization_path` reports; the two coincide, up to
      Monte Carlo error, for the symmetric posteriors of conjugate models),
      ``intercept_mean``; exact i.i.d. draws for a conjugate model, else
      :meth:`bayesreg.Model.sample` with ``sample_kwargs``;
    * ``method="map"``: ``coef`` and ``intercept`` (:meth:`bayesreg.Model.map`);
    * conjugate models: ``log_evidence`` (``log_evidence_se`` 0), ``log_likelihood_max``,
      ``log_occam_factor``, ``effective_params`` (exact, :func:`bayesreg.log_evidence`);
    * MCMC fits: ``converged`` (1.0 when the run passed the convergence gate of
      :meth:`bayesreg.Model.sample`; its warnings are not repeated per fit);
    * ``loo=True``: ``elpd_loo``, ``se_elpd_loo``, ``p_loo``, ``pareto_k_max``, ``n_bad_k``
      (PSIS-LOO; the columns of :func:`bayesreg.scale_grid`);
    * CV folds: ``elpd_test``, the held-out log predictive density
      :math:`\sum_{i \in \text{test}} \log \frac{1}{S}\sum_s p(y_i \mid \theta_s)` (MAP:
      :math:`\sum_i \log p(y_i \mid \hat\theta)`).

    Parameters
    ----------
    model : bayesreg.Model or bayesreg.DaskModel
        A DaskModel (gaussian family) runs its grid on its in-memory sufficient-statistics
        model (evidence, posterior, MAP per scale; no folds, bootstrap or ``loo``: use
        :meth:`bayesreg.DaskModel.loo` per fit).
    scales : array-like of float, optional
        Prior scales (> 0). Default: the model's own prior only.
    folds : int, optional
        K-fold cross-validation (rows shuffled with ``random_seed``): dim ``fold``.
    bootstrap : int, optional
        Bootstrap resamples (rows drawn with replacement): dim ``fold``.
    method : {"posterior", "map"}
    draws : int, default 1000
        Exact draws per fit (MCMC: ``draws // 2`` per chain over 2 chains).
    interval_prob : float, default 0.94
        Probability of the equal-tailed interval ``coef_lower``/``coef_upper``.
    loo : bool, default False
    client : dask.distributed.Client, optional
        Run the fits on its workers. Default: one after another in this process.
    random_seed : int, optional
        Seeds the folds and every fit (each fit its own ``SeedSequence`` child).
    sample_kwargs : dict, optional
        Options of :meth:`bayesreg.Model.sample` for non-conjugate models (defaults:
        ``draws // 2`` per chain, 2 chains, ``tune=500``).
    hdi_prob : float, optional
        Deprecated name of ``interval_prob`` (the interval was never an HDI); it warns
        with ``DeprecationWarning`` and will be removed in the next release.

    Returns
    -------
    xarray.Dataset
        Dims ``scale`` (when ``scales`` is given), ``fold`` (folds or bootstrap) and
        ``feature``; ``attrs["evidence_best_scale"]``, ``attrs["loo_best_scale"]`` and
        ``attrs["cv_best_scale"]`` (largest mean ``elpd_test``) where available.

    Examples
    --------
    >>> from dask.distributed import Client, LocalCluster            # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> ds = br.fit_many(model, np.logspace(-2, 1, 100), client=client)   # doctest: +SKIP
    >>> ds["log_evidence"].idxmax("scale")                           # doctest: +SKIP
    """
    method = check_param(method, "method", "fit_many", OneOf(_METHODS))
    if hdi_prob is not None:
        warnings.warn("fit_many(hdi_prob=...) is deprecated and will be removed in the next "
                      "release: the interval is equal-tailed, not an HDI; use "
                      "fit_many(interval_prob=...).", DeprecationWarning, stacklevel=2)
        interval_prob = hdi_prob
    interval_prob = check_param(interval_prob, "interval_prob", "fit_many", PROBABILITY)
    if isinstance(model, DaskModel):
        if folds is not None or bootstrap is not None or loo:
            raise ValueError("fit_many on a DaskModel runs scale grids only (its rows stay in "
                             "Dask): no folds, bootstrap or loo; call DaskModel.loo(fit) per "
                             "fit, or hold out rows with a second DaskModel.")
        model = model._need_gaussian("fit_many on a DaskModel")
    if not isinstance(model, Model):
        raise TypeError(f"model must be a bayesreg.Model or DaskModel; got "
                        f"{type(model).__name__}.")
    grid = scales is not None
    if grid:
        scales = check_scale_grid(model, scales, "fit_many")
    scale_list = list(scales) if grid else [None]
    rng = np.random.default_rng(random_seed)
    fold_dim, splits = _splits(model.n_samples, folds, bootstrap, rng)
    seeds = np.random.SeedSequence(random_seed).spawn(len(scale_list) * len(splits))
    tasks = [(s, tr, te) for s in scale_list for tr, te in splits]
    fixed = (method, int(draws), interval_prob, bool(loo))
    kw = dict(sample_kwargs or {})
    if client is None:
        results = [_one_fit(model, s, tr, te, *fixed, seed, kw)
                   for (s, tr, te), seed in zip(tasks, seeds)]
    else:
        remote = client.scatter(model, broadcast=True, hash=False)  # a key of its own
        futures = client.map(_one_fit, [remote] * len(tasks), *zip(*tasks),
                             *[[v] * len(tasks) for v in fixed], seeds, [kw] * len(tasks),
                             pure=False)
        results = client.gather(futures)
    return _gather(results, scales if grid else None, fold_dim, len(splits),
                   list(model.feature_names))


def _gather(results, scales, fold_dim, n_folds, features) -> xr.Dataset:
    """Stack the per-fit dicts into arrays with dims (scale, fold, feature)."""
    lead = ([("scale", len(scales))] if scales is not None else []) + \
        ([(fold_dim, n_folds)] if fold_dim else [])
    shape = tuple(n for _, n in lead)
    dims = tuple(d for d, _ in lead)
    data = {}
    for name in results[0]:
        vals = np.asarray([r[name] for r in results], dtype=float)
        extra = ("feature",) if vals.ndim == 2 else ()
        data[name] = (dims + extra, vals.reshape(shape + vals.shape[1:]))
    coords: dict[str, Any] = {"feature": features}
    if scales is not None:
        coords["scale"] = np.asarray(scales, dtype=float)
    if fold_dim:
        coords[fold_dim] = np.arange(n_folds)
    ds = xr.Dataset(data, coords=coords)
    if scales is not None:
        for var, key in (("log_evidence", "evidence_best_scale"), ("elpd_loo", "loo_best_scale"),
                         ("elpd_test", "cv_best_scale")):
            if var in ds:
                v = ds[var].mean(fold_dim) if fold_dim else ds[var]
                ds.attrs[key] = float(v["scale"][int(np.argmax(v.values))])
    return ds
