"""``python -m tests.fake_archive --port N``: serve the fake archive.org until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from tests.fake_archive.server import FakeArchive


def noise_wav(megabytes: int, seed: int) -> bytes:
    """A WAV file of stereo noise, about ``megabytes`` long (incompressible, like real audio)."""
    import io

    import numpy as np
    import soundfile as sf

    frames = megabytes * 1024 * 1024 // 4
    samples = np.random.default_rng(seed).integers(-3000, 3000, (frames, 2), dtype=np.int16)
    buffer = io.BytesIO()
    sf.write(buffer, samples, 44100, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def add_bench_items(archive: FakeArchive, large_mb: int, show_mb: int) -> None:
    meta = {"creator": "Bench Band", "date": "1999-12-31", "venue": "Loopback", "coverage": "Here"}
    archive.add_item(
        "bench-large",
        {**meta, "title": "one large file"},
        {"large.wav": noise_wav(large_mb, 0)},
        formats={"large.wav": "WAVE"},
        extra={"large.wav": {"title": "The Long Jam"}},
    )
    names = [f"bench-show-t{n:02d}.wav" for n in range(1, 21)]
    archive.add_item(
        "bench-show",
        {**meta, "title": "a 20-track show"},
        {name: noise_wav(show_mb, n) for n, name in enumerate(names, 1)},
        formats=dict.fromkeys(names, "WAVE"),
        extra={name: {"title": f"Song {n}"} for n, name in enumerate(names, 1)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake archive.org serving the shared fixtures.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="length of each synthesised track"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument(
        "--pace-mibs",
        type=float,
        default=0.0,
        help="send each file at most this many MiB/s per connection (0: unlimited)",
    )
    parser.add_argument(
        "--bench",
        action="store_true",
        help="also serve bench-large (one big WAV) and bench-show (20 WAV tracks)",
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="also serve the tests' synthetic shows (Synthetic Band, 1977-05-08 and -09)",
    )
    parser.add_argument(
        "--no-keep-alive", action="store_true", help="close the connection after each response"
    )
    parser.add_argument(
        "--etree",
        type=int,
        default=0,
        metavar="N",
        help="also serve a synthetic etree of N recordings through scrape (250000: real scale)",
    )
    parser.add_argument("--large-mb", type=int, default=256)
    parser.add_argument("--show-mb", type=int, default=8, help="size of each bench-show track")
    args = parser.parse_args()
    archive = FakeArchive(seconds=args.seconds)
    archive.latency = args.latency
    archive.pace = args.pace_mibs * 1024 * 1024
    archive.keep_alive = not args.no_keep_alive
    if args.bench:
        add_bench_items(archive, args.large_mb, args.show_mb)
    if args.etree:
        from tests.fake_archive.etree import SyntheticEtree

        archive.serve_etree(SyntheticEtree(count=args.etree, artists=min(2_000, args.etree)))
    if args.synthetic:
        from tests.fake_archive.synthetic import add_shows

        add_shows(archive)
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
