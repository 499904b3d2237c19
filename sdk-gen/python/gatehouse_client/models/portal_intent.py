from enum import StrEnum


class PortalIntent(StrEnum):
    DOMAIN_VERIFICATION = "domain_verification"
    DSYNC = "dsync"
    SSO = "sso"

    def __str__(self) -> str:
        return str(self.value)
