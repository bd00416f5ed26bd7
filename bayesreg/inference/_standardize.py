r"""Standardized predictors: scikit-learn's ``StandardScaler``, and its inverse on
coefficients.

A model with ``standardize=True`` puts its prior on the coefficients of

.. math::

    z_{ij} = (x_{ij} - c_j) / s_j,

with ``c_j`` the (``sample_weight``-weighted) mean of column ``j`` when the model has
an intercept (0 without one: centring would add an intercept the model does not have)
and ``s_j`` its weighted standard deviation with ``ddof=0`` (1 for a constant column),
exactly as ``StandardScaler(with_mean=fit_intercept).fit(X, sample_weight=s)``. A
linear predictor on the standardized scale equals one on the original scale,

.. math::

    b_z + \sum_j z_{ij} w^z_j = b + \sum_j x_{ij} w_j, \qquad
    w_j = w^z_j / s_j, \qquad b = b_z - \sum_j w^z_j c_j / s_j,

so every draw (and the MAP) has a twin on the original scale.

Specification layer: NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Standardization"]


@dataclass(frozen=True, eq=False)
class Standardization:
    """The affine map ``z = (x - center) / scale`` of a standardized model.

    Attributes
    ----------
    center : numpy.ndarray, shape (n_features,)
        Weighted column means (zeros for a model without intercept).
    scale : numpy.ndarray, shape (n_features,)
        Weighted column standard deviations, ``ddof=0``; 1 for constant columns.
    """

    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, sample_weight: np.ndarray | None = None, *,
            center: bool = True) -> Standardization:
        """The map of ``StandardScaler(with_mean=center).fit(X, sample_weight=...)``.

        A column is constant, and keeps ``scale = 1``, when its variance is within the
        rounding error of the two-pass variance (scikit-learn's rule:
        ``var <= n eps var + (n mean eps)^2`` with ``n = sum(sample_weight)``).
        """
        X = np.asarray(X, dtype=np.float64)
        n = float(X.shape[0] if sample_weight is None else np.sum(sample_weight))
        mean = np.average(X, axis=0, weights=sample_weight)
        sq = X - mean  # one n x p temporary, squared in place
        np.square(sq, out=sq)
        var = np.average(sq, axis=0, weights=sample_weight)
        del sq
        eps = np.finfo(np.float64).eps
        constant = var <= n * eps * var + (n * mean * eps) ** 2
        scale = np.where(constant, 1.0, np.sqrt(var))
        return cls(center=mean if center else np.zeros(X.shape[1]), scale=scale)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - center) / scale``."""
        out = np.asarray(X, dtype=np.float64) - self.center  # the one n x p result
        out /= self.scale
        return out

    # The one place where coefficients move between the two scales (the module
    # docstring's identity): MAP estimates, posterior draws (:func:`bayesreg.inference.
    # _design.with_original_scale`) and projected draws (:mod:`bayesreg.inference.
    # _projection`) all call these.
    def coef_original(self, coef: np.ndarray) -> np.ndarray:
        """Coefficients on the original scale, ``coef / scale`` (features on the last
        axis)."""
        return np.asarray(coef) / self.scale

    def intercept_original(self, intercept, coef: np.ndarray):
        """The original-scale intercept ``intercept - sum_j coef_j center_j / scale_j``
        (``coef`` on the standardized scale, features on its last axis)."""
        return intercept - np.asarray(coef) @ (self.center / self.scale)

    def coef_standardized(self, coef: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`coef_original`: ``coef * scale`` (features on the last
        axis)."""
        return np.asarray(coef) * self.scale

    def intercept_standardized(self, intercept, coef: np.ndarray):
        """The inverse of :meth:`intercept_original`: ``intercept + sum_j coef_j center_j``
        (``coef`` on the original scale, features on its last axis)."""
        return intercept + np.asarray(coef) @ self.center

    def to_dict(self) -> dict[str, Any]:
        """JSON form (lists of floats; ``json`` writes floats exactly)."""
        return {"center": self.center.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Standardization:
        return cls(center=np.asarray(d["center"], dtype=np.float64),
                   scale=np.asarray(d["scale"], dtype=np.float64))

    def __repr__(self) -> str:
        return f"Standardization(n_features={self.scale.size})"
