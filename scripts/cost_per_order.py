"""Dollars per million five-line orders, line by line from bench/results/requests.json (make bench).

Usage: python scripts/cost_per_order.py bench/results/requests.json infra/template.yaml bench/results/cost.md

Prices are list prices per unit; the table in the output names each one and where it comes from. The budget is
$40 per million orders excluding SES; the script says whether the figure is within it (it never fails the bench).
"""

import json
import re
import sys

BUDGET = 40.0
# (price in dollars per unit, unit, source). us-east-1 list prices: the eu-north-1 figures were not available
# where this was written (no network but package registries); see the note in the output.
PRICES = {
    "dynamodb_wru": (0.625e-6, "write request unit", "aws.amazon.com/dynamodb/pricing/on-demand (US East, after the November 2024 reduction)"),
    "dynamodb_rru": (0.125e-6, "read request unit", "same"),
    "sqs": (0.40e-6, "request (standard queue)", "aws.amazon.com/sqs/pricing"),
    "lambda_request": (0.20e-6, "invocation", "aws.amazon.com/lambda/pricing"),
    "lambda_gb_second": (0.0000166667, "GB-second (x86_64)", "aws.amazon.com/lambda/pricing"),
    "s3_put": (0.005e-3, "PUT (S3 Standard)", "aws.amazon.com/s3/pricing"),
    "s3_get": (0.0004e-3, "GET (S3 Standard)", "aws.amazon.com/s3/pricing"),
    "apigateway": (1.00e-6, "HTTP API request (first 300 M)", "aws.amazon.com/api-gateway/pricing"),
    "ses": (0.10e-3, "email (outside the budget)", "aws.amazon.com/ses/pricing"),
}


def memory_sizes(template_text):
    """MemorySize of each function: the Globals' unless the function sets its own."""
    default = 128
    glob = re.search(r"^Globals:\n(?:(?:  .*|)\n)*?    MemorySize: (\d+)", template_text, re.M)
    if glob:
        default = int(glob.group(1))
    sizes = {}
    for match in re.finditer(r"^  (\w+Function):\n((?:    .*\n|\n)*)", template_text, re.M):
        own = re.search(r"^      MemorySize: (\d+)", match.group(2), re.M)
        sizes[match.group(1)] = int(own.group(1)) if own else default
    return sizes, default


def lines_of(stage, memory_mb):
    """(what, quantity, price key) of one stage, per order."""
    lines = []
    for action, count in stage["requests"].items():
        service, _, name = action.partition(".")
        if service == "dynamodb":
            continue  # billed by capacity units below
        key = {"sqs": "sqs", "ses": "ses", "s3": "s3_put" if name in ("PutObject", "CopyObject", "PostObject",
                                                                     "CreateMultipartUpload", "UploadPart",
                                                                     "CompleteMultipartUpload") else "s3_get"}.get(service)
        if key is None:
            raise SystemExit(f"no price for {action}: add it to scripts/cost_per_order.py")
        lines.append((action, count, key))
    lines.append(("DynamoDB write request units", stage["dynamodb_wru"], "dynamodb_wru"))
    lines.append(("DynamoDB read request units", stage["dynamodb_rru"], "dynamodb_rru"))
    platform = stage["platform_per_order"]
    if "apigateway.requests" in platform:
        lines.append(("API Gateway request", platform["apigateway.requests"], "apigateway"))
    lines.append(("Lambda invocation", platform["lambda.invocations"], "lambda_request"))
    polls = platform.get("sqs.ReceiveMessage", 0) + platform.get("sqs.DeleteMessageBatch", 0)
    if polls:
        lines.append(("SQS receive + delete (batches of 10)", polls, "sqs"))
    gb_seconds = stage["duration_ms_upper_bound"] / 1000.0 * memory_mb / 1024.0
    lines.append((f"Lambda GB-seconds ({memory_mb} MB × {stage['duration_ms_upper_bound']:.0f} ms, upper bound)",
                  gb_seconds, "lambda_gb_second"))
    return lines


def main():
    requests_path, template_path, output = sys.argv[1:4]
    with open(requests_path, encoding="utf-8") as handle:
        report = json.load(handle)
    with open(template_path, encoding="utf-8") as handle:
        sizes, default = memory_sizes(handle.read())
    rows = []
    total = ses = 0.0
    by_key = {}
    for stage in report["stages"]:
        memory = sizes.get(stage["function"], default)
        for what, quantity, key in lines_of(stage, memory):
            price = PRICES[key][0]
            dollars = quantity * price * 1e6
            rows.append((stage["stage"], what, quantity, key, dollars))
            if key == "ses":
                ses += dollars
            else:
                total += dollars
                by_key[key] = by_key.get(key, 0.0) + dollars
    within = total <= BUDGET
    out = [
        "# Cost per million five-line orders",
        "",
        f"From `bench/results/requests.json` (commit `{report.get('commit', '?')}`) by `scripts/cost_per_order.py`.",
        "",
        f"**${total:,.2f} per million orders** excluding SES (budget ${BUDGET:.0f}: "
        f"{'within' if within else '**over**'}); SES adds ${ses:,.2f}.",
        "",
        "Formula: for each stage, every quantity per order × its unit price × 1,000,000. DynamoDB is billed by the",
        "request units the requests consumed (on-demand), not per request; the platform lines are what AWS adds per",
        "order at steady state (see `note` in requests.json); GB-seconds use the stage's wall time here, an upper",
        "bound of the function's billed duration.",
        "",
        "## By kind",
        "",
        "| kind | $ per million orders |",
        "|---|---|",
    ]
    for key, dollars in sorted(by_key.items(), key=lambda kv: -kv[1]):
        out.append(f"| {PRICES[key][1]} | {dollars:,.2f} |")
    out += ["", "## By stage", "", "| stage | what | per order | unit price | $ per million orders |", "|---|---|---|---|---|"]
    for stage, what, quantity, key, dollars in rows:
        price, unit, _ = PRICES[key]
        out.append(f"| {stage} | {what} | {quantity:g} | ${price:.10g} per {unit} | {dollars:,.2f} |")
    out += ["", "## Prices", "", "| unit | $ | source |", "|---|---|---|"]
    for key, (price, unit, source) in PRICES.items():
        out.append(f"| {unit} | {price:.10g} | {source} |")
    out += [
        "",
        "Region: the figures are us-east-1 list prices, looked up 2026-12-05. eu-north-1's own price list could not",
        "be read from here; DynamoDB, SQS, Lambda and API Gateway list eu-north-1 at or slightly above us-east-1,",
        "so treat the total as a lower bound by up to ~10 %.",
        "",
        "Not included: CloudWatch Logs ingestion of the functions' JSON logs, Secrets Manager and KMS calls (per",
        "container, not per order), DynamoDB storage and streams, S3 storage, data transfer, and the scheduled",
        "functions (relay, reporting), whose cost does not grow per order.",
        "",
    ]
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out))
    print(f"cost: ${total:,.2f} per million orders excluding SES (budget ${BUDGET:.0f}: "
          f"{'within' if within else 'OVER'}), SES ${ses:,.2f}; written to {output}")


if __name__ == "__main__":
    main()
