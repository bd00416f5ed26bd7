"""RSS after each step of a gaussian fit, without LOO (issue 21; BENCHMARKS.md, n = 10^7).

Steps 1-3 of ``bench_time_to_posterior.py`` (data, first fit, warm fit) with the RSS
(``/proc/self/status``) and the peak (``getrusage``), in GB, after the data,
``Model(...)``, the data values, ``model.pymc_model``, the fit and the warm fit. Run it
fresh, with BLAS on one thread::

    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
    /usr/bin/time -v python benchmarks/probe_fit_memory.py 10000000
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

import numpy as np

import bayesreg as br
from bayesreg.backends._pymc_model import data_values


def rss_gb() -> float:
    """Resident set size now, GB."""
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS")) * 1024 / 1e9


def peak_gb() -> float:
    """Peak resident set size so far, GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def report(step: str, seconds: float | None = None) -> None:
    took = "" if seconds is None else f" {seconds:.2f} s"
    print(f"{step}:{took} rss {rss_gb():.2f} GB, peak {peak_gb():.2f} GB", flush=True)


def main(n: int, p: int = 50, seed: int = 0) -> None:
    warnings.simplefilter("ignore")
    report("imports")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(-1.0, 1.0, p) + 1.0 + rng.standard_normal(n)
    report("data")
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0))
    report("Model(...)")
    data_values(model)
    report("data values")
    model.pymc_model
    report("model.pymc_model")
    for step, s in (("first fit", seed), ("warm fit", seed + 1)):
        t = time.perf_counter()
        model.sample(random_seed=s, progressbar=False)
        report(step, time.perf_counter() - t)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
