r"""Specification -> PyMC model: the one place where priors and families become PyMC.

:func:`build_pymc_model` turns a model's specification and data into a ``pm.Model``:

* coefficients ``coef`` (dim ``feature``) from the coefficient prior, non-centred
  (``coef = loc + scale * coef_z``) when its scale is random and ``noncentered=True``;
* a hyperprior on parameter ``field`` of the prior of ``name`` is the variable
  ``f"{name}_{field}"`` (``coef_scale``, ``sigma_scale``, ...);
* a flat intercept is sampled on centred predictors (``intercept_centered``) and
  reported as ``intercept`` on the user's scale;
* the gaussian likelihood is a ``Potential`` on sufficient statistics (a gradient costs
  O(p^2) whatever n); the others are observed variables (or a weighted ``Potential``);
* with a sparse prior and the gaussian family (up to ``MARGINAL_MAX_FEATURES``) the
  coefficients are integrated out of that ``Potential`` and drawn exactly given their
  scales (:mod:`bayesreg.backends._marginal`; :func:`uses_marginal_coef`).

Everything a scale grid or new data changes is a ``pm.Data`` container, so a compiled
sampler takes new values without recompiling (:mod:`bayesreg.backends.compiled`):

* ``coef_<field>_value``: each fixed positive parameter of the coefficient prior
  (e.g. ``coef_scale_value`` for ``Laplace(b)``);
* gaussian: ``suffstat_gram``, ``suffstat_beta_hat``, ``suffstat_rss_min``,
  ``suffstat_sum_w``; other families: ``X``, ``y_obs`` (and ``sample_weight``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from ..base._suffstats import SufficientStats
from ..families._family import (
    BernoulliFamily,
    GaussianFamily,
    NegativeBinomialFamily,
    PoissonFamily,
    StudentTFamily,
)
from ..priors import _priors as P
from ..priors import _shrinkage as S
from ._marginal import MARGINAL_MAX_FEATURES, marginal_coef
from ..utils._registry import registered
from ._shrinkage import shrinkage_data, shrinkage_scale, shrinkage_variable

__all__ = ["build_pymc_model", "PYMC_PRIORS", "prior_variable", "data_values",
           "coef_param_data_names", "structure_key", "model_shrinkage_scales", "uses_marginal_coef"]


# --------------------------------------------------------------------------- priors
def _param(prior: P.Prior, field: str, name: str, data: dict | None = None):
    """The value of ``prior.field``: its hyperprior's variable, a data container, or a float."""
    value = getattr(prior, field)
    if isinstance(value, P.Prior):
        return prior_variable(value, f"{name}_{field}")
    if data is not None and field in data:
        return data[field]
    return value


def _location_scale(dist, *extra: str):
    """The builder of a location-scale prior whose PyMC distribution is
    ``dist(name, loc, scale, dims, **extra_params)``: non-centred (``name = loc + scale *
    name_z``) when the scale is random (a hyperprior, or a sampled ``sigma`` for
    ``scaled_by_sigma=True``) and ``noncentered=True``."""
    def build(prior, name, dims, sigma, data):
        loc = _param(prior, "loc", name, data)
        scale = _param(prior, "scale", name, data)
        params = {k: _param(prior, k, name, data) for k in extra}
        random_scale = isinstance(prior.scale, P.Prior)
        if prior.scaled_by_sigma:
            if sigma is None:
                raise ValueError(f"{type(prior).__name__}(scaled_by_sigma=True) needs the noise "
                                 f"scale sigma; use it in a gaussian or student_t Model.")
            scale = scale * sigma
            random_scale = random_scale or not isinstance(sigma, (int, float))
        if prior.noncentered and random_scale:
            z = dist(f"{name}_z", 0.0, 1.0, dims, **params)
            return pm.Deterministic(name, loc + scale * z, dims=dims)
        return dist(name, loc, scale, dims, **params)
    return build


def _elastic_net_log_normalizer(b, tau):
    """PyTensor twin of :func:`bayesreg.priors._priors.elastic_net_log_normalizer`:
    ``log Z = log(2 tau) + log(pi / 2) / 2 + log(erfcx(tau / (b sqrt 2)))``."""
    a = tau / (b * math.sqrt(2.0))
    return pt.log(2.0 * tau) + 0.5 * math.log(math.pi / 2.0) + pt.log(pt.erfcx(a))


