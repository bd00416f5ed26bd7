"""Simulation-based calibration (bayesreg.sbc): its uniformity test, and that it passes
correct samplers and flags planted miscalibrations (issue 23, items 1 and 3).

Multiple-testing rule (bayesreg.inference._sbc.SBC_RULE): Bonferroni over the ranked
parameter components of one model, joint p = min(1, k * min_j p_j); calibrated when the
joint p > 0.01. Each planted bug must give joint p <= 0.01 at the stated number of
simulations, and its correct twin joint p > 0.01, with fixed seeds.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import xarray as xr

import bayesreg as br
from bayesreg.base._sbc import ecdf_band, sbc_ranks, uniformity_pvalue
from bayesreg.backends import _gibbs as gibbs_backend
from bayesreg.backends._pymc_model import model_shrinkage_scales

ALPHA = 0.01


# ------------------------------------------------------------------ the test itself
def test_uniform_ranks_give_uniform_pvalues():
    """Under uniform ranks the p-value is itself uniform: 300 rank sets, the share below
    0.05 and 0.2 within 4 binomial sd of 0.05 and 0.2."""
    rng = np.random.default_rng(0)
    ps = np.array([uniformity_pvalue(rng.integers(0, 20, 100), 20) for _ in range(300)])
    for level in (0.05, 0.2):
        sd = np.sqrt(level * (1 - level) / ps.size)
        assert abs(np.mean(ps < level) - level) < 4 * sd


def test_shifted_and_overdispersed_ranks_are_flagged_and_the_band_agrees():
    rng = np.random.default_rng(1)
    n, n_ranks = 200, 100
    uniform = rng.integers(0, n_ranks, n)
    shifted = np.minimum(rng.integers(0, n_ranks, n) + 15, n_ranks - 1)  # piled high
    hump = np.clip(np.round(rng.normal(49.5, 15, n)), 0, n_ranks - 1).astype(int)
    z, lo, hi = ecdf_band(n, n_ranks, ALPHA)
    for ranks, bad in ((uniform, False), (shifted, True), (hump, True)):
        p = uniformity_pvalue(ranks, n_ranks)
        diff = np.array([(ranks < j).mean() for j in range(1, n_ranks)]) - z
        outside = bool(np.any((diff < lo - 1e-12) | (diff > hi + 1e-12)))
        assert (p <= ALPHA) == bad, p
        assert outside == bad


def test_ranks_count_draws_below_the_reference():
    draws = np.arange(10.0)[:, None] * np.ones((1, 2))
    assert sbc_ranks(np.array([3.5, -1.0]), draws).tolist() == [4, 0]


# ------------------------------------------------------------------ models
def _exact_model(p=4, n=5, sigma=10.0, intercept=True):
    """Prior-dominated (sigma = 10 over 5 rows): a wrong prior shows in the ranks."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p))
    kw = dict(intercept_prior=br.Gaussian(1.0)) if intercept else dict(fit_intercept=False)
    return br.Model(X, rng.normal(size=n), prior=br.Gaussian(1.0), sigma=sigma, **kw)


def test_sbc_result_layout_reproducibility_and_plot():
    model = _exact_model()
    a = br.sbc(model, simulations=8, sampler="exact", draws=19, random_seed=3)
    b = br.sbc(model, simulations=8, sampler="exact", draws=19, random_seed=3)
    assert isinstance(a, xr.Dataset)
    assert list(a["parameter"].values) == ["coef[x0]", "coef[x1]", "coef[x2]", "coef[x3]",
                                           "intercept"]
    assert a["ranks"].shape == (8, 5) and int(a["ranks"].max()) <= 19
    np.testing.assert_array_equal(a["ranks"], b["ranks"])
    assert np.isclose(float(a["joint_p_value"]), min(1.0, 5 * float(a["p_value"].min())))
    fig = br.plots.plot_sbc(a)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2  # coef, intercept
    # a fit that is a bayesreg.load of a fit works as the model
    fit = model.sample(draws=20, chains=1, sampler="exact", random_seed=0, progressbar=False)
    c = br.sbc(fit, simulations=8, sampler="exact", draws=19, random_seed=3)
    np.testing.assert_array_equal(a["ranks"], c["ranks"])


def test_sbc_on_a_dask_client_gives_the_same_ranks():
    distributed = pytest.importorskip("distributed")
    model = _exact_model()
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        a = br.sbc(model, simulations=6, sampler="exact", draws=19, random_seed=5,
                   client=client)
    b = br.sbc(model, simulations=6, sampler="exact", draws=19, random_seed=5)
    np.testing.assert_array_equal(a["ranks"], b["ranks"])


