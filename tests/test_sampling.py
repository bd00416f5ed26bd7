"""Posterior sampling: every sampler against the exact conjugate posterior, exact draws,
the sufficient-statistic likelihood against the full-data one, and the convergence gate.

MCMC checks use a tolerance tied to Monte Carlo error: ``|estimate - exact| < 4 * mcse``
with ``mcse`` from :func:`arviz.mcse` (``method="mean"`` for means, ``"sd"`` for sds).
Reference posteriors are computed here with explicit matrix inverses, independently of
``bayesreg.base``.
"""

from __future__ import annotations

import json
import warnings

import arviz as az
import numpy as np
import xarray as xr
import pytest
from scipy import special, stats

import bayesreg as br
from bayesreg import ConvergenceError, ConvergenceReport, ConvergenceWarning, check_convergence

SAMPLERS = ("pymc", "nutpie", "numpyro", "blackjax")
SIGMA, TAU = 1.5, 1.0
A0, B0 = 3.0, 2.0


# --------------------------------------------------------------------------- data
def _data(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + np.array([3.0, -1.0, 0.5, 2.0][:p])
    X[:, 1] += 0.6 * X[:, 0]  # some correlation
    coef = np.array([1.0, -0.5, 0.25, 0.0][:p])
    y = 2.0 + X @ coef + SIGMA * rng.standard_normal(n)
    return X, y


@pytest.fixture(scope="module")
def data():
    return _data(40, 3, 0)


def _fixed_sigma_reference(X, y, sigma, tau):
    """Exact moments of (coef, intercept) with a flat intercept, fixed sigma."""
    n = len(y)
    xbar, ybar = X.mean(0), y.mean()
    Xc, yc = X - xbar, y - ybar
    cov = np.linalg.inv(np.eye(X.shape[1]) / tau**2 + Xc.T @ Xc / sigma**2)
    mean = cov @ Xc.T @ yc / sigma**2
    b_mean = ybar - xbar @ mean
    b_var = sigma**2 / n + xbar @ cov @ xbar
    return {"coef": (mean, np.sqrt(np.diag(cov))), "intercept": (b_mean, np.sqrt(b_var))}


def _nig_reference(X, y, tau, a0, b0):
    r"""Exact NIG moments with a flat intercept integrated out.

    ``sigma^2 | y ~ InvGamma(a0 + (n - 1)/2, b)``: integrating the flat intercept out of
    ``prod_i N(y_i | b + x_i'w, sigma^2)`` leaves ``sigma^-(n-1)``.
    """
    n = len(y)
    xbar, ybar = X.mean(0), y.mean()
    Xc, yc = X - xbar, y - ybar
    prec = np.eye(X.shape[1]) / tau**2 + Xc.T @ Xc
    C = np.linalg.inv(prec)
    m = C @ Xc.T @ yc
    a = a0 + (n - 1) / 2.0
    b = b0 + 0.5 * (yc @ yc - m @ prec @ m)
    s2_mean = b / (a - 1)
    s2_sd = b / ((a - 1) * np.sqrt(a - 2))
    sig_mean = np.sqrt(b) * np.exp(special.gammaln(a - 0.5) - special.gammaln(a))
    sig_sd = np.sqrt(s2_mean - sig_mean**2)
    return {
        "coef": (m, np.sqrt(s2_mean * np.diag(C))),
        "intercept": (ybar - xbar @ m, np.sqrt(s2_mean * (1.0 / n + xbar @ C @ xbar))),
        "sigma_sq": (s2_mean, s2_sd),
        "sigma": (sig_mean, sig_sd),
    }


def _mcse_sd(da):
    """MCSE of the posterior sd of each scalar of ``da`` (delta method, as arviz's
    ``mcse(method="sd")``, whose numba path fails on NumPy 2.4):
    ``mcse(var) = sd((x - mean)**2) / sqrt(ess((x - mean)**2))``, ``mcse(sd) = mcse(var) / (2 sd)``."""
    dev2 = (da - da.mean(("chain", "draw"))) ** 2
    ess = az.ess(dev2.to_dataset(name="v"), method="mean")["v"]
    var = dev2.mean(("chain", "draw"))
    return (np.sqrt(dev2.var(("chain", "draw")) / ess) / (2 * np.sqrt(var))).values


def _assert_matches(idata, ref, k=4.0):
    """Posterior means and sds within ``k`` MCSE of the exact values."""
    post = idata.posterior.to_dataset()
    for name, (mean, sd) in ref.items():
        est_mean = post[name].mean(("chain", "draw")).values
        est_sd = post[name].std(("chain", "draw")).values
        mcse_mean = az.mcse(post[[name]], method="mean")[name].values
        mcse_sd = _mcse_sd(post[name])
        assert np.all(np.abs(est_mean - mean) < k * mcse_mean), (name, est_mean, mean, mcse_mean)
        assert np.all(np.abs(est_sd - sd) < k * mcse_sd), (name, est_sd, sd, mcse_sd)


# --------------------------------------------------------------------------- samplers
@pytest.fixture(scope="module")
def fixed_model(data):
    X, y = data
    return br.Model(X, y, prior=br.Gaussian(TAU), sigma=SIGMA)


@pytest.fixture(scope="module")
def sampler_runs(fixed_model):
    """One run per sampler of the same fixed-sigma model (compiled once each)."""
    runs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for i, sampler in enumerate(SAMPLERS):
            # cores=1: no os.fork() once JAX (multithreaded) is imported
            extra = {"cores": 1} if sampler == "pymc" else {}
            runs[sampler] = fixed_model.sample(draws=600, tune=500, chains=2, sampler=sampler,
                                               random_seed=10 + i, progressbar=False, **extra)
    return runs


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_sampler_matches_exact_posterior(sampler, sampler_runs, data):
    idata = sampler_runs[sampler]
    _assert_matches(idata, _fixed_sigma_reference(*data, SIGMA, TAU))
    report = json.loads(idata.sample_stats.attrs["bayesreg_convergence"])
    assert report["ok"], report["message"]


def test_all_samplers_same_structure(sampler_runs, fixed_model):
    ref = sampler_runs["pymc"]
    for sampler, idata in sampler_runs.items():
        assert set(idata.children) >= {"posterior", "sample_stats", "observed_data",
                                       "constant_data", "log_likelihood"}, sampler
        assert set(idata.posterior.data_vars) == set(ref.posterior.data_vars), sampler
        assert idata.posterior["coef"].dims == ("chain", "draw", "feature"), sampler
        assert list(idata.posterior["feature"].values) == fixed_model.feature_names
        assert idata.posterior["intercept"].dims == ("chain", "draw")
        assert idata.log_likelihood["y"].shape == (2, 600, fixed_model.n_samples)
        assert "diverging" in idata.sample_stats
        assert idata.posterior.attrs["bayesreg_sampler"] == sampler


@pytest.mark.parametrize("sampler", ["nutpie", "numpyro", "blackjax"])
def test_warm_refit_does_not_recompile(sampler, sampler_runs, fixed_model, monkeypatch):
    """A second fit reuses the compiled sampler (compiling would fail here) and, with the
    fixture's seed, reproduces its draws exactly."""
    compiled = fixed_model.compile(sampler)
    assert fixed_model.compile(sampler) is compiled and compiled.compile_time > 0
    monkeypatch.setattr("bayesreg.inference._model.compile_sampler", _no_compile)
    n_runs = len(getattr(compiled.program, "runs", ()))
    seed = 10 + SAMPLERS.index(sampler)  # as in ``sampler_runs``
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        idata = fixed_model.sample(draws=600, tune=500, chains=2, sampler=sampler,
                                   random_seed=seed, progressbar=False, log_likelihood=False)
    assert len(getattr(compiled.program, "runs", ())) == n_runs  # no new JAX program
    first = sampler_runs[sampler]
    for name in first.posterior.data_vars:
        np.testing.assert_array_equal(idata.posterior[name].values, first.posterior[name].values)
    np.testing.assert_array_equal(idata.sample_stats["diverging"].values,
                                  first.sample_stats["diverging"].values)


def _no_compile(*args, **kwargs):
    raise AssertionError("recompiled")


@pytest.mark.parametrize("sampler", ["nutpie", "numpyro", "pymc"])
def test_compiled_sampler_takes_a_new_prior_scale(sampler, fixed_model, data):
    """A model with another fixed prior scale samples through the first model's compiled
    sampler, without compiling, and gives the draws of its own fresh compilation."""
    kw = dict(draws=200, tune=200, chains=2, sampler=sampler, random_seed=3,
              progressbar=False, log_likelihood=False)
    if sampler == "pymc":
        kw["cores"] = 1
    other = fixed_model.replace(prior=br.Gaussian(0.2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fresh = other.replace().sample(**kw)            # its own compilation
        compiled = fixed_model.compile(sampler)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("bayesreg.inference._model.compile_sampler", _no_compile)
            via = other.sample(compiled=compiled, **{k: v for k, v in kw.items()
                                                     if k != "sampler"})
    np.testing.assert_array_equal(via.posterior["coef"].values, fresh.posterior["coef"].values)
    # and the shared compiled value itself is unchanged (an immutable value)
    assert float(compiled.data["coef_scale_value"]) == TAU
    # a model of another structure is refused
    with pytest.raises(ValueError, match="another structure"):
        fixed_model.replace(prior=br.Laplace(1.0)).sample(compiled=compiled, draws=10)


@pytest.mark.parametrize("sampler", ["pymc", "nutpie"])
def test_compiled_sampler_leaves_the_model_it_came_from_unchanged(sampler, data):
    """A compiled sampler owns its program: compiled from ``b`` and used to sample ``a``,
    it leaves ``b`` as it was (its prior predictive, MAP and a new sample are the same
    draws as before), and ``a``'s draws are ``a``'s exact posterior."""
    X, y = data
    b = br.Model(X, y, prior=br.Gaussian(3.0), sigma=SIGMA,
                 intercept_prior=br.Gaussian(10.0))  # proper: it has a prior predictive
    a = b.replace(prior=br.Gaussian(0.05))  # same structure: the prior scale is data
    kw = dict(draws=300, tune=300, chains=2, random_seed=5, progressbar=False,
              log_likelihood=False)

    def snapshot():
        prior = b.sample_prior_predictive(200, random_seed=1)
        posterior = b.sample(sampler=sampler, **kw).posterior
        return {"prior coef": prior["prior"]["coef"].values,
                "prior predictive y": prior["prior_predictive"]["y"].values,
                "map": b.map().coef.values,
                "posterior coef": posterior["coef"].values}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        before = snapshot()
        compiled = b.compile(sampler)           # the one b's sample above ran through
        via = a.sample(compiled=compiled, **kw)
        after = snapshot()
    for name, values in before.items():
        np.testing.assert_array_equal(after[name], values, err_msg=name)
    assert float(b.pymc_model["coef_scale_value"].get_value()) == 3.0
    assert float(compiled.data["coef_scale_value"]) == 3.0
    # a's exact posterior: (intercept, coef) Gaussian with prior sds (10, 0.05, 0.05, 0.05)
    D = np.column_stack([np.ones(len(y)), X])
    cov = np.linalg.inv(np.diag([10.0**-2] + [0.05**-2] * X.shape[1]) + D.T @ D / SIGMA**2)
    mean, sd = cov @ D.T @ y / SIGMA**2, np.sqrt(np.diag(cov))
    _assert_matches(via, {"intercept": (mean[0], sd[0]), "coef": (mean[1:], sd[1:])})


def test_nutpie_jax_backend_samples_and_refuses_changed_data(fixed_model):
    """nutpie's JAX backend compiles the data into its program as constants: the model it
    was compiled for samples (the same posterior as the numba backend), another prior
    scale is refused instead of silently sampling the old one."""
    pytest.importorskip("jax")
    kw = dict(draws=300, tune=300, chains=2, random_seed=3, progressbar=False,
              log_likelihood=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        compiled = fixed_model.compile("nutpie", backend="jax")
        via_jax = fixed_model.sample(compiled=compiled, **kw)
        via_numba = fixed_model.sample(sampler="nutpie", **kw)
    a, b = via_jax.posterior["coef"], via_numba.posterior["coef"]
    diff = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))).values
    mcse = np.hypot(az.mcse(a).values, az.mcse(b).values)
    assert np.all(diff < 4.5 * mcse), (diff, mcse)
    with pytest.raises(ValueError, match="JAX backend compiled the data.*coef_scale_value"):
        fixed_model.replace(prior=br.Gaussian(0.2)).sample(compiled=compiled, draws=10)


# --------------------------------------------------------------------------- exact
@pytest.fixture(scope="module")
def nig_data():
    return _data(25, 3, 1)


def _nig_model(X, y, **kw):
    return br.Model(X, y, prior=br.Gaussian(TAU, scaled_by_sigma=True),
                    sigma=br.InverseGammaVariance(A0, B0), **kw)


def test_exact_fixed_sigma_moments(fixed_model, data, sampler_runs):
    idata = fixed_model.sample(draws=5000, chains=2, sampler="exact", random_seed=3,
                               progressbar=False)
    _assert_matches(idata, _fixed_sigma_reference(*data, SIGMA, TAU))
    nuts = sampler_runs["nutpie"]
    assert set(idata.posterior.data_vars) == set(nuts.posterior.data_vars)
    assert set(idata.children) == set(nuts.children)


def test_exact_nig_moments(nig_data):
    idata = _nig_model(*nig_data).sample(draws=5000, chains=2, sampler="exact",
                                         random_seed=4, progressbar=False)
    _assert_matches(idata, _nig_reference(*nig_data, TAU, A0, B0))


def test_exact_nig_distribution_of_sigma_sq(nig_data):
    """Kolmogorov-Smirnov against InvGamma(a0 + (n-1)/2, b): a wrong shape is detected."""
    ref = _nig_reference(*nig_data, TAU, A0, B0)
    idata = _nig_model(*nig_data).sample(draws=10000, chains=1, sampler="exact",
                                         random_seed=5, progressbar=False)
    s2 = idata.posterior["sigma_sq"].values.ravel()
    mean, sd = ref["sigma_sq"]
    a = (mean / sd) ** 2 + 2  # moments of InvGamma(a, b) give a and b back
    b = mean * (a - 1)
    assert np.isclose(a, A0 + (len(nig_data[1]) - 1) / 2)
    assert stats.kstest(s2, stats.invgamma(a, scale=b).cdf).pvalue > 1e-3
    assert stats.kstest(s2, stats.invgamma(a + 0.5, scale=b).cdf).pvalue < 1e-3


def test_nig_mcmc_matches_exact(nig_data):
    """NUTS on the PyMC model (flat intercept sampled) agrees with the closed form."""
    idata = _nig_model(*nig_data).sample(draws=1500, tune=700, chains=2, sampler="nutpie",
                                         random_seed=6, progressbar=False)
    _assert_matches(idata, _nig_reference(*nig_data, TAU, A0, B0))


def test_exact_same_seed_same_draws(fixed_model, nig_data):
    a = fixed_model.sample(draws=50, chains=2, sampler="exact", random_seed=7, progressbar=False)
    b = fixed_model.sample(draws=50, chains=2, sampler="exact", random_seed=7, progressbar=False)
    c = fixed_model.sample(draws=50, chains=2, sampler="exact", random_seed=8, progressbar=False)
    np.testing.assert_array_equal(a.posterior["coef"].values, b.posterior["coef"].values)
    assert not np.allclose(a.posterior["coef"].values, c.posterior["coef"].values)
    m = _nig_model(*nig_data)
    np.testing.assert_array_equal(
        m.sample(draws=20, sampler="exact", random_seed=1, progressbar=False).posterior["sigma"],
        m.sample(draws=20, sampler="exact", random_seed=1, progressbar=False).posterior["sigma"])


def test_exact_without_intercept_and_with_gaussian_intercept_prior(data):
    X, y = data
    n, p = X.shape
    for kw, D, loc, tau in (
        (dict(fit_intercept=False), X, np.zeros(p), np.full(p, TAU)),
        (dict(intercept_prior=br.Gaussian(2.0, loc=1.0)), np.column_stack([np.ones(n), X]),
         np.r_[1.0, np.zeros(p)], np.r_[2.0, np.full(p, TAU)]),
    ):
        model = br.Model(X, y, prior=br.Gaussian(TAU), sigma=SIGMA, **kw)
        idata = model.sample(draws=4000, chains=2, sampler="exact", random_seed=9,
                             progressbar=False)
        prec = np.diag(1 / tau**2) + D.T @ D / SIGMA**2
        cov = np.linalg.inv(prec)
        mean = cov @ (D.T @ y / SIGMA**2 + loc / tau**2)
        ref = {"coef": (mean[-p:], np.sqrt(np.diag(cov))[-p:])}
        if D.shape[1] > p:
            ref["intercept"] = (mean[0], np.sqrt(cov[0, 0]))
        _assert_matches(idata, ref)


def test_exact_weighted_equals_replicated_rows(data):
    """Integer sample weights are replicated rows: same exact posterior moments."""
    X, y = data
    w = np.arange(len(y)) % 3 + 1.0
    Xr, yr = np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int))
    ref = _nig_reference(Xr, yr, TAU, A0, B0)
    idata = _nig_model(X, y, sample_weight=w).sample(draws=5000, chains=2, sampler="exact",
                                                     random_seed=11, progressbar=False)
    _assert_matches(idata, ref)


