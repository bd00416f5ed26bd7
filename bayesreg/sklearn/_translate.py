"""scikit-learn estimators <-> bayesreg models whose MAP is the estimator's fit.

Every supported estimator minimizes a positive multiple of the negative log posterior
``F`` of :func:`bayesreg.map_estimate` (see :mod:`bayesreg.sklearn._twins` for the
objectives). With ``s`` the ``sample_weight`` given to ``fit`` (default ones), ``S =
sum(s)`` (``= n_samples`` without weights), ``rho = l1_ratio`` and ``sigma`` the fixed
gaussian noise scale, the exact mappings are

=====================  ====================================================
estimator              prior on each coefficient
=====================  ====================================================
Ridge(alpha)           ``Gaussian(tau)``, ``alpha = sigma^2 / tau^2``
Lasso(alpha)           ``Laplace(b)``, ``alpha = sigma^2 / (S b)``
ElasticNet(alpha, rho) ``ElasticNetPrior(b, tau)``, ``b = sigma^2 / (S alpha rho)``,
                       ``tau^2 = sigma^2 / (S alpha (1 - rho))``
LogisticRegression(C)  L2 (``rho = 0``): ``Gaussian(tau)``, ``tau^2 = C``;
                       L1 (``rho = 1``): ``Laplace(b)``, ``b = C``;
                       elastic net: ``ElasticNetPrior(C / rho, sqrt(C / (1 - rho)))``
PoissonRegressor       ``Gaussian(tau)``, ``tau^2 = 1 / (S alpha)``
=====================  ====================================================

``make_pipeline(StandardScaler(), estimator)`` maps to the same prior on a
``standardize=True`` model: the prior is on the coefficients of the standardized
predictors, which are the pipeline's final ``coef_`` (``StandardScaler`` uses ``ddof=0``
and, given ``sample_weight``, the weighted mean and variance, as the model does); fit
the pipeline with the weights passed to both steps (``standardscaler__sample_weight``,
``ridge__sample_weight``, ...). A zero penalty (``alpha = 0``, ``C = inf``) maps to
``Flat()``. ``Ridge`` and
``LogisticRegression`` use weighted *sums* of losses, so their mapping has no ``S``;
``Lasso``/``ElasticNet`` (which rescale the weights to sum to ``n_samples``) and
``PoissonRegressor`` use weighted *averages*, hence ``S = sum(s)`` where the unweighted
formula has ``n_samples``. The intercept is unpenalized on both sides (``Flat``
intercept prior). The gaussian equivalence holds for any fixed ``sigma``: the MAP does
not depend on it once ``alpha`` is translated with the same ``sigma``; ``sigma`` only
matters for the posterior around the mode.


"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

from ..inference._map import MapEstimate, map_estimate, map_penalty
from ..inference._model import Model
from ..base._penalties import Penalty
from ..base._solvers import kkt_violation, map_objective
from ..priors._priors import ElasticNetPrior, Flat, Gaussian, Laplace
from ..inference._standardize import Standardization
from ..utils._validation import (
    check_aligned,
    check_positive_float,
    check_sample_weight,
    check_X,
    check_y,
)
from ._twins import (
    estimator_kind,
    fit_with_weights,
    penalty_from_sklearn,
    sklearn_from_penalty,
    sklearn_objective,
    split_pipeline,
    standardized_pipeline,
)
from ._noise import plug_in_sigma, residual_sigma

__all__ = ["from_sklearn", "to_sklearn", "compare_map", "MapComparison", "residual_sigma"]


# -------------------------------------------------------------------------------------
# sklearn -> Model
# -------------------------------------------------------------------------------------
def _check_hyperparameters(step) -> None:
    """Refuse invalid hyperparameters of a scikit-learn estimator with its own message
    ("The 'alpha' parameter of Ridge must be ... Got -1.0 instead.").

    Through public API only: scikit-learn's ``fit`` checks the hyperparameters before it
    looks at the data, so a clone is fitted to zero rows. Its parameter error (a
    ``ValueError`` that is also a ``TypeError``) propagates; the error about the empty
    data that follows valid hyperparameters is the expected outcome.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            clone(step).fit(np.empty((0, 1)), np.empty(0))
        except TypeError:
            raise
        except ValueError:
            pass


