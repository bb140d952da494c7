"""The OpenAPI document, with the push body described (its router reads the body itself, after
the device's credential is checked, so FastAPI cannot see its model)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.sync.protocol import PushRequest
from sync_server.api.limits import PUSH_PATH


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            push = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(push.pop("$defs", {}))
            components["PushRequest"] = push
            schema["paths"][PUSH_PATH]["post"]["requestBody"] = {
                "required": True,
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/PushRequest"}}},
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
