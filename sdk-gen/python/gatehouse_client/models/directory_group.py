from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DirectoryGroup")


@_attrs_define
class DirectoryGroup:
    """
    Attributes:
        object_ (str): Always `directory_group`.
        id (str):
        directory_id (str):
        organization_id (str):
        name (str):
        raw_attributes (Any):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        idp_id (None | str | Unset): The IdP's id (SCIM `externalId`).
        role_slug (None | str | Unset): The role members of this group get in the organization, or null (≠W).
    """

    object_: str
    id: str
    directory_id: str
    organization_id: str
    name: str
    raw_attributes: Any
    created_at: datetime.datetime
    updated_at: datetime.datetime
    idp_id: None | str | Unset = UNSET
    role_slug: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        directory_id = self.directory_id

        organization_id = self.organization_id

        name = self.name

        raw_attributes = self.raw_attributes

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        idp_id: None | str | Unset
        if isinstance(self.idp_id, Unset):
            idp_id = UNSET
        else:
            idp_id = self.idp_id

        role_slug: None | str | Unset
        if isinstance(self.role_slug, Unset):
            role_slug = UNSET
        else:
            role_slug = self.role_slug

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "directory_id": directory_id,
                "organization_id": organization_id,
                "name": name,
                "raw_attributes": raw_attributes,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if idp_id is not UNSET:
            field_dict["idp_id"] = idp_id
        if role_slug is not UNSET:
            field_dict["role_slug"] = role_slug

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        directory_id = d.pop("directory_id")

        organization_id = d.pop("organization_id")

        name = d.pop("name")

        raw_attributes = d.pop("raw_attributes")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_idp_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_id = _parse_idp_id(d.pop("idp_id", UNSET))

        def _parse_role_slug(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        role_slug = _parse_role_slug(d.pop("role_slug", UNSET))

        directory_group = cls(
            object_=object_,
            id=id,
            directory_id=directory_id,
            organization_id=organization_id,
            name=name,
            raw_attributes=raw_attributes,
            created_at=created_at,
            updated_at=updated_at,
            idp_id=idp_id,
            role_slug=role_slug,
        )

        directory_group.additional_properties = d
        return directory_group

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
