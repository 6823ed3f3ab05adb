"""The model connection: which provider, whether it answers, and the agent over it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentry.errors import (
    AgentryError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    Refused,
)
from agentry_tui.store.mcp_link import McpLink
from agentry_tui.store.model import Connection

if TYPE_CHECKING:
    from agentry.agent import Agent, Approver
    from agentry.config import ProviderChoice


class ModelConnection:
    """Chooses the provider, makes the agent and follows whether the server answers; every
    change of state is handed to ``report``."""

    def __init__(
        self,
        report: Callable[[Connection], None],
        *,
        approve: Approver,
        clock: Callable[[], datetime],
        provider: str | None,
        model: str | None,
        endpoint: str | None,
        workspace: Path | None,
        mcp: McpLink,
    ) -> None:
        self._report = report
        self.mcp = mcp  # the MCP servers, started once the first agent is made
        self._approve, self._clock = approve, clock
        self._provider, self._model, self._endpoint = provider, model, endpoint
        self._workspace = workspace
        self.state = Connection()
        self.agent: Agent | None = None
        # Every agent made, by provider: one switched away from may still be streaming replies.
        self._agents: dict[str, Agent] = {}

    @property
    def workspace(self) -> Path:
        """The agent's working folder (the current one unless given)."""
        return self._workspace or Path.cwd()

    def _set(self, state: Connection) -> None:
        self.state = state
        self._report(state)

    async def connect(self) -> None:
        from agentry.config import NO_PROVIDER_HELP, choose_provider

        try:
            choice = await choose_provider(self._provider, self._endpoint)
        except ImportError:  # the offline model's bindings are not installed
            self._set(Connection("none", detail=NO_PROVIDER_HELP))
            return
        if choice.name is None:
            self._set(Connection("none", detail=choice.reason))
            return
        try:
            # Importing the agent, its tools and the HTTP client, and making the client (it
            # reads the TLS certificates), hold the interpreter ~0.3 s here: in a thread, so the
            # keys typed just after the first frame are not kept waiting behind them.
            agent = await asyncio.to_thread(self._make_agent, choice, self._model, self._endpoint)
        except (AgentryError, ValueError, ImportError) as exc:
            self._set(Connection("none", choice.name, detail=str(exc)))
            return
        await self._use(choice, agent)
        # Then the MCP servers, in the background. Not beside the model check: the SDK's import
        # (in a thread) held the interpreter long enough for that check to time out.
        await self._start_mcp()

    async def _start_mcp(self) -> None:
        await self.mcp.start()
        for agent in self._agents.values():
            self.mcp.attach(agent)

    async def switch(self, provider: str) -> None:
        """Use another provider from now on (replies under way finish on theirs); raises
        Refused, keeping the current one, if it cannot be made (no API key, not installed).
        --model and --endpoint were for the first provider: the settings file's apply."""
        from agentry.config import ProviderChoice

        choice = ProviderChoice(provider, "chosen with /model")
        agent = self._agents.get(provider)
        if agent is None:
            try:
                agent = await asyncio.to_thread(self._make_agent, choice, None, None)
            except (AgentryError, ValueError, ImportError) as exc:
                raise Refused(f"Cannot use {provider}: {exc}") from exc
        await self._use(choice, agent)

    async def _use(self, choice: ProviderChoice, agent: Agent) -> None:
        """Make ``agent`` the one replies use, and find out whether its server answers."""
        assert choice.name is not None
        self._agents[choice.name] = self.agent = agent
        self.mcp.attach(agent)
        self._set(Connection("connecting", choice.name, agent.provider.model))
        try:
            model = await agent.provider.resolve_model()
        except (ProviderConnectionError, ProviderTimeout) as exc:
            self._set(Connection("unreachable", choice.name, agent.provider.model, str(exc)))
        except ProviderError as exc:
            self._set(Connection("problem", choice.name, agent.provider.model, str(exc)))
        else:
            self._set(Connection("connected", choice.name, model, choice.reason))

    def _make_agent(self, choice: ProviderChoice, model: str | None, endpoint: str | None) -> Agent:
        from agentry.agent import Agent
        from agentry.config import build_provider, default_params, load_settings
        from agentry_tui.textual_private import preload_asyncio_network_backend

        # The first request loads httpx's network backend (anyio's for asyncio, ~30 modules):
        # here, not on the event loop, where it held the keys typed then for 25-80 ms.
        preload_asyncio_network_backend()

        # The settings file's model and endpoint apply too, as in the line client.
        settings = load_settings()
        provider = build_provider(choice, model, endpoint, settings)
        system, params = default_params(settings)  # every session's defaults
        agent = Agent(
            provider,
            approve=self._approve,
            workspace=self._workspace,
            clock=self._clock,
            system_message=system,
            **params,
        )
        agent.load_default_tools()
        if self._agents:  # one set of approvals for every agent the app makes
            agent.approvals = next(iter(self._agents.values())).approvals
        return agent

    def why_not(self) -> str | None:
        """Why no reply can be asked for now, or None."""
        if self.agent is not None:
            return None
        if self.state.state == "connecting":
            return "Still looking for a model server; try again in a moment."
        return f"No model provider: {self.state.detail}"

    def replied(self) -> None:
        """A reply came: the server is back (or the model resolved), if it was not."""
        if self.state.state != "connected" and self.agent is not None:
            self._set(
                replace(self.state, state="connected", model=self.agent.provider.model, detail="")
            )

    def failed(self, error: AgentryError) -> None:
        """A reply failed: if the server could not be reached, say so."""
        if isinstance(error, ProviderConnectionError | ProviderTimeout):
            self._set(replace(self.state, state="unreachable", detail=str(error)))

    async def list_models(self) -> list[str]:
        """The provider's models; raises ProviderError (or Refused without a provider)."""
        if self.agent is None:
            raise Refused(self.why_not() or "No model provider.")
        return await self.agent.list_models()

    def session_model(self, metadata: dict[str, object]) -> str | None:
        """The model a session chose with /model (its metadata's ``model``), if it was chosen
        on the provider in use: a name from another provider's list would not exist here."""
        model, provider = metadata.get("model"), metadata.get("provider")
        if not isinstance(model, str) or not model:
            return None
        return model if provider in (None, self.state.provider) else None

    async def aclose(self) -> None:
        await self.mcp.aclose()
        for agent in self._agents.values():
            await agent.aclose()
