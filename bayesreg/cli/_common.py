"""What every ``bayesreg`` subcommand shares: user errors, output paths checked before any
work starts, atomic writes, figures, and sampling that an interrupt cannot turn into a
silently truncated fit.

Every file the command writes goes to a temporary file in the target folder that is
renamed into place only when complete (and removed on failure or Ctrl-C), so an output
path holds either the previous file or the whole new one, never half of one.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import io
import os
import signal
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..inference import ConvergenceReport, ConvergenceWarning
from ..inference._arguments import SAMPLERS
from ..inference._diagnostics import stored_convergence
from .._io import write_atomic as _write_atomic
from ..priors import Prior

__all__ = ["UsageError", "Interrupted", "warn", "output_file", "output_dir", "write_atomic",
           "save_figure", "figure_png", "titled", "sample_quietly", "terminate_as_interrupt",
           "add_sampler_options", "sampler_options", "convergence_line", "stored_convergence",
           "short", "advice", "show_progress", "progress", "watch_interrupts"]


class UsageError(Exception):
    """A mistake in the command line or its input: one line, exit status 2."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM arrived; nothing unfinished was written."""


def warn(message: str) -> None:
    print(f"bayesreg: warning: {message}", file=sys.stderr)


# ------------------------------------------------------------------ output paths
def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the one reliable writability test."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bayesreg-probe.", dir=folder)
        os.close(fd)
        os.remove(tmp)
    except OSError as err:
        raise UsageError(f"cannot write to folder {str(folder)!r} ({err.strerror}); choose a "
                         f"folder you can write to.") from None


def input_file(path, *, missing: str, kind: str) -> Path:
    """An existing file to read, or a one-line :class:`UsageError`: ``missing`` says what
    to give instead, ``kind`` names the file expected where a folder was given."""
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(f"no such file: {str(path)!r}; {missing}")
    if path.is_dir():
        raise UsageError(f"{str(path)!r} is a folder; give {kind}.")
    return path


def output_file(path, *, overwrite: bool, option: str = "--out") -> Path:
    """Check, before any work, that ``path`` can be written: its folder exists and is
    writable, it is not a folder, and it exists only with ``--overwrite``."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a folder; give a file name, e.g. "
                         f"{str(path / 'fit.nc')!r}.")
    folder = path.absolute().parent
    if not folder.exists():
        raise UsageError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist; "
                         f"create it first (mkdir -p {folder}).")
    if not folder.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: {str(folder)!r} is a file, not a folder.")
    _probe(folder)
    if path.exists() and not overwrite:
        raise UsageError(f"{str(path)!r} exists; pass --overwrite to replace it, or choose "
                         f"another {option}.")
    return path


def output_dir(path, names, *, overwrite: bool, option: str = "--out") -> Path:
    """Check, before any work, that the files ``names`` can be written into folder
    ``path`` (created if missing, when its parent is writable); existing ones only with
    ``--overwrite``. The folder itself is made by :func:`write_atomic` when needed."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a file; give a folder for the figures.")
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot make folder {str(path)!r}: {str(existing)!r} is a file.")
    _probe(existing)
    clash = sorted(n for n in names if (path / n).exists())
    if clash and not overwrite:
        shown = ", ".join(clash[:4]) + (", ..." if len(clash) > 4 else "")
        raise UsageError(f"{str(path)!r} already holds {shown}; pass --overwrite to replace "
                         f"them, or choose another {option}.")
    return path


