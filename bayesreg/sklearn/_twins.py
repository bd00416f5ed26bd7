"""Exact translation between scikit-learn penalties and bayesreg priors.

Every supported estimator minimizes a positive multiple of the negative log posterior
used by :func:`bayesreg.base.fit_map`,

.. math::

    F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b)
              + l1 \\,\\|w\\|_1 + \\tfrac{1}{2}\\, l2 \\,\\|w\\|_2^2,

where ``s`` is the *same* ``sample_weight`` that is passed to the scikit-learn ``fit``
(default ones) and ``nll`` is the gaussian ``(y - eta)^2 / (2 sigma^2)``, the bernoulli
``log(1 + e^eta) - y eta`` or the poisson ``e^eta - y eta``. Multiplying an objective by
a positive constant does not move its minimizer, so matching the ratio of penalty to
loss is all that is needed. Writing ``S = sum(s)`` (``= n_samples`` without weights):

=====================  =========================================  =====================
estimator              scikit-learn objective                     prior precisions
=====================  =========================================  =====================
Ridge                  ``||sqrt(s)(y - Xw - b)||^2                ``l2 = alpha/sigma^2``
                       + alpha ||w||^2``
Lasso                  ``1/(2S) sum s (y - Xw - b)^2              ``l1 = S alpha/sigma^2``
                       + alpha ||w||_1``
ElasticNet             ``1/(2S) sum s (y - Xw - b)^2              ``l1 = S alpha rho/sigma^2``,
                       + alpha rho ||w||_1                        ``l2 = S alpha (1-rho)/sigma^2``
                       + alpha (1-rho)/2 ||w||^2``
LogisticRegression     ``C sum s logloss + rho ||w||_1            ``l1 = rho/C``,
                       + (1-rho)/2 ||w||^2``                      ``l2 = (1-rho)/C``
PoissonRegressor       ``1/(2S) sum s deviance + alpha/2 ||w||^2``  ``l2 = S alpha``
=====================  =========================================  =====================

(``rho = l1_ratio``.) ``Lasso``/``ElasticNet`` rescale ``sample_weight`` to sum to
``n_samples`` internally, which is the same as using the weighted *average* loss above,
and ``PoissonRegressor`` uses the weighted average deviance; hence their ``S``. ``Ridge``
and ``LogisticRegression`` use weighted *sums* and need no ``S``. As priors: ``l2 =
1/tau^2`` (Gaussian ``N(0, tau^2)``) and ``l1 = 1/b`` (Laplace with scale ``b``), e.g.
Ridge ``alpha = sigma^2/tau^2`` and Lasso ``alpha = sigma^2/(n b)``.

(scikit-learn is a dependency; this is the sklearn layer, on top of the inference layer.)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special
from sklearn import linear_model as lm
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ..base._penalties import Penalty, gaussian_alpha, gaussian_precisions
from ..families._family import BernoulliFamily, GaussianFamily, PoissonFamily

__all__ = ["penalty_from_sklearn", "sklearn_from_penalty", "sklearn_objective",
           "split_pipeline", "standardized_pipeline", "fit_with_weights", "twin_estimator",
           "twin_strength", "TWINS"]

#: the family of each supported scikit-learn estimator (the inverse of :data:`TWINS`)
_FAMILY_OF = {
    "Ridge": GaussianFamily(),
    "Lasso": GaussianFamily(),
    "ElasticNet": GaussianFamily(),
    "LogisticRegression": BernoulliFamily(),
    "PoissonRegressor": PoissonFamily(),
}
_MAPPED = {"alpha", "l1_ratio", "C", "fit_intercept", "penalty"}


# -------------------------------------------------------------------------------------
# the twin of each family: one registry, keyed by the family's class
# -------------------------------------------------------------------------------------


def _gaussian_twin(l1_ratio: float, tight: bool):
    if l1_ratio == 0.0:
        return lm.Ridge, "alpha", (dict(solver="cholesky") if tight else {})
    kw = dict(tol=1e-12, max_iter=100_000) if tight else {}
    if l1_ratio == 1.0:
        return lm.Lasso, "alpha", kw
    return lm.ElasticNet, "alpha", dict(kw, l1_ratio=l1_ratio)


def _logistic_twin(l1_ratio: float, tight: bool):
    # saga is the one solver for an L1 penalty with an unpenalized intercept
    if l1_ratio > 0.0:
        kw = dict(solver="saga", tol=1e-12, max_iter=100_000) if tight else dict(solver="saga")
    else:
        kw = dict(solver="newton-cholesky", tol=1e-12, max_iter=1_000) if tight else {}
    return lm.LogisticRegression, "C", dict(kw, l1_ratio=l1_ratio)


def _gaussian_strength(l1, l2, sigma, S):
    _, alpha, rho = gaussian_alpha(l1, l2, sigma, S)
    return float(alpha), float(rho)


def _logistic_strength(l1, l2, sigma, S):
    total = l1 + l2
    return (math.inf, 0.0) if total == 0 else (1.0 / total, l1 / total)


def _poisson_strength(l1, l2, sigma, S):
    return l2 / S, (1.0 if l1 > 0 else 0.0)


def _poisson_twin(l1_ratio: float, tight: bool):
    if l1_ratio > 0.0:
        raise ValueError(
            "PoissonRegressor has no L1 penalty (l1 > 0 in the spec); set l1=0 or use "
            "bayesreg's fit_map(family=get_family('poisson'), l1=...) directly."
        )
    kw = dict(solver="newton-cholesky", tol=1e-12, max_iter=1_000) if tight else {}
    return lm.PoissonRegressor, "alpha", kw


#: The scikit-learn twin of each family class, a pair of functions: ``(l1_ratio, tight)
#: -> (estimator class, strength parameter ("alpha" or "C"), constructor defaults)`` and
#: ``(l1, l2, sigma, S) -> (strength, l1_ratio)`` (the penalty weights of
#: :func:`bayesreg.base.fit_map` in the estimator's scaling; see
#: :func:`penalty_from_sklearn`). Filled here, explicitly; families without an entry
#: (student_t, negative_binomial: scikit-learn has no such estimator) have no twin.
TWINS = {GaussianFamily: (_gaussian_twin, _gaussian_strength),
         BernoulliFamily: (_logistic_twin, _logistic_strength),
         PoissonFamily: (_poisson_twin, _poisson_strength)}


def _twin_entry(family):
    entry = TWINS.get(type(family))
    if entry is None:
        raise ValueError(f"family={family.name!r} has no scikit-learn twin; the families "
                         f"with one are {sorted(f.name for f in TWINS)}.")
    return entry


def twin_strength(family) -> str | None:
    """The strength parameter of ``family``'s scikit-learn twin: ``"alpha"``, ``"C"``
    (LogisticRegression), or ``None`` when the family has no twin."""
    entry = TWINS.get(type(family))
    return None if entry is None else entry[0](0.0, False)[1]


def twin_estimator(family, l1_ratio: float, strength: float, *, fit_intercept: bool = True,
                   tight: bool = False, **estimator_kwargs):
    """The unfitted scikit-learn estimator of ``family`` with penalty mix ``l1_ratio``
    (0: L2, 1: L1) and strength ``strength`` (its ``alpha``, or ``C`` for
    LogisticRegression): the one place where a family's twin is chosen.

    * gaussian: ``Ridge`` (``l1_ratio = 0``), ``Lasso`` (1), else ``ElasticNet``;
    * bernoulli: ``LogisticRegression(l1_ratio=...)``, ``solver='saga'`` when
      ``l1_ratio > 0``;
    * poisson: ``PoissonRegressor`` (L2 only).

    ``tight=True`` adds the tolerances under which the twin's solution agrees with
    bayesreg's MAP to ~1e-9; ``estimator_kwargs`` override the defaults.

    Raises
    ------
    ValueError
        For a family without a scikit-learn twin, or a penalty the twin lacks.
    """
    cls, name, kw = _twin_entry(family)[0](float(l1_ratio), tight)
    kw.update(estimator_kwargs)
    if cls is lm.LogisticRegression and kw.get("solver") == "liblinear" and fit_intercept:
        raise ValueError(
            "solver='liblinear' penalizes the intercept; use solver='saga' or "
            "fit_intercept=False."
        )
    return cls(**{name: strength, "fit_intercept": bool(fit_intercept), **kw})


# -------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------


def _weight_sum(n_samples: int, sample_weight) -> float:
    """``S = sum(sample_weight)``, or ``n_samples`` when there are no weights."""
    if sample_weight is None:
        return float(n_samples)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:  # scikit-learn treats a scalar weight as no weights
        return float(n_samples)
    if sw.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},); got {sw.shape}.")
    total = float(sw.sum())
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum.")
    return total


def estimator_kind(estimator) -> str:
    """The supported scikit-learn class of ``estimator`` (exact class, no subclasses)."""
    for name in _FAMILY_OF:
        if type(estimator) is getattr(lm, name):
            return name
    raise ValueError(
        f"Unsupported estimator {type(estimator).__name__}; supported: "
        f"{', '.join(_FAMILY_OF)}."
    )


def _scalar_alpha(alpha, name: str) -> float:
    arr = np.asarray(alpha, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(
            f"{name}: alpha must be a single number (one target); got shape {arr.shape}. "
            "Fit one estimator per target."
        )
    return float(arr.reshape(()))


def _check_not_positive(estimator, name: str) -> None:
    if getattr(estimator, "positive", False):
        raise ValueError(
            f"{name}(positive=True) constrains the coefficients to be >= 0, which is a "
            "truncated prior that fit_map does not support. Use positive=False."
        )


def _logistic_rho_C(est) -> tuple[float, float]:
    """Effective ``(l1_ratio, C)`` of a LogisticRegression, honouring ``penalty``."""
    penalty = getattr(est, "penalty", "deprecated")
    C = float(est.C)
    rho = est.l1_ratio
    if penalty == "deprecated":
        rho = 0.0 if rho is None else float(rho)
    elif penalty is None or penalty == "none":
        return 0.0, math.inf
    elif penalty == "l2":
        rho = 0.0
    elif penalty == "l1":
        rho = 1.0
    elif penalty == "elasticnet":
        if rho is None:
            raise ValueError("LogisticRegression(penalty='elasticnet') needs l1_ratio; set it.")
        rho = float(rho)
    else:
        raise ValueError(f"Unsupported LogisticRegression penalty={penalty!r}.")
    return rho, C


def _check_logistic(est) -> None:
    if est.class_weight is not None:
        raise ValueError(
            "LogisticRegression(class_weight=...) is not supported: pass the class weights "
            "as sample_weight instead and set class_weight=None."
        )
    if est.solver == "liblinear" and est.fit_intercept:
        raise ValueError(
            "LogisticRegression(solver='liblinear', fit_intercept=True) penalizes the "
            "intercept (via intercept_scaling), which has no prior counterpart here. Use "
            "solver='saga' (L1/elastic net) or 'lbfgs'/'newton-cholesky' (L2), or "
            "fit_intercept=False."
        )
    classes = getattr(est, "classes_", None)
    if classes is not None and len(classes) > 2:
        raise ValueError(
            f"LogisticRegression was fitted on {len(classes)} classes; only binary "
            "(bernoulli) problems are supported. Fit one-vs-rest binary models instead."
        )


# -------------------------------------------------------------------------------------
# pipelines: StandardScaler + estimator is a standardize=True model
# -------------------------------------------------------------------------------------


def split_pipeline(estimator):
    """``(scaler or None, final estimator)`` of an estimator or of
    ``make_pipeline(StandardScaler(), estimator)``.

    The pipeline is the ``standardize=True`` model: ``StandardScaler`` with its defaults
    (``with_std=True``; ``with_mean=True`` with an intercept, ``with_mean=False`` for
    ``fit_intercept=False``, as :func:`standardized_pipeline` builds it). Other
    pipelines raise ValueError.
    """
    if not isinstance(estimator, Pipeline):
        return None, estimator
    steps = [step for _, step in estimator.steps if step not in (None, "passthrough")]
    if len(steps) != 2 or type(steps[0]) is not StandardScaler:
        raise ValueError(
            f"Only the pipeline make_pipeline(StandardScaler(), estimator) has a bayesreg "
            f"twin (a standardize=True model); got steps "
            f"{[type(s).__name__ for s in steps]}.")
    scaler, final = steps
    kind = estimator_kind(final)
    if not scaler.with_std or scaler.with_mean != bool(final.fit_intercept):
        raise ValueError(
            f"StandardScaler(with_mean={scaler.with_mean}, with_std={scaler.with_std}) before "
            f"{kind}(fit_intercept={final.fit_intercept}) has no bayesreg twin: "
            f"standardize=True scales every column and centres it exactly when there is an "
            f"intercept. Use StandardScaler(with_mean={bool(final.fit_intercept)}).")
    return scaler, final


def standardized_pipeline(estimator, fit_intercept: bool) -> Pipeline:
    """``make_pipeline(StandardScaler(with_mean=fit_intercept), estimator)``: the
    scikit-learn twin of a ``standardize=True`` model."""
    return make_pipeline(StandardScaler(with_mean=bool(fit_intercept)), estimator)


def fit_with_weights(estimator, X, y, sample_weight=None):
    """``estimator.fit(X, y, sample_weight)``; a pipeline passes the weights to every
    step (``<step>__sample_weight``: the scaler's weighted mean and variance too)."""
    if sample_weight is None:
        return estimator.fit(X, y)
    if isinstance(estimator, Pipeline):
        return estimator.fit(X, y, **{f"{name}__sample_weight": sample_weight
                                      for name, _ in estimator.steps})
    return estimator.fit(X, y, sample_weight=sample_weight)


# -------------------------------------------------------------------------------------
# public API
# -------------------------------------------------------------------------------------


def penalty_from_sklearn(estimator, n_samples: int, sample_weight=None,
                         sigma: float = 1.0) -> Penalty:
    """Translate a scikit-learn estimator's regularization into prior precisions.

    The returned ``l1``/``l2`` make :func:`bayesreg.base.fit_map` (called with the
    same ``sample_weight`` and ``fit_intercept``) minimize a positive multiple of the
    estimator's objective, so both have the same minimizer. With ``S = sum(s)``:

    * ``Ridge``: minimizes ``||sqrt(s) * (y - Xw - b)||_2^2 + alpha * ||w||_2^2``;
      dividing by ``2 sigma^2`` gives ``l1 = 0``, ``l2 = alpha / sigma^2``.
    * ``Lasso``: minimizes ``(1 / (2 S)) * sum_i s_i (y_i - x_i w - b)^2 + alpha *
      ||w||_1`` (its ``sample_weight`` is rescaled to sum to ``n_samples``, the same
      thing); multiplying by ``S / sigma^2`` gives ``l1 = S alpha / sigma^2``, ``l2 = 0``.
    * ``ElasticNet``: ``(1 / (2 S)) * sum_i s_i (y_i - x_i w - b)^2 + alpha * rho *
      ||w||_1 + 0.5 * alpha * (1 - rho) * ||w||_2^2`` gives ``l1 = S alpha rho /
      sigma^2``, ``l2 = S alpha (1 - rho) / sigma^2``.
    * ``LogisticRegression`` (binary): ``C * sum_i s_i logloss_i + rho * ||w||_1 +
      0.5 * (1 - rho) * ||w||_2^2``; dividing by ``C`` gives ``l1 = rho / C``,
      ``l2 = (1 - rho) / C`` (``C = inf``: no penalty). ``rho = l1_ratio``, or 0 / 1 / 0
      penalty for a non-deprecated ``penalty`` of ``'l2'`` / ``'l1'`` / ``None``.
    * ``PoissonRegressor``: ``(1 / (2 S)) * sum_i s_i deviance_i + 0.5 * alpha *
      ||w||_2^2`` with ``deviance / 2 = e^eta - y eta + const``; multiplying by ``S``
      gives ``l2 = S alpha``.

    Parameters
    ----------
    estimator : Ridge, Lasso, ElasticNet, LogisticRegression or PoissonRegressor
        Fitted or not; only hyperparameters (and ``classes_`` if present) are read.
    n_samples : int
        Number of observations of the fit.
    sample_weight : array-like of shape (n_samples,), optional
        The weights passed to the estimator's ``fit`` (and to be passed to ``fit_map``).
    sigma : float
        Gaussian noise standard deviation (gaussian estimators only).

    Returns
    -------
    Penalty

    Raises
    ------
    ValueError
        Unsupported estimator or setting: ``positive=True``, multi-target ``alpha``,
        ``class_weight``, multiclass, ``solver='liblinear'`` with an intercept.
    """
    kind = estimator_kind(estimator)
    S = _weight_sum(n_samples, sample_weight)
    fit_intercept = bool(estimator.fit_intercept)
    if kind in ("Ridge", "Lasso", "ElasticNet"):
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0; got {sigma}.")
        _check_not_positive(estimator, kind)
        alpha = _scalar_alpha(estimator.alpha, kind)
        rho = 1.0 if kind != "ElasticNet" else float(estimator.l1_ratio)
        l1, l2 = gaussian_precisions(kind.lower(), alpha, float(sigma), S, rho)
        return Penalty(_FAMILY_OF[kind], float(l1), float(l2), fit_intercept, float(sigma))
    if kind == "LogisticRegression":
        _check_logistic(estimator)
        rho, C = _logistic_rho_C(estimator)
        if math.isinf(C):
            return Penalty(_FAMILY_OF[kind], 0.0, 0.0, fit_intercept, None)
        return Penalty(_FAMILY_OF[kind], rho / C, (1.0 - rho) / C, fit_intercept, None)
    alpha = float(estimator.alpha)
    return Penalty(_FAMILY_OF[kind], 0.0, S * alpha, fit_intercept, None)


def sklearn_from_penalty(spec: Penalty, n_samples: int, sample_weight=None, *,
                         tight: bool = False, **estimator_kwargs):
    """Build the *unfitted* scikit-learn estimator whose objective matches ``spec``.

    The inverse of :func:`penalty_from_sklearn` (``S = sum(sample_weight)`` or
    ``n_samples``, ``sigma = spec.sigma``):

    * gaussian, ``l1 = 0``: ``Ridge(alpha = sigma^2 * l2)``;
    * gaussian, ``l2 = 0``: ``Lasso(alpha = sigma^2 * l1 / S)``;
    * gaussian, both > 0: ``ElasticNet(alpha = sigma^2 (l1 + l2) / S, l1_ratio = l1 /
      (l1 + l2))``;
    * bernoulli: ``LogisticRegression(C = 1 / (l1 + l2), l1_ratio = l1 / (l1 + l2))``
      (``C = inf`` when both are 0; ``solver='saga'`` by default when ``l1 > 0``, the
      only solver for an L1 penalty with an unpenalized intercept). ``penalty`` is never
      passed (deprecated in scikit-learn 1.8);
    * poisson: ``PoissonRegressor(alpha = l2 / S)``; ``l1 > 0`` has no counterpart.

    Parameters
    ----------
    spec : Penalty
    n_samples : int
    sample_weight : array-like of shape (n_samples,), optional
        The weights that will be passed to the estimator's ``fit``.
    tight : bool, default False
        Use the solver settings under which the estimator's solution agrees with
        bayesreg's MAP to ~1e-9 (see :func:`twin_estimator`).
    **estimator_kwargs
        Other constructor arguments (``tol``, ``max_iter``, ``solver`` ...); the mapped
        ones (``alpha``, ``C``, ``l1_ratio``, ``fit_intercept``, ``penalty``) are refused.

    Returns
    -------
    sklearn estimator (unfitted)
    """
    clash = _MAPPED.intersection(estimator_kwargs)
    if clash:
        raise ValueError(
            f"{sorted(clash)} are set from the Penalty; do not pass them as "
            "estimator_kwargs (change the spec instead)."
        )
    if spec.l1 < 0 or spec.l2 < 0 or not (np.isfinite(spec.l1) and np.isfinite(spec.l2)):
        raise ValueError(f"Penalty needs finite l1, l2 >= 0; got {spec.l1}, {spec.l2}.")
    S = _weight_sum(n_samples, sample_weight)
    sigma = 1.0 if spec.sigma is None else spec.sigma
    strength, rho = _twin_entry(spec.family)[1](float(spec.l1), float(spec.l2), sigma, S)
    return twin_estimator(spec.family, rho, strength, fit_intercept=spec.fit_intercept,
                          tight=tight, **estimator_kwargs)


def sklearn_objective(estimator, X, y, sample_weight=None, *, coef=None,
                      intercept=None) -> float:
    """Value of a *fitted* estimator's own objective, in scikit-learn's scaling.

    ``coef`` / ``intercept`` evaluate the objective at another point (e.g. the
    bayesreg MAP); then the estimator need not be fitted (for LogisticRegression ``y``
    must then be 0/1 or the estimator fitted, to know ``classes_``).

    With ``eta = X @ coef_ + intercept_``, ``s = sample_weight`` (default ones),
    ``S = sum(s)`` and ``rho = l1_ratio``:

    * ``Ridge``: ``sum_i s_i (y_i - eta_i)^2 + alpha * ||w||_2^2``
    * ``Lasso``: ``1/(2S) sum_i s_i (y_i - eta_i)^2 + alpha * ||w||_1``
    * ``ElasticNet``: ``1/(2S) sum_i s_i (y_i - eta_i)^2 + alpha rho ||w||_1
      + alpha (1 - rho)/2 ||w||_2^2``
    * ``LogisticRegression``: ``C sum_i s_i (log(1 + e^eta_i) - y_i eta_i) + rho ||w||_1
      + (1 - rho)/2 ||w||_2^2`` with ``y_i = 1`` for ``classes_[1]``; for ``C = inf``
      (no penalty) the unscaled ``sum_i s_i logloss_i`` is returned.
    * ``PoissonRegressor``: ``1/(2S) sum_i s_i deviance_i + alpha/2 ||w||_2^2`` with
      ``deviance = 2 (y log(y/mu) - y + mu)``, ``mu = e^eta``.

    Returns
    -------
    float
    """
    kind = estimator_kind(estimator)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    S = float(s.sum())
    w = np.ravel(estimator.coef_ if coef is None else coef).astype(np.float64)
    if intercept is None:
        intercept = (np.ravel(estimator.intercept_)[0] if np.ndim(estimator.intercept_)
                     else estimator.intercept_)
    eta = X @ w + float(intercept)
    l1n, l2sq = float(np.abs(w).sum()), float(w @ w)
    if kind == "Ridge":
        r = y.astype(np.float64) - eta
        return float(s @ (r * r)) + _scalar_alpha(estimator.alpha, kind) * l2sq
    if kind in ("Lasso", "ElasticNet"):
        r = y.astype(np.float64) - eta
        rho = 1.0 if kind == "Lasso" else float(estimator.l1_ratio)
        a = float(estimator.alpha)
        return float(s @ (r * r)) / (2 * S) + a * rho * l1n + 0.5 * a * (1 - rho) * l2sq
    if kind == "LogisticRegression":
        _check_logistic(estimator)
        rho, C = _logistic_rho_C(estimator)
        classes = getattr(estimator, "classes_", None)
        yy = (y == (1 if classes is None else classes[1])).astype(np.float64)
        loss = float(s @ (np.logaddexp(0.0, eta) - yy * eta))
        if math.isinf(C):
            return loss
        return C * loss + rho * l1n + 0.5 * (1 - rho) * l2sq
    yf = y.astype(np.float64)
    mu = np.exp(eta)
    dev = 2.0 * (special.xlogy(yf, yf) - special.xlogy(yf, mu) - yf + mu)
    return float(s @ dev) / (2 * S) + 0.5 * float(estimator.alpha) * l2sq
