"""The ledger's DynamoDB client: 25-item batches, and UnprocessedItems retried until written.

DynamoDB returns UnprocessedItems when throttled; moto never does, so a botocore event hook on the session
holds back part of the first batch and reports it unprocessed, exactly as DynamoDB would."""

from __future__ import annotations

import boto3

from candlefish_ops.aws.dynamodb import DynamoTable


def _throttle_first_batch(session, held_back: int):
    state = {"held": None, "calls": 0}

    def hold_back(params, **_kwargs):
        state["calls"] += 1
        if state["held"] is None:
            (table, requests), = params["RequestItems"].items()
            state["held"] = {table: requests[-held_back:]}
            params["RequestItems"] = {table: requests[:-held_back]}

    def report_unprocessed(parsed, **_kwargs):
        if state["calls"] == 1:
            parsed["UnprocessedItems"] = state["held"]

    session.events.register("provide-client-params.dynamodb.BatchWriteItem", hold_back)
    session.events.register("after-call.dynamodb.BatchWriteItem", report_unprocessed)
    return state


def test_unprocessed_items_are_retried_until_written(world):
    session = boto3.Session(region_name="us-east-1")
    state = _throttle_first_batch(session, held_back=7)
    sleeps = []
    table = DynamoTable(session, "us-east-1", "staging-candlefish-waf-ledger", sleep=sleeps.append)
    calls = table.put_items({"pk": "block#v4", "sk": f"198.51.100.{i}/32", "reason": "x"} for i in range(60))
    assert calls == 4  # batches of 25, 25, 10 plus one retry of the 7 held back
    assert state["calls"] == 4 and len(sleeps) == 1
    assert len(table.query_partition("pk", "block#v4")) == 60


def test_missing_table_is_a_clear_error(world):
    from candlefish_ops.errors import NotFoundError
    import pytest

    table = DynamoTable(boto3.Session(region_name="us-east-1"), "us-east-1", "nope")
    with pytest.raises(NotFoundError, match="DynamoDB table nope not found in us-east-1: deploy the security"):
        table.query_partition("pk", "block#v4")
