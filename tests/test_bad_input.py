"""The bad-input matrix (issue 13): never a silent wrong answer.

Every case is either handled correctly, with the answer checked against a reference
(scikit-learn or a closed form), or refused at the boundary with a message that names the
problem and the fix. Covered for the Python API (``Model``, ``map``, ``sample``,
``from_sklearn``, ``save``/``load``) and the scikit-learn estimators. Fast: MAP fits,
``sampler="exact"`` and argument checks that run before anything is compiled.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import xarray as xr
from scipy.optimize import minimize
from scipy.special import expit
from sklearn import linear_model as lm
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import bayesreg as br
from bayesreg.backends import _samplers
from bayesreg.inference import _arguments
from bayesreg.inference import _map as map_module
from bayesreg.base import MapResult, fit_map, kkt_violation
from bayesreg.base._existence import no_mode_direction
from bayesreg.families import GaussianFamily, get_family

#: no fit in the matrix may end in a ConvergenceWarning: handled means converged
pytestmark = pytest.mark.filterwarnings("error::bayesreg.ConvergenceWarning")

# ----------------------------------------------------------------------------- data
RNG = np.random.default_rng(20261127)
N, P = 40, 3
X = RNG.normal(size=(N, P))
Y = 0.5 + X @ np.array([1.0, 0.0, -1.0]) + 0.5 * RNG.normal(size=N)
YB = (X[:, 0] + 0.8 * RNG.normal(size=N) > 0).astype(float)          # not separable
YS = (X[:, 0] > 0).astype(float)                                        # separable
YP = RNG.poisson(np.exp(0.3 + 0.4 * X[:, 0])).astype(float)
G = br.Gaussian(1.0)
DF = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(100, 100 + N))


def model(X_=X, y=Y, **kw):
    kw.setdefault("prior", G)
    if kw.get("family", "gaussian") == "gaussian":
        kw.setdefault("sigma", 1.0)
    return br.Model(X_, y, **kw)


def ridge(X_, y, alpha=1.0, sample_weight=None, **kw):
    """sklearn's ridge fit (tight), the reference of a Gaussian(1) prior with sigma=1."""
    return lm.Ridge(alpha=alpha, solver="cholesky", **kw).fit(X_, y, sample_weight)


def assert_close(est, ref, atol=1e-8, rtol=1e-8):
    np.testing.assert_allclose(est.coef.values, np.ravel(ref.coef_), atol=atol, rtol=rtol)
    np.testing.assert_allclose(est.intercept, float(np.ravel(ref.intercept_)[0]), atol=atol,
                               rtol=rtol)


# ===================================================================================
# 1. Refused at the boundary: (call, exception, message naming problem and fix)
# ===================================================================================
def _exact(**kw):
    return model().sample(sampler="exact", draws=5, chains=1, progressbar=False, **kw)


def _nuts(sampler, model_=None, **kw):  # every check here runs before anything is compiled
    return (model_ or model()).sample(sampler=sampler, draws=5, tune=5, chains=1,
                                      progressbar=False, **kw)


