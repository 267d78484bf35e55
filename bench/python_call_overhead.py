#!/usr/bin/env python3
"""Measure what a call through the Python bindings costs on top of the same
call made from C++.

For each RPC, the C++ figure is orc._orc._time_cpp_call: the API method
called in a C++ loop with one prepared request message. The Python figure
is the session method called from Python with a dict, which adds the
argument dispatch, the dict to message conversion, the lock and the
response to dict conversion. Both run in the same process on the same
in-memory ledger, filled by the mnist-fedavg scenario. Prints the median of
--repeats runs of --iterations calls each, in microseconds per call.

    python bench/python_call_overhead.py [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import timeit
from pathlib import Path

import orc

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "mnist-fedavg.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20000, help="calls per timed run")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per figure (the median is printed)")
    options = parser.parse_args()

    ledger = orc.open("memory", clock="manual")
    ledger.run_scenario(SCENARIO)
    session = ledger.as_org("MyOrg1MSP")
    task = session.query_tasks(page_size=1)["tasks"][0]
    sample = session.query_data_samples(page_size=1)["data_samples"][0]

    cases = [
        ("QueryVersion", "query_version", {}),
        ("GetDataSample", "get_data_sample", {"key": sample["key"]}),
        ("GetAllOrganizations (3)", "get_all_organizations", {}),
        ("GetTask", "get_task", {"key": task["key"]}),
    ]
    print(f"orc {orc.__version__}: median of {options.repeats} runs of {options.iterations} calls, us per call")
    print(f"{'RPC':<26}{'C++':>9}{'Python':>9}{'overhead':>10}")
    for label, python_name, request in cases:
        method = label.split(" ")[0]
        method_call = getattr(session, python_name)
        cpp = statistics.median(
            orc._orc._time_cpp_call(session, method, request, options.iterations) / 1000
            for _ in range(options.repeats))
        python = statistics.median(
            run / options.iterations * 1e6
            for run in timeit.repeat(lambda: method_call(request), number=options.iterations,
                                     repeat=options.repeats))
        print(f"{label:<26}{cpp:>9.2f}{python:>9.2f}{python - cpp:>10.2f}")


if __name__ == "__main__":
    main()
