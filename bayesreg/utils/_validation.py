"""One validation mechanism, applied where values enter bayesreg; inner code trusts them.

The bottom layer (NumPy and pandas only). Parameters are checked against constraints
(the model is scikit-learn's ``_parameter_constraints``; the scikit-learn estimators of
bayesreg declare theirs with these classes) and every failure reads the same:

    The 'draws' parameter of Model.sample must be an int >= 1. Got 0 instead.
    The 'draws' parameter of BayesRidge must be an int in the range [1, inf). Got 0 instead.

Data (``X``, ``y``, ``sample_weight``) get messages that name the problem and the fix.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

__all__ = ["INVALID", "Interval", "OneOf", "StrOptions", "InstanceOf", "InvalidParameterError",
           "BOOLEAN", "POSITIVE", "POSITIVE_INT", "NON_NEGATIVE_INT", "PROBABILITY",
           "check_param", "check_positive_array", "check_X", "check_y", "check_aligned",
           "check_sample_weight", "check_bool", "check_random_seed", "rng_from",
           "check_positive_float", "check_features"]


# --------------------------------------------------------------------------- parameters
#: what a constraint's ``convert`` returns for a value that does not satisfy it
INVALID = object()


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or value (a ``ValueError`` and a ``TypeError``, as
    scikit-learn's parameter errors)."""


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``"int"`` or ``"float"``) in an interval; ``closed`` is one of
    ``"both"``, ``"left"``, ``"right"``, ``"neither"``. Bools are not numbers here.

    ``notation="words"`` describes it in words ("an int >= 1", "a positive finite
    float") and accepts finite floats only. ``notation="range"`` writes the interval as
    scikit-learn does ("an int in the range [1, inf)", "a float in the range (0.0, inf]")
    and accepts an infinite float where the interval is closed at that infinite bound.
    NaN is never accepted.
    """

    kind: str
    left: float = -math.inf
    right: float = math.inf
    closed: str = "both"
    notation: str = "words"

    def convert(self, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            return INVALID
        left_closed = self.closed in ("both", "left")
        right_closed = self.closed in ("both", "right")
        if self.kind == "int":
            if not isinstance(value, numbers.Integral):
                return INVALID
            value = int(value)
        else:
            value = float(value)
            if math.isnan(value):
                return INVALID
            if math.isinf(value) and not (
                    self.notation == "range"
                    and ((value == self.right and right_closed)
                         or (value == self.left and left_closed))):
                return INVALID
        lo_ok = value >= self.left if left_closed else value > self.left
        hi_ok = value <= self.right if right_closed else value < self.right
        return value if (lo_ok and hi_ok) else INVALID

    def __str__(self) -> str:
        noun = "an int" if self.kind == "int" else "a float"
        if self.notation == "range":
            fmt = (lambda v: "inf" if v == math.inf else "-inf" if v == -math.inf
                   else str(int(v)) if self.kind == "int" else str(float(v)))
            lo = "[" if self.closed in ("both", "left") else "("
            hi = "]" if self.closed in ("both", "right") else ")"
            return f"{noun} in the range {lo}{fmt(self.left)}, {fmt(self.right)}{hi}"
        left_closed = self.closed in ("both", "left")
        if self.right == math.inf and self.left == -math.inf:
            return "an int" if self.kind == "int" else "a finite float"
        if self.right == math.inf and self.left == 0 and not left_closed and self.kind != "int":
            return "a positive finite float"
        if self.right == math.inf:
            return f"{noun} {'>=' if left_closed else '>'} {self.left:g}"
        lo = "[" if self.closed in ("both", "left") and math.isfinite(self.left) else "("
        hi = "]" if self.closed in ("both", "right") and math.isfinite(self.right) else ")"
        fmt = (lambda v: "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}")
        return f"{noun} in the range {lo}{fmt(self.left)}, {fmt(self.right)}{hi}"


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of options."""

    options: tuple

    def convert(self, value):
        try:
            return value if value in self.options else INVALID
        except TypeError:  # unhashable
            return INVALID

    def __str__(self) -> str:
        return "one of: " + ", ".join(str(o) for o in self.options)


@dataclass(frozen=True)
class StrOptions:
    """One of a fixed set of strings, described as scikit-learn does ("a str among
    {'map', 'sample'}")."""

    options: tuple

    def convert(self, value):
        return value if isinstance(value, str) and value in self.options else INVALID

    def __str__(self) -> str:
        return "a str among {" + ", ".join(repr(o) for o in self.options) + "}"


@dataclass(frozen=True)
class InstanceOf:
    """An instance of a type (described by ``what``)."""

    cls: type
    what: str

    def convert(self, value):
        return value if isinstance(value, self.cls) else INVALID

    def __str__(self) -> str:
        return self.what


#: frequent constraints
BOOLEAN = InstanceOf((bool, np.bool_), "an instance of 'bool' or an instance of 'numpy.bool'")
POSITIVE = Interval("float", 0.0, math.inf, "neither")
POSITIVE_INT = Interval("int", 1, math.inf, "left")
NON_NEGATIVE_INT = Interval("int", 0, math.inf, "left")
PROBABILITY = Interval("float", 0.0, 1.0, "neither")


def check_param(value, name: str, owner: str, *constraints, listing: str = "or"):
    """``value`` converted by the first constraint it satisfies.

    Otherwise :class:`InvalidParameterError` (a ``ValueError``): "The {name!r} parameter
    of {owner} must be {constraints}. Got {value!r} instead.", the constraints joined by
    " or " (``listing="or"``) or, as scikit-learn lists them, by commas and a final "or"
    (``listing="series"``: "a, b or c").
    """
    for constraint in constraints:
        converted = constraint.convert(value)
        if converted is not INVALID:
            return converted
    texts = [str(c) for c in constraints]
    if listing == "series" and len(texts) > 2:
        wanted = ", ".join(texts[:-1]) + " or " + texts[-1]
    else:
        wanted = " or ".join(texts)
    raise InvalidParameterError(f"The {name!r} parameter of {owner} must be {wanted}. "
                                f"Got {value!r} instead.")


def check_positive_array(values, name: str, owner: str) -> np.ndarray:
    """A non-empty 1-D float array of positive finite values (e.g. a grid of scales)."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64)) \
        if _is_numeric(values) else np.array([np.nan])
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"The {name!r} parameter of {owner} must be a non-empty 1-D array of "
                         f"positive finite floats. Got {values!r} instead.")
    return arr


def _is_numeric(values) -> bool:
    try:
        np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def check_X(X, *, name: str = "X", min_samples: int = 1) -> tuple[np.ndarray, list[str]]:
    """Return ``X`` as a 2-D float64 array and the feature names.

    Accepts a NumPy array, a pandas DataFrame (column names become features) or a
    2-D xarray DataArray (its second dimension's coordinate becomes features).
    """
    names = None
    mod = type(X).__module__
    graph = getattr(X, "__dask_graph__", None)
    if callable(graph) and graph() is not None:
        raise TypeError(f"{name} is held by Dask ({type(X).__name__}); bayesreg.Model would load "
                        f"it into memory. Use bayesreg.DaskModel({name}, y, ...): sufficient "
                        f"statistics and GLM derivatives computed chunk by chunk.")
    if mod.startswith("scipy.sparse") or hasattr(X, "tocsr"):
        raise ValueError(f"{name} is a scipy sparse matrix; bayesreg needs a dense array. Pass "
                         f"{name}.toarray() (it needs n_samples x n_features floats of memory).")
    if mod.startswith("pandas"):
        if getattr(X, "ndim", 2) != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features); got a pandas Series. "
                             f"Use a DataFrame, e.g. series.to_frame().")
        non_numeric = [str(c) for c, dt in X.dtypes.items()
                       if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
        if non_numeric:
            raise ValueError(
                f"{name} has non-numeric columns {non_numeric}. Encode them as numbers first "
                f"(e.g. pandas.get_dummies), drop them, or build the design with a formula: "
                f"Model.from_formula('y ~ x1 + C(x2)', data=df, prior=...)."
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
    _check_dtype(arr, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got shape {arr.shape}. "
            f"Reshape a single feature with X.reshape(-1, 1)."
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has 0 rows (shape {arr.shape}); at least one sample is "
                         f"needed to fit. Check the filtering that produced it.")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    if names is None:
        names = [f"x{i}" for i in range(arr.shape[1])]
    if len(set(names)) != len(names):
        raise ValueError(f"{name} has duplicated feature names: {names}.")
    return arr, names


#: largest magnitude accepted in X, y and sample_weight: squares and sums of squares of
#: larger values overflow float64 (max ~1.8e308), so no fit of them could be trusted
MAX_MAGNITUDE = 1e150


def _check_dtype(arr: np.ndarray, name: str) -> None:
    kind = arr.dtype.kind
    if kind in "biuf":
        return
    fix = {"c": "Pass the real part (np.real) or the real and imaginary parts as two columns.",
           "M": "Convert dates to numbers first (e.g. days since a reference date).",
           "m": "Convert durations to numbers first (e.g. .total_seconds()).",
           }.get(kind, "Encode categorical or text values as numbers first (e.g. "
                       "pandas.get_dummies), or convert the array with .astype(float).")
    raise ValueError(f"{name} must be numeric; got an array of dtype {arr.dtype}. {fix}")


def _check_finite(arr: np.ndarray, name: str) -> None:
    # two reductions, no temporary the size of ``arr``: NaN propagates through min and
    # max, and an inf is one of them; only a bad array pays for the mask that locates it
    if arr.size == 0:
        return
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        bad = ~np.isfinite(arr)
        where = np.argwhere(bad)[:3].tolist()
        kind = "NaN" if np.isnan(arr[bad]).any() else "inf"
        raise ValueError(
            f"{name} contains {kind} values ({int(bad.sum())} entries, first at index "
            f"{where}). Remove or impute them before fitting."
        )
    big = max(-lo, hi)
    if big > MAX_MAGNITUDE:
        raise ValueError(
            f"{name} has values of magnitude up to {big:.3g}, beyond {MAX_MAGNITUDE:g}: their "
            f"squares overflow float64, so no fit of them could be trusted. Rescale them "
            f"(e.g. divide by {10.0 ** np.floor(np.log10(big)):.0e}) and fit again."
        )


def check_aligned(X, y, sample_weight=None) -> None:
    """Refuse pandas ``y`` (or ``sample_weight``) whose index differs from a pandas ``X``'s.

    bayesreg pairs rows by position; pandas would pair them by label, so a reordered or
    foreign index would silently pair the wrong rows.
    """
    if type(X).__module__.startswith("xarray"):
        _check_aligned_xarray(X, y, sample_weight)
        return
    index = getattr(X, "index", None)
    if index is None or not type(X).__module__.startswith("pandas"):
        return
    for what, other in (("y", y), ("sample_weight", sample_weight)):
        other_index = getattr(other, "index", None)
        if other_index is None or not type(other).__module__.startswith("pandas"):
            continue
        if not index.equals(other_index):
            shared = len(index.intersection(other_index))
            how = ("the same labels in another order" if shared == len(index) == len(other_index)
                   else f"{shared} of {len(index)} labels in common")
            raise ValueError(
                f"The index of {what} differs from the index of X ({how}); bayesreg pairs "
                f"rows by position, pandas by label, so the rows would be mispaired. Align "
                f"them first ({what} = {what}.reindex(X.index)), or pass {what}.to_numpy() to "
                f"pair by position on purpose.")


def _check_aligned_xarray(X, y, sample_weight) -> None:
    """The same for a DataArray ``X``: a DataArray ``y`` with another coordinate along
    the observations."""
    dim = X.dims[0] if getattr(X, "ndim", 0) == 2 else None
    if dim is None or dim not in X.coords:
        return
    for what, other in (("y", y), ("sample_weight", sample_weight)):
        if not type(other).__module__.startswith("xarray") or dim not in other.coords:
            continue
        if not np.array_equal(np.asarray(X[dim].values), np.asarray(other[dim].values)):
            raise ValueError(
                f"The {dim!r} coordinate of {what} differs from that of X; bayesreg pairs "
                f"rows by position, so the rows would be mispaired. Align them first "
                f"({what} = {what}.sel({dim}=X.{dim})), or pass {what}.values to pair by "
                f"position on purpose.")


def check_y(y, n_samples: int | None = None, *, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D float64 array of length ``n_samples``."""
    arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,); got shape {arr.shape}.")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.float64)
    if arr.dtype.kind == "O":  # pandas nullable arrays come as objects (pd.NA for missing)
        try:
            arr = np.where(pd.isna(arr), np.nan, arr).astype(np.float64)
        except (TypeError, ValueError):
            pass
    _check_dtype(arr, name)
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_samples} rows, {name} has "
            f"{arr.shape[0]}."
        )
    return arr


