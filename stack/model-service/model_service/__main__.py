"""Entry point: ``python -m model_service``. Runs uvicorn; on SIGTERM, requests held by the hang fault
are released (they answer as usual) so that shutdown does not wait for a fault nobody will clear."""

from __future__ import annotations

import sys

import uvicorn

from .main import create_app
from .observability import configure_logging
from .settings import Settings, SettingsError


class StandInServer(uvicorn.Server):
    async def shutdown(self, sockets=None) -> None:
        self.config.app.state.faults.clear()
        await super().shutdown(sockets)


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"model service: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.app_version, settings.served_by)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=settings.shutdown_grace,
    )
    StandInServer(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
