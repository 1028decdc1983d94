"""moto's server, with DynamoDB requests serialised.

moto 5.2's TransactWriteItems deep-copies every table it touches and, when the transaction is cancelled, restores
that copy: a write another thread made in between is silently undone, and the copy itself can fail with
"dictionary changed size during iteration" (HTTP 500). DynamoDB is linearizable per item and its transactions are
atomic, so serialising DynamoDB calls is faithful; everything else (SQS long polls, SES, S3) stays concurrent.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

_dynamodb = threading.Lock()


class SerialiseDynamoDB:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
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
