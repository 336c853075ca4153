"""Entry point: ``python -m app``. Runs uvicorn with graceful, bounded shutdown.

On SIGTERM (or SIGINT) the process at once marks itself draining: /readyz answers 503 and responses
carry ``Connection: close``. After SHUTDOWN_DELAY_SECONDS it stops accepting connections, lets the
requests in flight finish, and exits; whatever is still running when SHUTDOWN_DRAIN_SECONDS have
passed since the signal is cancelled. A second signal exits at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time

import uvicorn

from .main import Lifecycle, create_app
from .observability import configure_logging
from .settings import Settings, SettingsError

log = logging.getLogger("app.server")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, settings: Settings) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.settings = settings
        self._exit_at: float | None = None

    @contextlib.contextmanager
    def capture_signals(self):
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, _frame) -> None:
        if self.lifecycle.draining:
            log.warning("second signal: exiting without waiting", extra={"fields": {"signal": sig}})
            self.force_exit = True
            self.should_exit = True
            return
        self.lifecycle.draining = True
        self._exit_at = time.monotonic() + self.settings.shutdown_delay
        log.info("draining", extra={"fields": {"signal": signal.Signals(sig).name,
                                               "delay_s": self.settings.shutdown_delay,
                                               "drain_s": self.settings.shutdown_drain}})
        # Hard bound: whatever happens, the process is gone when the drain time is up.
        watchdog = threading.Timer(self.settings.shutdown_drain, _give_up)
        watchdog.daemon = True
        watchdog.start()

    async def on_tick(self, counter: int) -> bool:
        if self._exit_at is not None and time.monotonic() >= self._exit_at:
            self.should_exit = True
        return await super().on_tick(counter)


def _give_up() -> None:
    log.error("drain time exceeded; exiting")
    logging.shutdown()
    os._exit(1)


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"todo backend: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.app_version, settings.served_by)
    lifecycle = Lifecycle()
    app = create_app(settings, lifecycle)
    # Requests in flight get what is left of the drain time after the delay, minus a margin for
    # closing the pool.
    graceful = max(0.5, settings.shutdown_drain - settings.shutdown_delay - 1.5)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips="*",
        server_header=False,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=graceful,
    )
    DrainingServer(config, lifecycle, settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
