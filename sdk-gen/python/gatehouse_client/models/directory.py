from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Directory")


@_attrs_define
class Directory:
    """
    Attributes:
        object_ (str): Always `directory`.
        id (str):
        organization_id (str):
        name (str):
        type_ (str): okta | entra | generic
        state (str): pending (no SCIM request yet) | active | inactive
        scim_base_url (str): Where the IdP sends SCIM requests.
        bearer_token_prefix (str): The first characters of the current bearer token, to tell tokens apart.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    object_: str
    id: str
    organization_id: str
    name: str
    type_: str
    state: str
    scim_base_url: str
    bearer_token_prefix: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        organization_id = self.organization_id

        name = self.name

        type_ = self.type_

        state = self.state

        scim_base_url = self.scim_base_url

        bearer_token_prefix = self.bearer_token_prefix

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "organization_id": organization_id,
                "name": name,
                "type": type_,
                "state": state,
                "scim_base_url": scim_base_url,
                "bearer_token_prefix": bearer_token_prefix,
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

        organization_id = d.pop("organization_id")

        name = d.pop("name")

        type_ = d.pop("type")

        state = d.pop("state")

        scim_base_url = d.pop("scim_base_url")

        bearer_token_prefix = d.pop("bearer_token_prefix")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        directory = cls(
            object_=object_,
            id=id,
            organization_id=organization_id,
            name=name,
            type_=type_,
            state=state,
            scim_base_url=scim_base_url,
            bearer_token_prefix=bearer_token_prefix,
            created_at=created_at,
            updated_at=updated_at,
        )

        directory.additional_properties = d
        return directory

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
