"""CloudWatch DescribeAlarms applies every filter it is given, as AWS does.

moto 5.2.5 uses only the first of ActionPrefix / AlarmNamePrefix / AlarmNames / StateValue, so a query
for "alarms of this environment in ALARM" returned every alarm of the environment, OK ones included.
"""

from __future__ import annotations

from candlefish_ops.local.moto.compat import patch


def install() -> None:
    from moto.cloudwatch.responses import CloudWatchResponse

    patch(CloudWatchResponse, "describe_alarms", _describe_alarms)


def _describe_alarms(self):
    from moto.core.responses import ActionResult

    backend = self.cloudwatch_backend
    alarms = list(backend.describe_alarms())
    action_prefix = self._get_param("ActionPrefix")
    name_prefix = self._get_param("AlarmNamePrefix")
    names = set(self._get_param("AlarmNames", []) or [])
    state = self._get_param("StateValue")
    types = set(self._get_param("AlarmTypes", []) or ["MetricAlarm"])
    if action_prefix:
        alarms = [a for a in alarms if any(str(x).startswith(action_prefix) for x in a.alarm_actions or [])]
    if name_prefix:
        alarms = [a for a in alarms if a.name.startswith(name_prefix)]
    if names:
        alarms = [a for a in alarms if a.name in names]
    if state:
        alarms = [a for a in alarms if a.state_value == state]
    metric = [a for a in alarms if a.rule is None] if "MetricAlarm" in types or not names else []
    composite = [a for a in alarms if a.rule is not None] if "CompositeAlarm" in types else []
    return ActionResult({"MetricAlarms": metric, "CompositeAlarms": composite})
