"""Load `config/ENV.yaml` once into a typed, validated Environment; every error names file and key.

The core (reader, schema, stacks, names) lives here; each area's section is parsed by the schema beside it
(`dns/config.py`, `waf/config.py`, `site/config.py`, `probe/config.py`, `reports/config.py`), composed here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import candlefish_ops.dns.config as dns
import candlefish_ops.probe.config as probe
import candlefish_ops.reports.config as reports
import candlefish_ops.site.config as site
import candlefish_ops.waf.config as waf
from candlefish_ops.config.reader import check_file, read_yaml
from candlefish_ops.config.names import bucket_name_problems
from candlefish_ops.config.schema import Node
from candlefish_ops.config.stacks import REGION_PATTERN, StackConfig, dependency_batches, parse_stacks
from candlefish_ops.echo import quoted
from candlefish_ops.errors import ConfigError

ENV_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_TOP_KEYS = {"project", "environment", "account_id", "region", "protected", "domain", "tags",
             "artifacts_bucket", "templates_dir", "stacks", "dns", "waf", "reports", "probe", "site"}

__all__ = ["Environment", "StackConfig", "load_environment", "dependency_batches"]


@dataclass(frozen=True)
class Environment:
    """Everything candlefish knows about one environment, validated."""

    name: str
    file: Path
    project: str
    region: str
    protected: bool
    domain: str | None
    account_id: str | None
    tags: Mapping[str, str]
    artifacts_bucket: str | None
    templates_dir: Path
    stacks: Mapping[str, StackConfig]
    # Each area's schema lives beside its area (<area>/config.py); the lambdas defer the attribute lookup so
    # importing an area's config first (which imports this package back mid-way) is not an import cycle.
    dns: dns.DnsConfig = field(default_factory=lambda: dns.DnsConfig())
    waf: waf.WafConfig = field(default_factory=lambda: waf.WafConfig())
    reports: reports.ReportsConfig = field(default_factory=lambda: reports.ReportsConfig())
    probe: probe.ProbeConfig = field(default_factory=lambda: probe.ProbeConfig())
    site: site.SiteConfig = field(default_factory=lambda: site.SiteConfig())

    def stack_tags(self, stack: StackConfig) -> dict[str, str]:
        """The tags every stack carries: ours first, then config's (which cannot override ours)."""
        ours = {"Project": self.project, "Environment": self.name, "ManagedBy": "candlefish"}
        return {**self.tags, **stack.tags, **ours}


def load_environment(config_dir: Path, name: str) -> Environment:
    """Read and validate `<config_dir>/<name>.yaml`."""
    if not ENV_NAME_PATTERN.match(name):
        raise ConfigError(f"environment name {quoted(name)} is invalid: use lower-case letters, digits and dashes")
    file = Path(config_dir) / f"{name}.yaml"
    if not check_file(file):
        raise ConfigError(f"{file}: no such environment file "
                          f"(known environments: {', '.join(known_environments(config_dir)) or 'none'})")
    return _parse(Node(read_yaml(file), file), name)


def known_environments(config_dir: Path) -> list[str]:
    return sorted(path.stem for path in Path(config_dir).glob("*.yaml"))


def _parse(root: Node, name: str) -> Environment:
    root.mapping(_TOP_KEYS, required={"project", "stacks"})
    environment = root.get("environment", str, name)
    if environment != name:
        raise root.error(f"says {environment!r} but the file is {name}.yaml", "environment")
    region = root.get("region", str, "us-east-1")
    if not REGION_PATTERN.match(region):
        raise root.error(f"{quoted(region)} is not an AWS region name", "region")
    protected = root.get("protected", bool, name in ("production", "prod"))
    templates_dir = (root.file.parent / root.get("templates_dir", str, "../templates")).resolve()
    project = _project(root)
    stacks = parse_stacks(root.child("stacks"), project, name, region, protected, templates_dir)
    artifacts_bucket = root.get("artifacts_bucket", str)
    for problem in bucket_name_problems(project, name, [r for s in stacks.values() for r in s.regions] + [region],
                                        artifacts_bucket):
        raise ConfigError(f"{root.file}: {problem}")
    return Environment(
        name=name, file=root.file, project=project, region=region, protected=protected,
        domain=root.get("domain", str), account_id=_account_id(root), tags=root.str_map("tags"),
        artifacts_bucket=artifacts_bucket, templates_dir=templates_dir, stacks=stacks,
        dns=dns.parse(_section(root, "dns"), name),
        waf=waf.parse(_section(root, "waf"), name),
        reports=reports.parse(_section(root, "reports"), name),
        probe=probe.parse(_section(root, "probe"), name),
        site=site.parse(_section(root, "site"), stacks),
    )


def _project(root: Node) -> str:
    project = root.get("project", str, required=True)
    if not re.match(r"^[a-z][a-z0-9-]{0,30}$", project):
        raise root.error(f"{project!r}: use lower-case letters, digits and dashes", "project")
    return project


def _account_id(root: Node) -> str | None:
    value = root.value.get("account_id")
    if value is None:
        return None
    text = str(value)
    if not re.fullmatch(r"\d{12}", text):
        raise root.error(f"{text!r} is not a 12-digit AWS account id (quote it in YAML)", "account_id")
    return text


def _section(root: Node, key: str) -> Node | None:
    return root.child(key) if root.value.get(key) is not None else None
