"""Python bindings of orc, a C++ reimplementation of the Substra orchestrator
0.37.0 core.

Open a ledger, call the API as an organisation with dicts, read events, and
play scenarios as ``orcsim run`` does::

    import orc

    ledger = orc.open("memory")  # or "postgres://...", "grpc://HOST:PORT"
    org1 = ledger.as_org("MyOrg1MSP")
    org1.register_organization(address="http://org1.example")
    org1.get_all_organizations()["organizations"]

    result = orc.run_scenario("scenarios/mnist-fedavg.yaml", seed=42)
    result.trace_hash, result.performances
"""

from orc import _orc
from orc._errors import (
    ERROR_CLASSES,
    BadRequestError,
    ByteArrayError,
    CannotDisableModelError,
    CannotDisableOutputError,
    ConflictError,
    IncompatibleKindError,
    IncompatibleTaskStatusError,
    InternalError,
    InvalidAssetError,
    MissingTaskOutputError,
    NotFoundError,
    OrcError,
    PermissionDeniedError,
    TerminatedComputePlanError,
    UnavailableError,
    UnimplementedError,
)
from orc._orc import (
    EventIterator,
    Ledger,
    RunResult,
    Scenario,
    ScenarioError,
    Session,
    TargetError,
    __version__,
    error_kinds,
    load_scenario,
    open,
    rpc_methods,
    run_scenario,
)

_orc._register_error_classes(ERROR_CLASSES)

# `open` is left out so that `from orc import *` keeps the built-in open().
__all__ = [
    "BadRequestError",
    "ByteArrayError",
    "CannotDisableModelError",
    "CannotDisableOutputError",
    "ConflictError",
    "EventIterator",
    "IncompatibleKindError",
    "IncompatibleTaskStatusError",
    "InternalError",
    "InvalidAssetError",
    "Ledger",
    "MissingTaskOutputError",
    "NotFoundError",
    "OrcError",
    "PermissionDeniedError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Session",
    "TargetError",
    "TerminatedComputePlanError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
    "error_kinds",
    "load_scenario",
    "rpc_methods",
    "run_scenario",
]
