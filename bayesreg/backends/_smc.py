"""PyMC's sequential Monte Carlo as an evidence estimator (the only SMC importer)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from ._samplers import quiet_pymc

__all__ = ["smc_log_evidence"]

_LOG_2PI = math.log(2.0 * math.pi)


def smc_chain_values(idata, chains: int) -> np.ndarray:
    """The final-stage log marginal likelihood of each chain.

    PyMC 5.28 stores ``sample_stats["log_marginal_likelihood"]`` per SMC *stage*
    (only the last stage, beta = 1, holds the estimate; the others are NaN): as a
    ``(chain, stage)`` array when all chains ran the same number of stages, and as a
    ``(1, chain)`` object array of per-chain lists when they did not.
    """
    raw = np.asarray(idata.sample_stats["log_marginal_likelihood"].values, dtype=object)
    cells = list(raw.ravel())
    if all(np.ndim(c) == 0 for c in cells):          # regular (chain, stage) layout
        per_chain = [list(row) for row in raw.reshape(chains, -1)]
    else:                                            # ragged: one list per chain
        per_chain = [list(np.ravel(np.asarray(c, dtype=object))) for c in cells]
    if len(per_chain) != chains:
        raise RuntimeError(f"Could not read the SMC log marginal likelihood of {chains} chains "
                           f"from sample_stats (got shape {raw.shape}).")
    out = []
    for vals in per_chain:
        vals = np.asarray(vals, dtype=np.float64)
        fin = vals[np.isfinite(vals)]
        if fin.size == 0:
            raise RuntimeError("SMC did not reach beta = 1 in some chain: no log marginal "
                               "likelihood was reported.")
        out.append(fin[-1])
    return np.asarray(out)



def smc_log_evidence(pm_model, *, draws: int, chains: int, cores: int, seeds: list[int],
                     progressbar: bool = False, flat_intercept_sum_w: float | None = None,
                     fixed_sigma: float | None = None, **kernel_kwargs):
    """Per-chain SMC estimates of ``log p(y)`` and the SMC run (a DataTree).

    With ``flat_intercept_sum_w = S`` the model is the centred gaussian model and the
    analytic integral of a flat intercept, ``log sqrt(2 pi sigma^2 / S)``, is added
    (``sigma`` the model's variable, or ``fixed_sigma``), to a copy of ``pm_model``:
    ``pm_model`` itself is left as it is.
    """
    if flat_intercept_sum_w is not None:
        pm_model = pm_model.copy()  # a term of its own: the caller's model stays as it is
        with pm_model:
            sig = pm_model["sigma"] if fixed_sigma is None else float(fixed_sigma)
            pm.Potential("flat_intercept_integral", pt.as_tensor_variable(
                0.5 * _LOG_2PI + pt.log(sig) - 0.5 * math.log(flat_intercept_sum_w)))
    with warnings.catch_warnings(), quiet_pymc():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="More chains .* than draws")
        idata = pm.sample_smc(draws=draws, chains=chains, cores=cores, random_seed=seeds,
                              progressbar=progressbar, compute_convergence_checks=False,
                              model=pm_model, **kernel_kwargs)
    return smc_chain_values(idata, chains), idata
