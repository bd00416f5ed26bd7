"""The ``bayesreg`` command (also ``python -m bayesreg``).

Subcommands:

``demo``
    The README's main job on scikit-learn's bundled diabetes data (:mod:`.demo`).
``fit``
    Sample a model of a CSV file and save the fit as one NetCDF file (:mod:`.fit`).
``summary``, ``plot``
    Read a saved fit: the posterior table with R-hat and ESS; diagnostic, shrinkage,
    prior-sensitivity and predictive plots as PNG files (:mod:`.commands`).
``report``
    One self-contained HTML page of a saved fit (:mod:`.report`).
``map``
    The MAP estimate = the penalized fit, its KKT certificate and scikit-learn twin
    (:mod:`.map`).
``compare``
    The PSIS-LOO comparison of saved fits (:mod:`.compare`).
``occam``
    The Occam view: evidence, LOO and CV across prior scales (:mod:`.occam`).
``sbc``
    Simulation-based calibration of a saved fit's model and a sampler (:mod:`._sbc`).

Mistakes in the command line or its input (a missing file or column, an output that
exists, an unwritable folder) are reported in one line, ``bayesreg: error: ...``, with
exit status 2, before any sampling starts. Ctrl-C exits with status 130 and leaves no
half-written file.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

import matplotlib

from .._version import __version__
from . import _commands as commands, _demo as demo, _fit as fit, _report as report
from . import _compare as compare, _map as map_, _occam as occam, _sbc as sbc
from ._common import UsageError, terminate_as_interrupt
from ._demo import demo_table, map_table

__all__ = ["main", "demo_table", "map_table"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayesreg",
        description="Bayesian regularized regression: L2 is a Gaussian prior, L1 a Laplace "
                    "prior, the MAP is the penalized fit, full posteriors from PyMC.",
        epilog="Start with 'bayesreg demo'. A typical session: bayesreg fit data.csv --target "
               "y --prior horseshoe --out hs.nc; bayesreg map data.csv --target y --prior "
               "laplace --alpha 0.1 --check (the lasso); bayesreg fit data.csv --target y "
               "--prior laplace --alpha 0.1 --out lasso.nc; bayesreg compare hs.nc lasso.nc; "
               "bayesreg occam data.csv --target y --sigma 1 --scales 0.01:10:13 --plot "
               "occam.png; bayesreg report hs.nc --out report.html. 'bayesreg COMMAND "
               "--help' explains each command.")
    parser.add_argument("--version", action="version",
                        version=f"bayesreg {__version__} (Python "
                                f"{sys.version.split()[0]})",
                        help="print the version of bayesreg and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.add_parser(sub)
    fit.add_parser(sub)
    map_.add_parser(sub)
    commands.add_parsers(sub)
    report.add_parser(sub)
    compare.add_parser(sub)
    occam.add_parser(sub)
    sbc.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayesreg`` command; returns the exit status.

    0 success; 1 a failure that is not a usage error (e.g. a full disk); 2 a usage error
    (argparse exits with 2 itself); 130 interrupted (Ctrl-C or SIGTERM).
    """
    args = _parser().parse_args(argv)
    matplotlib.use("Agg")  # the command only writes files; it never opens a window
    if not getattr(args, "progress", False):
        logging.getLogger("pymc").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        try:
            with terminate_as_interrupt():
                return args.func(args)
        except BrokenPipeError:  # e.g. bayesreg summary fit.nc | head: stop quietly
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return 141
        except KeyboardInterrupt:
            print("\nbayesreg: interrupted; no file was left half-written.", file=sys.stderr)
            return 130
        except (UsageError, ValueError, FileNotFoundError, FileExistsError,
                ImportError) as err:
            print(f"bayesreg: error: {_one_line(err)}", file=sys.stderr)
            return 2
        except OSError as err:
            print(f"bayesreg: error: {_one_line(err)}", file=sys.stderr)
            return 1


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
