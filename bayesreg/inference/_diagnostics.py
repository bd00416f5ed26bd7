"""Convergence gate run after every MCMC fit (R-hat, bulk/tail ESS, divergences).

The thresholds are those of Vehtari et al. (2021), "Rank-normalization, folding, and
localization: an improved R-hat for assessing convergence of MCMC": rank-normalized
split R-hat <= 1.01 and bulk and tail effective sample sizes of at least 100 per chain;
and, for Hamiltonian Monte Carlo, no divergent transitions (a divergence means the
sampler could not follow the posterior's geometry, so its draws may be biased).

:func:`check_convergence` returns a :class:`ConvergenceReport`;
:meth:`bayesreg.Model.sample` warns with :class:`ConvergenceWarning` when the gate fails,
or raises :class:`ConvergenceError` with ``strict=True``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import arviz as az
import numpy as np
from sklearn import exceptions as _sklearn_exceptions

from ..utils._datatree import group, group_names

__all__ = ["ConvergenceWarning", "ConvergenceError", "ConvergenceReport", "check_convergence",
           "CONVERGENCE_ATTR", "stored_convergence"]

#: the ``sample_stats`` attribute in which :meth:`bayesreg.Model.sample` stores its
#: :class:`ConvergenceReport` (as :meth:`ConvergenceReport.to_json`)
CONVERGENCE_ATTR = "bayesreg_convergence"


class ConvergenceWarning(_sklearn_exceptions.ConvergenceWarning):
    """An iterative fit did not converge: an MCMC run failed the convergence gate (R-hat,
    ESS or divergences), or a MAP solver stopped at ``max_iter``.

    A subclass of scikit-learn's ``ConvergenceWarning`` (itself a ``UserWarning``): the
    same concept under the same name, so one filter catches both
    (``warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)`` silences
    bayesreg's too), and the scikit-learn estimator checks see the warning they expect.

    Attributes
    ----------
    report : ConvergenceReport or None
        The failed check, when the warning comes from :meth:`bayesreg.Model.sample`.
    """

    def __init__(self, message: str, report: ConvergenceReport | None = None):
        super().__init__(message)
        self.report = report


class ConvergenceError(RuntimeError):
    """An MCMC run failed the convergence gate and ``strict=True`` was asked for.

    Attributes
    ----------
    report : ConvergenceReport
    idata : xarray.DataTree or None
        The failed run, for inspection.
    """

    def __init__(self, message: str, report: ConvergenceReport | None = None, idata=None):
        super().__init__(message)
        self.report = report
        self.idata = idata


@dataclass(frozen=True)
class ConvergenceReport:
    """Result of :func:`check_convergence`.

    Attributes
    ----------
    ok : bool
        Whether every check passed.
    r_hat_max : float
        Largest rank-normalized split R-hat over all posterior scalars (NaN if none).
    ess_bulk_min, ess_tail_min : float
        Smallest bulk and tail effective sample sizes (total over chains).
    n_divergent : int
        Number of divergent transitions after tuning.
    n_chains, n_draws : int
        Chains and kept draws per chain.
    worst_r_hat, worst_ess_bulk, worst_ess_tail : str
        The scalar (e.g. ``"coef[x3]"``) with the worst value.
    r_hat_threshold : float
    min_ess : float
        Required bulk and tail ESS: ``ess_per_chain * n_chains``.
    max_divergences : int
    iid : bool
        True for exact i.i.d. draws (``sampler="exact"``): the gate passes by construction.
    problems : tuple of str
        One line per failed check.
    message : str
        Summary with what to do when a check failed.
    """

    ok: bool
    r_hat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    n_divergent: int
    n_chains: int
    n_draws: int
    worst_r_hat: str
    worst_ess_bulk: str
    worst_ess_tail: str
    r_hat_threshold: float
    min_ess: float
    max_divergences: int
    iid: bool
    problems: tuple[str, ...]
    message: str
    advice: tuple[str, ...] = ()

    def advice_text(self, style: str = "python") -> str:
        """What to try, phrased for Python calls (``style="python"``) or for the
        ``bayesreg`` command line (``style="cli"``)."""
        return "; ".join(_ADVICE[key][style == "cli"] for key in self.advice)

    def to_json(self) -> str:
        """The report as a JSON string (stored in ``idata.sample_stats.attrs``)."""
        d = asdict(self)
        d["problems"] = list(self.problems)
        return json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                           for k, v in d.items()})

    def __str__(self) -> str:
        return self.message


#: internal variables the gate checks, named for the report
_READABLE = {"intercept_centered": "intercept (at the mean of X)"}


def _worst(ds, pick) -> tuple[float, str]:
    """The extreme (``pick`` = np.nanargmax / nanargmin) value over all scalars and its label."""
    best_val, best_name = math.nan, ""
    for name, da in ds.data_vars.items():
        vals = np.asarray(da.values, dtype=float)
        if vals.size == 0 or np.all(np.isnan(vals)):
            continue
        idx = np.unravel_index(pick(vals), vals.shape)
        val = float(vals[idx])
        better = (math.isnan(best_val)
                  or (pick is np.nanargmax and val > best_val)
                  or (pick is np.nanargmin and val < best_val))
        if better:
            # the sampler's internal names, as a user reads them
            label = _READABLE.get(name, name)
            if da.dims:
                label += "[" + ",".join(str(da[d].values[i]) if d in da.coords else str(i)
                                        for d, i in zip(da.dims, idx)) + "]"
            best_val, best_name = val, label
    return best_val, best_name


#: advice keys -> (Python phrasing, command-line phrasing)
_ADVICE = {
    "target_accept": (
        "raise target_accept (e.g. sample(..., target_accept=0.95), or retry=True to do it "
        "automatically)",
        "raise the target acceptance rate (e.g. --target-accept 0.95)"),
    "reparameterize": (
        "reparameterize the hyperprior on the prior scale: noncentered=False when the data "
        "pin the coefficients down (many observations per coefficient), noncentered=True "
        "(the default) when they do not; standardize X",
        "standardize X, and reparameterize the hyperprior on the prior scale "
        "(noncentered=False when many observations pin each coefficient down)"),
    "longer": (
        "run longer: more tune and draws (e.g. tune=2000, draws=2000)",
        "run longer (e.g. --tune 2000 --draws 2000)"),
    "nutpie": (
        "try sampler='nutpie' (its low-rank mass matrix handles correlated predictors)",
        "try --sampler nutpie (its low-rank mass matrix handles correlated predictors)"),
    "exact": (
        "this model is conjugate: sampler='exact' draws from its posterior exactly",
        "this model is conjugate: --sampler exact draws from its posterior exactly"),
}


def check_convergence(idata, *, var_names=None, r_hat_max: float = 1.01,
                      ess_per_chain: float = 100.0, max_divergences: int = 0,
                      iid: bool | None = None, sampler: str | None = None,
                      conjugate: bool = False, hierarchical: bool = True
                      ) -> ConvergenceReport:
    """Check an MCMC run: R-hat, bulk and tail ESS, divergences.

    Passes when ``max R-hat <= r_hat_max``, ``min bulk ESS >= ess_per_chain * chains``,
    ``min tail ESS >= ess_per_chain * chains`` and ``divergences <= max_divergences``,
    over every scalar of every posterior variable (transformed helper variables whose
    name ends in ``__`` are skipped; constant scalars are ignored).

    Parameters
    ----------
    idata : xarray.DataTree
        With ``posterior`` and, for divergences, ``sample_stats.diverging``.
    var_names : list of str, optional
        Restrict the checks to these posterior variables.
    r_hat_max : float, default 1.01
    ess_per_chain : float, default 100
    max_divergences : int, default 0
    iid : bool, optional
        Draws are exact and independent (``sampler="exact"``): the gate passes by
        construction and the numbers are only reported. Default: read from
        ``idata.posterior.attrs["bayesreg_sampler"] == "exact"``.
    sampler : str, optional
        The sampler that ran (default: ``posterior.attrs["bayesreg_sampler"]``); the
        advice does not suggest the sampler that just failed.
    conjugate : bool, default False
        The model is conjugate, so the advice may suggest ``sampler="exact"``.
    hierarchical : bool, default True
        The model has a hyperprior, so the advice may suggest reparameterizing it.

    Returns
    -------
    ConvergenceReport
    """
    post = group(idata, "posterior")
    if sampler is None:
        sampler = post.attrs.get("bayesreg_sampler")
    if iid is None:
        iid = sampler == "exact" or "exact_kind" in post.attrs
    names = [v for v in (var_names or list(post.data_vars)) if not str(v).endswith("__")]
    post = post[names]
    n_chains, n_draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    min_ess = float(ess_per_chain) * n_chains
    with np.errstate(invalid="ignore", divide="ignore"):
        rhat, rhat_name = _worst(az.rhat(post), np.nanargmax)
        bulk, bulk_name = _worst(az.ess(post, method="bulk"), np.nanargmin)
        tail, tail_name = _worst(az.ess(post, method="tail"), np.nanargmin)
    n_div = 0
    if "sample_stats" in group_names(idata) and "diverging" in idata["sample_stats"]:
        n_div = int(np.asarray(idata["sample_stats"]["diverging"].values, dtype=bool).sum())

    problems = []
    if not iid and (n_draws < 4 or not np.isfinite([rhat, bulk, tail]).all()):
        # NaN compares False with every threshold: a gate that cannot be computed fails
        problems.append(f"R-hat and ESS cannot be computed from {n_chains} chain(s) x "
                        f"{n_draws} draw(s) (they are NaN); at least 4 draws per chain, and "
                        f"parameters that move, are needed")
    elif not iid:
        if rhat > r_hat_max:
            problems.append(f"R-hat {rhat:.3f} > {r_hat_max} (worst: {rhat_name})")
        if bulk < min_ess:
            problems.append(f"bulk ESS {bulk:.0f} < {min_ess:.0f} = {ess_per_chain:g} per chain "
                            f"(worst: {bulk_name})")
        if tail < min_ess:
            problems.append(f"tail ESS {tail:.0f} < {min_ess:.0f} = {ess_per_chain:g} per chain "
                            f"(worst: {tail_name})")
        if n_div > max_divergences:
            problems.append(f"{n_div} divergent transitions (allowed: {max_divergences})")
    ok = not problems
    if iid:
        message = (f"Exact i.i.d. draws ({n_chains} x {n_draws}): no convergence to check "
                   f"(bulk ESS {bulk:.0f}, R-hat {rhat:.3f}).")
    elif ok:
        message = (f"Converged: R-hat {rhat:.3f} <= {r_hat_max}, bulk ESS {bulk:.0f} and tail "
                   f"ESS {tail:.0f} >= {min_ess:.0f}, {n_div} divergences.")
    advice: list[str] = []
    if not iid and not ok:
        if conjugate:
            advice.append("exact")
        if n_div > max_divergences:
            advice.append("target_accept")
            if hierarchical:
                advice.append("reparameterize")
        if not rhat <= r_hat_max or not bulk >= min_ess or not tail >= min_ess:
            advice.append("longer")
            if sampler != "nutpie":
                advice.append("nutpie")
    if not iid and not ok:
        message = ("The MCMC run did not pass the convergence gate: " + "; ".join(problems)
                   + ". Its estimates may be unreliable. To fix: "
                   + "; ".join(_ADVICE[key][0] for key in advice) + ".")
    return ConvergenceReport(
        ok=ok, r_hat_max=rhat, ess_bulk_min=bulk, ess_tail_min=tail, n_divergent=n_div,
        n_chains=n_chains, n_draws=n_draws, worst_r_hat=rhat_name, worst_ess_bulk=bulk_name,
        worst_ess_tail=tail_name, r_hat_threshold=float(r_hat_max), min_ess=min_ess,
        max_divergences=int(max_divergences), iid=bool(iid), problems=tuple(problems),
        message=message, advice=tuple(advice))


def stored_convergence(idata) -> dict | None:
    """The convergence report a fit carries, as a dict (the JSON of
    :meth:`ConvergenceReport.to_json`, stored in ``sample_stats.attrs`` under
    :data:`CONVERGENCE_ATTR` by :meth:`bayesreg.Model.sample`).

    Parameters
    ----------
    idata : xarray.DataTree
        A fit returned by :meth:`bayesreg.Model.sample` (or loaded from disk).

    Returns
    -------
    dict or None
        ``None`` when the fit has no (readable) report, e.g. one made elsewhere.
    """
    try:
        return json.loads(idata["sample_stats"].attrs[CONVERGENCE_ATTR])
    except (KeyError, TypeError, ValueError):
        return None
