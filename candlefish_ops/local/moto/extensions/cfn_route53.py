"""Route 53 hosted zones in CloudFormation: `Fn::GetAtt HostedZone.NameServers`.

AWS returns the four name servers Route 53 assigned to the zone
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-hostedzone.html,
"Return values"). moto 5.2.5 has no such attribute, and a GetAtt it cannot answer drops every Output of the
stack; here the zone answers its delegation set's name servers, as `GetHostedZone` does.
"""

from __future__ import annotations

from typing import Any


def _get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    if attribute_name == "NameServers" and self.delegation_set is not None:
        return list(self.delegation_set.name_servers)
    if attribute_name == "Id":
        return self.resource_id
    raise UnformattedGetAttTemplateException()


def install() -> None:
    from moto.route53.models import FakeZone

    from candlefish_ops.local.moto.compat import add, patch

    add(FakeZone, "get_cfn_attribute", _get_cfn_attribute)  # moto 5.2.5 has none: GetAtt falls back to Id only
    patch(FakeZone, "has_cfn_attr", classmethod(lambda cls, attr: attr in ("Id", "NameServers")))
