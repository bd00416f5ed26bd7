r"""Two seed ideas of regularization, computed: the unconstrained weight and the Laplace
posterior of one weight.

**A weight the data do not constrain** (its column of :math:`X` is zero, e.g. a sensor
that never fired). The least-squares gradient with respect to it is zero, so:

* without a penalty, gradient descent leaves it where it was initialized,
  :math:`w_k = w_0`;
* with an L2 penalty :math:`\lambda w^2` it decays as :math:`w_k = (1 - 2\eta\lambda)^k
  w_0 \to 0`: the penalty alone decides, and it picks the "null model";
* with a Gaussian prior :math:`w \sim N(0, \tau^2)` its posterior *is* the prior,
  :math:`N(0, \tau^2)`: the data say nothing, and the posterior says so, instead of
  returning a point.

**One weight under a Laplace prior.** With a Gaussian likelihood that pins the weight to
an estimate :math:`m` with standard error :math:`s` (one column, :math:`m = x^\top
y/x^\top x`, :math:`s = \sigma/\lVert x\rVert`) and the prior :math:`w \sim
\mathrm{Laplace}(0, b)`,

.. math::

    p(w \mid y) \propto \exp\Big(-\frac{(w - m)^2}{2 s^2} - \frac{|w|}{b}\Big).

The MAP is the soft-threshold :math:`\mathrm{sign}(m)\max(|m| - s^2/b, 0)`, exactly 0
whenever :math:`|m| \le s^2/b` (the lasso's zeros). The posterior itself is a two-piece
mixture of truncated normals with locations :math:`m^\pm = m \mp s^2/b`,

.. math::

    p(w \mid y) = \pi^+ \, N_{(0,\infty)}(w; m^+, s^2) + \pi^- \, N_{(-\infty,0)}(w; m^-, s^2),
    \quad \frac{\pi^+}{\pi^-} = \frac{e^{-m/b}\,\Phi(m^+/s)}{e^{m/b}\,\Phi(-m^-/s)},

which has no point mass at 0: its mean (and median) are non-zero unless :math:`m = 0`.
A sparse MAP, a posterior mean that is not sparse.

NumPy and SciPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

from ..utils._validation import NON_NEGATIVE_INT, POSITIVE, check_param
from ..base._conjugate import posterior_fixed_sigma
from ._descent import penalty_steps

__all__ = ["UnconstrainedWeight", "unconstrained_weight", "LaplacePosterior1D",
           "laplace_posterior_1d"]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass(frozen=True)
class UnconstrainedWeight:
    """Gradient descent and the posterior for a weight the data do not constrain.

    Attributes
    ----------
    feature : int
        Its column.
    no_penalty, l2 : numpy.ndarray, shape (steps + 1, p)
        Gradient-descent trajectories of all weights on :math:`\\lVert y - Xw
        \\rVert^2/(2n)` without and with the penalty :math:`\\lambda\\lVert w
        \\rVert^2`.
    posterior_mean, posterior_sd : numpy.ndarray, shape (p,)
        Exact posterior under :math:`w_j \\sim N(0, \\tau^2)` with the noise scale fixed.
    prior_sd : float
        :math:`\\tau`.
    """

    feature: int
    no_penalty: np.ndarray
    l2: np.ndarray
    posterior_mean: np.ndarray
    posterior_sd: np.ndarray
    prior_sd: float

    def summary(self) -> dict[str, float]:
        """The unconstrained weight after the last step, and its posterior."""
        j = self.feature
        return {"initial": float(self.no_penalty[0, j]),
                "no penalty, last step": float(self.no_penalty[-1, j]),
                "L2 penalty, last step": float(self.l2[-1, j]),
                "posterior mean": float(self.posterior_mean[j]),
                "posterior sd": float(self.posterior_sd[j]),
                "prior sd": self.prior_sd}


def unconstrained_weight(X, y, feature: int, *, w0=None, eta: float = 0.1, lam: float = 0.1,
                         steps: int = 100, prior_scale: float = 1.0,
                         sigma: float = 1.0) -> UnconstrainedWeight:
    r"""What happens to a weight whose column of ``X`` is zero.

    Runs gradient descent on :math:`\lVert y - Xw\rVert^2/(2n)` from ``w0`` without and
    with the L2 penalty :math:`\lambda\lVert w\rVert^2`
    (:func:`~bayesreg.teaching.penalty_steps`), and computes the exact posterior of the
    model :math:`y \sim N(Xw, \sigma^2 I)`, :math:`w_j \sim N(0, \tau^2)` (no intercept).

    Parameters
    ----------
    X : array-like, shape (n, p)
        Design; column ``feature`` must be all zero.
    y : array-like, shape (n,)
    feature : int
        The unconstrained column.
    w0 : array-like, shape (p,), optional
        Initial weights (default: all 1).
    eta, lam : float
        Step size and L2 strength.
    steps : int
    prior_scale, sigma : float
        :math:`\tau` and the fixed noise scale :math:`\sigma`.

    Returns
    -------
    UnconstrainedWeight
        Without a penalty the weight stays at ``w0[feature]``; with L2 it is
        :math:`(1 - 2\eta\lambda)^k w_0`; its posterior is :math:`N(0, \tau^2)`.

    Raises
    ------
    ValueError
        If column ``feature`` is not all zero (the data do constrain that weight).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"unconstrained_weight needs a 2-D X; got shape {X.shape}.")
    p = X.shape[1]
    if not (isinstance(feature, (int, np.integer)) and 0 <= feature < p):
        raise ValueError(f"The 'feature' parameter of unconstrained_weight must be a column "
                         f"index in [0, {p}). Got {feature!r} instead.")
    if np.any(X[:, feature] != 0.0):
        raise ValueError(f"Column {feature} of X is not all zero, so the data do constrain "
                         f"that weight. Pass the index of an all-zero column.")
    eta = check_param(eta, "eta", "unconstrained_weight", POSITIVE)
    lam = check_param(lam, "lam", "unconstrained_weight", POSITIVE)
    steps = check_param(steps, "steps", "unconstrained_weight", NON_NEGATIVE_INT)
    tau = check_param(prior_scale, "prior_scale", "unconstrained_weight", POSITIVE)
    sigma = check_param(sigma, "sigma", "unconstrained_weight", POSITIVE)
    w0 = np.ones(p) if w0 is None else np.asarray(w0, dtype=float)
    none = penalty_steps(w0, penalty="none", eta=eta, lam=lam, steps=steps, X=X, y=y)
    l2 = penalty_steps(w0, penalty="l2", eta=eta, lam=lam, steps=steps, X=X, y=y)
    post = posterior_fixed_sigma(X, y, sigma=sigma, tau=tau)
    return UnconstrainedWeight(feature=int(feature), no_penalty=none, l2=l2,
                               posterior_mean=np.asarray(post.mean),
                               posterior_sd=np.sqrt(np.diag(post.cov)), prior_sd=tau)


