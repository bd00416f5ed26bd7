"""``bayesreg summary FIT.nc`` and ``bayesreg plot FIT.nc --out DIR``: read a saved fit."""

from __future__ import annotations

import json

import arviz as az
import pandas as pd

from ..backends._imh import SAMPLER_NOTE_ATTR
from ..inference import Model
from .._io import load
from ..plots import model_variables
from ._common import (
    UsageError,
    convergence_line,
    input_file,
    output_dir,
    progress,
    save_figure,
    short,
    show_progress,
    stored_convergence,
    warn,
)
from ._figures import fit_figures

__all__ = ["add_parsers", "load_fit", "describe", "summary_table",
           "check_prob"]


def load_fit(path):
    """``(fit, model)`` of a file written by ``bayesreg fit`` or :func:`bayesreg.save`."""
    path = input_file(path, kind="a fit file (FIT.nc)",
                      missing="give a fit saved by 'bayesreg fit DATA.csv ... --out FIT.nc' "
                              "(or bayesreg.save in Python).")
    fit = load(path)
    return fit, Model.from_idata(fit)


def describe(fit, model) -> list[tuple[str, str]]:
    """``(label, text)`` pairs describing a fit: data, model, sampler."""
    post = fit["posterior"]
    names = list(model.feature_names)
    shown = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
    rows = [("data", f"{model.n_samples} observations, {model.n_features} features: {shown}"),
            ("family", model.family.name),
            ("prior", f"{short(model.prior)} on each coefficient"),
            ("intercept", "none" if not model.fit_intercept else
             "flat (unpenalized)" if model.intercept_prior.improper else
             short(model.intercept_prior))]
    for name in model.family.auxiliary:  # sigma, nu, dispersion
        rows.append((name, short(getattr(model, name))))
    sampler = post.attrs.get("bayesreg_sampler", "unknown")
    rows.append(("sampler", f"{sampler}, {post.sizes['chain']} chains x "
                            f"{post.sizes['draw']} draws"))
    if post.attrs.get(SAMPLER_NOTE_ATTR):  # why the sampler is not the one asked for
        rows.append(("note", post.attrs[SAMPLER_NOTE_ATTR]))
    return rows


def summary_table(fit, prob: float = 0.94) -> pd.DataFrame:
    """Mean, sd, HDI, ESS and R-hat of every model parameter (:func:`arviz.summary`)."""
    return az.summary(fit, var_names=model_variables(fit), ci_prob=prob, ci_kind="hdi")


def check_prob(prob: float) -> float:
    if not 0.0 < prob < 1.0:
        raise UsageError(f"--prob must lie strictly between 0 and 1 (e.g. 0.94); got {prob:g}.")
    return prob


def _summary(args) -> int:
    prob = check_prob(args.prob)
    fit, model = load_fit(args.fit)
    if args.json:
        table = az.summary(fit, var_names=model_variables(fit), ci_prob=prob,
                           ci_kind="hdi", round_to="none")
        print(json.dumps({"file": str(args.fit), "model": dict(describe(fit, model)),
                          "convergence": stored_convergence(fit),
                          "summary": json.loads(table.to_json(orient="index"))}, indent=1))
        return 0
    print(f"{args.fit}")
    for label, text in describe(fit, model):
        print(f"  {label + ':':<13}{text}")
    print(f"  {'convergence:':<13}{convergence_line(stored_convergence(fit))}\n")
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(summary_table(fit, prob).to_string())
    print(f"\nmean, sd and the {prob:.0%} highest-density interval (hdi) of each parameter; "
          f"ess_bulk/ess_tail: effective\nsample sizes (>= 100 per chain is enough); r_hat: "
          f"<= 1.01 when the chains agree; mcse: Monte Carlo error.")
    return 0


def _plot(args) -> int:
    fit, model = load_fit(args.fit)
    figs = fit_figures(fit, model, seed=args.seed)
    out = output_dir(args.out, [f.name for f in figs], overwrite=args.overwrite)
    say = (lambda *a, **k: None) if args.quiet else print
    say(f"plots of {args.fit} in {out}/:")
    written = []
    with progress("figures", len(figs), enabled=show_progress(args)) as advance:
        for fig in figs:
            try:
                plot = fig.draw()
            except (ValueError, ArithmeticError, KeyError) as err:
                warn(f"skipped {fig.name}: {' '.join(str(err).split())}")
            else:
                written.append((save_figure(plot, out / fig.name), fig))
            advance()
    for path, fig in written:
        say(f"  {path.name:<22} {fig.title}")
    return 0 if written else 1


def add_parsers(sub) -> None:
    s = sub.add_parser(
        "summary", help="print the posterior table of a saved fit (mean, sd, HDI, ESS, R-hat)",
        description="Print the model, the convergence verdict and, for every parameter, the "
                    "posterior mean, sd, highest-density interval, bulk and tail effective "
                    "sample size and R-hat (arviz.summary) of a fit saved by 'bayesreg fit'.",
        epilog="example: bayesreg summary fit.nc --prob 0.9")
    s.add_argument("fit", metavar="FIT.nc", help="a fit saved by 'bayesreg fit' or "
                                                 "bayesreg.save")
    s.add_argument("--prob", type=float, default=0.94, metavar="P",
                   help="probability of the highest-density interval (default: %(default)s)")
    s.add_argument("--json", action="store_true",
                   help="print the model, convergence report and table as JSON instead")
    s.set_defaults(func=_summary)

    p = sub.add_parser(
        "plot", help="write the plots of a saved fit as PNG files",
        description="Write the figures of a saved fit into a folder as PNG files: prior vs "
                    "posterior, shrinkage (or a forest plot), prior sensitivity, the "
                    "evidence curve (Gaussian prior with a fixed scale), posterior "
                    "predictive check, trace, rank and energy plots; the shrinkage factors "
                    "of a sparse prior.",
        epilog="example: bayesreg plot fit.nc --out plots")
    p.add_argument("fit", metavar="FIT.nc", help="a fit saved by 'bayesreg fit' or "
                                                 "bayesreg.save")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for the PNG files (created if missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace PNG files of the same names in DIR (default: refuse)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed of the prior and predictive draws (default: "
                        "%(default)s)")
    p.add_argument("--quiet", action="store_true",
                   help="print only warnings and errors; no progress bar, no list")
    p.set_defaults(func=_plot)
