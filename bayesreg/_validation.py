"""Checks applied where data enters bayesreg; inner code trusts their output."""

from __future__ import annotations

import numbers

import importlib.util

import numpy as np

SAMPLERS = ("auto", "pymc", "nutpie", "numpyro", "blackjax", "exact")
_EXTRA = {"nutpie": "nutpie", "numpyro": "numpyro", "blackjax": "blackjax"}
_MODULES = {"nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax")}


def check_X(X, *, name: str = "X") -> tuple[np.ndarray, list[str]]:
    """Return ``X`` as a 2-D float64 array and the feature names.

    Accepts a NumPy array, a pandas DataFrame (column names become features) or a
    2-D xarray DataArray (its second dimension's coordinate becomes features).
    """
    names = None
    mod = type(X).__module__
    if mod.startswith("pandas"):
        if getattr(X, "ndim", 2) != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features); got a pandas Series. "
                             f"Use a DataFrame, e.g. series.to_frame().")
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        non_numeric = [str(c) for c, dt in X.dtypes.items()
                       if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
        if non_numeric:
            raise ValueError(
                f"{name} has non-numeric columns {non_numeric}. Encode them as numbers first "
                f"(e.g. pandas.get_dummies) or drop them."
            )
        names = [str(c) for c in X.columns]
        X = X.to_numpy(dtype=float)
    elif mod.startswith("xarray"):
        if X.ndim != 2:
            raise ValueError(f"{name} must be a 2-D DataArray (obs, feature); got dims {X.dims}.")
        dim = X.dims[1]
        names = ([str(v) for v in X[dim].values] if dim in X.coords
                 else [f"x{i}" for i in range(X.shape[1])])
        X = X.values
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be numeric; got an array of dtype {arr.dtype}. Encode categorical "
            f"columns as numbers first."
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got shape {arr.shape}. "
            f"Reshape a single feature with X.reshape(-1, 1)."
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    if names is None:
        names = [f"x{i}" for i in range(arr.shape[1])]
    if len(set(names)) != len(names):
        raise ValueError(f"{name} has duplicated feature names: {names}.")
    return arr, names


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[:3].tolist()
        kind = "NaN" if np.isnan(arr[bad]).any() else "inf"
        raise ValueError(
            f"{name} contains {kind} values ({int(bad.sum())} entries, first at index "
            f"{where}). Remove or impute them before fitting."
        )


def check_y(y, n_samples: int | None = None, *, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D float64 array of length ``n_samples``."""
    arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,); got shape {arr.shape}.")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric; got dtype {arr.dtype}.")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_samples} rows, {name} has "
            f"{arr.shape[0]}."
        )
    return arr


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """Return positive finite weights of length ``n_samples``, or None."""
    if sample_weight is None:
        return None
    w = check_y(sample_weight, n_samples, name="sample_weight")
    if (w <= 0).any():
        raise ValueError("sample_weight must be strictly positive; drop rows with zero weight.")
    return w


def check_positive_float(value, name: str) -> float:
    """A strictly positive finite float (e.g. a fixed ``sigma``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive float or a Prior; got {value!r}.")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite float; got {value!r}.")
    return value


def check_sampler(sampler: str) -> str:
    """Check the sampler name and that its optional backend is installed.

    Returns the sampler to run: ``"auto"`` resolves, as ``pm.sample`` does, to nutpie
    when it is installed and to PyMC's own NUTS otherwise.
    """
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        raise ValueError(
            f"{sampler!r} is not a supported sampler. Must be one of: {', '.join(SAMPLERS)}."
        )
    if sampler == "auto":
        return "nutpie" if importlib.util.find_spec("nutpie") is not None else "pymc"
    if sampler in _MODULES:
        missing = [m for m in _MODULES[sampler] if importlib.util.find_spec(m) is None]
        if missing:
            raise ImportError(
                f"sampler={sampler!r} needs {', '.join(missing)}, which is not installed. "
                f"Install it with: pip install 'bayesreg[{_EXTRA[sampler]}]'"
            )
    return sampler


def check_features(X_new, feature_names: list[str]) -> np.ndarray:
    """``X_new`` as an array whose columns match the training features."""
    arr, names = check_X(X_new, name="X_new")
    has_names = type(X_new).__module__.startswith(("pandas", "xarray"))
    if has_names and names != list(feature_names):
        missing = [f for f in feature_names if f not in names]
        extra = [f for f in names if f not in feature_names]
        detail = (f"missing {missing}, unexpected {extra}" if missing or extra
                  else "same names in a different order")
        raise ValueError(
            f"X_new columns differ from the training features ({detail}). Pass columns "
            f"{list(feature_names)} in that order."
        )
    if arr.shape[1] != len(feature_names):
        raise ValueError(
            f"X_new has {arr.shape[1]} columns but the model was trained on "
            f"{len(feature_names)} features {list(feature_names)}."
        )
    return arr
