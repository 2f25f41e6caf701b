"""emiai_core.survey on the whole EMagPy 1.4.5 example surveys: the checks of
tests/realdata_checks/survey.py (tests/test_survey.py runs them on the fixtures)."""
from pathlib import Path

import pytest
from realdata_checks import survey as checks
from realdata_checks.survey import FILES
from shared_paths import SHARED, shared

ROWS = {"trimpley/trimpLo.dat": 1816, "potatoes/potatoesLo.dat": 3792}  # data rows of the whole files


def example(rel: str) -> Path:
    return shared("emagpy_examples", rel)


def test_file_list_is_complete():
    checks.file_list_is_complete(SHARED / "emagpy_examples")


@pytest.mark.parametrize("rel", sorted(FILES))
def test_every_example_reads(rel):
    checks.every_example_reads(example, rel)


def test_trimpley_lo_values():
    t = checks.trimpley_lo_first_row(example, n_points=ROWS["trimpley/trimpLo.dat"])
    # last row (no final newline): 5224.461684N 00220.673378W 30.82 11:00:39.87 3.68 1.77 6.09 2.08 7.28
    assert t.eca["VCP1.18"][-1] == pytest.approx(7.28) and t.extra["Time"][-1] == "11:00:39.87"


def test_potatoes_negative_reading_is_kept():
    checks.potatoes_negative_reading_is_kept(example, n_points=ROWS["potatoes/potatoesLo.dat"])


def test_large_file_100k_rows(tmp_path):
    checks.large_file_100k_rows(example, tmp_path, n_rows=ROWS["trimpley/trimpLo.dat"], copies=56)


@pytest.mark.parametrize("site, matched", [("trimpley/trimp", 1674), ("potatoes/potatoes", 2262)])
def test_merge_lo_hi_by_position(site, matched):
    # every Lo row with one unambiguous nearest Hi row is checked; there are more than 10 (942 and 32)
    checks.merge_lo_hi_by_position(example, site, ROWS[site + "Lo.dat"], matched, min_unambiguous=11)


def test_coordinates_match_emagpy_importgf():
    checks.coordinates_match_emagpy_importgf(example, n_points=ROWS["trimpley/trimpLo.dat"])
