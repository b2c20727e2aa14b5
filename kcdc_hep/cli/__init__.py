"""The ``kcdc-hep`` command line: a thin shell over the library (parse, call, report, exit code).

Every error a user can cause, a usage error included, prints one line on stderr (``kcdc-hep: error: ...``) and
exits with status 1, never with a traceback (an unforeseen failure too, marked as a bug to report).
``kcdc-hep compare`` also exits 1 when the histograms differ.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from kcdc_hep import __version__
from kcdc_hep.errors import KcdcError

__all__ = ["FAILED", "OK", "main"]

#: exit codes
OK, FAILED = 0, 1


def _info(args: argparse.Namespace) -> int:
    from kcdc_hep.cli.info import describe_file

    print(describe_file(args.file, full=args.full))
    return OK


def _convert(args: argparse.Namespace) -> int:
    from kcdc_hep.readers import iterate
    from kcdc_hep.writers import write_chunks

    columns = args.columns.split(",") if args.columns else None
    out = write_chunks(
        iterate(args.input, step_size=args.step_size, columns=columns),
        args.output,
        overwrite=args.overwrite,
    )
    print(f"wrote {out}")
    return OK


def _generate(args: argparse.Namespace) -> int:
    from kcdc_hep.simulation.samples import generate

    files = generate(args.out, scale=args.scale, events=args.events, seed=args.seed, overwrite=args.overwrite)
    for name, path in files.items():
        print(f"{name}: {path}")
    return OK


def _run(args: argparse.Namespace) -> int:
    from kcdc_hep.analyses.example import run

    run(
        args.input,
        output=args.output,
        step_size=args.step_size,
        overwrite=args.overwrite,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    return OK


def _compare(args: argparse.Namespace) -> int:
    from kcdc_hep.analyses.compare import Mode, compare_files

    mode: Mode = "shape" if args.shape else args.mode
    report = compare_files(args.a, args.b, mode=mode, tolerance=args.tolerance, alpha=args.alpha, plot_dir=args.plot)
    print(report.table())
    return OK if report.ok else FAILED


def _kernels(args: argparse.Namespace) -> int:
    from kcdc_hep.classroom.kernels import install_kernels

    for line in install_kernels(user=args.user, sys_prefix=args.sys_prefix):
        print(line)
    return OK


def _masterclass(args: argparse.Namespace) -> int:
    from kcdc_hep.analyses.masterclass import run_masterclass

    result = run_masterclass(
        data=args.data,
        sim=args.sim,
        out=args.out,
        overwrite=args.overwrite,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    print(f"report: {result.report}")
    return OK


def _positive(kind: type[int] | type[float], what: str) -> Callable[[str], int | float]:
    """An argparse ``type=``: a number > 0, else one line naming ``what`` it should be."""

    def convert(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not (value > 0 and math.isfinite(value)):
            msg = f"must be {what}, not {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return convert


def _number(text: str) -> float:
    """An argparse ``type=``: any finite number (the library checks its range)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        msg = f"must be a number, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with the usage errors of the whole command line: one line on stderr, exit status 1."""

    def error(self, message: str) -> NoReturn:
        sub = self.prog.removeprefix("kcdc-hep").strip()
        where = f"{sub}: " if sub else ""
        hint = f"see 'kcdc-hep {sub} --help'" if sub else "see 'kcdc-hep --help'"
        _fail(f"{where}{message} ({hint})")
        sys.exit(FAILED)


def _fail(message: str) -> int:
    """Print one error line (newlines in a message are folded) and return the failure status."""
    print(f"kcdc-hep: error: {' '.join(message.split())}", file=sys.stderr)
    return FAILED


def _add_dask_options(sp: argparse.ArgumentParser) -> None:
    """``--workers N`` / ``--scheduler ADDRESS`` (one or the other; neither: run here, without Dask)."""
    g = sp.add_mutually_exclusive_group()
    g.add_argument(
        "--workers",
        type=_positive(int, "a positive number of worker processes"),
        default=None,
        metavar="N",
        help="run on a local Dask cluster of N processes",
    )
    g.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on an existing Dask cluster (tcp://host:8786)"
    )


#: ``--step-size``
_STEP = _positive(int, "a positive number of events per chunk")


def _class_summary(args: argparse.Namespace) -> int:
    from kcdc_hep.classroom.exercises import class_summary

    summary = class_summary(args.notebooks)
    print(summary)
    return 1 if summary.problems and not summary.students else 0


