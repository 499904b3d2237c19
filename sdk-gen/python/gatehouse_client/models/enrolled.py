from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.authentication_challenge import AuthenticationChallenge
    from ..models.authentication_factor import AuthenticationFactor


T = TypeVar("T", bound="Enrolled")


@_attrs_define
class Enrolled:
    """
    Attributes:
        authentication_factor (AuthenticationFactor):
        authentication_challenge (AuthenticationChallenge):
        recovery_codes (list[str]): Single-use codes for when the authenticator is lost; shown only here.
    """

    authentication_factor: AuthenticationFactor
    authentication_challenge: AuthenticationChallenge
    recovery_codes: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authentication_factor = self.authentication_factor.to_dict()

        authentication_challenge = self.authentication_challenge.to_dict()

        recovery_codes = self.recovery_codes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "authentication_factor": authentication_factor,
                "authentication_challenge": authentication_challenge,
                "recovery_codes": recovery_codes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.authentication_challenge import AuthenticationChallenge
        from ..models.authentication_factor import AuthenticationFactor

        d = dict(src_dict)
        authentication_factor = AuthenticationFactor.from_dict(
            d.pop("authentication_factor")
        )

        authentication_challenge = AuthenticationChallenge.from_dict(
            d.pop("authentication_challenge")
        )

        recovery_codes = cast(list[str], d.pop("recovery_codes"))

        enrolled = cls(
            authentication_factor=authentication_factor,
            authentication_challenge=authentication_challenge,
            recovery_codes=recovery_codes,
        )

        enrolled.additional_properties = d
        return enrolled

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
