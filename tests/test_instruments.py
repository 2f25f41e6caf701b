"""Coil strings, instrument presets and the GF calibration (against EMagPy 1.4.5)."""
import contextlib
import io

import numpy as np
import pytest

from emiai_core.gf_calibration import GF_COEFFICIENTS, gf_factor, gf_key, gf_to_lin, gf_to_lin_table, lin_to_gf
from emiai_core.instruments import INSTRUMENTS, Coil, as_coils, instrument, parse_coil


def test_parse_emagpy_strings():
    c = parse_coil("VCP0.32f30000h0.1")
    assert (c.orientation, c.coil_spacing, c.frequency, c.height) == ("VCP", 0.32, 30000.0, 0.1)
    assert c.emagpy == "VCP0.32f30000h0.1" and c.name == "VCP0.32"
    assert parse_coil("hcp 0.71") == Coil("HCP", 0.71, 30000.0, 0.0)  # EMagPy defaults: 30 kHz, h = 0
    assert parse_coil("PRP1.1f9000") == Coil("PRP", 1.1, 9000.0, 0.0)
    assert parse_coil("HCP1.48f1e4h.5") == Coil("HCP", 1.48, 10000.0, 0.5)
    assert parse_coil("VCP0.32", frequency=10000, height=1) == Coil("VCP", 0.32, 10000.0, 1.0)
    for c in (Coil("PRP", 2.1, 9000.0, 0.25), Coil("HCP", 4.49, 10000.0, 1.0)):
        assert parse_coil(c.emagpy) == c
    assert as_coils(["VCP0.32", "HCP0.71f30000h0"], height=0.5)[1].height == 0.5
    # a preset key, an Instrument, one Coil or a comma-separated string are accepted too
    assert as_coils("CMD-Explorer", height=0.5) == instrument("CMD-Explorer").coils_at(0.5)
    assert as_coils(instrument("EM31")) == instrument("EM31").coils
    assert as_coils("VCP0.32, HCP1.18f10000") == (Coil("VCP", 0.32), Coil("HCP", 1.18, 10000.0))
    assert as_coils(Coil("PRP", 2.1, 9000.0)) == (Coil("PRP", 2.1, 9000.0),)


@pytest.mark.parametrize("text, match", [
    ("XCP0.32", "Unknown coil string 'XCP0.32'"),
    ("VCP", "Unknown coil string"),
    ("VCP0.32f30000h0.1x", "Unknown coil string"),
    ("VCP0.32h-0.2", "height must be .* >= 0 m, got -0.2"),
    ("VCP0.32f0", "Frequency must be .* > 0 Hz, got 0.0"),
    ("VCP0.32f-5h0", "Frequency must be .* > 0 Hz, got -5.0"),
    ("HCP0f30000", "Coil spacing must be .* > 0 m, got 0.0"),
])
def test_bad_coil_strings(text, match):
    with pytest.raises(ValueError, match=match):
        parse_coil(text)


def test_bad_coil_values():
    with pytest.raises(ValueError, match="orientation 'XYZ'"):
        Coil("XYZ", 1.0)
    with pytest.raises(ValueError, match="nan"):
        Coil("HCP", 1.0, float("nan"))
    with pytest.raises(ValueError, match="No coils"):
        as_coils([])
    with pytest.raises(ValueError, match="Unknown instrument 'EM99'"):
        instrument("EM99")


def test_presets_numbers_and_sources():
    spec = {
        "CMD-MiniExplorer": ({"VCP", "HCP"}, (0.32, 0.71, 1.18), 30000.0),
        "CMD-MiniExplorer-6L": ({"VCP", "HCP"}, (0.2, 0.33, 0.5, 0.72, 1.03, 1.5), 30000.0),
        "CMD-Explorer": ({"VCP", "HCP"}, (1.48, 2.82, 4.49), 10000.0),
        "DUALEM-1S": ({"HCP", "PRP"}, (1.0, 1.1), 9000.0),
        "DUALEM-2S": ({"HCP", "PRP"}, (2.0, 2.1), 9000.0),
        "DUALEM-21S": ({"HCP", "PRP"}, (1.0, 1.1, 2.0, 2.1), 9000.0),
        "EM38-MK2": ({"VCP", "HCP"}, (0.5, 1.0), 14500.0),
        "EM31": ({"VCP", "HCP"}, (3.66,), 9800.0),
    }
    assert set(INSTRUMENTS) == set(spec)
    for key, (orients, spacings, freq) in spec.items():
        inst = instrument(key)
        assert {c.orientation for c in inst.coils} == orients
        assert sorted({c.coil_spacing for c in inst.coils}) == sorted(spacings)
        assert all(c.frequency == freq and c.height == 0 for c in inst.coils)
        assert len(inst.source) > 40 and key.split("-")[0][:3].upper() in inst.source.upper()
        raised = inst.coils_at(0.4, orientations=("HCP",))
        assert raised and all(c.height == 0.4 and c.orientation == "HCP" for c in raised)
    # DUALEM: PRP pairs are 0.1 m longer than the HCP pairs
    d = instrument("DUALEM-21S").coils
    assert [(c.orientation, c.coil_spacing) for c in d] == [("HCP", 1.0), ("PRP", 1.1), ("HCP", 2.0), ("PRP", 2.1)]


