"""Checks on data/reference/regions.csv and the offline Shanxi boundary GeoJSON."""

import csv
import json
from collections import Counter
from pathlib import Path

REF = Path(__file__).resolve().parent.parent / "data" / "reference"

# Shanxi in WGS84, with a margin: lon 110-115, lat 34.5-40.8.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 110.0, 115.0, 34.5, 40.8


def _regions():
    with open(REF / "regions.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["code", "name", "level", "parent_code"]
        return list(reader)


def _geojson(name):
    with open(REF / name, encoding="utf-8") as f:
        return json.load(f)


def _codes(rows, level):
    return {r["code"] for r in rows if r["level"] == level}


def _positions(geometry):
    """Yield every [lon, lat] position of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def test_counts_by_level():
    counts = Counter(r["level"] for r in _regions())
    assert counts == {"province": 1, "city": 11, "county": 117}


def test_codes_are_unique_six_digits_and_sorted():
    rows = _regions()
    codes = [r["code"] for r in rows]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) == len(set(codes)) == 129
    assert codes == sorted(codes)
    assert all(r["name"].strip() for r in rows)


def test_hierarchy():
    rows = _regions()
    province = [r for r in rows if r["level"] == "province"]
    assert [(p["code"], p["name"], p["parent_code"]) for p in province] == [("140000", "山西省", "")]
    cities = _codes(rows, "city")
    for r in rows:
        if r["level"] == "city":
            assert r["parent_code"] == "140000"
            assert r["code"].endswith("00")
        elif r["level"] == "county":
            assert r["parent_code"] in cities, r
            assert r["code"][:4] == r["parent_code"][:4], r
    # every city has at least one county
    assert {r["parent_code"] for r in rows if r["level"] == "county"} == cities


def test_known_units():
    by_code = {r["code"]: r for r in _regions()}
    assert by_code["141100"]["name"] == "吕梁市"
    assert (by_code["141125"]["name"], by_code["141125"]["parent_code"]) == (
        "柳林县",
        "141100",
    )
    # post-2018 reforms
    assert by_code["140213"]["name"] == "平城区"
    assert by_code["140403"]["name"] == "潞州区"
    assert by_code["140681"]["name"] == "怀仁市"
    assert by_code["140703"]["name"] == "太谷区"
    for abolished in (
        "140202",
        "140203",
        "140211",
        "140227",
        "140402",
        "140411",
        "140421",
        "140624",
        "140726",
    ):
        assert abolished not in by_code


def _check_collection(name, expected_codes):
    gj = _geojson(name)
    assert gj["type"] == "FeatureCollection"
    features = gj["features"]
    assert len(features) == len(expected_codes)
    codes = [f["properties"]["code"] for f in features]
    assert len(set(codes)) == len(codes)
    assert set(codes) == expected_codes
    names = {r["code"]: r["name"] for r in _regions()}
    for f in features:
        code = f["properties"]["code"]
        assert isinstance(code, str) and len(code) == 6
        assert f["id"] == code
        assert f["properties"]["name"] == names[code]
        geometry = f["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        positions = list(_positions(geometry))
        assert len(positions) >= 4, code
        for lon, lat in positions:
            assert LON_MIN < lon < LON_MAX and LAT_MIN < lat < LAT_MAX, (code, lon, lat)


def test_counties_geojson_matches_regions():
    _check_collection("shanxi_counties.geojson", _codes(_regions(), "county"))


def test_cities_geojson_matches_regions():
    _check_collection("shanxi_cities.geojson", _codes(_regions(), "city"))
