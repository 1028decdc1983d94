"""moto's server, with DynamoDB requests serialised.

moto 5.2's TransactWriteItems deep-copies every table it touches and, when the transaction is cancelled, restores
that copy: a write another thread made in between is silently undone, and the copy itself can fail with
"dictionary changed size during iteration" (HTTP 500). DynamoDB is linearizable per item and its transactions are
atomic, so serialising DynamoDB calls is faithful; everything else (SQS long polls, SES, S3) stays concurrent.

Its TransactWriteItems also deep-copies the whole table once per action of the transaction, so one transaction
costs O(actions × table size): with a few thousand items a test's confirmations took half a second each. We back
up only the items the transaction touches (and restore those when it is cancelled) — the same all-or-nothing
result at O(actions). A cancelled transaction's stream records (moto appends one per action as it applies it)
are dropped again, as DynamoDB never streams a cancelled transaction.

Its Query reads every item of the table and sorts them all before it keeps the partition asked for: O(table log
table) per call, so a run slowed down as the table filled (1,000 orders made every query a scan of tens of thousands
of items). Here a query reads only its partition: on the table's own key, that partition of moto's item store; on
a GSI, that partition of an index of the table's items by the GSI's partition key, built when first asked for after
a write. moto's own code then does the rest (conditions, order, pages, filters), so the answer is the one moto
gives.

It also answers GET /_devstack/ses/raw-messages?after=N with the raw emails SES (v1 and v2) accepted, from
moto's own sent-mail store: moto's /moto-api/data.json holds the same but dumps every service's state (tens of MB
and seconds per call once the tables fill up). GET /_devstack/requests answers how many requests of each
`service.Action` it served (`make bench` counts a lifecycle's requests with it), GET /_devstack/capacity the
DynamoDB write and read request units they would consume on AWS (scripts/devstack_capacity.py), GET
/_devstack/seconds the time it spent answering them. /_devstack/faults is the fault
switchboard (scripts/devstack_faults.py): errors, lost answers, slow answers and transaction conflicts on chosen
requests.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import io
import json
import threading
import time
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

import devstack_capacity
import devstack_faults

_dynamodb = threading.Lock()


def raw_messages(after):
    from moto.ses.models import RawMessage, ses_backends

    messages = []
    for account_id, regions in ses_backends.items():
        for region, backend in regions.items():
            for message in backend.sent_messages:
                if isinstance(message, RawMessage):
                    messages.append(
                        {"id": message.id, "region": region, "source": message.source,
                         "destinations": message.destinations, "raw_data": message.raw_data}
                    )
    return messages[after:]


_counts = {}
# Seconds the emulator spent answering each `service.Action` (GET /_devstack/seconds; make bench-load).
_seconds = {}
_counts_lock = threading.Lock()


def classify(environ):
    """`service.Action` of an AWS request (the benchmark counts them), or None for the emulator's own routes."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(("/_devstack/", "/moto-api/")):
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, action = target.partition(".")
        service = {"DynamoDB_20120810": "dynamodb", "DynamoDBStreams_20120810": "dynamodbstreams",
                   "AmazonSQS": "sqs"}.get(prefix, prefix.lower())
        return f"{service}.{action}"
    auth = environ.get("HTTP_AUTHORIZATION", "")
    service = auth.split("Credential=", 1)[1].split("/")[3] if "Credential=" in auth else "unknown"
    if service == "s3":
        method = environ.get("REQUEST_METHOD", "GET")
        key = path.strip("/").partition("/")[2]
        action = {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject",
                  "POST": "PostObject"}.get(method, method) if key else f"{method}Bucket"
        return f"s3.{action}"
    # Query protocol (SES v1): the action is in the form body; read it and put the body back.
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["Unknown"])[0]
    return f"{service}.{action}"


def count(environ):
    """Counts the request; its `service.Action` (None for the emulator's own routes)."""
    name = classify(environ)
    if name is not None:
        with _counts_lock:
            _counts[name] = _counts.get(name, 0) + 1
    return name


