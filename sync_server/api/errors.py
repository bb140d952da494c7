"""Error bodies: every refusal answers ``{"code", "message"}``; 422 only for malformed requests."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import DomainError
from sync_server.services.health import database_unavailable

log = logging.getLogger(__name__)

_MAX_DETAILS = 20
# HTTP status of domain refusals that are not plain conflicts (409).
_DOMAIN_STATUS = {
    "invalid_login": 401,
    "invalid_token": 401,
    "wrong_password": 403,
    "device_revoked": 401,
    "invalid_credential": 401,
    "too_many_attempts": 429,
    "not_found": 404,
    "unknown_sale": 404,
    "weak_password": 400,
    "unknown_job": 404,
    "invalid_job_time": 400,
    # Billing and the owner's account (docs/billing.md).
    "invalid_signature": 400,
    # A state of this server, not a failure: answered 409 like any "not possible now" (a 5xx
    # is kept for real failures, and no input may cause one).
    "billing_not_configured": 409,
    "codes_unavailable": 409,
    "payments_unavailable": 502,
    "unknown_plan": 404,
    "unknown_package": 404,
    "unknown_integration": 404,
    "invalid_integration": 422,
    "missing_choice": 422,
    "invalid_code": 400,
    "code_too_soon": 429,
    "remake_too_soon": 429,
    "code_not_sent": 502,
    "invalid_phone": 422,
    "payments_not_connected": 409,
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, detail: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, detail: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status)


def validation_error(exc: ValidationError | RequestValidationError) -> ApiError:
    """Bad JSON is a 400; well-formed JSON of the wrong shape is a 422 with where and why."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return ApiError(400, "invalid_json", "El cuerpo de la petición no es JSON válido.")
    detail = [
        {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in errors[:_MAX_DETAILS]
    ]
    return ApiError(
        422, "invalid_payload", "La petición tiene datos con formato incorrecto.", detail
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        response = error_response(exc.status, exc.code, exc.message, exc.detail)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(_DOMAIN_STATUS.get(exc.code, 409), exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        err = validation_error(exc)
        return error_response(err.status, err.code, err.message, err.detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))



class CatchAll:
    """The last net: an unexpected error is logged and answered 500 ``internal_error``, and the
    connection stays usable. (Starlette's own handler for Exception re-raises to the server,
    which then drops the keep-alive connection: the till's next call would fail to read.)

    A database out of reach is ``503 database_unavailable`` instead: no fault of the request,
    and a till takes it for "try later", never for a change it must set aside."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            down = database_unavailable(exc)
            if down:
                log.warning("database unavailable: %s", exc.__class__.__name__,
                            extra={"path": scope.get("path")})
            else:
                log.exception("unhandled error", extra={"path": scope.get("path")})
            if started:
                raise  # half an answer went out: only dropping the connection is honest
            response = (error_response(503, "database_unavailable", "El servidor no alcanza su "
                                       "base de datos. Intenta de nuevo en unos minutos.")
                        if down else error_response(
                500, "internal_error", "Error interno del servidor. Intenta de nuevo más tarde."))
            await response(scope, receive, send)
