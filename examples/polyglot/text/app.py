"""poly:text: text utilities, written in Python (componentize-py)."""

import wit_world
from wit_world import exports


class Api(exports.Api):
    def shout(self, s: str) -> str:
        return s.upper() + "!"

    def words(self, s: str) -> list[str]:
        return s.split()

    def initials(self, s: str) -> str:
        return "".join(w[0].upper() for w in s.split() if w)
