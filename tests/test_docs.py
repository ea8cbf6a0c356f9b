"""The README, docs/ and the code cite only files the repository has."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parent.parent
# Folders a citation may point into: the repository's own, and ones it might be expected to have.
_FOLDERS = "|".join(map(re.escape, ("app", "bench", "docs", "static", "tests", ".ci", "reference")))
_CITED = re.compile(rf"(?<![\w./-])((?:{_FOLDERS})/[\w./-]*[\w/])")
_LINKED = re.compile(r"\]\((?!https?:|#|<)([^)\s]+)\)")


def _documents() -> list[pathlib.Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _sources() -> list[pathlib.Path]:
    return [p for top in ("app", "bench") for p in sorted((ROOT / top).rglob("*.py"))]


def _generated(cited: set[str]) -> set[str]:
    """Paths under what .gitignore names (bench/results/, tests/artifacts/): made by runs."""
    ignored = [line.strip("/") for line in (ROOT / ".gitignore").read_text().splitlines()]
    return {c for c in cited if any(c.startswith(i + "/") for i in ignored if "/" in i)}


@pytest.mark.parametrize("path", _documents() + _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_file_exists(path: pathlib.Path) -> None:
    text = path.read_text()
    cited = set(_CITED.findall(text))
    if path.suffix == ".md":
        cited |= {link.split("#")[0] for link in _LINKED.findall(text)}
    missing = sorted(c for c in cited - _generated(cited) if not (ROOT / c.rstrip("/")).exists())
    assert missing == [], f"{path.relative_to(ROOT)} cites files the repository does not have"


def test_the_sfmc_notes_the_readme_cites_are_here() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "`docs/sfmc.md`" in readme
    notes = (ROOT / "docs" / "sfmc.md").read_text()
    for fact in ("x-sfmc-ens-signature", "verificationKey", "109105", "lastEventID", "4501"):
        assert fact in notes