def _elastic_net(prior, name, dims, sigma, data):
    """The elastic-net density as a ``pm.CustomDist`` (one distribution, drawn by
    :func:`bayesreg.priors._priors.elastic_net_draws`)."""
    b = _param(prior, "l1_scale", name, data)
    tau = _param(prior, "l2_scale", name, data)

    def logp(value, b, tau):
        return (-pt.abs(value) / b - value**2 / (2 * tau**2)
                - _elastic_net_log_normalizer(b, tau))

    def random(b, tau, rng=None, size=None):
        return P.elastic_net_draws(b, tau, rng, size)

    return pm.CustomDist(name, b, tau, logp=logp, random=random, dims=dims)


def _positive(dist, args: dict[str, str]):
    """The builder of a prior on positive values: ``dist`` with its arguments (PyMC name
    -> field of the prior)."""
    def build(prior, name, dims, sigma, data):
        return dist(name, dims=dims, **{k: _param(prior, f, name) for k, f in args.items()})
    return build


def _inverse_gamma_variance(prior, name, dims, sigma, data):
    """``name_sq ~ InverseGamma(alpha, beta)`` and ``name = sqrt(name_sq)``."""
    var = pm.InverseGamma(f"{name}_sq", alpha=_param(prior, "alpha", name),
                          beta=_param(prior, "beta", name), dims=dims)
    return pm.Deterministic(name, var**0.5, dims=dims)


#: The PyMC variable of each prior class: ``(prior, name, dims, sigma, data) -> variable``.
#: The one registry from (non-sparse) priors to PyMC, filled here by hand; the sparse
#: priors' is :data:`bayesreg.backends._shrinkage.SHRINKAGE_SCALES`. A prior class not
#: listed uses the entry of its nearest listed base class.
PYMC_PRIORS = {
    P.Gaussian: _location_scale(lambda n, loc, scale, dims: pm.Normal(
        n, mu=loc, sigma=scale, dims=dims)),
    P.Laplace: _location_scale(lambda n, loc, scale, dims: pm.Laplace(
        n, mu=loc, b=scale, dims=dims)),
    P.StudentT: _location_scale(lambda n, loc, scale, dims, nu: pm.StudentT(
        n, nu=nu, mu=loc, sigma=scale, dims=dims), "nu"),
    P.ElasticNetPrior: _elastic_net,
    P.Flat: lambda prior, name, dims, sigma, data: pm.Flat(name, dims=dims),
    P.HalfFlat: lambda prior, name, dims, sigma, data: pm.HalfFlat(name, dims=dims),
    P.HalfNormal: _positive(pm.HalfNormal, {"sigma": "scale"}),
    P.HalfStudentT: _positive(pm.HalfStudentT, {"nu": "nu", "sigma": "scale"}),
    P.HalfCauchy: _positive(pm.HalfCauchy, {"beta": "scale"}),
    P.Exponential: _positive(pm.Exponential, {"scale": "scale"}),
    P.Gamma: _positive(pm.Gamma, {"alpha": "alpha", "beta": "beta"}),
    P.InverseGamma: _positive(pm.InverseGamma, {"alpha": "alpha", "beta": "beta"}),
    P.InverseGammaVariance: _inverse_gamma_variance,
}


def prior_variable(prior: P.Prior, name: str, dims=None, *, sigma=None,
                   data: dict | None = None):
    """Create the PyMC variable ``name`` with prior ``prior`` in the current model
    (:data:`PYMC_PRIORS`).

    ``sigma`` (a float or a PyMC variable) multiplies the scale of a
    ``scaled_by_sigma=True`` location-scale prior. ``data`` maps fixed parameter names
    to ``pm.Data`` containers that replace their float values.
    """
    return registered(PYMC_PRIORS, prior, "PyMC variable for prior")(
        prior, name, dims, sigma, data)


def _scale_param_var(value, name):
    if value is None or not isinstance(value, P.Prior):
        return value
    return prior_variable(value, name)


