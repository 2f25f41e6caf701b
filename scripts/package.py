#!/usr/bin/env python
"""Build dist/emiai.zip (or the path given) for QGIS "Install from ZIP": committed files (git archive)
plus the icons compiled from resources.qrc."""
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTENT = ["__init__.py", "metadata.txt", "LICENSE", "NOTICE", "README.md", "resources.qrc", "icons", "docs",
           "emiai_core", "emiai_qgis",
           ":(exclude)emiai_qgis/headless.py"]  # a standalone QGIS for tests and benchmarks, not the plugin


def main() -> None:
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO / "dist" / "emiai.zip"
    out.parent.mkdir(exist_ok=True)
    subprocess.run(["git", "archive", "--format=zip", "--prefix=emiai/", "-o", str(out), "HEAD", *CONTENT],
                   cwd=REPO, check=True)
    rc = REPO / "emiai_qgis" / "resources_rc.py"
    if not rc.exists():
        sys.exit("emiai_qgis/resources_rc.py is missing: run 'make resources' first.")
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        z.write(rc, "emiai/emiai_qgis/resources_rc.py")
        names = z.namelist()
    print(f"Built {out}: {len(names)} entries, plugin folder 'emiai/'")


if __name__ == "__main__":
    main()
