"""The dermatome map (resources/neuro/dermatome_map.svg) read into plain polygons, so the app
(QPainter) and the PDF (ReportLab) draw the same map from one drawing. No Qt, no ReportLab.

The SVG holds, per leg and view, an outline (`<view>-<side>-outline`), one path per sensory
area (`<side>-<area>`, the ids of the case file) and a few text labels. Paths use only the
commands M, L and Z with absolute coordinates.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cramp_dx.case.model import NEURO_SIDES, SENSORY_AREAS

Point = tuple[float, float]
_SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

# the colours of the sensory values, shared by the app and the PDF; the letter is drawn in the
# area too, so the map never relies on colour alone
STATE_COLOURS = {
    "normal": "#d8efd8",
    "reduced": "#ffe08a",
    "absent": "#f2994a",
    "painful": "#e57373",
}
STATE_LETTERS = {"normal": "N", "reduced": "R", "absent": "A", "painful": "P"}
ROOT_COLOUR = "#1f5fbf"  # the outline of the areas of a derived root


@dataclass(frozen=True)
class Area:
    side: str
    area: str
    points: tuple[Point, ...]

    @property
    def centre(self) -> Point:
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return sum(xs) / len(xs), sum(ys) / len(ys)

    def contains(self, x: float, y: float) -> bool:
        """Even-odd rule, in map coordinates."""
        inside = False
        points = self.points
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class BodyMap:
    width: float
    height: float
    outlines: tuple[tuple[Point, ...], ...]
    areas: tuple[Area, ...]
    labels: tuple[Label, ...]

    def area(self, side: str, area: str) -> Area:
        return next(a for a in self.areas if a.side == side and a.area == area)

    def area_at(self, x: float, y: float) -> Area | None:
        return next((a for a in self.areas if a.contains(x, y)), None)


def _points(d: str, where: str) -> tuple[Point, ...]:
    if not re.fullmatch(r"\s*M[\d\s.LZ-]*Z\s*", d):
        raise ValueError(f"{where}: only M, L and Z paths are read")
    numbers = [float(n) for n in _NUMBER.findall(d)]
    if len(numbers) < 6 or len(numbers) % 2:
        raise ValueError(f"{where}: a path needs at least three points")
    return tuple(zip(numbers[::2], numbers[1::2], strict=True))


def read_map(path: Path) -> BodyMap:
    root = ET.parse(path).getroot()
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    outlines, areas, labels = [], [], []
    for element in root.iter(f"{_SVG}path"):
        ident = element.attrib.get("id", "")
        points = _points(element.attrib.get("d", ""), ident)
        if element.attrib.get("class") == "outline":
            outlines.append(points)
            continue
        side, _, area = ident.partition("-")
        if side not in NEURO_SIDES or area not in SENSORY_AREAS:
            raise ValueError(f"{path.name}: {ident!r} is not <side>-<sensory area>")
        areas.append(Area(side, area, points))
    for element in root.iter(f"{_SVG}text"):
        labels.append(Label(element.text or "", float(element.attrib["x"]), float(element.attrib["y"])))
    expected = {(side, area) for side in NEURO_SIDES for area in SENSORY_AREAS}
    found = [(a.side, a.area) for a in areas]
    if sorted(found) != sorted(expected):
        raise ValueError(f"{path.name}: every side needs each sensory area exactly once")
    return BodyMap(width, height, tuple(outlines), tuple(areas), tuple(labels))


@cache
def body_map() -> BodyMap:
    """The map shipped with the app (read once)."""
    from cramp_dx.paths import resources_dir

    return read_map(resources_dir() / "neuro" / "dermatome_map.svg")
