"""``python -m minidl.serve MODEL [--port N] [--host 127.0.0.1]``: serve a saved model."""

from __future__ import annotations

import argparse
import sys

from .server import MAX_BODY_BYTES, make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minidl.serve",
                                     description="Serve a model saved with model.save over HTTP "
                                                 "(POST /predict, GET /health, GET /metrics).")
    parser.add_argument("model", help="the model file written by model.save(...)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (0: any free port; default 8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    parser.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES,
                        help=f"larger request bodies get HTTP 413 (default {MAX_BODY_BYTES})")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        server = make_server(args.model, args.host, args.port, args.max_body_bytes, args.verbose)
    except Exception as error:  # missing or unreadable model, port in use, ...
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host} without authentication", file=sys.stderr)
    print(f"serving {args.model} on {server.url} (POST /predict, GET /health, GET /metrics); "
          "Ctrl+C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