def test_improper_prior_and_bad_arguments_are_refused():
    rng = np.random.default_rng(0)
    flat = br.Model(rng.normal(size=(5, 2)), rng.normal(size=5), prior=br.Gaussian(1.0),
                    sigma=1.0)  # Flat() intercept
    with pytest.raises(ValueError, match="proper.*intercept_prior=Gaussian"):
        br.sbc(flat, simulations=2, sampler="exact")
    model = _exact_model()
    with pytest.raises(TypeError, match="bayesreg.Model or a fit"):
        br.sbc("model", simulations=2)
    with pytest.raises(TypeError, match="fit must be a callable"):
        br.sbc(model, simulations=2, fit=3)
    with pytest.raises(ValueError, match="var_names"):
        br.sbc(model, simulations=2, sampler="exact", var_names=["nope"])


def test_glm_shrinkage_pseudo_sigma_is_held_fixed():
    """A GLM's shrinkage prior takes its noise factor from the mean of y; SBC holds it at
    the model's y (pseudo_sigma), and a fixed pseudo_sigma is what the prior uses."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    m = br.Model(X, rng.integers(0, 2, 12).astype(float), prior=br.Horseshoe(),
                 family="bernoulli", intercept_prior=br.Gaussian(2.0))
    fixed = m.replace(prior=br.Horseshoe(pseudo_sigma=3.0))
    assert model_shrinkage_scales(fixed).noise == 3.0
    # a new y no longer moves it
    assert model_shrinkage_scales(fixed.replace(y=np.ones(12) * (np.arange(12) < 2))).noise \
        == 3.0
    gaussian = br.Model(X, rng.normal(size=12), prior=br.Horseshoe(pseudo_sigma=1.0),
                        sigma=1.0)
    with pytest.raises(ValueError, match="pseudo_sigma.*has sigma"):
        model_shrinkage_scales(gaussian)


# ------------------------------------------------------------------ planted bugs
@pytest.mark.slow
def test_exact_sampler_passes_and_a_wider_fitting_prior_is_flagged():
    """Bug 1: fit with prior scale 1.5x the simulating one. One coefficient, no intercept
    (k = 1, no Bonferroni loss), 300 simulations (an over-wide posterior is the hardest
    of the three to see); the correct fit passes at 100."""
    model = _exact_model(p=1, intercept=False)
    good = br.sbc(model, simulations=100, sampler="exact", random_seed=11)
    bad = br.sbc(model, simulations=300, sampler="exact", random_seed=11,
                 fit_model=model.replace(prior=br.Gaussian(1.5)))
    assert float(good["joint_p_value"]) > ALPHA and good.attrs["passed"]
    assert float(bad["joint_p_value"]) <= ALPHA and not bad.attrs["passed"]


def _shifted_exact(model, seed):
    """The exact sampler with its coefficients moved up by half a posterior sd."""
    fit = model.sample(draws=50, chains=2, sampler="exact", random_seed=seed,
                       progressbar=False)
    coef = fit.posterior["coef"]
    fit.posterior["coef"] = coef + 0.5 * coef.std(("chain", "draw"))
    return fit


def _exact(model, seed):
    return model.sample(draws=50, chains=2, sampler="exact", random_seed=seed,
                        progressbar=False)


@pytest.mark.slow
def test_exact_mean_shifted_by_half_a_posterior_sd_is_flagged():
    """Bug 3: 100 simulations, 5 components (Bonferroni); the correct fit passes at 60."""
    model = _exact_model()
    bad = br.sbc(model, simulations=100, fit=_shifted_exact, random_seed=12)
    good = br.sbc(model, simulations=60, fit=_exact, random_seed=12)
    assert float(bad["joint_p_value"]) <= ALPHA
    worst = str(bad["parameter"].values[int(np.argmin(bad["p_value"].values))])
    assert worst.startswith("coef")
    assert float(good["joint_p_value"]) > ALPHA


@pytest.mark.slow
def test_gibbs_with_a_non_centred_hyperprior_passes():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(10, 3))
    model = br.Model(X, rng.normal(size=10), prior=br.Gaussian(br.HalfNormal(1.0)),
                     sigma=br.HalfNormal(1.0), intercept_prior=br.Gaussian(2.0))
    res = br.sbc(model, simulations=40, sampler="gibbs", draws=19, sample_draws=100,
                 tune=100, random_seed=13)
    assert set(res["variable"].values) == {"coef", "coef_scale", "sigma", "intercept"}
    assert float(res["joint_p_value"]) > ALPHA


def _without_jacobian(log_prior_of_square):
    """Wrap the Gibbs sampler's density of a squared scale, ``log pi(sqrt(t)) - log(2
    sqrt(t))``, so that it loses its Jacobian term ``-log(2 sqrt(t))``."""
    def dropped(prior):
        log_density = log_prior_of_square(prior)
        return lambda t: log_density(t) + np.log(2.0 * np.sqrt(t))
    return dropped


def _gibbs_without_jacobian(model, seed):
    with mock.patch.object(gibbs_backend, "_log_prior_of_square",
                           _without_jacobian(gibbs_backend._log_prior_of_square)):
        return model.sample(draws=100, tune=100, chains=2, sampler="gibbs", random_seed=seed,
                            progressbar=False)


@pytest.mark.slow
def test_gibbs_with_the_jacobian_of_the_scale_dropped_is_flagged():
    """Bug 2 under Gibbs: the prior scale's update without its Jacobian; 80 simulations,
    ``coef_scale`` ranked (k = 1). Its correct twin is the test above."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(10, 3))
    model = br.Model(X, rng.normal(size=10), prior=br.Gaussian(br.HalfNormal(1.0)),
                     sigma=br.HalfNormal(1.0), intercept_prior=br.Gaussian(2.0))
    bad = br.sbc(model, fit=_gibbs_without_jacobian, simulations=80, draws=19,
                 random_seed=13, var_names=["coef_scale"])
    assert float(bad["joint_p_value"]) <= ALPHA


