"""The named queries: ``queries/*.sql`` files, their parameters and the values bound to them.

The first comment lines of a named query describe it::

    -- Completion of every unit and metric of a plan …   (description, first line)
    -- @param plan text required                           (name, type, required|optional|default=…)

Parameters are bound by DuckDB (``$plan``), never formatted into SQL text (tracker.query.Runner runs them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker import QUERIES_DIR


class QueryError(Exception):
    """A request that cannot be answered (unknown query or plan, bad parameter); message shown as is."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # text | date | int
    required: bool
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sql: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def bound_names(self) -> set[str]:
        return set(re.findall(r"\$([a-z_][a-z0-9_]*)", strip_comments(self.sql)))


def strip_comments(sql: str) -> str:
    """SQL text without its -- comments."""
    return re.sub(r"--[^\n]*", "", sql)


_PARAM_RE = re.compile(r"--\s*@param\s+(\w+)\s+(text|date|int)\s+(required|optional|default=\S+)")


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    description = lines[0].lstrip("- ").strip() if lines and lines[0].startswith("--") else ""
    params = []
    for m in _PARAM_RE.finditer(text):
        kind = m[3]
        default = kind.split("=", 1)[1] if kind.startswith("default=") else None
        params.append(Param(m[1], m[2], kind == "required", default))
    return NamedQuery(path.stem, description, text, tuple(params))


def list_queries(queries_dir: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    return {p.stem: parse_query_file(p) for p in sorted(queries_dir.glob("*.sql"))}


def convert_param(p: Param, value: Any) -> Any:
    """A parameter's value as its declared type (QueryError naming the parameter when it is not one)."""
    if p.type == "date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise QueryError(f"参数 {p.name} 不是有效日期（YYYY-MM-DD）：{value}") from None
    if p.type == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise QueryError(f"参数 {p.name} 应为整数：{value}") from None
    return str(value)
