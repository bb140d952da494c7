"""The WhatsApp channel as the server runs it: the sender, the webhook's inbox worker and the bot,
wired from settings; started and stopped with the app."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any

from sync_server.billing import limits
from sync_server.bot.assistant import Assistant
from sync_server.bot.conversation import Conversation
from sync_server.bot.flows import ShopBrain
from sync_server.bot.handover import HandOver
from sync_server.bot.shop_tools import ShopTools
from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.integrations.graph import GraphAccount
from sync_server.services.fiscal import CfdiContext
from sync_server.services.inbox_writer import InboxWriter
from sync_server.services.integrations import Integrations, platform_credentials
from sync_server.services.listener import Listener
from sync_server.services.whatsapp import OutboundSender
from sync_server.services.whatsapp_inbox import WORK_S, InboxWorker
from sync_server.services.whatsapp_setup import PROFILE_KIND
from sync_server.tools.calls import ToolEnv


class WhatsAppChannel:
    def __init__(self, sender: OutboundSender, inbox: InboxWorker, writer: InboxWriter) -> None:
        self.sender, self.inbox, self.writer = sender, inbox, writer

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings, listener: Listener,
                      integrations: Integrations | None = None,
                      assistant: Assistant | None = None,
                      cfdi: CfdiContext | None = None) -> WhatsAppChannel:
        """``assistant``: the shop's LLM, handed what the rules do not understand (else the
        rules answer everything). ``cfdi``: the invoicing use cases the chat's self-invoicing
        flow calls (None: the bot says the shop does not invoice there)."""
        integrations = integrations or Integrations.from_settings(pool, settings)
        assert integrations is not None
        sender = OutboundSender.from_settings(pool, settings, integrations, listener)
        platform = platform_credentials(settings, "whatsapp")
        token = platform.secret("token") if platform else None
        account = GraphAccount(settings.whatsapp_phone_number_id or "", token) if token else None

        async def profile(tenant_id: uuid.UUID) -> Mapping[str, Any]:
            saved = await integrations.masked(tenant_id, PROFILE_KIND)
            return saved.settings if saved else {}

        hand_over = HandOver(assistant, pool) if assistant is not None else None
        brain = ShopBrain(ShopTools(ToolEnv.from_settings(pool, settings)), profile, hand_over,
                          cfdi)
        # The plan and the owner's switch are asked before every answer.
        conversation = Conversation(brain, partial(limits.bot_off, pool, integrations))
        inbox = InboxWorker(pool, conversation,
                            shared_number=settings.whatsapp_phone_number_id,
                            platform_account=account, client=sender.client,
                            poll_s=settings.whatsapp_inbox_poll_s,
                            # An answer may wait for the LLM: the lease outlasts its deadline.
                            work_s=WORK_S + (hand_over.deadline_s if hand_over else 0))
        inbox.subscribe(listener)
        # The writer wakes this replica's worker only where it runs (else the others' do it).
        writer = InboxWriter(pool, inbox.wake if settings.background_workers else None)
        return cls(sender, inbox, writer)

    def start(self) -> None:
        self.sender.start()
        self.inbox.start()

    async def stop(self) -> None:
        await self.writer.stop()
        await self.inbox.stop()
        await self.sender.stop()
