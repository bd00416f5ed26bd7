r"""Independence Metropolis-Hastings from a multivariate-t proposal (NumPy/SciPy).

A posterior :math:`\pi(\theta)` with a unique mode :math:`\hat\theta` and a positive
definite Hessian :math:`H` of :math:`-\log\pi` there is close to
:math:`N(\hat\theta, H^{-1})` when the data outnumber the parameters (the Bernstein-von
Mises limit). The proposal is the heavier-tailed multivariate t

.. math::

    q(\theta) \propto \Big(1 + \tfrac{1}{\nu} (\theta - \hat\theta)^\top H
    (\theta - \hat\theta)\Big)^{-(\nu + k)/2},

drawn as :math:`\theta = \hat\theta + R^{-1} z / \sqrt{g / \nu}` with :math:`H = R^\top R`
(Cholesky), :math:`z \sim N(0, I_k)`, :math:`g \sim \chi^2_\nu`. An independence sampler
moves from :math:`\theta` to a proposal :math:`\theta^*` with probability
:math:`\min(1, w(\theta^*) / w(\theta))`, :math:`w = \pi / q` the importance ratio; its
draws are dependent only through rejections, so ArviZ's ESS of its chains is honest
(never above the number of distinct draws). The Pareto shape :math:`\hat k` of the
ratios (:func:`bayesreg.base._psis.pareto_khat`) says whether ``q`` covers ``pi``.

The proposals of all chains are drawn first, so that one matrix product evaluates the
target at all of them; :func:`independence_chains` then runs the accept/reject steps.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["t_proposal_draws", "independence_chains"]


def t_proposal_draws(mode: np.ndarray, hessian: np.ndarray, df: float, size: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``size`` draws of the multivariate t with ``df`` degrees of freedom, location
    ``mode`` and scale matrix ``hessian^{-1}``, and their log densities up to one constant
    shared by all draws.

    Parameters
    ----------
    mode : ndarray, shape (k,)
    hessian : ndarray, shape (k, k)
        Symmetric positive definite (the Hessian of ``-log pi`` at the mode).
    df : float
        Degrees of freedom ``nu > 0`` (``inf``: the Gaussian ``N(mode, hessian^{-1})``).
    size : int
    rng : numpy.random.Generator

    Returns
    -------
    draws : ndarray, shape (size, k)
    log_q : ndarray, shape (size,)
        The log density of each draw without its normalizing constant:
        ``-(nu + k) / 2 log(1 + d^2 / nu)``, ``d^2 = (theta - mode)^T H (theta - mode)``.

    Raises
    ------
    numpy.linalg.LinAlgError
        ``hessian`` is not positive definite.
    """
    k = mode.shape[0]
    R = linalg.cholesky(hessian, lower=False, check_finite=True)  # H = R^T R
    z = rng.standard_normal((size, k))
    if np.isinf(df):
        u = z
        log_q = -0.5 * np.einsum("ij,ij->i", u, u)
    else:
        g = rng.chisquare(df, size)
        u = z / np.sqrt(g / df)[:, None]
        log_q = -0.5 * (df + k) * np.log1p(np.einsum("ij,ij->i", u, u) / df)
    # theta - mode = R^{-1} u, so (theta - mode)^T H (theta - mode) = |u|^2
    draws = mode + linalg.solve_triangular(R, u.T, lower=False, check_finite=False).T
    return draws, log_q


def independence_chains(log_w: np.ndarray, rng: np.random.Generator
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Run independence Metropolis-Hastings chains on proposals already drawn.

    Chain ``c`` starts at its proposal 0 and at step ``t`` moves to proposal ``t`` with
    probability ``min(1, exp(log_w[c, t] - log_w[c, current]))``.

    Parameters
    ----------
    log_w : ndarray, shape (chains, steps)
        Log importance ratios ``log pi - log q`` of each chain's proposals (constants
        shared by all proposals do not matter; ``-inf`` is never accepted).
    rng : numpy.random.Generator

    Returns
    -------
    index : ndarray of int, shape (chains, steps)
        The proposal each chain holds after each step.
    accepted : ndarray of bool, shape (chains, steps)
        Whether the step moved (step 0 counts as accepted).
    """
    chains, steps = log_w.shape
    log_u = np.log(rng.uniform(size=(chains, steps)))
    index = np.zeros((chains, steps), dtype=np.int64)
    accepted = np.zeros((chains, steps), dtype=bool)
    accepted[:, 0] = True
    cur = np.zeros(chains, dtype=np.int64)
    cur_w = log_w[:, 0].copy()
    for t in range(1, steps):
        new_w = log_w[:, t]
        move = log_u[:, t] < new_w - cur_w
        move &= np.isfinite(new_w)
        cur = np.where(move, t, cur)
        cur_w = np.where(move, new_w, cur_w)
        index[:, t] = cur
        accepted[:, t] = move
    return index, accepted
