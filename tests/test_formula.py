"""Formulas (``Model.from_formula``) and standardized priors (``standardize=True``).

Each formula design is checked against the same design built by hand, each standardized
model against scikit-learn's ``make_pipeline(StandardScaler(), estimator)`` (MAP = the
final step's fit to 1e-8) and against the closed-form posterior (exact sampler).
"""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import bayesreg as br
from bayesreg.inference._pointwise import SPEC_ATTR


@pytest.fixture(scope="module")
def diabetes():
    """The unscaled diabetes data (age in years, sex coded 1/2, ...) as a DataFrame."""
    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    return X.assign(y=y)


@pytest.fixture(scope="module")
def weights(diabetes):
    return np.random.default_rng(0).uniform(0.5, 2.0, len(diabetes))


def hand_design(df):
    """``y ~ age + bmi + C(sex) + age:C(sex)`` built by hand (treatment coding, level 1
    the reference)."""
    male = (df["sex"] == 2).astype(float).to_numpy()
    return np.column_stack([df["age"], df["bmi"], male, df["age"] * male])


FORMULA = "y ~ age + bmi + C(sex) + age:C(sex)"
COLUMNS = ["age", "bmi", "C(sex)[T.2.0]", "age:C(sex)[T.2.0]"]


# ------------------------------------------------------------------------- formulas
def test_formula_design_is_the_hand_built_design(diabetes):
    """Column names from the formula; the same X and the same MAP as the hand-built
    design matrix (categorical + interaction)."""
    model = br.Model.from_formula(FORMULA, diabetes, prior=br.Laplace(0.5), sigma=50.0)
    assert model.feature_names == COLUMNS and model.fit_intercept
    np.testing.assert_array_equal(model.X, hand_design(diabetes))
    hand = br.Model(hand_design(diabetes), diabetes["y"], prior=br.Laplace(0.5), sigma=50.0)
    a, b = model.map(tol=1e-12), hand.map(tol=1e-12)
    assert list(a.coef.feature.values) == COLUMNS
    np.testing.assert_allclose(a.coef.values, b.coef.values, rtol=0, atol=1e-10)
    assert a.intercept == pytest.approx(b.intercept, abs=1e-8)


def test_intercept_comes_from_the_formula(diabetes):
    """``y ~ 0 + ...`` has no intercept (and codes every level); passing fit_intercept
    is refused."""
    model = br.Model.from_formula("y ~ 0 + C(sex) + bmi", diabetes, prior=br.Gaussian(1.0))
    assert not model.fit_intercept
    assert model.feature_names == ["C(sex)[1.0]", "C(sex)[2.0]", "bmi"]
    with pytest.raises(TypeError, match="intercept from the formula"):
        br.Model.from_formula("y ~ bmi", diabetes, prior=br.Gaussian(1.0), fit_intercept=False)


def test_formula_errors_are_clear(diabetes):
    df = diabetes.copy()
    df.loc[[3, 7], "y"] = np.nan
    with pytest.raises(ValueError, match=r"the target 'y' has 2 missing values.*rows \[3, 7\]"):
        br.Model.from_formula("y ~ bmi", df, prior=br.Gaussian(1.0))
    with pytest.raises(ValueError, match=r"lacks the columns \['weight'\]"):
        br.Model.from_formula("y ~ bmi + weight", diabetes, prior=br.Gaussian(1.0))
    with pytest.raises(ValueError, match="one target"):
        br.Model.from_formula("y ~ bmi | age", diabetes, prior=br.Gaussian(1.0))
    with pytest.raises(ValueError, match="'target ~ predictors'"):
        br.Model.from_formula("bmi + age", diabetes, prior=br.Gaussian(1.0))
    # a formula evaluates nothing but columns, transforms, np ufuncs and arithmetic
    for bad in ("y ~ open(bmi)", "y ~ __import__('os')", "y ~ np.save(bmi)"):
        with pytest.raises(ValueError, match="is not allowed"):
            br.Model.from_formula(bad, diabetes, prior=br.Gaussian(1.0))
    text = diabetes.assign(group=np.where(diabetes["sex"] == 1, "a", "b"))
    with pytest.raises(ValueError, match="must be one numeric column"):
        br.Model.from_formula("group ~ bmi", text, prior=br.Gaussian(1.0))


