"""The release workflow names exactly the build scripts that exist, and runs nothing but them.

.github/workflows/release.yml cannot run here, so this keeps it honest against the tree:
every ``build_scripts/...`` path it runs exists, every entry-point script in build_scripts/
is run by it (a script nobody runs rots), each step is one script call, actions are pinned
by commit, and the Linux job builds and self-tests the bundle the way ``pytest -m packaging``
does. actionlint, zizmor and shellcheck check the rest in .ci/run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
SCRIPT_PATH = re.compile(r"build_scripts[/\\][\w.\-/\\]+")
TEST_COMMANDS = {".venv/bin/pytest", r".venv\Scripts\pytest.exe"}  # the suite, as .ci/run runs it


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps() -> list[dict]:
    return [step for job in _workflow()["jobs"].values() for step in job["steps"]]


def _run_lines() -> list[str]:
    return [line.strip() for step in _steps() if "run" in step for line in step["run"].splitlines() if line.strip()]


def _referenced_scripts() -> set[str]:
    return {match.replace("\\", "/") for line in _run_lines() for match in SCRIPT_PATH.findall(line)}


def test_every_script_the_workflow_runs_exists():
    referenced = _referenced_scripts()
    assert referenced, "the workflow runs no build script"
    assert not sorted(path for path in referenced if not (ROOT / path).is_file())


def test_every_build_script_entry_point_is_run_by_the_workflow():
    entry_points = {
        f"build_scripts/{path.name}" for pattern in ("*.sh", "*.ps1") for path in (ROOT / "build_scripts").glob(pattern)
    }
    assert entry_points <= _referenced_scripts(), sorted(entry_points - _referenced_scripts())


def test_each_step_is_one_script_call_with_no_expression_in_it():
    for line in _run_lines():
        assert "${{" not in line, f"expression in a run script (injection risk): {line}"
        assert line.startswith("build_scripts/") or line in TEST_COMMANDS, f"not a build script: {line}"


def test_actions_are_pinned_by_commit_with_a_version_comment():
    uses = [line.strip() for line in WORKFLOW.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_permissions_are_empty_by_default_and_only_the_release_job_writes():
    workflow = _workflow()
    assert workflow["permissions"] == {}
    writes = {name for name, job in workflow["jobs"].items() if "write" in job.get("permissions", {}).values()}
    assert writes == {"release"}


def test_matrix_has_both_editions_on_windows_and_linux_and_no_gpu_edition_on_macos():
    cells = {(cell["os"], cell["edition"]) for cell in _workflow()["jobs"]["build"]["strategy"]["matrix"]["include"]}
    for os_name in ("ubuntu-latest", "windows-latest"):
        assert {(os_name, "gpu"), (os_name, "cpu")} <= cells
    assert ("macos-14", "cpu") in cells
    assert not [cell for cell in cells if cell[0].startswith("macos") and cell[1] == "gpu"]


def test_the_linux_job_builds_and_self_tests_as_the_packaging_test_does():
    linux = [line for line in _run_lines() if "build_linux.sh" in line or "frozen_self_test.sh" in line]
    assert "build_scripts/build_linux.sh --no-tarball" in linux
    assert any(line.startswith("build_scripts/frozen_self_test.sh dist/gencanvas/gencanvas") for line in linux)
    packaging_test = (ROOT / "tests" / "test_packaging.py").read_text(encoding="utf-8")
    assert '"build_linux.sh"' in packaging_test and '"--no-tarball"' in packaging_test
    assert '"frozen_self_test.sh"' in packaging_test
    assert "build_scripts/ci_install.sh gpu" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