def check_sample_weight(sample_weight, n_samples: int, *,
                        allow_zero: bool = False) -> np.ndarray | None:
    """Return positive finite weights of length ``n_samples``, or None.

    With ``allow_zero`` zero weights pass as well (the scikit-learn estimators drop
    their rows), unless all are zero; negative weights never do.
    """
    if sample_weight is None:
        return None
    w = check_y(sample_weight, n_samples, name="sample_weight")
    if allow_zero:
        if (w < 0).any():
            raise ValueError(f"sample_weight must be non-negative; got {int((w < 0).sum())} "
                             f"negative value(s).")
        if w.size and not w.any():
            raise ValueError("sample_weight must contain at least one non-zero weight; all "
                             "are zero.")
    elif (w <= 0).any():
        raise ValueError("sample_weight must be strictly positive; drop rows with zero weight.")
    return w


def check_bool(value, name: str, owner: str) -> bool:
    """A bool (``numpy.bool_`` too); truthy strings such as ``"no"`` are refused."""
    return bool(check_param(value, name, owner, InstanceOf((bool, np.bool_), "a bool")))


def check_random_seed(value, owner: str, name: str = "random_seed", generator: bool = False):
    """``None``, an int >= 0 or a ``numpy.random.SeedSequence`` (or, with ``generator``, a
    ``numpy.random.Generator``)."""
    kinds = (np.random.SeedSequence, np.random.Generator) if generator else \
        np.random.SeedSequence
    what = "a numpy.random.SeedSequence" + (" or Generator" if generator else "")
    return check_param(value, name, owner, InstanceOf(type(None), "None"), NON_NEGATIVE_INT,
                       InstanceOf(kinds, what))


def rng_from(random_seed, owner: str) -> np.random.Generator:
    """``numpy.random.default_rng`` of a checked ``random_seed`` (a Generator passes)."""
    return np.random.default_rng(check_random_seed(random_seed, owner, generator=True))


def check_positive_float(value, name: str, owner: str = "Model") -> float:
    """A strictly positive finite float (e.g. a fixed ``sigma``)."""
    return check_param(value, name, owner, POSITIVE)


def check_features(X_new, feature_names: list[str]) -> np.ndarray:
    """``X_new`` as an array whose columns match the training features."""
    arr, names = check_X(X_new, name="X_new", min_samples=0)
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
