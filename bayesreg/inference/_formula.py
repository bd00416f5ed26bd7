"""Wilkinson formulas over data frames (``"y ~ age + bmi + C(sex)"``), through formulaic.

:class:`FormulaDesign` turns a formula and a pandas DataFrame into the target ``y``
and the design matrix (categorical columns dummy-coded, interactions expanded, the
intercept column removed and reported as ``intercept``), and keeps what it learnt from
the training data (the levels of each categorical factor, the state of stateful
transforms such as ``center(x)`` or ``poly(x, 2)``) as plain JSON, so that a saved
model builds the *same* columns for new data frames.

Why formulaic (https://github.com/matthewwardrop/formulaic) rather than formulae
(bambi's): its :class:`formulaic.ModelSpec` exposes that learnt state as data
(``encoder_state``: the categories of each factor; ``transform_state``: the numbers of
each stateful transform), so it can be written as JSON and rebuilt without pickling;
formulae keeps it in Python objects only. formulaic is maintained, used by
statsmodels-style libraries (linearmodels, glum, lifelines), supports patsy's grammar
(``C()``, contrasts, ``I()``, ``poly``, splines, ``:``/``*`` interactions) and can
refuse missing values instead of dropping rows (``na_action="raise"``).

What a formula may use (checked before evaluation, so that a formula read from a file
can compute nothing but its design): the data's columns, formulaic's transforms
(``C``, ``center``, ``scale``, ``standardize``, ``poly``, ``bs``, ``cr``, ``I``, ``Q``,
``log``, ``exp``, contrasts ``contr.treatment(...)``, ...), NumPy ufuncs as
``np.<ufunc>`` (``np.log``, ``np.sqrt``, ...), a few builtins (``abs``, ``min``,
``max``, ``round``, ``float``, ``int``, ``bool``, ``str``) and arithmetic,
comparisons and literals. Names starting with ``_`` and any other attribute access are
refused. The formula sees no variable of the caller's session: a saved formula
evaluates the same way in a new process.

Specification layer: pandas, NumPy and formulaic only.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from formulaic import Formula, ModelSpec, model_matrix
from formulaic.errors import DataMismatchWarning, FormulaicError
from formulaic.parser.types import Factor
from formulaic.transforms import TRANSFORMS

__all__ = ["FormulaDesign"]

#: names a formula sees besides the data's columns
CONTEXT = {"np": np, "numpy": np}
_SAFE_BUILTINS = {"abs", "min", "max", "round", "float", "int", "bool", "str", "True",
                  "False", "None"}
_NAMES = set(TRANSFORMS) | set(CONTEXT) | _SAFE_BUILTINS
_NP_EXTRA = {"clip", "where", "pi", "e"}
_SAFE_NODES = (ast.Expression, ast.Call, ast.Name, ast.Attribute, ast.Constant, ast.keyword,
               ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.List,
               ast.Tuple, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
               ast.expr_context)


# --------------------------------------------------------------------------- checks
def _parse(formula) -> Formula:
    """The formulaic Formula of ``formula``: one target, one right-hand side."""
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must be a string 'target ~ predictors', e.g. "
                         f"'y ~ age + bmi + C(sex)'; got {formula!r}.")
    try:
        parsed = Formula(formula)
    except FormulaicError as err:
        raise ValueError(f"Cannot parse formula {formula!r}: {err}") from None
    lhs, rhs = getattr(parsed, "lhs", None), getattr(parsed, "rhs", None)
    if lhs is None or not isinstance(rhs, type(lhs)) or len(list(lhs)) != 1:
        raise ValueError(f"formula {formula!r} must have one target on the left of '~' and "
                         f"one right-hand side (no '|' parts), e.g. 'y ~ x1 + C(g)'.")
    return parsed


def _factor_exprs(sides):
    for side in sides:
        for term in side:
            for factor in term.factors:
                if factor.eval_method is Factor.EvalMethod.PYTHON:
                    yield factor.expr


def _check_expr(expr: str, columns: set[str], formula: str) -> None:
    """Refuse anything in ``expr`` but data columns, the allowed names and arithmetic."""
    def refuse(what):
        raise ValueError(
            f"formula {formula!r}: {what} in `{expr}` is not allowed. A formula may use the "
            f"data's columns, formulaic's transforms (C, center, scale, poly, bs, I, ...), "
            f"np.<ufunc> (np.log, np.sqrt, ...), arithmetic and comparisons.")

    for node in ast.walk(ast.parse(expr, mode="eval")):
        if not isinstance(node, _SAFE_NODES):
            refuse(f"`{type(node).__name__}`")
        if isinstance(node, ast.Name) and (node.id.startswith("_")
                                           or node.id not in columns | _NAMES):
            refuse(f"the name `{node.id}` (not a column of the data)")
        if isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else None
            ok_np = base in CONTEXT and (isinstance(getattr(np, node.attr, None), np.ufunc)
                                         or node.attr in _NP_EXTRA)
            ok_contr = base == "contr" and not node.attr.startswith("_")
            if base in columns or not (ok_np or ok_contr):
                refuse(f"the attribute `{ast.unparse(node)}`")


def _check_data(data, parsed: Formula, formula: str, *, target: bool) -> pd.DataFrame:
    """``data`` as a DataFrame holding every variable of the formula, without NaN."""
    if isinstance(data, Mapping):
        data = pd.DataFrame(data)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (or a dict of columns); got "
                        f"{type(data).__name__}.")
    columns = {str(c) for c in data.columns}
    sides = (parsed.lhs, parsed.rhs) if target else (parsed.rhs,)
    for expr in _factor_exprs(sides):
        _check_expr(expr, columns, formula)
    needed = sorted({str(v) for side in sides for v in side.required_variables} - _NAMES)
    missing = [v for v in needed if v not in columns]
    if missing:
        raise ValueError(f"data lacks the columns {missing} that formula {formula!r} uses; "
                         f"it has columns {sorted(columns)}.")
    target_names = {str(v) for v in parsed.lhs.required_variables}
    for name in needed:
        bad = np.flatnonzero(pd.isna(data[name]).to_numpy())
        if bad.size:
            role = "the target" if name in target_names and target else "the column"
            raise ValueError(
                f"{role} {name!r} has {bad.size} missing values (NaN/None; first at rows "
                f"{data.index[bad[:3]].tolist()}). Drop or impute them first, e.g. "
                f"data.dropna(subset={needed!r}).")
    return data


# --------------------------------------------------------------------------- JSON state
def _enc(v):
    """A JSON form of formulaic's learnt state (tagged dicts, tuples and arrays)."""
    if isinstance(v, dict):
        return {"__dict__": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, tuple):
        return {"__tuple__": [_enc(x) for x in v]}
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
        return {"__ndarray__": v.tolist(), "dtype": v.dtype.str}
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError(type(v).__name__)


