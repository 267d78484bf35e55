"""Exceptions raised for the errors of the orc core, one class per error kind.

Each class carries the kind's name in Substra orchestrator 0.37.0 (``kind``),
its code (``code``, for example ``"OE0002"``) and the gRPC status number the
kind maps to (``grpc_status``). The instance's ``message`` is the core's full
message, code included: ``OE0002: computetask with key "..." not found``.
"""

from __future__ import annotations

from typing import ClassVar, Dict, Type


class OrcError(Exception):
    """Base class of the errors the core returns for a rejected request."""

    kind: ClassVar[str] = ""
    code: ClassVar[str] = ""
    grpc_status: ClassVar[int] = 2  # UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ByteArrayError(OrcError):
    """Stored bytes could not be decoded."""

    kind, code, grpc_status = "ErrByteArray", "OE0001", 2


class NotFoundError(OrcError):
    """The asset named in the request does not exist."""

    kind, code, grpc_status = "ErrNotFound", "OE0002", 5


class BadRequestError(OrcError):
    """The request cannot be fulfilled in the current state."""

    kind, code, grpc_status = "ErrBadRequest", "OE0003", 9


class ConflictError(OrcError):
    """The asset already exists."""

    kind, code, grpc_status = "ErrConflict", "OE0006", 6


class InternalError(OrcError):
    """Unexpected internal condition."""

    kind, code, grpc_status = "ErrInternal", "OE0007", 13


class UnimplementedError(OrcError):
    """Unsupported action or kind."""

    kind, code, grpc_status = "ErrUnimplemented", "OE0010", 12


class InvalidAssetError(OrcError):
    """The request failed validation: the message names the field."""

    kind, code, grpc_status = "ErrInvalidAsset", "OE0101", 3


class PermissionDeniedError(OrcError):
    """The requester may not do this: the message names the organisation."""

    kind, code, grpc_status = "ErrPermissionDenied", "OE0102", 7


class IncompatibleTaskStatusError(OrcError):
    """A task cannot be created in that status."""

    kind, code, grpc_status = "ErrIncompatibleTaskStatus", "OE0104", 3


class CannotDisableModelError(OrcError):
    """Kept for completeness: neither 0.37.0 nor the orc core raises it."""

    kind, code, grpc_status = "ErrCannotDisableModel", "OE0105", 3


class MissingTaskOutputError(OrcError):
    """The task has no output with that identifier."""

    kind, code, grpc_status = "ErrMissingTaskOutput", "OE0106", 3


class IncompatibleKindError(OrcError):
    """The output's kind differs from the asset's kind."""

    kind, code, grpc_status = "ErrIncompatibleKind", "OE0107", 3


class CannotDisableOutputError(OrcError):
    """The preconditions of DisableOutput are not met."""

    kind, code, grpc_status = "ErrCannotDisableOutput", "OE0108", 9


class TerminatedComputePlanError(OrcError):
    """The compute plan is already canceled or failed."""

    kind, code, grpc_status = "ErrTerminatedComputePlan", "OE0109", 9


class UnavailableError(OrcError):
    """Storage busy or unreachable: the request may be retried."""

    kind, code, grpc_status = "ErrUnavailable", "OE0900", 14


ERROR_CLASSES: Dict[str, Type[OrcError]] = {
    cls.kind: cls
    for cls in (
        ByteArrayError,
        NotFoundError,
        BadRequestError,
        ConflictError,
        InternalError,
        UnimplementedError,
        InvalidAssetError,
        PermissionDeniedError,
        IncompatibleTaskStatusError,
        CannotDisableModelError,
        MissingTaskOutputError,
        IncompatibleKindError,
        CannotDisableOutputError,
        TerminatedComputePlanError,
        UnavailableError,
    )
}
