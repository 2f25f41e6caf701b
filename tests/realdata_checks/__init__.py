"""Checks on the real data, written once and run twice: by tests/ on the compact fixtures in
tests/data, and by benchmarks/shared_checks on the whole data in ../shared/data.

Each check takes where the data is (a ``data(*parts)`` path function, a folder or the loaded
arrays) and the numbers that depend on the data set; the test modules pass the fixture paths and
counts, the shared_checks modules the whole-data ones.

Importing the package registers its modules for pytest's assertion rewriting, so a failing check
shows the compared values as an assert in a test module does."""
import pkgutil

import pytest

pytest.register_assert_rewrite(*(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)))
