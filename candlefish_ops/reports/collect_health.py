"""Read the live stack for `report health`: stack statuses, the resources their outputs name, one batch of
CloudWatch metrics per region for the last hour, Route 53 health checks, alarms in ALARM; then judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from candlefish_ops import stack_outputs as names
from candlefish_ops.reports.collect_costs import environment_tag
from candlefish_ops.reports.health import (
    FAIL, INFO, MISSING, PASS, WARN, Check, HealthReport, drift_text, judge_at_least_percent, judge_at_most,
    rate_percent, stack_verdict, sum_present, summarise,
)

WINDOW = timedelta(hours=1)
PERIOD_SECONDS = 3600
GLOBAL_REGION = "us-east-1"  # CloudFront, CLOUDFRONT-scope WAF and Route 53 publish their metrics here
# The emulator layer puts this metric next to the data it seeds (real accounts have none): zero extra
# requests, it rides in the us-east-1 batch.
EMULATED_NAMESPACE, EMULATED_METRIC = "Candlefish/Emulator", "EmulatedData"


@dataclass
class StackState:
    name: str
    region: str
    info: object | None   # aws.cloudformation.StackInfo


@dataclass
class Resources:
    """What the stacks' outputs name (per region where it matters)."""

    distribution_id: str | None = None
    web_acl_name: str | None = None
    rest_apis: list[tuple[str, str]] = field(default_factory=list)       # (region, RestApiId)
    websocket_apis: list[tuple[str, str]] = field(default_factory=list)  # (region, WebSocketApiId)
    functions: list[tuple[str, str]] = field(default_factory=list)       # (region, function name)
    edge_functions: list[tuple[str, str]] = field(default_factory=list)  # (home region, name): Lambda@Edge
    edge_regions: tuple[str, ...] = ()                                   # where Lambda@Edge runs


class MetricPlan:
    """The metric queries of the report, by region, each under a readable key."""

    def __init__(self) -> None:
        self.queries: dict[str, list] = {}
        self.keys: dict[tuple, tuple[str, str, str]] = {}   # key -> (region, query id, stat)

    def add(self, key: tuple, region: str, namespace: str, metric: str, dimensions: dict[str, str], stat: str) -> None:
        from candlefish_ops.aws.cloudwatch import MetricQuery

        region_queries = self.queries.setdefault(region, [])
        query_id = f"m{len(self.keys)}"
        region_queries.append(MetricQuery(query_id, namespace, metric, tuple(dimensions.items()), stat,
                                          PERIOD_SECONDS))
        self.keys[key] = (region, query_id, stat)


class HealthClients:
    """The AWS clients of one report, made once (a `--watch` redraw reuses them: no model loading)."""

    def __init__(self, session) -> None:
        from candlefish_ops.aws.base import CallCounter
        from candlefish_ops.aws.health_reads import HealthReads

        self.session = session
        self.counter = CallCounter(session)
        self.reads = HealthReads(session)
        self._cloudformation: dict[str, object] = {}
        self._cloudwatch: dict[str, object] = {}

    def cloudformation(self, region: str):
        from candlefish_ops.aws.cloudformation import CloudFormation

        if region not in self._cloudformation:
            self._cloudformation[region] = CloudFormation(self.session, region)
        return self._cloudformation[region]

    def cloudwatch(self, regions: set[str]) -> dict:
        from candlefish_ops.aws.cloudwatch import CloudWatch

        for region in regions - set(self._cloudwatch):
            self._cloudwatch[region] = CloudWatch(self.session, region)
        return {region: self._cloudwatch[region] for region in sorted(regions)}


def collect_health(session, environment, now: datetime | None = None,
                   clients: HealthClients | None = None) -> HealthReport:
    """Everything `report health` shows, judged against the environment's targets."""
    clients = clients or HealthClients(session)
    requests_before = clients.counter.total
    end = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0)
    start = end - WINDOW
    stacks = read_stacks(clients, environment)
    resources = discover(stacks, clients.reads)
    resources.edge_regions = edge_regions(environment)
    plan = metric_plan(resources, clients.reads)
    watchers = clients.cloudwatch({s.region for s in stacks} | {GLOBAL_REGION} | set(resources.edge_regions))
    values = read_metrics(watchers, plan, start, end)
    distribution = clients.reads.distribution(resources.distribution_id) if resources.distribution_id else None
    checks = [*stack_checks(stacks), *distribution_checks(distribution, resources.distribution_id),
              *metric_checks(resources, values, environment.reports.targets),
              *route53_checks(clients.reads.health_checks(belongs_to(environment))),
              *alarm_checks(watchers, environment)]
    emulated = values.get(("emulated",)) is not None
    return HealthReport(environment.name, tuple(checks), start, end, emulated,
                        clients.counter.total - requests_before)


