"""What pages build from query results — formatted tables, Plotly figures, texts — built once and shared by every
session (issue #12: a page view is cheap when someone else already asked), keyed by what it is built from; and the
background garbage collection that replaces Streamlit's collection after every script run."""

from __future__ import annotations

import functools
import hashlib
import threading
import time
import types
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from plotly.basedatatypes import BaseFigure

from tracker.query import Runner
from tracker.scope import OPEN, ScopedRunner

T = TypeVar("T")
SHARED_ENTRIES = 400  # built tables, figures and texts kept for every session (least recently used go first)


def _column_digest(column: pd.Series, digest: Any) -> None:
    """A column's whole content into the digest, fast: Arrow-backed columns (pandas' strings) by their buffers with
    offset and length (the same buffers, offset and length hold the same values), numbers and dates by their bytes,
    anything else by pandas' own value hash."""
    digest.update(f"|{column.dtype}|".encode())
    arrow = getattr(column.array, "_pa_array", None)
    if arrow is not None:
        for chunk in arrow.chunks:
            digest.update(f"{chunk.type}:{chunk.offset}:{len(chunk)}".encode())
            for buffer in chunk.buffers():
                digest.update(b"-" if buffer is None else memoryview(buffer))
        return
    values = column.to_numpy() if column.dtype.kind in "biufcmM" else None
    if values is not None and values.dtype.kind in "biufcmM":  # not tz-aware dates: those come back as objects
        digest.update(values.tobytes())
        return
    digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())


def _key_part(value: Any, digest: Any) -> None:
    """Feed one argument into the key: frames by their whole content (every row, index, columns and types — no
    sampling), runners by data version and scope, modules by name, everything else by its repr."""
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = isinstance(value, pd.DataFrame)
        columns = list(value.columns) if frame else [value.name]
        digest.update(f"{type(value).__name__}{value.shape}{columns!r}".encode())
        index = value.index
        if isinstance(index, pd.RangeIndex):
            digest.update(f"range({index.start},{index.stop},{index.step})".encode())
        else:
            _column_digest(index.to_series(), digest)
        for _, column in value.items() if frame else [(value.name, value)]:
            _column_digest(column, digest)
    elif isinstance(value, Runner | ScopedRunner):
        scope = getattr(value, "scope", OPEN)
        digest.update(f"runner:{value.version()}:{scope!r}".encode())
    elif isinstance(value, types.ModuleType):
        digest.update(f"module:{value.__name__}".encode())
    elif isinstance(value, dict):
        digest.update(b"{")
        for k, v in value.items():
            _key_part(k, digest)
            _key_part(v, digest)
        digest.update(b"}")
    elif isinstance(value, list | tuple):
        digest.update(b"[")
        for v in value:
            _key_part(v, digest)
        digest.update(b"]")
    elif callable(value) and hasattr(value, "__qualname__"):
        digest.update(f"fn:{value.__module__}.{value.__qualname__}".encode())
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def shared_key(*args: Any, **kwargs: Any) -> str:
    """The content key of a view helper's arguments (see :func:`shared`)."""
    digest = hashlib.blake2b(digest_size=20)
    _key_part(list(args), digest)
    _key_part(dict(sorted(kwargs.items())), digest)
    return digest.hexdigest()


class SharedFigure(BaseFigure):
    """A built Plotly figure as every session draws it: only its finished dictionary (what ``Figure.to_dict`` gives,
    numbers already packed), handed to ``st.plotly_chart`` as is — no deep copy of the figure on every page view,
    and a fraction of the figure's memory while it waits in the shared cache. Draw it; nothing else."""

    def __init__(self, figure: BaseFigure) -> None:  # BaseFigure.__init__ not called: its state is not kept
        object.__setattr__(self, "_frozen", figure.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return self._frozen

    def __repr__(self) -> str:
        return f"SharedFigure({len(self._frozen.get('data', []))} traces)"


def _freeze(value: Any) -> Any:
    """Figures in what a view helper built (itself, or the values of the dict it returns) as SharedFigure."""
    if isinstance(value, BaseFigure):
        return SharedFigure(value)
    if isinstance(value, dict):
        return {k: SharedFigure(v) if isinstance(v, BaseFigure) else v for k, v in value.items()}
    return value


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _shared(name: str, key: str, _build: Callable[[], Any]) -> Any:
    return _freeze(_build())


def shared(build: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``build(*args, **kwargs)`` once for every session (issue #12: a page view is cheap when someone else already
    asked). Keyed on what it is built from — query results by their whole content, which carries the data version
    and the user's scope (a scoped runner's frames hold only what the scope may see); a runner argument by its data
    version and scope — so nobody gets a table built from figures they may not see.

    The result is the same object for everyone: callers draw it and never change it."""
    name = f"{build.__module__}.{build.__qualname__}"
    return _shared(name, shared_key(*args, **kwargs), functools.partial(build, *args, **kwargs))


GC_SECONDS = 5.0


@st.cache_resource(show_spinner=False)
def collector() -> threading.Thread:
    """Python's full garbage collection every GC_SECONDS in the background, instead of Streamlit's after every script
    run (``[runner] postScriptGC = false`` in .streamlit/config.toml: with the shared tables and figures in memory
    that collection took most of a page view's server CPU); what page views leave behind is still freed soon."""
    import gc

    def collect() -> None:
        while True:
            time.sleep(GC_SECONDS)
            gc.collect()

    thread = threading.Thread(target=collect, name="tracker-gc", daemon=True)
    thread.start()
    return thread
