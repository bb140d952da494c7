"""What the bot answers: text, up to three reply buttons, a list of up to ten rows (paged), or
a document (a link with its caption), each turned into the Cloud API's message shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sync_server.integrations.graph import MAX_BUTTONS, MAX_LIST_ROWS, buttons_shape, list_shape

Row = tuple[str, str, str]  # id, title, description


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (id, title)
    rows: tuple[Row, ...] = ()
    list_button: str = "Ver opciones"
    header: str | None = None
    document: dict[str, Any] | None = None  # Graph's whole document message ({"type": ...})

    def shape(self) -> dict[str, Any] | None:
        """The message's shape for Graph; None: plain text (the sender makes it)."""
        if self.document:
            return self.document
        if self.rows:
            return list_shape(self.text, self.list_button, self.rows, self.header)
        if self.buttons:
            return buttons_shape(self.text, self.buttons)
        return None

    def as_text(self) -> str:
        """How it reads where interactive messages are not shown (the simulator's log, tests)."""
        extra = [f"[{title}]" for _, title in self.buttons]
        extra += [f"• {title} {desc}".rstrip() for _, title, desc in self.rows]
        return "\n".join([self.text, *extra])


def paged_list(text: str, rows: Sequence[Row], page: int, more_id: str, *,
               button: str = "Ver opciones", header: str | None = None) -> Reply:
    """Rows ``page`` of a long list: nine per page and a "Ver más" row when there are more
    (a WhatsApp list holds ten rows at most)."""
    per_page = MAX_LIST_ROWS - 1
    start = page * per_page
    chunk = list(rows[start:start + per_page])
    if len(rows) > start + per_page:
        chunk.append((f"{more_id}:{page + 1}", "Ver más…", f"{len(rows) - start - per_page} más"))
    elif len(rows) == start + per_page + 1:  # exactly one left: show it instead of "more"
        chunk.append(rows[-1])
    return Reply(text, rows=tuple(chunk), list_button=button, header=header)


def choices(text: str, options: Sequence[tuple[str, str]]) -> Reply:
    """A question with its answers as buttons (up to three) or as a list (more)."""
    if len(options) <= MAX_BUTTONS:
        return Reply(text, buttons=tuple(options))
    return Reply(text, rows=tuple((oid, title[:24], "") for oid, title in options[:MAX_LIST_ROWS]))
