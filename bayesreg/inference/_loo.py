r"""Pointwise quantities on demand: the log-likelihood and PSIS-LOO, chunked over observations.

A fit stores its ``log_likelihood`` group only while it is small (the rule of
:func:`bayesreg.inference._pointwise.log_likelihood_rule`): the group holds
``chains * draws * n`` values, 32 GB for 4 chains of 1,000 draws at ``n = 10^6``,
while the posterior itself is a few MB. Everything pointwise is a function of the
posterior draws and the data, so it is computed here when asked, one block of
observations at a time, with the family's closed-form kernel
(:meth:`bayesreg.families.Family.logpdf`):

.. math::

    \log p(y_i \mid \theta^{(s)}) = w_i \, \log p_{\mathrm{family}}(y_i \mid
        \eta_i^{(s)} = b^{(s)} + x_i^\top \beta^{(s)}, \ \mathrm{aux}^{(s)}),

for a block of rows ``i`` and every draw ``s`` (``w_i`` the sample weight, 1 without).
A block has ``chains * draws * rows <= chunk_bytes / 8`` values (64 MB by default), so
the memory used is bounded whatever ``n``.

PSIS (Vehtari et al. 2024) smooths each observation's importance ratios on its own, so
:func:`loo` runs PSIS-LOO on each block (:func:`bayesreg.base.psis_loo`, arviz-stats'
algorithm vectorized over the block's observations: arviz-stats' own kernel loops over
observations in Python, about 1-3 ms each, 20-60 minutes at ``n = 10^6``), with the
relative efficiency ``r_eff`` computed once from the posterior as :func:`arviz_stats.loo`
does, and sums them with arviz-stats' ``loo_summary`` into arviz-stats' own result
(:class:`arviz_stats.ELPDDataLOO`, which :func:`arviz_stats.compare` takes): the numbers
of :func:`arviz_stats.loo` on the full ``(chain, draw, n)`` array (to rounding; the
tests check 1e-6), without that array.
With ``subsample=m`` it estimates the ELPD from ``m`` exact PSIS-LOO terms and a cheap
approximation for every observation (the difference estimator of Magnusson et al. 2019,
as :func:`arviz_stats.loo_subsample`; result :class:`arviz_stats.ELPDDataLOOSubsample`).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from arviz_stats import ELPDDataLOO, ELPDDataLOOSubsample
from arviz_stats.base import array_stats
from scipy.special import logsumexp

from ..base._psis import psis_loo
from ..utils._datatree import group_names
from ..utils._validation import StrOptions, check_param, rng_from
from ._blocks import CHUNK_BYTES, loglik_blocks
from ._model import Model

__all__ = ["log_likelihood", "loo", "draw_totals"]

_SAMPLE_AXES = (0, 1)  # (chain, draw, rows) blocks


def _resolve(fit, model, caller: str) -> Model:
    """The model of ``fit``: ``model`` when given (checked against the fit's sizes), else
    rebuilt from the fit's specification and data groups (:meth:`Model.from_idata`)."""
    if not isinstance(fit, xr.DataTree) or "posterior" not in group_names(fit):
        raise ValueError(f"{caller} takes a fit returned by Model.sample() (an xarray.DataTree "
                         f"with a posterior group); got {type(fit).__name__}.")
    if model is None:
        if "constant_data" not in group_names(fit):
            raise ValueError(f"{caller}: the fit has no constant_data group to rebuild its "
                             f"model from (a DaskModel fit?); pass the model: "
                             f"{caller}(fit, model).")
        model = Model.from_idata(fit)
    if not isinstance(model, Model):
        raise TypeError(f"{caller}: model must be a bayesreg.Model; got "
                        f"{type(model).__name__}.")
    n_feat = fit.posterior["coef"].sizes.get("feature")
    if n_feat != model.n_features or ("observed_data" in group_names(fit) and
                                      fit.observed_data["y"].size != model.n_samples):
        raise ValueError(f"{caller}: the fit does not belong to the model (other numbers of "
                         f"features or observations).")
    return model


def _blocks_of(model, posterior, chunk_bytes):
    """:func:`loglik_blocks` over the model's own data (its design, ``y`` and weights)."""
    return loglik_blocks(model, posterior, model.X, model.y, model.sample_weight,
                         chunk_bytes=chunk_bytes)


def log_likelihood(fit, model: Model | None = None, *,
                   chunk_bytes: int = CHUNK_BYTES) -> xr.Dataset:
    """The pointwise log-likelihood of a fit: the ``log_likelihood`` group, on demand.

    ``log p(y_i | theta_draw)`` (times the sample weight ``w_i``) for every draw and
    observation, from the family's closed-form kernel, filled one block of observations
    at a time. ``fit["log_likelihood"] = bayesreg.log_likelihood(fit)`` adds the group to
    a fit that did not store it (see ``Model.sample(log_likelihood=...)``); for LOO use
    :func:`loo`, which never holds the whole array.

    Parameters
    ----------
    fit : xarray.DataTree
        A fit from :meth:`bayesreg.Model.sample` (or :func:`bayesreg.load`).
    model : bayesreg.Model, optional
        The model of the fit; default :meth:`bayesreg.Model.from_idata` ``(fit)``.
    chunk_bytes : int, default 64 MB
        Size of one block of work values.

    Returns
    -------
    xarray.Dataset
        Variable ``y`` with dims ``(chain, draw, obs_id)``: ``chains * draws * n * 8``
        bytes.
    """
    model = _resolve(fit, model, "log_likelihood")
    post = fit.posterior
    out = np.empty((post.sizes["chain"], post.sizes["draw"], model.n_samples))
    for rows, ll in _blocks_of(model, post, chunk_bytes):
        out[..., rows] = ll
    da = xr.DataArray(out, dims=("chain", "draw", "obs_id"),
                      coords={"chain": post["chain"].values, "draw": post["draw"].values,
                              "obs_id": np.arange(model.n_samples)})
    return xr.Dataset({"y": da})


def draw_totals(fit, model: Model | None = None, *,
                chunk_bytes: int = CHUNK_BYTES) -> xr.DataArray:
    """``sum_i w_i log p(y_i | theta_draw)`` per draw, dims ``(chain, draw)``: what
    likelihood power-scaling (``arviz_stats.psense``) needs, computed in blocks."""
    model = _resolve(fit, model, "draw_totals")
    post = fit.posterior
    total = np.zeros((post.sizes["chain"], post.sizes["draw"]))
    for _, ll in _blocks_of(model, post, chunk_bytes):
        total += ll.sum(axis=-1)
    return xr.DataArray(total, dims=("chain", "draw"),
                        coords={"chain": post["chain"].values, "draw": post["draw"].values})


def _by_row(ll: np.ndarray) -> np.ndarray:
    """``(chain, draw, rows)`` -> ``(rows, chain * draw)``, draws in (chain, draw) order."""
    return ll.reshape(-1, ll.shape[-1]).T


def _reff(fit) -> float:
    """``r_eff`` as :func:`arviz_stats.loo` computes it: 1 for one chain, else the mean
    over all posterior scalars of their mean-ESS divided by the number of draws. Exact
    i.i.d. draws (``sampler="exact"``) have ``r_eff = 1``."""
    post = fit.posterior
    if post.attrs.get("bayesreg_sampler") == "exact" or post.sizes["chain"] == 1:
        return 1.0
    ess = post.to_dataset().azstats.ess(method="mean")
    values = np.hstack([ess[v].values.ravel() for v in ess.data_vars])
    return float(values.mean() / (post.sizes["chain"] * post.sizes["draw"]))


def _good_k(n_samples: int) -> float:
    """arviz-stats' Pareto-k threshold ``min(1 - 1/log10(S), 0.7)``."""
    return min(1 - 1 / np.log10(n_samples), 0.7) if n_samples > 1 else 0.7


def _warn_k(pareto_k, good_k) -> bool:
    if np.any(pareto_k > good_k):
        warnings.warn(
            f"Estimated shape parameter of Pareto distribution is greater than {good_k:.2f} "
            "for one or more samples. You should consider using a more robust model, this is "
            "because importance sampling is less likely to work well if the marginal posterior "
            "and LOO posterior are very different. This is more likely to happen with a "
            "non-robust model and highly influential observations.", UserWarning,
            stacklevel=3)
        return True
    return False


def _subsample_indices(n: int, subsample, random_seed) -> np.ndarray:
    if np.ndim(subsample) == 0:
        m = subsample
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 0 < m <= n:
            raise ValueError(f"The 'subsample' parameter of loo must be an int in [1, {n}] or "
                             f"an array of observation indices. Got {subsample!r} instead.")
        rng = rng_from(random_seed, "loo")
        return np.sort(rng.choice(n, size=int(m), replace=False))
    idx = np.unique(np.asarray(subsample))
    if idx.dtype.kind not in "iu" or idx.size == 0 or idx[0] < 0 or idx[-1] >= n:
        raise ValueError(f"The 'subsample' parameter of loo must be an int in [1, {n}] or "
                         f"an array of observation indices in [0, {n}). Got {subsample!r}.")
    return idx


def loo(fit, model: Model | None = None, *, pointwise: bool = True, reff: float | None = None,
        subsample=None, method: str = "lpd", random_seed=None,
        chunk_bytes: int = CHUNK_BYTES):
    """PSIS-LOO of a fit, computed in blocks of observations (memory bounded whatever n).

    The same estimate as :func:`arviz_stats.loo` on the fit's pointwise log-likelihood,
    without storing it: each block of observations gets its ``(chain, draw, rows)``
    log-likelihood from the family's closed form and goes through arviz-stats' PSIS-LOO
    kernel with one ``r_eff`` for all. The result is arviz-stats' own object, so
    ``arviz_stats.compare({"a": loo(fit_a), "b": loo(fit_b)})`` works.

    Parameters
    ----------
    fit : xarray.DataTree
        A fit from :meth:`bayesreg.Model.sample` (with or without its
        ``log_likelihood`` group).
    model : bayesreg.Model, optional
        The model of the fit; default :meth:`bayesreg.Model.from_idata` ``(fit)``.
    pointwise : bool, default True
        Keep ``elpd_i`` and ``pareto_k`` (``n`` values each; :func:`arviz_stats.compare`
        needs them).
    reff : float, optional
        Relative efficiency of the draws. Default: as :func:`arviz_stats.loo` (mean
        relative ESS of the posterior; 1 for one chain), and 1 for exact i.i.d. draws.
    subsample : int or array of int, optional
        Subsampled PSIS-LOO (Magnusson et al. 2019; :func:`arviz_stats.loo_subsample`):
        exact PSIS-LOO at ``subsample`` observations drawn without replacement (or at the
        given indices) and the approximation ``method`` at all of them, combined by the
        difference estimator. ``se`` includes the subsampling error ``subsampling_se``.
    method : {"lpd", "plpd"}, default "lpd"
        The approximation of ``subsample``: ``"lpd"``, the log predictive density
        ``log mean_s p(y_i | theta_s)`` (one more pass over the draws); ``"plpd"``,
        ``log p(y_i | posterior mean)`` (one draw's cost).
    random_seed : int or numpy.random.Generator, optional
        Seed of the subsample.
    chunk_bytes : int, default 64 MB
        Size of one block of ``(chain, draw, rows)`` values.

    Returns
    -------
    arviz_stats.ELPDDataLOO or arviz_stats.ELPDDataLOOSubsample
        ``elpd``, ``se``, ``p``, ``n_samples``, ``n_data_points``, ``warning``,
        ``good_k``, and with ``pointwise=True`` ``elpd_i`` and ``pareto_k`` (dim
        ``obs_id``). ``log_weights`` is None: it would be the ``(chain, draw, n)`` array.
    """
    check_param(method, "method", "loo", StrOptions(("lpd", "plpd")))
    model = _resolve(fit, model, "loo")
    post = fit.posterior
    S = post.sizes["chain"] * post.sizes["draw"]
    reff = _reff(fit) if reff is None else float(reff)
    good_k = _good_k(S)
    n = model.n_samples
    obs = {"obs_id": np.arange(n)}
    if subsample is None:
        elpd_i, k, p_i = np.empty(n), np.empty(n), np.empty(n)
        for rows, ll in _blocks_of(model, post, chunk_bytes):
            elpd_i[rows], k[rows], p_i[rows] = psis_loo(_by_row(ll), reff)
        elpd, se, p, _ = array_stats.loo_summary(elpd_i, p_i)
        warn = _warn_k(k, good_k)
        return ELPDDataLOO(
            elpd=float(elpd), se=float(se), p=float(p), n_samples=S, n_data_points=n,
            scale="log", warning=warn, good_k=good_k,
            elpd_i=xr.DataArray(elpd_i, dims="obs_id", coords=obs, name="elpd_i")
            if pointwise else None,
            pareto_k=xr.DataArray(k, dims="obs_id", coords=obs, name="pareto_k")
            if pointwise else None,
            approx_posterior=False, log_weights=None)

    idx = _subsample_indices(n, subsample, random_seed)
    if method == "lpd":
        approx = np.empty(n)
        for rows, ll in _blocks_of(model, post, chunk_bytes):
            approx[rows] = logsumexp(ll, axis=_SAMPLE_AXES) - np.log(S)
    else:
        means = post.to_dataset().mean(("chain", "draw"))
        point = means.expand_dims(chain=[0], draw=[0])
        approx = np.concatenate([ll[0, 0] for _, ll in _blocks_of(model, point, chunk_bytes)])
    weight = None if model.sample_weight is None else model.sample_weight[idx]
    ll_sub = np.concatenate([ll for _, ll in loglik_blocks(
        model, post, model.X[idx], model.y[idx], weight, chunk_bytes=chunk_bytes)], axis=-1)
    elpd_sub, k_sub, _ = psis_loo(_by_row(ll_sub), reff)
    lpd_sub = logsumexp(ll_sub, axis=_SAMPLE_AXES) - np.log(S)
    elpd, subsampling_se, se = array_stats.diff_srs_estimator(
        elpd_sub, approx[idx], approx, n)
    p, _, _ = array_stats.srs_estimator(lpd_sub - elpd_sub, n)
    warn = _warn_k(k_sub, good_k)
    elpd_i = pareto_k = None
    if pointwise:  # as arviz-stats: exact terms at the subsample, NaN elsewhere
        elpd_i = xr.DataArray(np.full(n, np.nan), dims="obs_id", coords=obs, name="elpd_i")
        pareto_k = xr.DataArray(np.full(n, np.nan), dims="obs_id", coords=obs,
                                name="pareto_k")
        elpd_i[idx] = elpd_sub
        pareto_k[idx] = k_sub
    return ELPDDataLOOSubsample(
        elpd=float(elpd), se=float(se), p=float(p), n_samples=S, n_data_points=n,
        scale="log", warning=warn, good_k=good_k, elpd_i=elpd_i, pareto_k=pareto_k,
        approx_posterior=False, log_weights=None, subsample_size=int(idx.size),
        subsampling_se=float(subsampling_se), loo_subsample_observations=idx,
        elpd_loo_approx=xr.DataArray(approx, dims="obs_id", coords=obs,
                                     name="elpd_loo_approx"))
