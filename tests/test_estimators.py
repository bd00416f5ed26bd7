"""The scikit-learn estimators: MAP = the scikit-learn fit, BayesRidge(alpha="evidence") =
BayesianRidge, posterior summaries against the exact posterior, scikit-learn's estimator
checks, and Pipeline / cross_val_score / GridSearchCV."""

from __future__ import annotations

import pickle
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn import linear_model as lm
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

import bayesreg as br
from bayesreg.sklearn import expected_failed_checks

pytestmark = pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")

# NUTS settings for the tests: tiny, so a fit takes about a second (pymc reuses its
# compiled model, nutpie recompiles at every fit)
TINY = dict(method="sample", sampler="pymc", draws=100, tune=100, chains=1, random_state=0)
ESTIMATORS = [br.BayesRidge, br.BayesLasso, br.BayesElasticNet, br.BayesLogisticRegression,
              br.BayesPoissonRegressor]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return (X - X.mean()) / X.std(), y


def _binary(y):
    return np.where(y > np.median(y), "high", "low")


def _counts(y):
    return np.round(np.asarray(y) / 50.0)


# (estimator, tight scikit-learn twin, target transform)
TWINS = [
    (br.BayesRidge(alpha=3.0), lm.Ridge(alpha=3.0, solver="cholesky"), np.asarray),
    (br.BayesLasso(alpha=0.7), lm.Lasso(alpha=0.7, tol=1e-12, max_iter=100_000), np.asarray),
    (br.BayesElasticNet(alpha=0.5, l1_ratio=0.3),
     lm.ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-12, max_iter=100_000), np.asarray),
    (br.BayesLogisticRegression(C=0.05),
     lm.LogisticRegression(C=0.05, solver="newton-cholesky", tol=1e-12), _binary),
    (br.BayesLogisticRegression(C=0.2, l1_ratio=0.5),
     lm.LogisticRegression(C=0.2, l1_ratio=0.5, solver="saga", tol=1e-12, max_iter=100_000),
     _binary),
    (br.BayesPoissonRegressor(alpha=0.02),
     lm.PoissonRegressor(alpha=0.02, solver="newton-cholesky", tol=1e-12), _counts),
]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("est", "twin", "target"), TWINS,
                         ids=lambda v: type(v).__name__ if hasattr(v, "fit") else "")
def test_map_is_the_sklearn_fit(diabetes, est, twin, target, fit_intercept, weighted):
    X, y = diabetes
    y = target(y)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    est = est.set_params(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    twin = twin.set_params(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    # 1e-6: saga's own accuracy for the elastic-net logistic fit; the others agree to 1e-9
    tol = 1e-6 if twin.get_params().get("solver") == "saga" else 1e-8
    np.testing.assert_allclose(est.coef_, np.ravel(twin.coef_), atol=tol * np.abs(
        twin.coef_).max())
    np.testing.assert_allclose(est.intercept_, np.ravel(twin.intercept_)[0], atol=tol * 100)
    np.testing.assert_allclose(est.score(X, y, sample_weight=sw),
                               twin.score(X, y, sample_weight=sw), atol=1e-8)
    assert est.model_.feature_names == list(X.columns)
    assert list(est.feature_names_in_) == list(X.columns) and est.n_features_in_ == 10


def test_poisson_rates_with_exposure_are_the_sklearn_fit(diabetes):
    """Non-integer targets (counts / exposure, weighted by exposure) give sklearn's fit."""
    X, y = diabetes
    exposure = np.random.default_rng(1).uniform(0.5, 3.0, len(y))
    rate = _counts(y) / exposure
    est = br.BayesPoissonRegressor(alpha=0.01).fit(X, rate, sample_weight=exposure)
    twin = lm.PoissonRegressor(alpha=0.01, solver="newton-cholesky", tol=1e-12)
    twin.fit(X, rate, sample_weight=exposure)
    np.testing.assert_allclose(est.coef_, twin.coef_, atol=1e-8)
    np.testing.assert_allclose(est.intercept_, twin.intercept_, atol=1e-8)
    np.testing.assert_allclose(est.predict(X), twin.predict(X), rtol=1e-8)
    assert est.score(X, rate, exposure) == pytest.approx(twin.score(X, rate, exposure),
                                                         abs=1e-10)
    # the split rows: y = floor and ceil, weights summing to the exposure
    assert np.all(est.model_.y == np.floor(est.model_.y))
    assert est.model_.sample_weight.sum() == pytest.approx(exposure.sum())


@pytest.mark.parametrize("weighted", [False, True])
def test_evidence_is_bayesian_ridge(diabetes, weighted):
    X, y = diabetes
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y)) if weighted else None
    est = br.BayesRidge(alpha="evidence").fit(X, y, sample_weight=sw)
    ref = lm.BayesianRidge().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9)
    np.testing.assert_allclose(est.noise_precision_, ref.alpha_, rtol=1e-9)
    np.testing.assert_allclose(est.weight_precision_, ref.lambda_, rtol=1e-9)
    np.testing.assert_allclose(est.alpha_, ref.lambda_ / ref.alpha_, rtol=1e-9)
    np.testing.assert_allclose(est.coef_cov_, ref.sigma_, rtol=1e-8)
    np.testing.assert_allclose(est.sigma_, ref.alpha_**-0.5, rtol=1e-9)
    mean, std = est.predict(X.iloc[:20], return_std=True)
    ref_mean, ref_std = ref.predict(X.iloc[:20], return_std=True)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9)
    np.testing.assert_allclose(std, ref_std, rtol=1e-9)
    # and it is Ridge at the chosen alpha
    ridge = lm.Ridge(alpha=est.alpha_, solver="cholesky").fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, ridge.coef_, rtol=1e-8)


