"""What every grid of fits in :mod:`bayesreg.occam` shares, written once: the model at one
prior scale, the MCMC defaults of a grid run, exact draws of a conjugate model, a run
whose convergence warning becomes a flag, PSIS-LOO whose Pareto-k warnings go to the
table, and the evidence and LOO columns of a row (:func:`bayesreg.scale_grid`,
:func:`bayesreg.regularization_path` and :func:`bayesreg.fit_many` share them), so the
tables of :func:`bayesreg.scale_grid` and :func:`bayesreg.fit_many` have the same
columns."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..inference._diagnostics import ConvergenceWarning, stored_convergence
from ..inference._loo import loo
from ..utils._validation import check_positive_array

__all__ = ["check_scale_grid", "at_scale", "grid_sample_options", "exact_fit", "quiet_sample",
           "quiet_loo", "evidence_columns", "loo_columns", "unconverged_message"]


def check_scale_grid(model, scales, caller: str) -> np.ndarray:
    """``scales`` as a checked positive array, for a model whose coefficient prior has a
    ``scale`` (ValueError naming ``caller`` otherwise)."""
    scales = check_positive_array(scales, "scales", caller)
    if not model.prior.has_scale:
        raise ValueError(f"{caller} needs a prior with a 'scale' parameter; got "
                         f"{model.prior!r}.")
    return scales


def at_scale(model, scale: float):
    """``model`` with its coefficient prior's ``scale`` replaced (all else kept)."""
    return model.replace(prior=dataclasses.replace(model.prior, scale=float(scale)))


def grid_sample_options(draws: int, sample_kwargs: dict | None) -> dict:
    """Options of :meth:`bayesreg.Model.sample` for one MCMC run of a grid: ``draws // 2``
    (at least 100) per chain over 2 chains after 500 tuning steps, no progress bar, the
    ``"auto"`` sampler; ``sample_kwargs`` override them."""
    options = dict(sampler="auto", draws=max(int(draws) // 2, 100), tune=500, chains=2,
                   progressbar=False)
    options.update(sample_kwargs or {})
    return options


def exact_fit(model, draws: int, seed, **kwargs):
    """``draws`` exact i.i.d. posterior draws of a conjugate model (one chain)."""
    return model.sample(sampler="exact", draws=int(draws), chains=1, random_seed=seed,
                        progressbar=False, **kwargs)


def quiet_sample(model, **kwargs):
    """``(fit, ok)``: ``model.sample(**kwargs)`` with its ConvergenceWarning turned into
    the flag ``ok`` read from the report the fit stores (the public function that asked
    for the runs warns once, for all of them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.sample(**kwargs)
    report = stored_convergence(fit)
    return fit, bool(report is not None and report["ok"])


def quiet_loo(idata, reff: float | None = None, model=None):
    """PSIS-LOO (pointwise) of a fit, stored ``log_likelihood`` group or not
    (:func:`bayesreg.loo`: the numbers of :func:`arviz.loo` on the group, computed in
    blocks of observations); its Pareto-k warnings are not raised, the caller reports
    ``pareto_k`` in its table. ``model``: the fit's model (default: rebuilt from it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Estimated shape parameter of Pareto.*")
        return loo(idata, model, pointwise=True, reff=reff)


def evidence_columns(ev) -> dict:
    """The evidence columns of a grid's row from an :class:`bayesreg.EvidenceResult`:
    ``log_evidence``, ``log_evidence_se``, ``log_likelihood_max``, ``log_occam_factor``
    and ``effective_params``."""
    return dict(log_evidence=ev.log_evidence, log_evidence_se=ev.stderr,
                log_likelihood_max=ev.log_likelihood_max,
                log_occam_factor=ev.log_occam_factor, effective_params=ev.effective_params)


def loo_columns(fit, reff: float | None = None, model=None) -> dict:
    r"""The PSIS-LOO columns of a grid's row (:func:`quiet_loo`): ``elpd_loo``,
    ``se_elpd_loo``, ``p_loo``, ``pareto_k_max`` and ``n_bad_k`` (Pareto
    :math:`\hat k > 0.7`)."""
    res = quiet_loo(fit, reff=reff, model=model)
    k = np.asarray(res.pareto_k)
    return dict(elpd_loo=float(res.elpd), se_elpd_loo=float(res.se), p_loo=float(res.p),
                pareto_k_max=float(np.max(k)), n_bad_k=int(np.sum(k > 0.7)))


def unconverged_message(caller: str, scales, where: str, fix: str) -> ConvergenceWarning:
    """The one warning of a grid whose MCMC runs at ``scales`` failed the gate."""
    listed = "[" + ", ".join(f"{s:.3g}" for s in scales) + "]"
    return ConvergenceWarning(
        f"{caller}: the MCMC runs at scales {listed} did not pass the convergence gate "
        f"({where}); {fix}")
