"""moto's server, with DynamoDB requests serialised.

moto 5.2's TransactWriteItems deep-copies every table it touches and, when the transaction is cancelled, restores
that copy: a write another thread made in between is silently undone, and the copy itself can fail with
"dictionary changed size during iteration" (HTTP 500). DynamoDB is linearizable per item and its transactions are
atomic, so serialising DynamoDB calls is faithful; everything else (SQS long polls, SES, S3) stays concurrent.

It also answers GET /_devstack/ses/raw-messages?after=N with the raw emails SES (v1 and v2) accepted, from
moto's own sent-mail store: moto's /moto-api/data.json holds the same but dumps every service's state (tens of MB
and seconds per call once the tables fill up).

Usage: python scripts/moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import json
import threading
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

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
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with _dynamodb:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, SerialiseDynamoDB(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
