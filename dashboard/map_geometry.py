"""What the explorer's map needs from a level's boundaries: the view that fits the main land mass, the areas
outside it, and a point inside each area for markers.

The first view is not the plain min/max of every coordinate: one far-off area (Réunion beside Europe; the
Aleutians, across the antimeridian at +179.8°, beside the rest of the US) would shrink everything else to a
corner. Instead:

- longitudes are unwrapped at the widest empty meridian gap between the areas' centres, so a set of areas that
  crosses the antimeridian spans its real width (some 115° for the US), not 359°;
- the view fits the polygons whose centres lie within ``FENCE`` interquartile ranges of the areas' centres
  (each area's centre is that of its largest polygon), so an area's far-off islands (France's overseas regions
  in the ``FR`` country feature) and far-off areas are left out of the first view, still drawn and reachable by
  zooming out or panning, and named in the map's summary;
- configured bounds (``dashboard.map.bounds``, in the release manifest) override all of this.

Pure functions over GeoJSON dicts; :mod:`dashboard.data` memoises them per release and level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Interquartile ranges beyond the quartiles of the areas' centres that still count as the main land mass.
FENCE = 2.0
#: The map's size in CSS pixels for which the zoom is chosen (its height; a narrow width).
VIEW_PX = (640, 480)
TILE_PX = 512
#: Degrees of rounding error tolerated when longitudes are unwrapped east of the origin.
_SLACK = 1e-9


@dataclass
class Part:
    code: str
    area: float
    lon: float  # centre, unwrapped against its own first vertex
    lat: float
    box: tuple[float, float, float, float]  # west, south, east, north (west <= east, east may pass 180)


@dataclass
class LevelGeometry:
    codes: set[str] = field(default_factory=set)
    centres: dict[str, tuple[float, float]] = field(default_factory=dict)  # code -> (lon in [-180, 180), lat)
    frame: dict | None = None  # the first view: {"center": {"lon", "lat"}, "zoom"}
    outlying: list[str] = field(default_factory=list)  # codes whose centre is outside the first view


def _rings(geometry: dict | None) -> list[list]:
    """The outer ring of every polygon of a (Multi)Polygon; nothing for other or missing geometries."""
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords[0]] if coords else []
    if kind == "MultiPolygon":
        return [p[0] for p in coords if p]
    if kind == "GeometryCollection":
        return [r for g in geometry.get("geometries") or [] for r in _rings(g)]
    return []


def _part(code: str, ring: list) -> Part | None:
    pts = np.asarray([p[:2] for p in ring if len(p) >= 2], dtype=float)
    if len(pts) == 0:
        return None
    lon = pts[:, 0].copy()
    # a ring that crosses the antimeridian (179.9 then -179.9): keep it in one piece
    lon = lon[0] + (lon - lon[0] + 180.0) % 360.0 - 180.0
    lat = pts[:, 1]
    x0, y0 = lon - lon.mean(), lat - lat.mean()
    cross = x0 * np.roll(y0, -1) - np.roll(x0, -1) * y0
    area = cross.sum() / 2
    if abs(area) > 1e-12:
        cx = (x0 + np.roll(x0, -1)) @ cross / (6 * area) + lon.mean()
        cy = (y0 + np.roll(y0, -1)) @ cross / (6 * area) + lat.mean()
    else:
        cx, cy = float(lon.mean()), float(lat.mean())
    return Part(code, abs(float(area)), float(cx), float(cy),
                (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _origin(lons: np.ndarray) -> float:
    """The western edge of a set of longitudes: the east side of the widest empty gap between them."""
    s = np.sort((lons + 180.0) % 360.0 - 180.0)
    if len(s) < 2:
        return float(s[0]) if len(s) else -180.0
    gaps = np.diff(np.append(s, s[0] + 360.0))
    return float(s[(int(np.argmax(gaps)) + 1) % len(s)])


def _merc(lat: float) -> float:
    """Web Mercator's y of a latitude, in degrees of longitude at the equator."""
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _zoom(lon_span: float, south: float, north: float) -> float:
    merc = _merc
    y_span = max(merc(north) - merc(south), 1e-6)
    width, height = VIEW_PX
    zoom = min(math.log2(360 * width / (TILE_PX * max(lon_span, 1e-6))),
               math.log2(360 * height / (TILE_PX * y_span)))
    return round(max(0.0, min(12.0, zoom - 0.25)), 2)


def frame_of(west: float, south: float, east: float, north: float) -> dict:
    """Centre and zoom that show a box; ``west > east`` means the box crosses the antimeridian."""
    if east < west:
        east += 360.0
    mid_lat = math.degrees(math.atan(math.sinh(math.radians((_merc(south) + _merc(north)) / 2))))
    return {"center": {"lon": round(_wrap((west + east) / 2), 5), "lat": round(mid_lat, 5)},
            "zoom": _zoom(east - west, south, north)}


def level_geometry(geojson: dict, bounds: tuple[float, float, float, float] | None = None) -> LevelGeometry:
    """The first view, the outlying areas and every area's centre (see the module's docstring)."""
    out = LevelGeometry()
    parts: list[Part] = []
    main: dict[str, Part] = {}
    for f in geojson.get("features") or []:
        code = f.get("id")
        if code is None:
            continue
        code = str(code)
        out.codes.add(code)
        for ring in _rings(f.get("geometry")):
            p = _part(code, ring)
            if p is None:
                continue
            parts.append(p)
            if code not in main or p.area > main[code].area:
                main[code] = p
    if not parts:
        return out
    origin = _origin(np.array([p.lon for p in main.values()]))

    def unwrap(lon: float) -> float:
        # the westernmost centre is the origin itself, give or take a rounding error of the wrap in _origin:
        # (-1e-15) % 360 is 360, which would move it half way round the world and out of the first view
        return origin + (lon - origin + _SLACK) % 360.0 - _SLACK

    for code, p in main.items():
        out.centres[code] = (round(_wrap(p.lon), 5), round(p.lat, 5))
    lons = np.array([unwrap(p.lon) for p in main.values()])
    lats = np.array([p.lat for p in main.values()])
    (x1, x3), (y1, y3) = np.percentile(lons, [25, 75]), np.percentile(lats, [25, 75])
    xr, yr = max(x3 - x1, 1.0), max(y3 - y1, 1.0)  # a degree at least: a handful of areas is not an outlier

    def inside(lon: float, lat: float) -> bool:
        return x1 - FENCE * xr <= lon <= x3 + FENCE * xr and y1 - FENCE * yr <= lat <= y3 + FENCE * yr

    out.outlying = sorted(c for c, p in main.items() if not inside(unwrap(p.lon), p.lat))
    if bounds is not None:
        out.frame = frame_of(*bounds)
        west, south, east, north = bounds
        east = east + 360.0 if east < west else east
        out.outlying = sorted(c for c, p in main.items()
                              if not (south <= p.lat <= north and west <= west + (p.lon - west) % 360.0 <= east))
        return out
    kept = [p for p in parts if inside(unwrap(p.lon), p.lat)] or parts
    shift = [unwrap(p.lon) - p.lon for p in kept]
    west = min(p.box[0] + s for p, s in zip(kept, shift, strict=True))
    east = max(p.box[2] + s for p, s in zip(kept, shift, strict=True))
    south, north = min(p.box[1] for p in kept), max(p.box[3] for p in kept)
    out.frame = frame_of(west, south, east, north)
    return out
