"""``bayesreg fit DATA.csv``: sample a model of a CSV file and save the fit.

Everything that can be wrong with the command line or the data (the file, the columns,
the prior's strength, the output path) is checked before sampling starts.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import arviz as az
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..backends._gibbs import gibbs_unsupported
from ..backends._imh import IMH_BURN_IN, SAMPLER_NOTE_ATTR
from ..inference import Model
from .._io import save
from ..plots import model_variables
from ..sklearn import from_sklearn
from ..sklearn._twins import twin_estimator, twin_strength
from ..families import family_names, get_family
from ..inference._arguments import choose_sampler
from ..priors import (
    R2D2,
    ElasticNetPrior,
    Exponential,
    Gaussian,
    HalfCauchy,
    HalfNormal,
    Horseshoe,
    HorseshoePlus,
    Laplace,
    RegularizedHorseshoe,
    StudentT,
)
from ..priors._conjugate import conjugate_form
from ._common import (
    UsageError,
    add_sampler_options,
    convergence_line,
    input_file,
    output_file,
    sample_quietly,
    sampler_options,
    short,
    stored_convergence,
    write_atomic,
)

__all__ = ["add_parser", "add_data_options", "add_prior_options", "read_csv", "build_model",
           "estimator_label", "check_prior_options", "SPARSE"]

#: the --prior values of the sparse (global-local shrinkage) priors: they set their own
#: scale, so they take none of --scale, --alpha, --C
SPARSE = {"horseshoe": Horseshoe, "rhs": RegularizedHorseshoe, "hsplus": HorseshoePlus,
          "r2d2": R2D2}
PRIORS = ("gaussian", "laplace", "elasticnet", "studentt", *SPARSE)
#: the --prior values with one scale (gaussian: L2, laplace: L1)
_ONE_SCALE = dict(zip(PRIORS[:2], (Gaussian, Laplace)))
#: the options of each sparse prior: command-line attribute -> the prior's argument
_SPARSE_OPTIONS = {"expected_nonzero": ("horseshoe", "rhs", "hsplus"),
                   "slab_scale": ("rhs",), "mean_r2": ("r2d2",), "precision_r2": ("r2d2",),
                   "concentration": ("r2d2",)}
_FLAG = {"expected_nonzero": "--expected-nonzero", "slab_scale": "--slab-scale",
         "mean_r2": "--r2-mean", "precision_r2": "--r2-precision",
         "concentration": "--concentration"}
HYPERPRIORS = {"halfnormal": HalfNormal, "halfcauchy": HalfCauchy, "exponential": Exponential}


# ------------------------------------------------------------------------ data
def read_csv(path) -> pd.DataFrame:
    """The CSV file as a DataFrame, or a one-line :class:`UsageError` saying what is wrong."""
    path = input_file(path, kind="a CSV file",
                      missing=f"check the path (the current folder is {str(Path.cwd())!r}).")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise UsageError(f"{str(path)!r} is empty; a CSV file with a header row and data "
                         f"rows is needed.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"cannot read {str(path)!r} as CSV ({first}); check that it is a "
                         f"comma-separated text file with one header row.") from None
    if len(df) == 0:
        raise UsageError(f"{str(path)!r} has a header but no data rows.")
    return df


def _column(df: pd.DataFrame, name: str, path, option: str) -> str:
    if name not in df.columns:
        cols = ", ".join(map(str, df.columns[:20])) + (", ..." if df.shape[1] > 20 else "")
        raise UsageError(f"{option}: no column {name!r} in {str(path)!r}; its columns are: "
                         f"{cols}.")
    return name


def _numeric(df: pd.DataFrame, col: str, path, target: str, is_target: bool) -> pd.Series:
    s = df[col]
    if is_bool_dtype(s):
        s = s.astype(float)
    if not is_numeric_dtype(s):
        example = next((v for v in s if isinstance(v, str)), s.iloc[0])
        if is_target:
            raise UsageError(f"target column {col!r} of {str(path)!r} is not numeric (e.g. "
                             f"{example!r}); code it as numbers (0/1 for --family "
                             f"bernoulli).")
        raise UsageError(f"column {col!r} of {str(path)!r} is not numeric (e.g. {example!r}); "
                         f"encode it as numbers, leave it out with --features, or use a "
                         f"formula: --formula '{target} ~ ... + C({col})'.")
    missing = s.isna().to_numpy().nonzero()[0]
    if len(missing):
        lines = ", ".join(str(i + 2) for i in missing[:5]) + (", ..." if len(missing) > 5
                                                              else "")
        raise UsageError(f"column {col!r} of {str(path)!r} has {len(missing)} missing "
                         f"value(s) (file lines {lines}); fill or drop those rows first.")
    return s.astype(float)


def _design(df: pd.DataFrame, args):
    """``(X, y)`` from ``--target`` and ``--features`` (default: every other column)."""
    target = _column(df, args.target, args.data, "--target")
    if args.features is not None:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
        if not features:
            raise UsageError("--features is empty; give comma-separated column names, e.g. "
                             "--features age,bmi.")
        dup = sorted({f for f in features if features.count(f) > 1})
        if dup:
            raise UsageError(f"--features names {', '.join(dup)} more than once.")
        if target in features:
            raise UsageError(f"--features includes the target {target!r}; a column cannot "
                             f"predict itself. Leave it out of --features.")
        for f in features:
            _column(df, f, args.data, "--features")
    else:
        features = [c for c in df.columns if c != target]
        if not features:
            raise UsageError(f"{str(args.data)!r} has only the target column {target!r}; "
                             f"predictor columns are needed.")
    X = pd.DataFrame({str(c): _numeric(df, c, args.data, target, False) for c in features})
    y = _numeric(df, target, args.data, target, True)
    return X, y.to_numpy()


# ----------------------------------------------------------------------- model
def _sparse_prior(args):
    """The sparse prior of ``--prior``, built (and so checked) by its own class: the
    library's validation and messages."""
    kw = {name: getattr(args, name) for name, owners in _SPARSE_OPTIONS.items()
          if args.prior in owners and getattr(args, name) is not None}
    try:
        return SPARSE[args.prior](**kw)
    except ValueError as err:  # the library's message, with the option it is about
        text = str(err)
        for name in kw:
            text = text.replace(f"'{name}' parameter", f"'{name}' parameter ({_FLAG[name]})")
        raise UsageError(text) from None


