"""`python -m gateway serve|migrate|outbox|dlq|seed|keys|agencies|subjects`."""

from gateway import admin, seed, subjects
from gateway.app import build
from slrt_shared.runtime import run_cli, run_seed


def main() -> None:
    """Run an agency-gateway command."""
    run_cli(
        build,
        extra={
            "seed": lambda argv: run_seed(build()[0], argv, seed.load),
            "keys": lambda argv: admin.main(["keys", *argv]),
            "agencies": lambda argv: admin.main(["agencies", *argv]),
            "subjects": subjects.main,
        },
    )


if __name__ == "__main__":
    main()
