"""Full Bayes for the regularization strength: the scikit-learn ``alpha`` implied by the
posterior of a hyperprior on the prior scale."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from ..families._family import get_family
from ..inference._model import spec_from_idata
from ..priors._registry import prior_from_dict
from ._grids import CV_ESTIMATORS, alpha_of_scale

__all__ = ["implied_alpha", "summarize_alpha"]


# ----------------------------------------------------------------- full Bayes for alpha
def implied_alpha(idata, estimator: str | None = None):
    r"""Posterior draws of the scikit-learn ``alpha`` implied by a Bayesian fit.

    For a model with a hyperprior on the coefficient prior's scale, e.g.
    ``Model(X, y, prior=Gaussian(scale=HalfCauchy(1.0)))`` (posterior variable
    ``coef_scale``), each draw of the scale (and of ``sigma``) is mapped to the
    penalty whose MAP equals the conditional posterior mode:

    * ``"ridge"`` (Gaussian prior, sd :math:`\tau`): ``alpha = sigma**2 / tau**2``;
    * ``"lasso"`` (Laplace prior, scale :math:`b`): ``alpha = sigma**2 / (S * b)``,
      :math:`S` the sum of sample weights (``n_samples`` unweighted);

    where for ``scaled_by_sigma=True`` priors :math:`\tau` (:math:`b`) is
    ``sigma * scale``, so Ridge's alpha is ``1 / scale**2``.  A fixed scale or a
    fixed ``sigma`` enters as a constant.

    Parameters
    ----------
    idata : xarray.DataTree
        From :meth:`bayesreg.Model.sample` (gaussian family).
    estimator : {"ridge", "lasso"}, optional
        Default: ``"ridge"`` for a Gaussian prior, ``"lasso"`` for a Laplace prior.

    Returns
    -------
    xarray.DataArray
        Named ``"alpha"``, dims ``(chain, draw)``, ``attrs["estimator"]``.
    """
    spec = spec_from_idata(idata)
    if not get_family(spec["family"]).sufficient_statistics:  # Ridge/Lasso's likelihood
        raise ValueError(f"implied_alpha maps to Ridge/Lasso alphas and needs family='gaussian'; "
                         f"got {spec['family']!r}.")
    prior = prior_from_dict(spec["prior"])
    default = CV_ESTIMATORS.get(prior.penalty_kind)
    if default is None:
        raise ValueError(f"implied_alpha needs a Gaussian (ridge) or Laplace (lasso) prior; "
                         f"got {prior!r}.")
    estimator = default if estimator is None else estimator
    if estimator != default:
        raise ValueError(f"The 'estimator' parameter must be {default!r} for a "
                         f"{type(prior).__name__} prior (the MAP equals that estimator). "
                         f"Got {estimator!r} instead.")
    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    coords = {"chain": post["chain"].values, "draw": post["draw"].values}

    def draws_of(value, name):
        if isinstance(value, dict):
            if name not in post:
                raise ValueError(f"The posterior has no variable {name!r}.")
            return post[name].transpose("chain", "draw").values
        return np.full(shape, float(value))

    scale = draws_of(spec["prior"]["scale"], "coef_scale")
    sigma = draws_of(spec["sigma"], "sigma")
    if "sample_weight" in idata.constant_data:
        S = float(idata.constant_data["sample_weight"].values.sum())
    else:
        S = float(idata.observed_data["y"].size)
    alpha = alpha_of_scale(estimator, scale, sigma, S, bool(prior.scaled_by_sigma))
    return xr.DataArray(alpha, dims=("chain", "draw"), coords=coords, name="alpha",
                        attrs={"estimator": estimator})


def summarize_alpha(alpha, cv_alpha: float | None = None, hdi_prob: float = 0.94):
    """Summary of :func:`implied_alpha` draws, optionally against a CV choice.

    Returns
    -------
    pandas.Series
        ``mean``, ``median``, ``hdi_lower``, ``hdi_upper`` (HDI of ``log(alpha)``,
        exponentiated: alpha is positive and skewed), ``log10_median``; with
        ``cv_alpha``: ``cv_alpha``, ``prob_alpha_below_cv`` (posterior
        :math:`P(\\alpha < \\alpha_{CV})`) and ``cv_in_hdi``.
    """
    a = np.asarray(alpha, dtype=np.float64).ravel()
    if a.size == 0 or np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("alpha draws must be positive and finite.")
    lo, hi = np.exp(az.hdi(np.log(a), prob=hdi_prob))
    out = {"mean": float(a.mean()), "median": float(np.median(a)), "hdi_lower": float(lo),
           "hdi_upper": float(hi), "log10_median": float(np.log10(np.median(a)))}
    if cv_alpha is not None:
        cv_alpha = float(cv_alpha)
        out.update(cv_alpha=cv_alpha, prob_alpha_below_cv=float(np.mean(a < cv_alpha)),
                   cv_in_hdi=bool(lo <= cv_alpha <= hi))
    return pd.Series(out, name="alpha")
