"""`python -m referral serve|migrate|outbox|dlq|seed|holidays`."""

from functools import partial

from referral import seed
from referral.app import build
from referral.entrypoints import cli
from referral.settings import ReferralSettings
from slrt_shared.runtime import run_cli, run_seed


def seed_command(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: rules, the holiday calendar, staff tokens."""
    runtime, _ = build()
    settings = runtime.settings
    assert isinstance(settings, ReferralSettings)
    load = partial(
        seed.load,
        holidays=settings.bundled_holidays(),
        decrees=settings.bundled_decrees(),
        layout=runtime.layout,
    )
    run_seed(runtime, argv, load)


def main() -> None:
    """Run a referral command."""
    run_cli(build, extra={"seed": seed_command, "holidays": cli.main})


if __name__ == "__main__":
    main()