def _prior_from_scale(args):
    if not args.scale > 0 or not math.isfinite(args.scale):
        raise UsageError(f"--scale must be a positive number; got {args.scale:g}.")
    scale = args.scale if args.hyperprior is None else HYPERPRIORS[args.hyperprior](args.scale)
    shape = {"noncentered": not args.centered}
    if args.prior == "studentt":
        return StudentT(nu=args.prior_df, scale=scale, **shape)
    if args.prior == "elasticnet":
        l2 = args.l2_scale if args.l2_scale is not None else scale
        return ElasticNetPrior(l1_scale=scale, l2_scale=l2)
    return _ONE_SCALE[args.prior](scale, **shape)


def _sklearn_estimator(args):
    """The scikit-learn estimator whose ``alpha`` or ``C`` the options give (the family's
    twin, :func:`bayesreg.sklearn._twins.twin_estimator`)."""
    prior, family = args.prior, get_family(args.family)
    what = f"--prior {prior} --family {family.name}"
    strength = twin_strength(family)
    if prior == "studentt" or strength is None:
        raise UsageError(f"no scikit-learn estimator matches {what}; give the prior's "
                         f"--scale instead of --alpha/--C.")
    if strength == "C":
        if args.C is None:
            raise UsageError(f"for --family {family.name} the strength is "
                             f"LogisticRegression's --C (inverse strength), not --alpha.")
        if not args.C > 0:
            raise UsageError(f"--C must be positive; got {args.C:g}.")
        value = args.C
    else:
        if args.alpha is None:
            raise UsageError(f"--C is LogisticRegression's (--family bernoulli); for --family "
                             f"{family.name} give --alpha.")
        if not args.alpha >= 0:
            raise UsageError(f"--alpha must be 0 or more; got {args.alpha:g}.")
        value = args.alpha
    # scikit-learn's l1_ratio: 0 for the gaussian prior (L2), 1 for laplace (L1)
    rho = args.l1_ratio if prior == "elasticnet" else float(prior == "laplace")
    try:
        return twin_estimator(family, rho, value, fit_intercept=not args.no_intercept)
    except ValueError:  # a twin without this penalty (PoissonRegressor: L2 only)
        name = type(twin_estimator(family, 0.0, 1.0)).__name__
        raise UsageError(f"scikit-learn's {name} has only an L2 penalty: use --prior "
                         f"gaussian with --alpha, or give --scale.") from None