@pytest.mark.parametrize("kw, why", [
    (dict(prior=br.Laplace(1.0), sigma=1.0), "not a Gaussian prior"),
    (dict(prior=br.Gaussian(br.HalfNormal(1.0)), sigma=1.0), "hyperprior"),
    (dict(prior=br.Gaussian(1.0)), "sigma=HalfStudentT"),
    (dict(prior=br.Gaussian(1.0), sigma=br.InverseGammaVariance(2.0, 2.0)), "scaled_by_sigma"),
    (dict(prior=br.Gaussian(1.0, scaled_by_sigma=True), sigma=br.InverseGammaVariance(2.0, 2.0),
          intercept_prior=br.Gaussian(10.0)), "intercept_prior"),
])
def test_exact_rejects_non_conjugate(data, kw, why):
    model = br.Model(*data, **kw)
    with pytest.raises(ValueError, match=why) as err:
        model.sample(draws=10, sampler="exact", progressbar=False)
    assert "sampler='nutpie'" in str(err.value)


def test_exact_rejects_bernoulli(data):
    X, y = data
    model = br.Model(X, (y > y.mean()).astype(float), prior=br.Gaussian(1.0),
                     family="bernoulli")
    with pytest.raises(ValueError, match="family='bernoulli' is not gaussian"):
        model.sample(draws=10, sampler="exact", progressbar=False)


