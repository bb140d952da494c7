"""Why a WhatsApp message did not go out, in Spanish for the shop owner: the one map from
Graph's error codes (answers to a send, or a ``failed`` status on the webhook) to reasons."""

from __future__ import annotations

REASONS: dict[int, str] = {
    131047: "Pasaron más de 24 horas desde el último mensaje del cliente: solo se puede escribirle "
            "con una plantilla aprobada.",
    131026: "El mensaje no se pudo entregar: el número no tiene WhatsApp, usa una versión antigua "
            "o bloqueó a la tienda.",
    131049: "WhatsApp no entregó el mensaje para no saturar al cliente; intenta otro día.",
    131048: "WhatsApp limitó los envíos de este número por reportes de spam.",
    131056: "Demasiados mensajes seguidos a la misma persona; se reintenta en unos segundos.",
    130429: "Se alcanzó el límite de mensajes por segundo del número; se reintenta.",
    131051: "Ese tipo de mensaje no es compatible.",
    131052: "No se pudo descargar el documento.",
    131053: "No se pudo subir el documento.",
    131062: "Este mensaje necesita el número de teléfono del cliente (tiene nombre de usuario).",
    132001: "La plantilla no existe o no está aprobada en español de México.",
    132000: "La plantilla espera otro número de datos.",
    132012: "Los datos de la plantilla no tienen el formato que espera.",
    131000: "Algo falló en WhatsApp: pudo haber llegado, así que no se reintenta para no duplicarlo.",
    131008: "Al mensaje le falta un dato que WhatsApp pide.",
    131009: "El mensaje tiene un dato que WhatsApp no acepta.",
    100: "El mensaje tiene un dato que WhatsApp no acepta.",
    131016: "WhatsApp no está disponible por el momento.",
    131021: "No se puede enviar un mensaje al mismo número de la tienda.",
    131030: "El número del cliente no está entre los permitidos de la cuenta de prueba de WhatsApp.",
    131031: "La cuenta de WhatsApp de la tienda está bloqueada.",
    131042: "Hay un problema con el método de pago de la cuenta de WhatsApp Business.",
    131050: "El cliente pidió no recibir mensajes de promociones.",
    133010: "El número de la tienda no está registrado en WhatsApp.",
    368: "WhatsApp bloqueó el número por un tiempo por no seguir sus políticas.",
    190: "La credencial de WhatsApp venció: hay que renovarla.",
    10: "La cuenta de WhatsApp no tiene permiso para enviar mensajes: revisa su configuración.",
    200: "La cuenta de WhatsApp no tiene permiso para enviar mensajes: revisa su configuración.",
}


# Transport failures, said the same way every time: the exception behind them (its English name
# and detail) goes to the server's log, never into the reason a person reads.
NO_CONNECTION = "No hubo conexión con WhatsApp; el mensaje no salió."
NO_ANSWER = ("WhatsApp no respondió a tiempo: pudo haberse enviado, no se reintenta para no "
             "duplicarlo.")
UPLOAD_FAILED = "No se pudo subir el documento a WhatsApp."


# How reason_for starts when it has no Spanish reason for the code: what follows is Meta's
# detail (English), kept on the server for support and never shown at the till.
UNDELIVERED = "WhatsApp no entregó el mensaje"


def reason_for(code: int | None, fallback: str = "") -> str:
    """A failed message's reason in Spanish, from Graph's code, for the server's own record
    (an unknown code, or none, keeps Meta's detail, for support)."""
    if code in REASONS:
        return REASONS[code]
    said = f" (código {code})" if code is not None else ""
    return f"{UNDELIVERED}{said}. {fallback}".strip()


def owner_reason(code: int | None, error: str | None) -> str:
    """Why a message will not go out, as the owner reads it at the till: Graph's code in
    Spanish when it gave one; else the server's own reason, already Spanish (no consent, a
    lost connection, a send that may have arrived); a bare HTTP answer said plainly."""
    if code is not None:
        return REASONS.get(code, f"WhatsApp no entregó el mensaje (código {code}).")
    if not error:
        return "WhatsApp no aceptó el mensaje."
    if error.startswith(UNDELIVERED):  # Meta's failed status without a code: no English
        return f"{UNDELIVERED}."
    if error.startswith("HTTP "):
        return f"WhatsApp respondió con un error ({error.split(':')[0]})."
    return error