REFUSED = {
    # --- shapes
    "empty X": (lambda: model(np.empty((0, P)), np.empty(0)), ValueError, "0 rows.*at least one"),
    "X 1-D": (lambda: model(X[:, 0], Y), ValueError, "2-D.*reshape"),
    "y 2-D": (lambda: model(X, np.column_stack([Y, Y])), ValueError, "y must be 1-D"),
    "length mismatch": (lambda: model(X, Y[:-1]), ValueError, "different lengths"),
    "sample_weight length": (lambda: model(sample_weight=np.ones(N - 1)), ValueError,
                             "different lengths"),
    # --- pandas index alignment (X, y, sample_weight)
    "y index reordered": (lambda: model(DF, pd.Series(Y, index=DF.index[::-1])), ValueError,
                          "index of y differs.*another order.*reindex"),
    "y index disjoint": (lambda: model(DF, pd.Series(Y)), ValueError,
                         "index of y differs.*0 of 40 labels.*to_numpy"),
    "sample_weight index": (lambda: model(DF, pd.Series(Y, index=DF.index),
                                          sample_weight=pd.Series(np.ones(N))),
                            ValueError, "index of sample_weight differs"),
    "from_sklearn y index": (lambda: br.from_sklearn(lm.Ridge(), DF, pd.Series(Y)),
                             ValueError, "index of y differs"),
    # --- NaN / inf / huge magnitudes
    "X NaN": (lambda: model(np.where(X > 2, np.nan, X)), ValueError, "X contains NaN.*impute"),
    "X inf": (lambda: model(np.where(X > 2, np.inf, X)), ValueError, "X contains inf"),
    "y NaN": (lambda: model(X, np.r_[Y[:-1], np.nan]), ValueError, "y contains NaN"),
    "sample_weight NaN": (lambda: model(sample_weight=np.r_[np.ones(N - 1), np.nan]),
                          ValueError, "sample_weight contains NaN"),
    "sample_weight 0": (lambda: model(sample_weight=np.r_[np.ones(N - 1), 0.0]), ValueError,
                        "strictly positive.*drop rows"),
    "X 1e300": (lambda: model(X * 1e300), ValueError, "magnitude up to.*overflow.*Rescale"),
    "y 1e300": (lambda: model(X, Y * 1e300), ValueError, "y has values of magnitude.*Rescale"),
    "y 1e300 default sigma": (lambda: br.Model(X, Y * 1e300, prior=G), ValueError,
                              "y has values of magnitude"),
    "sample_weight 1e300": (lambda: model(sample_weight=np.full(N, 1e300)), ValueError,
                            "sample_weight has values of magnitude"),
    # --- dtypes
    "X object": (lambda: model(X.astype(object)), ValueError, "numeric.*object.*astype"),
    "X strings": (lambda: model(np.array([["a"] * P] * N)), ValueError, "numeric.*get_dummies"),
    "X complex": (lambda: model(X + 1j), ValueError, "complex.*real part"),
    "X datetime": (lambda: model(np.full((N, 1), np.datetime64("2020-01-01"))), ValueError,
                   "datetime64.*dates to numbers"),
    "X sparse": (lambda: model(sp.csr_matrix(X)), ValueError, "sparse.*toarray"),
    "X categorical column": (lambda: model(pd.DataFrame({"g": pd.Categorical(["u", "v"] * 20)})),
                             ValueError, "non-numeric columns \\['g'\\].*from_formula"),
    "X object column": (lambda: model(DF.assign(s="x")), ValueError, "non-numeric columns"),
    "X nullable with NA": (lambda: model(pd.DataFrame({"a": pd.array([1, None] * 20,
                                                                     dtype="Int64")})),
                           ValueError, "X contains NaN.*impute"),
    "y nullable with NA": (lambda: model(X, pd.Series(pd.array([1.0, None] * 20,
                                                                dtype="Float64"))),
                           ValueError, "y contains NaN"),
    "y boolean with NA": (lambda: model(X, pd.Series(pd.array([True, None] * 20,
                                                              dtype="boolean"))),
                          ValueError, "y contains NaN"),
    "y complex": (lambda: model(X, Y + 1j), ValueError, "y must be numeric.*complex"),
    "y strings": (lambda: model(X, np.array(["a"] * N)), ValueError, "y must be numeric"),
    # --- flags and truthy strings
    "fit_intercept='no'": (lambda: model(fit_intercept="no"), ValueError,
                           "'fit_intercept' parameter of Model must be a bool.*'no'"),
    "fit_intercept=1": (lambda: model(fit_intercept=1), ValueError, "must be a bool"),
    "standardize='yes'": (lambda: model(standardize="yes"), ValueError,
                          "'standardize' parameter of Model must be a bool"),
    "prior scaled_by_sigma='no'": (lambda: model(prior=br.Gaussian(1.0, scaled_by_sigma="no")),
                                   ValueError, "'scaled_by_sigma' parameter of Gaussian must "
                                               "be a bool"),
    "intercept prior noncentered='no'": (
        lambda: model(intercept_prior=br.Gaussian(1.0, noncentered="no")), ValueError,
        "'noncentered' parameter of Gaussian must be a bool"),
    "strict='no'": (lambda: _exact(strict="no"), ValueError,
                    "'strict' parameter of Model.sample must be a bool"),
    "log_likelihood='no'": (lambda: _exact(log_likelihood="no"), ValueError,
                            "'log_likelihood' parameter"),
    "unknown Model kwarg": (lambda: model(sigmaa=1.0), TypeError, "unexpected keyword.*sigmaa"),
    "unknown map kwarg": (lambda: model().map(tol2=1e-3), TypeError, "unexpected.*tol2"),
    "unknown family": (lambda: model(family="gauss"), ValueError, "gauss"),
    # --- prior scales and other hyperparameters
    "prior scale 0": (lambda: br.Gaussian(0.0), ValueError, "'scale' parameter of Gaussian must be"),
    "prior scale -1": (lambda: br.Laplace(-1.0), ValueError, "positive finite float"),
    "prior scale nan": (lambda: br.Gaussian(float("nan")), ValueError, "Got nan"),
    "prior scale inf": (lambda: br.Gaussian(math.inf), ValueError, "Got inf"),
    "prior scale string": (lambda: br.Gaussian("1"), ValueError, "Got '1'"),
    "sigma 0": (lambda: model(sigma=0.0), ValueError, "'sigma' parameter of Model must be"),
    "sigma 1e-200 map": (lambda: model(sigma=1e-200).map(), ValueError,
                         "sigma=1e-200 is too extreme.*Rescale y and sigma"),
    "sigma 1e200 map": (lambda: model(sigma=1e200).map(), ValueError, "too extreme"),
    "StudentT scale 1e-200 map": (lambda: model(prior=br.StudentT(3.0, 1e-200)).map(),
                                  ValueError, "StudentT prior's scale.*too extreme"),
    "map tol 0": (lambda: model().map(tol=0.0), ValueError, "'tol' parameter"),
    "map max_iter 0": (lambda: model().map(max_iter=0), ValueError, "'max_iter' parameter"),
    "hyperprior map": (lambda: model(prior=br.Gaussian(br.HalfNormal(1.0))).map(), ValueError,
                       "hyperprior.*sample"),
    "Flat p > n map": (lambda: model(RNG.normal(size=(5, 10)), np.arange(5.0),
                                     prior=br.Flat()).map(), ValueError, "no unique mode"),
    "Flat constant column map": (lambda: model(np.column_stack([X, np.ones(N)]),
                                               prior=br.Flat()).map(), ValueError,
                                 "rank 3 < 4.*proper prior"),
    "Flat duplicate column map": (lambda: model(np.column_stack([X, X[:, 0]]),
                                                prior=br.Flat()).map(), ValueError,
                                  "no unique mode"),
    # --- degenerate labels: no mode exists
    "bernoulli all zero": (lambda: model(y=np.zeros(N), family="bernoulli").map(), ValueError,
                           "No posterior mode.*every label of y is 0.*-inf.*intercept_prior"),
    "bernoulli all one": (lambda: model(y=np.ones(N), family="bernoulli").map(), ValueError,
                          "every label of y is 1.*\\+inf"),
    "bernoulli separable Flat": (lambda: model(y=YS, family="bernoulli", prior=br.Flat()).map(),
                                 ValueError, "No posterior mode.*separated.*proper prior"),
    "bernoulli separable wide prior": (lambda: model(y=YS, family="bernoulli",
                                                     prior=br.Gaussian(1e200)).map(),
                                       ValueError, "No posterior mode.*separated"),
    "bernoulli labels 2": (lambda: model(y=YB * 2, family="bernoulli"), ValueError, "0.*1"),
    "poisson all zero": (lambda: model(y=np.zeros(N), family="poisson").map(), ValueError,
                         "every count of y is 0"),
    "poisson negative": (lambda: model(y=-YP - 1, family="poisson"), ValueError, "negative|>= 0"),
    "LogisticRegression C=inf separable": (
        lambda: br.from_sklearn(lm.LogisticRegression(C=np.inf), X, YS).map(), ValueError,
        "No posterior mode"),
    "sample improper (one class)": (lambda: _nuts("pymc", model_=model(y=np.zeros(N),
                                                                     family="bernoulli")),
                                    ValueError, "Sampling the posterior is undefined: the "
                                                "posterior is improper.*intercept_prior="),
    "sample improper (separable, Flat)": (
        lambda: _nuts("pymc", model_=model(y=YS, family="bernoulli", prior=br.Flat(),
                                           intercept_prior=G)),
        ValueError, "improper. Under the Flat coefficient prior"),
    "evidence improper (all-zero counts)": (
        lambda: model(y=np.zeros(N), family="poisson").log_evidence(method="laplace"),
        ValueError, "evidence.*improper.*Flat intercept prior"),
    "evidence improper (separable, Flat)": (
        lambda: model(y=YS, family="bernoulli", prior=br.Flat(),
                      intercept_prior=G).log_evidence(method="laplace"),
        ValueError, "evidence.*improper"),
    "xarray y coordinate": (
        lambda: model(xr.DataArray(X, dims=("obs", "feature"), coords={"obs": np.arange(N)}),
                      xr.DataArray(Y, dims="obs", coords={"obs": np.arange(N)[::-1]})),
        ValueError, "'obs' coordinate of y differs.*sel"),
    "compile unknown option": (lambda: model().compile("pymc", backend="jax"), TypeError,
                               "no compile options \\['backend'\\]"),
    # --- sample(): counts, seeds, samplers, options (checked before compiling)
    "draws 0": (lambda: _exact(), None, None),  # placeholder replaced below
    "chains 0": (lambda: model().sample(sampler="exact", chains=0), ValueError,
                 "'chains' parameter of Model.sample must be an int >= 1"),
    "tune -1": (lambda: model().sample(sampler="exact", tune=-1), ValueError, "'tune' parameter"),
    "draws 1.5": (lambda: model().sample(sampler="exact", draws=1.5), ValueError, "Got 1.5"),
    "draws True": (lambda: model().sample(sampler="exact", draws=True), ValueError, "Got True"),
    "retry -1": (lambda: _exact(retry=-1), ValueError, "'retry' parameter"),
    "seed -1": (lambda: _exact(random_seed=-1), ValueError,
                "'random_seed' parameter of Model.sample must be None or an int >= 0"),
    "seed 'a'": (lambda: _exact(random_seed="a"), ValueError, "random_seed.*Got 'a'"),
    "seed 1.5": (lambda: _exact(random_seed=1.5), ValueError, "random_seed.*Got 1.5"),
    "predict seed -1": (lambda: model().predict(X, _exact(), random_seed=-1), ValueError,
                        "'random_seed' parameter of Model.predict must be.*Generator"),
    "prior predictive seed 'a'": (lambda: model(intercept_prior=G).sample_prior_predictive(
        5, random_seed="a"), ValueError, "random_seed.*sample_prior_predictive"),
    "unknown sampler": (lambda: model().sample(sampler="exakt"), ValueError,
                        "'sampler' parameter.*one of"),
    "exact with options": (lambda: _exact(target_accept=0.9), TypeError,
                           "exact' takes no sampler options"),
    "exact non-conjugate": (lambda: model(prior=br.Laplace(1.0)).sample(sampler="exact",
                                                                         draws=5),
                            ValueError, "conjugate|exact"),
    "target_accept 1.5 pymc": (lambda: _nuts("pymc", target_accept=1.5), ValueError,
                               "'target_accept' parameter.*\\(0, 1\\).*1.5"),
    "target_accept 0 nutpie": (lambda: _nuts("nutpie", target_accept=0.0), ValueError,
                               "target_accept"),
    "target_accept str": (lambda: _nuts("pymc", target_accept="high"), ValueError,
                          "target_accept"),
    "misspelled option pymc": (lambda: _nuts("pymc", target_acept=0.9), TypeError,
                               "no option 'target_acept'.*Did you mean 'target_accept'"),
    "misspelled option nutpie": (lambda: _nuts("nutpie", target_acept=0.9), TypeError,
                                 "no option 'target_acept'.*Did you mean 'target_accept'"),
    "misspelled option numpyro": (lambda: _nuts("numpyro", max_treedepth=5), TypeError,
                                  "Did you mean 'max_tree_depth'"),
    "misspelled option blackjax": (lambda: _nuts("blackjax", target_acept=0.9), TypeError,
                                   "Did you mean 'target_accept'"),
    "option set by sample": (lambda: _nuts("pymc", random_seed=1, seed=2), TypeError,
                             "set by Model.sample itself"),
    # --- from_sklearn: invalid estimators are refused, not turned into priors
    "Ridge alpha -1": (lambda: br.from_sklearn(lm.Ridge(alpha=-1.0), X, Y), ValueError,
                       "'alpha' parameter of Ridge.*Got -1"),
    "Lasso alpha nan": (lambda: br.from_sklearn(lm.Lasso(alpha=np.nan), X, Y), ValueError,
                        "'alpha' parameter of Lasso"),
    "ElasticNet l1_ratio 2": (lambda: br.from_sklearn(lm.ElasticNet(l1_ratio=2.0), X, Y),
                              ValueError, "'l1_ratio' parameter of ElasticNet"),
    "LogisticRegression C -1": (lambda: br.from_sklearn(lm.LogisticRegression(C=-1.0), X, YB),
                                ValueError, "'C' parameter of LogisticRegression"),
    "LogisticRegression C 0": (lambda: br.from_sklearn(lm.LogisticRegression(C=0.0), X, YB),
                               ValueError, "'C' parameter"),
    "LogisticRegression l1_ratio -1": (
        lambda: br.from_sklearn(lm.LogisticRegression(l1_ratio=-1.0), X, YB), ValueError,
        "'l1_ratio' parameter"),
    "PoissonRegressor alpha -1": (
        lambda: br.from_sklearn(lm.PoissonRegressor(alpha=-1.0), X, YP), ValueError,
        "'alpha' parameter of PoissonRegressor"),
    "Ridge fit_intercept 'no'": (lambda: br.from_sklearn(lm.Ridge(fit_intercept="no"), X, Y),
                                 ValueError, "'fit_intercept' parameter of Ridge"),
    "StandardScaler with_mean 'no'": (
        lambda: br.from_sklearn(make_pipeline(StandardScaler(with_mean="no"), lm.Ridge()),
                                X, Y), ValueError, r"with_mean=no.*Use StandardScaler\(with_mean=True\)"),
    "from_sklearn sigma -1": (lambda: br.from_sklearn(lm.Ridge(), X, Y, sigma=-1.0), ValueError,
                              "'sigma' parameter"),
}
REFUSED["draws 0"] = (lambda: model().sample(sampler="exact", draws=0), ValueError,
                      "'draws' parameter of Model.sample must be an int >= 1. Got 0")


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_at_the_boundary(case):
    call, exc, match = REFUSED[case]
    if "numpyro" in case or "blackjax" in case:
        pytest.importorskip(case.split()[-1])
    if "nutpie" in case:
        pytest.importorskip("nutpie")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(exc, match=match):
            call()


