"""Install the packages in tests/third_party_packages as a user would: distributions with entry points.

Each gets a ``.dist-info`` folder (METADATA and entry_points.txt) on ``sys.path``, so the
registry finds them through ``importlib.metadata`` exactly like pip-installed plugins,
package name and version included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGES = Path(__file__).parent / "third_party_packages"
DISTRIBUTIONS = {
    ("gencanvas-demo-plugins", "1.2.3"): {"demo-tint": "gencanvas_demo_plugins:Tint"},
    ("gencanvas-broken-plugins", "0.1.0"): {
        "broken-import": "gencanvas_broken_plugins.broken_import:Missing",
        "bad-defaults": "gencanvas_broken_plugins.bad_defaults:BadDefaults",
        "next-major": "gencanvas_broken_plugins.future_api:NextMajor",
        "newer-minor": "gencanvas_broken_plugins.future_api:NewerMinor",
    },
}
BROKEN = ("broken-import", "bad-defaults", "next-major", "newer-minor")


def write_distribution(site: Path, name: str, version: str, plugins: dict[str, str]) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", "utf-8")
    lines = "".join(f"{plugin_id} = {target}\n" for plugin_id, target in plugins.items())
    (info / "entry_points.txt").write_text(f"[gencanvas.plugins]\n{lines}", "utf-8")


@pytest.fixture
def third_party_plugins(tmp_path, monkeypatch) -> Path:
    """The demo and the broken plugin packages, installed for this test only."""
    site = tmp_path / "site-packages"
    for (name, version), plugins in DISTRIBUTIONS.items():
        write_distribution(site, name, version, plugins)
    monkeypatch.syspath_prepend(str(PACKAGES))
    monkeypatch.syspath_prepend(str(site))
    return site
