"""What a fit is made of, computed from posterior draws: the data groups, the pointwise
log-likelihood, the log prior, and predictive draws (vectorized over draws, chunked).

Every sampler's draws go through these functions (:func:`finish_fit` assembles the
``xarray.DataTree``), so every fit has the same groups, computed the same way.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ..backends._pymc_model import model_shrinkage_scales
from ..utils._datatree import datatree
from ..priors import _priors
from ..priors._priors import Prior
from ..priors._shrinkage import ShrinkagePrior
from ._design import with_original_scale

__all__ = ["SPEC_ATTR", "finish_fit", "data_groups", "log_prior", "pointwise_loglik",
           "simulate"]

#: posterior attribute holding the model specification as JSON
SPEC_ATTR = "bayesreg_spec"
_DRAW_CHUNK_BYTES = 64 * 2**20  # memory for one chunk of (draws x n) work arrays


def data_groups(model) -> dict[str, xr.Dataset]:
    obs = {"obs_id": np.arange(model.n_samples)}
    observed = xr.Dataset({"y": (("obs_id",), model.y)}, coords=obs)
    const = {"X": (("obs_id", "feature"), model.X)}
    if model.standardization is not None:  # X is standardized: keep the data as given
        const["X_original"] = (("obs_id", "feature"), model.X_original)
    if model.sample_weight is not None:
        const["sample_weight"] = (("obs_id",), model.sample_weight)
    constant = xr.Dataset(const, coords={**obs, "feature": model.feature_names})
    return {"observed_data": observed, "constant_data": constant}

def finish_fit(model, sampled: dict[str, xr.Dataset], *, sampler: str,
                  log_likelihood: bool) -> xr.DataTree:
    posterior = with_original_scale(
        model, sampled["posterior"].assign_coords(feature=model.feature_names))
    posterior.attrs[SPEC_ATTR] = json.dumps(model.spec())
    posterior.attrs["bayesreg_sampler"] = sampler
    groups = {"posterior": posterior, "sample_stats": sampled["sample_stats"]}
    groups.update(data_groups(model))
    if log_likelihood:
        groups["log_likelihood"] = xr.Dataset(
            {"y": pointwise_loglik(model, posterior, model.X, model.y, model.sample_weight)})
    groups["log_prior"] = log_prior(model, posterior)
    for name in ("warmup_posterior", "warmup_sample_stats"):
        if name in sampled:
            groups[name] = sampled[name]
    return datatree(groups)

def log_prior(model, posterior: xr.Dataset) -> xr.Dataset:
    """Log prior density of every parameter, draw by draw (ArviZ's ``log_prior``).

    ``coef`` per feature (conditional on its hyperparameters), the hyperparameters,
    ``sigma`` and ``nu`` when random, and ``intercept`` (0 under the flat default). For
    a standardized model these are the parameters on the standardized scale, the ones
    the prior is on; ``coef_original`` and ``intercept_original`` are functions of
    them and have no term.
    """
    order = ("chain", "draw")
    draws = {name: posterior[name].transpose(*order, ...).values
             for name in posterior.data_vars}
    terms: dict[str, np.ndarray] = {}
    sigma = None
    if model.family.has_sigma:
        if isinstance(model.sigma, Prior):
            terms.update(_priors.log_prior_terms(model.sigma, "sigma", draws))
            sigma = draws["sigma"]
        else:
            sigma = model.sigma
    if model.family.has_nu and isinstance(model.nu, Prior):
        terms.update(_priors.log_prior_terms(model.nu, "nu", draws))
    if isinstance(model.prior, ShrinkagePrior):  # coef given its latent scales, and those
        terms.update(model.prior.log_prior_terms("coef", draws, model_shrinkage_scales(model),
                                                 sigma=sigma))
    else:
        terms.update(_priors.log_prior_terms(model.prior, "coef", draws, sigma=sigma))
    if model.fit_intercept:
        terms.update(_priors.log_prior_terms(model.intercept_prior, "intercept", draws))
    data = {name: (posterior[name].transpose(*order, ...).dims, value)
            for name, value in terms.items()}
    return xr.Dataset(data, coords={k: posterior[k] for k in posterior.coords})

# ----------------------------------------------------- draws of eta / y
def param_draws(model, posterior: xr.Dataset):
    """coef (c, d, p), intercept (c, d), sigma (c, d) or None, nu (c, d) or None."""
    coef = posterior["coef"].transpose("chain", "draw", "feature").values
    shape = coef.shape[:2]
    intercept = (posterior["intercept"].values if model.fit_intercept
                 else np.zeros(shape))
    sigma = nu = None
    if model.family.has_sigma:
        sigma = (posterior["sigma"].values if isinstance(model.sigma, Prior)
                 else np.full(shape, model.sigma))
    if model.family.has_nu:
        nu = posterior["nu"].values if isinstance(model.nu, Prior) else np.full(shape, model.nu)
    return coef, intercept, sigma, nu

def eta_chunks(model, posterior, X):
    """Yield (chain slice index, draw slice, eta, sigma, nu) chunks over draws."""
    coef, intercept, sigma, nu = param_draws(model, posterior)
    n_chain, n_draw = coef.shape[:2]
    step = max(1, int(_DRAW_CHUNK_BYTES // (8 * max(X.shape[0], 1))))
    for c in range(n_chain):
        for start in range(0, n_draw, step):
            sl = slice(start, min(start + step, n_draw))
            eta = coef[c, sl] @ X.T + intercept[c, sl, None]
            yield (c, sl, eta,
                   None if sigma is None else sigma[c, sl, None],
                   None if nu is None else nu[c, sl, None])

def pointwise_loglik(model, posterior, X, y, weight) -> xr.DataArray:
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    out = np.empty((n_chain, n_draw, X.shape[0]))
    for c, sl, eta, sigma, nu in eta_chunks(model, posterior, X):
        out[c, sl] = model.family.logpdf(y, eta, sigma=sigma, nu=nu)
    if weight is not None:
        out *= weight
    return xr.DataArray(out, dims=("chain", "draw", "obs_id"),
                        coords={"chain": posterior["chain"].values,
                                "draw": posterior["draw"].values,
                                "obs_id": np.arange(X.shape[0])})

def simulate(model, posterior, X, rng):
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    y_draws = np.empty((n_chain, n_draw, X.shape[0]))
    mean = np.zeros(X.shape[0])
    for c, sl, eta, sigma, nu in eta_chunks(model, posterior, X):
        y_draws[c, sl] = model.family.simulate(eta, rng, sigma=sigma, nu=nu)
        mean += model.family.inverse_link(eta).sum(axis=0)
    mean /= n_chain * n_draw
    draws = xr.DataArray(y_draws, dims=("chain", "draw", "obs_id"),
                         coords={"chain": posterior["chain"].values,
                                 "draw": posterior["draw"].values,
                                 "obs_id": np.arange(X.shape[0])})
    return mean, draws