# ===================================================================================
# 2. Estimators: invalid hyperparameters and data refused by fit()
# ===================================================================================
EST = {"ridge": (br.BayesRidge, Y), "lasso": (br.BayesLasso, Y),
       "enet": (br.BayesElasticNet, Y), "logistic": (br.BayesLogisticRegression, YB),
       "poisson": (br.BayesPoissonRegressor, YP)}

EST_REFUSED = [
    ("ridge", dict(alpha=-1.0), None, ValueError, "'alpha' parameter of BayesRidge"),
    ("lasso", dict(alpha=np.nan), None, ValueError, "'alpha' parameter of BayesLasso"),
    ("enet", dict(l1_ratio=2.0), None, ValueError, "'l1_ratio' parameter of BayesElasticNet"),
    ("logistic", dict(C=0.0), None, ValueError, "'C' parameter of BayesLogisticRegression"),
    ("logistic", dict(l1_ratio=-0.5), None, ValueError, "'l1_ratio' parameter"),
    ("poisson", dict(alpha=-1.0), None, ValueError, "'alpha' parameter"),
    ("lasso", dict(fit_intercept="no"), None, ValueError, "'fit_intercept' parameter"),
    ("ridge", dict(method="sample", draws=0), None, ValueError, "'draws' parameter"),
    ("ridge", dict(method="sample", chains=0), None, ValueError, "'chains' parameter"),
    ("ridge", dict(method="sample", tune=-1), None, ValueError, "'tune' parameter"),
    ("ridge", dict(random_state="a"), None, ValueError, "'random_state' parameter"),
    ("ridge", dict(ci_prob=1.5), None, ValueError, "'ci_prob' parameter"),
    ("ridge", dict(sampler="exakt"), None, ValueError, "'sampler' parameter"),
    ("ridge", dict(sigma=-1.0), None, ValueError, "'sigma' parameter"),
    ("lasso", dict(method="sample", sampler="pymc", sampler_kwargs={"target_acept": 0.9}),
     None, TypeError, "Did you mean 'target_accept'"),
    ("lasso", dict(method="sample", sampler="pymc", sampler_kwargs={"target_accept": 1.5}),
     None, ValueError, "'target_accept' parameter"),
    ("ridge", {}, "y reordered", ValueError, "index of y differs"),
    ("ridge", {}, "empty", ValueError, "0 sample"),
    ("ridge", {}, "nan", ValueError, "NaN"),
    ("ridge", {}, "huge", ValueError, "magnitude.*Rescale"),
    ("ridge", {}, "sparse", TypeError, "[Ss]parse"),
    ("ridge", {}, "complex", ValueError, "[Cc]omplex"),
    ("ridge", {}, "strings", ValueError, "could not convert|numeric"),
    ("logistic", {}, "one class", ValueError, "two classes|one class|2 classes"),
    ("logistic", dict(C=np.inf), "separable", ValueError, "No posterior mode.*separated"),
    ("poisson", {}, "all zero", ValueError, "every count of y is 0"),
]


