#!/usr/bin/env bash
# Creates the Python virtual environment with the `mcp` client package that the MCP client tests drive
# (tests/integration/mcp-clients.test.ts). Idempotent: an existing venv with the pinned version is kept.
# Usage: bash scripts/python-mcp-venv.sh [dir]   (default .venv-mcp in the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_VERSION=2.3.0
dir="${1:-.venv-mcp}"
if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import mcp, importlib.metadata as m; assert m.version('mcp') == '$MCP_VERSION'" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$dir"
# Fail fast instead of retrying an unreachable index for minutes.
"$dir/bin/pip" install --quiet --retries 0 --timeout 15 "mcp==$MCP_VERSION"
"$dir/bin/python" -c "import mcp"
