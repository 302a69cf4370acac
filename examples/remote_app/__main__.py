"""``python -m examples.remote_app``: serve the example app on ``APP_PORT`` (8100)."""

from __future__ import annotations

import os

import uvicorn

from examples.remote_app.app import config_from_env, create_app


def main() -> None:
    config, token_file = config_from_env()
    port = int(os.environ.get("APP_PORT", "8100"))
    uvicorn.run(create_app(config, token_file), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