def _dec(v):
    """Inverse of :func:`_enc` (builds only dicts, lists, tuples, arrays and scalars)."""
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if isinstance(v, dict):
        if "__dict__" in v:
            return {_dec(k): _dec(x) for k, x in v["__dict__"]}
        if "__tuple__" in v:
            return tuple(_dec(x) for x in v["__tuple__"])
        return np.asarray(v["__ndarray__"], dtype=np.dtype(v["dtype"]))
    return v


def _state_json(spec: ModelSpec, formula: str) -> tuple[dict, Any]:
    encoders = {}
    try:
        for expr, (kind, state) in spec.encoder_state.items():
            encoders[expr] = {"kind": kind.value}
            if "categories" in state:  # the contrasts follow from the formula and these
                encoders[expr]["categories"] = _enc(list(state["categories"]))
        transforms = _enc(spec.transform_state)
    except TypeError as err:
        raise ValueError(f"formula {formula!r}: a factor or transform keeps state of type "
                         f"{err} that cannot be stored as JSON; use plain columns or "
                         f"numeric/string categories.") from None
    return encoders, transforms


# --------------------------------------------------------------------------- the design
@dataclass(frozen=True, eq=False)
class FormulaDesign:
    """A formula and what its design learnt from the training data (JSON-ready).

    Attributes
    ----------
    formula : str
        As the user wrote it, e.g. ``"y ~ age * C(sex)"``.
    target : str
        The left-hand side.
    columns : tuple of str
        The design's columns (the model's features), without the intercept.
    intercept : bool
        Whether the formula has an intercept (``y ~ 0 + x`` has none).
    encoders : dict
        ``{factor: {"kind": ..., "categories": [...]}}``: the training levels.
    transforms : object
        formulaic's ``transform_state`` in the JSON form of ``_enc``.
    """

    formula: str
    target: str
    columns: tuple[str, ...]
    intercept: bool
    encoders: dict
    transforms: Any

    @classmethod
    def build(cls, formula: str, data) -> tuple[FormulaDesign, pd.DataFrame, np.ndarray]:
        """The design of ``formula`` on ``data``: ``(design, X, y)`` with ``X`` a float
        DataFrame of the design's columns (no intercept column) and ``y`` the target."""
        parsed = _parse(formula)
        data = _check_data(data, parsed, formula, target=True)
        try:
            mm = model_matrix(parsed, data, na_action="raise", ensure_full_rank=True,
                              output="pandas", context=CONTEXT)
        except FormulaicError as err:
            raise ValueError(f"Cannot build the design of formula {formula!r}: {err}") \
                from None
        lhs, rhs = mm.lhs, mm.rhs
        target = str(parsed.lhs)
        if lhs.shape[1] != 1:
            raise ValueError(
                f"The target {target!r} of formula {formula!r} must be one numeric column; "
                f"it encodes to {list(lhs.columns)}. Code it as numbers first (e.g. 0/1 for "
                f"family='bernoulli').")
        columns = [str(c) for c in rhs.columns]
        intercept = "Intercept" in columns
        columns = [c for c in columns if c != "Intercept"]
        if not columns:
            raise ValueError(f"formula {formula!r} has no predictors; add at least one.")
        encoders, transforms = _state_json(rhs.model_spec, formula)
        design = cls(formula=formula, target=target, columns=tuple(columns),
                     intercept=intercept, encoders=encoders, transforms=transforms)
        X = rhs[columns].astype(np.float64)
        X.columns = columns
        return design, X, lhs.iloc[:, 0].to_numpy()

    @property
    def levels(self) -> dict[str, list]:
        """The training levels of each categorical factor."""
        return {expr: _dec(e["categories"]) for expr, e in self.encoders.items()
                if "categories" in e}

    def _model_spec(self, parsed: Formula) -> ModelSpec:
        encoders = {expr: (Factor.Kind(e["kind"]),
                           {"categories": _dec(e["categories"])} if "categories" in e else {})
                    for expr, e in self.encoders.items()}
        return ModelSpec(formula=parsed.rhs, ensure_full_rank=True, na_action="raise",
                         output="pandas", encoder_state=encoders,
                         transform_state=_dec(self.transforms))

    def transform(self, data) -> pd.DataFrame:
        """The design of new ``data`` (the target need not be there): the training
        columns, encoded with the training levels and transform state.

        Raises
        ------
        ValueError
            Missing columns, missing values, or a categorical level not seen in training
            (its coefficient is unknown).
        """
        parsed = _parse(self.formula)
        data = _check_data(data, parsed, self.formula, target=False)
        spec = self._model_spec(parsed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DataMismatchWarning)
                mm = spec.get_model_matrix(data, context=CONTEXT)
        except DataMismatchWarning as err:
            unseen = str(err).split(": ", 1)[-1].split(". ", 1)[0]
            unseen = re.sub(r"np\.\w+\(([^()]*)\)", r"\1", unseen)  # np.float64(3.0) -> 3.0
            raise ValueError(
                f"The new data have categorical levels not seen in training: {unseen}. Their "
                f"coefficients are unknown; drop or recode those rows. Training levels: "
                f"{json.dumps(self.levels, default=str)}.") from None
        except FormulaicError as err:
            raise ValueError(f"Cannot build the design of formula {self.formula!r} for the "
                             f"new data: {err}") from None
        got = [str(c) for c in mm.columns if c != "Intercept"]
        if got != list(self.columns):
            raise ValueError(f"The new data give the design columns {got}; the model has "
                             f"{list(self.columns)}.")
        X = mm[list(self.columns)].astype(np.float64)
        X.columns = list(self.columns)
        return X

    def to_dict(self) -> dict[str, Any]:
        return {"formula": self.formula, "target": self.target,
                "columns": list(self.columns), "intercept": self.intercept,
                "encoders": self.encoders, "transforms": self.transforms}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FormulaDesign:
        """From :meth:`to_dict` output (plain data: nothing is evaluated here)."""
        _parse(d["formula"])
        return cls(formula=d["formula"], target=d["target"], columns=tuple(d["columns"]),
                   intercept=bool(d["intercept"]), encoders=dict(d["encoders"]),
                   transforms=d["transforms"])

    def __repr__(self) -> str:
        return f"FormulaDesign({self.formula!r}, n_columns={len(self.columns)})"