def test_gf_presets_match_emagpy_importgf():
    """The GF spacings and frequencies are the ones EMagPy's Survey.importGF uses."""
    src = pytest.importorskip("emagpy.Survey").__file__
    text = "".join(open(src, encoding="utf-8").read().split())  # no whitespace
    for key, device in (("CMD-MiniExplorer", "CMDMini-Explorer"), ("CMD-Explorer", "CMDExplorer"),
                        ("CMD-MiniExplorer-6L", "CMDMini-Explorer6L")):
        inst = instrument(key)
        spacings = ",".join(f"{s:.2f}" for s in sorted({c.coil_spacing for c in inst.coils}))
        expected = f"device=='{device}':freq={int(inst.coils[0].frequency)}csep=[{spacings}]"
        assert expected in text, expected


@pytest.mark.parametrize("device, calib", [("CMD-MiniExplorer", "F-0m"), ("CMD-MiniExplorer-6L", "F-0m"),
                                           ("CMD-Explorer", "F-0m"), ("CMD-Explorer", "F-1m")])
def test_gf_correction_matches_emagpy(device, calib):
    pd = pytest.importorskip("pandas")
    survey_mod = pytest.importorskip("emagpy.Survey")
    coils = instrument(device).coils
    rng = np.random.default_rng(1)
    vals = rng.uniform(1, 100, (7, len(coils)))  # mS/m
    df = pd.DataFrame(vals, columns=[c.emagpy for c in coils])
    df["x"], df["y"] = np.arange(7.0), 0.0
    s = survey_mod.Survey()
    with contextlib.redirect_stdout(io.StringIO()):
        s.readDF(df)
        s.gfCorrection(calib)
    ref = s.df[[c.emagpy for c in coils]].to_numpy()
    np.testing.assert_allclose(gf_to_lin_table(vals, coils, calib), ref, rtol=1e-13)
    for k, c in enumerate(coils):
        np.testing.assert_allclose(lin_to_gf(gf_to_lin(vals[:, k], c, calib), c, calib), vals[:, k], rtol=1e-14)


def test_gf_calibration_limits():
    # factor of the MiniExplorer HCP 0.32 m coil: 4 / (k omega mu0 s^2) with k = 169.35849385
    assert gf_key("HCP0.32f30000") == "HCP0.32" and gf_key(Coil("VCP", 0.2)) == "VCP0.20"
    from scipy.constants import mu_0  # EMagPy's value: CODATA 2018 before scipy 1.15, 2022 from 1.15

    expected = 4 / (169.35849385 * 2 * np.pi * 30000 * mu_0 * 0.32**2)
    assert gf_factor("HCP0.32f30000h0", "F-0m") == pytest.approx(expected, rel=1e-15)
    assert len(GF_COEFFICIENTS["F-0m"]) == 24 and len(GF_COEFFICIENTS["F-1m"]) == 6
    with pytest.raises(ValueError, match="No GF F-1m calibration coefficient for coil VCP0.32"):
        gf_to_lin([10.0], "VCP0.32f30000", "F-1m")
    with pytest.raises(ValueError, match="No GF F-0m calibration coefficient for coil HCP1.00"):
        gf_to_lin([10.0], "HCP1f9000", "F-0m")
    with pytest.raises(ValueError, match="device frequency 30000 Hz, not 10000 Hz"):
        gf_to_lin([10.0], "VCP0.32f10000", "F-0m")
    with pytest.raises(ValueError, match="Unknown GF calibration 'F-2m'"):
        gf_factor("VCP0.32", "F-2m")
    with pytest.raises(ValueError, match="3 columns but 2 coils"):
        gf_to_lin_table(np.ones((2, 3)), ["VCP0.32", "VCP0.71"])
