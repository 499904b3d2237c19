from enum import StrEnum


class DirectoryKind(StrEnum):
    ENTRA = "entra"
    GENERIC = "generic"
    OKTA = "okta"

    def __str__(self) -> str:
        return str(self.value)