def estimator_label(est) -> str:
    """A scikit-learn estimator as a person writes it, with its strength parameters."""
    if hasattr(est, "steps"):   # make_pipeline(StandardScaler(), estimator)
        return f"StandardScaler() + {estimator_label(est.steps[-1][1])}"
    name = type(est).__name__
    if name == "LogisticRegression":
        return f"LogisticRegression(C={est.C:g}, l1_ratio={est.l1_ratio:g})"
    if name == "ElasticNet":
        return f"ElasticNet(alpha={est.alpha:g}, l1_ratio={est.l1_ratio:g})"
    return f"{name}(alpha={est.alpha:g})"


def check_prior_options(args) -> None:
    """The sparse priors' own options go with their priors; the sparse priors take no
    strength (they set their own global scale)."""
    for name, owners in _SPARSE_OPTIONS.items():
        if getattr(args, name, None) is not None and args.prior not in owners:
            raise UsageError(f"{_FLAG[name]} applies to --prior {' or '.join(owners)}.")
    if args.prior in SPARSE:
        given = [flag for flag, value in (("--scale", args.scale), ("--alpha", args.alpha),
                                          ("--C", args.C)) if value is not None]
        if given:
            raise UsageError(f"--prior {args.prior} sets its own scale from the data (a "
                             f"global-local shrinkage prior); leave out {given[0]}"
                             + (" (--expected-nonzero P0 states how many coefficients you "
                                "expect to be non-zero)." if args.prior != "r2d2" else
                                " (--r2-mean and --r2-precision set its prior on R^2)."))
    elif args.scale is None and args.alpha is None and args.C is None:
        raise UsageError(f"--prior {args.prior} needs its strength: give one of --scale (the "
                         f"prior's scale), --alpha or --C (scikit-learn's), e.g. --scale 1.")


