from enum import StrEnum


class MembershipKind(StrEnum):
    GUEST = "guest"
    MEMBER = "member"

    def __str__(self) -> str:
        return str(self.value)
