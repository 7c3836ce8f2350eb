"""The MCP tests use the workspace's polled fixture database."""

from tests.web.conftest import polled_folder, workspace_db  # noqa: F401 (fixtures, used by name)