# --------------------------------------------------------------------------- families
#: The PyMC likelihood of each family class: ``(eta, aux) -> (distribution, kwargs)``,
#: ``aux`` the family's auxiliary parameters by name (PyMC variables or floats). The one
#: registry from families to PyMC (numpyro and blackjax sample PyMC's JAX log density).
#: The negative binomial's ``dispersion`` theta (Var = mu + theta mu^2) is PyMC's
#: ``alpha = 1 / theta``.
LIKELIHOODS = {
    GaussianFamily: lambda eta, aux: (pm.Normal, dict(mu=eta, sigma=aux["sigma"])),
    StudentTFamily: lambda eta, aux: (pm.StudentT, dict(nu=aux["nu"], mu=eta,
                                                        sigma=aux["sigma"])),
    BernoulliFamily: lambda eta, aux: (pm.Bernoulli, dict(logit_p=eta)),
    PoissonFamily: lambda eta, aux: (pm.Poisson, dict(mu=pt.exp(eta))),
    NegativeBinomialFamily: lambda eta, aux: (pm.NegativeBinomial, dict(
        mu=pt.exp(eta), alpha=1.0 / aux["dispersion"])),
}


def _family_dist(family, eta, aux):
    """The PyMC distribution and its arguments of ``family`` at ``eta`` (:data:`LIKELIHOODS`;
    looked up by the exact class: a subclass of a family is another likelihood)."""
    make = LIKELIHOODS.get(type(family))
    if make is None:
        raise TypeError(f"No PyMC likelihood for family {family!r}; add its class to "
                        f"bayesreg.backends._pymc_model.LIKELIHOODS.")
    return make(eta, aux)


def _gaussian_suffstat_loglik(stats, beta, sigma):
    """``sum_i s_i log N(y_i | d_i^T beta, sigma) = -S log(sigma) - S/2 log(2 pi)
    - (RSS_min + (beta - beta_hat)^T G (beta - beta_hat)) / (2 sigma^2)``."""
    d = beta - stats["beta_hat"]
    quad = stats["rss_min"] + pt.dot(d, pt.dot(stats["gram"], d))
    return (-stats["sum_w"] * pt.log(sigma) - 0.5 * stats["sum_w"] * np.log(2 * np.pi)
            - quad / (2 * sigma**2))


# --------------------------------------------------------------------------- the model
def coef_param_data_names(prior: P.Prior) -> dict[str, str]:
    """Fixed positive parameters of the coefficient prior that are data containers:
    ``{field: data name}`` (e.g. ``{"scale": "coef_scale_value"}`` for ``Laplace(b)``)."""
    return {f: f"coef_{f}_value" for f in sorted(prior.scale_fields)
            if not isinstance(getattr(prior, f), P.Prior)}


def _x_mean(model) -> np.ndarray | None:
    """The weighted column means the likelihood centres X by: set under a flat
    intercept, else ``None``."""
    if model.fit_intercept and model.intercept_prior.improper:
        if model.n_features == 0:  # the intercept-only model (np.average divides by 0)
            return np.zeros(0)
        return np.average(model.X, axis=0, weights=model.sample_weight)
    return None


def _design(model) -> tuple[np.ndarray, np.ndarray | None]:
    """The design the likelihood sees: centred X under a flat intercept, and x_mean."""
    x_mean = _x_mean(model)
    return (model.X, None) if x_mean is None else (model.X - x_mean, x_mean)


def model_shrinkage_scales(model) -> S.ShrinkageScales:
    """The data-dependent scales of a model's shrinkage prior."""
    return S.shrinkage_scales(model.prior, family=model.family, y=model.y,
                              sample_weight=model.sample_weight, sigma=model.sigma,
                              n_features=model.n_features,
                              aux={name: getattr(model, name) for name in model.family.auxiliary})


def data_values(model) -> dict[str, Any]:
    """The values of every data container of ``build_pymc_model(model)``."""
    values = {name: np.asarray(float(getattr(model.prior, f)))
              for f, name in coef_param_data_names(model.prior).items()}
    if model.prior.sparse:
        values.update(shrinkage_data(model.prior, model_shrinkage_scales(model)))
    if model.family.sufficient_statistics:
        # the statistics of the design [1, X - x_mean] (or its parts), built chunk by
        # chunk: no n x p copy of X
        x_mean = _x_mean(model)
        if x_mean is not None:
            values["x_mean"] = x_mean
        st = SufficientStats.from_data(model.X, model.y, model.sample_weight, shift=x_mean,
                                       intercept=model.fit_intercept)
        values.update(suffstat_gram=st.xtx, suffstat_beta_hat=st.beta_hat,
                      suffstat_rss_min=np.asarray(st.rss_min),
                      suffstat_sum_w=np.asarray(st.sum_w))
    else:
        Xd, x_mean = _design(model)
        if x_mean is not None:
            values["x_mean"] = x_mean
        values.update(X=Xd, y_obs=model.y)
        if model.sample_weight is not None:
            values["sample_weight"] = model.sample_weight
    return values


