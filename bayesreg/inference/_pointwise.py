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
from ._design import with_original_scale

__all__ = ["SPEC_ATTR", "LOG_LIKELIHOOD_ATTR", "LOG_LIKELIHOOD_BUDGET",
           "log_likelihood_rule", "finish_fit", "data_groups", "log_prior", "pointwise_loglik",
           "simulate"]

#: posterior attribute holding the model specification as JSON
SPEC_ATTR = "bayesreg_spec"
_DRAW_CHUNK_BYTES = 64 * 2**20  # memory for one chunk of (draws x n) work arrays
#: posterior attribute saying whether and why the ``log_likelihood`` group was (not) stored
LOG_LIKELIHOOD_ATTR = "bayesreg_log_likelihood"
#: the default rule stores the ``log_likelihood`` group up to this many bytes (256 MB:
#: 4 chains x 1,000 draws x 8,388 observations)
LOG_LIKELIHOOD_BUDGET = 256 * 2**20


def log_likelihood_rule(requested: bool | None, n_chain: int, n_draw: int, n_obs: int,
                        budget: int | None = None) -> tuple[bool, str]:
    """``(store, reason)``: whether a fit stores its ``log_likelihood`` group.

    ``requested`` True or False decides; None (the default of :meth:`Model.sample`)
    stores it when its ``chains * draws * n * 8`` bytes stay within ``budget`` (default
    :data:`LOG_LIKELIHOOD_BUDGET`, 256 MB), and otherwise not: ``bayesreg.loo(fit)`` and
    ``bayesreg.log_likelihood(fit)`` compute it on demand, in bounded memory.
    """
    size = 8 * n_chain * n_draw * n_obs
    budget = LOG_LIKELIHOOD_BUDGET if budget is None else budget
    if requested is not None:
        return bool(requested), (f"{'stored' if requested else 'not stored'}: "
                                 f"log_likelihood={bool(requested)} was requested")
    if size <= budget:
        return True, f"stored: {size / 2**20:.3g} MB is within the budget of " \
                     f"{budget / 2**20:.3g} MB"
    return False, (f"not stored: chains x draws x n = {n_chain} x {n_draw} x {n_obs} values "
                   f"({size / 2**20:.4g} MB) exceed the budget of {budget / 2**20:.3g} MB; "
                   f"bayesreg.loo(fit) and bayesreg.log_likelihood(fit) compute it on demand "
                   f"(or sample with log_likelihood=True)")


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
                  log_likelihood: bool | None) -> xr.DataTree:
    posterior = with_original_scale(
        model, sampled["posterior"].assign_coords(feature=model.feature_names))
    posterior.attrs[SPEC_ATTR] = json.dumps(model.spec())
    posterior.attrs["bayesreg_sampler"] = sampler
    store, posterior.attrs[LOG_LIKELIHOOD_ATTR] = log_likelihood_rule(
        log_likelihood, posterior.sizes["chain"], posterior.sizes["draw"], model.n_samples)
    groups = {"posterior": posterior, "sample_stats": sampled["sample_stats"]}
    groups.update(data_groups(model))
    if store:
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
    the family's parameters (``sigma``, ``nu``, ``dispersion``) when random, and ``intercept`` (0 under the flat default). For
    a standardized model these are the parameters on the standardized scale, the ones
    the prior is on; ``coef_original`` and ``intercept_original`` are functions of
    them and have no term.
    """
    order = ("chain", "draw")
    draws = {name: posterior[name].transpose(*order, ...).values
             for name in posterior.data_vars}
    terms: dict[str, np.ndarray] = {}
    for name in model.family.auxiliary:  # sigma, nu, dispersion when random
        value = getattr(model, name)
        if isinstance(value, Prior):
            terms.update(_priors.log_prior_terms(value, name, draws))
    sigma = None
    if model.family.has_sigma:
        sigma = draws["sigma"] if isinstance(model.sigma, Prior) else model.sigma
    if model.prior.sparse:  # coef given its latent scales, and those
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
    """coef (c, d, p), intercept (c, d), and the family's auxiliary parameters
    ``{name: (c, d)}`` (``sigma``, ``nu``, ``dispersion``: draws, or the fixed value)."""
    coef = posterior["coef"].transpose("chain", "draw", "feature").values
    shape = coef.shape[:2]
    intercept = (posterior["intercept"].values if model.fit_intercept
                 else np.zeros(shape))
    aux = {}
    for name in model.family.auxiliary:
        value = getattr(model, name)
        aux[name] = (posterior[name].transpose("chain", "draw").values
                     if isinstance(value, Prior) else np.full(shape, value))
    return coef, intercept, aux

def eta_chunks(model, posterior, X):
    """Yield (chain index, draw slice, eta, {auxiliary name: values}) chunks over draws."""
    coef, intercept, aux = param_draws(model, posterior)
    n_chain, n_draw = coef.shape[:2]
    step = max(1, int(_DRAW_CHUNK_BYTES // (8 * max(X.shape[0], 1))))
    for c in range(n_chain):
        for start in range(0, n_draw, step):
            sl = slice(start, min(start + step, n_draw))
            eta = coef[c, sl] @ X.T + intercept[c, sl, None]
            yield c, sl, eta, {name: v[c, sl, None] for name, v in aux.items()}

def pointwise_loglik(model, posterior, X, y, weight) -> xr.DataArray:
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    out = np.empty((n_chain, n_draw, X.shape[0]))
    for c, sl, eta, aux in eta_chunks(model, posterior, X):
        out[c, sl] = model.family.logpdf(y, eta, **aux)
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
    for c, sl, eta, aux in eta_chunks(model, posterior, X):
        y_draws[c, sl] = model.family.simulate(eta, rng, **aux)
        mean += model.family.inverse_link(eta).sum(axis=0)
    mean /= n_chain * n_draw
    draws = xr.DataArray(y_draws, dims=("chain", "draw", "obs_id"),
                         coords={"chain": posterior["chain"].values,
                                 "draw": posterior["draw"].values,
                                 "obs_id": np.arange(X.shape[0])})
    return mean, draws