def test_sampled_ridge_is_the_exact_posterior(diabetes):
    """Gaussian prior, fixed sigma: the posterior is N(MAP, sigma^2 (Xc'Xc + alpha I)^-1)."""
    X, y = diabetes
    est = br.BayesRidge(alpha=5.0, method="sample", sampler="exact", draws=2000, chains=2,
                        random_state=0, ci_prob=0.9).fit(X, y)
    ridge = lm.Ridge(alpha=5.0).fit(X, y)
    sigma = br.sklearn.residual_sigma(ridge, X.to_numpy(), y.to_numpy())
    assert est.sigma_ == pytest.approx(sigma, rel=1e-12)
    Xc = X.to_numpy() - X.to_numpy().mean(0)
    sd = sigma * np.sqrt(np.diag(np.linalg.inv(Xc.T @ Xc + 5.0 * np.eye(10))))
    n = 4000  # i.i.d. draws: Monte Carlo standard errors sd/sqrt(n), sd/sqrt(2n)
    assert np.all(np.abs(est.coef_ - ridge.coef_) < 4 * sd / np.sqrt(n))
    assert np.all(np.abs(est.coef_std_ / sd - 1) < 4 / np.sqrt(2 * n))
    lo, hi = est.coef_interval_.T
    z = 1.6448536269514722  # 90% equal-tailed; quantiles are noisier than means: 8 MCSE
    assert np.all(np.abs(lo - (ridge.coef_ - z * sd)) < 8 * sd / np.sqrt(n))
    assert np.all(np.abs(hi - (ridge.coef_ + z * sd)) < 8 * sd / np.sqrt(n))
    assert est.intercept_interval_.shape == (2,) and est.intercept_std_ > 0
    assert isinstance(est.idata_, xr.DataTree) and isinstance(est.model_, br.Model)
    assert list(est.idata_.posterior["coef"].feature.values) == list(X.columns)
    # predictive sd: sqrt(x' Cov x + sigma^2) up to the intercept's and MC error
    mean, std = est.predict(X.iloc[:5], return_std=True)
    np.testing.assert_allclose(mean, ridge.predict(X.iloc[:5]), atol=0.05 * sigma)
    np.testing.assert_allclose(std, sigma, rtol=0.05)
    draws = est.sample_posterior_predictive(X.iloc[:5], random_state=3)
    assert draws.dims == ("chain", "draw", "obs_id") and draws.shape == (2, 2000, 5)
    xr.testing.assert_equal(draws, est.sample_posterior_predictive(X.iloc[:5], random_state=3))
    # the same random_state, the same fit; the pickle predicts the same
    again = br.BayesRidge(alpha=5.0, method="sample", sampler="exact", draws=2000, chains=2,
                          random_state=0, ci_prob=0.9).fit(X, y)
    np.testing.assert_array_equal(again.coef_, est.coef_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_hyperprior_learns_the_strength(diabetes):
    X, y = diabetes
    est = br.BayesRidge(alpha=br.HalfNormal(20.0), **TINY).fit(X, y)
    assert "coef_scale" in est.idata_.posterior and "sigma" in est.idata_.posterior
    assert est.model_.prior.noncentered is False  # "auto": 44 rows per coefficient
    # with the posterior of (tau, sigma) near the evidence maximum, alpha_ = median of
    # sigma^2/tau^2 is of the order of BayesianRidge's choice
    ev = br.BayesRidge(alpha="evidence").fit(X, y)
    assert 0.1 < est.alpha_ / ev.alpha_ < 10
    assert est.sigma_ == pytest.approx(ev.sigma_, rel=0.1)
    clf = br.BayesLogisticRegression(C=br.HalfNormal(1.0), noncentered=True, **TINY)
    clf.fit(X, _binary(y))
    assert clf.model_.prior.noncentered is True
    assert clf.C_ > 0 and clf.score(X, _binary(y)) > 0.7


def test_hyperprior_errors(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="no MAP"):
        br.BayesLasso(alpha=br.HalfCauchy(1.0)).fit(X, y)
    with pytest.raises(ValueError, match="two scales are tied by l1_ratio"):
        br.BayesElasticNet(alpha=br.HalfNormal(1.0), method="sample").fit(X, y)
    with pytest.raises(ValueError, match="positive prior"):
        br.BayesRidge(alpha=br.Gaussian(1.0), method="sample").fit(X, y)
    with pytest.raises(ValueError, match="needs a fixed noise scale"):
        br.BayesRidge(sigma=br.HalfNormal(1.0), method="sample").fit(X, y)
    with pytest.raises(ValueError, match="leave sigma=None"):
        br.BayesRidge(alpha="evidence", sigma=1.0).fit(X, y)


def test_logistic_sampled(diabetes):
    X, y = diabetes
    labels = _binary(y)
    clf = br.BayesLogisticRegression(C=0.1, **TINY).fit(X, labels)
    assert list(clf.classes_) == ["high", "low"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.decision_function(X), np.log(proba[:, 1] / proba[:, 0]))
    assert np.array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    twin = lm.LogisticRegression(C=0.1).fit(X, labels)
    assert np.mean(clf.predict(X) == twin.predict(X)) > 0.95
    draws = clf.sample_posterior_predictive(X.iloc[:4], random_state=0)
    assert set(np.unique(draws.values)) <= {"high", "low"}
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        br.BayesLogisticRegression().fit(X, np.digitize(y, np.quantile(y, [0.33, 0.66])))


def test_poisson_sampled(diabetes):
    X, y = diabetes
    counts = _counts(y)
    est = br.BayesPoissonRegressor(alpha=0.02, **TINY).fit(X, counts)
    mean, std = est.predict(X.iloc[:5], return_std=True)
    assert np.all(std**2 > mean)  # Poisson noise plus the coefficients' uncertainty
    twin = lm.PoissonRegressor(alpha=0.02).fit(X, counts)
    assert est.score(X, counts) == pytest.approx(twin.score(X, counts), abs=0.02)


def test_map_fit_has_no_posterior(diabetes):
    X, y = diabetes
    est = br.BayesRidge(alpha="evidence", method="sample", sampler="exact", draws=10)
    est.fit(X, y).set_params(alpha=1.0, method="map").fit(X, y)  # a refit keeps nothing
    assert not hasattr(est, "idata_") and not hasattr(est, "coef_std_")
    assert not hasattr(est, "coef_cov_") and est.alpha_ == 1.0
    with pytest.raises(ValueError, match="method='sample'"):
        est.predict(X, return_std=True)
    with pytest.raises(ValueError, match="method='sample'"):
        est.sample_posterior_predictive(X)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(X.iloc[:, ::-1])


#: for each hyperparameter, values of a valid type outside every constraint
OUT_OF_RANGE = {"alpha": [-1.0, -1, np.inf, np.nan, "ridge"], "C": [0.0, -1.0, np.nan],
                "l1_ratio": [-0.1, 1.5], "sigma": [0.0, -1.0, np.inf], "draws": [0, 1.5],
                "tune": [-1], "chains": [0], "ci_prob": [0.0, 1.0], "method": ["mcmc"],
                "sampler": ["stan"], "random_state": [-1, 2**32, 1.5],
                "noncentered": ["yes"], "fit_intercept": ["no", 1],
                "progressbar": ["no", 0], "sampler_kwargs": [[("target_accept", 0.9)]]}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_parameter_validation(cls):
    """``fit`` checks every hyperparameter and says what it must be, in one sentence.

    The equivalent of scikit-learn's ``check_param_validation`` (which needs scikit-learn's
    private constraint classes): a value of no valid type, and values of a valid type
    outside the constraints, raise an error that is both a ValueError and a TypeError."""
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(20, 5)), rng.integers(0, 2, size=20).astype(float)
    est = cls()
    params = est.get_params(deep=False)
    assert set(cls._parameter_constraints) == set(params)
    bad_type = type("BadType", (), {})()
    for name in params:
        match = rf"^The '{name}' parameter of {cls.__name__} must be .* Got .* instead\.$"
        for bad in [bad_type, *OUT_OF_RANGE[name]]:
            with pytest.raises(ValueError, match=match) as err:
                clone(est).set_params(**{name: bad}).fit(X, y)
            assert isinstance(err.value, TypeError), (name, bad)
    if "C" in params:
        est.set_params(C=np.inf)
    est.fit(X, y)  # the defaults (and C=inf, "no penalty") are valid


