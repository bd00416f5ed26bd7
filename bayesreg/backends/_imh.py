r"""Independence Metropolis-Hastings from the Laplace approximation: GLM posteriors at
the cost of one likelihood pass per draw.

``sampler="imh"`` samples a model of a family with a log-concave likelihood (bernoulli,
poisson, negative binomial with a fixed dispersion) whose coefficient prior has fixed
parameters and a smooth log density (``Gaussian``, ``StudentT``, ``Flat``) and whose
intercept is flat or has such a prior. It

1. finds the posterior mode and the Hessian of the negative log posterior there
   (:func:`bayesreg.backends._laplace.laplace_mode`: bayesreg's certified MAP, then
   Newton on the exact log posterior);
2. draws every chain's proposals from the multivariate t with :func:`proposal_df`
   degrees of freedom centred at the mode with scale matrix ``H^{-1}``
   (:func:`bayesreg.base._imh.t_proposal_draws`) and evaluates the log posterior at all
   of them in blocks (one ``X @ Theta`` product per block: ``n * k`` flops per draw, no
   gradient, no tuning, nothing compiled);
3. runs the accept/reject steps of independence Metropolis-Hastings per chain
   (:func:`bayesreg.base._imh.independence_chains`), discarding the first
   ``min(tune, IMH_BURN_IN)`` steps of each chain.

As the data grow with ``p`` fixed the posterior approaches the Gaussian
``N(mode, H^{-1})`` (Bernstein-von Mises), the proposal's importance ratios become
nearly constant and almost every proposal is accepted: the draws are nearly
independent at the price of one likelihood evaluation each. The Pareto shape ``k`` of the
importance ratios of all proposals (:func:`bayesreg.base._psis.pareto_khat`) says
whether the proposal covers the posterior; it is stored in
``sample_stats.attrs["bayesreg_imh_pareto_k"]``, and :meth:`bayesreg.Model.sample` falls
back to NUTS above :func:`khat_threshold` (a weakly identified model, separation under a
weak prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import xarray as xr
from arviz_stats.base import array_stats

from ..base._imh import independence_chains, t_proposal_draws
from ..base._psis import pareto_khat
from ..priors._priors import Prior
from ..utils._datatree import datatree
from ._laplace import laplace_mode, smooth_prior_reason
from ._draws import coefficient_values, posterior_dataset
from ._pymc_model import coef_param_data_names

__all__ = ["ImhProgram", "ImhRun", "imh_run", "IMH_BURN_IN", "proposal_df", "IMH_MAX_FEATURES", "KHAT_ATTR",
           "SAMPLER_NOTE_ATTR", "imh_failure", "imh_unsupported", "khat_threshold"]

#: degrees of freedom of the multivariate-t proposal per coefficient, and at least
#: (:func:`proposal_df`): tails heavier than the Gaussian limit, and in ``k`` dimensions
#: a radius spread close to the Gaussian's (a t with few degrees of freedom spreads the
#: radius far wider than the Gaussian does when ``k`` is large, and most of its
#: proposals are rejected: logistic n = 20,000, k = 51 accepted 45% with 10 degrees of
#: freedom, 64% with 30, 87% with 1,000)
IMH_DF_PER_COEF = 10.0
IMH_DF_MIN = 30.0
#: at most this many steps per chain are discarded (``tune`` beyond it is not used: a
#: chain started at a draw of a proposal close to the posterior is near stationarity
#: after its first accepted moves)
IMH_BURN_IN = 50
#: ``sampler="auto"`` uses the independence sampler up to this many coefficients (beyond
#: it the Laplace approximation needs far more data to be accurate)
IMH_MAX_FEATURES = 200
#: where the Pareto k of the proposal's importance ratios is stored (sample_stats attrs)
KHAT_ATTR = "bayesreg_imh_pareto_k"
#: an independence sampler whose bulk ESS is below this fraction of its draws sticks
#: (most proposals rejected): the proposal does not fit the posterior
STICKY = 0.1
#: ... or whose R-hat is above this (chains in different places; with a few dozen draws
#: per chain R-hat wanders above 1.01 by chance)
STICKY_R_HAT = 1.1
#: a first run whose ESS is a smaller share of its draws is run again, thinned (imh_thin)
IMH_THIN_TO = 0.25
#: at most this many steps per kept draw
IMH_MAX_THIN = 8
#: and only while the thinned run costs at most this many flops (n k per proposal)
IMH_THIN_FLOPS = 2e10
#: where a fit says why its sampler is not the one asked for (posterior attrs)
SAMPLER_NOTE_ATTR = "bayesreg_sampler_note"


def proposal_df(k: int) -> float:
    """Degrees of freedom of the proposal for ``k`` coefficients:
    ``max(IMH_DF_MIN, IMH_DF_PER_COEF * k)``."""
    return max(IMH_DF_MIN, IMH_DF_PER_COEF * k)


def khat_threshold(n_draws: int) -> float:
    """The largest Pareto ``k`` at which importance ratios of ``n_draws`` draws are
    trusted: ``min(1 - 1 / log10(S), 0.7)`` (Vehtari et al. 2024)."""
    return min(1.0 - 1.0 / math.log10(max(n_draws, 11)), 0.7)


@dataclass(frozen=True)
class ImhRun:
    """Draws of :func:`imh_run`: ``draws`` ``(chains, draws, k)``, their log posterior
    densities ``lp`` and ``accepted`` ``(chains, draws)``, the Pareto ``khat`` of the
    proposal's importance ratios, its degrees of freedom ``df`` and the ``burn_in`` steps
    discarded per chain."""

    draws: np.ndarray
    lp: np.ndarray
    accepted: np.ndarray
    khat: float
    df: float
    burn_in: int
    thin: int = 1
    acceptance: float = float("nan")   # over every step after the burn-in

    def annotate(self, sample_stats) -> None:
        """Store the run's diagnostics in the attributes of ``sample_stats``."""
        sample_stats.attrs[KHAT_ATTR] = float(self.khat)
        sample_stats.attrs["bayesreg_imh_acceptance"] = float(self.acceptance)
        sample_stats.attrs["bayesreg_imh_df"] = float(self.df)
        sample_stats.attrs["bayesreg_imh_burn_in"] = int(self.burn_in)
        sample_stats.attrs["bayesreg_imh_thin"] = int(self.thin)