def test_predict_builds_the_design_of_new_data(diabetes):
    """``predict(new_df)`` encodes new rows with the training levels: the posterior mean
    equals the hand-built design times the posterior means; an unseen level raises."""
    model = br.Model.from_formula(FORMULA, diabetes, prior=br.Gaussian(10.0), sigma=50.0)
    fit = model.sample(draws=100, chains=2, sampler="exact", random_seed=0)
    new = diabetes.iloc[[5, 0, 9]].drop(columns="y")   # the target is not needed
    pred = model.predict(new, fit, random_seed=1)
    post = fit.posterior
    expected = hand_design(new) @ post["coef"].mean(("chain", "draw")).values \
        + float(post["intercept"].mean())
    np.testing.assert_allclose(pred.mean, expected, rtol=1e-10)
    # the design itself (an array) is accepted as before
    np.testing.assert_allclose(model.predict(hand_design(new), fit).mean, expected, rtol=1e-10)
    unseen = new.assign(sex=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"levels not seen in training: \{3\.0\}"):
        model.predict(unseen, fit)
    with pytest.raises(ValueError, match="'bmi' has 1 missing"):
        model.predict(new.assign(bmi=[1.0, np.nan, 2.0]), fit)


def test_save_load_rebuilds_the_formula_model(diabetes, tmp_path):
    """The formula and its levels travel as JSON: the loaded fit rebuilds the same model
    (standardized too), which predicts new data frames as the original does."""
    model = br.Model.from_formula("np.log(y) ~ age * C(sex) + np.log(bmi) + center(bp)",
                                  diabetes, prior=br.Gaussian(1.0), sigma=0.4,
                                  standardize=True)
    fit = model.sample(draws=50, chains=2, sampler="exact", random_seed=0)
    spec = json.loads(fit.posterior.attrs[SPEC_ATTR])
    assert spec["version"] == 2 and spec["formula"]["encoders"]["C(sex)"]["categories"] == \
        [1.0, 2.0]
    br.save(fit, tmp_path / "fit.nc")
    loaded = br.load(tmp_path / "fit.nc")
    again = br.Model.from_idata(loaded)
    assert again.spec() == model.spec()
    np.testing.assert_array_equal(again.X, model.X)
    np.testing.assert_array_equal(again.X_original, model.X_original)
    new = pd.DataFrame({"age": [30.0, 60.0], "sex": [2.0, 1.0], "bmi": [25.0, 31.0],
                        "bp": [80.0, 110.0]})
    a = model.predict(new, fit, random_seed=3)
    b = again.predict(new, loaded, random_seed=3)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.draws.values, b.draws.values)
    with pytest.raises(ValueError, match="not seen in training"):
        again.predict(new.assign(sex=[2.0, 5.0]), loaded)


def test_formula_sample_weight_may_name_a_column(diabetes, weights):
    df = diabetes.assign(w=weights)
    a = br.Model.from_formula("y ~ bmi + C(sex)", df, prior=br.Gaussian(1.0), sample_weight="w")
    np.testing.assert_array_equal(a.sample_weight, weights)


