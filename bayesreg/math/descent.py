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

NumPy only; every function returns the whole trajectory, shape ``(steps + 1, *w0.shape)``.
"""

from __future__ import annotations

import numpy as np

from ..utils.validation import NON_NEGATIVE_INT, POSITIVE, OneOf, check_param

__all__ = ["penalty_steps", "PENALTIES"]

PENALTIES = ("l2", "l1_subgradient", "l1_prox", "none")


def penalty_steps(w0, *, penalty: str, eta: float, lam: float, steps: int) -> np.ndarray:
    """Gradient-descent trajectory of weights ``w0`` under a penalty alone.

    Parameters
    ----------
    w0 : float or array-like
        Initial weights.
    penalty : {"l2", "l1_subgradient", "l1_prox", "none"}
        ``"l2"``: :math:`\\lambda w^2`; ``"l1_subgradient"`` and ``"l1_prox"``:
        :math:`\\lambda |w|` by a subgradient or a proximal (soft-thresholding) step;
        ``"none"``: no penalty (and no data), the weight never moves.
    eta, lam : float
        Step size and penalty strength (> 0).
    steps : int
        Number of steps.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, *w0.shape)
        ``w_0, w_1, ..., w_steps``.
    """
    check_param(penalty, "penalty", "penalty_steps", OneOf(PENALTIES))
    eta = check_param(eta, "eta", "penalty_steps", POSITIVE)
    lam = check_param(lam, "lam", "penalty_steps", POSITIVE)
    steps = check_param(steps, "steps", "penalty_steps", NON_NEGATIVE_INT)
    w = np.asarray(w0, dtype=float).copy()
    out = np.empty((steps + 1, *w.shape))
    out[0] = w
    t = eta * lam
    for k in range(1, steps + 1):
        if penalty == "l2":
            w = w - eta * 2.0 * lam * w
        elif penalty == "l1_subgradient":
            w = w - t * np.sign(w)
        elif penalty == "l1_prox":
            w = np.sign(w) * np.maximum(np.abs(w) - t, 0.0)
        out[k] = w
    return out