def imh_run(mode: np.ndarray, hessian: np.ndarray, log_density, *, draws: int, tune: int,
            chains: int, rng: np.random.Generator, thin: int = 1) -> ImhRun:
    """Independence Metropolis-Hastings chains from the t proposal at ``mode`` with scale
    matrix ``hessian^{-1}`` (module docstring, steps 2 and 3), keeping every ``thin``-th
    step after the burn-in.

    ``log_density(theta)`` returns the log posterior density (up to a constant) of each
    row of ``theta`` (shape ``(S, k)``): the one pass over the data, wherever they are.
    """
    burn = min(int(tune), IMH_BURN_IN)
    thin = int(thin)
    steps = burn + int(draws) * thin
    df = proposal_df(mode.shape[0])
    theta, log_q = t_proposal_draws(mode, hessian, df, chains * steps, rng)
    log_post = np.asarray(log_density(theta), dtype=float)
    log_w = np.where(np.isfinite(log_post), log_post - log_q, -np.inf)
    khat = pareto_khat(log_w)
    index, accepted = independence_chains(log_w.reshape(chains, steps), rng)
    keep = slice(burn + thin - 1, None, thin)
    pick = (index + (np.arange(chains) * steps)[:, None])[:, keep]
    return ImhRun(draws=theta[pick], lp=log_post[pick], accepted=accepted[:, keep],
                  khat=khat, df=df, burn_in=burn, thin=thin,
                  acceptance=float(accepted[:, burn:].mean()))


