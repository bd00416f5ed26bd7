"""A prior with fixed parameters as penalty weights: the one prior -> penalty map.

=====================  ==========================================
prior                  penalty weights (``bayesreg.base._penalties``)
=====================  ==========================================
``Gaussian(tau)``      ``l2 = 1 / tau^2``
``Laplace(b)``         ``l1 = 1 / b``
``ElasticNet(b, tau)`` ``l1 = 1 / b``, ``l2 = 1 / tau^2``
``StudentT(nu, s)``    ``student_t = (nu, s)``
``Flat()``             none
=====================  ==========================================

A ``scaled_by_sigma=True`` prior uses the scale ``sigma * tau`` at the fixed ``sigma``.
"""

from __future__ import annotations

from ._priors import ElasticNet, Flat, Gaussian, Laplace, Prior, StudentT

__all__ = ["prior_penalty", "effective_scale"]


def effective_scale(prior: Prior, field: str, sigma: float | None) -> float:
    """A fixed prior scale, times ``sigma`` when the prior is ``scaled_by_sigma``."""
    value = float(getattr(prior, field))
    if getattr(prior, "scaled_by_sigma", False):
        if sigma is None:
            raise ValueError(f"{prior!r} is scaled by sigma, but the model has no fixed sigma.")
        return value * float(sigma)
    return value


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
    if isinstance(prior, Flat):
        return 0.0, 0.0, None
    if not prior.has_mode:
        raise ValueError(f"The {what} {prior!r} has no proper mode; sample the "
                         f"posterior with model.sample() instead.")
    loc = getattr(prior, "loc", 0.0)
    if loc != 0.0:
        raise ValueError(
            f"The {what} {prior!r} has loc={loc}; MAP supports only loc=0 (penalties "
            f"shrink towards zero). Shift the data instead (e.g. y - X @ loc for the "
            f"gaussian family) or sample the posterior with model.sample()."
        )
    if isinstance(prior, Gaussian):
        return 0.0, 1.0 / effective_scale(prior, "scale", sigma) ** 2, None
    if isinstance(prior, Laplace):
        return 1.0 / effective_scale(prior, "scale", sigma), 0.0, None
    if isinstance(prior, ElasticNet):
        return 1.0 / float(prior.l1_scale), 1.0 / float(prior.l2_scale) ** 2, None
    if isinstance(prior, StudentT):
        return 0.0, 0.0, (float(prior.nu), effective_scale(prior, "scale", sigma))
    raise ValueError(
        f"MAP is not available for the {what} {type(prior).__name__}; supported: "
        f"Gaussian, Laplace, ElasticNet, StudentT, Flat. Sample with model.sample() instead."
    )
