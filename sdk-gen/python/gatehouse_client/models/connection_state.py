from enum import StrEnum


class ConnectionState(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    INACTIVE = "inactive"

    def __str__(self) -> str:
        return str(self.value)
