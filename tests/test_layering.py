"""The architecture holds: Qt only in gencanvas.qt, models pure, core free of plugins, gencanvas.qt
layered, no import circle anywhere (import-linter and grimp)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A cycle test through grimp, with what it may report, run in a child process so the graph is
# built from the package tree on disk (import-linter and grimp read files; the editable install
# maps gencanvas with an import hook they do not run).
CYCLES = textwrap.dedent(
    """
    import grimp
    graph = grimp.build_graph("gencanvas", cache_dir=None)
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    for root in sorted(graph.modules):  # Tarjan's strongly connected components, iteratively
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    print(f"MODULES={len(graph.modules)}")
    print("CYCLES=" + ";".join(",".join(c) for c in cycles))
    """
)


@pytest.fixture(scope="module")
def package_tree(tmp_path_factory) -> str:
    """gencanvas laid out as installed, for tools that read files."""
    out = tmp_path_factory.mktemp("tree")
    return subprocess.run(
        [sys.executable, str(ROOT / "build_scripts" / "package_tree.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_import_contracts_hold(package_tree):
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": package_tree}
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "7 kept, 0 broken" in proc.stdout


def test_no_module_imports_itself_through_others(package_tree):
    """Every import counts, inside functions and under TYPE_CHECKING too: a circle there is still one."""
    env = {**os.environ, "PYTHONPATH": package_tree}
    proc = subprocess.run([sys.executable, "-c", CYCLES], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split("MODULES=")[1].split()[0]) > 100  # the whole package was read
    assert "CYCLES=\n" in proc.stdout, proc.stdout


def test_window_builds_before_torch_is_imported():
    """The window must appear without paying torch's multi-second import."""
    code = textwrap.dedent(
        """
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from gencanvas.qt.app import build_window, create_application
        from gencanvas.core.settings import Settings
        create_application()
        window = build_window(Settings())
        window.show()
        heavy = [m for m in ("torch", "diffusers", "transformers") if m in sys.modules]
        window.close()
        print("HEAVY=" + ",".join(heavy))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY=\n" in proc.stdout, proc.stdout