# ------------------------------------------------------ sufficient statistics vs full data
@pytest.mark.parametrize("kw", [
    dict(), dict(fit_intercept=False), dict(intercept_prior=br.Gaussian(5.0)),
    dict(sample_weight=np.linspace(0.5, 2.0, 40)), dict(sigma=br.InverseGammaVariance(2, 2),
                                                        prior=br.Gaussian(1.0, scaled_by_sigma=True)),
])
def test_every_gaussian_model_uses_sufficient_statistics(data, kw):
    """No n-sized observed variable: the likelihood is the O(p^2) Potential ``y_loglik``."""
    model = br.Model(*data, **{"prior": br.Gaussian(1.0), **kw}).pymc_model
    assert model.observed_RVs == []
    assert [p.name for p in model.potentials] == ["y_loglik"]


@pytest.fixture(scope="module")
def suffstat_vs_full(data):
    import pymc as pm

    X, y = data
    model = br.Model(X, y, prior=br.Gaussian(TAU), sigma=br.HalfNormal(3.0))
    with pm.Model(coords={"feature": model.feature_names}) as full:
        sigma = pm.HalfNormal("sigma", 3.0)
        coef = pm.Normal("coef", 0.0, TAU, dims="feature")
        intercept = pm.Flat("intercept")
        pm.Normal("y", intercept + pm.math.dot(X, coef), sigma, observed=y)
    kw = dict(draws=1000, tune=700, chains=2, progressbar=False)
    idata = model.sample(sampler="nutpie", random_seed=12, **kw)
    import nutpie

    full_idata = nutpie.sample(nutpie.compile_pymc_model(full), seed=13, progress_bar=False,
                               **{k: kw[k] for k in ("draws", "tune", "chains")})
    return model, full, idata, full_idata


