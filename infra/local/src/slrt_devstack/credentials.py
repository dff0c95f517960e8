"""Demo credentials: a token per village operator, a key per agency, admin, district, subject key.

`python -m slrt_devstack.credentials --regency 32.15 --out credentials.json` writes them once.
Only the local stack, the tests and the docker demo use them, so they stay out of the images;
the docker demo mounts this folder. Keep to slrt_shared and the standard library here: the
service images have nothing else of the local stack's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from slrt_shared import reference
from slrt_shared.tokens import new_token


def generate(regency_code: str) -> dict[str, Any]:
    """Create fresh credentials for every village of a regency and every agency."""
    return {
        "operators": {v.code: new_token("op_") for v in reference.villages(regency_code)},
        "agencies": {code: new_token("ak_") for code in reference.agencies()},
        "admin": new_token("adm_"),
        "district": {regency_code: new_token("ds_")},
        # Keys the HMAC under which access and erasure requests remember a NIK.
        "subject_hash_key": new_token("shk_"),
    }


def ensure(path: Path, regency_code: str) -> dict[str, Any]:
    """Load the credentials file, creating it on first use so re-runs keep the same tokens."""
    if path.exists():
        loaded: dict[str, Any] = json.loads(path.read_text())
        if "subject_hash_key" in loaded:
            return loaded
        # A file from before subject requests: keep its tokens, add the key.
        creds = {**loaded, "subject_hash_key": generate(regency_code)["subject_hash_key"]}
    else:
        creds = generate(regency_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(creds, indent=2) + "\n")
    return creds


def main(argv: list[str] | None = None) -> None:
    """Write the demo credentials file of a regency unless it exists."""
    parser = argparse.ArgumentParser(prog="python -m slrt_devstack.credentials")
    parser.add_argument("--regency", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    creds = ensure(args.out, args.regency)
    print(
        f"{args.out}: {len(creds.get('operators', {}))} operators, "
        f"{len(creds.get('agencies', {}))} agencies"
    )


if __name__ == "__main__":
    main()
