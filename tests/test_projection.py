"""Projection predictive selection through kulprit (bayesreg.projection_selection)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayesreg as br

pytest.importorskip("kulprit")
pytest.importorskip("nutpie")

SHORT = {"draws": 300, "tune": 300, "chains": 2, "sampler": "nutpie", "progressbar": False}


def _sample(model, seed):
    with warnings.catch_warnings():  # a short run may miss the convergence gate: not
        warnings.simplefilter("ignore", br.ConvergenceWarning)  # what is tested here
        return model.sample(random_seed=seed, **SHORT)


@pytest.fixture(scope="module")
def gaussian():
    """n = 80, p = 10, support {0, 1, 2}; columns on very different scales, intercept 1,
    standardize=True."""
    rng = np.random.default_rng(0)
    n, p = 80, 10
    scale = np.linspace(0.2, 5.0, p)
    X = rng.standard_normal((n, p)) * scale
    w = np.zeros(p)
    w[:3] = np.array([2.0, -1.5, 1.0]) / scale[:3]
    y = 1.0 + X @ w + rng.standard_normal(n)
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=3),
                     standardize=True)
    fit = _sample(model, 1)
    return model, fit, w


def test_gaussian_path_size_and_projected_coefficients(gaussian):
    model, fit, w = gaussian
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quiet: no library noise reaches the user
        res = br.projection_selection(model, fit, max_terms=6, random_seed=0)
    path = res.path
    assert list(path.index) == list(range(7))
    assert path["feature"].iloc[0] is None
    assert set(path["feature"].iloc[1:4]) == {"x0", "x1", "x2"}
    assert res.suggested_size == 3
    assert sorted(res.selected()) == ["x0", "x1", "x2"]
    # the reference's ELPD is reached along the path; the empty model is far from it
    assert path["elpd_diff"].iloc[0] < -20
    assert abs(path["elpd_diff"].iloc[-1]) < 2 * path["diff_se"].iloc[-1] + 1
    assert np.isclose(path["elpd"].iloc[3] - res.reference_elpd, path["elpd_diff"].iloc[3])
    # projected coefficients in the columns' own units, zeros off the selection
    coef = res.coef()
    assert list(coef.index) == list(model.feature_names)
    np.testing.assert_allclose(coef.values[:3], w[:3], rtol=0.2)
    assert np.all(coef.values[3:] == 0)
    assert abs(res.intercept() - 1.0) < 0.4
    draws = res.coef(draws=True)
    assert draws.dims == ("draw", "feature") and draws.sizes["draw"] > 100
    # the reference's posterior is handed to kulprit on its design (for its plots)
    post = res.projector.reference_model.idata.posterior
    ref = fit.posterior["coef_original"].mean(("chain", "draw")).values
    z = float(post["x0"].mean()) / res.standardization.scale[0]
    assert np.isclose(z, ref[0])


def test_forward_search_finds_the_support(gaussian):
    model, fit, _ = gaussian
    res = br.projection_selection(model, fit, method="forward", max_terms=3, random_seed=0)
    assert set(res.path["feature"].iloc[1:]) == {"x0", "x1", "x2"}
    assert res.suggest_size("se") <= 3


def test_a_fit_without_its_log_likelihood_group(gaussian):
    """The reference's LOO needs the pointwise log-likelihood: a fit that did not store
    it (``Model.sample``'s rule at large n) gets it from its draws, with the same result."""
    model, fit, _ = gaussian
    no_ll = xr.DataTree.from_dict({k: fit[k].to_dataset() for k in fit.children
                                   if k != "log_likelihood"})
    kw = dict(method="forward", max_terms=2, random_seed=0)
    stored = br.projection_selection(model, fit, **kw)
    computed = br.projection_selection(model, no_ll, **kw)
    assert computed.reference_elpd == pytest.approx(stored.reference_elpd, rel=1e-10)
    pd.testing.assert_frame_equal(computed.path, stored.path, rtol=1e-8)


def test_bernoulli_without_standardization_and_odd_names():
    rng = np.random.default_rng(3)
    n, p = 200, 10
    X = pd.DataFrame(rng.standard_normal((n, p)), columns=[f"feat {j}" for j in range(p)])
    eta = 0.3 + X.values[:, :3] @ np.array([2.0, -2.0, 1.5])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    model = br.Model(X, y, family="bernoulli",
                     prior=br.RegularizedHorseshoe(expected_nonzero=3))
    fit = _sample(model, 2)
    res = br.projection_selection(model, fit, max_terms=5, random_seed=1)
    assert set(res.path["feature"].iloc[1:4]) == {"feat 0", "feat 1", "feat 2"}
    assert res.suggested_size == 3
    # kulprit sees safe term names; the result speaks the user's
    assert res.terms["feat 0"] == "x0"
    coef = res.coef()
    assert np.all(np.sign(coef.values[:3]) == [1, -1, 1])
    assert np.all(coef.values[3:] == 0)


def test_missing_kulprit_names_the_extra(monkeypatch, gaussian):
    model, fit, _ = gaussian
    monkeypatch.setitem(sys.modules, "kulprit", None)
    with pytest.raises(ImportError, match=r'pip install "bayesreg\[projpred\]"'):
        br.projection_selection(model, fit)


def test_refusals(gaussian):
    model, fit, _ = gaussian
    weighted = model.replace(sample_weight=np.ones(model.n_samples))
    with pytest.raises(ValueError, match="sample_weight"):
        br.projection_selection(weighted, fit)
    with pytest.raises(ValueError, match="method"):
        br.projection_selection(model, fit, method="lasso")
    with pytest.raises(ValueError, match="max_terms"):
        br.projection_selection(model, fit, max_terms=11)
    other = br.Model(model.X_original[:40], model.y[:40], prior=br.Gaussian(1.0))
    with pytest.raises(ValueError, match="does not belong"):
        br.projection_selection(other, fit)


def test_student_t_holds_nu_and_gives_sane_elpds():
    """kulprit alone lets nu run off to ~1e40 on the path (garbage ELPDs); held at the
    reference's median, the intercept-only model is the worst and the path finds the
    support."""
    rng = np.random.default_rng(5)
    n, p = 100, 6
    X = rng.standard_normal((n, p))
    y = 1.0 + X[:, 0] * 3.0 - X[:, 1] * 2.5 + rng.standard_t(4, size=n)
    model = br.Model(X, y, family="student_t",
                     prior=br.RegularizedHorseshoe(expected_nonzero=2))
    fit = _sample(model, 3)
    res = br.projection_selection(model, fit, max_terms=3, random_seed=0)
    path = res.path
    assert np.isfinite(path[["elpd", "elpd_se", "diff_se"]].values).all()
    assert set(path["feature"].iloc[1:3]) == {"x0", "x1"}
    assert path["elpd_diff"].iloc[0] < path["elpd_diff"].iloc[1] < path["elpd_diff"].iloc[2]
    assert res.suggested_size == 2
    assert "nu" not in res.submodel(2).idata.posterior
