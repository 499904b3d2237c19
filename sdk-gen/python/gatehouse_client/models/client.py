from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Client")


@_attrs_define
class Client:
    """
    Attributes:
        object_ (str): Always `client`.
        id (str):
        name (str):
        redirect_uris (list[str]):
        logout_uris (list[str]):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    object_: str
    id: str
    name: str
    redirect_uris: list[str]
    logout_uris: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        name = self.name

        redirect_uris = self.redirect_uris

        logout_uris = self.logout_uris

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "name": name,
                "redirect_uris": redirect_uris,
                "logout_uris": logout_uris,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        name = d.pop("name")

        redirect_uris = cast(list[str], d.pop("redirect_uris"))

        logout_uris = cast(list[str], d.pop("logout_uris"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        client = cls(
            object_=object_,
            id=id,
            name=name,
            redirect_uris=redirect_uris,
            logout_uris=logout_uris,
            created_at=created_at,
            updated_at=updated_at,
        )

        client.additional_properties = d
        return client

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
