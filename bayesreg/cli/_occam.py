"""``bayesreg occam DATA.csv --scales LO:HI:N``: the Occam view from a shell.

For each fixed prior scale of a grid, :func:`bayesreg.scale_grid` gives the log evidence
(closed form where the model is conjugate: gaussian family, Gaussian prior, fixed noise
scale; bridge sampling from NUTS draws otherwise), its split into the best fit and the
log Occam factor with MacKay's effective number of parameters, PSIS-LOO, and the
``RidgeCV``/``LassoCV`` choice on the same grid; ``--plot`` draws
:func:`bayesreg.plots.plot_occam`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..inference._evidence import is_conjugate
from ..occam import scale_grid
from ..plots import plot_occam
from ._common import (
    Interrupted,
    UsageError,
    output_file,
    progress,
    save_figure,
    short,
    show_progress,
    warn,
    watch_interrupts,
    write_atomic,
)
from ._fit import add_data_options, build_model, read_csv

__all__ = ["add_parser", "parse_scales"]

#: the priors with one scale, which the grid varies
_PRIORS = ("gaussian", "laplace", "studentt")
_COLUMNS = ["scale", "log_evidence", "log_evidence_se", "log_likelihood_max", "log_occam_factor",
            "effective_params", "elpd_loo", "se_elpd_loo", "p_loo", "pareto_k_max",
            "converged"]
_NUMBER = r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"


def parse_scales(text: str) -> np.ndarray:
    """``LO:HI:N`` (``N`` scales log-spaced from ``LO`` to ``HI``) or ``A,B,C``."""
    text = text.strip()
    m = re.fullmatch(rf"({_NUMBER}):({_NUMBER}):([0-9]+)", text)
    if m:
        lo, hi, n = float(m[1]), float(m[2]), int(m[3])
        if not (0 < lo < hi and math.isfinite(hi)):
            raise UsageError(f"--scales {text!r}: need 0 < LO < HI, e.g. 0.1:100:13.")
        if not 2 <= n <= 200:
            raise UsageError(f"--scales {text!r}: N must be between 2 and 200; got {n}.")
        return np.logspace(math.log10(lo), math.log10(hi), n)
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if len(values) < 2 or not all(v > 0 and math.isfinite(v) for v in values):
        raise UsageError(f"--scales {text!r}: give LO:HI:N (N scales log-spaced from LO to "
                         f"HI, e.g. 0.1:100:13) or two or more positive numbers, e.g. "
                         f"0.1,1,10.")
    if len(set(values)) < len(values):
        raise UsageError(f"--scales {text!r} lists a scale twice.")
    return np.array(sorted(values))


def _best(grid: pd.DataFrame) -> list[str]:
    flags = {"is_evidence_best": "evidence", "is_loo_best": "LOO", "is_cv_best": "CV"}
    return [", ".join(what for flag, what in flags.items()
                      if flag in grid and bool(grid[flag].iloc[i]))
            for i in range(len(grid))]


def _table(grid: pd.DataFrame) -> pd.DataFrame:
    # a column the method does not give (bridge sampling: no best fit / Occam split) is
    # left out rather than shown as NaN
    table = grid[[c for c in _COLUMNS if c in grid and grid[c].notna().any()
                  and not (c == "log_evidence_se" and (grid[c] == 0).all())]].copy()
    table["best by"] = _best(grid)
    return table


def _formatters(table: pd.DataFrame) -> dict:
    """Nats to 2 decimals (differences of a few nats matter), the rest to 4 digits."""
    nats = {"log_evidence", "log_evidence_se", "log_likelihood_max", "log_occam_factor",
            "elpd_loo", "se_elpd_loo", "p_loo", "pareto_k_max"}
    return {c: ("{:.2f}" if c in nats else "{:.4g}").format for c in table.columns
            if c not in ("converged", "best by")}


def _summary(grid: pd.DataFrame) -> list[str]:
    lines = [f"the evidence prefers scale {grid.attrs['evidence_best_scale']:.4g}"]
    if "loo_best_scale" in grid.attrs:
        lines.append(f"PSIS-LOO prefers {grid.attrs['loo_best_scale']:.4g}")
    cv = grid.attrs.get("cv")
    if cv:
        name = {"ridge": "RidgeCV", "lasso": "LassoCV"}.get(cv["estimator"], cv["estimator"])
        lines.append(f"{name} prefers {cv['scale']:.4g} (alpha {cv['alpha']:.4g})")
    scales = grid["scale"].to_numpy()
    edge = [what for what, x in (("evidence", grid.attrs["evidence_best_scale"]),
                                 ("LOO", grid.attrs.get("loo_best_scale")),
                                 ("CV", (cv or {}).get("scale")))
            if x is not None and np.isclose(x, [scales[0], scales[-1]], rtol=1e-9).any()]
    if edge:
        lines.append(f"the {' and '.join(edge)} choice is at an end of the grid: widen "
                     f"--scales to see its optimum")
    return lines


def _document(args, model, grid, method) -> dict:
    rows = json.loads(_table(grid).to_json(orient="records"))
    return {"data": str(args.data), "target": args.target, "family": model.family.name,
            "prior": type(model.prior).__name__, "evidence": method, "grid": rows,
            "evidence_best_scale": grid.attrs["evidence_best_scale"],
            "loo_best_scale": grid.attrs.get("loo_best_scale"), "cv": grid.attrs.get("cv")}


def _run(args) -> int:
    scales = parse_scales(args.scales)
    out = None if args.out is None else output_file(args.out, overwrite=args.overwrite)
    if out is not None and out.suffix.lower() != ".csv":
        raise UsageError(f"--out {str(out)!r}: give a .csv file name (the table).")
    plot = None if args.plot is None else output_file(args.plot, overwrite=args.overwrite,
                                                      option="--plot")
    if plot is not None and plot.suffix.lower() != ".png":
        raise UsageError(f"--plot {str(plot)!r}: give a .png file name.")
    if plot is not None and out is not None and plot.resolve() == out.resolve():
        raise UsageError("--out and --plot name the same file; give two names.")
    if args.draws < 100:
        raise UsageError(f"--draws must be at least 100 (PSIS-LOO and bridge sampling need "
                         f"them); got {args.draws}.")
    if args.seed < 0:
        raise UsageError(f"--seed must be 0 or more; got {args.seed}.")
    df = read_csv(args.data)
    model, _ = build_model(df, args)
    conjugate = is_conjugate(model)
    if conjugate and args.sampler not in ("auto", "exact"):
        raise UsageError(f"this model is conjugate: its grid uses exact draws and the closed-"
                         f"form evidence, with no NUTS sampler; leave out --sampler "
                         f"{args.sampler}.")
    if not conjugate and args.sampler == "exact":
        raise UsageError("--sampler exact needs a conjugate model: --family gaussian, --prior "
                         "gaussian and a fixed --sigma.")
    method = ("closed form (a conjugate model)" if conjugate else
              "bridge sampling from NUTS draws at each scale")
    say = (lambda *a, **k: None) if args.quiet or args.json else print
    say(f"bayesreg occam: {args.data}, {model.n_samples} rows, {model.n_features} features; "
        f"family {model.family.name}, prior {type(model.prior).__name__}(scale) at "
        f"{len(scales)} scales from {scales[0]:.4g} to {scales[-1]:.4g}")
    noise = ("" if not model.family.has_sigma else
             f"; sigma = {short(model.sigma)} (fixed)" if isinstance(model.sigma, float)
             else "; give --sigma for the closed form")
    say(f"  evidence: {method}{noise}", flush=True)
    kw = {} if conjugate else {"sample_kwargs": {"sampler": args.sampler}}
    # PyMC's and nutpie's samplers return the draws made so far on Ctrl-C: record it, so
    # that an interrupted grid is never tabulated as if complete
    with progress("scales", len(scales), enabled=show_progress(args)) as advance, \
            warnings.catch_warnings(record=True) as caught, watch_interrupts() as hit:
        warnings.simplefilter("always")
        grid = scale_grid(model, scales, loo=not args.no_loo, draws=args.draws,
                          cv=None if args.no_cv else "auto", random_seed=args.seed,
                          progress=advance, **kw)
    if hit:
        raise Interrupted()
    for w in caught:
        if issubclass(w.category, UserWarning):
            text = re.sub(r"Run longer, e\.g\. sample_kwargs=.*$", "Run longer: e.g. --draws "
                          f"{2 * args.draws}.", " ".join(str(w.message).split()))
            warn(text.removeprefix("scale_grid: "))
    table = _table(grid)
    if args.json:
        print(json.dumps(_document(args, model, grid, method), indent=1))
    elif not args.quiet:
        print()
        with pd.option_context("display.width", 200, "display.max_rows", 300):
            print(table.to_string(index=False, formatters=_formatters(table)))
        print("\n" + "; ".join(_summary(grid)) + ".")
        print("log_evidence = log_likelihood_max + log_occam_factor (nats); effective_params: "
              "MacKay's gamma;\nelpd_loo: PSIS-LOO expected log predictive density (higher "
              "is better).")
    if out is not None:
        write_atomic(out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.10g"))
        say(f"saved {out}")
    if plot is not None:
        fig = plot_occam(grid, scale_label=f"{type(model.prior).__name__} prior scale")
        save_figure(fig, plot)
        say(f"saved {plot}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "occam", help="the Occam view: evidence, LOO and CV across prior scales",
        description="Fit the model at each prior scale of a grid and tabulate the log\n"
                    "evidence (closed form for a conjugate model: --family gaussian, --prior\n"
                    "gaussian and a fixed --sigma; bridge sampling from NUTS draws otherwise),\n"
                    "its split into best fit and log Occam factor, the effective number of\n"
                    "parameters, PSIS-LOO and the RidgeCV/LassoCV choice (gaussian family).",
        epilog="examples:\n"
               "  bayesreg occam data.csv --target y --sigma 1 --scales 0.01:10:13 \\\n"
               "      --plot occam.png   (a ridge: exact, in seconds)\n"
               "  bayesreg occam data.csv --target y --prior laplace --scales 0.01:1:7 \\\n"
               "      --out grid.csv   (NUTS at each scale, bridge-sampled evidence)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_options(p)
    g = p.add_argument_group("grid")
    g.add_argument("--prior", default="gaussian", choices=_PRIORS,
                   help="prior on each coefficient, whose scale the grid varies: gaussian = "
                        "L2 (ridge), laplace = L1 (lasso), studentt (default: %(default)s)")
    g.add_argument("--prior-df", type=float, metavar="NU",
                   help="studentt: degrees of freedom of the prior (default: 3)")
    g.add_argument("--scales", default="0.01:100:13", metavar="LO:HI:N",
                   help="the prior scales: N log-spaced from LO to HI, or a comma-separated "
                        "list (default: %(default)s)")
    g.add_argument("--no-loo", action="store_true",
                   help="skip PSIS-LOO (for a conjugate model it needs posterior draws)")
    g.add_argument("--no-cv", action="store_true",
                   help="skip the RidgeCV/LassoCV choice")
    s = p.add_argument_group("sampling")
    s.add_argument("--sampler", default="auto",
                   choices=("auto", "pymc", "nutpie", "numpyro", "blackjax", "exact"),
                   help="NUTS implementation for a model that is not conjugate (default: "
                        "%(default)s)")
    s.add_argument("--draws", type=int, default=1000, metavar="N",
                   help="posterior draws per scale (exact), or N/2 per chain over 2 chains "
                        "(NUTS) (default: %(default)s)")
    s.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed: the same seed gives the same table (default: "
                        "%(default)s)")
    o = p.add_argument_group("output")
    o.add_argument("--out", metavar="GRID.csv", help="also write the table as a CSV file")
    o.add_argument("--plot", metavar="FILE.png", help="draw the Occam figure as a PNG file")
    o.add_argument("--overwrite", action="store_true",
                   help="replace --out and --plot if they exist (default: refuse)")
    o.add_argument("--json", action="store_true",
                   help="print the table as JSON instead (for scripts)")
    o.add_argument("--quiet", action="store_true",
                   help="print only warnings and errors; no progress bar, no table")
    # the model options of 'fit' that a grid fixes: one scale, no hyperprior, no twin
    p.set_defaults(func=_run, scale=1.0, alpha=None, C=None, l1_ratio=None, l2_scale=None,
                   hyperprior=None, centered=False, expected_nonzero=None, slab_scale=None,
                   mean_r2=None, precision_r2=None, concentration=None)