class _NutsJacobian:
    """NUTS (nutpie) on the model's own PyMC program plus ``-w log(coef_scale)``: with
    ``w = 1`` it cancels the log-Jacobian of the non-centred scale's log transform (the
    bug), with ``w = 0`` it is the model itself. ``w`` is a data container, so one
    compiled program serves both; new data through nutpie's ``with_data``."""

    compiled = None

    def __init__(self, drop: bool):
        self.drop = drop

    def __call__(self, model, seed):
        import nutpie
        import pymc as pm

        if _NutsJacobian.compiled is None:
            pm_model = model.pymc_model
            with pm_model:
                w = pm.Data("drop_jacobian", 1.0)
                pm.Potential("dropped_jacobian", -w * pm.math.log(pm_model["coef_scale"]))
            _NutsJacobian.compiled = nutpie.compile_pymc_model(pm_model)
        data = dict(model._data_values(), drop_jacobian=float(self.drop))
        return nutpie.sample(_NutsJacobian.compiled.with_data(**data), draws=40, tune=150,
                             chains=2, seed=seed, progress_bar=False)


@pytest.mark.slow
def test_nuts_with_a_dropped_jacobian_is_flagged_and_the_correct_program_passes():
    """Bug 2 under NUTS, 12 simulations each: the dropped Jacobian makes the posterior of
    the scale improper at 0, and the ranks of coef_scale pile up at the top."""
    pytest.importorskip("nutpie")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(10, 3))
    model = br.Model(X, rng.normal(size=10), prior=br.Gaussian(br.HalfNormal(1.0)),
                     sigma=1.0, intercept_prior=br.Gaussian(2.0))
    kw = dict(simulations=12, draws=19, random_seed=14)
    bad = br.sbc(model, fit=_NutsJacobian(True), **kw)
    good = br.sbc(model, fit=_NutsJacobian(False), **kw)
    assert float(bad["joint_p_value"]) <= ALPHA
    assert float(good["joint_p_value"]) > ALPHA


# ------------------------------------------------------------------ the CLI
def test_cli_sbc_writes_the_table_and_the_plot(tmp_path, capsys):
    import pandas as pd

    from bayesreg.cli import main

    rng = np.random.default_rng(5)
    model = br.Model(rng.normal(size=(15, 2)), rng.normal(size=15), prior=br.Gaussian(1.0),
                     sigma=1.0)
    fit_path = tmp_path / "fit.nc"
    br.save(model.sample(draws=20, chains=1, sampler="exact", random_seed=0,
                         progressbar=False), fit_path)
    out = tmp_path / "sbc"
    # the flat intercept of the fit is improper: one error line, exit 2, nothing written
    assert main(["sbc", str(fit_path), "--out", str(out), "--sampler", "exact"]) == 2
    err = capsys.readouterr().err
    assert "--intercept-scale" in err and not (out / "sbc.png").exists()
    assert main(["sbc", str(fit_path), "--out", str(out), "--sampler", "exact",
                 "--simulations", "30", "--draws", "19", "--intercept-scale", "5"]) == 0
    assert "joint p =" in capsys.readouterr().out
    table = pd.read_csv(out / "sbc_table.csv")
    assert list(table["parameter"]) == ["coef[x0]", "coef[x1]", "intercept", "joint"]
    assert table["p_value"].iloc[-1] == pytest.approx(min(1.0, 3 * table["p_value"][:3].min()))
    assert (out / "sbc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # an existing output is refused without --overwrite
    assert main(["sbc", str(fit_path), "--out", str(out), "--sampler", "exact",
                 "--intercept-scale", "5"]) == 2