class SerialiseDynamoDB:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_devstack/ses/raw-messages":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            after = int(query.get("after", ["0"])[0])
            body = json.dumps(raw_messages(after)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/_devstack/requests":
            with _counts_lock:
                body = json.dumps(_counts, sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/_devstack/seconds":
            with _counts_lock:
                body = json.dumps(_seconds, sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/_devstack/capacity":
            body = json.dumps(devstack_capacity.snapshot(), sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/_devstack/faults":
            return devstack_faults.route(environ, start_response)
        name = count(environ)
        started = time.perf_counter()
        try:
            rule, body = devstack_faults.strike(name, environ) if name else (None, b"")
            if rule is not None:
                service = name.partition(".")[0]
                return devstack_faults.apply(rule, service, body, environ, start_response, self.call)
            return self.call(environ, start_response)
        finally:
            # An "overlap" rule's transaction is in flight until it is answered (DynamoDB answers are complete
            # lists by now: `call` reads them under the lock).
            devstack_faults.landed(environ)
            if name is not None:
                with _counts_lock:
                    _seconds[name] = _seconds.get(name, 0.0) + time.perf_counter() - started

    def call(self, environ, start_response):
        # DynamoDB and DynamoDB Streams (which reads what a cancelled transaction may be rolling back).
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(("DynamoDB_", "DynamoDBStreams_")):
            measured = None
            if target.startswith("DynamoDB_"):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)
                measured = devstack_capacity.Measured(target.rpartition(".")[2], body)
            statuses = []

            def started(status, headers, *rest):
                statuses.append(status)
                return start_response(status, headers, *rest)

            with _dynamodb:
                try:
                    if measured is not None:
                        devstack_capacity.guarded(measured.before)
                    answer = list(self.app(environ, started))
                    if measured is not None:
                        ok = bool(statuses) and statuses[0].startswith("200")
                        devstack_capacity.guarded(lambda: measured.after(ok))
                        devstack_capacity.guarded(lambda: measured.after_read(answer, ok))
                    return answer
                finally:
                    if target.startswith("DynamoDB_") and target.rpartition(".")[2] not in _DYNAMODB_READS:
                        _writes[0] += 1
        return self.app(environ, start_response)


_no_table_copy = threading.local()


def cheap_transactions():
    """Replaces moto's whole-table backups in TransactWriteItems by backups of the touched items."""
    import copy

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original_deepcopy = getattr(Table, "__deepcopy__", None)

    def table_deepcopy(self, memo):
        if getattr(_no_table_copy, "on", False):
            return self  # the rollback below restores what the transaction touched
        if original_deepcopy is not None:
            return original_deepcopy(self, memo)
        clone = Table.__new__(Table)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            setattr(clone, name, copy.deepcopy(value, memo))
        return clone

    Table.__deepcopy__ = table_deepcopy
    transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        backups = []
        for action in transact_items:
            op_type, op = next(iter(action.items()))
            table = self.tables.get(op.get("TableName"))
            attrs = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(attrs, dict) or table.hash_key_attr not in attrs:
                continue
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in attrs:
                    continue
                range_value = DynamoType(attrs[table.range_key_attr])
            before = table.get_item(hash_value, range_value)
            backups.append((table, hash_value, range_value, copy.deepcopy(before)))
        # A cancelled transaction must leave no stream records either (moto records each action as it applies it).
        streams = {}
        for table, _, _, _ in backups:
            if table.stream_shard is not None:
                streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        _no_table_copy.on = True
        try:
            return transact(self, transact_items)
        except Exception:
            for shard, length in streams.values():
                del shard.items[length:]
            for table, hash_value, range_value, before in reversed(backups):
                if range_value is None:
                    if before is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = before
                elif before is None:
                    table.items[hash_value].pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = before
            raise
        finally:
            _no_table_copy.on = False

    DynamoDBBackend.transact_write_items = transact_write_items


# DynamoDB requests that change no item (everything else counts as a write and outdates the GSI partitions below).
_DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive",
                   "ListTagsOfResource", "DescribeContinuousBackups", "DescribeStream", "GetRecords",
                   "GetShardIterator", "ListStreams"}
_writes = [0]  # DynamoDB writes served so far (under the _dynamodb lock)
_gsi_partitions = {}  # (table, index) -> (writes when built, {partition key values: [items]})


def _key_value(value):
    return value.type, repr(value.value)


def partition_queries():
    """Lets a query read only its partition, not the whole (sorted) table."""
    from moto.dynamodb.models.table import Table

    query = Table.query

    def items_of(table):
        for hash_set in table.items.values():
            if table.range_key_attr:
                yield from hash_set.values()
            else:
                yield hash_set

    def gsi_partition(table, index_name, hash_key, conditions):
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        if index is None:
            return None
        attributes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        wanted = dict(conditions or [])
        if not wanted and hash_key is not None and len(attributes) == 1:
            wanted = {attributes[0]: hash_key}
        if not attributes or any(a not in wanted for a in attributes):
            return None
        built = _gsi_partitions.get((id(table), index_name))
        if built is None or built[0] != _writes[0]:
            partitions = {}
            for item in items_of(table):
                values = [item.attrs.get(a) for a in attributes]
                if all(v is not None for v in values):
                    partitions.setdefault(tuple(_key_value(v) for v in values), []).append(item)
            built = (_writes[0], partitions)
            _gsi_partitions[(id(table), index_name)] = built
        return list(built[1].get(tuple(_key_value(wanted[a]) for a in attributes), []))

    def partition_query(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name:
            partition = gsi_partition(self, index_name, hash_key, kwargs.get("hash_key_conditions"))
        elif hash_key is not None and self.range_key_attr:
            partition = list(self.items[hash_key].values()) if hash_key in self.items else []
        else:
            partition = None
        if partition is None:
            return query(self, hash_key, *args, **kwargs)
        # DynamoDB calls are serialised (SerialiseDynamoDB), so nothing else reads the table meanwhile.
        self.all_items = lambda: partition
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = partition_query


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    cheap_transactions()
    partition_queries()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, SerialiseDynamoDB(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
