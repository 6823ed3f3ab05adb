"""Write SVG screenshots of agentry-tui's main screens to screenshots/*.svg.

Runs the app headless against the in-process Ollama-protocol test server, with the same fixed
sessions and steps as the snapshot tests (tests/tui/scenes.py):

    python screenshots/make_screenshots.py [NAME ...]
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.ollama import OllamaServer  # noqa: E402
from tests.tui import scenes  # noqa: E402

SIZE = (120, 36)


def _setattr(target: str, value: object) -> None:
    module, _, name = target.rpartition(".")
    setattr(importlib.import_module(module), name, value)


async def shoot(name: str, folder: Path, out: Path) -> None:
    history, workspace = folder / name / "history", folder / name / "workspace"
    workspace.mkdir(parents=True)
    scenes.seed_demo(history)
    app = scenes.demo_app(history, workspace)
    async with app.run_test(size=SIZE) as pilot:
        await scenes.SCENES[name](pilot)
        (out / f"{name}.svg").write_text(app.export_screenshot(title="agentry-tui"))


def main(names: list[str]) -> None:
    out = ROOT / "screenshots"
    with OllamaServer() as server, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.update(
            OLLAMA_HOST=f"127.0.0.1:{server.port}",
            AGENTRY_CONFIG_DIR=str(folder / "config"),
            HOME=str(folder),  # paths show as ~/...
        )
        scenes.pin_agent_clock(_setattr)
        for name in names or list(scenes.SCENES):
            asyncio.run(shoot(name, folder, out))
            print(f"wrote screenshots/{name}.svg")


if __name__ == "__main__":
    main(sys.argv[1:])
