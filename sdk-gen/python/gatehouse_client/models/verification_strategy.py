from enum import StrEnum


class VerificationStrategy(StrEnum):
    DNS = "dns"
    MANUAL = "manual"

    def __str__(self) -> str:
        return str(self.value)
