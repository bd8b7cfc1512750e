"""The stacks' outputs: the names candlefish reads from each template, and the one reader of them.

The names are the contract between `templates/*.yaml` and the code: every area takes an output name from
here (tests/unit/test_stack_outputs.py checks each is declared in its template's `Outputs`). The reader
(`StackOutputs`) is the only place a stack is described to read its outputs; it goes through
aws/cloudformation and keeps what it read, per (stack key, region), for the life of one command.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Collection

from candlefish_ops.errors import NotFoundError

# templates/edge.yaml
DISTRIBUTION_ID = "DistributionId"
DISTRIBUTION_DOMAIN_NAME = "DistributionDomainName"
# templates/compute.yaml
LOAD_BALANCER_DNS_NAME = "LoadBalancerDnsName"
LOAD_BALANCER_ZONE_ID = "LoadBalancerHostedZoneId"
# templates/api.yaml
REST_API_ID = "RestApiId"
REST_API_DOMAIN_NAME = "RestApiDomainName"            # the execute-api host
REST_API_STAGE_NAME = "RestApiStageName"
REST_API_REGIONAL_DOMAIN_NAME = "RestApiRegionalDomainName"  # the regional custom domain api.DOMAIN
REST_API_REGIONAL_ZONE_ID = "RestApiRegionalHostedZoneId"
WEBSOCKET_API_ID = "WebSocketApiId"
WEBSOCKET_DOMAIN_NAME = "WebSocketDomainName"
WEBSOCKET_REGIONAL_DOMAIN_NAME = "WebSocketRegionalDomainName"  # the regional custom domain ws.DOMAIN
WEBSOCKET_REGIONAL_ZONE_ID = "WebSocketRegionalHostedZoneId"
# templates/dns.yaml
HOSTED_ZONE_ID = "HostedZoneId"
# templates/security.yaml
WEB_ACL_NAME = "WebAclName"
WEB_ACL_ARN = "WebAclArn"
IP_SET_ARNS = {"block_v4": "BlockListV4Arn", "block_v6": "BlockListV6Arn",
               "allow_v4": "AllowListV4Arn", "allow_v6": "AllowListV6Arn"}
WAF_LEDGER_TABLE = "WafLedgerTableName"
# templates/storage.yaml
STATIC_ASSETS_BUCKET = "StaticAssetsBucketName"

# Per template, the outputs named above (the edge functions' `<Resource>VersionArn`/`FunctionName` outputs
# are derived in edge/functions.py and checked against edge.yaml by tests/unit/edge).
CONTRACT: dict[str, tuple[str, ...]] = {
    "edge.yaml": (DISTRIBUTION_ID, DISTRIBUTION_DOMAIN_NAME),
    "compute.yaml": (LOAD_BALANCER_DNS_NAME, LOAD_BALANCER_ZONE_ID),
    "api.yaml": (REST_API_ID, REST_API_DOMAIN_NAME, REST_API_STAGE_NAME, REST_API_REGIONAL_DOMAIN_NAME,
                 REST_API_REGIONAL_ZONE_ID, WEBSOCKET_API_ID, WEBSOCKET_DOMAIN_NAME, WEBSOCKET_REGIONAL_DOMAIN_NAME,
                 WEBSOCKET_REGIONAL_ZONE_ID),
    "dns.yaml": (HOSTED_ZONE_ID,),
    "security.yaml": (WEB_ACL_NAME, WEB_ACL_ARN, *IP_SET_ARNS.values(), WAF_LEDGER_TABLE),
    "storage.yaml": (STATIC_ASSETS_BUCKET,),
}


class StackOutputs:
    """Reads an environment's stacks (status, parameters, outputs) once each, per (stack key, region).

    `cloudformation(region)` gives the client (default: a new aws.cloudformation.CloudFormation per region);
    `usable` limits which stack statuses count as deployed (None: any live stack). Thread-safe.
    """

    def __init__(self, session, environment, sleep: Callable[[float], None] = time.sleep,
                 cloudformation: Callable[[str], object] | None = None,
                 usable: Collection[str] | None = None) -> None:
        self.session, self.environment = session, environment
        self._sleep = sleep
        self._factory = cloudformation
        self._usable = usable
        self._clients: dict[str, object] = {}
        self._stacks: dict[tuple[str, str], object] = {}
        self._outputs: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()

    def stack(self, key: str, region: str | None = None):
        """The live stack (aws.cloudformation.StackInfo) of `key` in `region` (default: its first), or None."""
        region = region or self.environment.stacks[key].regions[0]
        with self._lock:
            if (key, region) in self._stacks:
                return self._stacks[(key, region)]
        return self._describe(key, region)

    def of(self, key: str, region: str | None = None) -> dict[str, str] | None:
        """The outputs of `key` in `region` (default: its first), None when the stack is not deployed (or not
        in a usable state). Only found outputs are kept: a missing stack is asked for again next time."""
        region = region or self.environment.stacks[key].regions[0]
        with self._lock:
            if (key, region) in self._outputs:
                return self._outputs[(key, region)]
        info = self._describe(key, region)
        if info is None or (self._usable is not None and info.status not in self._usable):
            return None
        with self._lock:
            return self._outputs.setdefault((key, region), dict(info.outputs))

    def require(self, key: str, region: str | None = None) -> dict[str, str]:
        """The outputs, or NotFoundError saying to deploy the stack first."""
        region = region or self.environment.stacks[key].regions[0]
        outputs = self.of(key, region)
        if outputs is None:
            raise NotFoundError(f"stack {self.environment.stacks[key].stack_name} does not exist in {region}; "
                                f"deploy it first (candlefish deploy {self.environment.name})")
        return outputs

    def value(self, key: str, name: str, region: str | None = None, fix: str = "") -> str:
        """One output of a deployed stack, or NotFoundError naming stack, output and `fix`."""
        outputs = self.require(key, region)
        if not outputs.get(name):
            raise NotFoundError(f"stack {self.environment.stacks[key].stack_name} has no {name} output"
                                + (f"; {fix}" if fix else ""))
        return outputs[name]

    def remember(self, key: str, region: str, outputs: dict[str, str]) -> None:
        """Record the outputs of a stack just deployed (later reads see them without a call)."""
        with self._lock:
            self._outputs[(key, region)] = dict(outputs)

    def _describe(self, key: str, region: str):
        info = self._client(region).describe_stack(self.environment.stacks[key].stack_name)
        with self._lock:
            self._stacks[(key, region)] = info
        return info

    def _client(self, region: str):
        with self._lock:
            if region not in self._clients:
                if self._factory is not None:
                    self._clients[region] = self._factory(region)
                else:
                    from candlefish_ops.aws.cloudformation import CloudFormation

                    self._clients[region] = CloudFormation(self.session, region, sleep=self._sleep)
            return self._clients[region]
