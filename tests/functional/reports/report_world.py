"""A deployed production environment on the emulator, built directly with boto3 (the deploy engine is not
under test): stacks with literal outputs naming a real emulated distribution, REST APIs and a function.
Used by the report tests' fixtures and by bench/reports.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TODAY = "2026-11-15"

CONFIG = """\
project: candlefish
region: us-east-1
domain: candlefish.ai
tags: {CostCenter: platform}
stacks:
  edge:
    template: edge.yaml
  security:
    template: security.yaml
  api:
    template: api.yaml
    regions: [us-east-1, eu-west-1]
  compute:
    template: compute.yaml
"""


def load(config_dir: Path, name: str = "production"):
    from candlefish_ops.config import load_environment

    return load_environment(config_dir, name)


def _template(outputs: dict[str, str], extra: dict | None = None) -> str:
    resources = {"Marker": {"Type": "AWS::SNS::Topic"}}
    resources.update(extra or {})
    return json.dumps({"Resources": resources,
                       "Outputs": {key: {"Value": value} for key, value in outputs.items()}})


@dataclass
class Deployed:
    distribution_id: str
    rest_api_ids: dict[str, str]
    rest_api_name: str
    websocket_ids: dict[str, str]
    function: str
    web_acl_name: str = "production-candlefish-web-acl"
    stacks: list[str] = field(default_factory=list)

    def resources(self) -> dict:
        """The shape report_data.put_traffic takes."""
        return {"distribution_id": self.distribution_id, "web_acl_name": self.web_acl_name,
                "rest_apis": [(region, self.rest_api_name) for region in self.rest_api_ids],
                "websocket_apis": list(self.websocket_ids.items()),
                "functions": [("us-east-1", self.function)]}


def _distribution(aws) -> str:
    cloudfront = aws.client("cloudfront")
    config = {"CallerReference": "report-tests", "Comment": "", "Enabled": True,
              "Aliases": {"Quantity": 1, "Items": ["candlefish.ai"]},
              "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "origin.example.com",
                                                      "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                             "OriginProtocolPolicy": "https-only"}}]},
              "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
                                       "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _function_template() -> dict:
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}}}
    function = {"Type": "AWS::Lambda::Function", "Properties": {
        "FunctionName": "production-candlefish-worker", "Runtime": "python3.12", "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"}}}
    return {"Role": role, "Worker": function}


def deploy_environment(aws) -> Deployed:
    """`aws.client(service, region)` gives boto3 clients on the emulator."""
    distribution_id = _distribution(aws)
    rest_ids, ws_ids = {}, {}
    for region in ("us-east-1", "eu-west-1"):
        rest_ids[region] = aws.client("apigateway", region).create_rest_api(name="production-candlefish-api")["id"]
        ws_ids[region] = f"ws{region[:2]}{region[-1]}"
    tags = [{"Key": "Environment", "Value": "production"}, {"Key": "Project", "Value": "candlefish"}]
    stacks = [("edge", "us-east-1", {"DistributionId": distribution_id}, None),
              ("security", "us-east-1", {"WebAclName": "production-candlefish-web-acl"}, None),
              ("compute", "us-east-1", {"LoadBalancerDnsName": "lb.example.com"}, _function_template())]
    stacks += [("api", region, {"RestApiId": rest_ids[region], "WebSocketApiId": ws_ids[region]}, None)
               for region in rest_ids]
    for key, region, outputs, extra in stacks:
        aws.client("cloudformation", region).create_stack(
            StackName=f"candlefish-production-{key}", TemplateBody=_template(outputs, extra), Tags=tags,
            Capabilities=["CAPABILITY_IAM"])
    return Deployed(distribution_id, rest_ids, "production-candlefish-api", ws_ids,
                    "production-candlefish-worker")