def test_suffstat_and_full_data_same_posterior(suffstat_vs_full):
    _, _, idata, full_idata = suffstat_vs_full
    for name in ("coef", "intercept", "sigma"):
        a = idata.posterior.to_dataset()[[name]]
        b = full_idata.posterior.to_dataset()[[name]]
        diff = np.abs(a[name].mean(("chain", "draw")) - b[name].mean(("chain", "draw"))).values
        tol = 4 * np.hypot(az.mcse(a)[name].values, az.mcse(b)[name].values)
        assert np.all(diff < tol), (name, diff, tol)
        diff = np.abs(a[name].std(("chain", "draw")) - b[name].std(("chain", "draw"))).values
        tol = 4 * np.hypot(_mcse_sd(a[name]), _mcse_sd(b[name]))
        assert np.all(diff < tol), (name, diff, tol)


def test_suffstat_and_full_data_same_log_likelihood(suffstat_vs_full):
    import pymc as pm

    model, full, idata, _ = suffstat_vs_full
    post = idata.posterior.to_dataset()[["coef", "intercept", "sigma"]].isel(draw=slice(0, 50))
    ll_full = pm.compute_log_likelihood(xr.DataTree.from_dict({"posterior": post}), model=full,
                                        extend_inferencedata=False, progressbar=False)
    ours = idata.log_likelihood["y"].isel(draw=slice(0, 50)).values
    np.testing.assert_allclose(ours, ll_full["y"].values, rtol=0, atol=1e-8)

    # the sufficient-statistic Potential equals the sum of the pointwise terms
    pmodel = model.pymc_model
    [pot] = pmodel.replace_rvs_by_values([pmodel["y_loglik"]])
    fn = pmodel.compile_fn(pot, inputs=pmodel.value_vars, point_fn=True)
    post = idata.posterior
    for c, d in ((0, 0), (1, 17), (0, 42)):
        value = fn({"coef": post["coef"].values[c, d],
                    "intercept_centered": post["intercept_centered"].values[c, d],
                    "sigma_log__": np.log(post["sigma"].values[c, d])})
        np.testing.assert_allclose(value, ours[c, d].sum(), rtol=1e-10)


