"""emiai_core.survey: reading GF Instruments / EMagPy survey files, NMEA parsing, Lo/Hi merging."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA, shared_data

from emiai_core.survey import (
    GF_PRESETS,
    gf_coils,
    is_nmea,
    merge_lo_hi,
    parse_nmea,
    read_survey,
)

EXAMPLES = SHARED_DATA / "emagpy_examples"
MINI_VCP = ["VCP0.32", "VCP0.71", "VCP1.18"]
MINI_HCP = ["HCP0.32", "HCP0.71", "HCP1.18"]


def example(rel: str) -> Path:
    return shared_data("emagpy_examples", rel)


def data_rows(path: Path) -> int:
    """Non-blank lines minus the header (wc -l miscounts files without a final newline)."""
    return sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()) - 1


def bng(lon, lat):
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)


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

BOTH_MINI = MINI_VCP + MINI_HCP
FILES = {  # file: (coords_kind, coils)
    "cover-crop/coverCrop.csv": ("projected", BOTH_MINI),
    "cover-crop/coverCropHi.dat": ("projected", MINI_HCP),
    "cover-crop/coverCropLo.dat": ("projected", MINI_VCP),
    "cover-crop/coverCropTransect.csv": ("projected", BOTH_MINI),
    "hollin-hill/dfm-expl.csv": ("projected", ["VCP1.48", "VCP2.82", "VCP4.49", "HCP1.48", "HCP2.82", "HCP4.49"]),
    "hollin-hill/expl-transect.csv": ("projected", ["VCP1.48", "VCP2.82", "VCP4.49", "HCP1.48", "HCP2.82", "HCP4.49"]),
    "potatoes/potatoesGrid.csv": ("projected", ["VCP0.32", "VCP0.72", "VCP1.18", "HCP0.32", "HCP0.72", "HCP1.18"]),
    "potatoes/potatoesHi.csv": ("geographic", ["HCP0.32", "HCP0.72", "HCP1.18"]),
    "potatoes/potatoesHi.dat": ("geographic", MINI_HCP),
    "potatoes/potatoesLo.csv": ("geographic", ["VCP0.32", "VCP0.72", "VCP1.18"]),
    "potatoes/potatoesLo.dat": ("geographic", MINI_VCP),
    "saprolite/mexpl-expl.csv": ("projected", BOTH_MINI),
    "saprolite/mexpl.csv": ("projected", BOTH_MINI),
    "saprolite/nwHi.dat": ("geographic", MINI_HCP),
    "saprolite/nwLo.dat": ("geographic", MINI_VCP),
    "saprolite/regolith.csv": ("geographic", BOTH_MINI),
    "trimpley/trimpHi.csv": ("geographic", ["HCP0.32", "HCP0.71", "HCP1.14"]),
    "trimpley/trimpHi.dat": ("geographic", MINI_HCP),
    "trimpley/trimpLo.csv": ("geographic", ["VCP0.32", "VCP0.71", "VCP1.14"]),
    "trimpley/trimpLo.dat": ("geographic", MINI_VCP),
}


def test_file_list_is_complete():
    if not EXAMPLES.exists():
        pytest.skip("shared data not available")
    on_disk = {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*") if p.suffix in (".dat", ".csv")}
    assert on_disk == set(FILES)


@pytest.mark.parametrize("rel", sorted(FILES))
def test_every_example_reads(rel):
    path = example(rel)
    kind, coils = FILES[rel]
    table = read_survey(path, "CMD-MiniExplorer", "HCP" if "Hi" in rel else "VCP")
    assert table.n_rows_read == data_rows(path)
    assert table.n_rows_skipped == 0 and table.n_points == table.n_rows_read
    assert table.coords_kind == kind
    assert table.coils == coils
    assert not any(k.startswith("Inv.") for k in table.eca)
    for name in (table.x, table.y, *table.eca.values(), *table.inphase.values()):
        assert name.dtype == np.float64 and len(name) == table.n_points
    assert np.isfinite(table.x).all() and np.isfinite(table.y).all()
    if kind == "geographic":  # all these surveys are in Britain
        assert (49 < table.y).all() and (table.y < 56).all() and (-6 < table.x).all() and (table.x < 2).all()


def test_trimpley_lo_values():
    t = read_survey(example("trimpley/trimpLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.eca["VCP0.32"][0] == pytest.approx(3.46)
    assert t.eca["VCP0.71"][0] == pytest.approx(5.39) and t.eca["VCP1.18"][0] == pytest.approx(7.11)
    assert t.inphase["VCP0.32"][0] == pytest.approx(2.18) and t.inphase["VCP1.18"][0] == pytest.approx(4.29)
    assert t.y[0] == pytest.approx(52.407691666666, abs=1e-11)  # 52 + 24.461500/60
    assert t.x[0] == pytest.approx(-(2 + 20.673328 / 60), abs=1e-11)
    assert t.extra["Time"][0] == "10:30:26.15" and t.extra["Altitude"][0] == pytest.approx(30.65)
    assert t.extra["Inv.Cond.1[mS/m]"][0] == pytest.approx(0.71)  # GF inversion kept, not an ECa
    assert "Note" not in t.extra  # empty column dropped
    assert t.coil_strings == {"VCP0.32": "VCP0.32f30000h0", "VCP0.71": "VCP0.71f30000h0",
                              "VCP1.18": "VCP1.18f30000h0"}
    # last row (no final newline): 5224.461684N 00220.673378W 30.82 11:00:39.87 3.68 1.77 6.09 2.08 7.28
    assert t.eca["VCP1.18"][-1] == pytest.approx(7.28) and t.extra["Time"][-1] == "11:00:39.87"


def test_coil_string_forms_give_the_same_table():
    path = example("trimpley/trimpLo.dat")
    a = read_survey(path, "CMD-MiniExplorer", "VCP", height=0.1)
    b = read_survey(path, ["VCP0.32", "VCP0.71", "VCP1.18"], height=0.1)
    c = read_survey(path, [0.32, 0.71, 1.18], orientation="VCP", height=0.1)
    assert a.coils == b.coils == c.coils == MINI_VCP
    assert a.coil_strings["VCP0.71"] == "VCP0.71f30000h0.1"
    np.testing.assert_array_equal(a.eca["VCP0.71"], c.eca["VCP0.71"])


def test_potatoes_negative_reading_is_kept():
    t = read_survey(example("potatoes/potatoesLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.eca["VCP0.32"][1] == pytest.approx(-0.06)
    assert t.n_points == 3792


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
    src = example("trimpley/trimpLo.dat").read_text().splitlines()
    path = tmp_path / "big.dat"
    path.write_text("\n".join([src[0]] + src[1:] * 56) + "\n")
    t = read_survey(path, "CMD-MiniExplorer", "VCP")
    one = read_survey(example("trimpley/trimpLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.n_points == 1816 * 56 > 100_000
    np.testing.assert_array_equal(t.eca["VCP0.71"], np.tile(one.eca["VCP0.71"], 56))
    np.testing.assert_array_equal(t.y, np.tile(one.y, 56))


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

@pytest.mark.parametrize("site, matched", [("trimpley/trimp", 1674), ("potatoes/potatoes", 2262)])
def test_merge_lo_hi_by_position(site, matched):
    lo = read_survey(example(site + "Lo.dat"), "CMD-MiniExplorer", "VCP")
    hi = read_survey(example(site + "Hi.dat"), "CMD-MiniExplorer", "HCP")
    m = merge_lo_hi(lo, hi, max_distance_m=2.0)
    assert m.coils == MINI_VCP + MINI_HCP and m.n_points == lo.n_points
    assert m.merge["matched"] == matched and m.merge["unmatched"] == lo.n_points - matched
    ok = ~np.isnan(m.eca["HCP0.32"])
    assert ok.sum() == matched and np.isnan(m.eca["HCP1.18"][~ok]).all()
    np.testing.assert_array_equal(m.eca["VCP0.32"], lo.eca["VCP0.32"])
    # independent check in British National Grid metres
    lx, ly = bng(lo.x, lo.y)
    hx, hy = bng(hi.x, hi.y)
    d = np.hypot(lx[:, None] - hx[None, :], ly[:, None] - hy[None, :])
    dmin = d.min(axis=1)
    np.testing.assert_allclose(m.extra["merge_distance_m"][ok], dmin[ok], atol=0.01)
    assert abs(int((dmin <= 2.0).sum()) - matched) <= 5  # equirectangular vs BNG scale at the 2 m edge
    # a chosen point whose nearest Hi row is unambiguous gets exactly that row's HCP values
    second = np.sort(d, axis=1)[:, 1]
    i = int(np.flatnonzero(ok & (second - dmin > 0.1))[10])
    j = int(d[i].argmin())
    for coil in MINI_HCP:
        assert m.eca[coil][i] == hi.eca[coil][j]
        assert m.inphase[coil][i] == hi.inphase[coil][j]
    assert m.extra["Time_hi"][i] == hi.extra["Time"][j]


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
    pytest.importorskip("emagpy")
    import matplotlib

    matplotlib.use("Agg")
    from emagpy import Problem

    path = example("trimpley/trimpLo.dat")
    k = Problem()
    k.importGF(str(path))
    k.convertFromNMEA(targetProjection="EPSG:27700")
    ref = k.surveys[0].df
    t = read_survey(path, "CMD-MiniExplorer", "VCP")
    assert len(ref) == t.n_points
    np.testing.assert_allclose(t.y, ref["lat"].to_numpy(), atol=1e-10)
    x, y = bng(t.x, t.y)
    np.testing.assert_allclose(x, ref["x"].to_numpy(), atol=0.01)
    np.testing.assert_allclose(y, ref["y"].to_numpy(), atol=0.01)
    np.testing.assert_array_equal(t.eca["VCP1.18"], ref["VCP1.18"].to_numpy())
