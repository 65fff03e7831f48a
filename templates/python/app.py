"""The `{{namespace}}:{{name}}` component, built with componentize-py."""

from wit_world import exports


class Api(exports.Api):
    def greet(self, name: str) -> str:
        return f"Hello, {name}!"
