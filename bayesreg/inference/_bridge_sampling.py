r"""Bridge sampling: the evidence of any model from its posterior draws.

Meng & Wong's (1996) iterative bridge estimator with a multivariate normal proposal
:math:`g` fitted to half of the draws (the ``bridgesampling`` R package's "normal"
method, Gronau et al. 2017). With :math:`q(\theta) = p(y \mid \theta)\,p(\theta)` the
unnormalized posterior in a real-valued parameterization (positive parameters on the
log scale, with their Jacobian), :math:`\theta_i` the other half of the posterior draws
and :math:`\tilde\theta_j \sim g`,

.. math::

    \hat Z^{(t+1)} = \frac{\frac1{N_2}\sum_j \frac{q(\tilde\theta_j)}
                                 {s_1 q(\tilde\theta_j) + s_2 \hat Z^{(t)} g(\tilde\theta_j)}}
                          {\frac1{N_1}\sum_i \frac{g(\theta_i)}
                                 {s_1 q(\theta_i) + s_2 \hat Z^{(t)} g(\theta_i)}},

iterated to a fixed point. Its relative mean-squared error (Frühwirth-Schnatter 2004),
with the posterior half counted by its effective sample size, gives ``stderr`` on the
log scale. The flat-intercept convention of :mod:`bayesreg.inference._evidence` holds:
an improper ``Flat`` intercept has unit density.
"""

from __future__ import annotations

import math

import arviz as az
import numpy as np
import xarray as xr
from scipy import linalg, special

from ..priors._priors import Prior
from ._pointwise import log_prior, pointwise_loglik

__all__ = ["bridge_log_evidence", "parameter_priors"]


def parameter_priors(model) -> dict[str, Prior]:
    """Every parameter of the model (posterior variable name -> its prior)."""
    out: dict[str, Prior] = {}

    def walk(prior, name):
        out[name] = prior
        for field, sub in prior.hyperpriors.items():
            walk(sub, f"{name}_{field}")

    walk(model.prior, "coef")
    if model.fit_intercept:
        walk(model.intercept_prior, "intercept")
    for name in model.family.auxiliary:  # sigma, nu, dispersion
        value = getattr(model, name)
        if isinstance(value, Prior):
            walk(value, name)
    return out


def _flatten(model, posterior: xr.Dataset):
    """Draws as an ``(n, d)`` real matrix (positive parameters logged) and its layout."""
    layout, cols = [], []
    for name, prior in parameter_priors(model).items():
        da = posterior[name].stack(sample=("chain", "draw")).transpose("sample", ...)
        values = da.values.reshape(da.sizes["sample"], -1)
        layout.append((name, prior.positive, da.dims[1:], values.shape[1]))
        cols.append(np.log(values) if prior.positive else values)
    return np.concatenate(cols, axis=1), layout


def _log_q(model, theta: np.ndarray, layout, coords) -> np.ndarray:
    """Unnormalized log posterior at rows of ``theta`` (+ log Jacobian of the log scale)."""
    data, start, jac = {}, 0, np.zeros(theta.shape[0])
    for name, positive, dims, width in layout:
        block = theta[:, start:start + width]
        start += width
        if positive:
            jac += block.sum(axis=1)
            block = np.exp(block)
        shape = (1, theta.shape[0]) + tuple(len(coords[d]) for d in dims)
        data[name] = (("chain", "draw", *dims), block.reshape(shape))
    post = xr.Dataset(data, coords={"chain": [0], "draw": np.arange(theta.shape[0]),
                                    **{d: coords[d] for _, _, dims, _ in layout for d in dims}})
    with np.errstate(all="ignore"):
        ll = pointwise_loglik(model, post, model.X, model.y, model.sample_weight).sum("obs_id")
        lp = sum(v.sum([d for d in v.dims if d not in ("chain", "draw")])
                 for v in log_prior(model, post).data_vars.values())
    out = (ll + lp).values.ravel() + jac
    return np.where(np.isfinite(out), out, -np.inf)


def bridge_log_evidence(model, idata, *, random_seed=None, max_iter: int = 1000,
                        tol: float = 1e-10) -> tuple[float, float]:
    """``(log Z, stderr)`` by bridge sampling from the posterior draws in ``idata``."""
    posterior = idata["posterior"].to_dataset()
    theta, layout = _flatten(model, posterior)
    n, d = theta.shape
    if n < 4 * (d + 1):
        raise ValueError(f"Bridge sampling needs at least {4 * (d + 1)} posterior draws for "
                         f"{d} parameters; got {n}. Sample more draws.")
    rng = np.random.default_rng(random_seed)
    order = rng.permutation(n)
    fit, ev = theta[order[: n // 2]], theta[order[n // 2:]]
    mean = fit.mean(axis=0)
    cov = np.cov(fit, rowvar=False).reshape(d, d)
    chol = linalg.cholesky(cov + 1e-12 * np.trace(cov) / d * np.eye(d), lower=True)
    n1 = n2 = ev.shape[0]
    prop = mean + rng.standard_normal((n2, d)) @ chol.T

    def log_g(x):
        z = linalg.solve_triangular(chol, (x - mean).T, lower=True)
        return (-0.5 * np.sum(z * z, axis=0) - np.sum(np.log(np.diag(chol)))
                - 0.5 * d * math.log(2 * math.pi))

    coords = {k: posterior[k].values for k in posterior.coords}
    l1 = _log_q(model, ev, layout, coords) - log_g(ev)      # log q/g at posterior draws
    l2 = _log_q(model, prop, layout, coords) - log_g(prop)  # log q/g at proposal draws
    # effective size of the posterior half (draws are autocorrelated); s1 + s2 = 1
    ess = float(np.asarray(az.ess(np.asarray(l1)[None, :], method="mean")).ravel()[0])
    n1_eff = min(max(ess, 2.0), n1)
    s1, s2 = n1_eff / (n1_eff + n2), n2 / (n1_eff + n2)
    lstar = float(np.median(l1))
    log_r = 0.0
    for _ in range(max_iter):
        num = special.logsumexp(l2 - lstar - np.logaddexp(math.log(s1) + l2 - lstar,
                                                          math.log(s2) + log_r)) - math.log(n2)
        den = special.logsumexp(-np.logaddexp(math.log(s1) + l1 - lstar,
                                              math.log(s2) + log_r)) - math.log(n1)
        new = num - den
        if abs(new - log_r) < tol:
            log_r = new
            break
        log_r = new
    log_z = log_r + lstar
    # relative MSE (Fruhwirth-Schnatter 2004), posterior half by its effective size
    f1 = np.exp(-np.logaddexp(math.log(s1) + l1 - log_z, math.log(s2)))   # g / (s1 q/Z + s2 g)
    f2 = np.exp(l2 - log_z - np.logaddexp(math.log(s1) + l2 - log_z, math.log(s2)))
    re2 = f2.var() / max(f2.mean(), 1e-300) ** 2 / n2 + \
        f1.var() / max(f1.mean(), 1e-300) ** 2 / n1_eff
    return float(log_z), float(math.sqrt(re2))