def _lab(args: argparse.Namespace) -> int:
    from kcdc_hep.classroom.lab import start_lab

    return start_lab(args.dir, port=args.port, open_browser=not args.no_browser, lang=args.lang,
                     prepare_only=args.prepare_only)  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    from kcdc_hep.analyses.compare import MODES

    p = _Parser(
        prog="kcdc-hep",
        description="Analysis toolkit for the KASCADE Cosmic Ray Data Centre (KCDC) masterclass.",
    )
    p.add_argument("--version", action="version", version=f"kcdc_hep {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        return sp

    sp = add("info", _info, "describe a KCDC/masterclass file: format, trees, fields with units, counts, ranges")
    sp.add_argument("file", help="ROOT, Parquet, CSV/TXT file, KCDC export folder or zip")
    sp.add_argument("--full", action="store_true", help="also list branches of every tree")

    sp = add("convert", _convert, "convert between formats (ROOT, Parquet, CSV), chunk by chunk")
    sp.add_argument("input")
    sp.add_argument("output", help="output file; the suffix (.root, .parquet, .csv) chooses the format")
    sp.add_argument("--columns", help="comma-separated fields to keep (canonical names or aliases)")
    sp.add_argument("--step-size", type=_STEP, default=1_000_000, help="events per chunk (default 1000000)")
    sp.add_argument("--overwrite", action="store_true", help="replace an existing output file")

    sp = add("generate", _generate, "write the synthetic masterclass and KCDC samples (full size by default)")
    sp.add_argument("--out", required=True, type=Path, help="output folder")
    g = sp.add_mutually_exclusive_group()
    g.add_argument(
        "--scale", type=_positive(float, "a positive fraction"), help="fraction of the full size (e.g. 0.01)"
    )
    g.add_argument("--events", type=_positive(int, "a positive number of events"), help="events per sample instead")
    sp.add_argument("--seed", type=int, default=2940, help="random seed (same seed, same files)")
    sp.add_argument("--overwrite", action="store_true", help="replace existing files")

    sp = add("run", _run, "the pure-Python twin of KCDC_analyze_example.C run(): histograms of events.root")
    sp.add_argument("input", nargs="?", default="events.root", help="events.root or the KCDC zip")
    sp.add_argument("--output", default=None, help="output ROOT file (default as the C++ macro)")
    sp.add_argument("--step-size", type=_STEP, default=50_000, help="events per chunk (default 50000)")
    sp.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    _add_dask_options(sp)

    sp = add("compare", _compare, "compare the histograms of two ROOT files bin for bin; exit 0 only if they agree")
    sp.add_argument("a", help="ROOT file A (e.g. the C++ macro's output)")
    sp.add_argument("b", help="ROOT file B (e.g. the output of kcdc-hep run)")
    how = sp.add_mutually_exclusive_group()
    how.add_argument(
        "--mode",
        choices=MODES,
        default="exact",
        help="exact: bin for bin (default); shape: chi2 and KS tests, for different samples; "
        "auto: exact if all entries are equal, else shape",
    )
    how.add_argument("--shape", action="store_true", help="same as --mode shape")
    sp.add_argument("--tolerance", type=_number, default=1e-9, help="relative tolerance of exact mode (1e-9)")
    sp.add_argument("--alpha", type=_number, default=0.01, help="false-alarm probability of shape mode (0.01)")
    sp.add_argument("--plot", type=Path, default=None, metavar="DIR", help="write overlay plots to DIR")

    sp = add("kernels", _kernels, "register Jupyter kernels (Python, and ROOT C++ when ROOT is installed)")
    sp.add_argument("action", choices=["install"])
    where = sp.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="into the user's Jupyter folder")
    where.add_argument("--sys-prefix", action="store_true", help="into this environment (default)")

    sp = add("masterclass", _masterclass, "the whole masterclass analysis: figures, masterclass.root, report")
    sp.add_argument("--data", default=None, help="measured data file (default: the built-in sample)")
    sp.add_argument("--sim", default=None, help="simulation file with primaries (default: the built-in sample)")
    sp.add_argument("--out", type=Path, default=Path("masterclass_output"), help="output folder")
    sp.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    _add_dask_options(sp)

    sp = add("lab", _lab, "set up a masterclass workspace and start JupyterLab in it")
    sp.add_argument("--dir", type=Path, default=Path("kcdc-masterclass"), help="workspace folder")
    sp.add_argument("--port", type=_positive(int, "a port number"), default=8888)
    sp.add_argument("--no-browser", action="store_true")
    sp.add_argument("--lang", choices=("en", "de"), default="en", help="language of the notebooks and of JupyterLab")
    sp.add_argument("--prepare-only", action="store_true", help="make the workspace, do not start JupyterLab")

    sp = add("class-summary", _class_summary, "which exercises each student passed, read from saved notebooks")
    sp.add_argument("notebooks", nargs="+", type=Path, help="saved notebooks (one folder per student, or one file)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kcdc-hep``; returns the exit status (0 done, 1 an error or a failed comparison)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return _fail("no command given; choose one of those listed above")
    try:
        return int(args.func(args))
    except KcdcError as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        print("kcdc-hep: interrupted", file=sys.stderr)
        return 130
    except OSError as err:  # disk full, permission denied, a folder where a file should be: still one line
        return _fail(str(err))
    except Exception as err:  # a failure kcdc_hep did not foresee: still one line, never a traceback
        return _fail(
            f"unexpected {type(err).__name__}: {err} (this is a bug in kcdc_hep; please report it with the command "
            "and the input)"
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
