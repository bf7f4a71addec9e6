"""``python -m tracker``: demo data, named queries, benchmarks, reports, ingestion and versions.

Every failure is a sentence on stderr and exit code 2, never a traceback: user errors (unknown query or plan, bad
date, a data folder that does not exist, an output folder that does not exist), a full disk, an unreadable data
version. A data folder is only created when the command is asked to (``ingest --create``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import sys
import time
from pathlib import Path
from typing import Any

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
    demo.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        help="write in chunks of N trainings as a hive-partitioned folder (for 100M: --chunk-rows 10000000)",
    )
    demo.add_argument("--no-aggregates", action="store_true", help="write the extract only (build them later)")

    query = sub.add_parser("query", help="run a named query and print it")
    query.add_argument("name", nargs="?")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--data", help="extract folder (default $SKILLS_DATA_DIR or data/extracts)")
    query.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: latest date in the data)")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    query.add_argument("--format", choices=["csv", "json"], default="csv")
    query.add_argument("--user", help="answer as this user of the users file sees it (role and unit scope)")

    bench = sub.add_parser("bench", help="time every named query (cold and warm median ms)")
    bench.add_argument(
        "--rows", type=int, action="append", help="demo extract of N trainings (repeat for growth, e.g. 1M and 10M)"
    )
    bench.add_argument("--data", action="append", help="benchmark on this folder instead (repeatable)")
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--no-pages", action="store_true", help="skip the page settle times in Chromium")
    bench.add_argument(
        "--no-pandas", action="store_true", help="skip the pandas equivalents (they read the raw rows into memory)"
    )
    bench.add_argument("--json", help="also write every figure to this file")

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
    report.add_argument("--user", help="the report as this user of the users file sees it (role and unit scope)")

    ingest = sub.add_parser("ingest", help="validate and import extract files as a new data version")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--data")
    ingest.add_argument("--create", action="store_true", help="create the data folder if it does not exist yet")
    ingest.add_argument("--check", action="store_true", help="validate only: report problems, import nothing")

    versions = sub.add_parser("versions", help="list data versions, or roll back to one")
    versions.add_argument("--data")
    versions.add_argument("--rollback", metavar="VERSION")

    cycle = sub.add_parser("cycle", help="biweekly cycle: import the inbox, archive closed periods, send (idempotent)")
    cycle.add_argument("--data", help="extract folder (default $SKILLS_DATA_DIR or data/extracts)")
    cycle.add_argument("--inbox", required=True, help="folder where new extract files arrive")
    cycle.add_argument("--archive", required=True, help="folder of the published periods")
    cycle.add_argument("--now", help="YYYY-MM-DD (default: today)")
    cycle.add_argument("--plan", action="append", default=[], help="publish only this plan (repeatable)")
    cycle.add_argument("--no-mail", action="store_true", help="do not send (the outbox is kept for a later run)")

    users = sub.add_parser("users", help="local accounts for sign-in (file: SKILLS_USERS_FILE or [auth] users_file)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add or replace a user (password stored as an argon2 hash)")
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, help="省级 市 县 教育厅 市教育局 院校 分析员 数据管理员 核查员 (or their ids)"
    )
    add.add_argument("--unit", help="unit code: city / county (regions.csv) or school (schools.csv)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--oidc", help="single sign-on identity (e-mail or subject) mapped to this user")
    users_sub.add_parser("list", help="list users (never their hashes)")
    remove = users_sub.add_parser("remove", help="remove a user")
    remove.add_argument("name")
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
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:
        from tracker.audit import AuditError
        from tracker.query import QueryError
        from tracker.scope import ScopeError
        from tracker.users import UsersError

        known = isinstance(exc, QueryError | ScopeError | UsersError | AuditError)
        print(f"错误：{exc if known else _sentence(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _sentence(exc: Exception) -> str:
    """An unexpected failure as one sentence (the traceback helps nobody at a county office)."""
    from tracker import pii

    if isinstance(exc, OSError):
        where = f"（{exc.filename}）" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"磁盘空间不足{where}，操作未完成"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"没有权限写入或读取{where}，操作未完成"
        if exc.errno == errno.ENOENT:
            return f"文件或文件夹不存在{where}"
        return f"读写文件失败{where}：{exc.strerror or exc}"
    text = pii.scrub_text(str(exc).splitlines()[0] if str(exc) else "")
    return f"操作失败（{type(exc).__name__}{'：' + text if text else ''}）。数据未作改动；请检查数据目录是否完整"


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
    if args.chunk_rows:
        from tracker import demo_chunks

        counts = demo_chunks.write_chunked(
            Path(args.out), kwargs.get("rows", demo.DEFAULT_ROWS), args.chunk_rows, progress=_progress_to_stderr
        )
    else:
        counts = demo.write_demo(Path(args.out), **kwargs)
    mark_demo(Path(args.out))
    took = time.perf_counter() - t0
    print(f"演示数据已写入 {args.out}：" + "，".join(f"{k} {v:,} 行" for k, v in counts.items()) + f"（{took:.1f} 秒）")
    if args.no_aggregates:
        return 0
    from tracker import aggregates

    t1 = time.perf_counter()
    aggregates.build(Path(args.out), progress=_progress_to_stderr)
    print(f"汇总数据已计算（{time.perf_counter() - t1:.1f} 秒）")
    return 0


def _progress_to_stderr(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


def cmd_query(args: argparse.Namespace) -> int:
    from tracker.named_queries import list_queries
    from tracker.query import Runner

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
    runner = _as_user(Runner(_data_dir(args.data)), args.user)
    if args.name not in runner.queries:
        raise UsageError(f"未知查询 {args.name}（python -m tracker query --list 列出全部查询）")
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    df = runner.run(args.name, **params)
    _coverage_to_stderr(runner, args.name, params)
    if args.format == "json":
        print(df.to_json(orient="records", date_format="iso", force_ascii=False, indent=1))
    else:
        df.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
    return 0


def _coverage_to_stderr(runner: Any, name: str, params: dict[str, str]) -> None:
    """CONTRACT §4 guards for a plan query at a date: 数据截至 / 无数据 / 未开始 said on stderr (stdout stays data)."""
    from tracker import coverage

    accepted = {p.name for p in runner.queries[name].params}
    if not {"plan", "as_of"} <= accepted or not params.get("plan") or name == "plan_coverage":
        return
    as_of = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else runner.latest_date()
    for note in coverage.for_plan(runner, params["plan"], as_of):
        print(f"注意：{note.text}", file=sys.stderr)


def cmd_bench(args: argparse.Namespace) -> int:
    from tracker.bench import run_bench

    run_bench(
        rows=args.rows,
        data=args.data,
        repeat=args.repeat,
        pages=not args.no_pages,
        pandas=not args.no_pandas,
        json_out=args.json,
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tracker.query import get_runner
    from tracker.report import write_report

    if args.out and args.out != "-":
        folder = Path(args.out).expanduser().parent
        if not folder.is_dir():
            raise UsageError(f"输出文件夹不存在：{folder}（--out {args.out}）")
        if Path(args.out).expanduser().is_dir():
            raise UsageError(f"--out 应为文件名，而 {args.out} 是文件夹")
    data = _data_dir(args.data)
    runner = _as_user(get_runner(data), args.user)
    write_report(
        plan=args.plan,
        as_of=_date(args.as_of),
        data=data,
        out=args.out,
        fmt=args.format,
        level=args.level,
        runner=runner,
    )
    if args.user:
        from tracker import audit

        audit.record(
            data, "export", runner.scope, what=f"report {args.plan} ({args.format})", detail={"out": args.out or "-"}
        )
    return 0


def _as_user(runner: Any, name: str | None) -> Any:
    """The runner as user ``name`` of the users file sees it (the dashboard's scope code), or as is."""
    if not name:
        return runner
    from tracker import users
    from tracker.scope import ScopedRunner, for_user

    path = users.users_path()
    if path is None or not path.is_file():
        raise UsageError("--user 需要用户文件（设置 SKILLS_USERS_FILE 或 settings.toml 的 [auth] users_file）")
    user = users.load(path).get(name)
    if user is None:
        raise UsageError(f"用户文件 {path} 中没有用户 {name}")
    return ScopedRunner(runner, for_user(user))


def cmd_users(args: argparse.Namespace) -> int:
    from tracker import users

    path = users.users_path()
    if path is None:
        raise UsageError("未设置用户文件：请设置 SKILLS_USERS_FILE 或 settings.toml 的 [auth] users_file")
    if args.users_command == "add":
        password = None
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        user = users.add(args.name, args.role, args.unit, password, args.oidc, path)
        print(f"已保存用户 {user.name}（{user.role_label}{' ' + user.unit if user.unit else ''}）到 {path}")
    elif args.users_command == "list":
        for user in users.load(path).values():
            sign_in = "密码" if user.hash else ""
            if user.oidc:
                sign_in += ("+" if sign_in else "") + f"统一身份认证 {user.oidc}"
            print(f"{user.name}\t{user.role_label}\t{user.unit or '全省'}\t{sign_in}")
    else:
        users.remove(args.name, path)
        print(f"已删除用户 {args.name}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tracker.ingest import ingest_cli

    folder = resolve_data_dir(args.data)
    code = ingest_cli(args.files, folder, create=args.create, check_only=args.check)
    if code == 0 and not args.check:
        _audit_cli(folder, "import", what=", ".join(Path(f).name for f in args.files))
    return code


def cmd_versions(args: argparse.Namespace) -> int:
    from tracker.ingest import versions_cli

    folder = resolve_data_dir(args.data)
    code = versions_cli(folder, rollback=args.rollback)
    if code == 0 and args.rollback:
        _audit_cli(folder, "rollback", what=args.rollback)
    return code


def _audit_cli(folder: Path, event: str, what: str) -> None:
    """Imports and rollbacks from the command line go into the same audit log, under the operator's login."""
    import getpass

    from tracker import audit

    audit.record(folder, event, None, what=what, user=f"命令行:{getpass.getuser()}")


def cmd_cycle(args: argparse.Namespace) -> int:
    from tracker.cycle import cycle_cli

    return cycle_cli(
        resolve_data_dir(args.data),
        Path(args.inbox),
        Path(args.archive),
        _date(args.now, "--now"),
        args.plan or None,
        send=not args.no_mail,
    )


COMMANDS = {
    "demo": cmd_demo,
    "query": cmd_query,
    "bench": cmd_bench,
    "report": cmd_report,
    "ingest": cmd_ingest,
    "versions": cmd_versions,
    "cycle": cmd_cycle,
    "users": cmd_users,
}

__all__ = ["main"]
