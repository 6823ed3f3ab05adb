"""The MCP servers of the settings file: one hub, shared by every agent the connection makes,
started after the first frame, and the questions its servers ask the person (sampling,
elicitation) posted to the app.

Nothing of ``agentry.mcp`` (nor the SDK under it) is imported unless ``mcpServers`` names a
server, and then in a thread, so the keys typed meanwhile are not kept waiting.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual.message import Message

from agentry.commands import NO_MCP_SERVERS
from agentry.errors import Refused
from agentry.wording import plural
from agentry_tui.store.messages import ElicitationRequested, McpChanged, SamplingRequested

if TYPE_CHECKING:
    from agentry.agent import Agent
    from agentry.mcp import McpHub
    from agentry.mcp.config import ServerConfig
    from agentry.mcp.elicitation import Answer, ElicitationForm
    from agentry.mcp.hub import PromptInfo, ServerState
    from agentry.mcp.sampling import SamplingRequest, SamplingTarget

STATUS_ORDER = ("ready", "starting", "failed", "stopped", "disabled")
# agentry.mcp.switches.MCP_OFF, which is not imported before a server is configured.
MCP_OFF = "mcp_off"


class McpLink:
    def __init__(
        self, post: Callable[[Message], None], target: Callable[[], SamplingTarget | None]
    ) -> None:
        self._post = post
        self._target = target  # the agent, model and session a sampling request would use
        self.hub: McpHub | None = None
        self.config_errors: dict[str, str] = {}  # entries of settings.json that are wrong
        self.prompts: list[PromptInfo] = []  # of the ready servers, as last listed
        self._listing: asyncio.Task[None] | None = None
        self._prompts_stale = False  # states changed since the prompts were listed
        # Waited for before the SDK is imported: its import holds the interpreter about a second
        # (in a thread, but the GIL is the GIL), so not while the person types.
        self.not_typing: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        """Read ``mcpServers`` and start each server in the background (no wait for any)."""
        if self.hub is not None:
            return
        if (raw := await asyncio.to_thread(_configured)) is None:
            return
        if self.not_typing is not None:
            await self.not_typing()
        configs, self.config_errors = await asyncio.to_thread(_read_servers, raw)
        from agentry.mcp import McpHandlers, McpHub
        from agentry.mcp.elicitation import elicitation_handler
        from agentry.mcp.sampling import sampling_handler

        handlers = McpHandlers(
            sampling=sampling_handler(self._target, self._ask_sampling),
            elicitation=elicitation_handler(self._ask_elicitation),
        )
        self.hub = McpHub(configs, handlers=handlers, on_change=self._changed)
        self.hub.start()
        self._changed()

    def attach(self, agent: Agent) -> None:
        if self.hub is not None:
            agent.use_mcp(self.hub)

    async def restart(self, name: str) -> None:
        if self.hub is not None:
            await self.hub.restart(name)

    def states(self) -> list[ServerState]:
        return self.hub.states() if self.hub is not None else []

    def summary(self, metadata: Mapping[str, Any]) -> str:
        """One line for the metadata panel: "2 ready · 1 failed · 1 off here" (switched off in
        the session of that metadata); "" without servers."""
        off = metadata.get(MCP_OFF)
        off = off if isinstance(off, list) else []
        counts: Counter[str] = Counter(state.status for state in self.states())
        counts["failed"] += len(self.config_errors)
        parts = [f"{counts[status]} {status}" for status in STATUS_ORDER if counts[status]]
        names = {state.name for state in self.states()}
        if here := len(names & set(off)):
            parts.append(f"{here} off here")
        return " · ".join(parts)

    def require(self) -> McpHub:
        if self.hub is None:
            raise Refused(NO_MCP_SERVERS)
        return self.hub

    def _changed(self) -> None:
        self._post(McpChanged())
        self._prompts_stale = True
        if self._listing is None or self._listing.done():
            self._listing = asyncio.get_running_loop().create_task(self._list_prompts())

    async def _list_prompts(self) -> None:
        """Remember the ready servers' prompts, for the palette and Tab completion; again while
        states changed during the listing."""
        while self._prompts_stale and self.hub is not None:
            self._prompts_stale = False
            try:
                prompts = await self.hub.list_prompts()
            except Exception:  # noqa: BLE001 - a server that fails here is shown failed
                prompts = []
            if prompts != self.prompts:
                self.prompts = prompts
                self._post(McpChanged())

    async def _ask_sampling(self, request: SamplingRequest) -> str | None:
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._post(SamplingRequested(request, future))
        return await future

    async def _ask_elicitation(self, form: ElicitationForm) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._post(ElicitationRequested(form, future))
        return await future

    async def aclose(self) -> None:
        if self._listing is not None:
            self._listing.cancel()
        if self.hub is not None:
            await self.hub.aclose()


def _configured() -> dict[str, Any] | None:
    """settings.json's ``mcpServers``, if there are any."""
    from agentry.config import load_settings

    return load_settings().mcpServers or None


def _read_servers(raw: dict[str, Any]) -> tuple[dict[str, ServerConfig], dict[str, str]]:
    """The configured servers and the entries in error. Run in a thread: the SDK's import is
    done here, not on the event loop."""
    import agentry.mcp.elicitation
    import agentry.mcp.hub
    import agentry.mcp.sampling  # noqa: F401 - imported here, used on the loop
    from agentry.mcp.config import parse_servers

    return parse_servers(raw)


def counts_text(state: ServerState) -> str:
    """ "3 tools · 1 prompt · 0 resources"."""
    return " · ".join(
        plural(count, noun)
        for count, noun in (
            (state.tools, "tool"),
            (state.prompts, "prompt"),
            (state.resources, "resource"),
        )
    )