def _prior_from_penalty(l1: float, l2: float):
    if l1 > 0 and l2 > 0:
        return ElasticNetPrior(l1_scale=1.0 / l1, l2_scale=1.0 / math.sqrt(l2))
    if l1 > 0:
        return Laplace(scale=1.0 / l1)
    if l2 > 0:
        return Gaussian(scale=1.0 / math.sqrt(l2))
    return Flat()


def _binary_y(estimator, y):
    """``y`` as 0/1 for LogisticRegression (``1`` = ``classes_[1]``, as in scikit-learn)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D for LogisticRegression; got shape {y.shape}.")
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(
            f"LogisticRegression: y has {len(classes)} classes; only binary (bernoulli) "
            f"problems are supported. Fit one-vs-rest binary models instead."
        )
    if not np.all(np.isin(y, classes)):
        raise ValueError(f"y has labels outside the estimator's classes_ {list(classes)}.")
    return (y == classes[1]).astype(np.float64)


def from_sklearn(estimator, X, y, sample_weight=None, sigma: float | None = None):
    """The :class:`bayesreg.Model` whose MAP equals ``estimator.fit(X, y, sample_weight)``.

    Mappings (``S = sum(sample_weight)``, ``= n_samples`` without weights; ``rho =
    l1_ratio``; the intercept prior is ``Flat()``, unpenalized, as in scikit-learn):

    * ``Ridge(alpha)`` -> ``Gaussian(tau)`` with ``alpha = sigma^2 / tau^2``, i.e.
      ``tau = sigma / sqrt(alpha)`` (``sum s r^2 + alpha ||w||^2``: a weighted sum).
    * ``Lasso(alpha)`` -> ``Laplace(b)`` with ``alpha = sigma^2 / (S b)``.
    * ``ElasticNet(alpha, l1_ratio=rho)`` -> ``ElasticNetPrior(b, tau)`` with ``b = sigma^2 /
      (S alpha rho)`` and ``tau^2 = sigma^2 / (S alpha (1 - rho))`` (``Laplace`` for
      ``rho = 1``, ``Gaussian`` for ``rho = 0``).
    * ``LogisticRegression(C, l1_ratio=rho)`` (binary) -> ``Gaussian(sqrt(C))`` (L2),
      ``Laplace(C)`` (L1) or ``ElasticNetPrior(C / rho, sqrt(C / (1 - rho)))``; ``C = inf``
      -> ``Flat()``. ``y`` is recoded to ``y == classes_[1]``.
    * ``PoissonRegressor(alpha)`` -> ``Gaussian(tau)`` with ``tau^2 = 1 / (S alpha)``.

    A zero penalty gives ``Flat()`` (maximum likelihood). A pipeline
    ``make_pipeline(StandardScaler(), estimator)`` gives the same prior on a
    ``standardize=True`` model, whose MAP ``coef``/``intercept`` are the pipeline's final
    ``coef_``/``intercept_`` (fitted with ``sample_weight`` passed to both steps).

    Parameters
    ----------
    estimator : Ridge, Lasso, ElasticNet, LogisticRegression or PoissonRegressor
        Fitted or not; only its hyperparameters are read (it is never modified). Or
        ``make_pipeline(StandardScaler(), estimator)`` (``with_mean=False`` when
        ``fit_intercept=False``).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), optional
        Strictly positive weights; the model carries them (``Model.sample_weight``).
    sigma : float, optional
        Fixed gaussian noise scale (gaussian estimators only). Default: a clone of the
        estimator is fitted to ``(X, y, sample_weight)`` and the plug-in
        ``sqrt(sum_i s_i r_i^2 / (S - df))`` of :func:`residual_sigma` is used. The MAP
        equals the estimator's fit for *any* fixed ``sigma``; ``sigma`` sets the
        posterior spread around it.

    Returns
    -------
    bayesreg.Model
        With ``sigma`` fixed (gaussian), so ``model.map()`` is the estimator's fit.

    Raises
    ------
    ValueError
        Unsupported estimator or setting (``positive=True``, ``class_weight``,
        multiclass, ``solver='liblinear'`` with an intercept, multi-target ``alpha``),
        ``sigma`` given for a non-gaussian estimator.
    """
    scaler, estimator = split_pipeline(estimator)
    kind = estimator_kind(estimator)
    for step in (scaler, estimator):  # invalid hyperparameters (alpha=-1, C=0, l1_ratio=2,
        if step is not None:          # fit_intercept="no") are refused, as fit() would
            _check_hyperparameters(step)
    check_aligned(X, y, sample_weight)
    Xa, _ = check_X(X)
    sw = check_sample_weight(sample_weight, Xa.shape[0])
    n = Xa.shape[0]
    if kind == "LogisticRegression":
        y_model = _binary_y(estimator, y)
    else:
        y_model = check_y(y, n)
    gaussian = kind in ("Ridge", "Lasso", "ElasticNet")
    if not gaussian and sigma is not None:
        raise ValueError(f"sigma applies to gaussian estimators (Ridge, Lasso, ElasticNet), "
                         f"not {kind}; leave it as None.")
    spec = penalty_from_sklearn(estimator, n, sw, sigma=1.0)  # validates the estimator
    if gaussian:
        if sigma is None:
            if scaler is not None:
                Xa = Standardization.fit(Xa, sw, center=spec.fit_intercept).transform(Xa)
            fitted = clone(estimator).fit(Xa, y_model, sample_weight=sw)
            sigma = plug_in_sigma(fitted, Xa, y_model, sw)
        else:
            sigma = check_positive_float(sigma, "sigma")
        spec = penalty_from_sklearn(estimator, n, sw, sigma=sigma)
    prior = _prior_from_penalty(spec.l1, spec.l2)
    return Model(X, y_model, prior=prior, family=spec.family,
                 fit_intercept=spec.fit_intercept, sigma=sigma if gaussian else None,
                 sample_weight=sw, standardize=scaler is not None)


# -------------------------------------------------------------------------------------
# Model -> sklearn
# -------------------------------------------------------------------------------------


def _spec_of(model, sigma=None) -> Penalty:
    pen = map_penalty(model, sigma)
    if pen.student_t is not None:
        raise ValueError(
            "A StudentT coefficient prior has no scikit-learn counterpart (the penalty "
            "log(1 + w^2/(nu s^2)) is not available there); use Gaussian, Laplace or "
            "ElasticNetPrior priors for to_sklearn/compare_map."
        )
    if pen.intercept_l1 or pen.intercept_l2:
        raise ValueError(
            "scikit-learn never penalizes the intercept, so a Gaussian/Laplace intercept "
            "prior has no counterpart; use intercept_prior=None (Flat) for "
            "to_sklearn/compare_map."
        )
    return pen


def to_sklearn(model, *, sigma: float | None = None, **estimator_kwargs):
    """The *unfitted* scikit-learn estimator whose fit equals ``model.map()``.

    Inverse of :func:`from_sklearn` (``S = sum(model.sample_weight)`` or ``n_samples``;
    ``sigma`` the fixed gaussian noise scale; ``l1 = 1/b``, ``l2 = 1/tau^2``):

    * gaussian + ``Gaussian(tau)`` -> ``Ridge(alpha = sigma^2 / tau^2)``;
      ``Flat()`` -> ``Ridge(alpha=0)`` (least squares);
    * gaussian + ``Laplace(b)`` -> ``Lasso(alpha = sigma^2 / (S b))``;
    * gaussian + ``ElasticNetPrior(b, tau)`` -> ``ElasticNet(alpha = sigma^2 (l1 + l2) / S,
      l1_ratio = l1 / (l1 + l2))``;
    * bernoulli -> ``LogisticRegression(C = 1 / (l1 + l2), l1_ratio = l1 / (l1 + l2))``
      (``C = inf`` for Flat; ``solver='saga'`` by default when ``l1 > 0``); ``penalty``
      is never passed (deprecated in scikit-learn >= 1.8);
    * poisson + ``Gaussian(tau)`` -> ``PoissonRegressor(alpha = 1 / (S tau^2))``.

    A ``standardize=True`` model gives ``make_pipeline(StandardScaler(with_mean=
    fit_intercept), estimator)``, whose final ``coef_``/``intercept_`` are the MAP's
    ``coef``/``intercept`` (the standardized scale) when it is fitted on
    ``model.X_original`` with the weights passed to both steps
    (``standardscaler__sample_weight=w``, ``ridge__sample_weight=w``, ...).

    Fit the result with ``sample_weight=model.sample_weight``. The round trip
    ``to_sklearn(from_sklearn(est, X, y))`` gives back ``est``'s class and
    hyperparameters, except that the boundary cases ``ElasticNet(l1_ratio=1)`` and
    ``ElasticNet(l1_ratio=0)`` come back as the equivalent ``Lasso(alpha)`` and
    ``Ridge(alpha = S * alpha)`` (same objective, same fit).

    Parameters
    ----------
    model : bayesreg.Model
    sigma : float, optional
        Overrides ``model.sigma`` (required when it is a prior), as in :func:`map_estimate`.
    **estimator_kwargs
        Other constructor arguments (``tol``, ``max_iter``, ``solver``...).

    Raises
    ------
    ValueError
        Priors without a scikit-learn twin (StudentT, hyperpriors, non-zero loc,
        penalized intercept, Laplace prior with the poisson family).
    """
    spec = _spec_of(model, sigma)
    est = sklearn_from_penalty(spec, model.n_samples, model.sample_weight, **estimator_kwargs)
    if model.standardization is None:
        return est
    return standardized_pipeline(est, model.fit_intercept)


# -------------------------------------------------------------------------------------
# comparison
# -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapComparison:
    """bayesreg MAP against its scikit-learn twin, fitted on the same data.

    Attributes
    ----------
    estimator : sklearn estimator
        The fitted twin (a ``Pipeline`` for a standardized model).
    map : MapEstimate
    max_abs_dcoef : float
        ``max_j |coef_j(bayesreg) - coef_j(sklearn)|``.
    abs_dintercept : float
    same_zero_set : bool
        The exact zeros coincide (always ``True`` without L1).
    objective : dict
        ``{"bayesreg": F(map), "sklearn": F(sklearn)}``: the bayesreg negative log
        posterior at both solutions (common scaling; lower is better).
    sklearn_objective : dict
        The estimator's own objective (scikit-learn's scaling) at both solutions.
    kkt_violation : dict
        ``fit_map``'s optimality certificate at both solutions.
    sklearn_converged : bool
        ``False`` when scikit-learn raised a ConvergenceWarning.
    """

    estimator: object
    map: MapEstimate
    max_abs_dcoef: float
    abs_dintercept: float
    same_zero_set: bool
    objective: dict = field(default_factory=dict)
    sklearn_objective: dict = field(default_factory=dict)
    kkt_violation: dict = field(default_factory=dict)
    n_nonzero: dict = field(default_factory=dict)
    intercept: dict = field(default_factory=dict)
    sklearn_converged: bool = True

    def to_frame(self):
        """One row per solution (bayesreg, sklearn); differences in ``attrs``."""
        rows = ["bayesreg", "sklearn"]
        df = pd.DataFrame({
            "objective F (bayesreg)": [self.objective[r] for r in rows],
            "objective (sklearn scaling)": [self.sklearn_objective[r] for r in rows],
            "kkt_violation": [self.kkt_violation[r] for r in rows],
            "n_nonzero": [self.n_nonzero[r] for r in rows],
            "intercept": [self.intercept[r] for r in rows],
        }, index=pd.Index(rows, name="solution"))
        df.attrs.update(max_abs_dcoef=self.max_abs_dcoef, abs_dintercept=self.abs_dintercept,
                        same_zero_set=self.same_zero_set,
                        sklearn_converged=self.sklearn_converged)
        return df

    def _header(self) -> str:
        steps = getattr(self.estimator, "steps", [(None, self.estimator)])
        name = " + ".join(type(step).__name__ for _, step in steps)
        return (f"MAP vs {name}: max|dcoef| = "
                f"{self.max_abs_dcoef:.3g}, |dintercept| = {self.abs_dintercept:.3g}, "
                f"same zero set: {self.same_zero_set}, sklearn converged: "
                f"{self.sklearn_converged}")

    def __str__(self) -> str:
        return f"{self._header()}\n{self.to_frame().to_string(float_format='{:.10g}'.format)}"

    def __repr__(self) -> str:
        return f"MapComparison({self._header()})"

    def _repr_html_(self) -> str:
        return f"<p>{self._header()}</p>{self.to_frame().to_html(float_format='{:.10g}'.format)}"


def compare_map(model, *, sigma: float | None = None, tol: float = 1e-12,
                **sklearn_kwargs) -> MapComparison:
    """Fit ``model.map()`` and its scikit-learn twin (:func:`to_sklearn`) and compare.

    The twin is fitted on ``(model.X_original, model.y, model.sample_weight)`` (a
    standardized model's twin is a pipeline, see :func:`to_sklearn`: its final step is
    compared, on the standardized scale) with tight
    settings unless overridden: Ridge ``solver='cholesky'``; Lasso/ElasticNet
    ``tol=1e-12, max_iter=100000``; LogisticRegression ``solver='newton-cholesky'``
    (L2) or ``'saga'`` (L1/elastic net) with ``tol=1e-12``; PoissonRegressor
    ``solver='newton-cholesky', tol=1e-12``. ``saga`` can be slow to reach high
    accuracy for weak L1 penalties: compare the objectives and KKT violations then.

    Parameters
    ----------
    model : bayesreg.Model
    sigma : float, optional
        Fixed gaussian noise scale override (see :func:`map_estimate`).
    tol : float, default 1e-12
        Tolerance of the bayesreg MAP.
    **sklearn_kwargs
        Constructor arguments for the scikit-learn estimator (override the defaults).

    Returns
    -------
    MapComparison
    """
    spec = _spec_of(model, sigma)
    est = sklearn_from_penalty(spec, model.n_samples, model.sample_weight, tight=True,
                               **sklearn_kwargs)
    twin = est if model.standardization is None else \
        standardized_pipeline(est, model.fit_intercept)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SklearnConvergenceWarning)
        fit_with_weights(twin, model.X_original, model.y, model.sample_weight)
    est = est if twin is est else twin[-1]
    converged = not any(issubclass(w.category, SklearnConvergenceWarning) for w in caught)
    mp = map_estimate(model, sigma=sigma, tol=tol, max_iter=100_000)
    w_b = mp.coef.values
    w_s = np.ravel(est.coef_).astype(np.float64)
    b_s = float(np.ravel(est.intercept_)[0]) if np.ndim(est.intercept_) else float(
        est.intercept_)
    kw_obj = dict(family=spec.family, l1=spec.l1, l2=spec.l2,
                  sigma=1.0 if spec.sigma is None else spec.sigma,
                  sample_weight=model.sample_weight, aux=spec.aux)
    X, y, s = model.X, model.y, model.sample_weight
    return MapComparison(
        estimator=twin,
        map=mp,
        max_abs_dcoef=float(np.max(np.abs(w_b - w_s), initial=0.0)),
        abs_dintercept=abs(mp.intercept - b_s),
        same_zero_set=bool(np.array_equal(w_b == 0, w_s == 0)),
        objective={"bayesreg": map_objective(X, y, w_b, mp.intercept, **kw_obj),
                   "sklearn": map_objective(X, y, w_s, b_s, **kw_obj)},
        sklearn_objective={
            "bayesreg": sklearn_objective(est, X, y, s, coef=w_b, intercept=mp.intercept),
            "sklearn": sklearn_objective(est, X, y, s)},
        kkt_violation={
            "bayesreg": mp.kkt_violation,
            "sklearn": kkt_violation(X, y, w_s, b_s, fit_intercept=spec.fit_intercept,
                                     **kw_obj)},
        n_nonzero={"bayesreg": int(np.count_nonzero(w_b)), "sklearn": int(np.count_nonzero(w_s))},
        intercept={"bayesreg": mp.intercept, "sklearn": b_s},
        sklearn_converged=converged,
    )