def imh_thin(run: ImhRun, n_flops: float) -> int:
    """How many steps per kept draw a second run takes after a first ``run`` whose least
    bulk ESS over the coefficients is a share ``r`` of its draws: ``ceil(IMH_THIN_TO /
    r)`` (at most ``IMH_MAX_THIN``) when ``r < IMH_THIN_TO`` and the second run's
    ``n_flops`` (``n k`` per proposal) stay within ``IMH_THIN_FLOPS``; else 1 (no second
    run). An independence sampler's draws are correlated only through its rejections, so
    keeping every ``t``-th step multiplies its ESS by about ``t``."""
    chains, draws, _ = run.draws.shape
    ess = array_stats.ess(np.moveaxis(run.draws, -1, 0), chain_axis=-2, draw_axis=-1)
    share = float(np.min(ess)) / (chains * draws)
    if not share < IMH_THIN_TO:
        return 1
    thin = min(IMH_MAX_THIN, math.ceil(IMH_THIN_TO / max(share, 1e-12)))
    return thin if n_flops * thin <= IMH_THIN_FLOPS else 1


def imh_failure(groups, report) -> str | None:
    """Why an independence-sampler run is not to be trusted (a phrase), or None: the
    Pareto ``k`` of its proposal's importance ratios above :func:`khat_threshold`, or
    chains that stick (``report``, a :class:`bayesreg.ConvergenceReport`, shows an R-hat
    above ``STICKY_R_HAT`` or a bulk ESS below ``STICKY`` of the draws). A run that
    fails the gate only for want of draws is kept (and warned about as any other): NUTS
    would need as many."""
    stats = groups["sample_stats"]
    khat = float(stats.attrs[KHAT_ATTR])
    n_proposals = int(stats.sizes["chain"]) * (int(stats.sizes["draw"])
                                               + int(stats.attrs["bayesreg_imh_burn_in"]))
    limit = khat_threshold(n_proposals)
    if not khat <= limit:
        return (f"the Pareto k of its Laplace proposal is {khat:.2f} > {limit:.2f} (the "
                f"posterior is far from Gaussian: few data per coefficient, separation or a "
                f"weak prior)")
    draws = int(stats.sizes["chain"]) * int(stats.sizes["draw"])
    if not (report.r_hat_max <= STICKY_R_HAT and report.ess_bulk_min >= STICKY * draws):
        return (f"its chains stick (R-hat {report.r_hat_max:.3f}, bulk ESS "
                f"{report.ess_bulk_min:.0f} of {draws} draws)")
    return None


def imh_unsupported(model) -> str | None:
    """Why ``sampler="imh"`` cannot sample ``model`` (a sentence), or None when it can."""
    family = model.family
    if family.sufficient_statistics:
        return (f"the {family.name} family is sampled exactly or by Gibbs on its sufficient "
                f"statistics (sampler='exact' or 'gibbs')")
    if not family.convex:
        return f"the {family.name} likelihood is not log-concave, so its mode may not be unique"
    for name in family.auxiliary:
        if isinstance(getattr(model, name), Prior):
            return f"the family's {name} has a prior (fix it to a number)"
    if model.prior.sparse:
        return f"the sparse prior {type(model.prior).__name__} has latent scales"
    why = smooth_prior_reason(model.prior)
    if why is not None:
        return why
    if model.fit_intercept and not model.intercept_prior.improper:
        why = smooth_prior_reason(model.intercept_prior, "intercept prior")
        if why is not None:
            return why
    return None


