"""Issues a signed token for calling write RPCs by hand or from a service account.

    python -m services.common.token --role federation_admin --org <org id> [--sub alice] [--ttl 3600]

Signs with ``CULTURE_JWT_SECRET`` (the development default when unset). Prints the token; pass it
as context data ``authorization: "Bearer <token>"``.
"""
from __future__ import annotations

import argparse
import os

from . import config as cfg
from .auth import ROLES, issue_token


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=ROLES, required=True, dest="roles")
    parser.add_argument("--org", dest="org_id", help="the organisation the caller acts for")
    parser.add_argument("--sub", default="cli", help="the caller's id (default: cli)")
    parser.add_argument("--name", default="", help="the caller's display name")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until it expires (default 3600)")
    args = parser.parse_args(argv)
    secret = os.environ.get("CULTURE_JWT_SECRET", cfg.DEV_JWT_SECRET)
    print(issue_token(secret, sub=args.sub, roles=args.roles, org_id=args.org_id, name=args.name,
                      ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