def _est_data(data, y):
    Xd, yd = X, y
    if data == "y reordered":
        Xd, yd = DF, pd.Series(y, index=DF.index[::-1])
    elif data == "empty":
        Xd, yd = X[:0], y[:0]
    elif data == "nan":
        Xd = np.where(X > 2, np.nan, X)
    elif data == "huge":
        Xd = X * 1e300
    elif data == "sparse":
        Xd = sp.csr_matrix(X)
    elif data == "complex":
        Xd = X + 1j
    elif data == "strings":
        Xd = np.array([["a"] * P] * N)
    elif data == "one class":
        yd = np.zeros(N)
    elif data == "separable":
        yd = YS
    elif data == "all zero":
        yd = np.zeros(N)
    return Xd, yd


@pytest.mark.parametrize("kind,params,data,exc,match", EST_REFUSED,
                         ids=[f"{k}-{d or sorted(p)}" for k, p, d, *_ in EST_REFUSED])
def test_estimator_refuses(kind, params, data, exc, match):
    cls, y = EST[kind]
    Xd, yd = _est_data(data, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(exc, match=match):
            cls(**params).fit(Xd, yd)


# ===================================================================================
# 3. Handled correctly: the answer against a reference
# ===================================================================================
def test_one_row_is_the_ridge_fit():
    est = model(X[:1], Y[:1]).map()
    assert est.converged
    assert_close(est, ridge(X[:1], Y[:1]))                 # coef 0, intercept y_0


@pytest.mark.parametrize("family,y,expected", [
    ("gaussian", Y, lambda y: y.mean()),
    ("bernoulli", YB, lambda y: math.log(y.mean() / (1 - y.mean()))),
    ("poisson", YP, lambda y: math.log(y.mean())),
])
def test_zero_columns_is_the_intercept_only_fit(family, y, expected):
    est = model(X[:, :0], y, family=family).map()
    assert est.converged and est.coef.size == 0
    assert est.intercept == pytest.approx(expected(y), abs=1e-9)


@pytest.mark.parametrize("design", ["constant", "duplicate", "collinear", "p>>n", "boolean",
                                    "nullable", "pandas bool", "scales 1e-8..1e8"])
def test_awkward_designs_match_ridge(design):
    Xd, y = X, Y
    if design == "constant":
        Xd = np.column_stack([X, np.full(N, 3.0)])
    elif design == "duplicate":
        Xd = np.column_stack([X, X[:, 0]])
    elif design == "collinear":
        Xd = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])
    elif design == "p>>n":
        Xd = RNG.normal(size=(15, 400))
        y = Xd[:, 0] + RNG.normal(size=15)
    elif design == "boolean":
        Xd = X > 0
    elif design == "nullable":
        Xd = pd.DataFrame({"a": pd.array(np.arange(N) % 5, dtype="Int64"), "b": X[:, 1]})
    elif design == "pandas bool":
        Xd = pd.DataFrame({"a": X[:, 0] > 0, "b": X[:, 1]})
    elif design == "scales 1e-8..1e8":
        Xd = X * np.array([1e-8, 1.0, 1e8])
    ref = ridge(np.asarray(Xd, dtype=float), y)
    est = model(Xd, y).map()
    assert est.converged
    scale = max(1.0, np.abs(ref.coef_).max())
    assert_close(est, ref, atol=1e-8 * scale, rtol=1e-7)


def test_scales_1e8_standardized_match_the_pipeline():
    Xd = X * np.array([1e-8, 1.0, 1e8])
    pipe = make_pipeline(StandardScaler(), lm.Ridge(alpha=1.0, solver="cholesky")).fit(Xd, Y)
    est = model(Xd, Y, standardize=True).map()
    assert_close(est, pipe[-1], atol=1e-9)
    np.testing.assert_allclose(est.coef_original.values, pipe[-1].coef_ / pipe[0].scale_,
                               rtol=1e-8)


def test_flat_prior_on_scales_1e8_is_least_squares():
    """Full rank whatever the scales of the columns (sklearn's LinearRegression drops the
    unit column here); the reference is lstsq on standardized columns."""
    Xd = X * np.array([1e-8, 1.0, 1e8])
    est = model(Xd, Y, prior=br.Flat()).map()
    s = Xd.std(0)
    v = np.linalg.lstsq(np.column_stack([np.ones(N), (Xd - Xd.mean(0)) / s]), Y, rcond=None)[0]
    assert est.converged
    np.testing.assert_allclose(est.coef.values, v[1:] / s, rtol=1e-8)


@pytest.mark.parametrize("factor", [1e-100, 1e-50, 1e-8, 1e8, 1e50, 1e100])
def test_magnitudes_scale_equivariantly(factor):
    """y, sigma and the prior scale all times c: the MAP is c times the unit fit."""
    unit = model().map()
    est = model(X, Y * factor, sigma=factor, prior=br.Gaussian(factor)).map()
    assert est.converged
    np.testing.assert_allclose(est.coef.values, unit.coef.values * factor, rtol=1e-9)
    assert est.intercept == pytest.approx(unit.intercept * factor, rel=1e-9)


