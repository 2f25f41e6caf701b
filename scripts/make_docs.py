#!/usr/bin/env python
"""Write docs/algorithms.html — the help page the algorithms' Help buttons open — from the
algorithms themselves (display name, help text, parameters with labels, ids, types and defaults,
outputs), so that it cannot drift from the code. tests/test_hygiene.py fails when it is stale.

Usage: .venv/bin/python scripts/make_docs.py [output.html]
"""
import html
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = REPO / "docs" / "algorithms.html"


def _default(p) -> str:
    v = p.defaultValue()
    if v is None or v == "":
        return ""
    if p.type() == "enum":
        try:
            return p.options()[int(v)]
        except (TypeError, ValueError, IndexError):
            return str(v)
    return str(v)


def render(algorithms) -> str:
    e = html.escape
    toc, body = [], []
    for group in sorted({a.group() for a in algorithms}):
        items = [a for a in algorithms if a.group() == group]
        toc.append(f"<li>{e(group)}<ul>" + "".join(
            f"<li><a href='#{e(a.name())}'>{e(a.displayName())}</a> <code>{e(a.id())}</code></li>" for a in items)
            + "</ul></li>")
        for a in items:
            rows = "".join(
                f"<tr><td>{e(p.description())}</td><td><code>{e(p.name())}</code></td><td>{e(p.type())}</td>"
                f"<td>{e(_default(p))}</td><td>{'optional' if p.flags() & p.FlagOptional else ''}"
                f"{' advanced' if p.flags() & p.FlagAdvanced else ''}</td></tr>"
                for p in a.parameterDefinitions())
            outs = "".join(f"<tr><td>{e(o.description())}</td><td><code>{e(o.name())}</code></td>"
                           f"<td>{e(o.type())}</td></tr>" for o in a.outputDefinitions())
            help_text = a.shortHelpString() or e(a.shortDescription() or "")
            body.append(
                f"<h2 id='{e(a.name())}'>{e(a.displayName())}</h2><p><code>{e(a.id())}</code> — group "
                f"{e(a.group())}; search words: {e(', '.join(a.tags()))}</p><div class='help'>{help_text}</div>"
                "<h3>Parameters</h3><table><tr><th>label</th><th>id (qgis_process)</th><th>type</th>"
                f"<th>default</th><th></th></tr>{rows}</table>"
                f"<h3>Outputs</h3><table><tr><th>label</th><th>id</th><th>type</th></tr>{outs}</table>")
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>emiAI for QGIS — algorithms</title>"
            "<style>body{font-family:sans-serif;max-width:1000px;margin:auto} td,th{padding:2px 6px;"
            "vertical-align:top;text-align:left} th{background:#eee} table{border-collapse:collapse}"
            "h2{border-top:1px solid #ccc;padding-top:1em}</style></head><body>"
            "<h1>emiAI for QGIS — the Processing algorithms</h1>"
            "<p>Written by <code>scripts/make_docs.py</code> from the algorithms themselves. The user guide is "
            "<code>docs/user_guide.md</code>.</p><ul>" + "".join(toc) + "</ul>" + "".join(body)
            + "</body></html>\n")


def main() -> None:
    from emiai_qgis.native import ensure_native_libs

    ensure_native_libs(("h5py", "shapely", "pyproj"))
    from emiai_qgis.headless import start_processing

    _, provider = start_processing()
    algorithms = sorted(provider.algorithms(), key=lambda a: (a.group(), a.displayName()))
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(algorithms), encoding="utf-8")
    print(f"Wrote {out}: {len(algorithms)} algorithms")


if __name__ == "__main__":
    main()
