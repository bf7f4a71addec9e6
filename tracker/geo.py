"""Offline maps of Shanxi: the committed GeoJSON (data/reference/shanxi_*.geojson) and the choropleth figure.

Presentation only (no queries, no rules). The figure embeds the GeoJSON and uses ``map_style="white-bg"``, so drawing
it requests no tile, style or topojson from any server (see ../shared/NOTES.md, "Maps offline").
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from tracker import REFERENCE_DIR

FILES = {"county": "shanxi_counties.geojson", "city": "shanxi_cities.geojson"}
CENTER = {"lat": 37.6, "lon": 112.3}
ZOOM = 5.6
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)
NO_DATA_COLOR = "#e0e0e0"
HIGHLIGHT_COLOR = "#0d47a1"

# colour scales: diverging around 0 for a gap (red behind, green ahead), sequential for completion or counts
GAP_SCALE = "RdYlGn"
PCT_SCALE = "YlGn"
COUNT_SCALE = "Blues"


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


def _subset(geojson: dict, codes: Iterable[str]) -> dict:
    """Only the features of ``codes`` (every trace embeds its own GeoJSON: keep the figure small)."""
    wanted = set(codes)
    return {**geojson, "features": [f for f in geojson["features"] if f["properties"]["code"] in wanted]}


def _points(geometry: dict) -> Iterable[tuple[float, float]]:
    coords = geometry["coordinates"]
    rings = coords if geometry["type"] == "Polygon" else [r for poly in coords for r in poly]
    for ring in rings:
        yield from ((lon, lat) for lon, lat, *_ in ring)


def view(level: str, codes: Iterable[str] | None = None, width: int = 340, height: int = 480) -> dict:
    """Center and zoom that fit the given units (all of Shanxi when ``codes`` is empty) into the map's box."""
    wanted = set(codes or [])
    lons, lats = [], []
    for feature in load_geojson(level)["features"]:
        if wanted and feature["properties"]["code"] not in wanted:
            continue
        for lon, lat in _points(feature["geometry"]):
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return {"center": dict(CENTER), "zoom": ZOOM}
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    center = {"lat": (lat0 + lat1) / 2, "lon": (lon0 + lon1) / 2}

    # MapLibre (Plotly's map traces): 512 · 2^zoom pixels per 360° of longitude; a degree of latitude is
    # 1 / cos(lat) longer on the Web Mercator projection
    def fit(span_deg: float, pixels: float, stretch: float = 1.0) -> float:
        return math.log2(pixels * 360 / (512 * max(span_deg * stretch, 1e-6)))

    stretch = 1 / math.cos(math.radians(center["lat"]))
    zoom = min(fit(lon1 - lon0, width * 0.9), fit(lat1 - lat0, height * 0.9, stretch))
    return {"center": center, "zoom": round(min(zoom, 9.0), 2)}


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
    width: int = 340,
    missing_label: str = "无数据",
    height: int = 480,
    title: str | None = None,
) -> go.Figure:
    """A choropleth of ``df`` (one row per unit: ``unit_code``, ``unit_name``, the ``color`` column).

    ``scale``: "gap" diverging red↔green around 0 (points ahead of (+) or behind (−) the expected share), "pct"
    sequential completion %, "count" sequential counts. Every unit of the level is drawn: units without a value
    (hover text ``missing_label``) in
    in light grey. ``hover``: preformatted text columns shown on hover. ``highlight``: units outlined in
    blue (the unit being looked at); ``outline_cities``: cities whose border is drawn over a county map. ``focus``: units the view is fitted to (default: all of Shanxi) in a map of
    about ``width`` × ``height`` pixels.
    Each drawn unit's code is its ``location``, so a selected point names the unit.
    """
    geojson = load_geojson(level)
    data = df[["unit_code", "unit_name", color, *hover]].copy()
    data["_hover"] = (
        data["unit_name"] + "<br>" + (data[list(hover)].astype(str).agg("<br>".join, axis=1) if hover else "")
    )
    known = data[data[color].notna()]
    kwargs: dict = {}
    if scale == "gap":
        reach = float(known[color].abs().max()) if len(known) else 1.0
        reach = max(reach, 1.0)
        kwargs = dict(color_continuous_scale=GAP_SCALE, color_continuous_midpoint=0.0, range_color=(-reach, reach))
    elif scale == "pct":
        top = max(100.0, float(known[color].max())) if len(known) else 100.0
        kwargs = dict(color_continuous_scale=PCT_SCALE, range_color=(0.0, top))
    else:
        kwargs = dict(color_continuous_scale=COUNT_SCALE)
    fig = px.choropleth_map(
        known,
        geojson=_subset(geojson, known["unit_code"]),
        locations="unit_code",
        featureidkey="properties.code",
        color=color,
        custom_data=["unit_code", "_hover"],
        map_style="white-bg",
        center=CENTER,
        zoom=ZOOM,
        opacity=0.85,
        labels={color: color_label},
        **kwargs,
    )
    fig.update_traces(
        name="units",
        hovertemplate="%{customdata[1]}<extra></extra>",
        marker_line_color="white",
        marker_line_width=0.8,
    )
    names = {f["properties"]["code"]: f["properties"]["name"] for f in geojson["features"]}
    codes = feature_codes(level)
    missing = [c for c in codes if c not in set(known["unit_code"])]
    if missing:
        fig.add_trace(
            go.Choroplethmap(
                geojson=_subset(geojson, missing),
                locations=missing,
                featureidkey="properties.code",
                z=[0] * len(missing),
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
                showscale=False,
                name="no_data",
                marker_line_color="white",
                marker_line_width=0.8,
                customdata=[[c, f"{names.get(c, c)}<br>{missing_label}"] for c in missing],
                hovertemplate="%{customdata[1]}<extra></extra>",
            )
        )
    outlined = [c for c in highlight if c in set(codes)]
    if outlined:
        fig.add_trace(
            go.Choroplethmap(
                geojson=_subset(geojson, outlined),
                locations=outlined,
                featureidkey="properties.code",
                z=[1] * len(outlined),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                name="highlight",
                marker_line_color=HIGHLIGHT_COLOR,
                marker_line_width=3,
                hoverinfo="skip",
            )
        )
    cities = [c for c in outline_cities if c in set(feature_codes("city"))]
    if cities and level == "county":  # a city looked at on the county map: its border drawn over its counties
        fig.add_trace(
            go.Choroplethmap(
                geojson=_subset(load_geojson("city"), cities),
                locations=cities,
                featureidkey="properties.code",
                z=[1] * len(cities),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                name="city_outline",
                marker_line_color=HIGHLIGHT_COLOR,
                marker_line_width=3,
                hoverinfo="skip",
            )
        )
    place = view(level, focus, width=width, height=height)
    fig.update_layout(
        map=dict(style="white-bg", center=place["center"], zoom=place["zoom"]),
        height=height + 70,
        margin=dict(l=0, r=0, t=40 if title else 0, b=70),
        font=FONT,
        title=title,
        coloraxis_colorbar=dict(
            title=dict(text=color_label, side="top"),
            orientation="h",
            thickness=10,
            len=0.8,
            x=0.5,
            xanchor="center",
            y=-0.02,
            yanchor="top",
        ),
        clickmode="event+select",
    )
    return fig


def selected_unit(event) -> str | None:
    """The unit code of the first point selected on a choropleth from :func:`choropleth` (None if none)."""
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
