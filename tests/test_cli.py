"""The ``bayesreg`` command end to end, on a tiny CSV file in a temporary folder: every
subcommand, its outputs and exit codes, and the user errors it must refuse in one line,
before any sampling, leaving no file behind."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Lasso, LogisticRegression, Ridge

import bayesreg as br
from bayesreg.cli import _parser, main
from bayesreg.cli._common import write_atomic
from bayesreg.cli._fit import build_model

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.normal(size=n), "g": rng.choice(["u", "v"], size=n)})
    df["y"] = 1.0 + 2.0 * df["a"] - df["b"] + 0.5 * (df["g"] == "v") + rng.normal(size=n)
    df["hit"] = (df["y"] > df["y"].median()).astype(int)
    path = tmp_path_factory.mktemp("data") / "data.csv"
    df.to_csv(path, index=False)
    return path


def _fit_args(csv, out, *extra):
    return ["fit", str(csv), "--target", "y", "--features", "a,b,c", "--prior", "gaussian",
            "--scale", "1", "--sigma", "1", "--sampler", "exact", "--draws", "100",
            "--chains", "2", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def exact_fit(data_csv, tmp_path_factory) -> Path:
    """A conjugate model drawn exactly: every later command reads it."""
    out = tmp_path_factory.mktemp("fit") / "fit.nc"
    assert main(_fit_args(data_csv, out)) == 0
    return out


@pytest.fixture
def no_sampling(monkeypatch):
    """Fail the test if anything is sampled."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("sampling started before the error was found")
    monkeypatch.setattr(br.Model, "sample", refuse)


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("bayesreg: error: ") and "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------ the happy paths
def test_fit_saves_a_fit_and_prints_its_summary(exact_fit, capsys):
    fit = br.load(exact_fit)
    assert list(fit["posterior"]["feature"].values) == ["a", "b", "c"]
    assert fit["posterior"].sizes["draw"] == 100 and fit["posterior"].sizes["chain"] == 2
    model = br.Model.from_idata(fit)
    assert model.prior == br.Gaussian(1.0) and model.sigma == 1.0
    # no temporary files are left next to the output
    assert sorted(p.name for p in exact_fit.parent.iterdir()) == ["fit.nc"]


def test_fit_output_reads_well(data_csv, tmp_path, capsys):
    assert main(_fit_args(data_csv, tmp_path / "f.nc")) == 0
    out = capsys.readouterr().out
    for text in ("3 features (a, b, c)", "prior:   Gaussian(scale=1) on each coefficient",
                 "exact", "coef[a]", "hdi94_lb", "r_hat", "saved", "bayesreg report"):
        assert text in out, text


def test_summary(exact_fit, capsys):
    assert main(["summary", str(exact_fit)]) == 0
    out = capsys.readouterr().out
    for text in ("40 observations, 3 features: a, b, c", "Gaussian(scale=1)", "exact",
                 "convergence:", "coef[a]", "intercept", "mean", "sd", "hdi94_lb",
                 "hdi94_ub", "ess_bulk", "ess_tail", "r_hat"):
        assert text in out, text
    assert main(["summary", str(exact_fit), "--json", "--prob", "0.9"]) == 0
    import json
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["coef[a]"]["mean"] == pytest.approx(2.0, abs=0.6)
    assert "hdi90_lb" in doc["summary"]["coef[a]"]


