"""The import rule of the layout (README "Layout"): floors import only downward.

    parallax/cli/   top floor: may import anything
    flows/          wiring: the stages and the ground floor
    tasks/<stage>   one stage: the ground floor and its own package, never another stage
    parallax/       ground floor: only itself

Every import statement counts, also the ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OWN_PACKAGES = ("parallax", "tasks", "flows")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Our own modules that ``path`` imports (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in OWN_PACKAGES}


def floor(module: str) -> str:
    """'cli', 'flows', 'stage:<name>' or 'ground'."""
    parts = module.split(".")
    if parts[0] == "parallax":
        return "cli" if parts[1:2] == ["cli"] else "ground"
    if parts[0] == "flows":
        return "flows"
    return f"stage:{parts[1]}" if len(parts) > 1 else "tasks"


def violation(importer: str, imported: str) -> str | None:
    source, target = floor(importer), floor(imported)
    if source == "cli" or target == "tasks":  # `tasks` itself is an empty package
        return None
    if source == "flows":
        return "flows import the CLI" if target == "cli" else None
    if source.startswith("stage:"):
        if target in ("cli", "flows"):
            return f"a stage imports the {target} floor"
        if target.startswith("stage:") and target != source:
            return f"stage {source[6:]} imports stage {target[6:]}"
        return None
    if target != "ground":
        return f"the ground floor imports the {target} floor"
    return None


def code_files() -> list[Path]:
    return sorted(p for pkg in OWN_PACKAGES for p in (REPO / pkg).rglob("*.py"))


def test_every_module_imports_only_downward() -> None:
    problems = [
        f"{module_name(path)} imports {imported}: {why}"
        for path in code_files()
        for imported in sorted(imported_modules(path))
        if (why := violation(module_name(path), imported))
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("tasks.select", "tasks.dedupe", "stage select imports stage dedupe"),
        ("tasks.dedupe.copies", "tasks.dedupe.simjoin", None),
        ("parallax.storage", "tasks.fetch", "the ground floor imports the stage:fetch floor"),
        ("parallax.settings", "parallax.cli.common", "the ground floor imports the cli floor"),
        ("flows.daily", "parallax.cli.runtime", "flows import the CLI"),
        ("parallax.cli.app", "flows.daily", None),
        ("tasks.publish", "flows.report", "a stage imports the flows floor"),
    ],
)
def test_the_rule_itself(importer: str, imported: str, expected: str | None) -> None:
    assert violation(importer, imported) == expected


def test_no_code_module_is_over_400_lines() -> None:
    long = {
        module_name(p): n
        for p in code_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
