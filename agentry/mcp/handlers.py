"""What a client answers for a server's own requests (sampling, elicitation). A capability is
advertised to servers only when its handler is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the SDK's types: loaded with the SDK, when a server starts
    from mcp_types import (
        CreateMessageRequestParams,
        CreateMessageResult,
        ElicitRequestParams,
        ElicitResult,
        ErrorData,
    )

# Called with the server's name and the request.
SamplingHandler = Callable[
    [str, "CreateMessageRequestParams"], Awaitable["CreateMessageResult | ErrorData"]
]
ElicitationHandler = Callable[[str, "ElicitRequestParams"], Awaitable["ElicitResult | ErrorData"]]


@dataclass(frozen=True)
class McpHandlers:
    sampling: SamplingHandler | None = None
    elicitation: ElicitationHandler | None = None
