"""GF Instruments calibration: convert GF-calibrated ECa (F-0m / F-1m) to LIN ECa and back.

GF Instruments' CMD devices (CMD-MiniExplorer, -MiniExplorer 6L, -Explorer) do not report the
low-induction-number (LIN) apparent conductivity 4 Q / (omega mu0 s^2) of the measured quadrature
Q = Im(Hs/Hp): they map Q linearly to ECa with a factory calibration chosen on the device, "F-0m"
(instrument on the ground) or "F-1m" (instrument 1 m above it), so that the ECa of a homogeneous
ground reads close to its EC at that height. Physical forward models (CS, FSlin, FSeq) and
inversions need the LIN ECa. This is EMagPy's ``Survey.gfCorrection`` (EMagPy 1.4.5,
``emagpy/Survey.py``; "retro-engineered coefficients of the GF calibration"):

    Q [ppt]    = ECa_GF [mS/m] / k(coil, calib)           (k in mS/m per ppt, table below)
    ECa_LIN    = 4 (Q [ppt] * 1e-3) / (omega mu0 s^2)      (EMagPy ``Q2eca``)

so ECa_LIN = ECa_GF * 4 / (k omega mu0 s^2): one factor per coil, the same for any ECa unit.
``omega = 2 pi f`` with the device frequency (30 kHz MiniExplorer and 6L, 10 kHz Explorer) and
``mu0 = scipy.constants.mu_0`` H/m, as EMagPy (1.25663706212e-06 in scipy < 1.15 (CODATA 2018),
1.25663706127e-06 from scipy 1.15 (CODATA 2022)).

The calibration choice is independent of the height at which the data were taken (EMagPy: data
collected at 1 m may still use 'F-0m'); the height goes into the forward model's coils.
Coefficients are known for F-0m on all three GF devices and for F-1m on the CMD-Explorer only
(EMagPy has no others); other combinations raise ValueError.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.constants import mu_0 as MU_0  # H/m: the value EMagPy uses, whichever CODATA scipy has

from .instruments import Coil, parse_coil

CALIBRATIONS = ("F-0m", "F-1m")

# k (mS/m per ppt of quadrature) per coil, keyed like EMagPy: '<ORIENT><spacing:.2f>'.
# Copied from EMagPy 1.4.5 emagpy/Survey.py, Survey.gfCorrection.
GF_COEFFICIENTS = {
    "F-0m": {
        # CMD-Explorer (10 kHz)
        "HCP1.48": 24.87076856, "HCP2.82": 7.34836983, "HCP4.49": 3.18322873,
        "VCP1.48": 23.96851467, "VCP2.82": 6.82559412, "VCP4.49": 2.81033124,
        # CMD-MiniExplorer (30 kHz)
        "HCP0.32": 169.35849385, "HCP0.71": 35.57031603, "HCP1.18": 13.42529324,
        "VCP0.32": 167.10523718, "VCP0.71": 34.50404729, "VCP1.18": 12.744378,
        # CMD-MiniExplorer 6L (30 kHz)
        "HCP0.20": 515.4639175, "HCP0.33": 190.839695, "HCP0.50": 84.03361345,
        "HCP0.72": 41.32231405, "HCP1.03": 20.661157025, "HCP1.50": 10.1419878296,
        "VCP0.20": 515.46391753, "VCP0.33": 190.47619048, "VCP0.50": 83.33333333,
        "VCP0.72": 40.6504065, "VCP1.03": 20.08032129, "VCP1.50": 9.64320154,
    },
    "F-1m": {
        # CMD-Explorer (10 kHz) only
        "HCP1.48": 43.714823, "HCP2.82": 9.22334343, "HCP4.49": 3.51201955,
        "VCP1.48": 77.90907085, "VCP2.82": 14.02757873, "VCP4.49": 4.57001088,
    },
}

# Device frequency of each GF coil spacing (Hz): the coefficients belong to that frequency.
_GF_FREQUENCY = {0.32: 30000.0, 0.71: 30000.0, 1.18: 30000.0,
                 0.2: 30000.0, 0.33: 30000.0, 0.5: 30000.0, 0.72: 30000.0, 1.03: 30000.0, 1.5: 30000.0,
                 1.48: 10000.0, 2.82: 10000.0, 4.49: 10000.0}


def gf_key(coil) -> str:
    """EMagPy's coefficient key of a coil, e.g. 'VCP0.32'."""
    c = coil if isinstance(coil, Coil) else parse_coil(coil)
    return f"{c.orientation}{c.coil_spacing:.2f}"


def gf_factor(coil, calib: str = "F-0m") -> float:
    """ECa_LIN / ECa_GF for one coil and calibration: 4 / (k omega mu0 s^2)."""
    if calib not in CALIBRATIONS:
        raise ValueError(f"Unknown GF calibration {calib!r}: use one of {', '.join(CALIBRATIONS)}.")
    c = coil if isinstance(coil, Coil) else parse_coil(coil)
    key = gf_key(c)
    table = GF_COEFFICIENTS[calib]
    if key not in table:
        known = ", ".join(sorted(table))
        raise ValueError(f"No GF {calib} calibration coefficient for coil {key} ({c.emagpy}); known for: "
                         f"{known}. GF calibration applies to CMD-MiniExplorer (F-0m), "
                         "CMD-MiniExplorer 6L (F-0m) and CMD-Explorer (F-0m, F-1m) coils only.")
    f_dev = _GF_FREQUENCY[round(c.coil_spacing, 2)]
    if not math.isclose(c.frequency, f_dev, rel_tol=1e-9):
        raise ValueError(f"Coil {c.emagpy}: the GF coefficient for {key} belongs to the device frequency "
                         f"{f_dev:g} Hz, not {c.frequency:g} Hz.")
    return 4.0 / (table[key] * 2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2)


def gf_to_lin(eca, coil, calib: str = "F-0m"):
    """LIN ECa from GF-calibrated ECa of one coil (EMagPy ``gfCorrection``); any ECa unit, kept."""
    return np.asarray(eca, dtype=float) * gf_factor(coil, calib)


def lin_to_gf(eca, coil, calib: str = "F-0m"):
    """GF-calibrated ECa from LIN ECa of one coil (the inverse of :func:`gf_to_lin`)."""
    return np.asarray(eca, dtype=float) / gf_factor(coil, calib)


def gf_to_lin_table(eca, coils, calib: str = "F-0m"):
    """gf_to_lin for an (N, n_coils) table, column k measured with coils[k]."""
    eca = np.asarray(eca, dtype=float)
    fac = np.array([gf_factor(c, calib) for c in coils])
    if eca.shape[-1] != fac.size:
        raise ValueError(f"ECa table has {eca.shape[-1]} columns but {fac.size} coils were given.")
    return eca * fac


__all__ = ["CALIBRATIONS", "GF_COEFFICIENTS", "gf_factor", "gf_key", "gf_to_lin", "gf_to_lin_table",
           "lin_to_gf"]
