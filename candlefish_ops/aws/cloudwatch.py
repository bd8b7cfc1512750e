"""CloudWatch: metric data (standard and percentile statistics) and alarms in ALARM, for one region."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import boto3

from candlefish_ops.aws.base import aws_errors, client

MAX_QUERIES_PER_REQUEST = 500


@dataclass(frozen=True)
class MetricQuery:
    """One statistic of one metric over the window: `stat` is Sum, Average, Maximum, p50, p99, ..."""

    id: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int


@dataclass(frozen=True)
class Alarm:
    name: str
    region: str
    reason: str
    metric: str
    updated: datetime | None


class CloudWatch:
    """One region's CloudWatch."""

    def __init__(self, session: boto3.Session, region: str, sleep: Callable[[float], None] = time.sleep):
        self.region = region
        self._client = client(session, "cloudwatch", region)
        self._sleep = sleep

    def metric_values(self, queries: list[MetricQuery], start: datetime, end: datetime) -> dict[str, list[float]]:
        """The datapoints of each query (by id), oldest first; an id with no data maps to []."""
        values: dict[str, list[float]] = {query.id: [] for query in queries}
        for offset in range(0, len(queries), MAX_QUERIES_PER_REQUEST):
            batch = queries[offset:offset + MAX_QUERIES_PER_REQUEST]
            self._read_batch(batch, start, end, values)
        return values

    def _read_batch(self, batch: list[MetricQuery], start: datetime, end: datetime,
                    values: dict[str, list[float]]) -> None:
        request = {"MetricDataQueries": [_query(q) for q in batch], "StartTime": start, "EndTime": end,
                   "ScanBy": "TimestampAscending"}
        with aws_errors(f"reading CloudWatch metrics in {self.region}"):
            while True:
                answer = self._client.get_metric_data(**request)
                for result in answer.get("MetricDataResults", []):
                    values[result["Id"]].extend(v for v in result.get("Values", []) if v is not None)
                if not answer.get("NextToken"):
                    return
                request["NextToken"] = answer["NextToken"]

    def alarms_in_alarm(self, name_prefix: str) -> list[Alarm]:
        """Metric and composite alarms whose name starts with `name_prefix` and whose state is ALARM."""
        paginator = self._client.get_paginator("describe_alarms")
        alarms: list[Alarm] = []
        with aws_errors(f"reading CloudWatch alarms in {self.region}"):
            for page in paginator.paginate(StateValue="ALARM", AlarmNamePrefix=name_prefix,
                                           AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
                for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                    alarms.append(Alarm(alarm["AlarmName"], self.region, alarm.get("StateReason", ""),
                                        alarm.get("MetricName", ""), alarm.get("StateUpdatedTimestamp")))
        return alarms


def _query(query: MetricQuery) -> dict:
    metric = {"Namespace": query.namespace, "MetricName": query.metric,
              "Dimensions": [{"Name": name, "Value": value} for name, value in query.dimensions]}
    return {"Id": query.id, "MetricStat": {"Metric": metric, "Period": query.period, "Stat": query.stat},
            "ReturnData": True}