def test_plot_writes_pngs(exact_fit, tmp_path, capsys):
    out = tmp_path / "plots"
    assert main(["plot", str(exact_fit), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    for name in ("prior_posterior.png", "shrinkage.png", "prior_sensitivity.png",
                 "occam.png", "ppc.png", "trace.png", "rank.png"):
        assert name in names
        assert (out / name).read_bytes()[:8] == PNG
    assert not [n for n in names if not n.endswith(".png")]   # no temporary files
    # again: refused without --overwrite, before drawing anything
    assert main(["plot", str(exact_fit), "--out", str(out)]) == 2
    assert "--overwrite" in _one_error_line(capsys.readouterr().err)


def test_report_is_one_self_contained_page(exact_fit, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(exact_fit), "--out", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('<img alt="') >= 5
    assert page.count('src="data:image/png;base64,') >= 5
    # no external resources, no scripts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page and "@import" not in page and "url(" not in page
    # the summary table with every parameter and its diagnostics, the verdict
    assert '<table class="summary">' in page
    for text in ("coef[a]", "coef[b]", "coef[c]", "intercept", "ess_bulk", "r_hat",
                 "Exact draws", "Prior sensitivity", "Occam"):
        assert text in page, text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_fit_alpha_is_the_sklearn_posterior(data_csv, tmp_path):
    """--alpha means scikit-learn's alpha: the saved model's MAP is Ridge(alpha)'s fit."""
    out = tmp_path / "ridge.nc"
    args = ["fit", str(data_csv), "--target", "y", "--features", "a,b,c", "--prior",
            "gaussian", "--alpha", "3", "--sampler", "exact", "--draws", "100", "--chains",
            "1", "--out", str(out)]
    assert main(args) == 0
    model = br.Model.from_idata(br.load(out))
    df = pd.read_csv(data_csv)
    ridge = Ridge(alpha=3.0).fit(df[["a", "b", "c"]], df["y"])
    np.testing.assert_allclose(model.map().coef.values, ridge.coef_, atol=1e-8)


def test_fit_standardize_is_the_pipeline_posterior(data_csv, tmp_path):
    """--standardize --alpha: the prior sits on standardized predictors, so the saved
    model's MAP is make_pipeline(StandardScaler(), Ridge(alpha))'s final coef_, and the
    fit reports coef_original too."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out = tmp_path / "std.nc"
    args = ["fit", str(data_csv), "--target", "y", "--features", "a,b,c", "--prior",
            "gaussian", "--alpha", "3", "--standardize", "--sampler", "exact", "--draws",
            "100", "--chains", "1", "--out", str(out)]
    assert main(args) == 0
    fit = br.load(out)
    assert "coef_original" in fit.posterior
    model = br.Model.from_idata(fit)
    df = pd.read_csv(data_csv)
    pipe = make_pipeline(StandardScaler(), Ridge(alpha=3.0)).fit(df[["a", "b", "c"]], df["y"])
    np.testing.assert_allclose(model.map().coef.values, pipe[-1].coef_, atol=1e-8)


@pytest.mark.parametrize("argv, estimator, prior", [
    (["--prior", "laplace", "--alpha", "0.1"], Lasso(alpha=0.1), br.Laplace),
    (["--family", "bernoulli", "--target", "hit", "--prior", "laplace", "--C", "0.5"],
     LogisticRegression(C=0.5, l1_ratio=1.0, solver="saga"), br.Laplace),
    (["--family", "bernoulli", "--target", "hit", "--C", "2"],
     LogisticRegression(C=2.0), br.Gaussian),
])
def test_alpha_and_C_pick_the_sklearn_estimator(data_csv, argv, estimator, prior):
    base = ["fit", str(data_csv), "--target", "y", "--features", "a,b,c", "--out", "x.nc"]
    args = _parser().parse_args(base + argv)
    model, est = build_model(pd.read_csv(data_csv), args)
    assert type(est) is type(estimator)
    assert {k: v for k, v in est.get_params().items() if k in ("alpha", "C", "l1_ratio")} == \
        {k: v for k, v in estimator.get_params().items() if k in ("alpha", "C", "l1_ratio")}
    assert isinstance(model.prior, prior)
    expected = br.from_sklearn(estimator, pd.read_csv(data_csv)[["a", "b", "c"]],
                               pd.read_csv(data_csv)[args.target])
    assert model.prior == expected.prior


def test_fit_nuts_with_a_hyperprior(data_csv, tmp_path):
    pytest.importorskip("nutpie")
    out = tmp_path / "lasso.nc"
    assert main(["fit", str(data_csv), "--target", "y", "--features", "a,b", "--prior",
                 "laplace", "--scale", "1", "--hyperprior", "halfnormal", "--sampler",
                 "nutpie", "--draws", "100", "--tune", "100", "--chains", "2", "--quiet",
                 "--out", str(out)]) == 0
    post = br.load(out)["posterior"]
    assert "coef_scale" in post and post.sizes["draw"] == 100
    assert br.Model.from_idata(br.load(out)).prior == br.Laplace(br.HalfNormal(1.0))


def test_fit_formula(data_csv, tmp_path):
    out = tmp_path / "formula.nc"
    assert main(["fit", str(data_csv), "--formula", "y ~ a + b + C(g)", "--scale", "1",
                 "--sigma", "1", "--sampler", "exact", "--draws", "100", "--chains", "1",
                 "--out", str(out)]) == 0
    features = list(br.load(out)["posterior"]["feature"].values)
    assert features[:2] == ["a", "b"] and any("C(g)" in f for f in features)


def test_demo_out_writes_the_plots(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--draws", "100", "--tune", "100", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for word in ("MAP = penalized fit", "same zero set: True", "gaussian (L2)",
                 "laplace (L1)", "convergence gate", "evidence curve", "<- best: evidence",
                 "Plots in"):
        assert word in text, word
    from bayesreg.cli._demo import FIGURES
    assert sorted(p.name for p in out.iterdir()) == sorted(FIGURES)
    assert all((out / n).read_bytes()[:8] == PNG for n in FIGURES)


# --------------------------------------------------------------- user errors
@pytest.mark.parametrize("make_argv, words", [
    (lambda d, t: _fit_args(t / "missing.csv", t / "o.nc"), ["no such file", "missing.csv"]),
    (lambda d, t: ["fit", str(d), "--target", "nope", *_fit_args(d, t / "o.nc")[6:]],
     ["no column 'nope'", "its columns are: a, b, c, g, y, hit"]),
    (lambda d, t: [*_fit_args(d, t / "o.nc")[:4], "--features", "a,zz",
                   *_fit_args(d, t / "o.nc")[6:]], ["no column 'zz'"]),
    (lambda d, t: [*_fit_args(d, t / "o.nc")[:4], "--features", "a,g",
                   *_fit_args(d, t / "o.nc")[6:]], ["column 'g'", "not numeric", "--formula",
                                                    "C(g)"]),
    (lambda d, t: _fit_args(d, t / "nofolder" / "o.nc"), ["does not exist", "mkdir"]),
    (lambda d, t: _fit_args(d, t / "afile" / "o.nc"), ["is a file, not a folder"]),
    (lambda d, t: _fit_args(d, t), ["is a folder"]),
    (lambda d, t: _fit_args(d, t / "o.nc") + ["--target-accept", "1.5"], ["--target-accept"]),
    (lambda d, t: ["fit", str(d), "--target", "y", "--features", "a", "--C", "1", "--out",
                   str(t / "o.nc")], ["--family bernoulli"]),
    (lambda d, t: ["fit", str(d), "--target", "y", "--features", "a", "--prior", "laplace",
                   "--scale", "1", "--sampler", "exact", "--out", str(t / "o.nc")],
     ["--sampler exact needs a conjugate model"]),
    (lambda d, t: ["summary", str(t / "none.nc")], ["no such file"]),
    (lambda d, t: ["summary", str(d)], ["not a NetCDF file written by bayesreg.save"]),
    (lambda d, t: ["report", str(t / "none.nc"), "--out", str(t / "r.html")], ["no such file"]),
    (lambda d, t: ["plot", str(t / "none.nc"), "--out", str(t / "p")], ["no such file"]),
])
def test_user_errors_are_one_line_exit_2_before_sampling(data_csv, tmp_path, capsys,
                                                         no_sampling, make_argv, words):
    (tmp_path / "afile").write_text("not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(make_argv(data_csv, tmp_path)) == 2
    line = _one_error_line(capsys.readouterr().err)
    for word in words:
        assert word in line, (word, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == before   # nothing written


def test_existing_output_is_kept_without_overwrite(data_csv, tmp_path, capsys, no_sampling):
    out = tmp_path / "fit.nc"
    out.write_text("precious")
    assert main(_fit_args(data_csv, out)) == 2
    assert "exists; pass --overwrite" in _one_error_line(capsys.readouterr().err)
    assert out.read_text() == "precious"
    report = tmp_path / "r.html"
    report.write_text("precious")
    assert main(["report", str(out), "--out", str(report)]) == 2
    assert report.read_text() == "precious"


def test_formula_without_the_feature_says_so(data_csv, tmp_path, capsys, monkeypatch,
                                              no_sampling):
    monkeypatch.delattr(br.Model, "from_formula", raising=False)
    assert main(["fit", str(data_csv), "--formula", "y ~ a + C(g)", "--scale", "1",
                 "--out", str(tmp_path / "o.nc")]) == 2
    assert "Model.from_formula" in _one_error_line(capsys.readouterr().err)


def test_usage_errors_exit_2(capsys, tmp_path):
    # no --scale / --alpha / --C: said before the data are read
    assert main(["fit", "data.csv", "--target", "y", "--out", str(tmp_path / "o.nc")]) == 2
    assert "give one of --scale" in _one_error_line(capsys.readouterr().err)
    with pytest.raises(SystemExit) as exc:          # two strengths at once
        main(["fit", "data.csv", "--target", "y", "--scale", "1", "--alpha", "1",
              "--out", "o.nc"])
    assert exc.value.code == 2


def test_every_option_says_what_it_does():
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {"demo", "fit", "summary", "plot", "report", "map",
                                       "compare", "occam", "sbc"}
    for name, sub in subparsers.choices.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help and len(action.help) > 15, (name, action.dest)


# ------------------------------------------------------------ interruptions
def test_interrupt_exits_130_and_writes_nothing(data_csv, tmp_path, capsys, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(br.Model, "sample", interrupted)
    assert main(_fit_args(data_csv, tmp_path / "o.nc")) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_sampler_that_swallows_the_interrupt_saves_nothing(data_csv, exact_fit, tmp_path,
                                                              capsys, monkeypatch, signum):
    """PyMC's and nutpie's samplers catch Ctrl-C and return the draws so far: the command
    must not save those as a finished fit."""
    partial = br.load(exact_fit)

    def swallowing(self, *args, **kwargs):
        try:
            signal.raise_signal(signum)
        except KeyboardInterrupt:
            pass
        return partial
    monkeypatch.setattr(br.Model, "sample", swallowing)
    assert main(_fit_args(data_csv, tmp_path / "o.nc")) == 130
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_write_atomic_leaves_nothing_on_interrupt(tmp_path):
    target = tmp_path / "out.png"
    target.write_text("old")

    def half(tmp):
        Path(tmp).write_text("half")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.png"]


# --------------------------------------------------------------- the process
def test_python_m_bayesreg(tmp_path):
    out = subprocess.run([sys.executable, "-m", "bayesreg", "--version"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith(f"bayesreg {br.__version__}")
    out = subprocess.run([sys.executable, "-m", "bayesreg", "fit", "missing.csv", "--target",
                          "y", "--scale", "1", "--out", "fit.nc"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2
    _one_error_line(out.stderr)
    assert list(tmp_path.iterdir()) == []


# --------------------------------- sparse priors, map, compare, occam, progress (issue 24)
@pytest.fixture(scope="module")
def sparse_fit(data_csv, tmp_path_factory) -> Path:
    """A regularized horseshoe fitted from the shell, with no scale given."""
    pytest.importorskip("numpyro")   # compiles faster than nutpie here (23 s vs 37 s)
    out = tmp_path_factory.mktemp("sparse") / "rhs.nc"
    assert main(["fit", str(data_csv), "--target", "y", "--features", "a,b,c", "--prior",
                 "rhs", "--expected-nonzero", "1", "--sampler", "numpyro", "--draws", "100",
                 "--tune", "200", "--chains", "2", "--quiet", "--out", str(out)]) == 0
    return out


@pytest.mark.slow   # compiles and runs NUTS
def test_fit_a_sparse_prior_without_a_scale(sparse_fit):
    fit = br.load(sparse_fit)
    model = br.Model.from_idata(fit)
    assert model.prior == br.RegularizedHorseshoe(expected_nonzero=1.0)
    assert {"coef_tau", "coef_lambda", "coef_c2"} <= set(fit["posterior"].data_vars)


@pytest.mark.slow   # the sparse fit
def test_report_shows_the_shrinkage_of_a_sparse_prior(sparse_fit):
    from bayesreg.cli._commands import load_fit
    from bayesreg.cli._figures import fit_figures
    from bayesreg.cli._report import _inclusion_html

    fit, model = load_fit(sparse_fit)
    figs = {f.name: f for f in fit_figures(fit, model)}
    assert "shrinkage_factors.png" in figs and "occam.png" not in figs
    fig = figs["shrinkage_factors.png"].draw()
    assert len(fig.axes) == 2
    table = _inclusion_html(fit, model)
    kappa = br.inclusion_summary(model, fit)["kappa"]
    assert "m_eff" in table and "SAVS" in table
    assert all(f"<td>{k:.3f}</td>" in table for k in kappa)


@pytest.mark.parametrize("argv, message", [
    (["--prior", "rhs", "--expected-nonzero", "3"], "needs p0 < n_features"),
    (["--prior", "horseshoe", "--scale", "1"], "sets its own scale"),
    (["--prior", "r2d2", "--r2-mean", "1.5"], "'mean_r2' parameter (--r2-mean) of R2D2"),
    (["--prior", "gaussian", "--scale", "1", "--expected-nonzero", "2"],
     "--expected-nonzero applies to --prior horseshoe or rhs or hsplus"),
    (["--prior", "laplace"], "give one of --scale"),
    (["--prior", "horseshoe", "--sampler", "gibbs"], "--sampler gibbs cannot sample this "
                                                     "model: a sparse prior on the gaussian"),
])
def test_sparse_prior_mistakes_exit_2_before_sampling(data_csv, tmp_path, capsys, no_sampling,
                                                      argv, message):
    out = tmp_path / "o.nc"
    assert main(["fit", str(data_csv), "--target", "y", "--features", "a,b,c", *argv,
                 "--out", str(out)]) == 2
    assert message in _one_error_line(capsys.readouterr().err)
    assert not out.exists()


def _map_args(csv, *extra):
    return ["map", str(csv), "--target", "y", "--features", "a,b,c", *extra]


def test_map_is_the_lasso_with_its_certificate(data_csv, tmp_path, capsys):
    import json
    assert main(_map_args(data_csv, "--prior", "laplace", "--alpha", "0.1", "--check",
                          "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    df = pd.read_csv(data_csv)
    lasso = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(df[["a", "b", "c"]], df["y"])
    np.testing.assert_allclose(list(doc["coef"].values()), lasso.coef_, atol=1e-8)
    assert doc["intercept"] == pytest.approx(lasso.intercept_, abs=1e-8)
    assert doc["sklearn"] == "Lasso(alpha=0.1)" and doc["converged"]
    assert doc["kkt_violation"] < 1e-8 and doc["check"]["max_abs_dcoef"] < 1e-8
    # the text and the CSV say the same
    out = tmp_path / "lasso.csv"
    assert main(_map_args(data_csv, "--prior", "laplace", "--alpha", "0.1", "--out",
                          str(out))) == 0
    text = capsys.readouterr().out
    for part in ("Lasso(alpha=0.1) has the same fit", "KKT:", "objective:", "intercept",
                 "coefficients non-zero"):
        assert part in text, part
    table = pd.read_csv(out).set_index("term")["estimate"]
    np.testing.assert_allclose(table[["a", "b", "c"]], lasso.coef_, atol=1e-8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lasso.csv"]


@pytest.mark.parametrize("argv, message", [
    (["--prior", "horseshoe"], "has no MAP"),
    (["--prior", "gaussian", "--scale", "1"], "give --sigma S too"),
    (["--prior", "laplace", "--scale", "1", "--sigma", "1", "--hyperprior", "halfnormal"],
     "needs a fixed prior scale"),
    (["--prior", "studentt", "--scale", "1", "--sigma", "1", "--check"],
     "has none; leave out --check"),
    (["--prior", "laplace", "--alpha", "0.1", "--out", "m.txt"], "give a .json or a .csv"),
    (["--family", "student_t", "--alpha", "0.1"], "has no penalized-fit twin"),
])
def test_map_mistakes_exit_2(data_csv, capsys, argv, message):
    assert main(_map_args(data_csv, *argv)) == 2
    assert message in _one_error_line(capsys.readouterr().err)


@pytest.fixture(scope="module")
def second_fit(data_csv, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fit2") / "narrow.nc"
    argv = _fit_args(data_csv, out)
    argv[argv.index("--scale") + 1] = "0.05"
    assert main(argv) == 0
    return out


def test_compare_by_loo_with_and_without_a_stored_log_likelihood(exact_fit, second_fit,
                                                                  tmp_path, capsys):
    import json
    import warnings

    import arviz_stats as azs
    fit = br.load(exact_fit)
    del fit["log_likelihood"]
    bare = tmp_path / "bare.nc"
    br.save(fit, bare)
    png = tmp_path / "cmp.png"
    assert main(["compare", str(exact_fit), str(second_fit), str(bare), "--json",
                 "--plot", str(png)]) == 0
    doc = json.loads(capsys.readouterr().out)
    table = doc["compare"]
    assert set(table) == {"fit", "narrow", "bare"}
    assert doc["loo"] == {"fit": "stored log-likelihood", "narrow": "stored log-likelihood",
                          "bare": "computed from the draws and data"}
    # the on-demand LOO is arviz-stats' LOO of the stored log-likelihood
    with warnings.catch_warnings():   # Pareto k of a few points: the same in both
        warnings.simplefilter("ignore", UserWarning)
        stored = azs.loo(br.load(exact_fit))
    assert table["bare"]["elpd"] == pytest.approx(stored.elpd, rel=1e-6)
    assert table["fit"]["elpd"] == pytest.approx(stored.elpd, rel=1e-12)
    # a prior scale of 0.05 shrinks the true effects (2, -1) away: clearly worse
    assert table["narrow"]["rank"] == 2 and table["narrow"]["elpd_diff"] < -10
    assert png.read_bytes()[:8] == PNG
    assert main(["compare", str(exact_fit), str(second_fit)]) == 0
    text = capsys.readouterr().out
    assert "best by LOO" in text and "elpd_diff" in text and "clearly worse" in text


def test_compare_mistakes_exit_2(exact_fit, data_csv, tmp_path, capsys):
    assert main(["compare", str(exact_fit)]) == 2
    assert "at least two fits" in _one_error_line(capsys.readouterr().err)
    assert main(["compare", str(exact_fit), str(tmp_path / "none.nc")]) == 2
    assert "no such file" in _one_error_line(capsys.readouterr().err)
    assert main(["compare", str(exact_fit), str(exact_fit), "--plot",
                 str(tmp_path / "c.pdf")]) == 2
    assert "give a .png" in _one_error_line(capsys.readouterr().err)
    short = tmp_path / "short.csv"
    pd.read_csv(data_csv).head(30).to_csv(short, index=False)
    other = tmp_path / "other.nc"
    assert main(_fit_args(short, other, "--quiet")) == 0
    assert main(["compare", str(exact_fit), str(other)]) == 2
    assert "different observations" in _one_error_line(capsys.readouterr().err)


def test_occam_grid_of_a_ridge(data_csv, tmp_path, capsys):
    import json
    grid_csv, png = tmp_path / "grid.csv", tmp_path / "occam.png"
    assert main(["occam", str(data_csv), "--target", "y", "--features", "a,b,c", "--sigma",
                 "1", "--scales", "0.1:10:5", "--draws", "200", "--json", "--out",
                 str(grid_csv), "--plot", str(png)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""   # no progress bar when stderr is not a terminal
    doc = json.loads(captured.out)
    rows = doc["grid"]
    assert [r["scale"] for r in rows] == pytest.approx([0.1, 10**-0.5, 1, 10**0.5, 10])
    df = pd.read_csv(data_csv)
    model = br.Model(df[["a", "b", "c"]], df["y"], prior=br.Gaussian(1.0), sigma=1.0)
    assert rows[2]["log_evidence"] == pytest.approx(model.log_evidence().log_evidence,
                                                    rel=1e-10)
    assert doc["evidence"].startswith("closed form")
    assert sum(r["best by"].count("evidence") for r in rows) == 1
    assert len(pd.read_csv(grid_csv)) == 5 and png.read_bytes()[:8] == PNG
    assert main(["occam", str(data_csv), "--target", "y", "--features", "a,b,c", "--sigma",
                 "1", "--scales", "0.1,1,10", "--draws", "200", "--no-loo"]) == 0
    text = capsys.readouterr().out
    assert "the evidence prefers scale" in text and "RidgeCV prefers" in text


@pytest.mark.parametrize("argv, message", [
    (["--scales", "10:1:5"], "need 0 < LO < HI"),
    (["--scales", "a:b"], "give LO:HI:N"),
    (["--scales", "1,1,2"], "lists a scale twice"),
    (["--plot", "occam.jpg"], "give a .png"),
    (["--draws", "10"], "--draws must be at least 100"),
    (["--sampler", "nutpie"], "this model is conjugate"),
])
def test_occam_mistakes_exit_2(data_csv, tmp_path, capsys, monkeypatch, no_sampling, argv,
                               message):
    monkeypatch.chdir(tmp_path)
    assert main(["occam", str(data_csv), "--target", "y", "--features", "a,b,c", "--sigma",
                 "1", *argv]) == 2
    assert message in _one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_progress_bars_only_on_a_terminal(monkeypatch):
    from bayesreg.cli._common import progress, show_progress
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert show_progress(argparse.Namespace(quiet=False))
    assert not show_progress(argparse.Namespace(quiet=True))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not show_progress(argparse.Namespace(quiet=False))
    with progress("steps", 3, enabled=True) as advance:   # draws and advances
        for _ in range(3):
            advance()


@pytest.mark.parametrize("argv, prior", [
    (["--prior", "horseshoe"], br.Horseshoe()),
    (["--prior", "rhs", "--expected-nonzero", "2", "--slab-scale", "1.5"],
     br.RegularizedHorseshoe(expected_nonzero=2.0, slab_scale=1.5)),
    (["--prior", "hsplus", "--expected-nonzero", "1"], br.HorseshoePlus(expected_nonzero=1.0)),
    (["--prior", "r2d2", "--r2-mean", "0.3", "--r2-precision", "4", "--concentration", "0.2"],
     br.R2D2(mean_r2=0.3, precision_r2=4.0, concentration=0.2)),
])
def test_every_sparse_prior_from_the_shell(data_csv, argv, prior):
    args = _parser().parse_args(["fit", str(data_csv), "--target", "y", "--features",
                                 "a,b,c", "--out", "x.nc", *argv])
    model, est = build_model(pd.read_csv(data_csv), args)
    assert model.prior == prior and est is None


def test_occam_interrupted_writes_nothing(data_csv, tmp_path, capsys, monkeypatch):
    import bayesreg.cli._occam as occam_cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(occam_cli, "scale_grid", interrupted)
    assert main(["occam", str(data_csv), "--target", "y", "--features", "a,b,c", "--sigma",
                 "1", "--out", str(tmp_path / "g.csv"), "--plot",
                 str(tmp_path / "o.png")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
