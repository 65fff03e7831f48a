#!/usr/bin/env bash
# Installs what astc's tests and examples need beyond a Rust toolchain: the wasm32-wasip2
# target, to build the Rust guest components, and the MCP Python SDK (needs python3).
set -euo pipefail
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi

# The official MCP Python SDK, the agent in `astc serve`'s tests (tests/mcp/client.py), in
# a virtual environment of its own under target/ (pinned: its API changed at 2.0).
mcp_env="$(cd "$(dirname "$0")/.." && pwd)/target/tools/mcp"
if ! "$mcp_env/bin/python" -c 'import mcp' 2>/dev/null; then
    python3 -m venv "$mcp_env"
    "$mcp_env/bin/pip" install --quiet --disable-pip-version-check 'mcp==2.3.0'
fi

# A real OCI registry for the remote-registry tests (tests/registry.rs): the CNCF distribution
# registry as Debian packages it. The tests start it themselves, on loopback, with temporary
# storage; the package's own service is not started.
if ! command -v docker-registry >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry >/dev/null
    else
        sudo apt-get update -q >/dev/null
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry >/dev/null
    fi
fi

# wkg, the reference OCI client for components (wasm-pkg-tools), for the interoperability
# test, pinned, into target/tools/wkg.
wkg_root="$(cd "$(dirname "$0")/.." && pwd)/target/tools/wkg"
if ! "$wkg_root/bin/wkg" --version 2>/dev/null | grep -q '0.16.1'; then
    cargo install --quiet --locked wkg --version 0.16.1 --root "$wkg_root"
fi
