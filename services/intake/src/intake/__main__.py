"""`python -m intake serve|migrate|outbox|dlq|seed|operators|audit|subjects|facilitators|…`."""

from intake.app import build
from intake.entrypoints import cli_audit, cli_operators, cli_programmes, cli_seed, cli_subjects
from slrt_shared.runtime import run_cli


def main() -> None:
    """Run an intake command."""
    run_cli(
        build,
        extra={
            "seed": cli_seed.main,
            "operators": cli_operators.main,
            "audit": cli_audit.main,
            "subjects": cli_subjects.main,
            "facilitators": cli_programmes.facilitators,
            "targets": cli_programmes.targets,
        },
    )


if __name__ == "__main__":
    main()