def _check_options(args) -> None:
    check_prior_options(args)
    if args.l1_ratio is not None:
        if args.prior != "elasticnet" or args.scale is not None:
            raise UsageError("--l1-ratio applies to --prior elasticnet with --alpha or --C "
                             "(scikit-learn's l1_ratio).")
        if not 0.0 < args.l1_ratio < 1.0:
            raise UsageError(f"--l1-ratio must lie strictly between 0 and 1 (0: gaussian, "
                             f"1: laplace); got {args.l1_ratio:g}.")
    elif args.prior == "elasticnet":
        args.l1_ratio = 0.5
    if args.l2_scale is not None and (args.prior != "elasticnet" or args.scale is None):
        raise UsageError("--l2-scale applies to --prior elasticnet with --scale.")
    if args.l2_scale is not None and not args.l2_scale > 0:
        raise UsageError(f"--l2-scale must be positive; got {args.l2_scale:g}.")
    if args.prior_df is not None and args.prior != "studentt":
        raise UsageError("--prior-df applies to --prior studentt.")
    if args.prior_df is None:
        args.prior_df = 3.0
    if not args.prior_df > 0:
        raise UsageError(f"--prior-df must be positive; got {args.prior_df:g}.")
    if args.scale is None and (args.hyperprior or args.centered):
        raise UsageError("--hyperprior and --centered apply to --scale.")
    if args.centered and not args.hyperprior:
        raise UsageError("--centered applies to a hyperprior: add --hyperprior.")
    family = get_family(args.family)
    if args.sigma is not None:
        if not family.has_sigma:
            raise UsageError(f"--sigma is the noise scale of the gaussian and student_t "
                             f"families; --family {args.family} has none.")
        if not args.sigma > 0:
            raise UsageError(f"--sigma must be positive; got {args.sigma:g}.")
        # with --alpha, sigma enters the twin's algebra only for a quadratic likelihood
        if args.C is not None or (args.alpha is not None
                                  and not family.sufficient_statistics):
            raise UsageError("--sigma goes with --scale, or with --alpha for --family "
                             "gaussian.")
    if args.dispersion is not None:
        if "dispersion" not in family.auxiliary:
            raise UsageError(f"--dispersion is the overdispersion of the negative_binomial "
                             f"family; --family {args.family} has none.")
        if not (args.dispersion > 0 and math.isfinite(args.dispersion)):
            raise UsageError(f"--dispersion must be a positive number; got "
                             f"{args.dispersion:g}.")


def _formula_lhs(formula: str) -> str:
    if "~" not in formula:
        raise UsageError(f"--formula {formula!r} has no '~'; write it as 'y ~ a + b + C(c)'.")
    return formula.split("~", 1)[0].strip()


def build_model(df: pd.DataFrame, args):
    """The :class:`bayesreg.Model` the options describe (and, with ``--alpha``/``--C``, the
    scikit-learn estimator it matches), checked before any sampling."""
    _check_options(args)
    kw = dict(family=args.family, fit_intercept=not args.no_intercept)
    if args.formula is not None:
        if not hasattr(Model, "from_formula"):  # a bayesreg from before formulas
            raise UsageError("--formula needs bayesreg.Model.from_formula, which this version "
                             "of bayesreg does not have; give numeric columns with --target "
                             "and --features instead.")
        lhs = _formula_lhs(args.formula)
        if args.target is not None and args.target != lhs:
            raise UsageError(f"--target {args.target!r} differs from the formula's left-hand "
                             f"side {lhs!r}; leave --target out with --formula.")
        _column(df, lhs, args.data, "--formula")
        args.target = lhs
    elif args.target is None:
        raise UsageError("--target COLUMN is required (the column to predict), unless "
                         "--formula 'y ~ ...' names it.")
    if args.formula is not None:
        if args.no_intercept:
            raise UsageError("with --formula the formula decides the intercept: write "
                             "'y ~ 0 + a + b' instead of --no-intercept.")
        del kw["fit_intercept"]
    if args.sigma is not None:
        kw["sigma"] = args.sigma
    if args.dispersion is not None:
        kw["dispersion"] = args.dispersion
    if args.standardize:
        kw["standardize"] = True
    if args.scale is not None or args.prior in SPARSE:
        prior = _sparse_prior(args) if args.prior in SPARSE else _prior_from_scale(args)
        if args.formula is not None:
            model = Model.from_formula(args.formula, df, prior=prior, **kw)
        else:
            X, y = _design(df, args)
            model = Model(X, y, prior=prior, **kw)
        if args.prior in SPARSE:  # e.g. expected_nonzero >= the number of features
            model.prior.global_scale(model.n_features, model.n_samples)
        return model, None
    design = None
    if args.formula is not None:
        design = Model.from_formula(args.formula, df, prior=Gaussian(1.0), family=args.family)
        X = pd.DataFrame(design.X, columns=list(design.feature_names))
        y = design.y
        args.no_intercept = not design.fit_intercept
    else:
        X, y = _design(df, args)
    estimator = _sklearn_estimator(args)
    if args.standardize:   # the prior on standardized predictors: StandardScaler first
        estimator = make_pipeline(StandardScaler(with_mean=not args.no_intercept), estimator)
    sigma = {"sigma": args.sigma} if args.sigma is not None else {}
    model = from_sklearn(estimator, X, y, **sigma)
    if design is not None:  # keep the formula, so that predict() takes data frames
        model = model.replace(formula=design.formula)
    return model, estimator


