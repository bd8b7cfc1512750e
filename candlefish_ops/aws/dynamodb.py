"""DynamoDB tables as plain Python dicts: batched writes (25 a request, UnprocessedItems retried with
backoff), paginated queries of one partition, and single-item writes conditional on the item being unchanged
since it was read (optimistic concurrency: the write is skipped, not forced, when someone changed it)."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code
from candlefish_ops.aws.retry import Backoff, retry
from candlefish_ops.errors import AwsError, NotFoundError

BATCH_SIZE = 25  # BatchWriteItem's maximum
# between rounds of unprocessed items: full jitter over 0.05 s, 0.1 s, 0.2 s, ...
UNPROCESSED_BACKOFF = Backoff(first=0.05, factor=2, cap=5.0, jitter=True)


class _Unprocessed(Exception):
    """BatchWriteItem left items unprocessed (their count is the message)."""


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_item(values: dict[str, Any]) -> dict:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items() if value is not None}


def _from_item(item: dict) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


class DynamoTable:
    """One table, addressed by name in one region."""

    def __init__(self, session: boto3.Session, region: str, table_name: str,
                 sleep: Callable[[float], None] = time.sleep, max_unprocessed_rounds: int = 8) -> None:
        self.name = table_name
        self.region = region
        self._client = client(session, "dynamodb", region)
        self._sleep = sleep
        self._max_rounds = max_unprocessed_rounds

    def query_partition(self, key_name: str, key_value: str) -> list[dict[str, Any]]:
        """Every item whose partition key `key_name` equals `key_value` (all pages)."""
        request = {"TableName": self.name, "KeyConditionExpression": "#k = :v",
                   "ExpressionAttributeNames": {"#k": key_name},
                   "ExpressionAttributeValues": {":v": {"S": key_value}}}
        items: list[dict[str, Any]] = []
        while True:
            answer = self._query(request)
            items.extend(_from_item(item) for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return items
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _query(self, request: dict) -> dict:
        try:
            return self._client.query(**request)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                raise NotFoundError(f"DynamoDB table {self.name} not found in {self.region}: deploy the security "
                                    "stack or set the table name in the config", error_code(error)) from error
            with aws_errors(f"querying table {self.name}"):
                raise

    def put_items(self, items: Iterable[dict[str, Any]]) -> int:
        """Write (create or replace) items in batches; returns the number of BatchWriteItem requests."""
        return self._write([{"PutRequest": {"Item": _to_item(item)}} for item in items])

    def delete_items(self, keys: Iterable[dict[str, Any]]) -> int:
        return self._write([{"DeleteRequest": {"Key": _to_item(key)}} for key in keys])

    def _write(self, requests: list[dict]) -> int:
        calls = 0
        for start in range(0, len(requests), BATCH_SIZE):
            calls += self._write_batch(requests[start:start + BATCH_SIZE])
        return calls

    def _write_batch(self, batch: list[dict]) -> int:
        """One BatchWriteItem, then again for what DynamoDB left unprocessed (throttled), with backoff."""
        pending, calls = {self.name: batch}, 0

        def write() -> int:
            nonlocal pending, calls
            with aws_errors(f"writing to table {self.name}"):
                answer = self._client.batch_write_item(RequestItems=pending)
            calls += 1
            pending = answer.get("UnprocessedItems") or {}
            if pending:
                raise _Unprocessed(len(pending.get(self.name, [])))
            return calls

        return retry(write, retryable=lambda error: isinstance(error, _Unprocessed), attempts=self._max_rounds,
                     backoff=UNPROCESSED_BACKOFF, sleep=self._sleep,
                     exhausted=lambda error, failures: AwsError(
                         f"writing to table {self.name}: {error} items still unprocessed after {failures} attempts "
                         "(throttled); rerun the command"))

    def put_if_unchanged(self, item: dict[str, Any], seen: dict[str, Any] | None) -> bool:
        """Write `item` only if the stored item still has every attribute of `seen` (None: only if there is no
        item); False when it changed meanwhile (ConditionalCheckFailedException), and nothing was written."""
        request = {"TableName": self.name, "Item": _to_item(item), **_unchanged(seen, item)}
        return self._conditional("put_item", request)

    def delete_if_unchanged(self, key: dict[str, Any], seen: dict[str, Any]) -> bool:
        """Delete the item at `key` only if it still has every attribute of `seen`; False when it changed."""
        request = {"TableName": self.name, "Key": _to_item(key), **_unchanged(seen, key)}
        return self._conditional("delete_item", request)

    def _conditional(self, operation: str, request: dict) -> bool:
        try:
            getattr(self._client, operation)(**request)
            return True
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            with aws_errors(f"writing to table {self.name}"):
                raise


def _unchanged(seen: dict[str, Any] | None, key: dict[str, Any]) -> dict[str, Any]:
    """A ConditionExpression: the item has these attribute values (absent: the item does not exist)."""
    if seen is None:
        first = next(iter(key))
        return {"ConditionExpression": "attribute_not_exists(#k0)", "ExpressionAttributeNames": {"#k0": first}}
    names, values, terms = {}, {}, []
    for index, (name, value) in enumerate(sorted((k, v) for k, v in seen.items() if v is not None)):
        names[f"#a{index}"], values[f":v{index}"] = name, _SERIALIZER.serialize(value)
        terms.append(f"#a{index} = :v{index}")
    return {"ConditionExpression": " AND ".join(terms), "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values}
