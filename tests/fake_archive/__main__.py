"""``python -m tests.fake_archive --port N``: serve the fake archive.org until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from tests.fake_archive.server import FakeArchive


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake archive.org serving the shared fixtures.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="length of each synthesised track"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    args = parser.parse_args()
    archive = FakeArchive(seconds=args.seconds)
    archive.latency = args.latency
    archive.start(args.host, args.port)
    print(f"fake archive.org at {archive.url} (Ctrl-C to stop)", flush=True)
    print(
        f"try: liveset --archive-url {archive.url} concert 'Grateful Dead' 1973-06-10", flush=True
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        archive.stop()


if __name__ == "__main__":
    main()
