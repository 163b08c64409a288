"""The engine knows nothing of the screen; the TUI knows only the engine's front door."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_TUI = {
    "mpv",
    "sqlalchemy",
    "internetarchive",
    "mutagen",
    "sklearn",
    "httpx",
    "aiofiles",
    "alembic",
}


def imported_modules(package: Path) -> list[tuple[Path, int, str]]:
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found += [(path, node.lineno, node.module)]
                found += [
                    (path, node.lineno, f"{node.module}.{a.name}")
                    for a in node.names
                    if node.module == "engine"
                ]
    return found


def test_importing_engine_loads_no_textual_or_rich() -> None:
    code = "import sys, engine, engine.facade; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual','rich')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_engine_source_never_imports_textual_or_rich() -> None:
    bad = [
        (p, n, m)
        for p, n, m in imported_modules(ROOT / "engine")
        if m.split(".")[0] in ("textual", "rich", "tui")
    ]
    assert not bad, bad


def test_tui_imports_only_the_engine_root() -> None:
    problems = []
    for path, line, module in imported_modules(ROOT / "tui"):
        top = module.split(".")[0]
        if top == "engine" and module != "engine" and not _is_engine_root_name(module):
            problems.append(f"{path.name}:{line} imports {module}")
        if top in FORBIDDEN_IN_TUI:
            problems.append(f"{path.name}:{line} imports {module}")
    assert not problems, problems


def _is_engine_root_name(module: str) -> bool:
    """``from engine import X`` shows up as ``engine.X``: fine when X is exported by the root."""
    import engine

    name = module.split(".", 1)[1]
    return "." not in name and name in engine.__all__


def test_checker_catches_a_deep_import(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from engine.library import schema\nimport httpx\n")
    modules = [m for _, _, m in imported_modules(tmp_path)]
    assert "engine.library" in modules and "httpx" in modules


def test_every_public_name_of_the_engine_resolves() -> None:
    """The engine root imports its names on first use; each one listed must be there."""
    import engine

    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    assert set(engine._EXPORTS) == set(engine.__all__) - {"__version__"}


def test_the_app_module_loads_without_the_engine_libraries() -> None:
    """The first screen is drawn before the database, HTTP and audio libraries load."""
    import subprocess
    import sys

    script = (
        "import sys, tui.cli, tui.app\n"
        "heavy = ('sqlalchemy', 'httpx', 'mutagen', 'alembic', 'engine.facade', 'engine.models')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