@pytest.mark.parametrize("prior,limit", [
    (br.Gaussian(1e-200), "zero"), (br.Laplace(1e-200), "zero"),
    (br.ElasticNetPrior(1e200, 1e-200), "zero"), (br.Gaussian(1e200), "ols"),
    (br.Laplace(1e200), "ols"), (br.ElasticNetPrior(1e200, 1e200), "ols"),
])
def test_extreme_prior_scales_reach_their_limits(prior, limit):
    est = model(prior=prior).map()
    assert est.converged
    if limit == "zero":   # the prior pins every coefficient to 0: intercept = mean(y)
        assert np.all(est.coef.values == 0) and est.intercept == pytest.approx(Y.mean())
    else:                 # no shrinkage at float64 precision: least squares
        assert_close(est, lm.LinearRegression().fit(X, Y), atol=1e-9)


def test_extreme_intercept_prior_scales():
    tight = model(intercept_prior=br.Gaussian(1e-200)).map()
    assert tight.intercept == 0.0
    assert_close(tight, ridge(X, Y, fit_intercept=False), atol=1e-9)
    wide = model(intercept_prior=br.Gaussian(1e200)).map()
    assert_close(wide, ridge(X, Y), atol=1e-9)


def test_bernoulli_extreme_prior_scale_is_the_intercept_only_fit():
    est = model(y=YB, family="bernoulli", prior=br.Gaussian(1e-200)).map()
    assert np.all(est.coef.values == 0)
    assert est.intercept == pytest.approx(math.log(YB.mean() / (1 - YB.mean())), abs=1e-9)


def test_separable_with_a_proper_prior_matches_logistic_regression():
    est = model(y=YS, family="bernoulli").map()
    ref = lm.LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12).fit(X, YS)
    assert est.converged
    assert_close(est, ref, atol=1e-6)


@pytest.mark.parametrize("mean", [1e6, 1e12, 1e15])
def test_huge_poisson_counts_match_sklearn(mean):
    y = RNG.poisson(np.exp(0.3 * X[:, 0]) * mean).astype(float)
    est = model(y=y, family="poisson").map()
    ref = lm.PoissonRegressor(alpha=1.0 / N, solver="newton-cholesky", tol=1e-12,
                              max_iter=30)  # converged by then; its line search then stalls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y)
    assert est.converged
    assert_close(est, ref, atol=1e-9)


