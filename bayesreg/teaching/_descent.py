r"""The seed ideas of regularization as numbers: gradient steps on a penalty alone.

For one weight :math:`w` and a penalty with strength :math:`\lambda`, step size
:math:`\eta` (the data term left out, as for a weight the data do not constrain):

* L2, :math:`\lambda w^2` (weight decay): :math:`w_{k+1} = w_k - 2\eta\lambda w_k =
  (1 - 2\eta\lambda)\,w_k`, so :math:`w_k = (1 - 2\eta\lambda)^k w_0`: every weight shrinks
  by the same *factor*, large weights by a lot, small ones barely, always towards 0
  (the gradient :math:`2\lambda w` points away from zero on both sides);
* L1, :math:`\lambda |w|`, subgradient step: :math:`w_{k+1} = w_k - \eta\lambda\,
  \mathrm{sign}(w_k)`: every weight moves by the same *amount*; near zero it overshoots
  and oscillates with amplitude :math:`\eta\lambda`, never landing on 0;
* L1, proximal step (soft-thresholding): :math:`w_{k+1} = \mathrm{sign}(w_k)
  \max(|w_k| - \eta\lambda, 0)`: it lands exactly on 0 after
  :math:`\lceil |w_0| / (\eta\lambda) \rceil` steps and stays there;
* no penalty: :math:`w_k = w_0`, the weight stays where it was initialized.

Given data ``X, y`` the steps descend the penalized least-squares objective

.. math::

    f(w) = \frac{1}{2n}\lVert y - Xw \rVert^2 + \text{penalty}(w)

(scikit-learn's ``Lasso`` objective for L1; ``Ridge(alpha=2 n lambda)`` for L2): the data
gradient :math:`-X^\top(y - Xw)/n` is added to each step, and the L1 proximal step
becomes ISTA (proximal gradient). A weight whose column of ``X`` is zero gets no data
gradient, so it behaves exactly as under the penalty alone.

NumPy only; every function returns the whole trajectory, shape ``(steps + 1, *w0.shape)``.
"""

from __future__ import annotations

import numpy as np

from ..utils._validation import NON_NEGATIVE_INT, POSITIVE, OneOf, check_param

__all__ = ["penalty_steps", "PENALTIES"]

PENALTIES = ("l2", "l1_subgradient", "l1_prox", "none")


def penalty_steps(w0, *, penalty: str, eta: float, lam: float, steps: int, X=None,
                  y=None) -> np.ndarray:
    r"""Gradient-descent trajectory of weights ``w0`` under a penalty, alone or with data.

    Parameters
    ----------
    w0 : float or array-like
        Initial weights.
    penalty : {"l2", "l1_subgradient", "l1_prox", "none"}
        ``"l2"``: :math:`\lambda w^2`; ``"l1_subgradient"`` and ``"l1_prox"``:
        :math:`\lambda |w|` by a subgradient or a proximal (soft-thresholding) step;
        ``"none"``: no penalty (without data the weight never moves).
    eta, lam : float
        Step size and penalty strength (> 0).
    steps : int
        Number of steps.
    X, y : array-like, shape (n, p) and (n,), optional
        Data: descend :math:`\lVert y - Xw\rVert^2/(2n)` + penalty (no intercept; ``w0``
        then has shape ``(p,)``). Without them, the penalty alone.

    Returns
    -------
    numpy.ndarray, shape ``(steps + 1, *w0.shape)``
        ``w_0, w_1, ..., w_steps``.
    """
    check_param(penalty, "penalty", "penalty_steps", OneOf(PENALTIES))
    eta = check_param(eta, "eta", "penalty_steps", POSITIVE)
    lam = check_param(lam, "lam", "penalty_steps", POSITIVE)
    steps = check_param(steps, "steps", "penalty_steps", NON_NEGATIVE_INT)
    w = np.asarray(w0, dtype=float).copy()
    grad = _data_gradient(X, y, w, eta, 2.0 * lam if penalty == "l2" else 0.0)
    out = np.empty((steps + 1, *w.shape))
    out[0] = w
    t = eta * lam
    for k in range(1, steps + 1):
        v = w - eta * grad(w)                     # the data step (v = w without data)
        if penalty == "l2":
            w = v - eta * 2.0 * lam * w
        elif penalty == "l1_subgradient":
            w = v - t * np.sign(w)
        elif penalty == "l1_prox":
            w = np.sign(v) * np.maximum(np.abs(v) - t, 0.0)
        else:
            w = v
        out[k] = w
    return out


def _data_gradient(X, y, w, eta, curvature):
    r"""The gradient of :math:`\lVert y - Xw\rVert^2/(2n)`, or zero without data.

    Refuses a step size at which the descent diverges: :math:`\eta \ge 2/L` with
    :math:`L` the largest eigenvalue of :math:`X^\top X/n` plus the penalty's curvature.
    """
    if X is None and y is None:
        return lambda w: 0.0
    if X is None or y is None:
        raise ValueError("penalty_steps needs both X and y (or neither, for the penalty "
                         "alone).")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],):
        raise ValueError(f"penalty_steps with data needs X of shape (n, p), y of shape (n,) "
                         f"and w0 of shape (p,); got X {X.shape}, y {y.shape}, w0 {w.shape}.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("penalty_steps: X and y must be finite (no NaN or inf).")
    n = X.shape[0]
    L = np.linalg.norm(X, 2) ** 2 / n + curvature
    if eta * L >= 2.0:
        raise ValueError(f"penalty_steps: the step size eta={eta:g} makes gradient descent on "
                         f"these data diverge (the largest curvature of the objective is "
                         f"{L:.4g}); use eta < 2/{L:.4g} = {2.0 / L:.4g}, e.g. eta = "
                         f"{1.0 / L:.3g}.")
    return lambda w: -(X.T @ (y - X @ w)) / n
