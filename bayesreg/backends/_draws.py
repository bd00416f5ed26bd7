"""The ``posterior`` group of the samplers written here (Gibbs, the independence sampler,
DaskModel's GLM sampler): draws of ``beta = (intercept, coef)`` reported under the PyMC
model's variable names (:mod:`bayesreg.backends._pymc_model`), so that every downstream
tool reads them as it reads a NUTS fit."""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["coefficient_values", "posterior_dataset"]


def coefficient_values(beta: np.ndarray, intercept: str, x_mean=None) -> dict:
    """``coef`` and the intercept's variables of draws ``beta`` (``(chain, draw, k)``,
    the intercept first when there is one).

    ``intercept`` is ``"none"``, ``"flat"`` (sampled on the centred design: the draws
    are ``intercept_centered``, and ``intercept = intercept_centered - x_mean' coef``) or
    ``"prior"`` (the draws are ``intercept``).
    """
    off = 0 if intercept == "none" else 1
    coef = beta[..., off:]
    values = {"coef": coef}
    if intercept == "flat":
        values["intercept_centered"] = beta[..., 0]
        values["intercept"] = beta[..., 0] - coef @ np.asarray(x_mean)
    elif intercept == "prior":
        values["intercept"] = beta[..., 0]
    return values


def posterior_dataset(values: dict, names, feature_names) -> xr.Dataset:
    """The ``posterior`` Dataset of the variables ``names`` from ``values`` (arrays of
    shape ``(chain, draw)`` or ``(chain, draw, feature)``)."""
    chains, draws = next(iter(values.values())).shape[:2]
    return xr.Dataset(
        {name: ((("chain", "draw", "feature") if values[name].ndim == 3
                 else ("chain", "draw")), values[name]) for name in names},
        coords={"chain": np.arange(chains), "draw": np.arange(draws),
                "feature": list(feature_names)})