def test_lasso_p_greater_than_n_from_sklearn():
    """The fit interpolates, so no plug-in sigma exists; the MAP does not depend on it."""
    Xw = RNG.normal(size=(10, 40))
    yw = Xw[:, 0] + 0.1 * RNG.normal(size=10)
    with pytest.warns(UserWarning, match="interpolates.*sd\\(y\\).*does not depend"):
        m = br.from_sklearn(lm.Lasso(alpha=1e-3), Xw, yw)
    assert m.sigma == pytest.approx(yw.std())
    ref = lm.Lasso(alpha=1e-3, tol=1e-14, max_iter=1_000_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(Xw, yw)
    assert_close(m.map(tol=1e-13), ref, atol=1e-6)


@pytest.mark.parametrize("cls", [br.BayesRidge, br.BayesLasso, br.BayesElasticNet])
def test_constant_target(cls):
    """No residual, so no plug-in sigma: sd(y) or 1 is used (the MAP does not depend on
    it), with a warning; the fit is sklearn's: coef 0, intercept = y."""
    with pytest.warns(UserWarning, match="no residual.*Using sigma = 1"):
        fitted = cls().fit(X, np.full(N, 3.0))
    np.testing.assert_allclose(fitted.coef_, 0.0, atol=1e-12)
    assert fitted.intercept_ == pytest.approx(3.0)


def test_noise_free_target_is_least_squares():
    y = X @ np.array([1.0, 2.0, 3.0]) + 0.5
    with pytest.warns(UserWarning, match="no residual.*sd\\(y\\)"):
        m = br.from_sklearn(lm.Ridge(alpha=0.0), X, y)
    est = m.map()
    assert est.converged
    assert_close(est, lm.LinearRegression().fit(X, y), atol=1e-10)


def test_pandas_inputs_with_matching_index_are_used():
    y = pd.Series(Y, index=DF.index)
    w = pd.Series(np.linspace(0.5, 2.0, N), index=DF.index)
    est = model(DF, y, sample_weight=w).map()
    assert_close(est, ridge(X, Y, sample_weight=w.to_numpy()))
    # numpy y next to a pandas X is positional on purpose
    assert_close(model(DF, Y).map(), ridge(X, Y))
    # the estimators as well
    fitted = br.BayesRidge(alpha=1.0).fit(DF, y, sample_weight=w)
    np.testing.assert_allclose(fitted.coef_, ridge(X, Y, sample_weight=w.to_numpy()).coef_,
                               atol=1e-8)


@pytest.mark.parametrize("design", ["p>>n", "scales 1e-8..1e8", "duplicate"])
def test_estimators_on_awkward_designs_match_sklearn(design):
    Xd, y = X, Y
    if design == "p>>n":
        Xd = RNG.normal(size=(15, 300))
        y = Xd[:, 0] + RNG.normal(size=15)
    elif design == "scales 1e-8..1e8":
        Xd = X * np.array([1e-8, 1.0, 1e8])
    elif design == "duplicate":
        Xd = np.column_stack([X, X[:, 0]])
    ours = br.BayesRidge(alpha=1.0).fit(Xd, y)
    ref = ridge(Xd, y)
    scale = max(1.0, np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8 * scale, rtol=1e-7)
    lasso = br.BayesLasso(alpha=0.05).fit(Xd, y)
    ref = lm.Lasso(alpha=0.05, tol=1e-14, max_iter=1_000_000).fit(Xd, y)
    np.testing.assert_allclose(lasso.coef_, ref.coef_, atol=1e-6 * scale)


def _awkward(kind):
    """Boolean, nullable-integer, duplicated and 1e-8..1e8-scaled columns in one frame."""
    frame = pd.DataFrame({"flag": X[:, 0] > 0,
                          "count": pd.array(np.arange(N) % 4, dtype="Int64"),
                          "x": X[:, 1], "x_again": X[:, 1],
                          "tiny": 1e-8 * X[:, 2], "huge": 1e8 * X[:, 2]})
    return frame, {"logistic": YB, "poisson": YP}.get(kind, Y)


@pytest.mark.parametrize("kind", ["enet", "logistic", "poisson"])
def test_other_estimators_on_an_awkward_frame_match_sklearn(kind):
    frame, y = _awkward(kind)
    Xf = frame.to_numpy(dtype=float)
    if kind == "enet":
        ours = br.BayesElasticNet(alpha=0.05, l1_ratio=0.5).fit(frame, y)
        ref = lm.ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-14, max_iter=1_000_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.fit(Xf, y)
        coef, intercept = ref.coef_, ref.intercept_
    else:  # sklearn's GLM solvers stall on the 1e8 column: scipy on rescaled coordinates
        ours = (br.BayesLogisticRegression(C=1.0) if kind == "logistic"
                else br.BayesPoissonRegressor(alpha=0.1)).fit(frame, y)
        coef, intercept = _glm_reference(Xf, y, kind, l2=1.0 if kind == "logistic" else 0.1 * N)
    scale = Xf.std(0)  # coefficients of the 1e8 column are 1e-8 smaller: compare them scaled
    np.testing.assert_allclose(ours.coef_ * scale, coef * scale, atol=1e-6)
    assert float(np.ravel(ours.intercept_)[0]) == pytest.approx(intercept, abs=1e-6)
    assert list(ours.feature_names_in_) == list(frame.columns)


def _glm_reference(Xf, y, kind, l2):
    """argmin sum(nll) + l2/2 |w|^2 by scipy's Newton-CG in v = w * scale."""
    scale = Xf.std(0)
    Z = np.column_stack([np.ones(len(y)), Xf / scale])
    pen = np.r_[0.0, np.full(Xf.shape[1], l2) / scale**2]

    def parts(v):
        eta = Z @ v
        if kind == "logistic":
            mu = expit(eta)
            f = np.sum(np.logaddexp(0.0, eta) - y * eta)
            h = mu * (1 - mu)
        else:
            mu = np.exp(eta)
            f = np.sum(mu - y * eta)
            h = mu
        return (f + 0.5 * pen @ v**2, Z.T @ (mu - y) + pen * v,
                (Z * h[:, None]).T @ Z + np.diag(pen))

    res = minimize(lambda v: parts(v)[0], np.zeros(Z.shape[1]), jac=lambda v: parts(v)[1],
                   hess=lambda v: parts(v)[2], method="Newton-CG", options={"xtol": 1e-14})
    return res.x[1:] / scale, res.x[0]


# ===================================================================================
# 4. Numerical honesty: no success reported for NaN or meaningless results
# ===================================================================================
def test_solver_never_reports_a_non_finite_result_as_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_map(X, Y * 1e300 * 1e8, family=GaussianFamily(), l2=1.0)  # the math
        # layer trusts its input
    assert not np.isfinite(res.objective) and not res.converged


def test_map_refuses_a_non_finite_solver_result(monkeypatch):
    def broken(*args, **kwargs):
        return MapResult(coef=np.full(P, np.nan), intercept=np.nan, objective=np.nan,
                         n_iter=1, converged=True, kkt_violation=0.0, solver="spectral")

    monkeypatch.setattr(map_module, "fit_map", broken)
    with pytest.raises(ValueError, match="non-finite values.*Rescale X and y"):
        model().map()


@pytest.mark.parametrize("cols,y,family,expected", [
    ("ones", np.zeros(N), "bernoulli", True), ("ones", YB, "bernoulli", False),
    ("x0", YS, "bernoulli", True), ("x0", YB, "bernoulli", False),
    ("x0+ones", YS, "bernoulli", True), ("all+ones", YB, "bernoulli", False),
    ("ones", np.zeros(N), "poisson", True), ("all+ones", YP, "poisson", False),
    ("x0+ones", np.where(X[:, 0] > 0, 0.0, 0.0), "poisson", True),
])
def test_no_mode_direction(cols, y, family, expected):
    """The LP (and its one-column shortcut) against cases with a known answer."""
    parts = {"ones": [np.ones((N, 1))], "x0": [X[:, :1]], "x0+ones": [X[:, :1], np.ones((N, 1))],
             "all+ones": [X, np.ones((N, 1))]}[cols]
    assert no_mode_direction(np.hstack(parts), y, get_family(family)) is expected


def test_kkt_certificate_of_nan_is_not_zero():
    kkt = kkt_violation(X, Y, np.full(P, np.nan), 0.0, family=GaussianFamily(), l2=1.0)
    assert not kkt <= 1e-10


@pytest.mark.parametrize("draws,chains", [(1, 1), (1, 4), (3, 2)])
def test_gate_fails_when_rhat_and_ess_cannot_be_computed(draws, chains):
    fit = model().sample(sampler="exact", draws=draws, chains=chains, random_seed=1,
                         progressbar=False)
    assert br.check_convergence(fit).ok             # exact draws: nothing to check
    report = br.check_convergence(fit, iid=False, sampler="pymc")  # as if from MCMC
    assert not report.ok
    assert "cannot be computed" in report.message and "To fix" in report.message


def test_gate_fails_for_nan_statistics():
    draws = xr.Dataset({"coef": (("chain", "draw"), np.full((2, 50), np.nan))})
    tree = xr.DataTree.from_dict({"posterior": draws})
    assert not br.check_convergence(tree, iid=False).ok


# ===================================================================================
# 5. The never-finishing case: a wide conjugate model goes to the exact sampler
# ===================================================================================
def test_wide_conjugate_model_is_sampled_exactly():
    Xw = RNG.normal(size=(30, 600))   # the case is p = 2000, n = 50: same route
    m = br.Model(Xw, Xw[:, 0] + RNG.normal(size=30), prior=G, sigma=1.0)
    fit = m.sample(draws=20, chains=2, random_seed=0, progressbar=False)  # sampler="auto"
    assert "exact_kind" in fit["posterior"].attrs
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)          # stop right at the warning
        with pytest.raises(UserWarning, match="p=600 > n=30.*sampler='exact'"):
            m.sample(sampler="pymc", draws=5, tune=5, chains=1, progressbar=False)


def test_the_auto_rule(monkeypatch):
    """``sampler="auto"`` is one rule in one place (``choose_sampler``): exact for a wide
    conjugate model sampled without options or a compiled sampler, gibbs for a narrow
    gaussian model with a fixed scale-mixture prior, else nutpie when it is installed,
    else pymc; a named sampler stays as it is."""
    Xw = RNG.normal(size=(30, 600))
    wide = br.Model(Xw, Xw[:, 0] + RNG.normal(size=30), prior=G, sigma=1.0)
    narrow = br.Model(Xw[:, :3], Xw[:, 0] + RNG.normal(size=30), prior=G, sigma=1.0)
    hierarchical = wide.replace(prior=br.Gaussian(br.HalfNormal(1.0)))
    choose = _arguments.choose_sampler
    for installed, nuts in ((True, "nutpie"), (False, "pymc")):
        monkeypatch.setattr(_arguments, "_installed",
                            lambda m, ok=installed: ok or m != "nutpie")
        assert choose("auto", wide) == "exact"
        assert choose("auto", wide, options={"target_accept": 0.9}) == nuts
        assert choose("auto", wide, compiled=True) == nuts
        assert choose("auto", narrow) == "gibbs"
        assert choose("auto", narrow, compiling=True) == "gibbs"   # Model.compile
        assert choose("auto", wide, compiling=True) == nuts        # p = 600 > 200
        assert choose("auto", narrow, options={"target_accept": 0.9}) == nuts
        assert choose("auto", hierarchical) == nuts
        assert choose("auto") == nuts           # no model: a NUTS sampler
        assert choose("pymc", wide) == "pymc"
    with pytest.raises(ImportError, match=r"pip install 'bayesreg\[nutpie\]'"):
        choose("nutpie", wide)
    with pytest.raises(ValueError, match="'sampler' parameter of Model.sample must be one of"):
        choose("stan", wide)