def read_stacks(clients: HealthClients, environment) -> list[StackState]:
    states = []
    reader = names.StackOutputs(clients.session, environment, cloudformation=clients.cloudformation)
    for key, stack in environment.stacks.items():
        for region in stack.regions:
            info = reader.stack(key, region)
            states.append(StackState(stack.stack_name, region, info))
    return states


def edge_regions(environment) -> tuple[str, ...]:
    """Where the Lambda@Edge functions run: `reports.edge_regions`, else every region the stacks deploy to
    (and us-east-1, the functions' home)."""
    configured = environment.reports.edge_regions
    if configured:
        return tuple(configured)
    return tuple(sorted({r for stack in environment.stacks.values() for r in stack.regions} | {GLOBAL_REGION}))


def discover(stacks: list[StackState], reads) -> Resources:
    """Find the distribution, web ACL, APIs and functions from the stacks' outputs and resources; the
    functions of the stack that outputs the distribution are its Lambda@Edge functions."""
    found = Resources()
    for state in stacks:
        if state.info is None:
            continue
        outputs = state.info.outputs
        found.distribution_id = found.distribution_id or outputs.get(names.DISTRIBUTION_ID)
        found.web_acl_name = (found.web_acl_name or outputs.get(names.WEB_ACL_NAME)
                              or _acl_name(outputs.get(names.WEB_ACL_ARN)))
        if outputs.get(names.REST_API_ID):
            found.rest_apis.append((state.region, outputs[names.REST_API_ID]))
        if outputs.get(names.WEBSOCKET_API_ID):
            found.websocket_apis.append((state.region, outputs[names.WEBSOCKET_API_ID]))
        functions = [(state.region, name) for name in reads.stack_functions(state.region, state.name)]
        (found.edge_functions if outputs.get(names.DISTRIBUTION_ID) else found.functions).extend(functions)
    return found


def _acl_name(arn: str | None) -> str | None:
    """arn:aws:wafv2:us-east-1:123456789012:global/webacl/NAME/ID -> NAME."""
    parts = (arn or "").split("/")
    return parts[-2] if len(parts) >= 3 else None


def metric_plan(resources: Resources, reads) -> MetricPlan:
    plan = MetricPlan()
    plan.add(("emulated",), GLOBAL_REGION, EMULATED_NAMESPACE, EMULATED_METRIC, {}, "Maximum")
    if resources.distribution_id:
        dims = {"DistributionId": resources.distribution_id, "Region": "Global"}
        for metric, stat in (("Requests", "Sum"), ("CacheHitRate", "Average"), ("4xxErrorRate", "Average"),
                             ("5xxErrorRate", "Average")):
            plan.add(("cloudfront", metric), GLOBAL_REGION, "AWS/CloudFront", metric, dims, stat)
    if resources.web_acl_name:
        for metric in ("AllowedRequests", "BlockedRequests"):
            plan.add(("waf", metric), GLOBAL_REGION, "AWS/WAFV2", metric,
                     {"WebACL": resources.web_acl_name, "Rule": "ALL"}, "Sum")
    _plan_apis(plan, resources, reads)
    for region, function in resources.functions:
        for metric in LAMBDA_METRICS:
            plan.add(("lambda", region, function, metric), region, "AWS/Lambda", metric,
                     {"FunctionName": function}, "Sum")
    _plan_edge_functions(plan, resources)
    return plan


LAMBDA_METRICS = ("Invocations", "Errors", "Throttles")


def _plan_edge_functions(plan: MetricPlan, resources: Resources) -> None:
    """Lambda@Edge publishes its metrics in the region where a replica ran, under the name
    `HOME.FUNCTION` (HOME is us-east-1, where it was created); direct invocations keep the plain
    name in the home region. docs/reports.md cites the AWS pages."""
    for home, function in resources.edge_functions:
        for metric in LAMBDA_METRICS:
            plan.add(("lambda@edge", home, function, "direct", metric), home, "AWS/Lambda", metric,
                     {"FunctionName": function}, "Sum")
            for region in resources.edge_regions:
                plan.add(("lambda@edge", home, function, region, metric), region, "AWS/Lambda", metric,
                         {"FunctionName": f"{home}.{function}"}, "Sum")


