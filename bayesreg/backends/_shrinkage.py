"""Sparse priors (:mod:`bayesreg.priors._shrinkage`) as PyMC variables.

:func:`shrinkage_variable` builds the coefficients of a horseshoe, regularized horseshoe,
horseshoe+ or R2D2 prior with their latent scales ``f"{name}_{latent}"`` and the
standard normals ``f"{name}_z"``. The data-dependent numbers (the global scale ``tau0``
and a fixed noise factor: a float ``sigma`` or a family's pseudo standard deviation) are
``pm.Data`` containers (``shrinkage_global_scale``, ``shrinkage_noise``), so a compiled
sampler takes new data without recompiling.

``form`` selects a parameterization; only ``"default"`` is used by models, the others
exist to measure against it (``benchmarks/bench_sparse.py``):

* ``"default"``: non-centred ``w = sqrt(v) z``; half-Cauchy ``tau``, ``lambda`` (log
  transform); ``c2`` inverse-gamma; R2D2 with ``phi = g / sum(g)``, ``g_j ~ Gamma(a, 1)``;
* ``"aux"``: rstanarm's split of each half-Student-t scale into ``r1 * sqrt(r2)``,
  ``r1 ~ N+(0, 1)``, ``r2 ~ InvGamma(df / 2, df / 2)`` (horseshoes only);
* ``"centered"``: ``w ~ N(0, sqrt(v))`` directly;
* ``"dirichlet"``: R2D2 with a Dirichlet ``phi`` (PyMC's simplex transform; brms's form).
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from ..priors import _shrinkage as S
from ..utils._registry import registered

__all__ = ["shrinkage_variable", "shrinkage_scale", "shrinkage_data", "FORMS",
           "SHRINKAGE_SCALES"]

FORMS = ("default", "aux", "centered", "dirichlet")


def shrinkage_data(prior: S.ShrinkagePrior, scales: S.ShrinkageScales) -> dict:
    """The values of the data containers of a shrinkage prior."""
    out = {}
    if scales.global_scale is not None:
        out["shrinkage_global_scale"] = float(scales.global_scale)
    if scales.noise is not None:
        out["shrinkage_noise"] = float(scales.noise)
    return out


def _half_t(name, df, scale, dims, form):
    if form == "aux":
        r1 = pm.HalfNormal(f"{name}_aux1", 1.0, dims=dims)
        r2 = pm.InverseGamma(f"{name}_aux2", df / 2.0, df / 2.0, dims=dims)
        return pm.Deterministic(name, scale * r1 * pt.sqrt(r2), dims=dims)
    if float(df) == 1.0:
        return pm.HalfCauchy(name, beta=scale, dims=dims)
    return pm.HalfStudentT(name, nu=float(df), sigma=scale, dims=dims)


def _r2d2(prior: S.R2D2, name, dims, noise, data, form):
    """``sigma * sqrt(r2 / (1 - r2) * phi_j)``, ``phi = g / sum(g)`` (``"dirichlet"``: a
    Dirichlet ``phi``)."""
    a, b = prior.beta_params
    r2 = pm.Beta(f"{name}_r2", alpha=a, beta=b)
    p = len(pm.modelcontext(None).coords[dims])
    conc = float(prior.concentration)
    if form == "dirichlet":
        phi = pm.Dirichlet(f"{name}_phi", a=pt.fill(pt.zeros(p), conc), dims=dims)
    else:
        g = pm.Gamma(f"{name}_g", alpha=conc, beta=1.0, dims=dims)
        phi = pm.Deterministic(f"{name}_phi", g / pt.sum(g), dims=dims)
    return noise * pt.sqrt(r2 / (1.0 - r2)) * pt.sqrt(phi)


def _tau_lambda(prior, name, dims, noise, data, form):
    """``tau * lambda_j`` of the horseshoes: ``tau ~ C+(0, tau0 * noise)``,
    ``lambda_j ~ C+(0, 1)`` (half-Student-t with ``df_global`` / ``df_local``)."""
    aux = "aux" if form == "aux" else "default"
    tau = _half_t(f"{name}_tau", prior.df_global,
                  data["shrinkage_global_scale"] * noise, None, aux)
    return tau * _half_t(f"{name}_lambda", prior.df_local, 1.0, dims, aux)


def _horseshoe(prior: S.Horseshoe, name, dims, noise, data, form):
    """``tau * lambda_j``."""
    return _tau_lambda(prior, name, dims, noise, data, form)


def _horseshoe_plus(prior: S.HorseshoePlus, name, dims, noise, data, form):
    """``tau * lambda_j * eta_j``, ``eta_j ~ C+(0, 1)``."""
    aux = "aux" if form == "aux" else "default"
    scale = _tau_lambda(prior, name, dims, noise, data, form)
    return scale * _half_t(f"{name}_eta", prior.df_local, 1.0, dims, aux)


def _regularized_horseshoe(prior: S.RegularizedHorseshoe, name, dims, noise, data, form):
    """``tau * lambda_tilde_j = tau lambda_j sqrt(c2 / (c2 + tau^2 lambda_j^2))``."""
    scale = _tau_lambda(prior, name, dims, noise, data, form)
    nu, s = float(prior.slab_df), float(prior.slab_scale)
    c2 = pm.InverseGamma(f"{name}_c2", alpha=nu / 2.0, beta=nu * s**2 / 2.0)
    return scale * pt.sqrt(c2 / (c2 + scale**2))


#: The prior standard deviations of the coefficients of each sparse prior class, with
#: its latent scales created in the current model: ``(prior, name, dims, noise, data,
#: form) -> tensor``. The one registry from sparse priors to PyMC, filled here by hand.
SHRINKAGE_SCALES = {
    S.Horseshoe: _horseshoe,
    S.RegularizedHorseshoe: _regularized_horseshoe,
    S.HorseshoePlus: _horseshoe_plus,
    S.R2D2: _r2d2,
}


def shrinkage_scale(prior: S.ShrinkagePrior, name: str, dims, *, sigma, data: dict,
                    form: str = "default"):
    """Create the latent scales of a shrinkage prior in the current model and return the
    prior standard deviations of the coefficients (a tensor over ``dims``;
    :data:`SHRINKAGE_SCALES`).

    ``sigma`` is the model's noise-scale variable (used when ``data`` has no
    ``shrinkage_noise``); ``data`` maps the names of :func:`shrinkage_data` to ``pm.Data``
    containers.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}; got {form!r}.")
    noise = data.get("shrinkage_noise", sigma)
    build = registered(SHRINKAGE_SCALES, prior, "PyMC shrinkage scale for prior")
    return build(prior, name, dims, noise, data, form)


