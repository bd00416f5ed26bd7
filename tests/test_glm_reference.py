"""GLM posteriors held to a quadrature reference (issue 22, item 4: the 2-D part).

A logistic and a Poisson model with a flat intercept and one coefficient under a
``Gaussian(1.0)`` prior have a two-dimensional posterior: its means and standard
deviations come from quadrature on a fine grid (error far below Monte Carlo error),
and every NUTS sampler bayesreg offers is held to them within its Monte Carlo standard
error (ArviZ's ``mcse``), from one seed.
"""

from __future__ import annotations

import importlib.util

import arviz as az
import numpy as np
import pytest
from scipy import special

import bayesreg as br

SAMPLERS = ["imh"] + [s for s, module in (("nutpie", "nutpie"), ("pymc", "pymc"),
                                ("numpyro", "numpyro"), ("blackjax", "blackjax"))
            if importlib.util.find_spec(module) is not None]


def _problem(family: str):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(60)
    eta = 0.4 + 0.9 * x
    if family == "bernoulli":
        y = (rng.uniform(size=60) < special.expit(eta)).astype(float)
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
    return x[:, None], y


def _reference(family: str, x: np.ndarray, y: np.ndarray):
    """Posterior means and sds of (intercept, coef) by quadrature on a 1201^2 grid."""
    b = np.linspace(-3.0, 4.0, 1201)[:, None, None]
    w = np.linspace(-3.0, 4.0, 1201)[None, :, None]
    eta = b + w * x[None, None, :, 0]
    if family == "bernoulli":
        ll = (y * eta - np.logaddexp(0.0, eta)).sum(axis=-1)
    else:
        ll = (y * eta - np.exp(eta)).sum(axis=-1)
    lp = ll - 0.5 * w[..., 0] ** 2          # Gaussian(1.0) on the coefficient, flat intercept
    dens = np.exp(lp - lp.max())
    dens /= dens.sum()
    B, W = np.broadcast_arrays(b[..., 0], w[..., 0])
    out = {}
    for name, grid in (("intercept", B), ("coef", W)):
        mean = float((grid * dens).sum())
        out[name] = (mean, float(np.sqrt(((grid - mean) ** 2 * dens).sum())))
    # the grid holds the posterior: no mass on its edges
    assert dens[0].sum() + dens[-1].sum() + dens[:, 0].sum() + dens[:, -1].sum() < 1e-12
    return out


@pytest.fixture(scope="module", params=["bernoulli", "poisson"])
def problem(request):
    x, y = _problem(request.param)
    return request.param, x, y, _reference(request.param, x, y)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_matches_the_quadrature_reference(problem, sampler):
    family, x, y, ref = problem
    model = br.Model(x, y, family=family, prior=br.Gaussian(1.0))
    fit = model.sample(sampler=sampler, draws=1000, chains=4, random_seed=3,
                       progressbar=False)
    for name, (mean, sd) in ref.items():
        draws = fit.posterior[name].values.reshape(4, 1000)
        z = abs(draws.mean() - mean) / float(az.mcse(draws))
        assert z < 4.5, (family, sampler, name, draws.mean(), mean)
        # 4,000 draws: the sd of a sample sd is ~1-2 % here
        assert abs(draws.std() / sd - 1.0) < 0.08, (family, sampler, name, draws.std(), sd)
