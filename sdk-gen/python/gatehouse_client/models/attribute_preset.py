from enum import StrEnum


class AttributePreset(StrEnum):
    ENTRA = "entra"
    GENERIC = "generic"
    GOOGLE = "google"
    OKTA = "okta"

    def __str__(self) -> str:
        return str(self.value)
