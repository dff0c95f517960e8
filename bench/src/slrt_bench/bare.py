"""`python -m slrt_bench.bare`: the bare endpoint, one JSON POST answered after one durable commit.

The same server stack as the services (FastAPI under `uvicorn.run` with the same settings, one
process as each service runs), none of the platform: no auth, no validation beyond JSON, no
outbox, no tracing. What it sustains bounds what any design of three HTTP calls per complaint
can reach on this machine.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from slrt_shared import db

TABLE = "CREATE TABLE IF NOT EXISTS bare (id uuid PRIMARY KEY, body jsonb NOT NULL)"
INSERT = "INSERT INTO bare (id, body) VALUES ($1, $2::jsonb)"


def build(dsn: str, pool_size: int = 20) -> FastAPI:
    """The app: POST /v1/complaints stores the body as one row (one commit) and answers 201."""
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # as the services' pools: 20 connections (slrt_shared.runtime), the intake role's schema
        pool = await db.create_pool(dsn, "intake", max_size=pool_size)
        await pool.execute(TABLE)
        pools.append(pool)
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/complaints", status_code=201)
    async def create(body: dict[str, Any]) -> JSONResponse:
        row = uuid.uuid4()
        # outside an explicit transaction: the statement is its own durable commit
        await pools[0].execute(INSERT, row, json.dumps(body))
        return JSONResponse({"complaint_id": str(row)}, status_code=201)

    return app


def main() -> None:
    """Serve the bare endpoint on BARE_PORT against BARE_DSN, as the services serve."""
    uvicorn.run(
        build(os.environ["BARE_DSN"]),
        host="127.0.0.1",
        port=int(os.environ["BARE_PORT"]),
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
