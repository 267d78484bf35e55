"""Events read and iterated through the bindings."""

from __future__ import annotations

import datetime

import pandas
import pytest

import orc
from conftest import Federation, new_key


def test_events_in_order(federation: Federation) -> None:
    events = list(federation.org1.events())
    kinds = [(event["asset_kind"], event["event_kind"]) for event in events]
    assert kinds[:3] == [("ASSET_ORGANIZATION", "EVENT_ASSET_CREATED")] * 3
    assert kinds[3:] == [
        ("ASSET_FUNCTION", "EVENT_ASSET_CREATED"),
        ("ASSET_DATA_MANAGER", "EVENT_ASSET_CREATED"),
        ("ASSET_DATA_SAMPLE", "EVENT_ASSET_CREATED"),
        ("ASSET_DATA_SAMPLE", "EVENT_ASSET_CREATED"),
        ("ASSET_COMPUTE_PLAN", "EVENT_ASSET_CREATED"),
    ]
    assert events[3]["function"]["key"] == federation.function["key"]
    assert "compute_task" not in events[3]
    assert all(event["channel"] == "mychannel" for event in events)


def test_read_events_pages(federation: Federation) -> None:
    everything = federation.org1.read_events(limit=100)
    assert len(everything["events"]) == 8
    assert everything["last_event_id"] == everything["events"][-1]["id"]

    first = federation.org1.read_events(limit=3)
    second = federation.org1.read_events(after=first["last_event_id"], limit=100)
    assert [e["id"] for e in first["events"] + second["events"]] == [e["id"] for e in everything["events"]]
    end = federation.org1.read_events(after=second["last_event_id"])
    assert end == {"events": [], "last_event_id": second["last_event_id"]}


def test_iterator_reads_pages_and_resumes(federation: Federation) -> None:
    iterator = federation.org1.events(page_size=3)
    ids = [event["id"] for event in iterator]
    assert len(ids) == 8
    assert iterator.last_event_id == ids[-1]

    (task,) = federation.register_chain(1)
    federation.org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_DOING", log="started")
    later = list(federation.org1.events(after=ids[-1]))
    assert [(e["asset_kind"], e["event_kind"]) for e in later] == [
        ("ASSET_COMPUTE_TASK", "EVENT_ASSET_CREATED"),
        ("ASSET_COMPUTE_TASK", "EVENT_ASSET_UPDATED"),
    ]
    assert later[1]["compute_task"]["status"] == "STATUS_DOING"
    assert later[1]["metadata"] == {"reason": "started"}


def test_events_as_data_frame(federation: Federation) -> None:
    frame = pandas.DataFrame(federation.org1.events())
    assert len(frame) == 8
    assert frame["asset_kind"].value_counts()["ASSET_DATA_SAMPLE"] == 2


def test_query_events_rpc(federation: Federation) -> None:
    response = federation.org1.query_events(page_size=2, filter={"asset_kind": "ASSET_ORGANIZATION"})
    assert len(response["events"]) == 2
    assert response["next_page_token"] != ""
    later = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert federation.org1.query_events(filter={"start": later})["events"] == []
    assert len(federation.org1.query_events(filter={"end": later})["events"]) == 8


def test_unknown_start_event(federation: Federation) -> None:
    with pytest.raises(orc.NotFoundError, match="OE0002"):
        federation.org1.read_events(after=new_key())
    with pytest.raises(ValueError, match="limit must be at least 1"):
        federation.org1.read_events(limit=0)
    with pytest.raises(ValueError, match="page_size must be at least 1"):
        federation.org1.events(page_size=0)


def test_events_are_per_channel(federation: Federation) -> None:
    assert list(federation.ledger.as_org("MyOrg1MSP", channel="other").events()) == []
