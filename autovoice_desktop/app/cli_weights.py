"""`autovoice download-weights`: fetch the content encoder once, or register files the user already has.

So-VITS-SVC voices need ContentVec (about 378 MB). It is downloaded into the user cache with progress, resume
and verification (engine.download); afterwards AutoVoice works offline. `--local PATH` uses a content-vec-best
folder, a checkpoint_best_legacy_500.pt or RVC's hubert_base.pt instead (nothing is copied).
"""

from __future__ import annotations

import argparse

from autovoice_desktop.app.cli_progress import BatchProgress


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `download-weights` to the CLI parser."""
    from autovoice_desktop.engine.weights import DEFAULT_CONTENT_ENCODER, KNOWN_WEIGHTS

    parser = subparsers.add_parser(
        "download-weights",
        help="download the content encoder So-VITS-SVC voices need (once), or use local files",
        description=__doc__,
    )
    parser.add_argument(
        "name",
        nargs="?",
        default=DEFAULT_CONTENT_ENCODER,
        choices=sorted(KNOWN_WEIGHTS),
        help=f"which weights (default {DEFAULT_CONTENT_ENCODER})",
    )
    parser.add_argument("--local", metavar="PATH", help="use files you already have; nothing is fetched")
    parser.add_argument("--mirror", metavar="URL", help="download the files from this base URL instead")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser.set_defaults(func=run_download_weights)


def run_download_weights(args: argparse.Namespace) -> int:
    """Download (or register) the weights; errors propagate as AutoVoiceError for cli.main to report."""
    from autovoice_desktop.engine import download
    from autovoice_desktop.engine.weights import KNOWN_WEIGHTS

    if args.local:
        path = download.register_local_weights(args.local, key=args.name)
        print(f"using {path} for {args.name}")
        return 0
    spec = KNOWN_WEIGHTS[args.name]
    found = download.find_weights(args.name)
    if found is not None:
        print(f"{args.name} is already available: {found}")
        return 0
    print(f"downloading {spec.title} (about {spec.approx_mb} MB, {spec.licence}) from {spec.homepage}")
    progress = BatchProgress(1)
    progress.start_file(0, args.name)
    path = download.ensure_weights(args.name, progress=progress.update, base_url=args.mirror)
    progress.end_file()
    print(f"saved to {path}")
    return 0
