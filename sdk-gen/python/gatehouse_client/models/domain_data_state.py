from enum import StrEnum


class DomainDataState(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"

    def __str__(self) -> str:
        return str(self.value)
