"""Empirical Bayes: the prior scale and noise that maximize the evidence (``BayesianRidge``)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..inference._evidence import intercept_kind
from .. import base as _cj
from ..priors import _priors

__all__ = ["EmpiricalBayes", "empirical_bayes"]


class EmpiricalBayes(NamedTuple):
    """Result of :func:`empirical_bayes`: unpack as ``result, model = empirical_bayes(m)``.

    Attributes
    ----------
    result : bayesreg.base.EmpiricalBayesResult
        ``noise_precision`` (``BayesianRidge.alpha_``), ``prior_precision`` (weight
        precision, ``lambda_``), ``coef``, ``intercept``, ``posterior_cov`` (posterior
        covariance, ``sigma_``), ``scores`` (``scores_``), ``n_iter``, ``converged``.
    model : bayesreg.Model
        A new model with ``prior=Gaussian(scale=1/sqrt(lambda_))`` and
        ``sigma=1/sqrt(alpha_)`` (the input model is not modified).
    """

    result: _cj.EmpiricalBayesResult
    model: Any



def empirical_bayes(model, **options) -> EmpiricalBayes:
    r"""Type-II maximum likelihood for the prior scale and the noise (``BayesianRidge``).

    Maximizes the centred-data evidence plus (very flat) Gamma hyperpriors over the
    weight precision :math:`\lambda = 1/\tau^2` and the noise precision
    :math:`\alpha = 1/\sigma^2` with MacKay's fixed-point updates
    (:func:`bayesreg.base.maximize_evidence`), reproducing
    :class:`sklearn.linear_model.BayesianRidge` (``lambda_``, ``alpha_``, ``coef_``,
    ``intercept_``, ``sigma_``, ``scores_``) to ~1e-9.

    The prior and ``sigma`` of ``model`` are *ignored* (they are what is being
    chosen); its data, ``sample_weight`` and ``fit_intercept`` are used.

    Parameters
    ----------
    model : bayesreg.Model
        ``family="gaussian"`` with a Flat intercept (default) or
        ``fit_intercept=False``.
    **options
        ``BayesianRidge`` options: ``max_iter=300, tol=1e-3, alpha_1=1e-6,
        alpha_2=1e-6, lambda_1=1e-6, lambda_2=1e-6, alpha_init=None, lambda_init=None``.

    Returns
    -------
    EmpiricalBayes
        ``(result, model)``: the :class:`~bayesreg.base.EmpiricalBayesResult`
        and a *new* Model with ``prior=Gaussian(scale=1/sqrt(lambda_))`` and
        ``sigma=1/sqrt(alpha_)``, whose MAP is ``Ridge(alpha=lambda_/alpha_)`` and whose
        exact posterior mean is ``BayesianRidge.coef_``.

    Examples
    --------
    >>> res, tuned = empirical_bayes(Model(X, y, prior=Gaussian(1.0)))  # doctest: +SKIP
    >>> tuned.log_evidence().effective_params                            # doctest: +SKIP
    """
    if not model.family.sufficient_statistics:  # BayesianRidge's conjugate algebra
        raise ValueError(f"empirical_bayes needs family='gaussian'; got "
                         f"{model.family.name!r}.")
    if intercept_kind(model) == "proper":
        raise ValueError(f"empirical_bayes (BayesianRidge) treats the intercept as flat; got "
                         f"intercept_prior={model.intercept_prior!r}. Use the default Flat() "
                         f"intercept or fit_intercept=False.")
    known = {"max_iter", "tol", "alpha_1", "alpha_2", "lambda_1", "lambda_2", "alpha_init",
             "lambda_init"}
    bad = sorted(set(options) - known)
    if bad:
        raise TypeError(f"Unknown empirical_bayes option(s) {bad}; must be among {sorted(known)}.")
    res = _cj.maximize_evidence(model.X, model.y, fit_intercept=model.fit_intercept,
                              sample_weight=model.sample_weight, **options)
    new = model.replace(prior=_priors.Gaussian(scale=float(res.prior_precision ** -0.5)),
                   sigma=float(res.noise_precision ** -0.5))
    return EmpiricalBayes(result=res, model=new)
