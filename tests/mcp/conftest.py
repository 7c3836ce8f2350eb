"""The MCP tests use the workspace's polled fixture database."""

from tests.web.conftest import workspace_db  # noqa: F401 (a fixture, used by name)
