"""The ``zhenggai`` command."""
from __future__ import annotations

import argparse
import sys

from . import __version__
from .rules import RuleError

EXAMPLES = """\
examples:
  zhenggai run corpus/ --out outputs/          every file under corpus/, tables into outputs/
  zhenggai run a.txt b.txt --out out --quiet   two files, no progress bar
  zhenggai run corpus/ --out out --rules my_rules/
                                               your rule files layered over the shipped ones
  zhenggai run corpus/ --out out --jobs 2      two worker processes
  zhenggai run corpus/ --out out --report      also write out/report.html, the auditor's report
  zhenggai report outputs/                     the report for an earlier run
  zhenggai run corpus/ --out out --engine dask --scheduler tcp://HOST:8786
                                               the same run on a Dask cluster

exit codes: 0 all documents ok, 1 some documents failed (see documents.csv), 2 usage error
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zhenggai",
        description="Turn published Chinese rectification notices (整改通报, 销号公示, 请示, 简报 …) into tables.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"zhenggai {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser(
        "run", help="extract every document under PATH into tables",
        description="Read every file under the given paths (folders recursively) and write documents.csv, "
                    "sections.csv, problems.csv, facts.csv and texts/ into --out. Every input file gets a row "
                    "in documents.csv, with status ok or error and the reason.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    r.add_argument("--out", "-o", required=True, metavar="DIR",
                   help="output folder; created if missing; its tables are replaced when the run completes")
    r.add_argument("--rules", action="append", default=[], metavar="DIR",
                   help="a folder of rule files layered over the shipped rules/ (repeatable)")
    r.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="worker processes (default: all cores); the tables are the same for any N")
    r.add_argument("--time-budget", type=float, default=120.0, metavar="SECONDS",
                   help="give up on a document after this long and list it as an error (default: 120)")
    r.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local worker processes (default), or a Dask cluster (pip install 'zhenggai[dask]')")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler to use, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    r.add_argument("--force", action="store_true",
                   help="process every file again, even those the store holds from the same content and rules")
    r.add_argument("--store", metavar="FILE",
                   help="the SQLite store (default: DIR/zhenggai.sqlite); unchanged files are skipped")
    r.add_argument("--export", default="csv", metavar="FORMATS",
                   help="formats besides the CSV files: parquet, xlsx, jsonl, comma-separated, or all (default: csv)")
    r.add_argument("--headers", choices=["en", "zh"], default="en",
                   help="column names of the XLSX workbook: English (default) or Chinese")
    r.add_argument("--report", action="store_true",
                   help="also write DIR/report.html, the auditor's report (one self-contained file)")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    rp = sub.add_parser(
        "report", help="write OUTDIR/report.html from a run's tables",
        description="Write OUTDIR/report.html: one self-contained HTML file (no network) with the overview, "
                    "indicators over time, the problem register, every document with its facts highlighted, and "
                    "the checks. Open it from disk in any browser.",
        epilog="example:\n  zhenggai report outputs/        writes outputs/report.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("out_dir", metavar="OUTDIR", help="a folder written by `zhenggai run ... --out OUTDIR`")
    rp.add_argument("--corpus", metavar="LABEL", help="how the page names the corpus (default: the inputs' folder)")
    rp.add_argument("--quiet", "-q", action="store_true", help="do not print the report's path")
    sc = sub.add_parser(
        "schema", help="print the codebook: every table and column, its meaning, type, unit and values",
        description="Print the codebook (rules/codebook.yaml): every table Zhenggai writes and every column.")
    sc.add_argument("table", nargs="?", help="one table only (documents, sections, problems, facts, indicators, "
                                            "problem_register, checks, texts, runs)")
    sc.add_argument("--format", choices=["text", "markdown", "datasette"], default="text",
                    help="plain text (default), Markdown, or Datasette metadata JSON")
    return p


def cmd_schema(args) -> int:
    from .codebook import datasette_metadata, render_codebook

    if args.format == "datasette":
        import json

        print(json.dumps(datasette_metadata(), ensure_ascii=False, indent=1))
        return 0
    try:
        sys.stdout.write(render_codebook(args.table, fmt=args.format))
    except KeyError as e:
        print(f"zhenggai: {e.args[0]}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args) -> int:
    from .report import build_report

    try:
        path = build_report(args.out_dir, corpus_label=args.corpus)
    except FileNotFoundError as e:
        print(f"zhenggai: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"report: {path}", file=sys.stderr)
    return 0


def cmd_run(args) -> int:
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        def progress(total):
            return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)
    from .run import default_jobs

    jobs = args.jobs if args.jobs is not None else default_jobs()
    if jobs < 1:
        print("zhenggai: --jobs must be at least 1", file=sys.stderr)
        return 2
    from .api import run
    from .exports import parse_formats

    try:
        formats = parse_formats(args.export)
    except ValueError as e:
        print(f"zhenggai: {e}", file=sys.stderr)
        return 2
    res = run(args.paths, out=args.out, rules=args.rules, force=args.force, store=args.store, formats=formats,
              headers=args.headers, progress=progress, jobs=jobs,
              budget=args.time_budget if args.time_budget > 0 else None, engine=args.engine,
              scheduler=args.scheduler)
    if not args.quiet:
        print(res.line(), file=sys.stderr)
    if args.report:
        from .report import build_report

        path = build_report(args.out)
        if not args.quiet:
            print(f"report: {path}", file=sys.stderr)
    return 0 if res.errors == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "schema":
            return cmd_schema(args)
    except RuleError as e:
        print(f"zhenggai: bad rule file: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zhenggai: interrupted; previous tables left in place", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
