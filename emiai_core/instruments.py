"""EMI coil configurations and instrument presets (the one place where instrument numbers live).

A coil configuration is written as EMagPy writes it: ``<ORIENT><spacing>f<frequency>h<height>``,
e.g. ``VCP0.32f30000h0.1`` = vertical coplanar, 0.32 m coil spacing, 30 kHz, 0.1 m above ground.
Field names in layers use the short form ``VCP0.32`` (orientation + spacing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

ORIENTATIONS = ("VCP", "HCP", "PRP")

_COIL_RE = re.compile(
    r"^\s*(?P<orient>VCP|HCP|PRP)\s*(?P<spacing>\d+(?:\.\d*)?|\.\d+)"
    r"(?:\s*f\s*(?P<freq>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?))?"
    r"(?:\s*h\s*(?P<height>\d+(?:\.\d*)?|\.\d+))?\s*$",
    re.IGNORECASE,
)


def _fmt(value: float) -> str:
    """Shortest decimal text for a number (0.32 -> '0.32', 30000.0 -> '30000')."""
    return f"{value:.6g}" if value != int(value) else str(int(value))


@dataclass(frozen=True)
class Coil:
    """One transmitter-receiver pair.

    orientation: 'VCP' | 'HCP' | 'PRP'; coil_spacing: m; frequency: Hz; height: m above ground.
    """

    orientation: str
    coil_spacing: float
    frequency: float = 30000.0
    height: float = 0.0

    def __post_init__(self):
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"Unknown coil orientation {self.orientation!r}: use one of {ORIENTATIONS}.")
        if not self.coil_spacing > 0:
            raise ValueError(f"Coil spacing must be > 0 m, got {self.coil_spacing!r}.")
        if not self.frequency > 0:
            raise ValueError(f"Frequency must be > 0 Hz, got {self.frequency!r} for {self.name}.")
        if not self.height >= 0:
            raise ValueError(f"Instrument height must be >= 0 m, got {self.height!r} for {self.name}.")

    @property
    def name(self) -> str:
        """Short name used as a field name, e.g. 'VCP0.32'."""
        return f"{self.orientation}{_fmt(self.coil_spacing)}"

    @property
    def emagpy(self) -> str:
        """Full EMagPy coil string, e.g. 'VCP0.32f30000h0'."""
        return f"{self.name}f{_fmt(self.frequency)}h{_fmt(self.height)}"

    def at_height(self, height: float) -> "Coil":
        """The same coil raised to ``height`` m above ground."""
        return replace(self, height=float(height))


def parse_coil(text: str, frequency: float | None = None, height: float | None = None) -> Coil:
    """Parse 'VCP0.32f30000h0.1', 'HCP1.18' or 'vcp 0.71' into a Coil.

    frequency (Hz) and height (m) are used when the string does not give them; the defaults are
    30 kHz and 0 m.
    """
    m = _COIL_RE.match(str(text))
    if not m:
        raise ValueError(
            f"Unknown coil string {text!r}: expected e.g. 'VCP0.32f30000h0' "
            "(orientation VCP/HCP/PRP, coil spacing in m, optional f<Hz> and h<height m>)."
        )
    freq = float(m["freq"]) if m["freq"] else (30000.0 if frequency is None else float(frequency))
    h = float(m["height"]) if m["height"] else (0.0 if height is None else float(height))
    return Coil(m["orient"].upper(), float(m["spacing"]), freq, h)


def as_coils(coils, height: float | None = None) -> tuple[Coil, ...]:
    """Coerce a sequence of Coil or coil strings to Coils; ``height`` (m) overrides all heights."""
    out = []
    for c in coils:
        c = c if isinstance(c, Coil) else parse_coil(c)
        out.append(c if height is None else c.at_height(height))
    if not out:
        raise ValueError("No coils given.")
    return tuple(out)


@dataclass(frozen=True)
class Instrument:
    """An EMI instrument preset: its coils (on the ground) and where the numbers come from."""

    key: str
    label: str
    coils: tuple[Coil, ...]
    source: str

    def coils_at(self, height: float = 0.0, orientations=None) -> tuple[Coil, ...]:
        """The preset's coils at ``height`` m, optionally only some orientations ('VCP', 'HCP', …)."""
        return tuple(c.at_height(height) for c in self.coils
                     if orientations is None or c.orientation in orientations)


def _vcp_hcp(spacings, frequency):
    return tuple(Coil(o, s, frequency) for o in ("VCP", "HCP") for s in spacings)


_GF = "GF Instruments CMD user manual / EMagPy 1.4.5 Problem.importGF device presets"
_DUALEM = "DUALEM-1S/2S/21S specifications (Dualem Inc.): 9 kHz, HCP at s, PRP at s+0.1 m"
_GEONICS = "Geonics EM38-MK2 / EM31-MK2 specifications: 14.5 kHz (1.0/0.5 m), 9.8 kHz (3.66 m)"

INSTRUMENTS: dict[str, Instrument] = {
    i.key: i
    for i in (
        Instrument("CMD-MiniExplorer", "GF CMD-MiniExplorer (0.32/0.71/1.18 m, 30 kHz)",
                   _vcp_hcp((0.32, 0.71, 1.18), 30000.0), _GF),
        Instrument("CMD-MiniExplorer-6L", "GF CMD-MiniExplorer 6L (0.2–1.5 m, 30 kHz)",
                   _vcp_hcp((0.2, 0.33, 0.5, 0.72, 1.03, 1.5), 30000.0), _GF),
        Instrument("CMD-Explorer", "GF CMD-Explorer (1.48/2.82/4.49 m, 10 kHz)",
                   _vcp_hcp((1.48, 2.82, 4.49), 10000.0), _GF),
        Instrument("DUALEM-1S", "DUALEM-1S (HCP 1 m, PRP 1.1 m, 9 kHz)",
                   (Coil("HCP", 1.0, 9000.0), Coil("PRP", 1.1, 9000.0)), _DUALEM),
        Instrument("DUALEM-2S", "DUALEM-2S (HCP 2 m, PRP 2.1 m, 9 kHz)",
                   (Coil("HCP", 2.0, 9000.0), Coil("PRP", 2.1, 9000.0)), _DUALEM),
        Instrument("DUALEM-21S", "DUALEM-21S (HCP 1/2 m, PRP 1.1/2.1 m, 9 kHz)",
                   (Coil("HCP", 1.0, 9000.0), Coil("PRP", 1.1, 9000.0),
                    Coil("HCP", 2.0, 9000.0), Coil("PRP", 2.1, 9000.0)), _DUALEM),
        Instrument("EM38-MK2", "Geonics EM38-MK2 (VCP/HCP 0.5 and 1 m, 14.5 kHz)",
                   _vcp_hcp((0.5, 1.0), 14500.0), _GEONICS),
        Instrument("EM31", "Geonics EM31-MK2 (VCP/HCP 3.66 m, 9.8 kHz)",
                   _vcp_hcp((3.66,), 9800.0), _GEONICS),
    )
}


def instrument(key: str) -> Instrument:
    """The preset named ``key`` (see INSTRUMENTS)."""
    try:
        return INSTRUMENTS[key]
    except KeyError:
        raise ValueError(f"Unknown instrument {key!r}: choose one of {', '.join(INSTRUMENTS)}.") from None
