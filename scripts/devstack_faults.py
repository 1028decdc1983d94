"""The emulator's fault switchboard: AWS misbehaving on purpose, from the emulator's side.

Rules are set over the emulator's own routes (the testkit's `Faults` drives them):

    POST   /_devstack/faults            {"rules": [RULE, ...]}     adds rules; answers their ids
    GET    /_devstack/faults                                        every rule with how often it matched and struck
    DELETE /_devstack/faults[?principal=P]                          removes every rule (or those whose principal
                                                                    starts with P)

A RULE picks requests and says what happens to them:

    service     "dynamodb", "sqs", "ses", "s3", "secretsmanager", ... (required)
    action      "TransactWriteItems", "SendMessage", "SendRawEmail", "PutObject", ... or "*" (default "*")
    principal   a part of the caller's access key id (each local function signs with its own, as each deployed
                function has its own role): scopes a rule to one test stack or one function of it
    resource    a part of the request's path, query or (URL-decoded) body: a table, queue, bucket or address
    kind        "error":        answer the service's error instead of doing anything
                "drop_answer":  do the call, then answer a 500 (the client sees a failure after the write happened)
                "slow":         wait `delay_ms`, then do the call
                "conflict":     cancel a TransactWriteItems with TransactionConflict (nothing is written)
                "overlap":      cancel a TransactWriteItems with TransactionConflict when another transaction on one
                                of its items is in flight (arrived and not yet answered), as DynamoDB cancels
                                transactions that overlap: concurrency is real, not a dice roll
    error       for "error": "throttling" (default), "internal" (500), "unavailable" (503) or "rejected" (the
                request refused for good: SES's MessageRejected, a ValidationException elsewhere)
    probability strike each matching call with this probability (default 1)
    nth         strike only these matching calls (1-based), e.g. [1, 3]
    times       strike at most this many times
    delay_ms    for "slow"

Nothing here is reachable from shipped code: the functions only ever see AWS answers.
"""

import io
import json
import random
import threading
import time
import uuid
from urllib.parse import parse_qs, unquote_plus

_rules = []
_lock = threading.Lock()
_random = random.Random()

KINDS = ("error", "drop_answer", "slow", "conflict", "overlap")
ERRORS = ("throttling", "internal", "unavailable", "rejected")


class FaultRule:
    def __init__(self, spec):
        unknown = set(spec) - {"service", "action", "principal", "resource", "kind", "error", "probability", "nth",
                               "times", "delay_ms"}
        if unknown:
            raise ValueError(f"unknown rule fields: {sorted(unknown)}")
        if not spec.get("service"):
            raise ValueError("a rule names its service")
        self.id = "fault_" + uuid.uuid4().hex[:12]
        self.service = spec["service"].lower()
        self.action = spec.get("action", "*")
        self.principal = spec.get("principal")
        self.resource = spec.get("resource")
        self.kind = spec.get("kind", "error")
        if self.kind not in KINDS:
            raise ValueError(f"kind is one of {KINDS}")
        self.error = spec.get("error", "throttling")
        if self.error not in ERRORS:
            raise ValueError(f"error is one of {ERRORS}")
        if self.kind in ("conflict", "overlap") and (
                self.service != "dynamodb" or self.action not in ("*", "TransactWriteItems")):
            raise ValueError(f"{self.kind} cancels a dynamodb TransactWriteItems")
        self.probability = float(spec.get("probability", 1.0))
        self.nth = set(spec.get("nth") or [])
        self.times = spec.get("times")
        self.delay_ms = int(spec.get("delay_ms", 0))
        self.matched = 0
        self.struck = 0

    def view(self):
        return {"id": self.id, "service": self.service, "action": self.action, "principal": self.principal,
                "resource": self.resource, "kind": self.kind, "error": self.error, "probability": self.probability,
                "nth": sorted(self.nth), "times": self.times, "delay_ms": self.delay_ms, "matched": self.matched,
                "struck": self.struck}

    def picks(self, service, action, principal, target):
        if self.service != service or self.action not in ("*", action):
            return False
        if self.kind in ("conflict", "overlap") and action != "TransactWriteItems":
            return False
        if self.principal and self.principal not in (principal or ""):
            return False
        return not self.resource or self.resource in target

    def strikes_overlap(self, overlapping):
        """Counts a transaction; whether this one, meeting another in flight or not, is struck."""
        self.matched += 1
        if not overlapping or (self.times is not None and self.struck >= self.times):
            return False
        if self.probability < 1.0 and _random.random() >= self.probability:
            return False
        self.struck += 1
        return True

    def strikes(self):
        """Counts a matching call; whether this one is struck."""
        self.matched += 1
        if self.times is not None and self.struck >= self.times:
            return False
        if self.nth and self.matched not in self.nth:
            return False
        if self.probability < 1.0 and _random.random() >= self.probability:
            return False
        self.struck += 1
        return True


def principal_of(environ):
    """The access key id a request is signed with."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return None
    return auth.split("Credential=", 1)[1].split("/", 1)[0]


def read_body(environ):
    """The request body, put back for the emulator to read again."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def strike(name, environ):
    """The rule that strikes this request (`service.Action`), if any."""
    with _lock:
        if not _rules:
            return None, b""
    service, _, action = name.partition(".")
    principal = principal_of(environ)
    body = read_body(environ)
    text = body.decode("utf-8", "replace")
    target = " ".join((environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), text, unquote_plus(text)))
    with _lock:
        for rule in _rules:
            if not rule.picks(service, action, principal, target):
                continue
            if rule.kind == "overlap":
                if overlaps(rule, body, environ):
                    return rule, body
                continue
            if rule.strikes():
                return rule, body
    return None, body