def structure_key(model) -> str:
    """What a compiled sampler depends on: the specification with the data-container
    values masked, and the shapes of the data (JSON). Models with equal keys share one
    compiled sampler."""
    spec = model.spec()
    for f in coef_param_data_names(model.prior):
        spec["prior"][f] = "<data>"
    for key in ("standardization", "formula"):  # data-dependent; the graph is not
        if key in spec:
            spec[key] = "<data>"
    k = model.n_features + (1 if model.fit_intercept else 0)
    if model.family.sufficient_statistics:
        shapes = {"suffstat_gram": (k, k), "suffstat_beta_hat": (k,)}
    else:
        shapes = {"X": (model.n_samples, model.n_features), "y": (model.n_samples,)}
    return json.dumps({"spec": spec, "shapes": shapes}, sort_keys=True)


def build_pymc_model(model, values: dict[str, Any] | None = None) -> pm.Model:
    """The PyMC model of a :class:`bayesreg.Model` (see the module docstring); ``values``:
    its :func:`data_values` when the caller has them."""
    values = data_values(model) if values is None else values
    coords = {"feature": list(model.feature_names)}
    if not model.family.sufficient_statistics:
        # only the observed y has this dimension (PyMC stores a coordinate as n Python ints)
        coords["obs_id"] = np.arange(model.n_samples)
    with pm.Model(coords=coords) as pmodel:
        data = {name: pm.Data(name, value) for name, value in values.items()}
        aux = {name: _scale_param_var(getattr(model, name), name)
               for name in model.family.auxiliary}
        sigma = aux.get("sigma")
        coef_data = {f: data[name] for f, name in coef_param_data_names(model.prior).items()}
        marginal = uses_marginal_coef(model)
        if marginal:
            scale = shrinkage_scale(model.prior, "coef", "feature", sigma=sigma, data=data)
        elif model.prior.sparse:
            coef = shrinkage_variable(model.prior, "coef", "feature", sigma=sigma, data=data)
        else:
            coef = prior_variable(model.prior, "coef", dims="feature", sigma=sigma,
                                  data=coef_data)
        if "x_mean" in data:
            intercept = pm.Flat("intercept_centered", initval=model.family.intercept_start(
                model.y, model.sample_weight))
        elif model.fit_intercept:
            intercept = prior_variable(model.intercept_prior, "intercept")
        else:
            intercept = None

        if model.family.sufficient_statistics:
            stats = {k: data[f"suffstat_{k}"] for k in ("gram", "beta_hat", "rss_min", "sum_w")}
            if marginal:
                coef = marginal_coef(scale, sigma, intercept, stats)
            else:
                beta = coef if intercept is None else pt.concatenate([pt.stack([intercept]),
                                                                      coef])
                pm.Potential("y_loglik", _gaussian_suffstat_loglik(stats, beta, sigma))
        else:
            eta = pt.dot(data["X"], coef)
            if intercept is not None:
                eta = eta + intercept
            cls, kwargs = _family_dist(model.family, eta, aux)
            if model.sample_weight is None:
                cls("y", observed=data["y_obs"], dims="obs_id", **kwargs)
            else:
                pm.Potential("y_loglik", pt.sum(data["sample_weight"]
                                                * pm.logp(cls.dist(**kwargs), data["y_obs"])))
        if "x_mean" in data:  # the flat intercept on the user's (uncentred) scale
            pm.Deterministic("intercept", intercept - pt.dot(data["x_mean"], coef))
    return pmodel


def uses_marginal_coef(model) -> bool:
    """Whether ``build_pymc_model`` integrates the coefficients out of the likelihood: a
    sparse prior, the gaussian family and at most ``MARGINAL_MAX_FEATURES`` features
    (:mod:`bayesreg.backends._marginal`)."""
    return (model.prior.sparse and model.family.sufficient_statistics
            and model.n_features <= MARGINAL_MAX_FEATURES)
