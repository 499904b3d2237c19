from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuthenticationChallenge")


@_attrs_define
class AuthenticationChallenge:
    """
    Attributes:
        object_ (str): Always `authentication_challenge`.
        id (str):
        authentication_factor_id (str):
        expires_at (datetime.datetime):
        created_at (datetime.datetime):
    """

    object_: str
    id: str
    authentication_factor_id: str
    expires_at: datetime.datetime
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        authentication_factor_id = self.authentication_factor_id

        expires_at = self.expires_at.isoformat()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "authentication_factor_id": authentication_factor_id,
                "expires_at": expires_at,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        authentication_factor_id = d.pop("authentication_factor_id")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        authentication_challenge = cls(
            object_=object_,
            id=id,
            authentication_factor_id=authentication_factor_id,
            expires_at=expires_at,
            created_at=created_at,
        )

        authentication_challenge.additional_properties = d
        return authentication_challenge

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
