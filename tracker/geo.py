"""Offline maps of Shanxi: the committed GeoJSON (data/reference/shanxi_*.geojson) and the labelled map figure.

Presentation only (no queries, no rules). The map is a plain cartesian plotly figure: one filled polygon per unit
(longitude × latitude, the aspect corrected for Shanxi's latitude), the unit names as text at each unit's label
point. No tiles, no MapLibre style, no glyph server, no topojson: drawing it requests nothing from any server, and
the names render in the page's own (CJK) fonts (see ../shared/NOTES.md, "Maps offline").
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go

from tracker import REFERENCE_DIR

FILES = {"county": "shanxi_counties.geojson", "city": "shanxi_cities.geojson"}
CENTER = {"lat": 37.6, "lon": 112.3}
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)
NO_DATA_COLOR = "#e0e0e0"
HIGHLIGHT_COLOR = "#0d47a1"
BORDER_COLOR = "white"
CITY_BORDER_COLOR = "#616161"
LABEL_COLOR = "#212121"

# colour scales: diverging around 0 for a gap (red behind, green ahead), sequential for completion or counts
GAP_SCALE = "RdYlGn"
PCT_SCALE = "YlGn"
COUNT_SCALE = "Blues"
# a click within this many pixels of a unit's label point selects the unit (plotly picks the closest point)
HOVER_DISTANCE = 45


@functools.cache
def _load(level: str) -> str:
    if level not in FILES:
        raise ValueError(f"no map for level {level!r} (county or city)")
    return (REFERENCE_DIR / FILES[level]).read_text(encoding="utf-8")


def load_geojson(level: str) -> dict:
    """The FeatureCollection of Shanxi's counties (117) or cities (11); features carry properties code and name."""
    return json.loads(_load(level))


def feature_codes(level: str) -> list[str]:
    return [f["properties"]["code"] for f in load_geojson(level)["features"]]


def feature_names(level: str) -> dict[str, str]:
    return {f["properties"]["code"]: f["properties"]["name"] for f in load_geojson(level)["features"]}


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    coords = geometry["coordinates"]
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    return [[(lon, lat) for lon, lat, *_ in ring] for poly in polygons for ring in poly]


def _points(geometry: dict) -> Iterable[tuple[float, float]]:
    for ring in _rings(geometry):
        yield from ring


@functools.cache
def _shapes(level: str) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Each unit's rings as one x (longitude) / y (latitude) path, rings separated by None (fill="toself")."""
    shapes = {}
    for feature in load_geojson(level)["features"]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in _rings(feature["geometry"]):
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
        shapes[feature["properties"]["code"]] = (xs, ys)
    return shapes


