r"""scikit-learn estimators whose MAP is the scikit-learn fit and whose posterior is sampled.

=========================================  ==============================================
estimator                                  ``method="map"`` equals
=========================================  ==============================================
``BayesRidge(alpha)``                      ``Ridge(alpha)``
``BayesRidge(alpha="evidence")``           ``BayesianRidge()`` (empirical Bayes)
``BayesLasso(alpha)``                      ``Lasso(alpha)``
``BayesElasticNet(alpha, l1_ratio)``       ``ElasticNet(alpha, l1_ratio)``
``BayesLogisticRegression(C, l1_ratio)``   ``LogisticRegression(C=C, l1_ratio=l1_ratio)``
                                           (binary)
``BayesPoissonRegressor(alpha)``           ``PoissonRegressor(alpha)``
=========================================  ==============================================

Each estimator builds the unfitted scikit-learn twin of its hyperparameters and turns it
into a :class:`bayesreg.Model` with :func:`bayesreg.from_sklearn`, whose MAP is exactly
that twin's fit (the objectives and prior densities are in each class's docstring and in
:mod:`bayesreg.sklearn._translate`). ``method="sample"`` samples the same model's posterior
(``coef_`` is then the posterior mean, with ``coef_std_``, ``coef_interval_`` and the
whole fit in ``idata_``); a prior object in place of ``alpha`` (or ``C``) puts a
hyperprior on the coefficient prior's scale, so the strength is learned from the data.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special
from sklearn.base import ClassifierMixin
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge
from sklearn.metrics import d2_tweedie_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..families._family import BernoulliFamily, PoissonFamily
from ..occam._empirical import empirical_bayes
from ..utils._validation import BOOLEAN, StrOptions
from ._base import (
    NONE,
    PRIOR,
    BayesLinearModel,
    BayesRegressor,
    docs,
    expected_failed_checks,
    float_range,
    predictive_variance,
)
from ._translate import from_sklearn

__all__ = ["BayesRidge", "BayesLasso", "BayesElasticNet", "BayesLogisticRegression",
           "BayesPoissonRegressor", "expected_failed_checks"]

_STRENGTH = [float_range(0), PRIOR]
_NONCENTERED = [BOOLEAN, StrOptions(("auto",))]
_GAUSSIAN_CONSTRAINTS = {**BayesLinearModel._parameter_constraints, "alpha": _STRENGTH,
                         "sigma": [float_range(0, closed="neither"), PRIOR, NONE],
                         "noncentered": _NONCENTERED}


@docs
class BayesRidge(BayesRegressor):
    r"""Bayesian ridge regression with ``Ridge``'s ``alpha``.

    ``method="map"`` minimizes ``Ridge``'s objective (``s`` the ``sample_weight``)

    .. math:: \|\sqrt{s}\,(y - Xw - b)\|_2^2 + \alpha \|w\|_2^2,

    which is ``2 sigma^2`` times the negative log posterior of

    .. math:: y_i \sim \mathcal N(b + x_i^\top w,\ \sigma^2 / s_i), \qquad
              p(w_j) = \frac{1}{\sqrt{2\pi}\,\tau} e^{-w_j^2 / (2\tau^2)}, \qquad
              \tau = \sigma / \sqrt{\alpha}, \qquad p(b) \propto 1,

    so ``coef_`` and ``intercept_`` equal ``Ridge(alpha).fit(X, y, sample_weight)``'s.
    ``method="sample"`` draws from that posterior (Gaussian: ``sampler="exact"``).

    Parameters
    ----------
    alpha : float >= 0, "evidence" or Prior, default=1.0
        ``Ridge``'s strength (``0`` is least squares). ``"evidence"``: choose ``alpha``
        and ``sigma`` by empirical Bayes (maximum evidence, :func:`bayesreg.empirical_bayes`),
        which reproduces ``BayesianRidge()``. A positive prior (e.g. ``HalfNormal(1.0)``)
        is a hyperprior on ``tau``: ``tau ~ alpha``, ``w_j | tau ~ N(0, tau^2)``, and
        ``sigma`` gets the prior ``HalfStudentT(3, std(y))`` unless given; needs
        ``method="sample"``.
    {sigma}
    {noncentered}
    {common}

    Attributes
    ----------
    alpha_ : float
        The ``Ridge`` strength: ``alpha``; the evidence maximizer ``lambda / alpha`` of
        ``BayesianRidge``; or, with a hyperprior, the posterior median of ``sigma^2 /
        tau^2``.
    sigma_ : float
        The noise scale used (posterior mean when it has a prior).
    noise_precision_, weight_precision_ : float
        ``alpha="evidence"`` only: ``BayesianRidge``'s ``alpha_`` (``1 / sigma^2``) and
        ``lambda_`` (``1 / tau^2``).
    coef_cov_ : ndarray of shape (n_features, n_features)
        ``alpha="evidence"`` only: the posterior covariance (``BayesianRidge.sigma_``).
    X_offset_ : ndarray of shape (n_features,)
        ``alpha="evidence"`` only: the weighted mean of ``X`` (zeros without intercept).
    scores_, n_iter_ :
        ``alpha="evidence"`` only: the log evidence at each iteration, iterations run.
    {attributes}

    Examples
    --------
    >>> import numpy as np, bayesreg as br
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3)); y = X @ [1.0, 0.0, -2.0] + rng.normal(size=50)
    >>> br.BayesRidge(alpha=1.0).fit(X, y).coef_.round(2)          # doctest: +SKIP
    >>> br.BayesRidge(alpha=1.0, method="sample", sampler="exact",
    ...               random_state=0).fit(X, y).coef_interval_     # doctest: +SKIP
    """

    _parameter_constraints = {**_GAUSSIAN_CONSTRAINTS,
                              "alpha": _STRENGTH + [StrOptions(("evidence",))]}

    def _twin(self, strength):
        return Ridge(alpha=strength, fit_intercept=self.fit_intercept)

    def _evidence_model(self, data, y, sample_weight):
        if self.sigma is not None:
            raise ValueError("BayesRidge(alpha='evidence') chooses sigma as well (it is "
                             f"BayesianRidge's 1/sqrt(alpha_)); leave sigma=None, got "
                             f"{self.sigma!r}.")
        base = from_sklearn(self._twin(1.0), data, y, sample_weight=sample_weight, sigma=1.0)
        res, tuned = empirical_bayes(base)
        self.noise_precision_ = float(res.noise_precision)
        self.weight_precision_ = float(res.prior_precision)
        self.alpha_ = float(res.prior_precision / res.noise_precision)
        self.coef_cov_ = np.asarray(res.posterior_cov)
        self.scores_ = np.asarray(res.scores)
        self.n_iter_ = int(res.n_iter)
        self.X_offset_ = (np.average(base.X, axis=0, weights=base.sample_weight)
                          if self.fit_intercept else np.zeros(base.n_features))
        return tuned

    def _map_predictive_var(self, X):
        if not isinstance(self.alpha, str):
            return super()._map_predictive_var(X)
        # as BayesianRidge.predict: the coefficients' uncertainty x' Cov x and the noise
        # 1/alpha_ (the flat intercept's own variance, sigma^2 / sum(s), is left out, as
        # there); the Normal posterior of mu has that variance in closed form
        Xc = X - self.X_offset_
        return predictive_variance(self._family,
                                   np.einsum("ij,jk,ik->i", Xc, self.coef_cov_, Xc),
                                   X @ self.coef_ + self.intercept_,
                                   sigma=self.noise_precision_ ** -0.5)


@docs
class BayesLasso(BayesRegressor):
    r"""Bayesian lasso with ``Lasso``'s ``alpha``: a Laplace prior.

    ``method="map"`` minimizes ``Lasso``'s objective (``S = sum(s)``, ``s`` the
    ``sample_weight``; ``S = n_samples`` without weights)

    .. math:: \frac{1}{2S} \sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \|w\|_1,

    which is ``sigma^2 / S`` times the negative log posterior of

    .. math:: y_i \sim \mathcal N(b + x_i^\top w,\ \sigma^2 / s_i), \qquad
              p(w_j) = \frac{1}{2\beta} e^{-|w_j| / \beta}, \qquad
              \beta = \frac{\sigma^2}{S \alpha}, \qquad p(b) \propto 1,

    so ``coef_`` equals ``Lasso(alpha)``'s fit, exact zeros included. With
    ``method="sample"`` ``coef_`` is the posterior mean, which is never exactly zero.

    Parameters
    ----------
    alpha : float >= 0 or Prior, default=1.0
        ``Lasso``'s strength. A positive prior (e.g. ``HalfCauchy(1.0)``) is a
        hyperprior on ``beta`` (``w_j | beta ~ Laplace(0, beta)``; ``sigma`` gets the
        prior ``HalfStudentT(3, std(y))`` unless given); needs ``method="sample"``.
    {sigma}
    {noncentered}
    {common}

    Attributes
    ----------
    alpha_ : float
        ``alpha``, or with a hyperprior the posterior median of ``sigma^2 / (S beta)``.
    sigma_ : float
        The noise scale used (posterior mean when it has a prior).
    {attributes}
    """

    _parameter_constraints = dict(_GAUSSIAN_CONSTRAINTS)

    def _twin(self, strength):
        return Lasso(alpha=strength, fit_intercept=self.fit_intercept)


@docs
class BayesElasticNet(BayesRegressor):
    r"""Bayesian elastic net with ``ElasticNet``'s ``alpha`` and ``l1_ratio``.

    ``method="map"`` minimizes ``ElasticNet``'s objective (``S = sum(s)``, ``rho =
    l1_ratio``)

    .. math:: \frac{1}{2S} \sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha\rho \|w\|_1
              + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2,

    ``sigma^2 / S`` times the negative log posterior with ``y_i ~ N(b + x_i^T w,
    sigma^2 / s_i)``, a flat ``b`` and the elastic-net prior density

    .. math:: p(w_j) = \frac{1}{Z} \exp\left(-\frac{|w_j|}{\beta}
              - \frac{w_j^2}{2\tau^2}\right), \quad \beta = \frac{\sigma^2}{S\alpha\rho},
              \quad \tau^2 = \frac{\sigma^2}{S\alpha(1 - \rho)},

    (:class:`bayesreg.ElasticNetPrior`, ``Z`` its normalizer), so ``coef_`` equals
    ``ElasticNet(alpha, l1_ratio)``'s fit.

    Parameters
    ----------
    alpha : float >= 0, default=1.0
        ``ElasticNet``'s strength. (A hyperprior is refused: the two scales are tied
        through ``l1_ratio``, which a bayesreg prior cannot express; use ``BayesLasso``,
        ``BayesRidge`` or a :class:`bayesreg.Model` with its own ``ElasticNetPrior``.)
    l1_ratio : float in [0, 1], default=0.5
        ``rho``: ``1`` is the lasso, ``0`` the ridge penalty.
    {sigma}
    {common}

    Attributes
    ----------
    alpha_ : float
    sigma_ : float
        The noise scale used.
    {attributes}
    """

    _parameter_constraints = {
        **{k: v for k, v in _GAUSSIAN_CONSTRAINTS.items() if k != "noncentered"},
        "l1_ratio": [float_range(0, 1, "both")]}

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, sigma=None,
                 method="map", sampler="auto", draws=1000, tune=1000, chains=4,
                 random_state=None, ci_prob=0.94, progressbar=False, sampler_kwargs=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.sigma = sigma
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.random_state = random_state
        self.ci_prob = ci_prob
        self.progressbar = progressbar
        self.sampler_kwargs = sampler_kwargs

    def _twin(self, strength):
        return ElasticNet(alpha=strength, l1_ratio=self.l1_ratio,
                          fit_intercept=self.fit_intercept)


@docs
class BayesPoissonRegressor(BayesRegressor):
    r"""Bayesian Poisson regression (log link) with ``PoissonRegressor``'s ``alpha``.

    ``method="map"`` minimizes ``PoissonRegressor``'s objective (``S = sum(s)``)

    .. math:: \frac{1}{2S} \sum_i s_i\, d(y_i, e^{\eta_i}) + \frac{\alpha}{2} \|w\|_2^2,
              \qquad \eta_i = b + x_i^\top w,

    with the Poisson deviance ``d(y, mu) = 2 (y log(y / mu) - y + mu)``; it is ``1 / S``
    times the negative log posterior of

    .. math:: y_i \sim \mathrm{Poisson}(e^{\eta_i})^{s_i}, \qquad
              p(w_j) = \frac{1}{\sqrt{2\pi}\,\tau} e^{-w_j^2 / (2\tau^2)}, \qquad
              \tau^2 = \frac{1}{S\alpha}, \qquad p(b) \propto 1,

    so ``coef_`` equals ``PoissonRegressor(alpha)``'s fit; ``score`` is its ``D^2``.

    Non-integer targets (rates, e.g. ``counts / exposure`` with ``sample_weight=
    exposure``) are used exactly: the weighted log-likelihood ``s (y eta - e^eta)`` is
    linear in ``y``, so a row ``y = k + f`` (``0 < f < 1``) of weight ``s`` is split into
    ``y = k`` with weight ``s (1 - f)`` and ``y = k + 1`` with weight ``s f``, which
    leaves the posterior of ``(w, b)`` unchanged; ``model_`` holds the split rows.

    Parameters
    ----------
    alpha : float >= 0 or Prior, default=1.0
        ``PoissonRegressor``'s strength. A positive prior is a hyperprior on ``tau``
        (``w_j | tau ~ N(0, tau^2)``); needs ``method="sample"``.
    {noncentered}
    {common}

    Attributes
    ----------
    alpha_ : float
        ``alpha``, or with a hyperprior the posterior median of ``1 / (S tau^2)``.
    {attributes}
    """

    _family = PoissonFamily()
    _parameter_constraints = {**BayesLinearModel._parameter_constraints, "alpha": _STRENGTH,
                              "noncentered": _NONCENTERED}

    def __init__(self, *, alpha=1.0, fit_intercept=True, noncentered="auto", method="map",
                 sampler="auto", draws=1000, tune=1000, chains=4, random_state=None,
                 ci_prob=0.94, progressbar=False, sampler_kwargs=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.noncentered = noncentered
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.random_state = random_state
        self.ci_prob = ci_prob
        self.progressbar = progressbar
        self.sampler_kwargs = sampler_kwargs

    def _twin(self, strength):
        return PoissonRegressor(alpha=strength, fit_intercept=self.fit_intercept)

    def _prepare(self, X, y, sample_weight):
        if (y < 0).any():
            raise ValueError(f"{type(self).__name__} needs non-negative targets y (counts or "
                             f"rates); got {int((y < 0).sum())} negative value(s).")
        k = np.floor(y)
        f = y - k
        split = f > 0
        if not split.any():
            return X, y, sample_weight
        s = np.ones_like(y) if sample_weight is None else sample_weight
        X = np.concatenate([X, X[split]])
        y = np.concatenate([k, k[split] + 1.0])
        weight = np.concatenate([np.where(split, s * (1.0 - f), s), s[split] * f[split]])
        return X, y, weight

    def score(self, X, y, sample_weight=None):
        """``D^2``, the fraction of Poisson deviance explained (as ``PoissonRegressor``).

        ``D^2 = 1 - D(y, y_pred) / D(y, mean(y))`` with the (weighted) Poisson deviance.
        """
        return d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


@docs
class BayesLogisticRegression(ClassifierMixin, BayesLinearModel):
    r"""Bayesian binary logistic regression with ``LogisticRegression``'s ``C``.

    ``method="map"`` minimizes ``LogisticRegression``'s objective (``rho = l1_ratio``,
    ``y_i`` coded ``1`` for ``classes_[1]``)

    .. math:: C \sum_i s_i \left[\log(1 + e^{\eta_i}) - y_i \eta_i\right]
              + \rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2, \qquad \eta_i = b + x_i^\top w,

    which is ``C`` times the negative log posterior of ``y_i ~ Bernoulli(expit(eta_i))``
    (weight ``s_i``), a flat ``b`` and the prior density ``N(0, C)`` for ``rho = 0``
    (``tau = sqrt(C)``), ``Laplace(0, C)`` for ``rho = 1`` and the elastic-net density
    ``exp(-|w| / beta - w^2 / (2 tau^2)) / Z`` with ``beta = C / rho``, ``tau^2 = C / (1 -
    rho)`` in between. So ``coef_`` equals ``LogisticRegression(C=C, l1_ratio=rho)``'s.

    Parameters
    ----------
    C : float > 0 (``inf``: no penalty) or Prior, default=1.0
        Inverse strength, as in ``LogisticRegression``. A positive prior is a hyperprior
        on the prior scale (``tau`` for ``l1_ratio=0``, ``beta`` for ``1``); needs
        ``method="sample"``.
    l1_ratio : float in [0, 1], default=0.0
    {noncentered}
    {common}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two class labels; ``predict_proba[:, 1]`` is ``P(y = classes_[1])``.
    C_ : float
        ``C``, or with a hyperprior the posterior median of ``tau^2`` (``beta``).
    {attributes}

    Notes
    -----
    Binary problems only: ``fit`` raises ``ValueError`` for more classes.
    """

    _family = BernoulliFamily()
    _strength = "C"
    _parameter_constraints = {**BayesLinearModel._parameter_constraints,
                              "C": [float_range(0, math.inf, "right"), PRIOR],
                              "l1_ratio": [float_range(0, 1, "both")],
                              "noncentered": _NONCENTERED}

    def __init__(self, *, C=1.0, l1_ratio=0.0, fit_intercept=True, noncentered="auto",
                 method="map", sampler="auto", draws=1000, tune=1000, chains=4,
                 random_state=None, ci_prob=0.94, progressbar=False, sampler_kwargs=None):
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.noncentered = noncentered
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.random_state = random_state
        self.ci_prob = ci_prob
        self.progressbar = progressbar
        self.sampler_kwargs = sampler_kwargs

    def _twin(self, strength):
        return LogisticRegression(C=strength, l1_ratio=self.l1_ratio,
                                  fit_intercept=self.fit_intercept)

    def _prepare(self, X, y, sample_weight):
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(f"Only binary classification is supported. The type of the "
                             f"target is {y_type}. Fit one binary model per class instead.")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of two classes; the data "
                             f"have one class: {self.classes_[0]!r}.")
        return X, (y == self.classes_[1]).astype(np.float64), sample_weight

    def fit(self, X, y, sample_weight=None):
        """Fit the model: its MAP (``method="map"``) or its posterior (``"sample"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two class labels.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights (zero drops the row).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight)

    def predict_proba(self, X):
        """``[P(y = classes_[0]), P(y = classes_[1])]``: at the MAP, or posterior means.

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        p, _ = self._posterior_moments(self._check_X(X))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def decision_function(self, X):
        """The log-odds of ``classes_[1]``: ``b + x^T w`` at the MAP, or
        ``logit(predict_proba[:, 1])`` for a sampled fit.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        if not self._sampled():
            return X @ self.coef_ + self.intercept_
        p, _ = self._posterior_moments(X)
        return special.logit(p)

    def predict(self, X):
        """The class with probability above one half (``decision_function > 0``)."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(np.intp)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
