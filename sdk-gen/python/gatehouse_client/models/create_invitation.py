from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateInvitation")


@_attrs_define
class CreateInvitation:
    """
    Attributes:
        email (str):
        organization_id (str):
        role_slug (None | str | Unset): The role the invitee gets; the default role when absent.
        expires_in_days (int | None | Unset): 1..30, default 7.
        inviter_user_id (None | str | Unset):
    """

    email: str
    organization_id: str
    role_slug: None | str | Unset = UNSET
    expires_in_days: int | None | Unset = UNSET
    inviter_user_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        organization_id = self.organization_id

        role_slug: None | str | Unset
        if isinstance(self.role_slug, Unset):
            role_slug = UNSET
        else:
            role_slug = self.role_slug

        expires_in_days: int | None | Unset
        if isinstance(self.expires_in_days, Unset):
            expires_in_days = UNSET
        else:
            expires_in_days = self.expires_in_days

        inviter_user_id: None | str | Unset
        if isinstance(self.inviter_user_id, Unset):
            inviter_user_id = UNSET
        else:
            inviter_user_id = self.inviter_user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email": email,
                "organization_id": organization_id,
            }
        )
        if role_slug is not UNSET:
            field_dict["role_slug"] = role_slug
        if expires_in_days is not UNSET:
            field_dict["expires_in_days"] = expires_in_days
        if inviter_user_id is not UNSET:
            field_dict["inviter_user_id"] = inviter_user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        email = d.pop("email")

        organization_id = d.pop("organization_id")

        def _parse_role_slug(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        role_slug = _parse_role_slug(d.pop("role_slug", UNSET))

        def _parse_expires_in_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in_days = _parse_expires_in_days(d.pop("expires_in_days", UNSET))

        def _parse_inviter_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        inviter_user_id = _parse_inviter_user_id(d.pop("inviter_user_id", UNSET))

        create_invitation = cls(
            email=email,
            organization_id=organization_id,
            role_slug=role_slug,
            expires_in_days=expires_in_days,
            inviter_user_id=inviter_user_id,
        )

        create_invitation.additional_properties = d
        return create_invitation

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
