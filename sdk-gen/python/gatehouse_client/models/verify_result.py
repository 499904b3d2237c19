from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.authentication_challenge import AuthenticationChallenge


T = TypeVar("T", bound="VerifyResult")


@_attrs_define
class VerifyResult:
    """
    Attributes:
        challenge (AuthenticationChallenge):
        valid (bool):
    """

    challenge: AuthenticationChallenge
    valid: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        challenge = self.challenge.to_dict()

        valid = self.valid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "challenge": challenge,
                "valid": valid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.authentication_challenge import AuthenticationChallenge

        d = dict(src_dict)
        challenge = AuthenticationChallenge.from_dict(d.pop("challenge"))

        valid = d.pop("valid")

        verify_result = cls(
            challenge=challenge,
            valid=valid,
        )

        verify_result.additional_properties = d
        return verify_result

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