def write_atomic(path, write) -> Path:
    """:func:`bayesreg._io.write_atomic`, making the folder first when needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_atomic(path, write)


# ---------------------------------------------------------------------- figures
def _figure(plot) -> Figure:
    """The matplotlib figure of a figure or an arviz-plots PlotCollection."""
    if isinstance(plot, Figure):
        return plot
    fig = plot.get_viz("figure")
    return fig.item() if hasattr(fig, "item") and not isinstance(fig, Figure) else fig


def titled(plot, title: str):
    """Give a figure (or PlotCollection) an overall title; returns it."""
    _figure(plot).suptitle(title, fontsize=11)
    return plot


def save_figure(plot, path, *, dpi: int = 100) -> Path:
    """Write a figure (or PlotCollection) as PNG, atomically, and close it."""
    fig = _figure(plot)
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))
    finally:
        plt.close(fig)


def figure_png(plot, *, dpi: int = 90) -> str:
    """A figure as a base64 PNG string (for a data: URI), closing it."""
    fig = _figure(plot)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return base64.b64encode(buf.getvalue()).decode("ascii")
    finally:
        plt.close(fig)


# --------------------------------------------------------------------- progress
def show_progress(args) -> bool:
    """Progress bars on a terminal only: none with ``--quiet`` or when stderr is piped."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


@contextmanager
def progress(label: str, total: int, *, enabled: bool):
    """A progress bar on stderr for ``total`` steps, removed when done; yields the
    function that advances it by one step (a no-op when not ``enabled``)."""
    if not enabled:
        yield lambda *args: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda *args: bar.advance(task)


# --------------------------------------------------------------------- sampling
@contextmanager
def _watch_interrupts():
    """Record Ctrl-C (and SIGTERM, when :func:`terminate_as_interrupt` is in force) while
    sampling. PyMC's and nutpie's samplers catch the KeyboardInterrupt and return the
    draws made so far, which would otherwise be saved as if the run were complete."""
    hit: list[int] = []
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if callable(handler):  # not ignored (a background job), not the OS default
                previous[signum] = handler

    def record(signum, frame):
        hit.append(signum)
        previous[signum](signum, frame)

    for signum in previous:
        signal.signal(signum, record)
    try:
        yield hit
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def terminate_as_interrupt():
    """Within the block, SIGTERM raises :class:`Interrupted` (so temporary files are
    removed as on Ctrl-C) instead of killing the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


watch_interrupts = _watch_interrupts


def sample_quietly(model, *, label: str, draws: int, **kwargs):
    """``model.sample(draws=draws, **kwargs)``; a failed convergence gate becomes one
    warning line naming ``label`` with the command-line fix, and an interrupted run
    raises :class:`Interrupted` instead of returning its partial draws."""
    with _watch_interrupts() as hit, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            idata = model.sample(draws=draws, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted() from None
    if hit or int(idata["posterior"].sizes["draw"]) < int(draws):
        raise Interrupted()
    for w in caught:
        if isinstance(w.message, ConvergenceWarning) and w.message.report is not None:
            report = w.message.report
            warn(f"the {label} fit did not pass the convergence gate: "
                 f"{'; '.join(report.problems)}. Its estimates may be unreliable. "
                 f"To fix: {report.advice_text('cli')}.")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return idata


def _num(value, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def advice(report: dict) -> str:
    """What to try after a failed gate, phrased with the command's options."""
    try:
        fields = {f.name for f in dataclasses.fields(ConvergenceReport)}
        obj = ConvergenceReport(**{**{k: v for k, v in report.items() if k in fields},
                                   "problems": tuple(report.get("problems", ())),
                                   "advice": tuple(report.get("advice", ()))})
        return obj.advice_text("cli")
    except (TypeError, KeyError):  # a report written by another version of bayesreg
        return ""


def convergence_line(report: dict | None) -> str:
    """One line: passed or not, with R-hat, ESS and divergences."""
    if report is None:
        return "no convergence report stored in this fit"
    numbers = (f"R-hat max {_num(report['r_hat_max'], '.3f')}, ESS min bulk "
               f"{_num(report['ess_bulk_min'], '.0f')} / tail "
               f"{_num(report['ess_tail_min'], '.0f')}, {report['n_divergent']} divergences")
    if report.get("iid"):
        return f"exact i.i.d. draws, nothing to converge ({numbers})"
    if report["ok"]:
        return f"passed the convergence gate ({numbers})"
    fix = advice(report)
    return (f"FAILED the convergence gate: {'; '.join(report['problems'])}"
            + (f". To fix: {fix}" if fix else ""))


