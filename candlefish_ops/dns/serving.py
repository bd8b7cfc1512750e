"""Can a record's target serve it? Refuse what a load balancer would not answer, before any change. Pure.

- An AAAA alias to a load balancer answers only when the load balancer is dual-stack; Route 53 accepts the
  alias to an IPv4-only one and it then resolves to nothing
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-elb-load-balancer.html).
- A client sent to the load balancer for a name checks the name against the HTTPS listener's certificate;
  a name the certificate does not cover fails TLS.

The compute stack says both in its outputs (`LoadBalancerIpAddressType`, `LoadBalancerCertificateNames`);
where the outputs do not say (a stack deployed before they existed), nothing is assumed.
"""

from __future__ import annotations

from candlefish_ops.dns.model import host
from candlefish_ops.dns.ownership import absolute
from candlefish_ops.dns.targets import Target, bind, parse_target

from candlefish_ops.stack_outputs import LOAD_BALANCER_CERTIFICATE_NAMES as CERTIFICATE_NAMES_OUTPUT
from candlefish_ops.stack_outputs import LOAD_BALANCER_IP_ADDRESS_TYPE as IP_ADDRESS_TYPE_OUTPUT


def covered(name: str, certificate_names) -> bool:
    """`name` matches one of the certificate's names (a wildcard covers exactly one label)."""
    name = host(name).lower()
    for pattern in (host(n).lower() for n in certificate_names):
        if name == pattern or (pattern.startswith("*.") and name.count(".") == pattern.count(".")
                               and name.endswith(pattern[1:])):
            return True
    return False


def problems(config, zone: str, environment, outputs) -> list[str]:
    """One message per record set that sends clients to a load balancer that cannot serve it."""
    found = []
    for record in config.all_records():
        name = absolute(record.name, zone)
        for route in record.routes:
            if not route.target:
                continue
            target = bind(parse_target(route.target), config.stacks, environment.stacks)
            if target.kind != "alb":
                continue
            facts = outputs.get((target.stack_key, target.region), {})
            for record_type in record.types:
                problem = _problem(name, record_type, facts)
                if problem:
                    where = f"{name} {record_type}" + (f" [{route.set_id}]" if route.set_id else "")
                    found.append(f"{where} sends clients to the load balancer of {_label(target)}, {problem}")
    return found


def _problem(name: str, record_type: str, facts) -> str | None:
    ip_type = facts.get(IP_ADDRESS_TYPE_OUTPUT)
    if record_type == "AAAA" and ip_type and not ip_type.startswith("dualstack"):
        return (f"which is IPv4-only ({IP_ADDRESS_TYPE_OUTPUT} {ip_type}): the AAAA alias would answer no address; "
                "send AAAA to cloudfront or drop it from this record")
    names = [n.strip() for n in (facts.get(CERTIFICATE_NAMES_OUTPUT) or "").split(",") if n.strip()]
    if names and not covered(name, names):
        return (f"whose certificate covers only {', '.join(names)}: clients would fail TLS for {host(name)}; "
                "route this name to cloudfront")
    return None


def _label(target: Target) -> str:
    return f"stack {target.stack_key} ({target.region})"
