"""The ``kcdc-hep`` command line: a thin shell over the library (parse, call, report, exit code).

Every error a user can cause prints one line (``kcdc-hep: error: ...``) and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kcdc_hep import __version__
from kcdc_hep.errors import KcdcError

#: exit codes
OK, FAILED, USAGE = 0, 1, 2


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
    from kcdc_hep.analyses.compare import compare_files

    report = compare_files(args.a, args.b, tolerance=args.tolerance, plot_dir=args.plot)
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


def _workers(text: str) -> int:
    """``--workers``: a positive number of processes."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        msg = f"must be a positive number of worker processes, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _add_dask_options(sp: argparse.ArgumentParser) -> None:
    """``--workers N`` / ``--scheduler ADDRESS`` (one or the other; neither: run here, without Dask)."""
    g = sp.add_mutually_exclusive_group()
    g.add_argument(
        "--workers", type=_workers, default=None, metavar="N", help="run on a local Dask cluster of N processes"
    )
    g.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on an existing Dask cluster (tcp://host:8786)"
    )


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
    p = argparse.ArgumentParser(
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
    sp.add_argument("--step-size", type=int, default=1_000_000, help="events per chunk (default 1000000)")
    sp.add_argument("--overwrite", action="store_true", help="replace an existing output file")

    sp = add("generate", _generate, "write the synthetic masterclass and KCDC samples (full size by default)")
    sp.add_argument("--out", required=True, type=Path, help="output folder")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--scale", type=float, default=None, help="fraction of the full size (e.g. 0.01)")
    g.add_argument("--events", type=int, default=None, help="events per sample instead of the full size")
    sp.add_argument("--seed", type=int, default=2940, help="random seed (same seed, same files)")
    sp.add_argument("--overwrite", action="store_true", help="replace existing files")

    sp = add("run", _run, "the pure-Python twin of KCDC_analyze_example.C run(): histograms of events.root")
    sp.add_argument("input", nargs="?", default="events.root", help="events.root or the KCDC zip")
    sp.add_argument("--output", default=None, help="output ROOT file (default as the C++ macro)")
    sp.add_argument("--step-size", type=int, default=50_000, help="events per chunk (default 50000)")
    sp.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    _add_dask_options(sp)

    sp = add("compare", _compare, "compare the histograms of two ROOT files; exit 0 only if they agree")
    sp.add_argument("a")
    sp.add_argument("b")
    sp.add_argument("--tolerance", type=float, default=1e-9, help="relative tolerance for bin contents")
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
    sp.add_argument("--port", type=int, default=8888)
    sp.add_argument("--no-browser", action="store_true")
    sp.add_argument("--lang", choices=("en", "de"), default="en", help="language of the notebooks and of JupyterLab")
    sp.add_argument("--prepare-only", action="store_true", help="make the workspace, do not start JupyterLab")

    sp = add("class-summary", _class_summary, "which exercises each student passed, read from saved notebooks")
    sp.add_argument("notebooks", nargs="+", type=Path, help="saved notebooks (one folder per student, or one file)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kcdc-hep``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return USAGE
    try:
        return int(args.func(args))
    except KcdcError as err:
        print(f"kcdc-hep: error: {err}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("kcdc-hep: interrupted", file=sys.stderr)
        return 130
    except OSError as err:  # disk full, permission denied: still one line
        print(f"kcdc-hep: error: {err}", file=sys.stderr)
        return FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
