"""The figures of one saved fit, shared by ``bayesreg plot`` (PNG files) and ``bayesreg
report`` (embedded in the page): which ones apply to a fit is decided up front, from the
model and the fit's groups, so that output paths can be checked before anything is drawn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import arviz_plots as azp
import numpy as np

from ..utils._datatree import group_names
from ..families import get_family
from ..inference._evidence import is_conjugate
from ..occam import scale_grid
from ..plots import (
    model_variables,
    plot_diagnostics,
    plot_occam,
    plot_ppc,
    plot_prior_sensitivity,
    plot_shrinkage,
    plot_shrinkage_factors,
)
from ..priors import Gamma, Gaussian, HalfNormal
from ..priors._priors import improper_part
from ._common import titled

__all__ = ["FigureSpec", "fit_figures", "occam_model", "ppc_title", "PPC_FIGURE"]


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    """One figure of a fit: its file name, a title and a caption for the report, and a
    function that draws it (a matplotlib figure or an arviz-plots PlotCollection)."""

    name: str
    title: str
    caption: str
    draw: Callable[[], Any]


#: the title of :func:`bayesreg.plots.plot_ppc` for each kind of outcome (``Family.outcome``)
_PPC_TITLES = {
    "continuous": "The data (black) and data simulated from the posterior (blue)",
    "counts": "Rootogram: observed and predicted counts",
    "binary": "Calibration: observed frequency against predicted probability",
}
#: a figure wide enough for the title, with the title clear of the axes
PPC_FIGURE = {"figure_kwargs": {"figsize": (8, 4), "layout": "constrained"}}


def ppc_title(family) -> str:
    """A title that says how to read :func:`bayesreg.plots.plot_ppc` for ``family`` (a
    family or its name)."""
    return _PPC_TITLES[get_family(family).outcome]


def _panels(fit) -> int:
    post = fit["posterior"]
    return sum(int(np.prod([post[v].sizes[d] for d in post[v].dims
                            if d not in ("chain", "draw")], dtype=int))
               for v in model_variables(fit))


def _wrapped(n: int) -> dict:
    """arviz-plots options for ``n`` panels, four to a row, titles clear of the axes."""
    rows = -(-n // 4)
    return {"col_wrap": 4, "figure_kwargs": {"figsize": (12, 2.6 * rows + 0.4),
                                             "layout": "constrained"}}


def _proper_for_prior_draws(model):
    """The model with proper stand-ins for an improper intercept or noise prior: the
    coefficients' prior draws do not depend on them, but PyMC cannot draw from a flat
    prior at all."""
    sd = float(np.std(model.y)) or 1.0
    changes = {}
    if model.fit_intercept and improper_part(model.intercept_prior):
        # wide on the scale of eta: the data's, or a few units of a logit or a log link
        # (wider and exp(eta) leaves float64 when y is simulated)
        wide = 10.0 * sd if model.family.link == "identity" else 2.5
        start = model.family.intercept_start(model.y, model.sample_weight)
        changes["intercept_prior"] = Gaussian(wide + abs(start))
    if model.family.has_sigma and improper_part(model.sigma):
        changes["sigma"] = HalfNormal(sd)
    if model.family.has_nu and improper_part(model.nu):
        changes["nu"] = Gamma(2.0, 0.1)
    return model.replace(**changes) if changes else model


def _prior_posterior(fit, model, seed):
    prior = _proper_for_prior_draws(model).sample_prior_predictive(1000, random_seed=seed)
    tree = fit.copy()
    tree["prior"] = prior["prior"]
    # a sparse prior's local scales (one per feature, heavy-tailed) would fill the figure
    # with near-flat panels: its global latents only
    local = {f"coef_{k}" for k, per_feature in getattr(model.prior, "latent", {}).items()
             if per_feature}
    names = ["coef"] + [v for v in model_variables(fit) if v.startswith("coef_")
                        and v not in local]
    n = min(model.n_features, 12) + len(names) - 1
    coords = {"feature": list(model.feature_names[:12])} if model.n_features > 12 else None
    return azp.plot_prior_posterior(tree, var_names=names, coords=coords,
                                    backend="matplotlib", **_wrapped(n))


def occam_model(fit, model):
    """The model whose evidence curve across prior scales ``bayesreg plot`` draws, or
    ``None``: a Gaussian prior with a fixed scale on the gaussian family (noise scale fixed
    at its posterior mean when it was sampled: the exact evidence needs it fixed), or on
    the bernoulli and poisson families (Laplace's approximation)."""
    if model.prior.penalty_kind != "l2" or not model.prior.is_fixed:  # a Gaussian prior
        return None
    family = model.family
    if family.sufficient_statistics:  # the exact evidence
        if is_conjugate(model):
            return model
        sigma = float(fit["posterior"]["sigma"].mean()) if "sigma" in fit["posterior"] else None
        return None if sigma is None else model.replace(sigma=sigma)
    if family.convex and all(isinstance(getattr(model, name), float)
                             for name in family.auxiliary):  # Laplace's approximation
        return model
    return None


def _occam(fit, model, seed):
    m = occam_model(fit, model)
    scales = float(m.prior.scale) * np.logspace(-1.5, 1.5, 13)
    if m.family.sufficient_statistics:
        grid = scale_grid(m, scales, random_seed=seed)
    else:
        grid = scale_grid(m, scales, loo=False, evidence_method="laplace", cv=None,
                          random_seed=seed)
    fig = plot_occam(grid, scale_label=f"prior scale (this fit: {m.prior.scale:.3g})")
    fig.axes[0].axvline(float(m.prior.scale), color="grey", ls="--", lw=1)
    return fig


def _shrinkage(fit, model):
    estimate = None
    if model.prior.is_fixed and not (model.family.has_sigma and
                                     not isinstance(model.sigma, float)):
        try:
            estimate = model.map()
        except (ValueError, ArithmeticError):
            estimate = None
    return plot_shrinkage(fit, map_estimate=estimate)


def fit_figures(fit, model, *, seed: int = 0) -> list[FigureSpec]:
    """The figures that apply to ``fit`` (a saved fit) and its ``model``, in report order."""
    groups = set(group_names(fit))
    figs = []
    if not improper_part(model.prior):
        figs.append(FigureSpec(
            "prior_posterior.png", "Prior and posterior",
            "The marginal prior (drawn from the model) and posterior of each coefficient "
            "(the first 12) and of the prior's hyperparameters: how far the data moved "
            "each one.",
            lambda: _prior_posterior(fit, model, seed)))
    if model.family.link == "identity":  # least squares is the unpenalized estimate
        figs.append(FigureSpec(
            "shrinkage.png", "Shrinkage",
            "Posterior mean and 94% HDI of each coefficient next to the least-squares "
            "estimate (and the MAP, the penalized fit, when the prior and noise scale are "
            "fixed): how far the prior pulled each one towards 0.",
            lambda: _shrinkage(fit, model)))
    else:
        figs.append(FigureSpec(
            "forest.png", "Coefficients",
            "Posterior mean and credible intervals of each coefficient, chain by chain.",
            lambda: plot_diagnostics(fit, "forest", var_names=["coef"])))
    if model.prior.sparse:
        figs.append(FigureSpec(
            "shrinkage_factors.png", "Shrinkage factors (sparse prior)",
            "kappa_j = 1 / (1 + n s_j^2 v_j / sigma^2), the share of the least-squares "
            "estimate that the prior takes away from coefficient j (0: kept, 1: shrunk to "
            "0). Left: the posterior mean of each kappa_j; right: the posterior of kappa_j for "
            "the least shrunk coefficients. The table below lists each coefficient's "
            "inclusion.",
            lambda: plot_shrinkage_factors(model, fit)))
    # without a stored log_likelihood group, its per-draw total comes from the data groups
    if "log_prior" in groups and groups & {"log_likelihood", "constant_data"}:
        figs.append(FigureSpec(
            "prior_sensitivity.png", "Prior sensitivity",
            "Power-scaling sensitivity (arviz_stats.psense): a coefficient sensitive to the "
            "prior but not to the likelihood is decided by the regularizer rather than the "
            "data; sensitive to both means prior-data conflict.",
            lambda: plot_prior_sensitivity(fit)))
    if occam_model(fit, model) is not None:
        figs.append(FigureSpec(
            "occam.png", "Evidence across prior scales (the Occam view)",
            "Log evidence = best fit + log Occam factor for a range of fixed prior scales "
            "around this fit's (dashed line), with PSIS-LOO and cross-validation where "
            "available; the noise scale is fixed at its posterior mean when it was sampled.",
            lambda: _occam(fit, model, seed)))
    figs.append(FigureSpec(
        "ppc.png", "Posterior predictive check",
        "Data simulated from the posterior against the observed data: densities (gaussian, "
        "student_t), a rootogram (poisson, negative_binomial) or a calibration plot "
        "(bernoulli).",
        lambda: titled(plot_ppc(model, fit, random_seed=seed, **PPC_FIGURE),
                       ppc_title(model.family))))
    figs.append(FigureSpec(
        "trace.png", "Trace and marginal posteriors",
        "Each chain's draws and their densities: chains that disagree or drift mean the "
        "sampler has not converged.",
        lambda: plot_diagnostics(fit, "trace")))
    figs.append(FigureSpec(
        "rank.png", "Rank plots",
        "For each chain, how the ranks of its draws among all draws depart from uniform "
        "(an ECDF difference): near 0, with a p-value well above alpha, when every chain "
        "samples the same distribution.",
        lambda: plot_diagnostics(fit, "rank", **_wrapped(_panels(fit)))))
    if "sample_stats" in groups and "energy" in fit["sample_stats"]:
        figs.append(FigureSpec(
            "energy.png", "Energy",
            "Marginal energy and energy transitions of NUTS: a transition distribution "
            "much narrower than the marginal means poor exploration of the tails.",
            lambda: plot_diagnostics(fit, "energy")))
    return figs