def test_invalid_parameter_message():
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of BayesLasso must be a "
                                         r"float in the range \[0.0, inf\)"):
        br.BayesLasso(alpha=-1.0).fit(np.eye(3), [1.0, 2.0, 3.0])


# ------------------------------------------------------------- scikit-learn's checks
@parametrize_with_checks(
    [cls() for cls in ESTIMATORS] + [
        br.BayesRidge(alpha="evidence"),
        br.BayesLogisticRegression(C=0.5, l1_ratio=1.0),
        # sampled, with the exact sampler (conjugate): every check holds
        br.BayesRidge(method="sample", sampler="exact", draws=50, chains=1),
        br.BayesRidge(alpha="evidence", method="sample", sampler="exact", draws=50,
                      chains=1),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# MCMC: the checks that say something about a stochastic fit (a full run takes a minute)
MCMC_CHECKS = {"check_fit_idempotent", "check_estimators_pickle", "check_dict_unchanged",
               "check_methods_subset_invariance", "check_fit_check_is_fitted",
               "check_sample_weight_equivalence_on_dense_data"}
_MCMC = br.BayesLasso(alpha=0.1, method="sample", sampler="pymc", draws=50, tune=50,
                      chains=1)


def _check_name(check):
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _mcmc_checks():
    """(estimator, check) pairs, an expected failure as a pytest.param marked xfail."""
    for item in estimator_checks_generator(
            _MCMC, expected_failed_checks=expected_failed_checks(_MCMC), mark="xfail"):
        check = item.values[1] if hasattr(item, "values") else item[1]
        if _check_name(check) in MCMC_CHECKS:
            yield item


@pytest.mark.parametrize(
    ("estimator", "check"), list(_mcmc_checks()),
    ids=lambda v: "BayesLasso-pymc" if hasattr(v, "fit") else _check_name(v),
)
def test_sklearn_estimator_checks_mcmc(estimator, check):
    check(estimator)


def test_expected_failures_are_declared_with_reasons():
    assert expected_failed_checks(br.BayesLasso()) == {}
    assert expected_failed_checks(br.BayesRidge(method="sample", sampler="exact")) == {}
    declared = expected_failed_checks(br.BayesLasso(method="sample"))
    assert set(declared) == {"check_sample_weight_equivalence_on_dense_data"}
    assert all(len(reason) > 40 for reason in declared.values())


# ------------------------------------------------------------------ model selection
def test_pipeline_and_cross_val_score(diabetes):
    X, y = diabetes
    cv = KFold(5, shuffle=True, random_state=0)
    ours = cross_val_score(make_pipeline(StandardScaler(), br.BayesLasso(alpha=0.5)), X, y,
                           cv=cv)
    ref = cross_val_score(make_pipeline(StandardScaler(), lm.Lasso(alpha=0.5, tol=1e-12,
                                                                   max_iter=100_000)),
                          X, y, cv=cv)
    np.testing.assert_allclose(ours, ref, atol=1e-8)
    sampled = cross_val_score(
        make_pipeline(StandardScaler(), br.BayesRidge(
            alpha=1.0, method="sample", sampler="exact", draws=200, random_state=0)),
        X, y, cv=cv)
    assert np.all(np.abs(sampled - ref) < 0.05)


def test_grid_search(diabetes):
    X, y = diabetes
    grid = {"alpha": [0.1, 1.0, 10.0, 100.0]}
    cv = KFold(4, shuffle=True, random_state=0)
    ours = GridSearchCV(br.BayesRidge(), grid, cv=cv).fit(X, y)
    ref = GridSearchCV(lm.Ridge(), grid, cv=cv).fit(X, y)
    assert ours.best_params_ == ref.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"], rtol=1e-9)
    np.testing.assert_allclose(ours.best_estimator_.coef_, ref.best_estimator_.coef_,
                               rtol=1e-8)
    clf = GridSearchCV(br.BayesLogisticRegression(), {"C": [0.01, 1.0]}, cv=3)
    clf.fit(X, _binary(y))
    assert clf.best_params_["C"] in (0.01, 1.0) and hasattr(clf.best_estimator_, "classes_")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sampled fit in a grid search, quietly
        GridSearchCV(br.BayesRidge(method="sample", sampler="exact", draws=100,
                                   random_state=0), grid, cv=cv).fit(X, y)


def test_dataframe_in_dataframe_out_names(diabetes):
    X, y = diabetes
    est = br.BayesRidge(method="sample", sampler="exact", draws=100, random_state=0)
    est.fit(X, y)
    summary = pd.DataFrame({"mean": est.coef_, "sd": est.coef_std_},
                           index=est.feature_names_in_)
    assert summary.index.tolist() == list(X.columns)
    est.fit(X.to_numpy(), y)
    assert not hasattr(est, "feature_names_in_")
    assert est.model_.feature_names == [f"x{i}" for i in range(10)]