def shrinkage_variable(prior: S.ShrinkagePrior, name: str, dims, *, sigma, data: dict,
                       form: str = "default"):
    """Create the coefficients ``name`` with a shrinkage prior in the current model:
    ``name = scale * name_z`` (non-centred; ``form="centered"``: ``N(0, scale)``), with
    ``scale`` from :func:`shrinkage_scale` (same arguments)."""
    scale = shrinkage_scale(prior, name, dims, sigma=sigma, data=data, form=form)
    if form == "centered":
        return pm.Normal(name, 0.0, scale, dims=dims)
    z = pm.Normal(f"{name}_z", 0.0, 1.0, dims=dims)
    return pm.Deterministic(name, scale * z, dims=dims)


#: NUTS settings for sparse priors, measured on the n = 100, p = 200 regularized-horseshoe
#: problem (benchmarks/bench_sparse.py, nutpie). With the coefficients sampled
#: (non-centred): target_accept 0.8 / 0.95 / 0.99 gave 168 / 9 / 1 divergences and
#: 29 / 16 / 13 min-ESS/s in 2 x 1000 draws, and with 4 chains 0.95 once left a chain
#: stuck (682 divergences, R-hat 1.32) where 0.99 had 1 divergence (rstanarm's adapt_delta
#: for hs_plus is 0.99 too). With the coefficients integrated out (gaussian family,
#: :mod:`bayesreg.backends._marginal`) the samplers' own 0.8 had no divergence on five
#: data sets (15 steps per draw; 0.9 gave the same with less ESS per second). nutpie's
#: low-rank mass matrix took 266 s instead of 3.8 s for the same draws (60 divergences):
#: ~50x the time per gradient at ~400 parameters, with no strong linear correlations for
#: it to learn
SPARSE_TARGET_ACCEPT = 0.99


def sampler_defaults(sampler: str, kwargs: dict, marginal: bool = False) -> dict:
    """The run options of a model with a sparse prior: ``target_accept=0.99`` (unless its
    coefficients are integrated out: ``marginal``) and, for nutpie, its diagonal
    mass-matrix adaptation, unless the caller chose otherwise."""
    out = dict(kwargs)
    if sampler in ("exact", "gibbs"):  # no step size; exact refuses sparse priors itself
        return out
    if out.get("target_accept") is None and not marginal:
        out["target_accept"] = SPARSE_TARGET_ACCEPT
    if sampler == "nutpie" and "low_rank_modified_mass_matrix" not in out:
        out.setdefault("adaptation", "diag")
    return out