# ------------------------------------------------------------------ standardization
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("estimator", [
    Ridge(alpha=30.0),
    Lasso(alpha=0.3, tol=1e-12, max_iter=100_000),
    Ridge(alpha=30.0, fit_intercept=False),
], ids=["ridge", "lasso", "ridge-no-intercept"])
def test_map_is_the_standardscaler_pipeline(diabetes, weights, estimator, weighted):
    """``from_sklearn(make_pipeline(StandardScaler(), est))`` is the standardize=True
    model: its MAP is the pipeline's final coef_/intercept_ to 1e-8 on the unscaled
    diabetes data, with and without sample_weight (the scaler's weighted mean and
    variance), and to_sklearn gives the pipeline back."""
    X, y = diabetes.drop(columns="y"), diabetes["y"].to_numpy()
    sw = weights if weighted else None
    pipe = make_pipeline(StandardScaler(with_mean=estimator.fit_intercept), estimator)
    model = br.from_sklearn(pipe, X, y, sample_weight=sw)
    assert model.standardization is not None
    fitted = pipe.fit(X, y, **({} if sw is None else {
        "standardscaler__sample_weight": sw, f"{pipe.steps[1][0]}__sample_weight": sw}))
    est = model.map(tol=1e-14)
    np.testing.assert_allclose(est.coef.values, fitted[-1].coef_, rtol=0, atol=1e-8)
    assert est.intercept == pytest.approx(fitted[-1].intercept_, abs=1e-8)
    # the original scale predicts what the pipeline predicts
    np.testing.assert_allclose(X.to_numpy() @ est.coef_original.values
                               + est.intercept_original, fitted.predict(X), atol=1e-8)
    twin = br.to_sklearn(model)
    assert [type(s).__name__ for _, s in twin.steps] == ["StandardScaler",
                                                          type(estimator).__name__]
    assert twin[0].with_mean == estimator.fit_intercept
    assert twin[-1].alpha == pytest.approx(estimator.alpha, rel=1e-12)
    cmp = br.compare_map(model)
    assert cmp.max_abs_dcoef < 1e-8 and cmp.abs_dintercept < 1e-8


def test_logistic_map_is_the_pipeline(diabetes, weights):
    X = diabetes.drop(columns="y")
    y = (diabetes["y"] > diabetes["y"].median()).to_numpy().astype(float)
    for sw in (None, weights):
        pipe = make_pipeline(StandardScaler(), LogisticRegression(
            C=0.05, solver="newton-cholesky", tol=1e-12, max_iter=1000))
        model = br.from_sklearn(pipe, X, y, sample_weight=sw)
        kw = {} if sw is None else {"standardscaler__sample_weight": sw,
                                    "logisticregression__sample_weight": sw}
        fitted = pipe.fit(X, y, **kw)
        est = model.map(tol=1e-14)
        np.testing.assert_allclose(est.coef.values, fitted[-1].coef_.ravel(), atol=1e-8)
        assert est.intercept == pytest.approx(fitted[-1].intercept_[0], abs=1e-8)
    with pytest.raises(ValueError, match="StandardScaler"):
        br.from_sklearn(make_pipeline(StandardScaler(with_mean=False), Ridge()), X, y)


