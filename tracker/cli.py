"""``python -m tracker``: demo data, named queries, benchmarks, reports, ingestion and versions.

Every user error (unknown query or plan, bad date, missing data folder) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from tracker.store import DataError, mark_demo, resolve_data_dir

EXIT_USAGE = 2


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tracker", description="技能山西 target tracker")
    sub = ap.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="write illustrative demo extracts (演示数据)")
    demo.add_argument("--out", required=True, help="folder to write training.parquet and certificates.parquet")
    demo.add_argument("--rows", type=int, default=None, help="training rows in total (default ≈ 1,000,000)")
    demo.add_argument("--seed", type=int, default=None)

    query = sub.add_parser("query", help="run a named query and print it")
    query.add_argument("name", nargs="?")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--data", help="extract folder (default $SKILLS_DATA_DIR or data/extracts)")
    query.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: latest date in the data)")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    query.add_argument("--format", choices=["csv", "json"], default="csv")

    bench = sub.add_parser("bench", help="time every named query (cold and warm median ms)")
    bench.add_argument("--rows", type=int, default=1_000_000)
    bench.add_argument("--data", help="benchmark on this folder instead of generated demo data")
    bench.add_argument("--repeat", type=int, default=5)

    report = sub.add_parser("report", help="双周调度: the dispatch table (.xlsx) or the 通报 (.docx, .txt)")
    report.add_argument("--plan", required=True)
    report.add_argument("--as-of", dest="as_of")
    report.add_argument("--data")
    report.add_argument("--level", help="province / city / county / school (default: the plan's own level)")
    report.add_argument("--out", help="output file; '-' or omitted with --format txt prints the 通报 to stdout")
    report.add_argument(
        "--format",
        choices=["xlsx", "docx", "txt", "md"],
        default="xlsx",
        help="xlsx: 双周调度表; docx: 通报; txt: the 通报's text (md: the same text, kept for old scripts)",
    )

    ingest = sub.add_parser("ingest", help="validate and import extract files as a new data version")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--data")

    versions = sub.add_parser("versions", help="list data versions, or roll back to one")
    versions.add_argument("--data")
    versions.add_argument("--rollback", metavar="VERSION")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0
    except (UsageError, DataError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        from tracker.query import QueryError

        if isinstance(exc, QueryError):
            print(f"错误：{exc}", file=sys.stderr)
            return EXIT_USAGE
        raise


def _date(text: str | None, what: str = "--as-of") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} 不是有效日期（应为 YYYY-MM-DD）：{text}") from None


def _data_dir(arg: str | None) -> Path:
    folder = resolve_data_dir(arg)
    if not folder.exists():
        raise UsageError(f"数据目录不存在：{folder}")
    if not folder.is_dir():
        raise UsageError(f"数据目录不是文件夹：{folder}")
    return folder


def cmd_demo(args: argparse.Namespace) -> int:
    from tracker import demo

    kwargs = {}
    if args.rows is not None:
        kwargs["rows"] = args.rows
    if args.seed is not None:
        kwargs["seed"] = args.seed
    t0 = time.perf_counter()
    counts = demo.write_demo(Path(args.out), **kwargs)
    mark_demo(Path(args.out))
    took = time.perf_counter() - t0
    print(f"演示数据已写入 {args.out}：" + "，".join(f"{k} {v:,} 行" for k, v in counts.items()) + f"（{took:.1f} 秒）")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from tracker.query import Runner, list_queries

    if args.list:
        for q in list_queries().values():
            params = ", ".join(f"{p.name}{'' if p.required else '?'}" for p in q.params if p.name != "as_of")
            print(f"{q.name:<24} {q.description}" + (f"  [{params}]" if params else ""))
        return 0
    if not args.name:
        raise UsageError("请给出查询名称（python -m tracker query --list 列出全部查询）")
    params: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param 应为 KEY=VALUE：{item}")
        params[key.strip()] = value.strip()
    as_of = _date(args.as_of)
    runner = Runner(_data_dir(args.data))
    if args.name not in runner.queries:
        raise UsageError(f"未知查询 {args.name}（python -m tracker query --list 列出全部查询）")
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    df = runner.run(args.name, **params)
    if args.format == "json":
        print(df.to_json(orient="records", date_format="iso", force_ascii=False, indent=1))
    else:
        df.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from tracker.bench import run_bench

    run_bench(rows=args.rows, data=args.data, repeat=args.repeat)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tracker.report import write_report

    write_report(
        plan=args.plan,
        as_of=_date(args.as_of),
        data=_data_dir(args.data),
        out=args.out,
        fmt=args.format,
        level=args.level,
    )
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tracker.ingest import ingest_cli

    return ingest_cli(args.files, resolve_data_dir(args.data))


def cmd_versions(args: argparse.Namespace) -> int:
    from tracker.ingest import versions_cli

    return versions_cli(resolve_data_dir(args.data), rollback=args.rollback)


COMMANDS = {
    "demo": cmd_demo,
    "query": cmd_query,
    "bench": cmd_bench,
    "report": cmd_report,
    "ingest": cmd_ingest,
    "versions": cmd_versions,
}

__all__ = ["main"]
