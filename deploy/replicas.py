"""``python -m deploy.replicas N``: a workshop stack on this machine until Ctrl-C (see README "Hosting a workshop").

Starts a private PostgreSQL (or one shared SQLite file), one Ray head node with token authentication, N
``streamlit run`` replicas that join it, and nginx in front with sticky sessions; prints the address to
open; on Ctrl-C or SIGTERM stops them all, newest first. Logs go to ``--logs``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from deploy.stack import STORES, Stack

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bash deploy/replicas.sh", description=__doc__.splitlines()[0])
    parser.add_argument("replicas", type=int, nargs="?", default=2, help="how many web replicas (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="nginx's address: 127.0.0.1 (default, this machine) or 0.0.0.0 (the network)")  # fmt: skip
    parser.add_argument("--store", default="postgresql",
                        help=f"{' or '.join(STORES)} (default postgresql), or a database URL to use")  # fmt: skip
    parser.add_argument("--ray", default="head",
                        help="head (one local Ray cluster, the default), local (a Ray per replica), or the "
                             "address of a running cluster to join")  # fmt: skip
    parser.add_argument("--ray-cpus", type=int, default=None, help="the head node's CPUs (default: all)")
    parser.add_argument("--logs", type=Path, default=ROOT / ".lstm_lab_data" / "logs", help="where the logs go")
    args = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):  # both stop everything (SIGINT too when started in the background)
        signal.signal(sig, _interrupt)
    store = args.store if args.store in STORES else "at the given URL"  # never print its password
    print(f"Starting {args.replicas} replicas, store {store}, Ray {args.ray}; logs in {args.logs}", flush=True)
    failed = ""
    stack = Stack(args.replicas, args.logs, port=args.port, host=args.host, store=args.store, ray=args.ray,
                  ray_cpus=args.ray_cpus)  # fmt: skip
    try:
        stack.start()
        replicas = ", ".join(r.address for r in stack.replicas)
        print(f"LSTM Lab is at {stack.url} (replicas {replicas}). Press Ctrl-C to stop.", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    except (RuntimeError, ValueError) as e:  # a server that did not start: its message and log, no traceback
        failed = str(e)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        print("Stopping nginx, the replicas, Ray and the store...", flush=True)
        stack.stop()
    if failed:
        sys.exit(f"Could not start the stack: {failed}")


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
