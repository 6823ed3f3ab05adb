"""The import contracts: which part may use which.

The layering contracts are import-linter's, declared in pyproject.toml ([tool.importlinter]) and
run here, so the README's test command checks them like any other test. What import-linter cannot
see is checked here as well: a widget calling open() or writing a file, and what agentry-tui has
imported by its first frame."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import agentry.providers

ROOT = Path(__file__).resolve().parent.parent


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_import_linter_contracts_are_kept():
    run = run_python(
        "-c",
        "import sys; from importlinter.cli import lint_imports_command;"
        " sys.exit(lint_imports_command(['--no-cache', '--no-logo']))",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


# -- widgets and screens do no I/O ----------------------------------------------------------

# Modules whose import means file, process or network work (the store, the saver and the export
# do it; a widget posts a message or calls the store). io is not one: StringIO is for text.
IO_MODULES = {"httpx", "http", "urllib", "socket", "shutil", "subprocess", "tempfile", "pathlib",
              "os", "filelock", "agentry.sessions.storage"}  # fmt: skip
IO_CALLS = {"open", "write_text", "write_bytes", "read_text", "read_bytes", "unlink", "mkdir",
            "rmdir", "touch", "rename", "save_session", "export"}  # fmt: skip
VIEWS = [ROOT / "agentry_tui" / "widgets", ROOT / "agentry_tui" / "screens"]


def io_in(source: str) -> list[str]:
    """The I/O modules imported and the I/O calls made in ``source``, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in IO_CALLS:
                found.append(f"{node.lineno}: calls {name}()")
            continue
        else:
            continue
        found += [
            f"{node.lineno}: imports {name}"
            for name in names
            if any(name == bad or name.startswith(bad + ".") for bad in IO_MODULES)
        ]
    return found


def test_widgets_and_screens_do_no_file_or_http_io():
    found = {
        str(path.relative_to(ROOT)): io
        for folder in VIEWS
        for path in sorted(folder.rglob("*.py"))
        if (io := io_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "line",
    [
        "import httpx",
        "from pathlib import Path",
        "from agentry.sessions import storage",
        "open('x', 'w')",
        "self.path.write_text('x')",
        "store.save_session(entry)",
    ],
)
def test_the_io_check_sees(line: str):
    assert io_in(line)


# -- start-up imports only what the first frame needs ----------------------------------------

# Each costs start-up time and none is needed to draw the sessions: the HTTP client and its
# network backend, pydantic (~0.2 s), the agent, its tools and the providers' wire protocols
# (loaded in a thread once the first frame is up), the offline model; MCP and its SDK (in a
# thread after the first frame, and only once a server is configured).
LATER = ["httpx", "httpcore", "anyio", "pydantic", "agentry.agent", "agentry.tools",
         "llama_cpp", "toon_format", "agentry.mcp", "mcp", "mcp_types"]  # fmt: skip
# The provider registry and interface (agentry.providers, .base, .arguments) are imported by
# agentry.config to name and check providers; every protocol module is loaded on first use.
INTERFACE = {"__init__", "base", "arguments"}
PROTOCOLS = [
    f"agentry.providers.{info.name}"
    for info in pkgutil.iter_modules(agentry.providers.__path__)
    if info.name not in INTERFACE
]

# What agentry-tui's main() does before the app runs: parse the arguments, import the app with
# the collector tuned, make the app.
START = """
import sys
from agentry_tui.__main__ import long_lived_imports, parse_args
parse_args([])
with long_lived_imports():
    from agentry_tui.app import AgentryApp
AgentryApp()
print("\\n".join(sys.modules))
"""


def test_start_up_imports_only_what_the_first_frame_needs(tmp_path):
    assert "agentry.providers.openai" in PROTOCOLS  # the list is read from the package
    run = run_python("-c", START)
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert "agentry_tui.app" in loaded
    early = sorted(
        name
        for name in loaded
        if any(name == later or name.startswith(later + ".") for later in LATER + PROTOCOLS)
    )
    assert early == []