def test_standardized_posterior_on_both_scales(diabetes, weights):
    """Exact draws of a standardized Gaussian model: the posterior mean is the closed
    form on the standardized design, coef_original = coef / scale_j and
    intercept_original = intercept - sum_j coef_j center_j / scale_j draw by draw (scale
    and center as StandardScaler's), and log_prior is the prior density of the
    standardized coefficients (the ones the prior is on)."""
    X, y = diabetes.drop(columns="y"), diabetes["y"].to_numpy()
    sigma, tau = 50.0, 5.0
    model = br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma, sample_weight=weights,
                     standardize=True)
    scaler = StandardScaler().fit(X, sample_weight=weights)
    np.testing.assert_allclose(model.standardization.scale, scaler.scale_, rtol=1e-12)
    np.testing.assert_allclose(model.standardization.center, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(model.X, scaler.transform(X), atol=1e-12)

    n_draws = 2000
    fit = model.sample(draws=n_draws, chains=2, sampler="exact", random_seed=0)
    post = fit.posterior
    # closed form: flat intercept, Gaussian(tau) on the standardized coefficients
    D = np.column_stack([np.ones(len(y)), model.X])
    prec = D.T @ (weights[:, None] * D) / sigma**2 + np.diag([0.0] + [tau**-2] * 10)
    cov = np.linalg.inv(prec)
    mean = cov @ (D.T @ (weights * y)) / sigma**2
    got = np.concatenate([[float(post["intercept"].mean())],
                          post["coef"].mean(("chain", "draw")).values])
    se = np.sqrt(np.diag(cov) / (2 * n_draws))         # i.i.d. draws
    assert np.all(np.abs(got - mean) < 4 * se), (got - mean) / se

    coef = post["coef"].transpose("chain", "draw", "feature").values
    np.testing.assert_allclose(post["coef_original"].transpose("chain", "draw", "feature"),
                               coef / scaler.scale_, rtol=1e-12)
    np.testing.assert_allclose(post["intercept_original"].values,
                               post["intercept"].values - coef @ (scaler.mean_ / scaler.scale_),
                               rtol=1e-12)
    lp = fit["log_prior"]
    assert set(lp.data_vars) == {"coef", "intercept"}
    np.testing.assert_allclose(lp["coef"].transpose("chain", "draw", "feature"),
                               stats.norm.logpdf(coef, 0.0, tau), rtol=1e-12)
    summary = az.summary(fit, var_names=["coef", "coef_original", "intercept_original"])
    assert len(summary) == 21
    # the data as given travel with the fit; predict takes the original scale
    np.testing.assert_array_equal(fit.constant_data["X_original"].values, X.to_numpy())
    pred = model.predict(X.iloc[:3], fit)
    expected = X.iloc[:3].to_numpy() @ post["coef_original"].mean(("chain", "draw")).values \
        + float(post["intercept_original"].mean())
    np.testing.assert_allclose(pred.mean, expected, rtol=1e-9)
    # MAP = posterior mean for a Gaussian posterior, on both scales
    est = model.map()
    np.testing.assert_allclose(est.coef.values, mean[1:], rtol=1e-9)
    np.testing.assert_allclose(est.coef_original.values, mean[1:] / scaler.scale_, rtol=1e-9)


def test_replace_and_rebuild_keep_standardization(diabetes):
    X, y = diabetes.drop(columns="y"), diabetes["y"]
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=50.0, standardize=True)
    other = model.replace(prior=br.Laplace(1.0))
    assert other.standardization is not None
    np.testing.assert_array_equal(other.X, model.X)
    rebuilt = br.Model.from_spec(model.spec(), X, y)
    np.testing.assert_array_equal(rebuilt.X, model.X)
    plain = br.Model(X, y, prior=br.Gaussian(1.0), sigma=50.0)
    assert plain.spec()["version"] == 1 and "standardize" not in plain.spec()
    est = plain.map()
    assert est.coef_original is est.coef and est.intercept_original == est.intercept
    with pytest.raises(ValueError, match="'standardize' parameter of Model must be a bool"):
        br.Model(X, y, prior=br.Gaussian(1.0), standardize="yes")


def test_standardization_maps_coefficients_both_ways():
    """The one place coefficients change scale: the linear predictor is the same on both
    scales, and coef_standardized / intercept_standardized invert coef_original /
    intercept_original (draws on the leading axes, features last)."""
    from bayesreg.inference._standardize import Standardization

    rng = np.random.default_rng(5)
    X = rng.normal(3.0, [0.5, 2.0, 10.0], size=(50, 3))
    st = Standardization.fit(X)
    coef_z, b_z = rng.normal(size=(4, 3)), rng.normal(size=4)   # 4 draws
    coef, b = st.coef_original(coef_z), st.intercept_original(b_z, coef_z)
    np.testing.assert_allclose(st.transform(X) @ coef_z.T + b_z, X @ coef.T + b, rtol=1e-12)
    np.testing.assert_allclose(st.coef_standardized(coef), coef_z, rtol=1e-14)
    np.testing.assert_allclose(st.intercept_standardized(b, coef), b_z, rtol=1e-12)
