"""A :class:`bayesreg.Model`'s specification: its arguments checked, and its JSON form.

Every fit carries the specification as JSON in ``posterior.attrs["bayesreg_spec"]``
(:data:`bayesreg.inference._pointwise.SPEC_ATTR`), never pickled, so that
:meth:`bayesreg.Model.from_idata` rebuilds the model from a loaded file. Version 1 is
bayesreg 0.1's; version 2 adds ``standardize`` / ``standardization`` and ``formula``
and is written only by models that use them, so other fits stay readable by older
versions.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..base._existence import no_mode_direction
from ..priors import _priors
from ..families._family import get_family
from ._formula import FormulaDesign
from ..priors._priors import Flat, Prior
from ..priors._registry import prior_from_dict
from ..utils._validation import check_positive_float
from ._pointwise import SPEC_ATTR

__all__ = ["SUPPORTED_SPEC_VERSIONS", "check_coef_prior", "check_proper_posterior", "check_spec", "check_intercept_prior",
           "check_scale_param", "default_sigma", "model_spec", "model_arguments",
           "spec_from_idata"]

#: spec versions this bayesreg can rebuild a model from (1: bayesreg 0.1, any ArviZ;
#: 2: adds ``standardize``/``standardization`` and ``formula``, written only when used)
SUPPORTED_SPEC_VERSIONS = (1, 2)


# --------------------------------------------------------------------------- arguments
def check_coef_prior(prior, family) -> Prior:
    """A real-line prior for the coefficients (``scaled_by_sigma`` needs a sigma)."""
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a bayesreg Prior (e.g. Gaussian(1.0)); got {prior!r}.")
    if prior.positive:
        raise ValueError(
            f"prior {prior!r} is a prior on positive values; coefficients need a prior on "
            f"the real line (Gaussian, Laplace, ElasticNetPrior, StudentT, Flat)."
        )
    if prior.scaled_by_sigma and not family.has_sigma:
        raise ValueError(
            f"prior {prior!r} has scaled_by_sigma=True, but family={family.name!r} "
            f"has no noise scale sigma. Use scaled_by_sigma=False."
        )
    return prior


def check_intercept_prior(intercept_prior) -> Prior:
    """A real-line prior for the intercept; ``None`` is ``Flat()``."""
    if intercept_prior is None:
        return Flat()
    if not isinstance(intercept_prior, Prior) or intercept_prior.positive:
        raise TypeError(f"intercept_prior must be a real-line Prior; got {intercept_prior!r}.")
    return intercept_prior


def check_proper_posterior(model, what: str) -> None:
    """Refuse a binary or count (bernoulli, poisson, negative_binomial) model whose posterior is improper: under a ``Flat``
    coefficient prior or the flat intercept, the likelihood does not decay along some
    direction (separated labels, a single class, all-zero counts;
    :mod:`bayesreg.base._existence`), so no mode, no evidence and no stationary MCMC exist."""
    family = model.family
    if family.outcome not in ("binary", "counts"):  # only these can fail to decay
        return
    cols, flat = [], []
    if model.prior.improper:
        cols, flat = [model.X], ["coefficient"]
    if model.fit_intercept and model.intercept_prior.improper:
        cols, flat = cols + [np.ones((model.n_samples, 1))], flat + ["intercept"]
    if not cols or not no_mode_direction(np.hstack(cols), model.y, family):
        return
    raise ValueError(
        f"{what} is undefined: the posterior is improper. Under the Flat "
        f"{' and '.join(flat)} prior the {family.name} likelihood does not decay along some "
        f"direction (separated "
        f"labels, a single class or all-zero counts), so the posterior has no mode and "
        f"infinite mass. Give them proper priors (e.g. prior=Gaussian(1.0), intercept_prior="
        f"Gaussian(10.0)), or check y.")


def default_sigma(y: np.ndarray) -> Prior:
    """``HalfStudentT(3, std(y))`` (scale 1 for a constant ``y``)."""
    scale = float(np.std(y)) if np.std(y) > 0 else 1.0
    return _priors.HalfStudentT(nu=3.0, scale=scale)


def check_scale_param(value, name: str, used: bool, family, default):
    """``sigma`` / ``nu`` / ``dispersion``: None where the family has no such parameter, else a positive
    float or a positive prior (``default()`` when None)."""
    if not used:
        if value is not None:
            raise ValueError(f"{name} is not a parameter of family={family.name!r}; "
                             f"leave it as None.")
        return None
    if value is None:
        return default()
    if isinstance(value, Prior):
        if not value.positive:
            raise ValueError(f"{name} must be a positive float or a positive prior "
                             f"(HalfNormal, HalfStudentT, ...); got {value!r}.")
        return value
    return check_positive_float(value, name)


# --------------------------------------------------------------------------- JSON
def _enc(v):
    return v.to_dict() if isinstance(v, Prior) else v


def _dec(v):
    return prior_from_dict(v) if isinstance(v, dict) else v


def model_spec(model) -> dict[str, Any]:
    """The specification of ``model`` as a JSON-serializable dict (no data)."""
    extras: dict[str, Any] = {}
    if model.standardization is not None:
        extras.update(standardize=True, standardization=model.standardization.to_dict())
    if model.formula is not None:
        extras["formula"] = model.formula.to_dict()
    return {
        "version": 2 if extras else 1,
        "prior": _enc(model.prior),
        "family": model.family.name,
        "fit_intercept": model.fit_intercept,
        "intercept_prior": _enc(model.intercept_prior),
        "sigma": _enc(model.sigma),
        "nu": _enc(model.nu),
        # written only when the family has one, so that other fits stay readable by
        # bayesreg versions without the negative_binomial family
        **({"dispersion": _enc(model.dispersion)}
           if getattr(model, "dispersion", None) is not None else {}),
        "feature_names": list(model.feature_names),
        "has_sample_weight": model.sample_weight is not None,
        **extras,
    }


def model_arguments(spec: dict[str, Any]) -> tuple[dict[str, Any], FormulaDesign | None]:
    """``(Model keyword arguments, formula design or None)`` of a spec."""
    if spec.get("version") not in SUPPORTED_SPEC_VERSIONS:
        raise ValueError(f"Unsupported bayesreg spec version {spec.get('version')!r}.")
    kwargs = dict(prior=_dec(spec["prior"]), family=spec["family"],
                  fit_intercept=spec["fit_intercept"],
                  intercept_prior=_dec(spec["intercept_prior"]), sigma=_dec(spec["sigma"]),
                  nu=_dec(spec["nu"]), dispersion=_dec(spec.get("dispersion")),
                  standardize=bool(spec.get("standardize", False)))
    formula = spec.get("formula")
    return kwargs, None if formula is None else FormulaDesign.from_dict(formula)


def check_spec(spec) -> None:
    """Check a spec read from a file, field by field, and build nothing but its priors and
    formula (plain data; nothing is evaluated); ValueError naming the first bad field."""
    if not isinstance(spec, dict):
        raise ValueError(f"the spec is a JSON {type(spec).__name__}, not an object")
    missing = sorted({"prior", "family", "fit_intercept", "intercept_prior", "sigma", "nu",
                      "feature_names"} - set(spec))
    if missing:
        raise ValueError(f"the spec lacks the fields {missing}")
    for name in ("fit_intercept", "standardize", "has_sample_weight"):
        if name in spec and not isinstance(spec[name], bool):
            raise ValueError(f"spec field {name!r} must be true or false; got {spec[name]!r}")
    names = spec["feature_names"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("spec field 'feature_names' must be a list of strings")
    if not isinstance(spec["family"], str):
        raise ValueError(f"spec field 'family' must be a string; got {spec['family']!r}")
    try:
        kwargs, _ = model_arguments(spec)
        get_family(kwargs["family"])
    except RecursionError:
        raise ValueError("the spec's priors are nested too deeply to be real") from None
    except (TypeError, KeyError, AttributeError, SyntaxError) as err:
        raise ValueError(f"the spec's priors or formula are malformed ({err!r})") from None
    for name in ("prior", "intercept_prior"):
        if not isinstance(kwargs[name], Prior):
            raise ValueError(f"spec field {name!r} is not a prior: {spec[name]!r}")


def spec_from_idata(idata) -> dict[str, Any]:
    """The model spec stored in a fit by :meth:`Model.sample`."""
    try:
        return json.loads(idata["posterior"].attrs[SPEC_ATTR])
    except (AttributeError, KeyError, TypeError):
        raise ValueError(
            "This fit has no bayesreg model spec (posterior.attrs"
            f"[{SPEC_ATTR!r}]); it was not produced by bayesreg.Model.sample."
        ) from None
