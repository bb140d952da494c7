"""What a shop tool is: typed input and output, read or write, who may call it, a Spanish
description an LLM can choose from; and who is calling (the shop, the role, the channel).

One set of tools serves the rule-based WhatsApp bot, the LLM assistant and the MCP server:
they all call :func:`sync_server.tools.calls.call_tool`, so none of them can answer with
numbers the others would not.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar, get_type_hints
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sync_server.repositories import Connection
from sync_server.services.tokens import Plan, PlanLookup


class CallerRole(StrEnum):
    """Who a tool serves: the shop's owner, its staff (a cashier's own app), or one customer
    (only about themselves)."""

    OWNER = "owner"
    STAFF = "staff"
    CUSTOMER = "customer"


OWNER_ONLY = frozenset({CallerRole.OWNER})
SHOP = frozenset({CallerRole.OWNER, CallerRole.STAFF})
EVERYONE = frozenset(CallerRole)

Channel = Literal["mcp", "asistente", "whatsapp", "api", "prueba", "tareas"]  # tareas: scheduled jobs


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls, for which shop. ``actor`` names them in the audit log (a key's id, a phone)
    and is never a secret. A customer caller carries their own customer id: customer-facing
    tools answer about that customer and nobody else, whatever the arguments say."""

    tenant_id: uuid.UUID
    role: CallerRole
    channel: Channel
    actor: str
    customer_id: uuid.UUID | None = None
    can_write: bool = False

    def __post_init__(self) -> None:
        if (self.role is CallerRole.CUSTOMER) != (self.customer_id is not None):
            raise ValueError("a customer caller, and only one, names the customer")


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a running tool knows besides its arguments."""

    caller: Caller
    now: datetime  # aware UTC, the moment of the call
    tz: ZoneInfo  # the shop's: local days, hours and months
    shop_name: str
    # The shop's plan (its monthly token allowance: services.tokens), given or looked up when a
    # tool asks (one query few tools need: not paid by every call).
    plan: Plan | None = None
    plan_for: PlanLookup | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.caller.tenant_id

    async def plan_in_force(self, conn: Connection) -> Plan:
        if self.plan is not None:
            return self.plan
        assert self.plan_for is not None, "a ToolContext needs a plan or a way to look it up"
        return await self.plan_for(conn, self.tenant_id)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()


class ToolInput(BaseModel):
    """Arguments of a tool: unknown fields refused (a model that invents one learns it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=100,
                                                   pattern=r"^[A-Za-z0-9_.:\-]+$")]


class WriteInput(ToolInput):
    idempotency_key: IdempotencyKey = Field(
        description="Clave única de esta operación (8–100 caracteres: letras, números, - _ . :). "
                    "Repetir la llamada con la misma clave no repite el cambio: devuelve el "
                    "mismo resultado.")


class ToolOutput(BaseModel):
    """Every answer carries ``summary``: the answer in one short Spanish paragraph, ready to
    be read to a person (the rule bot sends it as is; an LLM may rephrase it)."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(description="La respuesta en español, lista para leerse.")


class WriteOutput(ToolOutput):
    changed: list[str] = Field(description="Qué cambió, en frases cortas (vacío: nada).")


In = TypeVar("In", bound=ToolInput)
Out = TypeVar("Out", bound=ToolOutput)
Run = Callable[[ToolContext, Connection, In], Awaitable[Out]]


@dataclass(frozen=True)
class Tool(Generic[In, Out]):
    name: str  # stable snake_case: the MCP and LLM tool name
    title: str  # short Spanish title
    description: str  # Spanish: what it answers, for an LLM to choose by
    input: type[In]
    output: type[Out]
    roles: frozenset[CallerRole]
    write: bool
    run: Run[In, Out]

    def input_schema(self) -> dict[str, Any]:
        return self.input.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.output.model_json_schema()

    def allows(self, caller: Caller) -> bool:
        return caller.role in self.roles


def tool(name: str, title: str, roles: Iterable[CallerRole]) -> Callable[[Run[Any, Any]], Tool[Any, Any]]:
    """Make a :class:`Tool` of ``async def f(ctx, conn, args: In) -> Out``: the types are read
    from its annotations, the description from its docstring, and it is a write when its input
    carries an idempotency key."""

    def make(fn: Run[Any, Any]) -> Tool[Any, Any]:
        hints = get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        input_type, output_type = hints[params[2]], hints["return"]
        write = issubclass(input_type, WriteInput)
        if write != issubclass(output_type, WriteOutput):
            raise TypeError(f"{name}: a write takes a WriteInput and answers a WriteOutput")
        return Tool(name=name, title=title, description=inspect.cleandoc(fn.__doc__ or ""),
                    input=input_type, output=output_type, roles=frozenset(roles), write=write,
                    run=fn)

    return make
