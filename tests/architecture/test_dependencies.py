"""Dependencies run one way: stats → audit → reimbursements → filings → accounts → registry → config.

Every module of every app is imported (so a module that no longer imports cleanly fails
here too), and every import statement in it, at module level or inside a function, is read:
an import of an app that stands above the importing one fails the test, naming the line.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each app, and the apps it may import besides itself.
ALLOWED = {
    "config": set(),
    "registry": {"config"},
    "accounts": {"registry", "config"},
    "filings": {"accounts", "registry", "config"},
    "reimbursements": {"filings", "accounts", "registry", "config"},
    "audit": {"reimbursements", "filings", "accounts", "registry", "config"},
    "notifications": {"reimbursements", "filings", "accounts", "registry", "config"},
    "stats": {"audit", "reimbursements", "filings", "accounts", "registry", "config"},
}


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "data" not in p.relative_to(ROOT).parts[1:2])


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) for every absolute import in the file, at module level or inside a function:
    ``import a.b`` gives ``a.b`` and no names, ``from a import b, c`` gives ``a`` and ``[b, c]``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return found


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, app) for every import of one of our apps in the file."""
    return [(line, module.split(".")[0]) for line, module, _names in imports(path) if module.split(".")[0] in ALLOWED]


@pytest.mark.parametrize("app", list(ALLOWED))
def test_no_module_imports_an_app_above_its_own(app):
    reversed_edges = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in modules(app)
        for line, target in imported_apps(path)
        if target != app and target not in ALLOWED[app]
    ]
    assert reversed_edges == []


# The folders of tools around the apps (benchmarks, drills, operator scripts, the contract check, the clients'
# checks, the guide's generators): they use the apps, never the other way round.
TOOLS = {"bench", "drills", "ops", "contract", "clients", "docs_tools", "tests"}


@pytest.mark.parametrize("app", list(ALLOWED))
def test_no_app_imports_a_tool_folder(app):
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in modules(app)
        for line, module, _names in imports(path)
        if module.split(".")[0] in TOOLS
    ]
    assert found == []


@pytest.mark.parametrize("app", list(ALLOWED))
def test_every_module_imports_cleanly(app):
    for path in modules(app):
        if path.parent.name in ("migrations", "settings") or path.name in ("wsgi.py", "asgi.py"):
            continue  # migrations load through the migrator; settings and entry points configure a process
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        importlib.import_module(dotted)


def test_the_checker_sees_a_reversed_edge(tmp_path):
    """The test above could not fail if the reader missed imports: it must see these."""
    sample = tmp_path / "sample.py"
    sample.write_text("import filings.models\n\ndef f():\n    from reimbursements import services\n")
    assert imported_apps(sample) == [(1, "filings"), (4, "reimbursements")]


def imported_modules(path: Path, app: str) -> set[str]:
    """The modules of ``app`` that the file imports, at module level or inside a function."""
    found = set()
    for _line, module, names in imports(path):
        if module.split(".")[0] == app:
            # ``from accounts import services`` imports the module accounts.services
            found |= {module, *(f"{module}.{name}" for name in names)}
    return found


def module_cycle(app: str) -> list[str] | None:
    """One import circle among the modules of ``app`` (``a → b → a``), or None."""
    names = {}
    for path in modules(app):
        if path.parent.name == "migrations":
            continue
        names[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    edges = {
        name: sorted(m for m in imported_modules(path, app) if m in names and m != name) for name, path in names.items()
    }
    done, trail = set(), []

    def visit(name):
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        trail.append(name)
        for following in edges[name]:
            if found := visit(following):
                return found
        trail.pop()
        done.add(name)
        return None

    for name in sorted(names):
        if found := visit(name):
            return found
    return None


@pytest.mark.parametrize("app", list(ALLOWED))
def test_no_import_circle_inside_an_app(app):
    """Not even through an import inside a function: a circle is one module that cannot be read without the other."""
    cycle = module_cycle(app)
    assert cycle is None, " → ".join(cycle)


def test_the_circle_finder_sees_a_circle(tmp_path, monkeypatch):
    package = tmp_path / "sample_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("from sample_app.hooks import check\n")
    (package / "hooks.py").write_text("def check():\n    from sample_app.models import Thing\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert module_cycle("sample_app") == ["sample_app.hooks", "sample_app.models", "sample_app.hooks"]


def test_nothing_outside_tests_imports_the_tests():
    """The benchmarks, the clients' checks and the apps stand on their own: test helpers stay in tests/."""
    skipped = {".venv", "node_modules", "tests", ".git", "site"}
    offending = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        if not skipped & set(path.relative_to(ROOT).parts)
        for line, module, _names in imports(path)
        if module.split(".")[0] == "tests"
    ]
    assert offending == []
