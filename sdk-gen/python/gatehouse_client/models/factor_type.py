from enum import StrEnum


class FactorType(StrEnum):
    TOTP = "totp"

    def __str__(self) -> str:
        return str(self.value)