@dataclass(frozen=True)
class LaplacePosterior1D:
    """The posterior of one weight under a Laplace prior and a Gaussian likelihood.

    Attributes
    ----------
    estimate, se, scale : numpy.ndarray
        :math:`m`, :math:`s` and the prior scale :math:`b` (broadcast together).
    map, mean, median, sd : numpy.ndarray
        Posterior mode (soft-threshold of :math:`m` at :math:`s^2/b`), mean, median and
        standard deviation.
    prob_positive : numpy.ndarray
        :math:`P(w > 0 \\mid y) = \\pi^+`.
    """

    estimate: np.ndarray
    se: np.ndarray
    scale: np.ndarray
    map: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    sd: np.ndarray
    prob_positive: np.ndarray


def _mills(a):
    """:math:`\\phi(a)/\\Phi(a)`, stable for large negative ``a``."""
    return np.exp(-0.5 * a * a - _LOG_SQRT_2PI - log_ndtr(a))


def laplace_posterior_1d(estimate, se, scale) -> LaplacePosterior1D:
    r"""Exact posterior of :math:`w` given :math:`m \sim N(w, s^2)` and
    :math:`w \sim \mathrm{Laplace}(0, b)`.

    Parameters
    ----------
    estimate : float or array-like
        The data's estimate :math:`m` (least squares for one column).
    se : float or array-like
        Its standard error :math:`s > 0`.
    scale : float or array-like
        The Laplace scale :math:`b > 0` (the lasso penalty is :math:`|w|/b`).

    Returns
    -------
    LaplacePosterior1D
        MAP, mean, median, sd and :math:`P(w > 0)`, each of the broadcast shape. The
        MAP is exactly 0 for :math:`|m| \le s^2/b`; mean and median are 0 only at
        :math:`m = 0`.
    """
    m, s, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (estimate, se, scale)))
    if not np.all(np.isfinite(m)):
        raise ValueError("laplace_posterior_1d: 'estimate' must be finite.")
    for name, v in (("se", s), ("scale", b)):
        if not np.all(np.isfinite(v) & (v > 0)):
            raise ValueError(f"laplace_posterior_1d: {name!r} must be positive and finite.")
    # computed for |m| and mirrored: exact antisymmetry, and exactly 0 at m = 0
    sign = np.where(m < 0, -1.0, 1.0)
    m_signed, m = m, np.abs(m)
    shift = s * s / b
    mp, mm = m - shift, m + shift                  # locations of the two pieces
    ap, am = mp / s, -mm / s                       # standardized truncation points
    # log masses: exponent constants -m/b and +m/b (common s^2/(2b^2) dropped)
    lp = -m / b + log_ndtr(ap)
    lm = m / b + log_ndtr(am)
    pi_pos = np.exp(lp - np.logaddexp(lp, lm))
    pi_neg = np.exp(lm - np.logaddexp(lp, lm))
    # truncated-normal moments of each piece
    lam_p, lam_m = _mills(ap), _mills(am)
    mean_p = mp + s * lam_p                        # E[w | w > 0]
    mean_m = mm - s * lam_m                        # E[w | w < 0]
    var_p = s * s * (1.0 - ap * lam_p - lam_p ** 2)
    var_m = s * s * (1.0 - am * lam_m - lam_m ** 2)
    mean = pi_pos * mean_p + pi_neg * mean_m
    second = pi_pos * (var_p + mean_p ** 2) + pi_neg * (var_m + mean_m ** 2)
    sd = np.sqrt(np.maximum(second - mean ** 2, 0.0))
    # median (m >= 0 here, so pi+ >= 1/2 and it lies in the positive piece):
    # P(w > x) = pi+ Phi((m+ - x)/s) / Phi(a+) = 1/2, solved in logs (stable far in the tail)
    with np.errstate(divide="ignore"):
        median = mp - s * ndtri_exp(np.log(0.5 / pi_pos) + log_ndtr(ap))
    zero = m == 0.0
    map_ = sign * np.maximum(m - shift, 0.0)
    return LaplacePosterior1D(estimate=m_signed, se=s, scale=b, map=map_,
                              mean=np.where(zero, 0.0, sign * mean),
                              median=np.where(zero, 0.0, sign * median), sd=sd,
                              prob_positive=np.where(zero, 0.5,
                                                     np.where(sign > 0, pi_pos, pi_neg)))
