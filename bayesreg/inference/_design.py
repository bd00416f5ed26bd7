"""The design a :class:`bayesreg.Model` fits: from a formula, standardized or not.

* :func:`model_design`: the design the prior sees (``Model.X``: the user's
  ``X_original``, standardized when ``standardize=True``, see
  :mod:`bayesreg.inference._standardize`);
* :func:`formula_arguments`: ``Model.from_formula``'s data frame -> ``X``, ``y`` and the
  intercept (:mod:`bayesreg.inference._formula`);
* :func:`new_design`: the design of new inputs, built the way the training design was;
* :func:`with_original_scale`: posterior (or prior) draws plus their original-scale twins
  ``coef_original`` and ``intercept_original``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._formula import FormulaDesign
from ._standardize import Standardization
from ..utils._validation import InstanceOf, check_features, check_param

__all__ = ["model_design", "formula_arguments", "new_design", "with_original_scale",
           "ORIGINAL_SCALE"]

#: the posterior variables on the original scale of a standardized model
ORIGINAL_SCALE = ("coef_original", "intercept_original")


def model_design(X: np.ndarray, sample_weight, standardize, fit_intercept: bool):
    """``(standardization or None, the design the prior sees)`` of a Model's checked
    ``X``."""
    standardize = check_param(standardize, "standardize", "Model",
                              InstanceOf((bool, np.bool_), "a bool"))
    if not standardize:
        return None, X
    st = Standardization.fit(X, sample_weight, center=fit_intercept)
    return st, st.transform(X)


def formula_arguments(formula: str, data, kwargs: dict) -> tuple[FormulaDesign, dict]:
    """The design of ``formula`` on ``data`` and the Model arguments it sets: ``X``,
    ``y``, ``fit_intercept`` and ``sample_weight`` (a column name is looked up in
    ``data``)."""
    if "fit_intercept" in kwargs:
        raise TypeError("Model.from_formula() takes the intercept from the formula: "
                        "'y ~ x' has one, 'y ~ 0 + x' has none; do not pass fit_intercept.")
    design, X, y = FormulaDesign.build(formula, data)
    weight = kwargs.get("sample_weight")
    if isinstance(weight, str):
        if weight not in data:
            raise ValueError(f"sample_weight={weight!r} is not a column of data.")
        weight = np.asarray(data[weight], dtype=np.float64)
    return design, {**kwargs, "X": X, "y": y, "fit_intercept": design.intercept,
                    "sample_weight": weight}


def new_design(model, X_new) -> np.ndarray:
    """The design of ``X_new`` as the model's ``X`` was built: through the formula (for a
    DataFrame, when the model has one), then standardized with the training map."""
    if model.formula is not None and type(X_new).__module__.startswith("pandas"):
        X_new = model.formula.transform(X_new)
    arr = check_features(X_new, model.feature_names)
    return arr if model.standardization is None else model.standardization.transform(arr)


def with_original_scale(model, draws: xr.Dataset) -> xr.Dataset:
    """``draws`` plus ``coef_original`` (and ``intercept_original``) for a standardized
    model: :meth:`Standardization.coef_original` and
    :meth:`Standardization.intercept_original` of every draw."""
    st = model.standardization
    if st is None or "coef" not in draws:
        return draws
    coef = draws["coef"].transpose(..., "feature")
    out = draws.assign(coef_original=coef.copy(data=st.coef_original(coef.values)))
    if model.fit_intercept and "intercept" in draws:
        intercept = draws["intercept"].transpose(*coef.dims[:-1])
        out = out.assign(intercept_original=intercept.copy(
            data=st.intercept_original(intercept.values, coef.values)))
    return out
