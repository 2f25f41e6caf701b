"""emiai_core.survey: reading GF Instruments / EMagPy survey files, NMEA parsing, Lo/Hi merging.

The example surveys are the EMagPy 1.4.5 examples as cut by tests/data/make_fixtures.py: the small
files whole, the large ones to their first rows (trimpLo.dat 200, potatoesLo.dat 400, the other
large csv 100), each Hi.dat to the rows within 2.5 m of a kept Lo.dat row. The checks that
benchmarks/shared_checks/test_full_survey.py also runs on the whole files are in
tests/realdata_checks/survey.py."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, data_file
from realdata_checks import survey as checks
from realdata_checks.survey import BOTH_MINI, FILES, MINI_HCP, MINI_VCP

from emiai_core.survey import (
    GF_PRESETS,
    gf_coils,
    is_nmea,
    merge_lo_hi,
    parse_nmea,
    read_survey,
)

EXAMPLES = DATA / "emagpy_examples"


def example(rel: str) -> Path:
    return data_file("emagpy_examples", rel)


# --- NMEA --------------------------------------------------------------------------------------

def test_parse_nmea_hand_computed():
    got = parse_nmea(["5224.461500N", "00220.673328W", "3351.2400S", "15112.6000E", "0030.0000N"])
    expected = [52 + 24.4615 / 60, -(2 + 20.673328 / 60), -(33 + 51.24 / 60), 151 + 12.6 / 60, 0.5]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_parse_nmea_decimal_degrees_and_garbage():
    got = parse_nmea(["52.407691", "-2.344555", "52.41N", "2.5W", "5224,4615N", "", "abc", "5261.0N",
                      "-5224.46N", "nan"])
    np.testing.assert_allclose(got[:5], [52.407691, -2.344555, 52.41, -2.5, 52 + 24.4615 / 60], atol=1e-12)
    assert np.isnan(got[5:]).all()  # empty, text, 61 minutes, sign + hemisphere, nan
    np.testing.assert_array_equal(parse_nmea(np.array([52.1, -2.3])), [52.1, -2.3])
    assert np.isnan(parse_nmea(np.array([200.0]))[0])


def test_is_nmea():
    assert is_nmea("5224.461500N") and is_nmea("00220.673328W") and is_nmea(" 3351.24 S")
    assert not is_nmea("52.407691") and not is_nmea("52.41N") and not is_nmea("x")


# --- presets -----------------------------------------------------------------------------------

def test_gf_presets_match_emagpy_source():
    assert GF_PRESETS == {
        "CMD-MiniExplorer": (0.32, 0.71, 1.18),
        "CMD-Explorer": (1.48, 2.82, 4.49),
        "CMD-MiniExplorer-6L": (0.2, 0.33, 0.5, 0.72, 1.03, 1.5),
    }
    spec = importlib.util.find_spec("emagpy")
    if spec is None:
        pytest.skip("emagpy not installed")
    src = (Path(spec.origin).parent / "Survey.py").read_text()
    block = src[src.index("'CMD Mini-Explorer 6L'"):]
    csep = re.search(r"csep = \[([^\]]*)\]", block).group(1)
    assert tuple(float(v) for v in csep.split(",")) == GF_PRESETS["CMD-MiniExplorer-6L"]
    assert gf_coils("CMD-Explorer", "HCP", 1) == ["HCP1.48f10000h1", "HCP2.82f10000h1", "HCP4.49f10000h1"]
    assert gf_coils("CMD-MiniExplorer", "vcp") == ["VCP0.32f30000h0", "VCP0.71f30000h0", "VCP1.18f30000h0"]


# --- every example file ------------------------------------------------------------------------

def test_file_list_is_complete():
    """Every example survey of EMagPy 1.4.5 has a fixture (the same names as in ../shared)."""
    checks.file_list_is_complete(EXAMPLES)


@pytest.mark.parametrize("rel", sorted(FILES))
def test_every_example_reads(rel):
    checks.every_example_reads(example, rel)


def test_trimpley_lo_values():
    t = checks.trimpley_lo_first_row(example, n_points=200)  # the fixture keeps the first 200 data rows
    # last row of the fixture (no final newline, like the whole file), an odd reading kept as it is:
    # 5224.473118N 00220.691057W 30.71 10:33:45.06 111.44 31.91 -93.22 -166.99 -117.67 -288.18 ...
    assert t.eca["VCP1.18"][-1] == pytest.approx(-117.67) and t.extra["Time"][-1] == "10:33:45.06"
    assert t.eca["VCP0.71"][-1] == pytest.approx(-93.22) and t.inphase["VCP0.32"][-1] == pytest.approx(31.91)
    assert t.y[-1] == pytest.approx(52 + 24.473118 / 60, abs=1e-11)


def test_coil_string_forms_give_the_same_table():
    path = example("trimpley/trimpLo.dat")
    a = read_survey(path, "CMD-MiniExplorer", "VCP", height=0.1)
    b = read_survey(path, ["VCP0.32", "VCP0.71", "VCP1.18"], height=0.1)
    c = read_survey(path, [0.32, 0.71, 1.18], orientation="VCP", height=0.1)
    assert a.coils == b.coils == c.coils == MINI_VCP
    assert a.coil_strings["VCP0.71"] == "VCP0.71f30000h0.1"
    np.testing.assert_array_equal(a.eca["VCP0.71"], c.eca["VCP0.71"])


def test_potatoes_negative_reading_is_kept():
    checks.potatoes_negative_reading_is_kept(example, n_points=400)  # the fixture's rows (3792 in the whole file)


def test_saprolite_cond1_dot_variant_and_errors():
    t = read_survey(example("saprolite/nwLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.eca["VCP0.32"][0] == pytest.approx(6.40) and t.eca["VCP1.18"][0] == pytest.approx(7.02)
    assert t.extra["VCP0.32_err"][0] == pytest.approx(0.1)  # Error1[%] renamed after its coil
    assert t.extra["Inv.Thick [m]"][0] == pytest.approx(0.8)
    assert t.y[0] == pytest.approx(50 + 46.155754 / 60, abs=1e-11)
    assert t.x[0] == pytest.approx(-(3 + 53.931453 / 60), abs=1e-11)
    assert t.extra["Note"][list(t.extra["Note"]).index("d")] == "d"  # the one note kept as text


def test_coil_named_csv_details():
    t = read_survey(example("hollin-hill/dfm-expl.csv"))
    assert t.coil_strings["HCP4.49"] == "HCP4.49f10000h1"
    assert t.eca["VCP1.48"][0] == pytest.approx(36.1359270337571)
    assert (t.x[0], t.y[0]) == pytest.approx((468095.918367347, 468750.0))
    cover = read_survey(example("cover-crop/coverCrop.csv"))  # UTF-8 BOM before 'x'
    assert np.isnan(cover.eca["VCP0.32"][-1]) and cover.eca["VCP0.71"][-1] == pytest.approx(18.02)
    assert np.isnan(cover.extra["elevation"][-1])
    junk = read_survey(example("saprolite/mexpl-expl.csv"))
    assert set(junk.extra) == {"BoreholeID", "saproliteDepth", *(c + "_err" for c in BOTH_MINI)}
    assert any("X, Y, HCP, Cond2Hi" in n for n in junk.notes)
    assert junk.x[0] == pytest.approx(266199.646335594)  # lower-case x, not the junk 'X'


def test_semicolon_comma_decimal_file(tmp_path):
    path = tmp_path / "euro.csv"
    path.write_text(
        "Latitude;Longitude;Time;Cond.1[mS/m];Inph.1[ppt];Cond.2[mS/m];Inph.2[ppt];Cond.3[mS/m];Inph.3[ppt]\n"
        "5224,461500N;00220,673328W;10:30:26,15;3,46;2,18;5,39;2,28;7,11;4,29\n"
        "5224,461460N;00220,673331W;10:30:27,20;-0,5;2,17;x;2,28;7,32;4,34\n"
        "garbage;00220,673331W;10:30:28,20;3,6;2,17;5,5;2,28;7,32;4,34\n", encoding="utf-8")
    t = read_survey(path, "CMD-MiniExplorer", "HCP")
    assert t.coils == MINI_HCP and t.n_rows_read == 3 and t.n_points == 2
    assert t.skipped_reasons == {"unparseable coordinate": 1}
    np.testing.assert_allclose(t.eca["HCP0.32"], [3.46, -0.5])
    assert t.y[0] == pytest.approx(52 + 24.4615 / 60, abs=1e-11)
    assert np.isnan(t.eca["HCP0.71"][1]) and any("non-numeric" in n for n in t.notes)
    assert t.extra["Time"][1] == "10:30:27,20"
    mixed = tmp_path / "mixed.txt"  # times keep '.', numbers use ','; a cp1252 'µ' in a note
    mixed.write_bytes("x;y;Time;HCP0.71;Note\n".encode() + b"1,5;2,5;10:00:01.50;12,25;ok\n" * 30
                      + b"1,5;3,5;10:00:02.50;12,5;50 \xb5S\n")
    mt = read_survey(mixed)
    assert mt.n_points == 31 and mt.eca["HCP0.71"][-1] == 12.5 and mt.y[-1] == 3.5
    assert mt.extra["Time"][0] == "10:00:01.50" and mt.extra["Note"][-1].startswith("50 ")
    proj = tmp_path / "proj.txt"
    proj.write_text("X;Y;VCP0.5f9000h0.3\n12,5;100,25;20,5\n13,5;;21\n")
    p = read_survey(proj)
    assert p.coords_kind == "projected" and p.coil_strings == {"VCP0.5": "VCP0.5f9000h0.3"}
    assert (p.x[0], p.y[0], p.eca["VCP0.5"][0]) == (12.5, 100.25, 20.5)
    assert p.skipped_reasons == {"missing coordinate": 1}


def test_large_file_100k_rows(tmp_path):
    """A 100k-row export reads completely and row for row (speed is not asserted here)."""
    checks.large_file_100k_rows(example, tmp_path, n_rows=200, copies=501)


# --- errors ------------------------------------------------------------------------------------

def test_errors_are_actionable(tmp_path):
    (tmp_path / "empty.dat").write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_survey(tmp_path / "empty.dat")
    (tmp_path / "header.csv").write_text("x,y,VCP0.32\n")
    with pytest.raises(ValueError, match="no data rows"):
        read_survey(tmp_path / "header.csv")
    (tmp_path / "nocoord.csv").write_text("a,b,VCP0.32\n1,2,3\n")
    with pytest.raises(ValueError, match=r"no coordinate columns.*a, b, VCP0\.32"):
        read_survey(tmp_path / "nocoord.csv")
    (tmp_path / "noeca.csv").write_text("x,y,Inv.Cond.1[mS/m],HCP\n1,2,3,4\n")
    with pytest.raises(ValueError, match=r"no ECa columns.*Inv\.Cond\.1\[mS/m\], HCP"):
        read_survey(tmp_path / "noeca.csv")
    with pytest.raises(FileNotFoundError):
        read_survey(tmp_path / "missing.dat")
    with pytest.raises(ValueError, match="Unknown instrument 'CMD-Mini'.*CMD-MiniExplorer"):
        read_survey(example("trimpley/trimpLo.dat"), "CMD-Mini", "VCP")


def test_wrong_coil_count_names_file_columns_and_coils():
    path = example("trimpley/trimpLo.dat")
    with pytest.raises(ValueError) as err:
        read_survey(path, "CMD-MiniExplorer-6L", "VCP")
    msg = str(err.value)
    assert "trimpLo.dat" in msg and "Cond.1[mS/m], Cond.2[mS/m], Cond.3[mS/m]" in msg
    assert "VCP0.2, VCP0.33, VCP0.5, VCP0.72, VCP1.03, VCP1.5" in msg
    with pytest.raises(ValueError, match="none given"):
        read_survey(path)  # GF channels without an instrument


# --- merging Lo and Hi ---------------------------------------------------------------------------

# matched: the Lo rows of the fixture with a Hi reading within 2 m, counted in British National Grid
# metres with pyproj (make_fixtures.py prints them): 183 of the 200 trimpley rows, 256 of the 400
# potatoes rows. Every Hi row within 2.5 m of a kept Lo row is kept, so the same Lo rows are matched
# as in the whole files, at the same distances (potatoes records most positions twice: between two
# Hi rows at the same place the partner chosen may differ).
@pytest.mark.parametrize("site, n_lo, matched", [("trimpley/trimp", 200, 183), ("potatoes/potatoes", 400, 256)])
def test_merge_lo_hi_by_position(site, n_lo, matched):
    # potatoes: most Hi positions are recorded twice, 4 Lo rows here have one unambiguous nearest Hi row
    checks.merge_lo_hi_by_position(example, site, n_lo, matched, min_unambiguous=4)


def test_merge_lo_hi_by_time_and_errors():
    def table(times, coil, value):
        from emiai_core.survey import SurveyTable

        n = len(times)
        return SurveyTable(x=np.arange(n, dtype=float), y=np.zeros(n), coords_kind="projected",
                           eca={coil: np.full(n, value) + np.arange(n)}, inphase={},
                           extra={"Time": np.array(times)}, source=coil, n_rows_read=n, n_rows_skipped=0)

    lo = table(["10:00:00.0", "10:00:01.0", "10:00:05.0", "bad"], "VCP0.32", 1.0)
    hi = table(["10:00:01.3", "09:59:59.9", "10:00:09.0"], "HCP0.32", 10.0)
    m = merge_lo_hi(lo, hi, by="time", max_time_s=0.5)
    np.testing.assert_allclose(m.eca["HCP0.32"][:2], [11.0, 10.0])  # nearest in time: rows 1, 0
    assert np.isnan(m.eca["HCP0.32"][2:]).all()  # 4 s away; unreadable time
    np.testing.assert_allclose(m.extra["merge_dt_s"][:2], [0.1, 0.3], atol=1e-9)
    assert m.merge == {"by": "time", "tolerance": 0.5, "matched": 2, "unmatched": 2, "hi_unused": 1}
    with pytest.raises(ValueError, match="one file per mode"):
        merge_lo_hi(lo, lo)
    with pytest.raises(ValueError, match="'position' or 'time'"):
        merge_lo_hi(lo, hi, by="space")


# --- agreement with EMagPy ---------------------------------------------------------------------

def test_coordinates_match_emagpy_importgf():
    checks.coordinates_match_emagpy_importgf(example, n_points=200)
