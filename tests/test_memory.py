"""A gaussian fit makes no n x p copy of X (issue 21): the sufficient statistics of the
design ``[1, X - x_mean]`` are built chunk by chunk, and the data groups are views.

These tests check the values and the views; they time nothing and measure no memory
(``benchmarks/bench_time_to_posterior.py`` does, see BENCHMARKS.md).
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesreg as br
from bayesreg.backends._pymc_model import data_values
from bayesreg.base._suffstats import SufficientStats
from bayesreg.inference._pointwise import data_groups


def _data(n=300, p=4, seed=0, offset=5.0):
    rng = np.random.default_rng(seed)
    X = offset + rng.standard_normal((n, p)) * np.arange(1, p + 1)
    y = X @ np.linspace(-1.0, 1.0, p) + 2.0 + rng.standard_normal(n)
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def _old_stats(model):
    """The statistics as they were computed before issue 21: the centred design and the
    column of ones materialized, then ``SufficientStats.from_data``."""
    Xd = model.X
    if model.fit_intercept and model.intercept_prior.improper:
        Xd = model.X - np.average(model.X, axis=0, weights=model.sample_weight)
    D = np.column_stack([np.ones(model.n_samples), Xd]) if model.fit_intercept else Xd
    return SufficientStats.from_data(D, model.y, model.sample_weight)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunk_rows", [7, 64, 100_000])
@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize("intercept", [False, True])
def test_from_data_on_the_implied_design_equals_the_materialized_one(
        weighted, chunk_rows, shift, intercept):
    X, y, w = _data()
    w = w if weighted else None
    m = np.average(X, axis=0, weights=w) if shift else None
    D = X if m is None else X - m
    if intercept:
        D = np.column_stack([np.ones(len(y)), D])
    old = SufficientStats.from_data(D, y, w, chunk_rows=chunk_rows)
    new = SufficientStats.from_data(X, y, w, chunk_rows=chunk_rows, shift=m,
                                    intercept=intercept)
    # the same numbers summed in the same order: equal to rounding (exactly, in practice)
    np.testing.assert_allclose(new.xtx, old.xtx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new.xty, old.xty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([new.yty, new.sum_w, new.rss_min],
                               [old.yty, old.sum_w, old.rss_min], rtol=1e-12)
    np.testing.assert_allclose(new.beta_hat, old.beta_hat, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("intercept", ["flat", "proper", "none"])
def test_model_data_values_equal_the_old_formula(weighted, standardize, intercept):
    X, y, w = _data(seed=1)
    kwargs = {"none": dict(fit_intercept=False),
              "proper": dict(intercept_prior=br.Gaussian(10.0)),
              "flat": {}}[intercept]
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0),
                     sample_weight=w if weighted else None, standardize=standardize,
                     **kwargs)
    values, old = data_values(model), _old_stats(model)
    assert "X" not in values  # the gaussian family sees the data through its statistics
    np.testing.assert_allclose(values["suffstat_gram"], old.xtx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(values["suffstat_beta_hat"], old.beta_hat, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose([values["suffstat_rss_min"], values["suffstat_sum_w"]],
                               [old.rss_min, old.sum_w], rtol=1e-12)
    assert ("x_mean" in values) == (intercept == "flat")


@pytest.mark.parametrize("weighted", [False, True])
def test_model_and_its_data_groups_hold_views_of_the_data(weighted):
    X, y, w = _data(seed=2)
    w = w if weighted else None
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0), sample_weight=w)
    assert np.shares_memory(model.X_original, X) and np.shares_memory(model.X, X)
    assert np.shares_memory(model.y, y)
    groups = data_groups(model)
    assert np.shares_memory(groups["constant_data"]["X"].values, X)
    assert np.shares_memory(groups["observed_data"]["y"].values, y)
    if weighted:
        assert np.shares_memory(model.sample_weight, w)
        assert np.shares_memory(groups["constant_data"]["sample_weight"].values, w)


def test_data_values_are_computed_once_per_gaussian_model():
    X, y, _ = _data(seed=3)
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0))
    first, second = model._data_values(), model._data_values()
    assert first["suffstat_gram"] is second["suffstat_gram"]


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf"),
                                          (1e200, "magnitude"), (-1e200, "magnitude")])
def test_check_x_without_a_temporary_still_refuses_bad_values(bad, message):
    X, y, _ = _data(seed=4)
    X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0))
