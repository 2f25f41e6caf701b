"""EMI coil configurations and instrument presets (the one place where instrument numbers live).

A coil configuration is written as EMagPy writes it: ``<ORIENT><spacing>f<frequency>h<height>``,
e.g. ``VCP0.32f30000h0.1`` = vertical coplanar, 0.32 m coil spacing, 30 kHz, 0.1 m above ground.
Field names in layers use the short form ``VCP0.32`` (orientation + spacing).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

ORIENTATIONS = ("VCP", "HCP", "PRP")

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_COIL_RE = re.compile(
    rf"^\s*(?P<orient>VCP|HCP|PRP)\s*(?P<spacing>{_NUM})"
    rf"(?:\s*f\s*(?P<freq>{_NUM}))?"
    rf"(?:\s*h\s*(?P<height>{_NUM}))?\s*$",
    re.IGNORECASE,
)


def _fmt(value: float) -> str:
    """Shortest text that reads back as the same float (0.32 -> '0.32', 30000.0 -> '30000')."""
    value = float(value)
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


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
        if not (self.coil_spacing > 0 and math.isfinite(self.coil_spacing)):
            raise ValueError(f"Coil spacing must be a finite number > 0 m, got {float(self.coil_spacing)!r} "
                             f"for a {self.orientation} coil.")
        if not (self.frequency > 0 and math.isfinite(self.frequency)):
            raise ValueError(f"Frequency must be a finite number > 0 Hz, got {float(self.frequency)!r} "
                             f"for {self.name}.")
        if not (self.height >= 0 and math.isfinite(self.height)):
            raise ValueError(f"Instrument height must be a finite number >= 0 m, got {float(self.height)!r} "
                             f"for {self.name}.")

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
    """Coerce coils to a tuple of Coil; ``height`` (m) overrides all heights.

    ``coils``: a sequence of Coil or EMagPy coil strings, one Coil, a comma-separated string of coil
    strings ('VCP0.32f30000h0, HCP0.71'), an Instrument, or a preset key ('CMD-MiniExplorer').
    """
    if isinstance(coils, Coil):
        coils = (coils,)
    elif isinstance(coils, Instrument):
        coils = coils.coils
    elif isinstance(coils, str):
        coils = INSTRUMENTS[coils].coils if coils in INSTRUMENTS else [p for p in coils.split(",") if p.strip()]
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
    gf_file: bool = False  # a GF Instruments CMD whose .dat/.csv exports importsurvey reads

    def coils_at(self, height: float = 0.0, orientations=None) -> tuple[Coil, ...]:
        """The preset's coils at ``height`` m, optionally only some orientations ('VCP', 'HCP', …)."""
        return tuple(c.at_height(height) for c in self.coils
                     if orientations is None or c.orientation in orientations)


def _vcp_hcp(spacings, frequency):
    return tuple(Coil(o, s, frequency) for o in ("VCP", "HCP") for s in spacings)


# Every number of a preset with its source. The order is the order of the algorithms' menus
# (emiai_core.fields.instrument_keys): add a preset here and it appears everywhere.
# EMagPy 1.4.5 = emagpy/Survey.py ``Survey.importGF``
# (device presets 'CMD Mini-Explorer', 'CMD Mini-Explorer 6L', 'CMD Explorer').
_SRC_MINI = ("coil spacings 0.32/0.71/1.18 m and 30 kHz: GF Instruments CMD-MiniExplorer "
             "specifications (user manual); EMagPy 1.4.5 Survey.importGF('CMD Mini-Explorer'): "
             "freq = 30000, csep = [0.32, 0.71, 1.18] (VCP from the 'Lo' file, HCP from 'Hi')")
_SRC_MINI6 = ("coil spacings 0.20/0.33/0.50/0.72/1.03/1.50 m and 30 kHz: GF Instruments "
              "CMD-MiniExplorer 6L specifications; EMagPy 1.4.5 Survey.importGF('CMD Mini-Explorer 6L'): "
              "freq = 30000, csep = [0.20, 0.33, 0.50, 0.72, 1.03, 1.50]")
_SRC_EXPL = ("coil spacings 1.48/2.82/4.49 m and 10 kHz: GF Instruments CMD-Explorer specifications; "
             "EMagPy 1.4.5 Survey.importGF('CMD Explorer'): freq = 10000, csep = [1.48, 2.82, 4.49]")
_SRC_DUALEM = ("9 kHz; HCP pair at s and perpendicular (PRP) pair at s + 0.1 m, s = 1 m (1S), "
               "2 m (2S), both (21S): DUALEM Inc. DUALEM-1S/-2S/-21S specification sheets")
_SRC_EM38 = ("14.5 kHz; coil spacings 1.0 m and 0.5 m, each read in vertical-dipole (HCP) and "
             "horizontal-dipole (VCP) mode: Geonics EM38-MK2 specifications")
_SRC_EM31 = ("9.8 kHz; coil spacing 3.66 m, vertical-dipole (HCP) and horizontal-dipole (VCP) "
             "mode: Geonics EM31-MK2 specifications")

INSTRUMENTS: dict[str, Instrument] = {
    i.key: i
    for i in (
        Instrument("CMD-MiniExplorer", "GF CMD-MiniExplorer (0.32/0.71/1.18 m, 30 kHz)",
                   _vcp_hcp((0.32, 0.71, 1.18), 30000.0), _SRC_MINI, gf_file=True),
        Instrument("CMD-Explorer", "GF CMD-Explorer (1.48/2.82/4.49 m, 10 kHz)",
                   _vcp_hcp((1.48, 2.82, 4.49), 10000.0), _SRC_EXPL, gf_file=True),
        Instrument("CMD-MiniExplorer-6L", "GF CMD-MiniExplorer 6L (0.20–1.50 m, 30 kHz)",
                   _vcp_hcp((0.2, 0.33, 0.5, 0.72, 1.03, 1.5), 30000.0), _SRC_MINI6, gf_file=True),
        Instrument("DUALEM-1S", "DUALEM-1S (HCP 1 m, PRP 1.1 m, 9 kHz)",
                   (Coil("HCP", 1.0, 9000.0), Coil("PRP", 1.1, 9000.0)), _SRC_DUALEM),
        Instrument("DUALEM-2S", "DUALEM-2S (HCP 2 m, PRP 2.1 m, 9 kHz)",
                   (Coil("HCP", 2.0, 9000.0), Coil("PRP", 2.1, 9000.0)), _SRC_DUALEM),
        Instrument("DUALEM-21S", "DUALEM-21S (HCP 1/2 m, PRP 1.1/2.1 m, 9 kHz)",
                   (Coil("HCP", 1.0, 9000.0), Coil("PRP", 1.1, 9000.0),
                    Coil("HCP", 2.0, 9000.0), Coil("PRP", 2.1, 9000.0)), _SRC_DUALEM),
        Instrument("EM38-MK2", "Geonics EM38-MK2 (VCP/HCP 0.5 and 1 m, 14.5 kHz)",
                   _vcp_hcp((0.5, 1.0), 14500.0), _SRC_EM38),
        Instrument("EM31", "Geonics EM31-MK2 (VCP/HCP 3.66 m, 9.8 kHz)",
                   _vcp_hcp((3.66,), 9800.0), _SRC_EM31),
    )
}


def instrument(key: str) -> Instrument:
    """The preset named ``key`` (see INSTRUMENTS)."""
    try:
        return INSTRUMENTS[key]
    except KeyError:
        raise ValueError(f"Unknown instrument {key!r}: choose one of {', '.join(INSTRUMENTS)}.") from None
