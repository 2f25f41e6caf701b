"""Plugin hygiene (issue #11 item 4): search words, short descriptions and help pages, QGIS-style
labels (no parameter ids, no HTML-swallowed text), the help page in step with the algorithms,
truthful metadata, and summarised generator notes."""
import configparser
import re

from conftest import REPO


def _algorithms(provider):
    return [a for a in provider.algorithms() if a.id().startswith("emiai:")]


def test_toolbox_search_words_and_help(emiai_provider):
    for alg in _algorithms(emiai_provider):
        if alg.group() == "Workflows":
            continue
        tags = [t.lower() for t in alg.tags()]
        assert {"conductivity", "emi"} <= set(tags), alg.id()
        short = alg.shortDescription()
        assert 20 < len(short) < 400 and "<" not in short.replace("<top>", "").replace("<bottom>", "").replace(
            "<coil>", ""), (alg.id(), short)
        url = alg.helpUrl()
        assert url.startswith("file://") and url.endswith("#" + alg.name()), (alg.id(), url)


def test_labels_are_labels(emiai_provider):
    """No parameter id as a label prefix ('NMODELS: …'), no '<P>' that the dialog swallows as HTML,
    distances as distance parameters."""
    for alg in _algorithms(emiai_provider):
        for p in alg.parameterDefinitions():
            label = p.description()
            assert not re.match(r"^[A-Z][A-Z0-9_]{3,}[: ]", label), (alg.id(), label)
            assert not re.search(r"<[A-Za-z]>", label), (alg.id(), label)
            if re.search(r"(?i)\b(distance|cell size|column width)\b(?! power)", label) and p.type() == "number":
                raise AssertionError(f"{alg.id()} {p.name()}: '{label}' should be a distance parameter")


def test_help_page_lists_every_algorithm_and_parameter(emiai_provider):
    page = (REPO / "docs" / "algorithms.html").read_text(encoding="utf-8")
    for alg in _algorithms(emiai_provider):
        assert f"id='{alg.name()}'" in page, f"{alg.id()} missing: run scripts/make_docs.py"
        for p in alg.parameterDefinitions():
            assert f"<code>{p.name()}</code>" in page, f"{alg.id()} {p.name()} missing: run scripts/make_docs.py"


def test_metadata_is_truthful():
    meta = configparser.ConfigParser()
    meta.read(REPO / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    assert "example.org" not in (REPO / "metadata.txt").read_text()
    assert general["hasProcessingProvider"] == "yes"
    changelog = general["changelog"]
    for alg_id in ("filtersurvey", "calibrateeca", "ecsection", "trainnetwork", "DOI_M"):
        assert alg_id in changelog, alg_id
    assert "embedded" in general["about"] and "Austrian" in general["about"]


def test_generator_notes_are_summarised():
    from emiai_qgis.algorithms.generate_training_models import summarise_notes

    notes = [f"B2_1: box at {x:.2f} m: 2 empty layer(s) filled by interpolation" for x in (1, 2, 3, 4, 5, 6)]
    notes += ["B2_1: box at 7.00 m: 1 mean value(s) outside BOUNDS clipped into [0.01, 1000] Ω·m", "other note"]
    assert summarise_notes(notes) == [
        "B2_1: 2 empty layer(s) filled by interpolation — 6 boxes (at 1.00, 2.00, 3.00, 4.00, … m)",
        "B2_1: box at 7.00 m: 1 mean value(s) outside BOUNDS clipped into [0.01, 1000] Ω·m",
        "other note"]