# ===================================================================================
# 6. Nothing lost: interrupts, atomic saves, validated loads
# ===================================================================================
def test_interrupted_sampling_says_so(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_samplers, "exact_draws", interrupted)
    with pytest.raises(KeyboardInterrupt, match="interrupted.*nothing was written"):
        _exact()


def test_a_run_stopped_early_says_what_it_holds(monkeypatch):
    """nutpie returns the draws it has when interrupted: the fit says so."""
    real = _samplers._sample_exact

    def stopped(model_, *, draws, **kwargs):  # chain 1 got 2 draws fewer: NaN-padded
        tree = real(model_, draws=draws // 2, **kwargs)
        post = tree["posterior"].to_dataset()
        for name in post.data_vars:
            post[name][dict(chain=1, draw=slice(3, None))] = np.nan
        tree["posterior"] = post
        return tree

    monkeypatch.setattr(_samplers, "_sample_exact", stopped)
    with pytest.warns(UserWarning, match="stopped early.*3 of 10 draws.*every chain"):
        fit = model().sample(sampler="exact", draws=10, chains=2, progressbar=False)
    assert fit["posterior"].attrs["bayesreg_interrupted"] == "3 of 10 draws per chain"
    assert fit["posterior"].sizes["draw"] == fit["sample_stats"].sizes["draw"] == 3
    assert not np.isnan(fit["posterior"]["coef"].values).any()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("fits") / "fit.nc"
    fit = model(DF).sample(sampler="exact", draws=10, chains=2, random_seed=0,
                           progressbar=False)
    br.save(fit, path)
    return path


def test_interrupted_save_leaves_nothing(saved, tmp_path, monkeypatch):
    fit = br.load(saved)

    def half_written(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"\x89HDF half")
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.DataTree, "to_netcdf", half_written)
    with pytest.raises(KeyboardInterrupt):
        br.save(fit, tmp_path / "out.nc")
    assert list(tmp_path.iterdir()) == []