def _plan_apis(plan: MetricPlan, resources: Resources, reads) -> None:
    for region, api_id in resources.rest_apis:
        name = reads.rest_api_name(region, api_id)
        if name is None:
            continue
        for metric, stat in (("Latency", "p50"), ("Latency", "p99"), ("Count", "Sum"), ("4XXError", "Sum"),
                             ("5XXError", "Sum")):
            plan.add(("api", region, api_id, metric, stat), region, "AWS/ApiGateway", metric, {"ApiName": name}, stat)
    for region, api_id in resources.websocket_apis:
        plan.add(("websocket", region, api_id), region, "AWS/ApiGateway", "IntegrationLatency", {"ApiId": api_id},
                 "p50")


def read_metrics(watchers: dict, plan: MetricPlan, start: datetime, end: datetime) -> dict[tuple, float | None]:
    """One figure per key (None when CloudWatch has no datapoint in the window)."""
    raw: dict[str, dict[str, list[float]]] = {}
    for region, queries in plan.queries.items():
        raw[region] = watchers[region].metric_values(queries, start, end)
    return {key: summarise(raw[region][query_id], stat) for key, (region, query_id, stat) in plan.keys.items()}


# --- checks ------------------------------------------------------------------------------------------------

def stack_checks(stacks: list[StackState]) -> list[Check]:
    checks = []
    for state in stacks:
        status = state.info.status if state.info else None
        detail = drift_text(state.info.drift_status) if state.info else "not deployed"
        verdict = stack_verdict(status)
        if verdict == PASS and state.info.drift_status == "DRIFTED":
            verdict = WARN  # deployed, but no longer what the template says
        checks.append(Check("stacks", f"{state.name} ({state.region})", "status", status or "not deployed", "",
                            "*_COMPLETE, no drift", verdict, detail))
    return checks


def metric_checks(resources: Resources, values: dict, targets) -> list[Check]:
    return [*cloudfront_checks(resources.distribution_id, values, targets),
            *api_checks(resources, values, targets), *lambda_checks(resources, values, targets),
            *waf_checks(resources.web_acl_name, values)]


def cloudfront_checks(distribution_id: str | None, values: dict, targets) -> list[Check]:
    if not distribution_id:
        return [Check("cloudfront", "-", "distribution", None, "", "deployed", MISSING,
                      "no stack output DistributionId")]
    margin = targets.warn_margin_percent
    hit = values.get(("cloudfront", "CacheHitRate"))
    errors_5xx = values.get(("cloudfront", "5xxErrorRate"))
    availability = None if errors_5xx is None else 100.0 - errors_5xx
    return [
        Check("cloudfront", distribution_id, "requests (1 h)", values.get(("cloudfront", "Requests")), "", "", INFO),
        Check("cloudfront", distribution_id, "cache hit ratio", hit, "%", f"≥ {targets.cache_hit_ratio_percent:g} %",
              judge_at_least_percent(hit, targets.cache_hit_ratio_percent, margin)),
        Check("cloudfront", distribution_id, "4xx error rate", values.get(("cloudfront", "4xxErrorRate")), "%", "",
              INFO),
        Check("cloudfront", distribution_id, "5xx error rate", errors_5xx, "%", f"< {targets.error_rate_percent:g} %",
              judge_at_most(errors_5xx, targets.error_rate_percent, margin)),
        Check("cloudfront", distribution_id, "availability", availability, "%",
              f"≥ {targets.availability_percent:g} %",
              judge_at_least_percent(availability, targets.availability_percent, margin), "100 % - 5xx rate"),
    ]


def distribution_checks(state, distribution_id: str | None) -> list[Check]:
    """Deployment status, enabled and aliases of the distribution (read through the CloudFront API)."""
    if not distribution_id:
        return []
    if state is None:
        return [Check("cloudfront", distribution_id, "distribution", "not found", "", "Deployed", FAIL)]
    aliases = ", ".join(state.aliases) or "no aliases"
    verdict = PASS if state.status == "Deployed" and state.enabled else WARN if state.enabled else FAIL
    return [Check("cloudfront", distribution_id, "status", state.status, "", "Deployed, enabled", verdict,
                  f"{'enabled' if state.enabled else 'DISABLED'}; {aliases}")]