@dataclass(frozen=True)
class ImhProgram:
    """What the independence sampler of one model structure needs besides its data
    values (the analogue of a compiled program; building it compiles nothing)."""

    family: Any
    prior: Prior
    intercept: str            # "none", "flat" (on the centred design) or "prior"
    intercept_prior: Prior | None
    aux: tuple                # ((name, float), ...) the family's fixed parameters
    scale_data: tuple         # ((field, data name), ...) of the coefficient prior
    feature_names: tuple
    names: tuple              # the PyMC model's variable names, reported the same

    @classmethod
    def from_model(cls, model, pm_model) -> ImhProgram:
        why = imh_unsupported(model)
        if why is not None:
            raise ValueError(f"sampler='imh' cannot sample this model: {why}. Use "
                             f"sampler='auto' instead.")
        names = tuple(v.name for v in pm_model.free_RVs + pm_model.deterministics)
        if not model.fit_intercept:
            intercept = "none"
        elif model.intercept_prior.improper:
            intercept = "flat"
        else:
            intercept = "prior"
        aux = tuple((name, float(getattr(model, name))) for name in model.family.auxiliary)
        return cls(family=model.family, prior=model.prior, intercept=intercept,
                   intercept_prior=model.intercept_prior if intercept == "prior" else None,
                   aux=aux, scale_data=tuple(sorted(coef_param_data_names(model.prior).items())),
                   feature_names=tuple(model.feature_names), names=names)

    def log_posterior(self, theta: np.ndarray, X, y, w, prior) -> tuple[np.ndarray, np.ndarray]:
        """Log likelihood and log prior density (up to constants) of each row of
        ``theta`` (shape ``(S, k)``), in blocks of bounded memory."""
        k0 = 0 if self.intercept == "none" else 1
        ll = self.family.log_likelihood_draws(X, y, theta, w, fit_intercept=bool(k0),
                                              **dict(self.aux))
        lp = prior.logpdf(theta[:, k0:]).sum(axis=1)
        if self.intercept == "prior":
            lp = lp + self.intercept_prior.logpdf(theta[:, 0])
        return ll, lp

    def run(self, data, *, draws: int, tune: int, chains: int, seed) -> xr.DataTree:
        """``chains`` chains of ``min(tune, IMH_BURN_IN)`` discarded and ``draws`` kept
        steps; the ``posterior`` (the PyMC model's variables) and ``sample_stats``
        (``lp``, the log posterior density up to a constant; ``accepted``; ``diverging``,
        all False) groups, with the Pareto ``k`` of the proposal and the mode in the
        attributes of ``sample_stats``."""
        prior = replace(self.prior, **{f: float(data[name]) for f, name in self.scale_data})
        X = np.asarray(data["X"], dtype=float)
        y = np.asarray(data["y_obs"], dtype=float)
        w = data.get("sample_weight")
        w = None if w is None else np.asarray(w, dtype=float)
        rng = np.random.default_rng(seed)
        mode = laplace_mode(self.family, X, y, prior=prior, sample_weight=w,
                            aux=dict(self.aux), fit_intercept=self.intercept != "none",
                            intercept_prior=self.intercept_prior)

        def log_density(theta):
            ll, lp = self.log_posterior(theta, X, y, w, prior)
            return ll + lp

        run = imh_run(mode.theta, mode.hessian, log_density, draws=draws, tune=tune,
                      chains=chains, rng=rng)
        # draws that stick (few data per coefficient): when the data are small, run
        # again keeping every thin-th step, rather than fall back to NUTS
        thin = imh_thin(run, float(X.size) * chains * (run.burn_in + draws))
        if thin > 1 and run.khat <= khat_threshold(chains * (run.burn_in + draws)):
            run = imh_run(mode.theta, mode.hessian, log_density, draws=draws, tune=tune,
                          chains=chains, rng=rng, thin=thin)
        tree = self._tree(run.draws, run.lp, run.accepted, data)
        run.annotate(tree["sample_stats"])
        return tree

    def _tree(self, beta, lp, accepted, data) -> xr.DataTree:
        chains, draws, k = beta.shape
        values = coefficient_values(beta, self.intercept, data.get("x_mean"))
        post = posterior_dataset(values, self.names, self.feature_names)
        dims = {"chain": np.arange(chains), "draw": np.arange(draws)}
        stats = xr.Dataset({"lp": (("chain", "draw"), lp),
                            "accepted": (("chain", "draw"), accepted),
                            "diverging": (("chain", "draw"), np.zeros((chains, draws), bool))},
                           coords=dims)
        return datatree({"posterior": post, "sample_stats": stats})