def test_save_to_a_read_only_folder_says_so(saved, tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    with pytest.raises(PermissionError, match="is not writable. Choose another folder"):
        br.save(br.load(saved), tmp_path / "out.nc")


def test_save_overwrite_must_be_a_bool(saved):
    with pytest.raises(ValueError, match="'overwrite' parameter of save must be a bool"):
        br.save(br.load(saved), saved, overwrite="no")
    assert br.load(saved)  # untouched


def test_load_refuses_a_damaged_file(saved, tmp_path):
    """Bytes overwritten inside a valid HDF5 file (a bad disk, an interrupted copy): h5py
    fails on a metadata checksum with a KeyError; load says the file is damaged."""
    data = bytearray(saved.read_bytes())
    data[2000:2100] = b"x" * 100
    path = tmp_path / "damaged.nc"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged|not a NetCDF file"):
        br.load(path)


def test_load_round_trip(saved):
    m = br.Model.from_idata(br.load(saved))
    assert m.feature_names == ["a", "b", "c"]


def _tampered(saved, tmp_path, edit):
    with xr.open_datatree(str(saved), engine="h5netcdf") as lazy:
        tree = lazy.load().copy()
    attrs = tree["posterior"].attrs
    spec = json.loads(attrs["bayesreg_spec"])
    result = edit(spec, tree)
    attrs["bayesreg_spec"] = result if isinstance(result, str) else json.dumps(spec)
    out = tmp_path / "tampered.nc"
    tree.to_netcdf(out, engine="h5netcdf")
    return out


TAMPER = {
    "broken JSON": (lambda s, t: '{"version": 1, "prior": ', "not valid JSON"),
    "deep JSON": (lambda s, t: "[" * 100_000 + "]" * 100_000, "not valid JSON|not an object"),
    "deeply nested prior": (lambda s, t: json.dumps(s).replace(
        '"prior": {', '"prior": ' + '{"type": "Laplace", "scale": ' * 50_000 + '{', 1).replace(
        '}, "family"', "}" * 50_001 + ', "family"', 1), "not valid JSON|nested too deeply"),
    "nested prior": (lambda s, t: json.dumps(s).replace(
        '"prior": {', '"prior": ' + '{"type": "Laplace", "scale": ' * 900 + '{', 1).replace(
        '}, "family"', "}" * 901 + ', "family"', 1), "nested too deeply|malformed|'scale' parameter"),
    "unknown prior type": (lambda s, t: s.update(prior={"type": "os.system", "scale": 1.0}),
                           "Unknown prior type"),
    "prior bad arguments": (lambda s, t: s.update(prior={"type": "Gaussian", "scael": 1.0}),
                            "malformed"),
    "prior negative scale": (lambda s, t: s.update(prior={"type": "Gaussian", "scale": -1.0}),
                             "'scale' parameter of Gaussian"),
    "prior not a prior": (lambda s, t: s.update(prior=3.0), "'prior' is not a prior"),
    "fit_intercept string": (lambda s, t: s.update(fit_intercept="yes"),
                             "'fit_intercept' must be true or false"),
    "unknown family": (lambda s, t: s.update(family="cauchy"), "cauchy"),
    "missing field": (lambda s, t: s.pop("family") and None, "lacks the fields \\['family'\\]"),
    "future version": (lambda s, t: s.update(version=99), "version 99"),
    "spec is a list": (lambda s, t: "[1, 2]", "version|not an object"),
    "feature names": (lambda s, t: s.update(feature_names=["a", "b", "zzz"]),
                      "feature_names"),
    "formula with code": (lambda s, t: s.update(version=2, formula={
        "formula": "y ~ __import__('os').system('echo hacked')", "target": "y",
        "columns": ["a"], "intercept": True, "encoders": {}, "transforms": {}}),
        "formula.*not allowed|may not|formula"),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_load_refuses_a_tampered_spec(case, saved, tmp_path):
    edit, match = TAMPER[case]
    path = _tampered(saved, tmp_path, edit)
    with pytest.raises(ValueError, match=f"(?s)fails validation|{match}") as info:
        br.load(path)
    assert match == "" or info.match(f"(?s){match}")
    assert "save it again" in str(info.value) or "upgrade" in str(info.value)


@pytest.mark.parametrize("content", ["garbage", "empty", "foreign netcdf", "no posterior"])
def test_load_refuses_corrupt_or_foreign_files(content, tmp_path):
    path = tmp_path / "f.nc"
    if content == "garbage":
        path.write_bytes(b"\x00\x01 not a netcdf file" * 10)
    elif content == "empty":
        path.write_bytes(b"")
    elif content == "foreign netcdf":
        xr.DataTree.from_dict({"posterior": xr.Dataset({"a": ("x", [1.0])})}).to_netcdf(
            path, engine="h5netcdf")
    else:
        xr.DataTree.from_dict({"other": xr.Dataset({"a": ("x", [1.0])})}).to_netcdf(
            path, engine="h5netcdf")
    with pytest.raises(ValueError, match="not a NetCDF file written by bayesreg|no bayesreg "
                                         "model spec"):
        br.load(path)


def test_load_refuses_mismatched_data(saved, tmp_path):
    def drop_y(spec, tree):
        tree["observed_data"] = xr.Dataset({"y": ("obs_id", np.zeros(3))})
    with pytest.raises(ValueError, match="fails validation.*shape"):
        br.load(_tampered(saved, tmp_path, drop_y))


# ===================================================================================
# 4. The bad-input matrix of issue 23, item 5: each case through every sampler or entry
# ===================================================================================
@pytest.mark.parametrize("sampler", ["exact", "gibbs"])
def test_zero_columns_samples_the_intercept_only_posterior(sampler):
    """No columns, fixed sigma = 1, flat intercept: the posterior is N(mean(y), 1/sqrt(n));
    the samplers draw it (every one raised a bare ZeroDivisionError in ``center``; the NUTS
    samplers share that code path and are left out here for their compile time)."""
    m = br.Model(X[:, :0], Y, prior=br.Gaussian(1.0), sigma=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        fit = m.sample(draws=500, tune=300, chains=2, sampler=sampler, random_seed=1,
                       progressbar=False)
    b = fit.posterior["intercept"].values.ravel()
    assert fit.posterior["coef"].shape[-1] == 0
    mcse = 1 / math.sqrt(N) / math.sqrt(200)  # ESS >= 200 of 1,000 draws
    assert abs(b.mean() - Y.mean()) < 4 * mcse
    assert abs(b.std() - 1 / math.sqrt(N)) < 0.15 / math.sqrt(N)


def _tiny_sigma_entry_points():
    Xw, yw = RNG.normal(size=(10, 30)), RNG.normal(size=10)   # p >> n: interpolates
    return {
        "Model": lambda: br.Model(Xw, yw, prior=br.Gaussian(1.0), sigma=1e-7),
        "BayesRidge": lambda: br.BayesRidge(sigma=1e-7).fit(Xw, yw),
        "from_sklearn": lambda: br.from_sklearn(lm.Ridge(alpha=1e-6).fit(Xw, yw), Xw, yw,
                                                sigma=1e-7),
        "DaskModel": lambda: br.DaskModel(_dask_array(Xw), _dask_array(yw),
                                          prior=br.Gaussian(1.0), sigma=1e-7),
    }


def _dask_array(a):
    da = pytest.importorskip("dask.array")
    return da.from_array(a, chunks=5)


@pytest.mark.parametrize("entry", ["Model", "BayesRidge", "from_sklearn", "DaskModel"])
def test_a_vanishing_fixed_sigma_warns_at_every_entry_point(entry):
    with pytest.warns(UserWarning, match="sigma=1e-07 is .* times the sd of y"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", br.ConvergenceWarning)
            _tiny_sigma_entry_points()[entry]()


def test_a_small_but_sensible_sigma_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        br.Model(X, Y, prior=br.Gaussian(1.0), sigma=1e-3 * float(np.std(Y)))


def test_a_vanishing_sigma_warns_in_the_cli(tmp_path, capsys):
    from bayesreg.cli import main

    path = tmp_path / "d.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": Y}).to_csv(path, index=False)
    with pytest.warns(UserWarning, match="times the sd of y"):
        main(["fit", str(path), "--target", "y", "--prior", "gaussian", "--scale", "1",
              "--sigma", "1e-9", "--sampler", "exact", "--draws", "20", "--chains", "1",
              "--out", str(tmp_path / "f.nc")])


@pytest.mark.parametrize("family", ["poisson", "negative_binomial"])
def test_simulating_counts_beyond_exp_range_names_the_prior(family):
    """A prior wide enough for exp(eta) to overflow (the horseshoe's default global scale
    under a log link, found by SBC) gave NumPy's "lam value too large"."""
    aux = {"dispersion": 1.0} if family == "negative_binomial" else {}
    with pytest.raises(ValueError, match="too large for a log link"):
        get_family(family).simulate(np.array([1.0, 80.0]), np.random.default_rng(0), **aux)
    m = br.Model(X, YP, prior=br.Gaussian(1e3), family=family,
                 intercept_prior=br.Gaussian(1.0), **aux)
    with pytest.raises(ValueError, match="too large for a log link"):
        br.sbc(m, simulations=20, sampler="nutpie")  # refused before any fit


def _complex_design():
    Xc = X.astype(complex)
    Xc[0, 0] += 1j
    return Xc


@pytest.mark.parametrize("entry", ["Model", "from_sklearn", "BayesRidge", "DaskModel"])
def test_a_complex_column_is_refused_at_every_entry_point(entry):
    """A complex column was cast to real with only NumPy's warning on the DaskModel path."""
    Xc = _complex_design()
    run = {"Model": lambda: br.Model(Xc, Y, prior=br.Gaussian(1.0)),
           "from_sklearn": lambda: br.from_sklearn(lm.Ridge().fit(X, Y), Xc, Y),
           "BayesRidge": lambda: br.BayesRidge().fit(Xc, Y),
           "DaskModel": lambda: br.DaskModel(_dask_array(Xc), _dask_array(Y),
                                             prior=br.Gaussian(1.0))}[entry]
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        with pytest.raises(ValueError, match="(?i)complex|must be real"):
            run()


def _huge_conjugate():
    rng = np.random.default_rng(7)
    Xh = rng.normal(size=(20, 1500))
    return Xh, Xh[:, 0] + rng.normal(size=20)


@pytest.mark.parametrize("sampler", ["nutpie", "pymc", "numpyro", "blackjax"])
@pytest.mark.parametrize("entry", ["Model", "BayesRidge"])
def test_a_named_nuts_sampler_on_a_huge_conjugate_model_is_refused_at_once(entry, sampler):
    """p = 1500 >> n = 20, conjugate: NUTS would run for many minutes; refused before any
    compilation, naming sampler='exact' (the sampling is never reached)."""
    Xh, yh = _huge_conjugate()
    run = {"Model": lambda: br.Model(Xh, yh, prior=br.Gaussian(1.0), sigma=1.0).sample(
               sampler=sampler, progressbar=False),
           "BayesRidge": lambda: br.BayesRidge(sigma=1.0, method="sample", sampler=sampler,
                                               progressbar=False).fit(Xh, yh)}[entry]
    with pytest.raises(ValueError, match="sampler='exact'"):
        run()


def test_the_exact_sampler_on_the_huge_conjugate_model_is_quick():
    Xh, yh = _huge_conjugate()
    fit = br.Model(Xh, yh, prior=br.Gaussian(1.0), sigma=1.0).sample(
        draws=50, chains=2, sampler="exact", random_seed=0, progressbar=False)
    assert fit.posterior["coef"].shape == (2, 50, 1500)
