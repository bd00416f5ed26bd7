r"""MAP of a logistic or Poisson model whose data stay in Dask chunks: proximal Newton.

The objective is the one of :func:`bayesreg.map_estimate`,

.. math::

    F(\theta) = \sum_i s_i\,\mathrm{nll}(y_i, \eta_i) + \sum_j \big(l_1|w_j|
                + \tfrac12 l_2 w_j^2\big), \qquad \eta_i = b_c + (x_i - c)^\top w,

with :math:`\theta = (b_c, w)`, :math:`c` the data's column means under a flat intercept
(the reported intercept is :math:`b = b_c - c^\top w`) and :math:`c = 0` without one.
Each iteration is **one pass over the chunks** on Dask (:func:`~bayesreg.backends.
dask_chunks.reduce_glm`: :math:`f`, :math:`g = \nabla f`, :math:`H = \nabla^2 f`, all of
size :math:`p + 1`); everything else runs in the client on :math:`p`-dimensional
quantities:

1. the quadratic model :math:`f + g^\top\delta + \tfrac12\delta^\top H\delta` plus the
   penalty is a penalized weighted least-squares problem whose sufficient statistics are
   :math:`D^\top W D = H` and :math:`D^\top W z = H\theta - g`; it is solved exactly by
   :func:`bayesreg.base.fit_map` on the :meth:`~bayesreg.base._suffstats.SufficientStats.
   pseudo_data` of those statistics (closed form for a Gaussian prior, coordinate descent
   for L1): a Newton step (Gaussian prior) or a proximal-Newton step (Laplace,
   ElasticNet; Lee, Sun & Saunders 2014);
2. a backtracking (Armijo) search along the step, each trial one more pass that also
   returns the next :math:`g` and :math:`H`;
3. stop when the KKT violation :math:`\max_j \mathrm{dist}(0, \partial_j F)/\max(1, S)`
   is below ``tol`` (the certificate of the in-memory solvers).
"""

from __future__ import annotations

import numpy as np

from ..backends._dask_chunks import ChunkedData, reduce_glm
from ..base._map_problem import kkt_distance, penalty_value
from ..base._newton import backtrack
from ..base._solvers import fit_map
from ..families._family import GaussianFamily
from ..base._suffstats import SufficientStats

__all__ = ["glm_map_chunked"]


def _kkt(g, theta, l1, l2, k: int) -> float:
    """``max_j dist(0, subdifferential_j F)`` (intercept: its gradient), the in-memory
    solvers' certificate (:func:`bayesreg.base._map_problem.kkt_distance`)."""
    w = theta[k:]
    return kkt_distance(g[k:] + l2 * w, w, l1, float(g[0]) if k else None)


def _quadratic_step(H, g, theta, l1, l2, k: int) -> np.ndarray:
    """The minimizer of ``g'(t - theta) + (t - theta)' H (t - theta) / 2 + pen(t)``."""
    b = H @ theta - g
    if k:  # an unpenalized intercept column: centred statistics of the weighted design
        S = float(H[0, 0])
        xm, ym = H[0, 1:] / S, float(b[0]) / S
        Cxx = H[1:, 1:] - S * np.outer(xm, xm)
        Cxy = b[1:] - S * xm * ym
    else:
        S, xm, ym, Cxx, Cxy = float(np.trace(H)), None, None, H, b
    sol = np.linalg.lstsq(Cxx, Cxy, rcond=None)[0]
    q = float(Cxy @ sol)
    st = SufficientStats(xtx=(Cxx + Cxx.T) / 2.0, xty=Cxy, yty=2.0 * q + 1e-12 * (1.0 + q),
                         sum_w=S, x_mean=xm, y_mean=ym)
    Xp, yp, wp = st.pseudo_data()
    res = fit_map(Xp, yp, family=GaussianFamily(), l1=l1, l2=l2, sigma=1.0, sample_weight=wp,
                  fit_intercept=bool(k), tol=1e-13, max_iter=100_000)
    return np.concatenate([[res.intercept], res.coef]) if k else np.asarray(res.coef)


def glm_map_chunked(data: ChunkedData, model, pen, *, x_mean: np.ndarray, y_mean: float,
                    tol: float = 1e-10, max_iter: int = 100):
    """Proximal-Newton MAP of a bernoulli/poisson (convex GLM) model on chunked data (module docstring).

    Parameters
    ----------
    data : ChunkedData
    model : DaskModel
        Its ``family``, ``fit_intercept`` and ``intercept_prior`` (Flat or none).
    pen : bayesreg.base._penalties.Penalty
        Scalar ``l1``, ``l2``; no Student-t term, unpenalized intercept.
    x_mean, y_mean : weighted column means of ``X`` and mean of ``y``.

    Returns
    -------
    coef : ndarray (p,)
    intercept : float
    info : dict
        ``objective``, ``n_iter``, ``converged``, ``kkt_violation``, ``n_passes``.
    """
    family = model.family
    if pen.student_t is not None or pen.intercept_l1 or pen.intercept_l2:
        raise ValueError("Out-of-core GLM MAP supports Gaussian, Laplace, ElasticNetPrior and Flat "
                         "coefficient priors with a Flat intercept prior (or none).")
    k = 1 if model.fit_intercept else 0
    if k and not model.intercept_prior.improper:
        raise ValueError("Out-of-core GLM MAP needs the default Flat intercept prior.")
    p = len(x_mean)
    shift = np.asarray(x_mean, float) if k else np.zeros(p)
    theta = np.zeros(k + p)
    if k:
        theta[0] = family.intercept_start(np.array([y_mean]))  # clipped into the link's domain
    l1, l2 = float(pen.l1), float(pen.l2)
    f, g, H = reduce_glm(data, family, theta, shift, bool(k), 2)
    F = f + penalty_value(theta[k:], l1, l2)
    passes, it = 1, 0
    scale = max(1.0, float(model.stats.sum_w))
    kkt = _kkt(g, theta, l1, l2, k) / scale
    while kkt > tol and it < max_iter:
        it += 1
        d = _quadratic_step(H, g, theta, l1, l2, k) - theta
        slope = float(g @ d) + penalty_value(theta[k:] + d[k:], l1, l2) \
            - penalty_value(theta[k:], l1, l2)

        def evaluate(t):  # one more pass over the chunks per trial step
            nonlocal passes
            cand = theta + t * d
            fc, gc, Hc = reduce_glm(data, family, cand, shift, bool(k), 2)
            passes += 1
            Fc = fc + penalty_value(cand[k:], l1, l2)
            return Fc, (cand, fc, gc, Hc, Fc)

        t, found = backtrack(F, min(slope, 0.0), evaluate)
        if t is None:
            break
        theta, f, g, H, F = found
        kkt = _kkt(g, theta, l1, l2, k) / scale
    w = theta[k:]
    b = float(theta[0] - shift @ w) if k else 0.0
    return w, b, {"objective": float(F), "n_iter": it, "converged": bool(kkt <= tol),
                  "kkt_violation": float(kkt), "n_passes": passes}
