#!/usr/bin/env python3
"""Fails when the deployed template would grant a wildcard: translates infra/template.yaml with SAM's own
translator (what `sam deploy` runs) and checks every IAM role and policy in the result — the ones SAM adds for event
sources included — for managed policies, `Resource: "*"` and `Action: "*"` / `service:*`.

Run by `make template-lint` (tools venv: aws-sam-cli brings aws-sam-translator). Exit status 1 lists every finding.
"""

import json
import os
import pathlib
import sys

from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parent.parent


class NoManagedPolicies(ManagedPolicyLoader):
    """SAM looks managed policies up in IAM (offline here): any it would attach is a finding anyway."""

    def __init__(self):  # noqa: D107 (no IAM client)
        self._policy_map = {}

    def load(self):
        return {}


def statements(document):
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def listed(value):
    return value if isinstance(value, list) else [value]


def wildcard(value):
    return isinstance(value, str) and (value == "*" or (value.endswith(":*") and not value.startswith("arn:")))


def main():
    text = (ROOT / "infra/template.yaml").read_text()
    template = yaml_parse(text)
    # The translator needs a code location it can parse; nothing is uploaded.
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/code.zip"
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    translated = transform(template, {}, NoManagedPolicies(), feature_toggle=None)
    findings = []
    roles = 0
    for name, resource in translated["Resources"].items():
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        documents = []
        if kind == "AWS::IAM::Role":
            roles += 1
            for arn in properties.get("ManagedPolicyArns", []):
                findings.append(f"{name}: managed policy {json.dumps(arn)}")
            documents = [p.get("PolicyDocument", {}) for p in properties.get("Policies", [])]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties.get("PolicyDocument", {})]
        for document in documents:
            for statement in statements(document):
                for action in listed(statement.get("Action", [])):
                    if wildcard(action):
                        findings.append(f"{name}: action {action}")
                for resource_arn in listed(statement.get("Resource", [])):
                    if wildcard(resource_arn):
                        findings.append(f"{name}: resource {resource_arn} for {statement.get('Action')}")
    if roles == 0:
        findings.append("no IAM role in the translated template: the check checked nothing")
    for finding in findings:
        print("iam-check:", finding)
    if findings:
        sys.exit(1)
    print(f"iam-check: {roles} roles, no managed policy, no wildcard action or resource")


if __name__ == "__main__":
    # A region and dummy credentials for the translator's pseudo parameters; no AWS call is made.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")
    os.environ.setdefault("AWS_REGION", "eu-north-1")
    main()
