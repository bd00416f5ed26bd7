"""Posteriors against posteriordb reference posteriors (Stan, 10 chains x 1000 thinned draws).

The data sets and reference tables are described in ``shared/data/posteriordb/README.md``
(next to the repository root). Each Stan model is mapped prior by prior onto bayesreg.

Tolerance: for a parameter with our estimate (mean ``m``, sd ``s``, Monte Carlo errors
``mcse_m``, ``mcse_s``) and reference (``ref_m``, ``ref_s``) from ``REF_ESS`` effective
draws::

    |m - ref_m| < 4 * sqrt(mcse_m**2 + ref_s**2 / REF_ESS)
    |s - ref_s| < 4 * sqrt(mcse_s**2 + ref_s**2 / (2 * REF_ESS))

(``ref_s / sqrt(2 N)`` is the standard error of a sd from ``N`` independent normal draws).
posteriordb thins its reference draws to be nearly independent; we take
``REF_ESS = 5000``, half the 10000 draws, to be conservative.
"""

from __future__ import annotations

import json
from pathlib import Path

import arviz as az
import numpy as np
import pytest

import bayesreg as br

PDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "posteriordb"
REF_ESS = 5000.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PDB.is_dir(), reason=f"posteriordb data not found at {PDB} "
                       f"(the shared folder sits next to the repository root)"),
]

KILPISJARVI_REF = {"alpha": (-60.7123, 29.9647), "beta": (0.0175836, 0.00752421),
                   "sigma": (1.13167, 0.107819)}

DIAMONDS_REF = {  # b[k] is the coefficient of column k+1 of X (centred)
    "b": [(6.65992, 0.250918), (6.36323, 0.328219), (-4.68374, 0.321012),
          (1.4468, 0.141275), (0.13436, 0.00745711), (-0.0402057, 0.00652833),
          (0.0228076, 0.00568248), (0.00195559, 0.00445162), (-0.444854, 0.00607245),
          (-0.0926537, 0.0055567), (-0.01258, 0.00522824), (0.0107297, 0.004822),
          (-0.00137256, 0.00453664), (0.000743876, 0.00421306), (0.901047, 0.0111721),
          (-0.220906, 0.0104326), (0.13113, 0.00899723), (-0.0577818, 0.00702863),
          (0.0181782, 0.00572158), (-0.00218, 0.00497643), (0.0317298, 0.00433137),
          (-6.10758, 0.297633), (4.62614, 0.298133), (-1.44078, 0.15389)],
    "Intercept": (7.788, 0.00175147),
    "sigma": (0.122879, 0.00123704),
}


def _mcse_sd(x):
    """MCSE of the sd of draws ``x`` (chain, draw): delta method on ``(x - mean)**2``."""
    dev2 = (x - x.mean()) ** 2
    ess = float(np.ravel(az.ess(dev2, method="mean"))[0])
    return float(np.sqrt(dev2.var() / ess) / (2 * np.sqrt(dev2.mean())))


def _check(draws, ref_mean, ref_sd, label):
    """``draws`` (chain, draw) against a reference mean and sd (formula in the docstring)."""
    draws = np.asarray(draws, dtype=float)
    mean, sd = draws.mean(), draws.std()
    mcse_mean = float(np.ravel(az.mcse(draws, method="mean"))[0])
    tol_mean = 4 * np.sqrt(mcse_mean**2 + ref_sd**2 / REF_ESS)
    tol_sd = 4 * np.sqrt(_mcse_sd(draws) ** 2 + ref_sd**2 / (2 * REF_ESS))
    assert abs(mean - ref_mean) < tol_mean, (label, "mean", mean, ref_mean, tol_mean)
    assert abs(sd - ref_sd) < tol_sd, (label, "sd", sd, ref_sd, tol_sd)


def test_kilpisjarvi():
    """Stan: alpha ~ N(pmualpha, psalpha); beta ~ N(pmubeta, psbeta); sigma flat on (0, inf);
    y ~ N(alpha + beta x, sigma). The raw x (about 4000) makes alpha and beta correlated
    at about -0.9999: a test of the mass-matrix adaptation, not of centring."""
    d = json.loads((PDB / "kilpisjarvi_mod.json").read_text())
    X = np.asarray(d["x"], dtype=float)[:, None]
    model = br.Model(X, np.asarray(d["y"], dtype=float),
                     prior=br.Gaussian(d["psbeta"], loc=d["pmubeta"]),
                     intercept_prior=br.Gaussian(d["psalpha"], loc=d["pmualpha"]),
                     sigma=br.HalfFlat())
    idata = model.sample(draws=1500, tune=1000, chains=2, sampler="nutpie", random_seed=1,
                         progressbar=False, log_likelihood=False, strict=True)
    post = idata.posterior
    _check(post["intercept"].values, *KILPISJARVI_REF["alpha"], "alpha")
    _check(post["coef"].values[..., 0], *KILPISJARVI_REF["beta"], "beta")
    _check(post["sigma"].values, *KILPISJARVI_REF["sigma"], "sigma")


def test_diamonds():
    """brms: Xc = X[:, 1:] centred; mu = Intercept + Xc b; b ~ N(0, 1);
    Intercept ~ student_t(3, 8, 10); sigma ~ student_t(3, 0, 10) truncated at 0.

    brms puts the intercept prior on the intercept of the *centred* design, so we centre
    the columns here and pass ``intercept_prior=StudentT(3, 10, loc=8)``: our
    ``intercept`` is then brms's ``Intercept``.
    """
    d = json.loads((PDB / "diamonds.json").read_text())
    X = np.asarray(d["X"], dtype=float)[:, 1:]
    Xc = X - X.mean(axis=0)
    model = br.Model(Xc, np.asarray(d["Y"], dtype=float), prior=br.Gaussian(1.0),
                     intercept_prior=br.StudentT(nu=3.0, scale=10.0, loc=8.0),
                     sigma=br.HalfStudentT(nu=3.0, scale=10.0))
    idata = model.sample(draws=1000, tune=1000, chains=2, sampler="nutpie", random_seed=2,
                         progressbar=False, log_likelihood=False, strict=True)
    post = idata.posterior
    assert int(idata.sample_stats["diverging"].sum()) == 0
    coef = post["coef"].values
    for k, (m, s) in enumerate(DIAMONDS_REF["b"]):
        _check(coef[..., k], m, s, f"b[{k + 1}]")
    _check(post["intercept"].values, *DIAMONDS_REF["Intercept"], "Intercept")
    _check(post["sigma"].values, *DIAMONDS_REF["sigma"], "sigma")