# --------------------------------------------------------------------- command
def _run(args) -> int:
    out = output_file(args.out, overwrite=args.overwrite)
    options = sampler_options(args)
    check_prior_options(args)
    df = read_csv(args.data)
    model, estimator = build_model(df, args)
    if args.sampler == "exact":
        # the sampler refuses non-conjugate models itself (with the same rule,
        # conjugate_form); say it now, in the command line's terms
        try:
            conjugate_form(model)
        except ValueError:
            raise UsageError("--sampler exact needs a conjugate model: --family gaussian, "
                             "--prior gaussian with a fixed --scale (or --alpha) and a fixed "
                             "--sigma. Use a NUTS sampler (--sampler auto) for this model."
                             ) from None
    if args.sampler == "gibbs":  # the sampler's own rule, said in the command's terms
        why = gibbs_unsupported(model)
        if why is not None:
            raise UsageError(f"--sampler gibbs cannot sample this model: {why}. Use a NUTS "
                             f"sampler (--sampler auto) instead.")
    say = (lambda *a, **k: None) if args.quiet else print
    names = ", ".join(model.feature_names[:8]) + (", ..." if model.n_features > 8 else "")
    say(f"bayesreg fit: {args.data}, {model.n_samples} rows; target {args.target!r} on "
        f"{model.n_features} features ({names})")
    noise = ""
    if model.family.has_sigma:
        noise = (f", sigma ~ {short(model.sigma)}" if not isinstance(model.sigma, float)
                 else f", sigma = {short(model.sigma)} (fixed)")
    if getattr(model, "dispersion", None) is not None:
        noise += (f", dispersion ~ {short(model.dispersion)}"
                  if not isinstance(model.dispersion, float)
                  else f", dispersion = {short(model.dispersion)} (fixed)")
    say(f"  family:  {model.family.name}{noise}")
    say(f"  prior:   {short(model.prior)} on each coefficient" +
        (f" (its MAP is scikit-learn's {estimator_label(estimator)})" if estimator else ""))
    run_by = choose_sampler(args.sampler, model, options={k: v for k, v in options.items()
                                                          if k == "target_accept"})
    warmup = {"exact": "", "gibbs": f" after {args.tune} burn-in sweeps",
              "imh": f" after {min(args.tune, IMH_BURN_IN)} burn-in steps (independence "
                     f"sampler from the Laplace approximation; NUTS if it does not fit)"}
    say(f"  sampler: {run_by}, {args.chains} chains x {args.draws} draws"
        + warmup.get(run_by, f" after {args.tune} tuning steps")
        + f", seed {args.seed}", flush=True)
    progress = not args.quiet and sys.stderr.isatty()
    fit = sample_quietly(model, label=Path(args.data).name, progressbar=progress, **options)
    if fit.posterior.attrs.get(SAMPLER_NOTE_ATTR):  # another sampler ran: say which, why
        say(f"  note:    {fit.posterior.attrs[SAMPLER_NOTE_ATTR]}")
    report = stored_convergence(fit)
    if report is None or report.get("ok"):  # a failed gate was just warned about
        say(f"  result:  {convergence_line(report)}")
    say()
    if not args.quiet:
        summary = az.summary(fit, var_names=model_variables(fit), ci_prob=0.94,
                             ci_kind="hdi")
        with pd.option_context("display.width", 160, "display.max_rows", 60):
            print(summary.to_string())
    write_atomic(out, lambda tmp: save(fit, tmp, overwrite=True))
    say(f"\nsaved {out}. Next: bayesreg summary {out} | bayesreg plot {out} --out plots | "
        f"bayesreg report {out} --out report.html")
    return 0


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The data options of ``fit``, ``map`` and ``occam``: the CSV file, its columns, the
    family and the fixed noise parameters."""
    p.add_argument("data", metavar="DATA.csv", help="comma-separated file with a header row")
    d = p.add_argument_group("data")
    d.add_argument("--target", metavar="COL", help="the column to predict (required unless "
                                                  "--formula names it)")
    which = d.add_mutually_exclusive_group()
    which.add_argument("--features", metavar="A,B,C",
                       help="comma-separated predictor columns, all numeric (default: every "
                            "column but the target)")
    which.add_argument("--formula", metavar='"y ~ a + C(b)"',
                       help="a formula over the columns, with categorical C(...) terms and "
                            "interactions (needs bayesreg.Model.from_formula)")
    d.add_argument("--family", default="gaussian", choices=family_names(),
                   help="likelihood: gaussian (linear regression), bernoulli (logistic; "
                        "target 0/1), poisson (counts), student_t (robust), "
                        "negative_binomial (overdispersed counts) (default: %(default)s)")
    d.add_argument("--no-intercept", action="store_true",
                   help="fit without an intercept (default: a flat, unpenalized intercept)")
    d.add_argument("--standardize", action="store_true",
                   help="put the prior on the coefficients of standardized predictors (mean "
                        "0, sd 1, as StandardScaler does); the fit reports coef on that "
                        "scale and coef_original in the data's units")
    d.add_argument("--sigma", type=float, metavar="S",
                   help="fix the noise sd of the gaussian/student_t family (default: a "
                        "HalfStudentT(3, sd(target)) prior on it)")
    d.add_argument("--dispersion", type=float, metavar="THETA",
                   help="fix the overdispersion of the negative_binomial family, Var(y) = "
                        "mu + THETA mu^2 (glum's theta; default: a HalfNormal(1) prior on it)")


def add_prior_options(p: argparse.ArgumentParser) -> None:
    """The prior options of ``fit`` and ``map``."""
    pr = p.add_argument_group(
        "prior", "gaussian, laplace, elasticnet and studentt need one of --scale, --alpha,\n"
                 "--C; the sparse priors horseshoe, rhs, hsplus and r2d2 set their own scale.")
    pr.add_argument("--prior", default="gaussian", choices=PRIORS,
                    help="prior on each coefficient: gaussian = L2 (ridge), laplace = L1 "
                         "(lasso), elasticnet = L1 + L2, studentt = heavy tails; sparse: "
                         "horseshoe, rhs = regularized horseshoe, hsplus = horseshoe+, r2d2 "
                         "= a prior on R^2 split across coefficients (default: %(default)s)")
    strength = pr.add_mutually_exclusive_group()
    strength.add_argument("--scale", type=float, metavar="S",
                          help="the prior's scale in units of coefficient: tau of "
                               "gaussian/studentt, b of laplace, the L1 scale of elasticnet; "
                               "smaller = stronger regularization")
    strength.add_argument("--alpha", type=float, metavar="A",
                          help="scikit-learn's alpha instead: the posterior whose MAP is "
                               "Ridge/Lasso/ElasticNet(alpha) (gaussian family) or "
                               "PoissonRegressor(alpha); noise scale fixed at the fit's "
                               "residual sd unless --sigma")
    strength.add_argument("--C", type=float, metavar="C",
                          help="scikit-learn's C instead (--family bernoulli): the posterior "
                               "whose MAP is LogisticRegression(C)")
    pr.add_argument("--l1-ratio", type=float, metavar="R",
                    help="elasticnet with --alpha/--C: scikit-learn's l1_ratio in (0, 1) "
                         "(default: 0.5)")
    pr.add_argument("--l2-scale", type=float, metavar="T",
                    help="elasticnet with --scale: the L2 scale tau (default: --scale)")
    pr.add_argument("--prior-df", type=float, metavar="NU",
                    help="studentt: degrees of freedom of the prior (default: 3)")
    pr.add_argument("--hyperprior", choices=tuple(HYPERPRIORS),
                    help="let the data choose the strength: the prior's scale gets this "
                         "hyperprior, with scale --scale (e.g. --scale 1 --hyperprior "
                         "halfnormal)")
    pr.add_argument("--centered", action="store_true",
                    help="with --hyperprior: sample the hierarchy centred, better when many "
                         "observations pin each coefficient down (default: non-centred)")
    pr.add_argument("--expected-nonzero", type=float, metavar="P0", dest="expected_nonzero",
                    help="horseshoe, rhs, hsplus: the number of coefficients you expect to be "
                         "non-zero (< the number of features); sets the global scale tau0 = "
                         "P0 / (p - P0) / sqrt(n) (default: tau0 = 1)")
    pr.add_argument("--slab-scale", type=float, metavar="S", dest="slab_scale",
                    help="rhs: the prior scale of the large coefficients (default: 2)")
    pr.add_argument("--r2-mean", type=float, metavar="M", dest="mean_r2",
                    help="r2d2: prior mean of R^2, in (0, 1) (default: 0.5)")
    pr.add_argument("--r2-precision", type=float, metavar="K", dest="precision_r2",
                    help="r2d2: prior precision of R^2, R^2 ~ Beta(M K, (1 - M) K); M = 0.5 "
                         "and K = 2 is uniform (default: 2)")
    pr.add_argument("--concentration", type=float, metavar="A",
                    help="r2d2: Dirichlet concentration of the split of R^2 across the "
                         "coefficients; smaller is sparser (default: 0.5)")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fit", help="sample a model of a CSV file and save the fit (NetCDF)",
        description="Sample the posterior of a regularized regression of one column of a\n"
                    "CSV file on others, and save it as one NetCDF file for 'bayesreg\n"
                    "summary', 'plot', 'report' and 'compare' (and bayesreg.load in Python).\n"
                    "The data, the options and the output path are checked before sampling\n"
                    "starts.",
        epilog="examples:\n"
               "  bayesreg fit data.csv --target y --prior laplace --scale 0.5 --out fit.nc\n"
               "  bayesreg fit data.csv --target y --prior gaussian --alpha 10 --out ridge.nc\n"
               "      (the posterior whose MAP is scikit-learn's Ridge(alpha=10))\n"
               "  bayesreg fit data.csv --target y --features age,bmi --prior laplace \\\n"
               "      --scale 1 --hyperprior halfnormal --out fit.nc   (the data choose the\n"
               "      strength)\n"
               "  bayesreg fit data.csv --target y --prior rhs --expected-nonzero 3 \\\n"
               "      --out sparse.nc   (regularized horseshoe: no scale needed)\n"
               "  bayesreg fit data.csv --target y --prior r2d2 --r2-mean 0.3 --out r2d2.nc\n"
               "  bayesreg fit data.csv --target sick --family bernoulli --prior laplace \\\n"
               "      --C 1 --out logit.nc",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_options(p)
    add_prior_options(p)
    add_sampler_options(p, draws=1000, tune=1000, chains=4)
    o = p.add_argument_group("output")
    o.add_argument("--out", required=True, metavar="FIT.nc",
                   help="where to save the fit (NetCDF; its folder must exist)")
    o.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (default: refuse, before sampling)")
    o.add_argument("--quiet", action="store_true",
                   help="print only warnings and errors; no progress bars, no table")
    p.set_defaults(func=_run)
