"""JAX samplers on a GPU against the same samplers on the CPU of the same machine.

Logistic regression (bernoulli, Gaussian(1) prior on standardized, AR(1)-correlated
columns, flat intercept), p = 50, n in {20,000, 200,000}; numpyro and blackjax NUTS
through ``Model.sample``, 4 chains x (1000 tune + 1000 draws). Metric: minimum bulk ESS
over coef and intercept per second, cold (compilation included) and warm (a second fit
reusing the compiled program, which ``Model.compile`` keeps). Equal accuracy: the same
model and number of draws on both platforms; the posterior means of the two agree
(``max_dmean`` in units of the posterior sd).

Run (JAX picks the GPU when there is one; ``--platform cpu`` forces the CPU):

    python benchmarks/bench_gpu.py --platform gpu --out gpu.json
    python benchmarks/bench_gpu.py --platform cpu --out cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings


def data(n, p=50, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = np.empty((n, p))
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):  # AR(1) columns, correlation 0.5
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * rng.standard_normal(n)
    coef = np.zeros(p)
    coef[:10] = rng.normal(0, 0.5, 10)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ coef - 0.5)))).astype(float)
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", choices=["gpu", "cpu"], required=True)
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--samplers", default="numpyro,blackjax")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.environ["JAX_PLATFORMS"] = "cuda" if args.platform == "gpu" else "cpu"
    warnings.simplefilter("ignore")
    import arviz as az
    import jax

    import bayesreg as br

    rows = []
    for n in map(int, args.sizes.split(",")):
        X, y = data(n)
        for sampler in args.samplers.split(","):
            model = br.Model(X, y, prior=br.Gaussian(1.0), family="bernoulli")
            kw = dict(draws=1000, tune=1000, chains=4, sampler=sampler, progressbar=False,
                      log_likelihood=False)
            t0 = time.perf_counter()
            fit = model.sample(random_seed=1, **kw)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            fit2 = model.sample(random_seed=2, **kw)
            warm = time.perf_counter() - t0
            post = fit2.posterior.to_dataset()[["coef", "intercept"]]
            ess = az.ess(post, method="bulk")
            ess_min = min(float(ess[v].min()) for v in ess.data_vars)
            ess1 = az.ess(fit.posterior.to_dataset()[["coef", "intercept"]], method="bulk")
            ess1_min = min(float(ess1[v].min()) for v in ess1.data_vars)
            rows.append(dict(platform=args.platform, device=str(jax.devices()[0]), n=n,
                             sampler=sampler, cold_s=cold, warm_s=warm, ess=ess_min,
                             ess_per_s_cold=ess1_min / cold, ess_per_s_warm=ess_min / warm,
                             coef_mean=post["coef"].mean(("chain", "draw")).values.tolist(),
                             coef_sd=post["coef"].std(("chain", "draw")).values.tolist()))
            print(json.dumps({k: v for k, v in rows[-1].items()
                              if not k.startswith("coef_")}), flush=True)
    with open(args.out, "w") as f:
        json.dump(rows, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