def _label_point(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """A point well inside the polygon (the interior point farthest from its border, found on two refining grids),
    so a name sits inside even a crescent-shaped county, not on its neighbour as a centroid might."""
    kx = math.cos(math.radians(CENTER["lat"]))  # a degree of longitude is shorter than one of latitude
    segs = []
    for ring in rings:
        a = np.array(ring, dtype=float)
        segs.append(np.stack([a[:-1], a[1:]], axis=1) if len(a) > 1 else np.empty((0, 2, 2)))
    seg = np.concatenate(segs) * np.array([kx, 1.0])
    p0, p1 = seg[:, 0], seg[:, 1]

    def score(pts: np.ndarray) -> np.ndarray:
        # inside (even-odd over every ring, so an enclave is outside) × distance to the nearest border segment
        x, y = pts[:, 0:1], pts[:, 1:2]
        y0, y1, x0, x1 = p0[:, 1], p1[:, 1], p0[:, 0], p1[:, 0]
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside = (crosses & (x < xi)).sum(axis=1) % 2 == 1
        d = p1 - p0
        length2 = np.maximum((d**2).sum(axis=1), 1e-18)
        t = np.clip(((x - x0) * d[:, 0] + (y - y0) * d[:, 1]) / length2, 0, 1)
        dist = np.sqrt((x - (x0 + t * d[:, 0])) ** 2 + (y - (y0 + t * d[:, 1])) ** 2).min(axis=1)
        return np.where(inside, dist, -1.0)

    lo, hi = seg.reshape(-1, 2).min(axis=0), seg.reshape(-1, 2).max(axis=0)
    best = (lo + hi) / 2
    span = hi - lo
    for _ in range(3):
        gx, gy = np.meshgrid(
            np.linspace(best[0] - span[0] / 2, best[0] + span[0] / 2, 25),
            np.linspace(best[1] - span[1] / 2, best[1] + span[1] / 2, 25),
        )
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        scores = score(pts)
        if scores.max() > 0:
            best = pts[int(scores.argmax())]
        span = span / 4
    return float(best[0] / kx), float(best[1])


@functools.cache
def label_points(level: str) -> dict[str, tuple[float, float]]:
    """Where each unit's name is written (longitude, latitude): an interior point far from the border."""
    return {f["properties"]["code"]: _label_point(_rings(f["geometry"])) for f in load_geojson(level)["features"]}


def bounds(level: str, codes: Iterable[str] | None = None) -> tuple[float, float, float, float]:
    """lon0, lon1, lat0, lat1 of the given units (all of Shanxi when ``codes`` is empty)."""
    wanted = set(codes or [])
    lons, lats = [], []
    for feature in load_geojson(level)["features"]:
        if wanted and feature["properties"]["code"] not in wanted:
            continue
        for lon, lat in _points(feature["geometry"]):
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return bounds(level) if wanted else (CENTER["lon"], CENTER["lon"], CENTER["lat"], CENTER["lat"])
    return min(lons), max(lons), min(lats), max(lats)


def _scale(scale: str, values: pd.Series) -> dict:
    """The colour axis: colorscale and range, as the choropleth had them."""
    if scale == "gap":
        reach = max(float(values.abs().max()) if len(values) else 1.0, 1.0)
        return dict(colorscale=pc.get_colorscale(GAP_SCALE), cmin=-reach, cmax=reach, cmid=0.0)
    if scale == "pct":
        top = max(100.0, float(values.max())) if len(values) else 100.0
        return dict(colorscale=pc.get_colorscale(PCT_SCALE), cmin=0.0, cmax=top)
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    return dict(colorscale=pc.get_colorscale(COUNT_SCALE), cmin=low, cmax=high if high > low else low + 1.0)


def _colour(axis: dict, value: float) -> str:
    share = (value - axis["cmin"]) / (axis["cmax"] - axis["cmin"])
    return pc.sample_colorscale(axis["colorscale"], [min(max(share, 0.0), 1.0)])[0]


def _outline(fig: go.Figure, level: str, codes: Sequence[str], name: str, color: str, width: float) -> None:
    shapes = _shapes(level)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for code in codes:
        x, y = shapes[code]
        xs += [*x, None]
        ys += [*y, None]
    if xs:
        fig.add_scatter(
            x=xs, y=ys, mode="lines", line=dict(color=color, width=width), name=name, hoverinfo="skip", showlegend=False
        )


def choropleth(
    df: pd.DataFrame,
    level: str,
    color: str,
    *,
    color_label: str,
    scale: str = "pct",
    hover: Sequence[str] = (),
    highlight: Iterable[str] = (),
    outline_cities: Iterable[str] = (),
    focus: Iterable[str] | None = None,
    missing_label: str = "无数据",
    height: int = 480,
    title: str | None = None,
) -> go.Figure:
    """A labelled map of ``df`` (one row per unit: ``unit_code``, ``unit_name``, the ``color`` column).

    ``scale``: "gap" diverging red↔green around 0 (points ahead of (+) or behind (−) the expected share), "pct"
    sequential completion %, "count" sequential counts. Every unit of the level is drawn: units without a value
    (hover text ``missing_label``) in light grey. ``hover``: preformatted text columns shown on hover.
    ``highlight``: units outlined in blue (the unit being looked at); ``outline_cities``: cities whose border is
    drawn over a county map. ``focus``: units the view is fitted to (default: all of Shanxi).

    Names: a city map names its 11 cities; a county map fitted to some counties names those counties; a county map
    of all Shanxi (117 counties, too many names to read) names the cities over their borders instead, the counties
    on hover. The trace ``units`` holds one (transparent) point per unit at its label point, with the unit's code
    as ``customdata[0]``: clicking a unit selects that point (:func:`selected_unit`).
    """
    names = feature_names(level)
    codes = list(names)
    shapes = _shapes(level)
    points = label_points(level)
    data = df.set_index("unit_code")
    known = data[color].dropna()
    known = known[known.index.isin(codes)]
    axis = _scale(scale, known)

    focus = [c for c in (focus or []) if c in shapes]
    around = set(codes) - set(focus) if focus else set()  # units beyond the focus: drawn paler

    fig = go.Figure()
    # the units' areas: one filled polygon each (a trace has one fill colour)
    for code in codes:
        x, y = shapes[code]
        value = known.get(code)
        fig.add_scatter(
            x=x,
            y=y,
            mode="lines",
            fill="toself",
            fillcolor=NO_DATA_COLOR if value is None else _colour(axis, float(value)),
            line=dict(color=BORDER_COLOR, width=0.8),
            name=f"area_{code}",
            opacity=0.45 if code in around else 1.0,
            hoverinfo="skip",
            showlegend=False,
        )
    if level == "county" and not focus:  # all of Shanxi by county: the cities' borders give it shape
        _outline(fig, "city", feature_codes("city"), "city_borders", CITY_BORDER_COLOR, 1.2)
    cities = [c for c in outline_cities if c in set(feature_codes("city"))]
    if cities and level == "county":  # a city looked at on the county map: its border drawn over its counties
        _outline(fig, "city", cities, "city_outline", HIGHLIGHT_COLOR, 3)
    outlined = [c for c in highlight if c in shapes]
    if outlined:
        _outline(fig, level, outlined, "highlight", HIGHLIGHT_COLOR, 3)

    # hover and click: one point per unit at its label point
    def hover_text(code: str) -> str:
        name = names[code]
        if code not in known.index:
            return f"<b>{name}</b><br>{missing_label}"
        row = data.loc[code]
        lines = [str(row[h]) for h in hover if isinstance(row[h], str) and row[h]]
        return "<br>".join([f"<b>{row.get('unit_name', name) or name}</b>", *lines])

    fig.add_scatter(
        x=[points[c][0] for c in codes],
        y=[points[c][1] for c in codes],
        mode="markers",
        marker=dict(size=18, color="rgba(0,0,0,0)"),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        customdata=[[c, hover_text(c)] for c in codes],
        hovertemplate="%{customdata[1]}<extra></extra>",
        name="units",
        showlegend=False,
    )

    # names an official can read: the focused units, or all 11 cities
    if level == "county" and not focus:
        label_level, labelled, size = "city", feature_codes("city"), 13
    else:
        label_level, labelled = level, focus or codes
        size = 13 if level == "city" or len(labelled) <= 8 else 11
    label_names = feature_names(label_level)
    label_at = label_points(label_level)
    fig.add_scatter(
        x=[label_at[c][0] for c in labelled],
        y=[label_at[c][1] for c in labelled],
        mode="text",
        text=[label_names[c] for c in labelled],
        textposition="middle center",
        textfont=dict(family=FONT["family"], size=size, color=LABEL_COLOR, shadow="auto", weight=500),
        name="labels",
        hoverinfo="skip",
        showlegend=False,
    )
    # the colour legend: a colour bar on an invisible marker (the polygons carry the same colours)
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker=dict(coloraxis="coloraxis", color=[axis["cmin"]]),
        name="legend",
        hoverinfo="skip",
        showlegend=False,
    )

    lon0, lon1, lat0, lat1 = bounds(level, focus)
    pad_x, pad_y = (lon1 - lon0) * 0.04 + 0.02, (lat1 - lat0) * 0.04 + 0.02
    mid_lat = (lat0 + lat1) / 2
    fig.update_layout(
        height=height + 70,
        margin=dict(l=0, r=0, t=40 if title else 0, b=70),
        font=FONT,
        title=title,
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        hoverdistance=HOVER_DISTANCE,
        hoverlabel=dict(font=dict(family=FONT["family"], size=13), bgcolor="white"),
        # a still map fitted to what is looked at: a finger scrolls the page past it on a phone, a click drills
        dragmode=False,
        xaxis=dict(visible=False, range=[lon0 - pad_x, lon1 + pad_x], fixedrange=True),
        yaxis=dict(
            visible=False,
            fixedrange=True,
            range=[lat0 - pad_y, lat1 + pad_y],
            # one degree of latitude is 1 / cos(latitude) times as long as one of longitude
            scaleanchor="x",
            scaleratio=1 / math.cos(math.radians(mid_lat)),
        ),
        coloraxis=dict(
            colorscale=axis["colorscale"],
            cmin=axis["cmin"],
            cmax=axis["cmax"],
            **({"cmid": axis["cmid"]} if "cmid" in axis else {}),
            colorbar=dict(
                title=dict(text=color_label, side="top"),
                orientation="h",
                thickness=10,
                len=0.8,
                x=0.5,
                xanchor="center",
                y=-0.02,
                yanchor="top",
            ),
        ),
        clickmode="event+select",
        showlegend=False,
    )
    return fig


def selected_unit(event) -> str | None:
    """The unit code of the first point selected on a map from :func:`choropleth` (None if none)."""
    try:
        points = event.selection.points
    except AttributeError:
        try:
            points = event["selection"]["points"]
        except (KeyError, TypeError):
            return None
    for point in points or []:
        custom = point.get("customdata")
        if custom:
            return str(custom[0])
        if point.get("location"):
            return str(point["location"])
    return None
