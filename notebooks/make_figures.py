"""Rebuild the figures shown in the README (``notebooks/figures/*.png``).

Run: ``python notebooks/make_figures.py`` (a few seconds; fixed seeds).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402

import bayesreg as br  # noqa: E402

OUT = Path(__file__).resolve().parent / "figures"


def main():
    OUT.mkdir(exist_ok=True)
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    model = br.Model(X, y, prior=br.Gaussian(10.0), sigma=54.0)
    scales = np.logspace(-0.5, 2.5, 13)
    br.plots.plot_seed_ideas().savefig(OUT / "seed_ideas.png", dpi=80)
    br.plots.plot_laplace_posterior(br.teaching.laplace_posterior_1d(np.linspace(-3, 3, 241), 1.0, 1.0)
                                    ).savefig(OUT / "laplace_posterior.png", dpi=80)
    Xz = X[["bmi", "bp", "s5"]].assign(never_measured=0.0).to_numpy()
    ys = ((y - y.mean()) / y.std()).to_numpy()
    uw = br.teaching.unconstrained_weight(Xz, ys, 3, w0=[0, 0, 0, 1.5], eta=0.2, lam=0.02, steps=300,
                                 prior_scale=1.0, sigma=0.75)
    br.plots.plot_unconstrained_weight(uw).savefig(OUT / "unconstrained_weight.png", dpi=80)
    br.plots.plot_occam(br.scale_grid(model, scales, random_seed=0),
                        empirical_bayes=br.empirical_bayes(model)).savefig(
        OUT / "occam.png", dpi=80)
    br.plots.plot_regularization_path(br.regularization_path(model, scales)).savefig(
        OUT / "regularization_path.png", dpi=80)
    fit = br.Model(X, y, prior=br.Laplace(br.HalfNormal(50.0), noncentered=False),
                   sigma=br.HalfNormal(100.0)).sample(sampler="nutpie", random_seed=1,
                                                      progressbar=False)
    br.plots.plot_prior_sensitivity(fit).savefig(OUT / "prior_sensitivity.png", dpi=80)


if __name__ == "__main__":
    main()
