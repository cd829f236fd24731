"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript, no CDN).

Functions return plain numbers; the templates draw them, with a title, a description and
a data table beside each chart for people who cannot see it.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) for the vertical axis
    points: str = ""  # an SVG polyline, for line charts
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM


def _nice_max(value: float) -> float:
    # Multiples of 4, so the quarter ticks are whole numbers.
    for step in (
        4,
        8,
        12,
        20,
        40,
        60,
        100,
        200,
        400,
        600,
        1000,
        2000,
        4000,
        6000,
        10_000,
        20_000,
        40_000,
        60_000,
        100_000,
        200_000,
        400_000,
        1_000_000,
    ):
        if value <= step:
            return step
    return value


def columns(labels: list[str], values: list[float], maximum: float | None = None) -> Chart:
    """Vertical bars, one per label, scaled to ``maximum`` (a round number by default)."""
    top = maximum or _nice_max(max(values, default=0) or 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(values))
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        bars.append(
            Bar(LEFT + i * slot + slot * 0.15, TOP + plot_h - h, slot * 0.7, h, label, value)
        )
    return Chart(bars, _ticks(top, plot_h))


def line(labels: list[str], values: list[float]) -> Chart:
    """A line from 0 to 100 (percentages), one point per label."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(values))
    bars = [
        Bar(LEFT + (i + 0.5) * slot, TOP + plot_h * (1 - v / 100), 0, 0, label, v)
        for i, (label, v) in enumerate(zip(labels, values, strict=True))
    ]
    points = " ".join(f"{b.x:.1f},{b.y:.1f}" for b in bars)
    return Chart(bars, _ticks(100, plot_h, suffix="%"), points)


def _ticks(top: float, plot_h: float, suffix: str = "") -> list[tuple[float, str]]:
    return [(TOP + plot_h * (1 - f), f"{top * f:g}{suffix}") for f in (0, 0.25, 0.5, 0.75, 1)]


ROW, LABEL_W = 28, 160


def rows(labels: list[str], percents: list[float]) -> Chart:
    """Horizontal bars of a percentage, one row per label (completion by department)."""
    plot_w = WIDTH - LABEL_W - 56
    bars = [
        Bar(LABEL_W, TOP + i * ROW, plot_w * p / 100, ROW * 0.7, label, p)
        for i, (label, p) in enumerate(zip(labels, percents, strict=True))
    ]
    return Chart(bars, [], height=TOP * 2 + ROW * max(1, len(bars)), left=LABEL_W)
