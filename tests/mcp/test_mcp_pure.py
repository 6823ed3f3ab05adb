"""The pure parts of agentry/mcp: settings entries, names, permissions, results, switches."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import mcp_types as types
import pytest

from agentry.errors import ToolError
from agentry.mcp import HttpServerConfig, StdioServerConfig, parse_servers
from agentry.mcp.hub import McpHub, permission
from agentry.mcp.names import tool_names
from agentry.mcp.results import OUTPUT_CAP, prompt_messages, result_text
from agentry.mcp.switches import servers_off, with_server_off
from agentry.tools import Tool


def test_entries_pasted_from_other_clients_parse_and_bad_ones_fail_alone() -> None:
    good, bad = parse_servers(
        {
            "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "alwaysAllow": ["fetch"]},
            "docs": {"type": "http", "url": "https://example.com/mcp", "timeout": 5},
            "windsurf": {"serverUrl": "http://127.0.0.1:9/mcp"},
            "no-kind": {"args": []},
            "wrong": {"command": "x", "env": {"TOKEN": 12345678}},
            "slow": {"command": "x", "timeout": 0},
            "list": ["not", "an", "object"],
        }
    )
    assert good == {
        "fetch": StdioServerConfig(command="uvx", args=["mcp-server-fetch"]),
        "docs": HttpServerConfig(url="https://example.com/mcp", timeout=5),
        "windsurf": HttpServerConfig(url="http://127.0.0.1:9/mcp"),
    }
    assert bad == {
        "no-kind": 'mcpServers.no-kind: needs "command" (a program to start) or "url" '
        "(an HTTP server).",
        "wrong": "mcpServers.wrong: env.TOKEN: Input should be a valid string.",
        "slow": "mcpServers.slow: timeout: Input should be greater than 0.",
        "list": "mcpServers.list: must be an object, not list.",
    }
    assert parse_servers([]) == ({}, {"mcpServers": "mcpServers must be an object, not list."})


def test_secrets_of_an_entry_are_not_in_its_repr_nor_its_errors() -> None:
    config = StdioServerConfig(command="x", env={"TOKEN": "hunter2-secret"})
    http = HttpServerConfig(url="https://h/mcp", headers={"Authorization": "Bearer hunter3"})
    assert "hunter2" not in repr(config) and "hunter3" not in repr(http)
    _, bad = parse_servers({"h": {"url": "nope", "headers": {"Authorization": "Bearer hunter4"}}})
    assert "hunter4" not in bad["h"]


def test_names_are_prefixed_sanitised_unique_and_fit_the_tool_rule() -> None:
    long = "t" * 80
    pairs = [
        ("files", "read"),
        ("web", "read"),
        ("my server", "read.file"),
        ("my_server", "read_file"),
        ("a", long),
        ("a", long + "x"),
    ]
    names = tool_names(pairs)
    assert names["files", "read"] == "files__read"
    assert names["web", "read"] == "web__read"
    assert len(set(names.values())) == len(pairs)  # "my server"/"read.file" would clash
    assert names["my server", "read.file"].startswith("my_server__read_file_")
    for name in names.values():
        Tool(name=name, description="", parameters={"type": "object"}, executor=print)
        assert len(name) <= 64
    assert tool_names(reversed(pairs)) == names  # stable whatever order servers come up in


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        (None, "execute"),
        ({"read_only_hint": True, "open_world_hint": False}, "read"),
        ({"read_only_hint": True}, "network"),  # open world is the spec's default
        ({"read_only_hint": True, "open_world_hint": True}, "network"),
        ({"destructive_hint": False}, "write"),
        ({"destructive_hint": True, "open_world_hint": False}, "execute"),
        ({"read_only_hint": False, "open_world_hint": False}, "execute"),
    ],
)
def test_only_read_only_and_closed_world_tools_skip_approval(hints, expected) -> None:
    annotations = None if hints is None else types.ToolAnnotations(**hints)
    assert permission(annotations) == expected


def _result(*blocks, structured=None, is_error=False) -> types.CallToolResult:
    return types.CallToolResult(
        content=list(blocks), structured_content=structured, is_error=is_error
    )


def test_results_as_text_for_the_model() -> None:
    png = base64.b64encode(bytes(12_600)).decode()
    blob = base64.b64encode(bytes(2048)).decode()
    result = _result(
        types.TextContent(text="first"),
        types.ImageContent(data=png, mime_type="image/png"),
        types.EmbeddedResource(resource=types.TextResourceContents(uri="f://a", text="inside")),
        types.EmbeddedResource(
            resource=types.BlobResourceContents(uri="f://b", blob=blob, mime_type="app/zip")
        ),
    )
    assert result_text("s", "t", result) == (
        "first\n[image: image/png, 12.3 KB]\ninside\n[resource f://b: app/zip, 2 KB]"
    )
    assert result_text("s", "t", _result(structured={"a": [1, "é"]})) == '{"a": [1, "é"]}'
    # Text wins over structured content (servers send both: the text is for the model).
    both = _result(types.TextContent(text="3"), structured={"result": 3})
    assert result_text("s", "t", both) == "3"
    with pytest.raises(ToolError, match="^s tool t failed: no space left$"):
        result_text("s", "t", _result(types.TextContent(text="no space left"), is_error=True))
    with pytest.raises(ToolError, match="no reason given"):
        result_text("s", "t", _result(is_error=True))


def test_results_over_the_cap_are_cut_and_say_so() -> None:
    text = result_text("s", "t", _result(types.TextContent(text="y" * (OUTPUT_CAP + 10))))
    assert text.startswith("y" * OUTPUT_CAP + "\n[Output cut at 64K characters: the server sent")
    assert text.count("y") == OUTPUT_CAP


def test_prompt_messages_become_agentry_messages() -> None:
    result = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(text="Review this")),
            types.PromptMessage(role="assistant", content=types.TextContent(text="Sure")),
        ]
    )
    assert prompt_messages(result) == [
        {"role": "user", "content": "Review this"},
        {"role": "assistant", "content": "Sure"},
    ]


def test_switches_live_in_the_sessions_metadata() -> None:
    metadata = {"title": "x"}
    off = with_server_off(metadata, "web", True)
    assert off == {"title": "x", "mcp_off": ["web"]} and metadata == {"title": "x"}
    assert servers_off(with_server_off(off, "files", True)) == {"web", "files"}
    assert with_server_off(off, "web", False) == {"title": "x"}
    assert servers_off({"mcp_off": "web"}) == frozenset()  # malformed: nothing off
    assert servers_off({"mcp_off": ["web", 3]}) == {"web"}


def test_a_hub_before_it_starts_loads_no_sdk_and_shows_its_servers() -> None:
    code = (
        "import sys; from agentry.mcp import McpHub\n"
        "hub = McpHub(); hub.add('a', {'command': 'x'}); hub.add('b', {'url': 'http://h/mcp',"
        " 'disabled': True})\n"
        "print([(s.name, s.status, s.transport) for s in hub.states()], hub.tools(),"
        " 'mcp' in sys.modules, 'mcp_types' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "[('a', 'stopped', 'stdio'), ('b', 'disabled', 'http')] [] False False"
    )


def test_a_second_server_of_the_same_name_is_refused() -> None:
    hub = McpHub({"a": StdioServerConfig(command="x")})
    with pytest.raises(ValueError, match="An MCP server named 'a' is already configured"):
        hub.add("a", {"command": "y"})
    with pytest.raises(ValueError, match="MCP server 'b': needs \"command\""):
        hub.add("b", {})


def test_settings_keep_the_mcp_servers_when_saved(tmp_path) -> None:
    from agentry.config import Settings, load_settings, save_settings, settings_path

    servers = {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}
    settings = Settings.from_json(json.dumps({"theme": "nord", "mcpServers": servers}).encode())
    assert settings.mcpServers == servers
    save_settings(settings)  # as the TUI does when the theme changes
    assert json.loads(settings_path().read_text())["mcpServers"] == servers
    assert load_settings().mcpServers == servers
    with pytest.raises(ValueError, match="settings.json: 'mcpServers' must be an object"):
        Settings.from_json(b'{"mcpServers": ["fetch"]}')
