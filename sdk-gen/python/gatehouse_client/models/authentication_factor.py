from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.totp import Totp


T = TypeVar("T", bound="AuthenticationFactor")


@_attrs_define
class AuthenticationFactor:
    """
    Attributes:
        object_ (str): Always `authentication_factor`.
        id (str):
        type_ (str):
        user_id (str):
        verified (bool):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        totp (None | Totp | Unset):
    """

    object_: str
    id: str
    type_: str
    user_id: str
    verified: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    totp: None | Totp | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.totp import Totp

        object_ = self.object_

        id = self.id

        type_ = self.type_

        user_id = self.user_id

        verified = self.verified

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        totp: dict[str, Any] | None | Unset
        if isinstance(self.totp, Unset):
            totp = UNSET
        elif isinstance(self.totp, Totp):
            totp = self.totp.to_dict()
        else:
            totp = self.totp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "type": type_,
                "user_id": user_id,
                "verified": verified,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if totp is not UNSET:
            field_dict["totp"] = totp

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.totp import Totp

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        type_ = d.pop("type")

        user_id = d.pop("user_id")

        verified = d.pop("verified")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_totp(data: object) -> None | Totp | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                totp_type_0 = Totp.from_dict(data)

                return totp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Totp | Unset, data)

        totp = _parse_totp(d.pop("totp", UNSET))

        authentication_factor = cls(
            object_=object_,
            id=id,
            type_=type_,
            user_id=user_id,
            verified=verified,
            created_at=created_at,
            updated_at=updated_at,
            totp=totp,
        )

        authentication_factor.additional_properties = d
        return authentication_factor

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