def api_checks(resources: Resources, values: dict, targets) -> list[Check]:
    checks = []
    margin = targets.warn_margin_percent
    for region, api_id in resources.rest_apis:
        item = f"{api_id} ({region})"
        get = lambda metric, stat: values.get(("api", region, api_id, metric, stat))  # noqa: E731
        p50, p99, count = get("Latency", "p50"), get("Latency", "p99"), get("Count", "Sum")
        rate_5xx, rate_4xx = rate_percent(get("5XXError", "Sum"), count), rate_percent(get("4XXError", "Sum"), count)
        checks += [
            Check("api", item, "latency p50", p50, "ms", f"< {targets.api_latency_p50_ms:g} ms",
                  judge_at_most(p50, targets.api_latency_p50_ms, margin)),
            Check("api", item, "latency p99", p99, "ms", f"< {targets.api_latency_p99_ms:g} ms",
                  judge_at_most(p99, targets.api_latency_p99_ms, margin)),
            Check("api", item, "4xx rate", rate_4xx, "%", "", INFO),
            Check("api", item, "5xx rate", rate_5xx, "%", f"< {targets.error_rate_percent:g} %",
                  judge_at_most(rate_5xx, targets.error_rate_percent, margin)),
        ]
    for region, api_id in resources.websocket_apis:
        latency = values.get(("websocket", region, api_id))
        checks.append(Check("websocket", f"{api_id} ({region})", "integration latency p50", latency, "ms",
                            f"< {targets.websocket_latency_ms:g} ms",
                            judge_at_most(latency, targets.websocket_latency_ms, margin)))
    return checks


def lambda_checks(resources: Resources, values: dict, targets) -> list[Check]:
    checks = []
    for region, function in resources.functions:
        get = lambda metric: values.get(("lambda", region, function, metric))  # noqa: E731
        checks += _function_checks(f"{function} ({region})", get, targets, "")
    for home, function in resources.edge_functions:
        places = ("direct", *resources.edge_regions)
        get = lambda metric: sum_present(  # noqa: E731
            [values.get(("lambda@edge", home, function, place, metric)) for place in places])
        ran = [f"{place} {_count(values.get(('lambda@edge', home, function, place, 'Errors')))}/"
               f"{_count(invocations)}" for place in places
               if (invocations := values.get(("lambda@edge", home, function, place, "Invocations")))]
        where = f"; errors/invocations by region: {', '.join(ran)}" if ran else \
            f"; no invocations in {', '.join(resources.edge_regions)}"
        checks += _function_checks(f"{function} (Lambda@Edge)", get, targets, where)
    return checks


def _function_checks(item: str, get, targets, where: str) -> list[Check]:
    rate = rate_percent(get("Errors"), get("Invocations"))
    throttles = get("Throttles")
    return [
        Check("lambda", item, "error rate", rate, "%", f"< {targets.error_rate_percent:g} %",
              judge_at_most(rate, targets.error_rate_percent, targets.warn_margin_percent),
              f"{_count(get('Errors'))} errors / {_count(get('Invocations'))} invocations{where}"),
        Check("lambda", item, "throttles", throttles, "", "0",
              MISSING if throttles is None else PASS if throttles == 0 else WARN),
    ]


def waf_checks(web_acl_name: str | None, values: dict) -> list[Check]:
    if not web_acl_name:
        return []
    blocked, allowed = values.get(("waf", "BlockedRequests")), values.get(("waf", "AllowedRequests"))
    total = None if blocked is None or allowed is None else blocked + allowed
    share = rate_percent(blocked, total)
    shown = lambda value: INFO if value is not None else MISSING  # noqa: E731
    return [Check("waf", web_acl_name, "allowed requests (1 h)", allowed, "", "", shown(allowed)),
            Check("waf", web_acl_name, "blocked requests (1 h)", blocked, "", "", shown(blocked),
                  "" if share is None else f"{share:.2f} % of requests blocked")]


def belongs_to(environment):
    """A health check is the environment's when tagged with its cost tag, or probing a name in its domain."""
    key, value = environment_tag(environment)

    def wanted(target: str, tags: tuple[tuple[str, str], ...]) -> bool:
        return (key, value) in tags or bool(environment.domain and environment.domain in target)

    return wanted


def route53_checks(mine) -> list[Check]:
    if not mine:
        return [Check("route53", "-", "health checks", 0, "", "", INFO, "no health checks for this environment")]
    return [Check("route53", check.id, f"{check.kind} {check.target}".strip(),
                  "healthy" if check.healthy else "unhealthy", "", "healthy", PASS if check.healthy else FAIL,
                  f"{check.healthy_observations}/{check.observations} checkers report healthy") for check in mine]


def alarm_checks(watchers: dict, environment) -> list[Check]:
    """Alarms named `{env}-candlefish-...` in ALARM, in every region the environment uses."""
    prefix = f"{environment.name}-candlefish-"
    alarms = [a for region in sorted(watchers) for a in watchers[region].alarms_in_alarm(prefix)]
    if not alarms:
        return [Check("alarms", f"{prefix}*", "alarms in ALARM", 0, "", "0", PASS)]
    return [Check("alarms", f"{alarm.name} ({alarm.region})", "state", "ALARM", "", "OK", FAIL, alarm.reason)
            for alarm in alarms]


def _count(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"