# --------------------------------------------------------------------------- gate
def _synthetic(chains=4, draws=500, shift=0.0, seed=0, diverging=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((chains, draws, 2))
    x[0] += shift
    post = {"coef": x}
    div = np.zeros((chains, draws), bool)
    div.flat[:diverging] = True
    return az.from_dict({"posterior": post, "sample_stats": {"diverging": div}},
                        dims={"coef": ["feature"]}, coords={"feature": ["a", "b"]})


def test_check_convergence_passes_iid_draws():
    report = check_convergence(_synthetic())
    assert isinstance(report, ConvergenceReport) and report.ok, report.message
    assert report.r_hat_max < 1.01 and report.ess_bulk_min > 400 and report.n_divergent == 0


def test_check_convergence_fails_each_check():
    report = check_convergence(_synthetic(shift=1.0))  # one chain elsewhere
    assert not report.ok and report.r_hat_max > 1.01 and "R-hat" in report.message
    assert report.worst_r_hat.startswith("coef[")
    report = check_convergence(_synthetic(diverging=3))
    assert not report.ok and report.n_divergent == 3 and "target_accept" in report.message
    # AR(1) chains with rho = 0.99: ESS far below 100 per chain
    rng = np.random.default_rng(1)
    x = np.zeros((2, 500))
    for t in range(1, 500):
        x[:, t] = 0.99 * x[:, t - 1] + rng.standard_normal(2)
    report = check_convergence(az.from_dict({"posterior": {"z": x}}))
    assert not report.ok and report.ess_bulk_min < 200 and "ESS" in report.message
    assert check_convergence(az.from_dict({"posterior": {"z": x}}), iid=True).ok


def test_bad_run_warns_and_strict_raises(fixed_model):
    bad = dict(draws=30, tune=0, chains=2, sampler="pymc", random_seed=1, progressbar=False,
               log_likelihood=False, cores=1)
    with pytest.warns(ConvergenceWarning, match="did not pass the convergence gate"):
        fixed_model.sample(**bad)
    with pytest.raises(ConvergenceError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed_model.sample(strict=True, **bad)
    assert not err.value.report.ok and err.value.idata is not None


def test_retry_raises_target_accept(fixed_model):
    with pytest.warns(ConvergenceWarning) as record:
        idata = fixed_model.sample(draws=30, tune=0, chains=2, sampler="pymc", random_seed=1,
                                   progressbar=False, log_likelihood=False, retry=1, cores=1)
    assert any("Retrying (1/1) with target_accept=0.9, tune=200" in str(r.message)
               for r in record)
    assert json.loads(idata.sample_stats.attrs["bayesreg_convergence"])["n_draws"] == 30


def test_exact_passes_gate(fixed_model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        idata = fixed_model.sample(draws=20, chains=1, sampler="exact", random_seed=0,
                                   strict=True, progressbar=False)
    assert json.loads(idata.sample_stats.attrs["bayesreg_convergence"])["iid"]