# Items of the transactions in flight (table + key → how many), for "overlap" rules.
_in_flight = {}


def transaction_items(body):
    """The items a TransactWriteItems touches: table and key (a Put's key is its PK and SK)."""
    try:
        actions = json.loads(body or b"{}").get("TransactItems", [])
    except ValueError:
        return set()
    items = set()
    for action in actions:
        for op in action.values():
            key = op.get("Key") or {name: value for name, value in op.get("Item", {}).items() if name in ("PK", "SK")}
            items.add(op.get("TableName", "") + json.dumps(key, sort_keys=True))
    return items


def overlaps(rule, body, environ):
    """Whether this transaction meets one in flight on an item (then it is cancelled); if not, its items are in
    flight until `landed(environ)`. Called with `_lock` held."""
    items = transaction_items(body)
    if not rule.strikes_overlap(any(item in _in_flight for item in items)):
        for item in items:
            _in_flight[item] = _in_flight.get(item, 0) + 1
        environ.setdefault("devstack.in_flight", []).extend(items)
        return False
    return True


def landed(environ):
    """The transaction of this request was answered: its items are no longer in flight."""
    items = environ.pop("devstack.in_flight", None)
    if not items:
        return
    with _lock:
        for item in items:
            left = _in_flight.get(item, 0) - 1
            if left > 0:
                _in_flight[item] = left
            else:
                _in_flight.pop(item, None)


# The error each service answers, by the rule's `error`: (HTTP status, code).
_CODES = {
    "dynamodb": {"throttling": (400, "ThrottlingException"), "internal": (500, "InternalServerError"),
                 "unavailable": (503, "ServiceUnavailable")},
    "sqs": {"throttling": (400, "ThrottlingException"), "internal": (500, "InternalError"),
            "unavailable": (503, "ServiceUnavailable")},
    "ses": {"throttling": (400, "Throttling"), "internal": (500, "InternalFailure"),
            "unavailable": (503, "ServiceUnavailable"), "rejected": (400, "MessageRejected")},
    "s3": {"throttling": (503, "SlowDown"), "internal": (500, "InternalError"),
           "unavailable": (503, "ServiceUnavailable")},
}
_DEFAULT_CODES = {"throttling": (400, "ThrottlingException"), "internal": (500, "InternalFailure"),
                  "unavailable": (503, "ServiceUnavailable"), "rejected": (400, "ValidationException")}


def error_response(service, error, start_response, message="injected by the devstack fault switchboard"):
    """The error answer `service` gives, in its protocol."""
    codes = _CODES.get(service, _DEFAULT_CODES)
    status, code = codes.get(error, _DEFAULT_CODES[error])
    request_id = uuid.uuid4().hex
    if service in ("ses", "s3"):
        if service == "s3":
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}"
                    f"</Message><RequestId>{request_id}</RequestId></Error>")
        else:
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                    f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        headers = [("Content-Type", "text/xml")]
    else:
        prefix = {"dynamodb": "com.amazonaws.dynamodb.v20120810#", "sqs": "com.amazonaws.sqs#"}.get(service, "")
        body = json.dumps({"__type": prefix + code, "message": message})
        headers = [("Content-Type", "application/x-amz-json-1.0")]
        if service == "sqs":
            headers.append(("x-amzn-query-error", f"{code};Sender"))
    payload = body.encode()
    headers += [("Content-Length", str(len(payload))), ("x-amzn-RequestId", request_id)]
    start_response(f"{status} {'Bad Request' if status == 400 else 'Error'}", headers)
    return [payload]


def conflict_response(body, start_response):
    """TransactWriteItems cancelled: the first action met a transaction in progress, the others did not run."""
    try:
        actions = len(json.loads(body or b"{}").get("TransactItems", [])) or 1
    except ValueError:
        actions = 1
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
    reasons += [{"Code": "None"}] * (actions - 1)
    codes = ", ".join(r["Code"] for r in reasons)
    payload = json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        "CancellationReasons": reasons,
    }).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(payload)))])
    return [payload]


def apply(rule, service, body, environ, start_response, call):
    """Answers a struck request as `rule` says; `call(environ, start_response)` is the emulator."""
    if rule.kind == "error":
        return error_response(service, rule.error, start_response)
    if rule.kind in ("conflict", "overlap"):
        return conflict_response(body, start_response)
    if rule.kind == "slow":
        time.sleep(rule.delay_ms / 1000)
        return call(environ, start_response)
    # drop_answer: the call happens; its answer is lost on the way back.
    list(call(environ, lambda *args, **kwargs: None))
    return error_response(service, "internal", start_response, "the answer was lost (devstack fault switchboard)")


def route(environ, start_response):
    """`/_devstack/faults`: set, read and clear rules."""
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "POST":
            spec = json.loads(read_body(environ) or b"{}")
            rules = [FaultRule(rule) for rule in spec.get("rules", [])]
            with _lock:
                _rules.extend(rules)
            answer = {"ids": [rule.id for rule in rules]}
        elif method == "DELETE":
            principal = parse_qs(environ.get("QUERY_STRING", "")).get("principal", [None])[0]
            with _lock:
                kept = [r for r in _rules if principal is not None and not (r.principal or "").startswith(principal)]
                removed = len(_rules) - len(kept)
                _rules[:] = kept
            answer = {"removed": removed}
        else:
            with _lock:
                answer = {"rules": [rule.view() for rule in _rules]}
        status = "200 OK"
    except (ValueError, TypeError, AttributeError) as error:
        status, answer = "400 Bad Request", {"error": str(error)}
    payload = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
