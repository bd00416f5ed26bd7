"""A prior with fixed parameters as penalty weights: the one prior -> penalty map.

=====================  ==========================================
prior                  penalty weights (``bayesreg.base._penalties``)
=====================  ==========================================
``Gaussian(tau)``      ``l2 = 1 / tau^2``
``Laplace(b)``         ``l1 = 1 / b``
``ElasticNetPrior(b, tau)````l1 = 1 / b``, ``l2 = 1 / tau^2``
``StudentT(nu, s)``    ``student_t = (nu, s)``
``Flat()``             none
=====================  ==========================================

A ``scaled_by_sigma=True`` prior uses the scale ``sigma * tau`` at the fixed ``sigma``.
Each prior computes its own weights (its ``penalty_kind`` names their form); this module
checks, once for every caller (``Model.map``, the regularization path), that the prior
has a penalty twin at all. A precision ``1 / scale**k`` that leaves the float64 range is
taken to its limit: 0 (no shrinkage) when it underflows, ``inf`` (the weight pinned to 0)
when it overflows.
"""

from __future__ import annotations

from ._priors import Prior, effective_scale

__all__ = ["prior_penalty", "effective_scale"]


def prior_penalty(prior: Prior, sigma: float | None = None, *, what: str = "coefficient prior"
                  ) -> tuple[float, float, tuple[float, float] | None]:
    """``(l1, l2, student_t)`` of a prior with fixed parameters and ``loc = 0``.

    Raises ValueError, saying what to do instead, for a hyperprior (the joint mode over a
    prior scale collapses to 0), a non-zero ``loc``, or a prior without a proper mode.
    """
    if not prior.is_fixed:
        names = ", ".join(sorted(prior.hyperpriors))
        raise ValueError(
            f"The {what} {prior!r} has a hyperprior on {names}. The joint mode over a "
            f"prior scale is degenerate (it collapses to 0), so there is no MAP estimate. "
            f"Fix {names} to a number for MAP, or sample the posterior with model.sample()."
        )
    if prior.penalty_kind == "none":
        return prior._penalty_weights(sigma)
    if not prior.has_mode:
        raise ValueError(f"The {what} {prior!r} has no proper mode; sample the "
                         f"posterior with model.sample() instead.")
    loc = prior.location
    if loc != 0.0:
        raise ValueError(
            f"The {what} {prior!r} has loc={loc}; MAP supports only loc=0 (penalties "
            f"shrink towards zero). Shift the data instead (e.g. y - X @ loc for the "
            f"gaussian family) or sample the posterior with model.sample()."
        )
    if prior.penalty_kind is None:
        raise ValueError(
            f"MAP is not available for the {what} {type(prior).__name__}; supported: "
            f"Gaussian, Laplace, ElasticNet, StudentT, Flat. Sample with model.sample() "
            f"instead."
        )
    return prior._penalty_weights(sigma)