# ------------------------------------------------------------------ descriptions
_OPTIONS = ("loc", "noncentered", "scaled_by_sigma", "pseudo_sigma")


def short(value) -> str:
    """A prior (or number) as a person writes it: ``Laplace(scale=HalfNormal(scale=50))``,
    with the options ``loc``, ``noncentered`` and ``scaled_by_sigma`` only when they are
    not the defaults, numbers to 4 significant digits."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if not dataclasses.is_dataclass(value):
        return repr(value)
    parts = []
    for f in dataclasses.fields(value):
        v = getattr(value, f.name)
        if f.name in _OPTIONS and not isinstance(v, Prior) and v == f.default:
            continue
        if v is None and f.default is None:  # an option left out (e.g. expected_nonzero)
            continue
        parts.append(f"{f.name}={short(v)}")
    return f"{type(value).__name__}({', '.join(parts)})"


# ---------------------------------------------------------------- sampler options
def add_sampler_options(parser: argparse.ArgumentParser, *, draws: int, tune: int,
                        chains: int, exact: bool = True) -> None:
    """The sampling options shared by ``demo`` and ``fit`` (``exact``: offer the exact
    sampler of conjugate models)."""
    g = parser.add_argument_group("sampling")
    if exact:
        g.add_argument("--sampler", default="auto", choices=SAMPLERS,
                       help="NUTS implementation, or 'exact' for i.i.d. draws from the "
                            "closed-form posterior of a conjugate model (gaussian family, "
                            "--prior gaussian with a fixed scale, fixed --sigma); auto = "
                            "nutpie when installed, else pymc (default: %(default)s)")
    else:
        g.add_argument("--sampler", default="auto",
                       choices=[s for s in SAMPLERS if s != "exact"],
                       help="NUTS implementation; auto = nutpie when installed, else pymc "
                            "(default: %(default)s)")
    g.add_argument("--draws", type=int, default=draws, metavar="N",
                   help="kept posterior draws per chain (default: %(default)s)")
    g.add_argument("--tune", type=int, default=tune, metavar="N",
                   help="tuning (warm-up) steps per chain, discarded (default: %(default)s)")
    g.add_argument("--chains", type=int, default=chains, metavar="N",
                   help="independent chains; R-hat compares them (default: %(default)s)")
    g.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed: the same seed gives the same draws (default: "
                        "%(default)s)")
    g.add_argument("--target-accept", type=float, default=None, metavar="P",
                   help="NUTS target acceptance rate in (0, 1), e.g. 0.95 against "
                        "divergences (default: the sampler's, 0.8)")


def sampler_options(args) -> dict:
    """Keyword arguments of ``Model.sample`` from the parsed sampling options."""
    for name in ("draws", "chains"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1; got {getattr(args, name)}.")
    if args.tune < 0:
        raise UsageError(f"--tune must be 0 or more; got {args.tune}.")
    if args.seed < 0:
        raise UsageError(f"--seed must be 0 or more; got {args.seed}.")
    options = dict(draws=args.draws, tune=args.tune, chains=args.chains, sampler=args.sampler,
                   random_seed=args.seed)
    if args.target_accept is not None:
        if not 0.0 < args.target_accept < 1.0:
            raise UsageError(f"--target-accept must lie strictly between 0 and 1 (e.g. 0.95); "
                             f"got {args.target_accept:g}.")
        if args.sampler == "exact":
            raise UsageError("--target-accept tunes NUTS; --sampler exact draws exactly and "
                             "takes no target acceptance rate. Leave one of them out.")
        options["target_accept"] = args.target_accept
    return options
