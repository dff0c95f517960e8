"""Each service's role can use its own schema and nothing else."""

from __future__ import annotations

import asyncpg
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_service_role_owns_its_schema_and_cannot_touch_another(test_env) -> None:
    referral = await asyncpg.connect(test_env.dsns["referral"])
    try:
        await referral.execute("CREATE TABLE IF NOT EXISTS isolation_probe (id int)")
        assert await referral.fetchval("SHOW search_path") == "referral"
    finally:
        await referral.close()

    intake = await asyncpg.connect(test_env.dsns["intake"])
    try:
        await intake.execute("CREATE TABLE IF NOT EXISTS own_probe (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await intake.fetch("SELECT * FROM referral.isolation_probe")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await intake.execute("CREATE TABLE referral.intruder (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await intake.execute("CREATE TABLE public.intruder (id int)")
    finally:
        await intake.close()
