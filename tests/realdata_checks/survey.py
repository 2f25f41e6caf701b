"""emiai_core.survey on the EMagPy 1.4.5 example surveys: tests/test_survey.py runs these checks on
the fixtures (the small files whole, the large ones cut to their first rows), and
benchmarks/shared_checks/test_full_survey.py on the whole files.

``example(rel)`` is the path of an example survey, ``rel`` relative to the ``emagpy_examples`` folder."""
from pathlib import Path

import numpy as np
import pytest

from emiai_core.survey import merge_lo_hi, read_survey

MINI_VCP = ["VCP0.32", "VCP0.71", "VCP1.18"]
MINI_HCP = ["HCP0.32", "HCP0.71", "HCP1.18"]
BOTH_MINI = MINI_VCP + MINI_HCP
FILES = {  # every example survey of EMagPy 1.4.5 (the same names in the fixtures): (coords_kind, coils)
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


def data_rows(path: Path) -> int:
    """Non-blank lines minus the header (wc -l miscounts files without a final newline)."""
    return sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()) - 1


def bng(lon, lat):
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)


def file_list_is_complete(examples: Path):
    on_disk = {str(p.relative_to(examples)) for p in examples.rglob("*") if p.suffix in (".dat", ".csv")}
    assert on_disk == set(FILES)


def every_example_reads(example, rel):
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


def trimpley_lo_first_row(example, n_points):
    """trimpLo.dat read as Mini-Explorer VCP: the row count and the first row (the same in the
    fixture and the whole file); returns the table for the checks of its last row."""
    t = read_survey(example("trimpley/trimpLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.n_points == n_points
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
    return t


def potatoes_negative_reading_is_kept(example, n_points):
    t = read_survey(example("potatoes/potatoesLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.eca["VCP0.32"][1] == pytest.approx(-0.06)
    assert t.eca["VCP0.32"][0] == 0.0  # a zero reading, kept too
    assert t.n_points == n_points


def large_file_100k_rows(example, tmp_path, n_rows, copies):
    """A 100k-row export (``copies`` times the ``n_rows`` data rows of trimpLo.dat) reads completely
    and row for row (speed is not asserted here)."""
    src = example("trimpley/trimpLo.dat").read_text().splitlines()
    path = tmp_path / "big.dat"
    assert 100_000 // (len(src) - 1) + 1 == copies  # the fewest copies that make 100k rows
    path.write_text("\n".join([src[0]] + src[1:] * copies) + "\n")
    t = read_survey(path, "CMD-MiniExplorer", "VCP")
    one = read_survey(example("trimpley/trimpLo.dat"), "CMD-MiniExplorer", "VCP")
    assert t.n_points == n_rows * copies > 100_000
    np.testing.assert_array_equal(t.eca["VCP0.71"], np.tile(one.eca["VCP0.71"], copies))
    np.testing.assert_array_equal(t.y, np.tile(one.y, copies))


def merge_lo_hi_by_position(example, site, n_lo, matched, min_unambiguous):
    """``site``Lo.dat merged with ``site``Hi.dat within 2 m: ``matched`` of the ``n_lo`` Lo rows have a
    Hi row that near, and at least ``min_unambiguous`` of them one unambiguous nearest Hi row."""
    lo = read_survey(example(site + "Lo.dat"), "CMD-MiniExplorer", "VCP")
    hi = read_survey(example(site + "Hi.dat"), "CMD-MiniExplorer", "HCP")
    m = merge_lo_hi(lo, hi, max_distance_m=2.0)
    assert m.coils == MINI_VCP + MINI_HCP and m.n_points == lo.n_points == n_lo
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
    # every point whose nearest Hi row is unambiguous (next one > 0.1 m farther) gets exactly that
    # row's values (potatoes: most Hi positions are recorded twice, so there are few such points)
    second = np.sort(d, axis=1)[:, 1]
    chosen = np.flatnonzero(ok & (second - dmin > 0.1))
    assert len(chosen) >= min_unambiguous
    j = d[chosen].argmin(axis=1)
    for coil in MINI_HCP:
        np.testing.assert_array_equal(m.eca[coil][chosen], hi.eca[coil][j])
        np.testing.assert_array_equal(m.inphase[coil][chosen], hi.inphase[coil][j])
    np.testing.assert_array_equal(m.extra["Time_hi"][chosen], hi.extra["Time"][j])


def coordinates_match_emagpy_importgf(example, n_points):
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
    assert len(ref) == t.n_points == n_points
    np.testing.assert_allclose(t.y, ref["lat"].to_numpy(), atol=1e-10)
    x, y = bng(t.x, t.y)
    np.testing.assert_allclose(x, ref["x"].to_numpy(), atol=0.01)
    np.testing.assert_allclose(y, ref["y"].to_numpy(), atol=0.01)
    np.testing.assert_array_equal(t.eca["VCP1.18"], ref["VCP1.18"].to_numpy())
