"""``bayesreg sbc FIT.nc --out DIR``: simulation-based calibration of a saved fit's model.

The model (its design, priors and family) is rebuilt from the fit
(:meth:`bayesreg.Model.from_idata`); :func:`bayesreg.sbc` simulates data sets from its
prior at that design, fits each with the chosen sampler, and the command writes the rank
table (``sbc_table.csv``: one row per parameter component with its p-value, and a last
``joint`` row, Bonferroni's) and the ECDF-difference plot (``sbc.png``).
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..inference._arguments import SAMPLERS
from ..inference._sbc import SBC_RULE, sbc
from ..plots import plot_sbc
from ..priors import Gaussian
from ._commands import load_fit
from ._common import UsageError, output_dir, save_figure, write_atomic

__all__ = ["add_parser", "sbc_table"]

FILES = ("sbc_table.csv", "sbc.png")


def sbc_table(result) -> pd.DataFrame:
    """One row per ranked component (``parameter``, ``variable``, ``p_value``) and a last
    row ``joint`` with Bonferroni's joint p-value."""
    table = pd.DataFrame({"parameter": result["parameter"].values,
                          "variable": result["variable"].values,
                          "p_value": result["p_value"].values})
    joint = pd.DataFrame({"parameter": ["joint"], "variable": ["(Bonferroni)"],
                          "p_value": [float(result["joint_p_value"])]})
    return pd.concat([table, joint], ignore_index=True)


def _run(args) -> int:
    for name in ("simulations", "draws", "chains"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1; got {getattr(args, name)}.")
    if args.intercept_scale is not None and not args.intercept_scale > 0:
        raise UsageError(f"--intercept-scale must be positive; got {args.intercept_scale:g}.")
    _, model = load_fit(args.fit)
    out = output_dir(args.out, FILES, overwrite=args.overwrite)
    if args.intercept_scale is not None:
        model = model.replace(intercept_prior=Gaussian(args.intercept_scale))
    if model.fit_intercept and model.intercept_prior.improper:
        raise UsageError("the fit's intercept has a flat (improper) prior, and SBC draws every "
                         "parameter from the prior; give a proper one, e.g. "
                         "--intercept-scale 10.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sbc(model, simulations=args.simulations, sampler=args.sampler,
                         draws=args.draws, chains=args.chains, random_seed=args.seed)
    except ValueError as err:  # an improper prior, a sampler that cannot fit the model
        raise UsageError(" ".join(str(err).split())) from None
    table = sbc_table(result)
    write_atomic(out / FILES[0], lambda tmp: table.to_csv(tmp, index=False))
    save_figure(plot_sbc(result), out / FILES[1])
    verdict = "calibrated" if result.attrs["passed"] else "NOT calibrated"
    print(f"SBC of {args.fit}: {args.simulations} simulations, sampler {args.sampler}, "
          f"L = {args.draws}: joint p = {float(result['joint_p_value']):.3g} ({verdict} at "
          f"0.01; {SBC_RULE})")
    print(f"  {out / FILES[0]}\n  {out / FILES[1]}")
    return 0 if result.attrs["passed"] else 1


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sbc", help="simulation-based calibration of a saved fit's model and a sampler",
        description="Simulate data sets from the prior of a saved fit's model (its design, "
                    "priors and family), fit each with the sampler, and test that the ranks "
                    "of the true parameters among the posterior draws are uniform (Talts et "
                    "al. 2018). Writes sbc_table.csv and sbc.png into --out; exit status 1 "
                    "when the joint p-value is 0.01 or less.")
    p.add_argument("fit", metavar="FIT.nc", help="a fit saved by 'bayesreg fit' or "
                                                 "bayesreg.save")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for sbc_table.csv and sbc.png (created if missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace files of the same names in DIR (default: refuse)")
    p.add_argument("--simulations", type=int, default=100, metavar="N",
                   help="simulated data sets (default: %(default)s)")
    p.add_argument("--sampler", default="auto", choices=SAMPLERS,
                   help="the sampler checked (default: %(default)s)")
    p.add_argument("--draws", type=int, default=99, metavar="L",
                   help="posterior draws kept per fit, thinned: ranks lie in 0..L "
                        "(default: %(default)s)")
    p.add_argument("--chains", type=int, default=2, metavar="N",
                   help="chains per fit (default: %(default)s)")
    p.add_argument("--intercept-scale", type=float, default=None, metavar="S",
                   help="replace the intercept prior by Gaussian(S): SBC needs proper priors, "
                        "and 'bayesreg fit' gives a flat one (default: keep the fit's)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed (default: %(default)s)")
    p.set_defaults(func=_run)
