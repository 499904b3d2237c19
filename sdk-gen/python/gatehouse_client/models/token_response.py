from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.profile import Profile


T = TypeVar("T", bound="TokenResponse")


@_attrs_define
class TokenResponse:
    """
    Attributes:
        token_type (str): Always `Bearer`.
        access_token (str): Fetches the profile again at `GET /sso/profile` until it expires.
        expires_in (int): Seconds the access token lives.
        profile (Profile):
    """

    token_type: str
    access_token: str
    expires_in: int
    profile: Profile
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token_type = self.token_type

        access_token = self.access_token

        expires_in = self.expires_in

        profile = self.profile.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token_type": token_type,
                "access_token": access_token,
                "expires_in": expires_in,
                "profile": profile,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.profile import Profile

        d = dict(src_dict)
        token_type = d.pop("token_type")

        access_token = d.pop("access_token")

        expires_in = d.pop("expires_in")

        profile = Profile.from_dict(d.pop("profile"))

        token_response = cls(
            token_type=token_type,
            access_token=access_token,
            expires_in=expires_in,
            profile=profile,
        )

        token_response.additional_properties = d
        return token_response

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
